"""Password reset by mailed link: same answer for every address, single use, one hour."""

import re
import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from marketplace.accounts import tokens
from marketplace.accounts.audit import AuditAction
from marketplace.accounts.passwords import verify_password
from marketplace.extensions import db
from marketplace.models import OutboxMail

from .helpers import audit_rows, link_in, post_form, signed_in_email

NEW_PASSWORD = "a brand new passphrase"


def _request_reset(client, email):
    return post_form(client, "/account/reset", {"email": email})


def _set_password(client, path, password=NEW_PASSWORD, confirm=None):
    return post_form(client, path, {"password": password, "confirm": confirm or password})


@pytest.fixture
def buyer(make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    return user


def test_known_and_unknown_addresses_get_the_same_answer(client, buyer, outbox):
    known = _request_reset(client, "buyer@example.com")
    unknown = _request_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303
    assert known.headers["Location"] == unknown.headers["Location"]
    known_page = client.get(known.headers["Location"]).get_data(as_text=True)
    assert "If an account uses this address" in known_page
    assert [m.to for m in outbox] == ["buyer@example.com"]


def test_reset_link_sets_a_new_password_once(client, auth, buyer, outbox, db):
    _request_reset(client, "Buyer@Example.com ")
    path = link_in(outbox[0])
    assert path.startswith("/account/reset/")
    assert "Choose a new password" in client.get(path).get_data(as_text=True)
    response = _set_password(client, path)
    assert response.status_code == 303
    db.session.refresh(buyer)
    assert verify_password(buyer, NEW_PASSWORD)
    # The link died with the old password.
    assert client.get(path).status_code == 400
    assert _set_password(client, path, "another new passphrase").status_code == 400
    db.session.refresh(buyer)
    assert verify_password(buyer, NEW_PASSWORD)
    assert auth.login("buyer@example.com", NEW_PASSWORD).status_code == 303
    assert [r.action for r in audit_rows() if r.action.startswith("password")] == [
        AuditAction.PASSWORD_RESET_REQUESTED,
        AuditAction.PASSWORD_RESET,
    ]


def test_reset_link_refuses_a_short_password_and_stays_valid(client, buyer, outbox, db):
    _request_reset(client, "buyer@example.com")
    path = link_in(outbox[0])
    response = _set_password(client, path, "too short")
    assert response.status_code == 200
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_reset_link_expires_after_an_hour(client, buyer, monkeypatch, app):
    real = TimestampSigner.get_timestamp
    with app.test_request_context():
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3601)
        old = tokens.make_token(buyer, tokens.RESET)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - 3500)
        recent = tokens.make_token(buyer, tokens.RESET)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = client.get(f"/account/reset/{old}")
    assert response.status_code == 400
    assert "This link is not valid any more" in response.get_data(as_text=True)
    assert client.get(f"/account/reset/{recent}").status_code == 200


def test_tampered_or_foreign_tokens_are_refused(client, buyer, app):
    with app.test_request_context():
        invitation = tokens.make_token(buyer, tokens.INVITATION)
        reset = tokens.make_token(buyer, tokens.RESET)
    assert client.get(f"/account/reset/{invitation}").status_code == 400  # other salt
    assert client.get(f"/account/reset/{reset[:-2]}xx").status_code == 400
    assert client.get("/account/reset/nonsense").status_code == 400


def test_a_password_reset_ends_other_sessions(app, client, auth, buyer, outbox):
    auth.login("buyer@example.com", remember=True)
    other = app.test_client()
    _request_reset(other, "buyer@example.com")
    _set_password(other, link_in(outbox[0]))
    assert signed_in_email(client) is None


def test_an_inactive_account_gets_no_mail(client, make_user, db, outbox):
    make_user("gone@example.com", active=False)
    db.session.commit()
    assert _request_reset(client, "gone@example.com").status_code == 303
    assert outbox == []


def test_reset_requests_are_rate_limited_per_address_of_mail(client, buyer, outbox, app):
    allowed = int(app.config["RESET_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(allowed):
        assert _request_reset(client, "buyer@example.com").status_code == 303
    response = _request_reset(client, "buyer@example.com")
    assert response.status_code == 429
    assert "Please wait" in response.get_data(as_text=True)
    assert len(outbox) == allowed


def test_without_a_mail_server_the_mail_is_held_and_logged_at_warning(client, buyer, caplog, app):
    assert not app.config["MAIL_SERVER"]
    # WARNING: what `flask run` shows with no logging set up, so the link is on the console.
    with caplog.at_level("WARNING", logger=app.logger.name):
        _request_reset(client, "buyer@example.com")
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    assert "buyer@example.com" in logged
    assert "/account/reset/" in logged
    (mail,) = db.session.scalars(select(OutboxMail)).all()
    assert (mail.status, mail.kind, mail.to_address) == ("held", "password_reset", buyer.email)
    assert "/account/reset/" in mail.body


def test_a_forged_host_header_never_reaches_the_mailed_link(app, buyer, outbox, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://market.example.org")
    client = app.test_client()
    page = client.get("/account/reset", headers={"Host": "evil.example"})
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    client.post(
        "/account/reset",
        data={"csrf_token": token.group(1), "email": "buyer@example.com"},
        headers={"Host": "evil.example"},
    )
    assert len(outbox) == 1
    assert "evil.example" not in outbox[0].body
    assert "https://market.example.org/account/reset/" in outbox[0].body
