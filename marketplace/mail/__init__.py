"""Outgoing mail through the outbox table: `queue_mail` in a transaction, sent after commit.

See `outbox.py` for how mails are written, claimed, sent and retried,
`smtp.py` for the one place SMTP is spoken, and `cli.py` for `flask mail …`.
"""

from .outbox import Mail, queue_mail, record_messages

__all__ = ["Mail", "queue_mail", "record_messages"]
