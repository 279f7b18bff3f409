"""SMTP, the one module that speaks it: build a message, open a connection, send.

Settings come from the app config (MAIL_SERVER, MAIL_PORT, MAIL_USE_TLS,
MAIL_USE_SSL, MAIL_USERNAME, MAIL_PASSWORD, MAIL_FROM, MAIL_FROM_NAME,
MAIL_TIMEOUT). Errors are raised as `SendError`, which says whether trying
again later can help.
"""

import contextlib
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid


class SendError(Exception):
    """A mail was not handed over; `permanent` when trying again cannot help."""

    def __init__(self, message, permanent=False, connection_lost=False):
        super().__init__(message)
        self.permanent = permanent
        self.connection_lost = connection_lost


def new_message_id(config):
    """A Message-ID on the sender's domain (not the host's name, which may need DNS)."""
    domain = config.get("MAIL_FROM", "").rpartition("@")[2] or "localhost"
    return make_msgid(domain=domain)


def build_message(config, to, subject, body, message_id):
    """The EmailMessage for one outbox row, in UTF-8 plain text."""
    message = EmailMessage()
    message["From"] = formataddr((config.get("MAIL_FROM_NAME", ""), config["MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


class Connection:
    """One SMTP session, opened on the first message and reused for the next ones."""

    def __init__(self, config):
        self._config = config
        self._smtp = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def _open(self):
        config = self._config
        host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 587)
        timeout = float(config.get("MAIL_TIMEOUT") or 10)
        context = ssl.create_default_context()
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if not config.get("MAIL_USE_SSL") and config.get("MAIL_USE_TLS"):
                smtp.starttls(context=context)
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD", ""))
        except BaseException:
            _quietly_close(smtp)
            raise
        return smtp

    def send(self, message):
        """Hand `message` to the server, or raise SendError."""
        try:
            if self._smtp is None:
                self._smtp = self._open()
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            raise SendError(_describe(error), permanent=all(c >= 500 for c in codes)) from error
        except smtplib.SMTPDataError as error:
            raise SendError(_describe(error), permanent=error.smtp_code >= 500) from error
        except OSError as error:
            # No server, a dropped connection, or (SMTPException is an OSError) a refused
            # login, sender or STARTTLS: the server or the settings, not this mail, so
            # it is tried again later, as are the others waiting behind it.
            self.close()
            raise SendError(_describe(error), connection_lost=True) from error
        if refused:  # only some recipients refused; we send to one, so this is that one
            raise SendError(_describe(refused), permanent=True)

    def close(self):
        """Say goodbye to the server, if a session is open."""
        if self._smtp is not None:
            smtp, self._smtp = self._smtp, None
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(smtp)


def _quietly_close(smtp):
    with contextlib.suppress(OSError):
        smtp.close()


def _describe(error):
    """A short, readable account of an SMTP error for the admin page."""
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        return f"{error.smtp_code} {text}"[:500]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        error = error.recipients
    if isinstance(error, dict):
        parts = []
        for address, (code, text) in error.items():
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            parts.append(f"{address}: {code} {text}")
        return "; ".join(parts)[:500]
    return (f"{type(error).__name__}: {error}" if str(error) else type(error).__name__)[:500]
