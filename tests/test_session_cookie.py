"""The session cookie: Flask's signed cookie, its serializer reused while the keys stay the same."""

import pytest
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

from marketplace.session_cookie import SessionCookie

from .conftest import AuthActions


def _session_cookie(client, app):
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def test_the_app_uses_it_and_reuses_one_serializer(app):
    assert isinstance(app.session_interface, SessionCookie)
    first = app.session_interface.get_signing_serializer(app)
    assert app.session_interface.get_signing_serializer(app) is first


def test_cookies_read_the_same_as_flasks_own(app):
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.session_interface.get_signing_serializer(app)
    written = flasks.dumps({"cart": [1, 2], "csrf_token": "abc"})
    assert ours.loads(written) == {"cart": [1, 2], "csrf_token": "abc"}
    assert flasks.loads(ours.dumps({"x": (1, "y")})) == {"x": (1, "y")}


def test_a_new_key_is_used_at_once_and_old_cookies_fail(app, client, make_user, db, monkeypatch):
    make_user("buyer@example.com")
    db.session.commit()
    assert AuthActions(client).login("buyer@example.com").status_code in (302, 303)
    assert "sign-out" in client.get("/account/reset").get_data(as_text=True)
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-test-secret-key")
    monkeypatch.setattr(app, "secret_key", "another-test-secret-key")
    html = client.get("/account/reset").get_data(as_text=True)
    assert "sign-out" not in html  # signed with the old key: not a session any more


def test_a_fallback_key_still_opens_the_older_cookies(app, monkeypatch):
    old = app.session_interface.get_signing_serializer(app).dumps({"cart": [3]})
    monkeypatch.setattr(app, "secret_key", "rotated-test-secret-key")
    monkeypatch.setitem(app.config, "SECRET_KEY", "rotated-test-secret-key")
    with pytest.raises(BadSignature):
        app.session_interface.get_signing_serializer(app).loads(old)
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", ["test-secret-key"])
    assert app.session_interface.get_signing_serializer(app).loads(old) == {"cart": [3]}


def test_a_tampered_cookie_is_no_session(app, client, make_user, db):
    make_user("buyer@example.com")
    db.session.commit()
    assert AuthActions(client).login("buyer@example.com").status_code in (302, 303)
    value = _session_cookie(client, app)
    payload, _, signature = value.rpartition(".")
    # The first character: the last one of base64 may carry only padding bits.
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], f"{payload}.{flipped}")
    assert "sign-out" not in client.get("/account/reset").get_data(as_text=True)


def test_small_payloads_are_left_uncompressed_and_large_ones_still_compressed(app):
    flasks = SecureCookieSessionInterface().get_signing_serializer(app)
    ours = app.session_interface.get_signing_serializer(app)
    small = {"csrf_token": "0" * 40}
    large = {"cart": {str(n): 1 for n in range(60)}}
    assert not ours.dumps(small).startswith(".")
    assert ours.dumps(large).startswith(".")  # zlib pays off: used as itsdangerous does
    for value in (small, large):
        assert flasks.loads(ours.dumps(value)) == value


def test_csrf_tokens_are_flask_wtfs(app):
    from flask import g, session
    from flask_wtf.csrf import generate_csrf as flask_wtf_generate_csrf
    from flask_wtf.csrf import validate_csrf

    from marketplace.session_cookie import generate_csrf

    with app.test_request_context("/"):
        token = generate_csrf()
        assert generate_csrf() == token == flask_wtf_generate_csrf()  # one per request, in g
        validate_csrf(token)  # raises if not valid
        raw = session["csrf_token"]
    with app.test_request_context("/"):
        g.pop("csrf_token", None)
        session["csrf_token"] = raw  # the same visitor's next request
        theirs = flask_wtf_generate_csrf()
        g.pop("csrf_token", None)
        ours = generate_csrf()
        validate_csrf(theirs)
        validate_csrf(ours)
