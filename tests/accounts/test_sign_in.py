"""Sign-up, sign-in and out: sessions, cookies, next URLs, generic errors and the audit trail."""

import pytest

from marketplace.accounts.audit import AuditAction
from marketplace.accounts.redirects import safe_next_url
from marketplace.models.accounts import User

from ..factories import DEFAULT_PASSWORD
from .helpers import audit_rows, details, post_form, signed_in_email, token_of

GENERIC = "The email address or password is not correct."


def _cookie_header(response, name):
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "=")]
    assert headers, f"no {name} cookie set"
    return headers[-1]


# -- sign-up ----------------------------------------------------------------------


def test_sign_up_creates_a_buyer_and_signs_them_in(client, db):
    response = post_form(
        client,
        "/account/sign-up",
        {
            "name": "Somchai",
            "email": "  Somchai@Example.COM ",
            "password": DEFAULT_PASSWORD,
            "confirm": DEFAULT_PASSWORD,
        },
    )
    assert response.status_code == 303
    user = db.session.query(User).one()
    assert user.email == "somchai@example.com"
    assert user.name == "Somchai"
    assert not (user.is_admin or user.is_officer or user.memberships)
    assert user.password_hash.startswith("scrypt:16384:8:1$")
    assert signed_in_email(client) == "somchai@example.com"
    assert [r.action for r in audit_rows()] == [AuditAction.SIGN_UP]


@pytest.mark.parametrize(
    ("password", "confirm", "message"),
    [
        ("short pass", "short pass", "Use at least 12 characters."),
        ("a" * 11, "a" * 11, "Use at least 12 characters."),
        (DEFAULT_PASSWORD, DEFAULT_PASSWORD + "x", "The two passwords are not the same."),
    ],
)
def test_sign_up_refuses_bad_passwords_and_changes_nothing(client, db, password, confirm, message):
    response = post_form(
        client,
        "/account/sign-up",
        {"email": "a@example.com", "password": password, "confirm": confirm},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert message in html
    assert 'aria-invalid="true"' in html
    assert db.session.query(User).count() == 0


def test_sign_up_with_a_taken_email_changes_nothing(client, db, make_user):
    make_user("taken@example.com")
    db.session.commit()
    response = post_form(
        client,
        "/account/sign-up",
        {"email": "TAKEN@example.com", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD},
    )
    assert response.status_code == 200
    assert "cannot be used to sign up" in response.get_data(as_text=True)
    assert db.session.query(User).count() == 1


def test_sign_up_refuses_a_malformed_email(client, db):
    response = post_form(
        client,
        "/account/sign-up",
        {"email": "not-an-email@", "password": DEFAULT_PASSWORD, "confirm": DEFAULT_PASSWORD},
    )
    assert "Enter a valid email address." in response.get_data(as_text=True)
    assert db.session.query(User).count() == 0


# -- sign-in --------------------------------------------------------------------------


def test_sign_in_and_out(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    response = auth.login("buyer@example.com")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert signed_in_email(client) == "buyer@example.com"
    response = auth.logout()
    assert response.status_code == 303
    assert signed_in_email(client) is None
    assert [r.action for r in audit_rows()] == [AuditAction.SIGN_IN, AuditAction.SIGN_OUT]


def test_email_is_normalised_at_sign_in(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    assert auth.login("  Buyer@EXAMPLE.com ").status_code == 303


def test_bad_credentials_get_one_generic_message(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    wrong_password = auth.login("buyer@example.com", "wrong password, long enough")
    unknown_email = auth.login("nobody@example.com", "wrong password, long enough")
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert GENERIC in response.get_data(as_text=True)
    assert signed_in_email(client) is None


def test_failed_sign_ins_are_audited_without_the_password(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com", "my secret guess 123")
    auth.login("nobody@example.com", "another secret guess")
    rows = audit_rows(AuditAction.SIGN_IN_FAILED)
    assert [(r.subject_id, r.actor_id) for r in rows] == [(user.id, None), (None, None)]
    assert details(rows[1]) == {"email": "nobody@example.com"}
    for row in rows:
        assert "secret guess" not in row.details
        assert row.remote_addr == "127.0.0.1"


def test_sign_out_needs_post_and_csrf(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com")
    assert client.get("/account/sign-out").status_code == 405
    assert client.post("/account/sign-out").status_code == 400
    assert signed_in_email(client) == "buyer@example.com"


def test_sign_in_page_redirects_someone_already_signed_in(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com")
    response = client.get("/account/sign-in?next=/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/profile"


# -- the session and its cookies ------------------------------------------------------------


def test_sign_in_starts_a_new_session_keeping_only_the_cart(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    with client.session_transaction() as session:
        session["cart"] = {"SKU-1": 2}
        session["planted"] = "by an attacker"
    token_before = token_of(client, "/account/reset")
    auth.login("buyer@example.com")
    with client.session_transaction() as session:
        assert session["cart"] == {"SKU-1": 2}
        assert "planted" not in session
        assert session.get("csrf_token") is None or session["csrf_token"] != token_before
        assert session["_user_id"].startswith(str(db.session.query(User).one().id) + ".")


def test_session_cookie_is_httponly_and_samesite_lax(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    header = _cookie_header(auth.login("buyer@example.com"), "session")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP in tests; SESSION_COOKIE_SECURE turns it on


def test_remember_me_sets_a_long_httponly_lax_cookie(client, auth, make_user, db, app):
    make_user("buyer@example.com")
    db.session.commit()
    response = auth.login("buyer@example.com", remember=True)
    header = _cookie_header(response, "remember_token")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Expires=" in header
    assert app.config["REMEMBER_COOKIE_DURATION"].days == 30


def test_without_remember_me_there_is_no_remember_cookie(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    response = auth.login("buyer@example.com")
    assert not any(h.startswith("remember_token=") for h in response.headers.getlist("Set-Cookie"))


def test_remember_cookie_signs_in_again_after_the_session_ends(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com", remember=True)
    with client.session_transaction() as session:
        session.clear()
    assert signed_in_email(client) == "buyer@example.com"


def test_sign_out_deletes_the_remember_cookie(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com", remember=True)
    response = auth.logout()
    header = _cookie_header(response, "remember_token")
    assert "Expires=Thu, 01 Jan 1970" in header
    with client.session_transaction() as session:
        session.clear()
    assert signed_in_email(client) is None


def test_secure_cookies_when_served_over_https(monkeypatch, tmp_path):
    from marketplace.config import Config

    monkeypatch.setenv("SESSION_COOKIE_SECURE", "1")
    config = Config(str(tmp_path))
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SESSION_COOKIE_HTTPONLY and config.REMEMBER_COOKIE_HTTPONLY
    assert config.SESSION_COOKIE_SAMESITE == config.REMEMBER_COOKIE_SAMESITE == "Lax"


# -- inactive accounts -------------------------------------------------------------


def test_an_inactive_user_cannot_sign_in(client, auth, make_user, db):
    make_user("gone@example.com", active=False)
    db.session.commit()
    response = auth.login("gone@example.com")
    assert response.status_code == 403
    assert "deactivated" in response.get_data(as_text=True)
    assert signed_in_email(client) is None
    assert details(audit_rows(AuditAction.SIGN_IN_FAILED)[0])["reason"] == "inactive"


def test_an_inactive_user_with_a_wrong_password_gets_the_generic_message(
    client, auth, make_user, db
):
    make_user("gone@example.com", active=False)
    db.session.commit()
    response = auth.login("gone@example.com", "not the password at all")
    assert GENERIC in response.get_data(as_text=True)


def test_deactivation_drops_an_existing_session_and_remember_cookie(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com", remember=True)
    assert signed_in_email(client) == "buyer@example.com"
    user.active = False
    db.session.commit()
    assert signed_in_email(client) is None
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=")


# -- next ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/account/profile", "/account/profile"),
        ("/products?q=rice", "/products?q=rice"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\x00x", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_url(target, expected):
    assert safe_next_url(target, "/") == expected


@pytest.mark.parametrize(
    ("target", "location"),
    [("/account/profile", "/account/profile"), ("https://evil.example/x", "/"), ("//evil", "/")],
)
def test_sign_in_follows_only_local_next(client, auth, make_user, db, target, location):
    make_user("buyer@example.com")
    db.session.commit()
    response = auth.login("buyer@example.com", next=target)
    assert response.status_code == 303
    assert response.headers["Location"] == location


def test_a_protected_page_sends_anonymous_visitors_to_sign_in_and_back(client, auth, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    response = client.get("/account/profile")
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/sign-in?next=/account/profile"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="next" type="hidden" value="/account/profile"' in page
    assert auth.login("buyer@example.com", next="/account/profile").headers["Location"] == (
        "/account/profile"
    )
