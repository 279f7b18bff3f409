"""A NUL byte anywhere a visitor can type it: 404 in a path, 400 with a message elsewhere.

PostgreSQL refuses text with NUL, so before the central converters these
answered 500 there (run this file with TEST_DATABASE_URL set to see it).
"""

import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from marketplace.request_guard import NulFreePathConverter, TextConverter


def _url_with_nul(app, rule):
    """The rule's path with every text argument a NUL, ints 1 and `any` its first choice."""
    values = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            values[name] = 1
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "\x00"
    return app.url_map.bind("localhost").build(rule.endpoint, values)


def test_every_text_converter_refuses_nul(app):
    """No route of the URL map takes a text argument with a converter that accepts NUL."""
    for rule in app.url_map.iter_rules():
        for converter in rule._converters.values():
            if isinstance(converter, (IntegerConverter, AnyConverter)):
                continue
            if rule.endpoint == "static":
                continue
            assert isinstance(converter, (TextConverter, NulFreePathConverter)), rule.rule


def test_nul_in_any_path_is_not_found(app, client, make, make_user, auth):
    """Every GET route with a text argument, given a NUL, answers 404 (signed in as admin
    and as a group leader, so the office and report guards let the request reach routing)."""
    group = make.group()
    make_user("nul@example.com", admin=True, officer_areas=["57"], memberships=[(group, "leader")])
    assert auth.login("nul@example.com").status_code in (302, 303)
    checked = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        if not any(
            not isinstance(c, (IntegerConverter, AnyConverter)) for c in rule._converters.values()
        ):
            continue
        url = _url_with_nul(app, rule)
        assert "%00" in url and "<" not in url, (rule.rule, url)
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
        checked.append(url)
    # The paths black-box testing found, among others.
    for url in ("/products/%00", "/lot/%00", "/orders/%00"):
        assert client.get(url).status_code == 404
    assert any(url.startswith("/office/%00") for url in checked)
    assert len(checked) > 10


@pytest.mark.parametrize(
    "url", ["/search?q=%00", "/products?category=%00", "/?lang=th%00", "/reports/?from=%00"]
)
def test_nul_in_query_string_is_refused_with_a_message(client, url):
    """A NUL in any query-string value answers 400 with a message saying what to fix."""
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_nul_in_form_field_is_refused_and_changes_nothing(client, make_user):
    """A NUL in a posted form field answers 400 with a message, before any view runs."""
    from tests.conftest import csrf_token

    make_user("form@example.com")
    token = csrf_token(client, "/account/reset")
    response = client.post(
        "/account/sign-in",
        data={"csrf_token": token, "email": "form@example.com\x00", "password": "x"},
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    response = client.post(
        "/account/sign-in", data={"csrf_token": token, "email\x00": "a", "password": "x"}
    )
    assert response.status_code == 400


def test_nul_message_in_english(client):
    """The message follows the visitor's language."""
    from marketplace.i18n import LOCALE_COOKIE

    client.set_cookie(LOCALE_COOKIE, "en")
    response = client.get("/search?q=a%00")
    assert response.status_code == 400
    assert "NUL byte" in response.get_data(as_text=True)


def test_nul_message_in_thai(client):
    """Thai is the default: the message is Thai."""
    response = client.get("/search?q=a%00")
    assert response.status_code == 400
    assert "อักขระที่ใช้ไม่ได้" in response.get_data(as_text=True)
