"""Password strength and hashing, changing a password, and what a change does to sessions."""

from marketplace import config as settings
from marketplace.accounts.audit import AuditAction
from marketplace.accounts.passwords import scrypt_parameters, verify_password

from ..factories import DEFAULT_PASSWORD
from .helpers import audit_rows, post_form, signed_in_email

NEW_PASSWORD = "a brand new passphrase"


def test_production_hashes_with_scrypt_n_at_least_2_to_the_17(tmp_path):
    n, r, p = scrypt_parameters(settings.Config(str(tmp_path)).PASSWORD_HASH_METHOD)
    assert n >= 2**17
    assert r >= 8
    assert p >= 1


def test_the_suite_uses_a_cheaper_but_real_scrypt(tmp_path):
    assert scrypt_parameters(settings.TestConfig(str(tmp_path)).PASSWORD_HASH_METHOD) == (
        2**14,
        8,
        1,
    )


def test_stored_hash_uses_the_configured_method_and_a_salt(make_user, app):
    first = make_user(password=DEFAULT_PASSWORD)
    second = make_user(password=DEFAULT_PASSWORD)
    assert first.password_hash.startswith(app.config["PASSWORD_HASH_METHOD"] + "$")
    assert first.password_hash != second.password_hash
    assert DEFAULT_PASSWORD not in first.password_hash
    assert verify_password(first, DEFAULT_PASSWORD)
    assert not verify_password(first, DEFAULT_PASSWORD + "!")


def test_a_user_without_a_password_never_matches(make_user):
    invited = make_user(password=None)
    assert not invited.has_usable_password
    assert not verify_password(invited, "")
    assert not verify_password(invited, DEFAULT_PASSWORD)
    assert not verify_password(None, DEFAULT_PASSWORD)


def test_minimum_length_is_twelve(app):
    assert app.config["PASSWORD_MIN_LENGTH"] == 12


def _change(client, current, new, confirm=None):
    return post_form(
        client,
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": confirm or new},
        page="/account/profile",
    )


def test_change_password_needs_the_current_one(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    before = user.password_hash
    auth.login("buyer@example.com")
    response = _change(client, "not my password at all", NEW_PASSWORD)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your current password is not correct." in html
    assert 'aria-describedby="current_password-error"' in html
    db.session.refresh(user)
    assert user.password_hash == before


def test_change_password_refuses_a_short_one(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    before = user.password_hash
    auth.login("buyer@example.com")
    response = _change(client, DEFAULT_PASSWORD, "too short")
    assert response.status_code == 400
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.password_hash == before


def test_change_password_keeps_this_session_and_ends_the_others(app, client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    other_device = app.test_client()
    other_device.set_cookie("lang", "en")
    from tests.conftest import AuthActions

    AuthActions(other_device).login("buyer@example.com", remember=True)
    auth.login("buyer@example.com")
    response = _change(client, DEFAULT_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    db.session.refresh(user)
    assert verify_password(user, NEW_PASSWORD)
    assert signed_in_email(client) == "buyer@example.com"
    assert signed_in_email(other_device) is None  # session and remember cookie both dead
    assert [r.action for r in audit_rows(AuditAction.PASSWORD_CHANGED)] == [
        AuditAction.PASSWORD_CHANGED
    ]


def test_profile_saves_name_and_language(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com")
    response = post_form(client, "/account/profile", {"name": "Malee", "locale": "th"})
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.name, user.locale) == ("Malee", "th")
    assert 'lang="th"' in client.get("/account/profile").get_data(as_text=True)


def test_profile_refuses_an_unknown_language(client, auth, make_user, db):
    user = make_user("buyer@example.com")
    db.session.commit()
    auth.login("buyer@example.com")
    response = post_form(client, "/account/profile", {"name": "Malee", "locale": "fr"})
    assert response.status_code == 400
    db.session.refresh(user)
    assert (user.name, user.locale) == ("", "en")
