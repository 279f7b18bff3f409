"""In-process delivery through a real server: the mail leaves after the response, not in it.

The app is served by werkzeug from a thread (as `flask run` serves it) and
sends to an aiosmtpd server on loopback.
"""

import http.cookiejar
import re
import threading
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from marketplace.models import OutboxMail
from marketplace.models.mail import MailStatus


@pytest.fixture
def served(app):
    """The app on a free loopback port, from a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def _browser():
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _ask_for_reset(base, email):
    browser = _browser()
    page = browser.open(base + "/account/reset", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": email}).encode()
    with browser.open(base + "/account/reset", data=data, timeout=30) as response:
        return response.status


def _settled_row(db):
    """The one outbox row, once the attempt after the response (in the server's thread) is over."""
    for _ in range(200):
        db.session.rollback()
        row = db.session.scalars(select(OutboxMail)).one()
        if row.attempts and row.status != MailStatus.SENDING:
            return row
        threading.Event().wait(0.1)
    raise AssertionError(f"mail still {row.status} after 20 s")


def test_a_reset_mail_is_sent_after_the_response(
    app, db, make_user, served, mail_settings, smtp_server
):
    make_user("buyer@example.com")
    db.session.commit()
    smtp_server.start()
    assert _ask_for_reset(served, "buyer@example.com") == 200  # followed the redirect
    (message,) = smtp_server.inbox.wait_for(1)
    assert message["To"] == "buyer@example.com"
    assert "/account/reset/" in message.get_content()
    row = _settled_row(db)
    assert (row.kind, row.status, row.attempts) == ("password_reset", MailStatus.SENT, 1)


def test_with_the_server_down_the_request_succeeds_and_the_mail_waits(
    app, db, make_user, served, mail_settings, smtp_server
):
    make_user("buyer@example.com")
    db.session.commit()
    assert _ask_for_reset(served, "buyer@example.com") == 200
    row = _settled_row(db)
    assert (row.status, row.attempts) == (MailStatus.PENDING, 1)
    assert row.last_error
