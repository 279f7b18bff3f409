"""The outbox with the job queue: a worker sends the mail; with Redis down, the web process does."""

from sqlalchemy import select

from marketplace import jobs
from marketplace.mail import queue_mail
from marketplace.models import OutboxMail
from marketplace.models.mail import MailStatus

from .conftest import free_port


def _status(db, mail_id):
    db.session.rollback()
    return db.session.scalar(select(OutboxMail.status).where(OutboxMail.id == mail_id))


def test_with_a_queue_the_worker_sends_the_mail(app, db, mail_settings, smtp_server, redis_queue):
    smtp_server.start()
    mail_id = queue_mail("buyer@example.com", "Order A1", "Your order\n").id
    db.session.commit()
    assert redis_queue.count == 1  # queued, not sent by the process that committed
    assert _status(db, mail_id) == MailStatus.PENDING
    assert smtp_server.inbox.messages == []
    jobs.run_worker(app, burst=True)
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Order A1"
    assert _status(db, mail_id) == MailStatus.SENT


def test_the_scheduler_sweeps_the_outbox_every_minute():
    assert jobs.PERIODIC["send_due_mail"] == 60
    assert jobs.TASKS["send_due_mail"] is jobs.send_due_mail


def test_redis_down_the_mail_is_still_sent_and_nothing_is_lost(
    app, db, mail_settings, smtp_server, monkeypatch
):
    monkeypatch.setitem(app.config, "REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setitem(app.extensions, "jobs", {})
    smtp_server.start()
    mail_id = queue_mail("buyer@example.com", "Order B2", "Your order\n").id
    db.session.commit()  # Redis refuses: this process sends it instead
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["Subject"] == "Order B2"
    assert _status(db, mail_id) == MailStatus.SENT
