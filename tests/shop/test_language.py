"""The language switch: a CSRF-protected POST that sets a lasting cookie and goes back safely."""

import pytest
from flask import g

from marketplace.i18n import LOCALE_COOKIE
from tests.conftest import csrf_token

from .conftest import html_lang


def switch(client, lang, next_path, token=True, path="/"):
    data = {"lang": lang, "next": next_path}
    if token:
        data["csrf_token"] = csrf_token(client, path)
    return client.post("/language", data=data)


def test_switch_sets_a_persistent_cookie_and_goes_back(shop, client):
    response = switch(
        client, "en", "/products/black-sticky-rice", path="/products/black-sticky-rice"
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/products/black-sticky-rice"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{LOCALE_COOKIE}=en;")
    assert "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Path=/" in cookie
    html = client.get("/products/black-sticky-rice").get_data(as_text=True)
    assert html_lang(html) == "en"
    assert "Black sticky rice" in html
    # And back to Thai.
    switch(client, "th", "/products?category=rice")
    html = client.get("/products?category=rice").get_data(as_text=True)
    assert html_lang(html) == "th"


def test_pages_offer_the_switch_with_the_current_path(shop, client):
    html = client.get("/products?category=rice").get_data(as_text=True)
    assert 'action="/language"' in html
    assert 'name="next" value="/products?category=rice"' in html
    assert 'name="csrf_token"' in html


def test_switch_without_csrf_token_is_refused(client):
    response = switch(client, "en", "/", token=False)
    assert response.status_code == 400
    assert LOCALE_COOKIE not in response.headers.get("Set-Cookie", "")


def test_switch_with_a_wrong_token_is_refused(client):
    client.get("/")
    response = client.post("/language", data={"lang": "en", "next": "/", "csrf_token": "nope"})
    assert response.status_code == 400


def test_unknown_language_is_refused(client):
    response = switch(client, "fr", "/")
    assert response.status_code == 400


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "",
        "/%0d%0aSet-Cookie:x=1".replace("%0d%0a", "\r\n"),
        " //evil.example",
        "http:/evil.example",
    ],
)
def test_switch_refuses_open_redirects(client, target):
    response = switch(client, "en", target)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_switch_keeps_local_paths_with_queries(client):
    response = switch(client, "en", "/products?category=rice&sort=price_asc")
    assert response.headers["Location"] == "/products?category=rice&sort=price_asc"


def test_switch_updates_a_signed_in_users_locale(shop, db, client, auth, make_user):
    user = make_user("buyer@example.com", locale="th")
    db.session.commit()
    assert auth.login("buyer@example.com").status_code in (302, 303)
    # Signing in starts a new session (new CSRF secret); the test's requests share
    # one app context, whose `g` still caches the old token. Real requests do not.
    g.pop("csrf_token", None)
    response = switch(client, "en", "/products")
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.locale == "en"
    html = client.get("/products").get_data(as_text=True)
    assert html_lang(html) == "en"
