"""Failed sign-ins are rate-limited per email address and per remote address."""

from flask_babel import force_locale, gettext

from marketplace.accounts.audit import AuditAction

from .helpers import audit_rows, signed_in_email

WRONG = "definitely the wrong password"


def _allowed(app, setting):
    return int(app.config[setting].split()[0])


def test_failed_sign_ins_for_one_email_are_limited(client, auth, make_user, db, app):
    make_user("buyer@example.com")
    db.session.commit()
    allowed = _allowed(app, "SIGN_IN_LIMIT_PER_ACCOUNT")
    for _ in range(allowed):
        assert auth.login("buyer@example.com", WRONG).status_code == 200
    response = auth.login("Buyer@example.com", WRONG)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Too many failed sign-in attempts" in html
    assert int(response.headers["Retry-After"]) > 0
    # Even the right password waits now: the limit is on the account.
    assert auth.login("buyer@example.com").status_code == 429
    assert signed_in_email(client) is None
    # The limit is per account: another account can still sign in from here.
    make_user("other@example.com")
    db.session.commit()
    assert auth.login("other@example.com").status_code == 303
    # Refused attempts never reached the password check.
    assert len(audit_rows(AuditAction.SIGN_IN_FAILED)) == allowed


def test_production_limits_are_set(app):
    assert _allowed(app, "SIGN_IN_LIMIT_PER_ACCOUNT") <= 10
    assert _allowed(app, "SIGN_IN_LIMIT_PER_ADDRESS") <= 50
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_failed_sign_ins_from_one_address_are_limited(
    client, auth, make_user, db, app, monkeypatch
):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "4 per 15 minutes")
    make_user("buyer@example.com")
    db.session.commit()
    allowed = _allowed(app, "SIGN_IN_LIMIT_PER_ADDRESS")
    for n in range(allowed):
        assert auth.login(f"guess{n}@example.com", WRONG).status_code == 200
    response = auth.login("buyer@example.com")
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.get_data(as_text=True)


def test_another_address_is_not_limited(app, client, auth, make_user, db, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "4 per 15 minutes")
    make_user("buyer@example.com")
    db.session.commit()
    allowed = _allowed(app, "SIGN_IN_LIMIT_PER_ADDRESS")
    for n in range(allowed):
        auth.login(f"guess{n}@example.com", WRONG)
    other = app.test_client()
    from tests.conftest import AuthActions

    other.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert AuthActions(other).login("buyer@example.com").status_code == 303


def test_successful_sign_ins_do_not_count(client, auth, make_user, db, app):
    make_user("buyer@example.com")
    db.session.commit()
    for _ in range(_allowed(app, "SIGN_IN_LIMIT_PER_ACCOUNT") + 2):
        assert auth.login("buyer@example.com").status_code == 303
        auth.logout()


def test_the_limit_message_is_in_the_visitor_language(client, auth, app):
    client.set_cookie("lang", "th")
    for _ in range(_allowed(app, "SIGN_IN_LIMIT_PER_ACCOUNT") + 1):
        response = auth.login("buyer@example.com", WRONG)
    assert response.status_code == 429
    with app.test_request_context(), force_locale("th"):
        heading = gettext("Please wait a moment")
    html = response.get_data(as_text=True)
    assert 'lang="th"' in html
    assert heading in html
