"""The outbox: mails written with what caused them, delivered after commit, retried, never lost.

`queue_mail` adds a row to the caller's transaction; nothing leaves before that
transaction commits, and a rollback takes the mail with it. After the commit:

- with no MAIL_SERVER the row stays `held` and the mail is written to the log at
  WARNING (so `flask run` shows its link); admins read it on /admin/outbox;
- otherwise the process that committed sends it once its response has gone out
  (or at once, outside a request), and `flask mail send` (one pass, or `--loop`)
  sends whatever is due: new mails a process did not send, and retries.

A sender claims rows before talking SMTP, with one conditional UPDATE whose
subquery picks the due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
concurrent senders take different rows without waiting; SQLite's single writer
does the same). The claim carries a token, so only its owner records the
outcome. A failed attempt waits MAIL_RETRY_SECONDS × 2^(attempts − 1), at most
MAIL_RETRY_MAX_SECONDS; after MAIL_MAX_ATTEMPTS, or a permanent refusal (5xx
for the recipient or the message), the row is `failed` and an admin can send
it again. A claim older than MAIL_CLAIM_TIMEOUT_SECONDS (a sender that died)
may be taken over; that is the one case where a mail can go out twice, and it
keeps its Message-ID so the receiving side can tell.

With REDIS_URL set, the mails a commit made due go to the job queue instead
(`jobs.deliver_mail`, run by `flask jobs worker`), and `flask jobs scheduler` runs
`send_due` every minute; if Redis does not answer, this process sends them as above.
"""

import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import after_this_request, current_app, has_request_context
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..models.mail import MailStatus, OutboxMail
from . import smtp

_QUEUED = "outbox_queued"  # session.info key: mails written in the open transaction
_recorders = []


@dataclass(frozen=True)
class Mail:
    """One committed mail as tests see it (`record_messages`)."""

    to: str
    subject: str
    body: str
    kind: str = ""


@dataclass
class _Queued:
    id: int
    mail: Mail
    held: bool
    transaction: object = field(repr=False)


@dataclass
class SendReport:
    """What one pass of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def attempted(self):
        """Mails the pass tried to send."""
        return self.sent + self.retrying + self.failed

    def add(self, other):
        """Add another pass's counts to these."""
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed


def utcnow():
    """Now, in UTC."""
    return datetime.now(UTC)


# -- writing a mail ---------------------------------------------------------------------


def queue_mail(to, subject, body, kind=""):
    """Write a mail to `to` into the current transaction; it leaves after the commit.

    Flushes (so the row has its id) but does not commit.
    """
    config = current_app.config
    held = not config.get("MAIL_SERVER")
    now = utcnow()
    mail = OutboxMail(
        kind=kind[:40],
        to_address=to,
        subject=str(subject),
        body=str(body),
        message_id=smtp.new_message_id(config),
        status=MailStatus.HELD if held else MailStatus.PENDING,
        next_attempt_at=None if held else now,
        created_at=now,
    )
    db.session.add(mail)
    db.session.flush()
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    queued = _Queued(mail.id, Mail(to, mail.subject, mail.body, kind), held, transaction)
    session.info.setdefault(_QUEUED, []).append(queued)
    return mail


def discard_queued():
    """Delete the mails written in the open transaction (demo data tells nobody anything)."""
    queued = db.session.info.pop(_QUEUED, [])
    if queued:
        ids = [item.id for item in queued]
        db.session.execute(OutboxMail.__table__.delete().where(OutboxMail.__table__.c.id.in_(ids)))


@contextmanager
def record_messages():
    """Collect every mail committed inside the block into the yielded list (for tests)."""
    messages = []
    _recorders.append(messages)
    try:
        yield messages
    finally:
        _recorders.remove(messages)


def init_app(app):
    """Hook the outbox onto every session: after commit, log or send; on rollback, forget."""
    app.config.setdefault("MAIL_SEND_AFTER_COMMIT", True)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def _after_rollback(session, previous_transaction):
    queued = session.info.get(_QUEUED)
    if not queued:
        return
    if previous_transaction.parent is None:  # the whole transaction: every mail goes
        session.info.pop(_QUEUED, None)
        return
    # A savepoint: only the mails written inside it (or inside savepoints within it).
    session.info[_QUEUED] = [
        item for item in queued if not _inside(item.transaction, previous_transaction)
    ]


def _inside(transaction, outer):
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _after_commit(session):
    queued = session.info.pop(_QUEUED, [])
    if not queued:
        return
    for recorder in _recorders:
        recorder.extend(item.mail for item in queued)
    app = current_app._get_current_object()
    for item in queued:
        if item.held:
            app.logger.warning(
                "Mail #%d held in the outbox (no MAIL_SERVER set; admins read it at "
                "/admin/outbox/%d)\nTo: %s\nSubject: %s\n\n%s",
                item.id,
                item.id,
                item.mail.to,
                item.mail.subject,
                item.mail.body,
            )
    due = [item.id for item in queued if not item.held]
    if not due or not app.config.get("MAIL_SEND_AFTER_COMMIT", True):
        return
    if app.config.get("REDIS_URL"):
        from .. import jobs

        if jobs.try_enqueue("deliver_mail", due) is not None:
            return  # a worker sends it; with Redis down, this process does (below)
    if has_request_context():
        # Send once the response has gone out: the person does not wait for SMTP.
        try:

            @after_this_request
            def _send_when_closed(response):
                response.call_on_close(lambda: _send_in_own_context(app, due))
                return response

        except (AssertionError, RuntimeError):  # the response is already made: the worker sends
            pass
    else:
        _send_in_own_context(app, due)


def _send_in_own_context(app, ids):
    """Send these mails with a session of their own; a failure is the worker's to retry."""
    try:
        with app.app_context():
            deliver_ids(ids)
    except Exception:  # never break the response or the command that committed
        app.logger.exception("Mail %s not sent after commit; `flask mail send` will", ids)


# -- sending ----------------------------------------------------------------------------


def _settings():
    config = current_app.config
    return {
        "base": max(1, int(config.get("MAIL_RETRY_SECONDS") or 60)),
        "cap": max(1, int(config.get("MAIL_RETRY_MAX_SECONDS") or 6 * 3600)),
        "max_attempts": max(1, int(config.get("MAIL_MAX_ATTEMPTS") or 12)),
        "lease": timedelta(seconds=max(60, int(config.get("MAIL_CLAIM_TIMEOUT_SECONDS") or 900))),
    }


def backoff(attempts, base=60, cap=6 * 3600):
    """Seconds to wait after the `attempts`-th failed attempt: base × 2^(attempts−1), capped."""
    return min(cap, base * 2 ** max(0, min(attempts - 1, 30)))


def _due(now, lease):
    return or_(
        and_(OutboxMail.status == MailStatus.PENDING, OutboxMail.next_attempt_at <= now),
        # A sender that claimed this and died (or lost its database) long ago.
        and_(OutboxMail.status == MailStatus.SENDING, OutboxMail.claimed_at < now - lease),
    )


def _claim(session, now, ids=None, limit=50):
    """Claim due mails (these ids, or the next `limit`) for one sender; commits.

    Returns (token, claimed ids). One UPDATE whose subquery chooses the rows: on
    PostgreSQL the subquery locks them FOR UPDATE SKIP LOCKED, so two senders
    never wait on each other nor take the same row; on SQLite the statement
    runs under the database's single write lock, which gives the same.
    """
    settings = _settings()
    token = uuid.uuid4().hex
    chosen = select(OutboxMail.id).where(_due(now, settings["lease"]))
    if ids is not None:
        chosen = chosen.where(OutboxMail.id.in_(list(ids)))
    chosen = (
        chosen.order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = session.scalars(
        update(OutboxMail)
        .where(OutboxMail.id.in_(chosen.scalar_subquery()))
        .values(
            status=MailStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=OutboxMail.attempts + 1,
        )
        .returning(OutboxMail.id)
        .execution_options(synchronize_session=False)
    ).all()
    session.commit()
    return token, sorted(claimed)


def deliver(mail_id, now=None):
    """Send one mail if it is due (the job a queue runs); its new status, or None if not due.

    Commits: call it from a worker, a command or a job, not inside a request's work.
    """
    report, statuses = _deliver(ids=[mail_id], now=now)
    return statuses.get(mail_id)


def deliver_ids(ids, now=None):
    """Send these mails, those of them that are due; a SendReport. Commits."""
    return _deliver(ids=list(ids), now=now)[0]


def send_due(limit=50, now=None):
    """One pass of the sender: every mail due now, `limit` at a time; a SendReport. Commits."""
    total = SendReport()
    while True:
        report, statuses = _deliver(ids=None, now=now, limit=limit)
        total.add(report)
        if len(statuses) < limit:
            return total


def _deliver(ids, now=None, limit=50):
    session = db.session
    if not current_app.config.get("MAIL_SERVER"):
        return SendReport(), {}
    if ids is not None and not ids:
        return SendReport(), {}
    if ids is not None:
        limit = max(limit, len(ids))
    token, claimed = _claim(session, now or utcnow(), ids=ids, limit=limit)
    report, statuses = SendReport(), {}
    if not claimed:
        return report, statuses
    config = current_app.config
    rows = session.scalars(
        select(OutboxMail)
        .where(OutboxMail.id.in_(claimed), OutboxMail.claim_token == token)
        .order_by(OutboxMail.id)
    ).all()
    work = [
        (
            row.id,
            row.attempts,
            row.to_address,
            smtp.build_message(config, row.to_address, row.subject, row.body, row.message_id),
        )
        for row in rows
    ]
    session.commit()  # hold no transaction while the SMTP server takes its time
    lost = None
    with smtp.Connection(config) as connection:
        for mail_id, attempts, to, message in work:
            error = lost
            if error is None:
                try:
                    connection.send(message)
                except smtp.SendError as send_error:
                    error = send_error
                    if send_error.connection_lost:
                        lost = send_error  # the rest of this batch waits for the next pass
            status = _record(session, mail_id, token, attempts, to, error, now)
            statuses[mail_id] = status
            if status == MailStatus.SENT:
                report.sent += 1
            elif status == MailStatus.FAILED:
                report.failed += 1
            else:
                report.retrying += 1
    return report, statuses


def _record(session, mail_id, token, attempts, to, error, now=None):
    """Write one attempt's outcome, if this sender still holds the claim; commits."""
    settings = _settings()
    at = now or utcnow()
    values = {"claim_token": None, "claimed_at": None, "last_attempt_at": at}
    if error is None:
        values.update(status=MailStatus.SENT, sent_at=at, next_attempt_at=None)
    elif error.permanent or attempts >= settings["max_attempts"]:
        values.update(status=MailStatus.FAILED, next_attempt_at=None, last_error=str(error))
    else:
        wait = backoff(attempts, settings["base"], settings["cap"])
        values.update(
            status=MailStatus.PENDING,
            next_attempt_at=at + timedelta(seconds=wait),
            last_error=str(error),
        )
    result = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == mail_id, OutboxMail.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    logger = current_app.logger
    if error is None:
        logger.info("Mail #%d sent to %s", mail_id, to)
    elif values["status"] == MailStatus.FAILED:
        logger.error(
            "Mail #%d to %s failed for good (attempt %d): %s", mail_id, to, attempts, error
        )
    else:
        logger.warning(
            "Mail #%d to %s not sent (attempt %d): %s; next try at %s",
            mail_id,
            to,
            attempts,
            error,
            values["next_attempt_at"].isoformat(timespec="seconds"),
        )
    if result.rowcount != 1:  # another sender took it over meanwhile: its outcome stands
        return None
    return values["status"]


def run_worker(interval=15, stop=None, limit=50, max_passes=None, echo=None):
    """Send what is due, then wait `interval` seconds, until `stop` (a threading.Event) is set."""
    stop = stop or threading.Event()
    passes = 0
    while not stop.is_set():
        try:
            report = send_due(limit=limit)
        except Exception:  # the database went away: log, wait, try again
            db.session.rollback()
            current_app.logger.exception("Mail sender pass failed")
            report = SendReport()
        if echo is not None and report.attempted:
            echo(report)
        db.session.remove()
        passes += 1
        if max_passes is not None and passes >= max_passes:
            break
        stop.wait(interval)


# -- what admins do ---------------------------------------------------------------------


class OutboxError(Exception):
    """An admin's request about a mail that cannot be done; `message` says why."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def can_send_again(mail):
    """Whether an admin may send this mail (again) now."""
    if not current_app.config.get("MAIL_SERVER"):
        return False
    return mail.status in (MailStatus.FAILED, MailStatus.HELD, MailStatus.PENDING)


def send_again(mail_id, actor):
    """Put a failed, held or waiting mail back in line, due now; flushes, the view commits.

    Raises OutboxError when there is no mail server or the mail is sent or being sent.
    """
    from flask_babel import gettext

    from ..accounts.audit import AuditAction, audit

    mail = get_mail(mail_id)
    if not current_app.config.get("MAIL_SERVER"):
        raise OutboxError(gettext("No mail server is set, so mails stay in the outbox."))
    if not can_send_again(mail):
        raise OutboxError(gettext("This mail is sent or being sent; it cannot be sent again."))
    previous = mail.status
    mail.status = MailStatus.PENDING
    mail.next_attempt_at = utcnow()
    mail.attempts = 0  # a fresh run of attempts; the last error stays until one succeeds
    db.session.flush()
    db.session.info.setdefault(_QUEUED, []).append(
        _Queued(
            mail.id,
            Mail(mail.to_address, mail.subject, mail.body, mail.kind),
            False,
            db.session().get_transaction(),
        )
    )
    audit(AuditAction.MAIL_SENT_AGAIN, mail, actor=actor, previous_status=previous)
    return mail


def release_held():
    """Make every held mail due now (a mail server has been set up); their number. Flushes."""
    result = db.session.execute(
        update(OutboxMail)
        .where(OutboxMail.status == MailStatus.HELD)
        .values(status=MailStatus.PENDING, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def get_mail(mail_id):
    """The mail with this id; LookupError when there is none."""
    mail = db.session.get(OutboxMail, mail_id) if 0 < mail_id < 2**31 else None
    if mail is None:
        raise LookupError(mail_id)
    return mail


def outbox_query(status="", search=""):
    """Mails newest first, of one status and to addresses containing `search` if given."""
    query = select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc())
    if status in MailStatus.ALL:
        query = query.where(OutboxMail.status == status)
    if search:
        query = query.where(
            func.lower(OutboxMail.to_address).contains(search.lower(), autoescape=True)
        )
    return query


def status_counts():
    """How many mails stand in each status, every status present."""
    counts = dict.fromkeys(MailStatus.ALL, 0)
    rows = db.session.execute(
        select(OutboxMail.status, func.count(OutboxMail.id)).group_by(OutboxMail.status)
    )
    for status, count in rows:
        counts[status] = count
    return counts
