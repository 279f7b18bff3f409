"""Role × route matrix rows of the admin Outbox (see tests/matrix_rows.py): admins only."""

from marketplace.mail import queue_mail

from .matrix_rows import ADMIN_ONLY

EXPECT = {
    ("admin.outbox_list", "GET"): ("/admin/outbox", ADMIN_ONLY),
    ("admin.outbox_mail", "GET"): ("/admin/outbox/{mail}", ADMIN_ONLY),
    ("admin.outbox_send", "POST"): ("/admin/outbox/{mail}/send", ADMIN_ONLY),
}

OBJECT_IDS = ["mail"]  # admin routes only: no office route to tamper with


def add_to_world(group, ids):
    """A mail to the group's address, held (the suite sets no mail server)."""
    ids["mail"] = queue_mail(
        f"{group.slug}@example.com", "Invitation", "http://127.0.0.1:5000/account/invitation/x"
    ).id
