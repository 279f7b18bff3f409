"""The outbox against a real SMTP server on loopback: written with its cause, sent once, retried.

Each test points the app at an aiosmtpd server on a free port of 127.0.0.1
(tests/mail/conftest.py), started, stopped and started again as the test needs.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.accounts import groups
from marketplace.accounts.audit import AuditAction
from marketplace.mail import outbox, queue_mail
from marketplace.models import AuditLog, OutboxMail, User
from marketplace.models.mail import MailStatus


def _rows(db):
    db.session.expire_all()
    return db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _no_send_after_commit(monkeypatch, app):
    # These tests drive `flask mail send` / send_due themselves.
    monkeypatch.setitem(app.config, "MAIL_SEND_AFTER_COMMIT", False)


# -- written in the transaction of what caused it -----------------------------------------


def test_an_invitation_and_its_mail_roll_back_together(app, db, make, outbox):
    group = make.group()
    db.session.commit()
    groups.invite_member(group, "leader@example.com")
    assert len(_rows(db)) == 1  # flushed into the open transaction
    db.session.rollback()
    assert _rows(db) == []
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert outbox == []  # nothing reached anyone

    membership, mail = groups.invite_member(group, "leader@example.com")
    db.session.commit()
    (row,) = _rows(db)
    assert row.id == mail.id and row.kind == "invitation"
    assert row.to_address == membership.user.email == "leader@example.com"
    assert [m.to for m in outbox] == ["leader@example.com"]


def test_a_rolled_back_savepoint_takes_only_its_own_mail(app, db, outbox):
    queue_mail("kept@example.com", "Kept", "kept")
    with pytest.raises(RuntimeError), db.session.begin_nested():
        queue_mail("dropped@example.com", "Dropped", "dropped")
        raise RuntimeError("the inner step failed")
    db.session.commit()
    assert [row.to_address for row in _rows(db)] == ["kept@example.com"]
    assert [m.to for m in outbox] == ["kept@example.com"]


def test_without_a_mail_server_mails_are_held_and_the_sender_says_so(app, db, runner, caplog):
    assert not app.config["MAIL_SERVER"]
    with caplog.at_level("WARNING", logger=app.logger.name):
        queue_mail("buyer@example.com", "Your order", "Open http://127.0.0.1:5000/orders/X")
        db.session.commit()
    (row,) = _rows(db)
    assert (row.status, row.attempts, row.next_attempt_at) == (MailStatus.HELD, 0, None)
    warning = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "http://127.0.0.1:5000/orders/X" in warning and "buyer@example.com" in warning
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1
    assert "No MAIL_SERVER" in result.output and "1 mail(s) are held" in result.output


# -- delivered over SMTP ----------------------------------------------------------------


def test_the_sender_delivers_over_smtp_once(
    app, db, runner, mail_settings, smtp_server, monkeypatch
):
    _no_send_after_commit(monkeypatch, app)
    smtp_server.start()
    mail = queue_mail("buyer@example.com", "คำสั่งซื้อ A1", "ลิงก์ ข้าว\n")
    message_id = mail.message_id
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "คำสั่งซื้อ A1"
    assert message["To"] == "buyer@example.com"
    assert message["From"] == "market@example.org"
    assert message["Message-ID"] == message_id
    assert message.get_content().splitlines() == ["ลิงก์ ข้าว"]
    (row,) = _rows(db)
    assert (row.status, row.attempts, row.claim_token) == (MailStatus.SENT, 1, None)
    assert row.sent_at is not None
    assert "sent 0" in runner.invoke(args=["mail", "send"]).output
    assert len(smtp_server.inbox.messages) == 1


def test_a_server_that_is_down_then_back_gets_the_mail_exactly_once(
    app, db, mail_settings, smtp_server
):
    # Nothing listens yet: the send right after the commit fails, and the mail is kept.
    queue_mail("buyer@example.com", "Paid", "Your order is paid.", kind="order_paid")
    before = datetime.now(UTC)
    db.session.commit()
    (row,) = _rows(db)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert "refused" in row.last_error.lower()
    wait = (_aware(row.next_attempt_at) - before).total_seconds()
    assert 60 <= wait < 70  # MAIL_RETRY_SECONDS after the first failure

    # Not due yet: a pass does nothing (and does not count an attempt).
    assert outbox.send_due().attempted == 0
    assert _rows(db)[0].attempts == 1

    smtp_server.start()
    later = datetime.now(UTC) + timedelta(seconds=61)
    report = outbox.send_due(now=later)
    assert (report.sent, report.retrying, report.failed) == (1, 0, 0)
    assert [m["Subject"] for m in smtp_server.inbox.wait_for(1)] == ["Paid"]
    (row,) = _rows(db)
    assert (row.status, row.attempts) == (MailStatus.SENT, 2)
    # Further passes, however late, send nothing more.
    assert outbox.send_due(now=later + timedelta(days=2)).attempted == 0
    assert len(smtp_server.inbox.messages) == 1


def test_waits_double_until_the_mail_fails_for_good(app, db, mail_settings, monkeypatch):
    _no_send_after_commit(monkeypatch, app)
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 4)
    queue_mail("buyer@example.com", "Hello", "Body")
    db.session.commit()
    now = datetime.now(UTC)
    waits = []
    for _attempt in range(4):
        report = outbox.send_due(now=now)
        assert report.attempted == 1
        row = _rows(db)[0]
        if row.next_attempt_at is not None:
            waits.append((_aware(row.next_attempt_at) - now).total_seconds())
            now = _aware(row.next_attempt_at)
    assert waits == [60, 120, 240]
    assert (row.status, row.attempts, row.next_attempt_at) == (MailStatus.FAILED, 4, None)
    assert outbox.send_due(now=now + timedelta(days=30)).attempted == 0


def test_backoff_is_capped():
    waits = [outbox.backoff(n, 60, 600) for n in (1, 2, 3, 4, 5, 50)]
    assert waits == [60, 120, 240, 480, 600, 600]


def test_a_recipient_refused_for_good_fails_at_once(app, db, mail_settings, smtp_server):
    smtp_server.inbox.refuse.add("nobody@example.com")
    smtp_server.start()
    queue_mail("nobody@example.com", "Hello", "Body")
    queue_mail("buyer@example.com", "Hello", "Body")
    db.session.commit()  # sent right after the commit, in one SMTP session
    refused, sent = _rows(db)
    assert (refused.status, refused.attempts) == (MailStatus.FAILED, 1)
    assert refused.last_error.startswith("nobody@example.com: 550")
    assert sent.status == MailStatus.SENT
    assert [m["To"] for m in smtp_server.inbox.wait_for(1)] == ["buyer@example.com"]


def test_concurrent_senders_never_send_a_mail_twice(
    app, db, mail_settings, smtp_server, monkeypatch
):
    _no_send_after_commit(monkeypatch, app)
    smtp_server.start()
    for number in range(24):
        queue_mail(f"buyer{number}@example.com", f"Mail {number}", "Body")
    db.session.commit()
    errors = []
    start = threading.Barrier(4)

    def sender():
        try:
            with app.app_context():
                start.wait()
                outbox.send_due(limit=3)
        except Exception as error:  # noqa: BLE001  (reported below)
            errors.append(error)

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    messages = smtp_server.inbox.wait_for(24)
    assert sorted(m["Subject"] for m in messages) == sorted(f"Mail {n}" for n in range(24))
    assert len({m["Message-ID"] for m in messages}) == 24
    assert {row.status for row in _rows(db)} == {MailStatus.SENT}
    assert {row.attempts for row in _rows(db)} == {1}


def test_a_claim_left_by_a_dead_sender_is_taken_over_after_the_timeout(
    app, db, mail_settings, smtp_server, monkeypatch
):
    _no_send_after_commit(monkeypatch, app)
    smtp_server.start()
    stale = queue_mail("stale@example.com", "Stale", "Body")
    fresh = queue_mail("fresh@example.com", "Fresh", "Body")
    now = datetime.now(UTC)
    stale.status = fresh.status = MailStatus.SENDING
    stale.claim_token, fresh.claim_token = "a" * 32, "b" * 32
    stale.claimed_at = now - timedelta(minutes=16)
    fresh.claimed_at = now - timedelta(minutes=1)
    db.session.commit()
    assert outbox.send_due(now=now).sent == 1
    assert [m["To"] for m in smtp_server.inbox.wait_for(1)] == ["stale@example.com"]
    assert [row.status for row in _rows(db)] == [MailStatus.SENT, MailStatus.SENDING]


def test_deliver_sends_one_mail_by_id_for_a_job_queue(
    app, db, mail_settings, smtp_server, monkeypatch
):
    _no_send_after_commit(monkeypatch, app)
    smtp_server.start()
    first = queue_mail("one@example.com", "One", "Body")
    queue_mail("two@example.com", "Two", "Body")
    db.session.commit()
    assert outbox.deliver(first.id) == MailStatus.SENT
    assert outbox.deliver(first.id) is None  # sent already: nothing to do
    assert [m["To"] for m in smtp_server.inbox.wait_for(1)] == ["one@example.com"]
    assert [row.status for row in _rows(db)] == [MailStatus.SENT, MailStatus.PENDING]


def test_the_loop_sends_what_becomes_due_until_stopped(
    app, db, mail_settings, smtp_server, monkeypatch
):
    _no_send_after_commit(monkeypatch, app)
    smtp_server.start()
    stop = threading.Event()
    reports = []

    def worker():
        with app.app_context():
            outbox.run_worker(interval=0.1, stop=stop, echo=reports.append)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        queue_mail("late@example.com", "Written while the loop runs", "Body")
        db.session.commit()
        assert len(smtp_server.inbox.wait_for(1)) == 1
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()
    assert sum(report.sent for report in reports) == 1


def test_held_mails_are_released_once_a_server_is_set(
    app, db, runner, smtp_port, smtp_server, monkeypatch
):
    queue_mail("buyer@example.com", "Held", "Body")
    db.session.commit()
    assert _rows(db)[0].status == MailStatus.HELD
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", smtp_port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    smtp_server.start()
    assert "sent 0" in runner.invoke(args=["mail", "send"]).output  # held stays held
    result = runner.invoke(args=["mail", "send", "--release-held"])
    assert "released 1" in result.output and "sent 1" in result.output
    assert _rows(db)[0].status == MailStatus.SENT
    assert "sent     1" in runner.invoke(args=["mail", "status"]).output


def test_an_admin_sends_a_failed_mail_again(app, db, make_user, mail_settings, smtp_server):
    admin = make_user("admin@example.com", admin=True)
    mail = queue_mail("buyer@example.com", "Hello", "Body")
    mail.status, mail.attempts, mail.last_error = MailStatus.FAILED, 12, "421 try later"
    mail.next_attempt_at = None
    db.session.commit()
    smtp_server.start()
    outbox.send_again(mail.id, actor=admin)
    db.session.commit()  # outside a request: sent right after the commit
    (row,) = _rows(db)
    assert (row.status, row.attempts) == (MailStatus.SENT, 1)
    assert len(smtp_server.inbox.wait_for(1)) == 1
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.action == AuditAction.MAIL_SENT_AGAIN)
    )
    assert (entry.actor_id, entry.subject_id) == (admin.id, mail.id)
    with pytest.raises(outbox.OutboxError):
        outbox.send_again(mail.id, actor=admin)  # sent: not again
