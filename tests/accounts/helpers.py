"""Small helpers for the accounts and admin tests."""

import json
import re

from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models.accounts import AuditLog

LINK = re.compile(r"https?://\S+")


def token_of(client, path):
    """The CSRF token of the first form on a page."""
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"{path} has no CSRF token"
    return match.group(1)


def post_form(client, path, data, page=None):
    """Post `data` to `path` with a CSRF token read from `page` (default: `path`)."""
    return client.post(path, data={"csrf_token": token_of(client, page or path), **data})


def link_in(mail):
    """The first URL in a mail body, as a path the test client can open."""
    match = LINK.search(mail.body)
    assert match, mail.body
    return re.sub(r"^https?://[^/]+", "", match.group(0))


def audit_rows(action=None):
    """Audit rows, oldest first, optionally of one action."""
    query = select(AuditLog).order_by(AuditLog.id)
    if action:
        query = query.where(AuditLog.action == action)
    return db.session.scalars(query).all()


def details(row):
    """An audit row's details as a dict."""
    return json.loads(row.details)


def signed_in_email(client):
    """The email of whoever the client's session belongs to, or None (reads the profile page)."""
    response = client.get("/account/profile")
    if response.status_code != 200:
        return None
    match = re.search(r'<p class="muted">([^<]+@[^<]+)</p>', response.get_data(as_text=True))
    return match.group(1) if match else None
