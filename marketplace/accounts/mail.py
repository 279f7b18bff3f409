"""Outgoing mail, behind one function: send_mail(to, subject, body).

With MAIL_SERVER configured the message goes out over SMTP (STARTTLS or SSL,
optional login). Without it the message is written to the app log, so a demo
or development install works with no mail server. Tests can capture messages
with `record_messages()`.
"""

import smtplib
import ssl
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app

_recorders = []


@dataclass(frozen=True)
class Mail:
    """One message as it was handed to send_mail."""

    to: str
    subject: str
    body: str


@contextmanager
def record_messages():
    """Collect every message sent inside the block into the yielded list."""
    outbox = []
    _recorders.append(outbox)
    try:
        yield outbox
    finally:
        _recorders.remove(outbox)


def send_mail(to, subject, body):
    """Send a plain-text message; True if it was sent or logged, False if SMTP failed.

    A failure is logged, never raised: the caller answers the person the same
    way either way (a reset request must not reveal anything through errors).
    """
    subject, body = str(subject), str(body)
    for outbox in _recorders:
        outbox.append(Mail(to=to, subject=subject, body=body))
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        current_app.logger.info("Mail (no MAIL_SERVER set) to %s: %s\n%s", to, subject, body)
        return True
    message = EmailMessage()
    message["From"] = formataddr((config.get("MAIL_FROM_NAME", ""), config["MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid()
    message.set_content(body)
    try:
        _deliver(config, message)
    except (OSError, smtplib.SMTPException):
        current_app.logger.exception("Mail to %s could not be sent: %s", to, subject)
        return False
    return True


def _deliver(config, message):
    host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 587)
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=20, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=20)
    with smtp:
        if not config.get("MAIL_USE_SSL") and config.get("MAIL_USE_TLS"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        smtp.send_message(message)
