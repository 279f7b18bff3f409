"""Anonymous storefront pages come from the page cache until the catalog changes."""

import re

import pytest
from sqlalchemy import event

from marketplace.catalog.cache import CSRF_PLACEHOLDER, catalog_version
from marketplace.extensions import db as _db


@pytest.fixture
def statements(db):
    """A list that collects every SQL statement run while the test goes on."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(_db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(_db.engine, "before_cursor_execute", record)


def token(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_second_visit_is_served_from_the_cache(client, make, statements):
    product = make.product(name_th="ข้าวเหนียวดำ")
    first = client.get(f"/products/{product.slug}").get_data(as_text=True)
    statements.clear()
    second = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert len(statements) <= 1, statements  # at most the catalog version
    assert "ข้าวเหนียวดำ" in second
    assert re.sub(r'value="[^"]+"', "", first) == re.sub(r'value="[^"]+"', "", second)


def test_cached_pages_carry_a_working_csrf_token(client, make):
    product = make.product()
    client.get(f"/products/{product.slug}")
    html = client.get(f"/products/{product.slug}").get_data(as_text=True)
    assert CSRF_PLACEHOLDER not in html
    response = client.post(
        "/language", data={"csrf_token": token(html), "lang": "en", "next": "/products"}
    )
    assert response.status_code == 303


def test_each_visitor_gets_a_token_for_their_own_session(app, make):
    product = make.product()
    first, second = app.test_client(), app.test_client()
    first.get(f"/products/{product.slug}")
    html = second.get(f"/products/{product.slug}").get_data(as_text=True)
    response = second.post("/language", data={"csrf_token": token(html), "lang": "en", "next": "/"})
    assert response.status_code == 303


def test_a_change_to_the_catalog_shows_at_once(client, make, db):
    product = make.product(name_th="ข้าวญี่ปุ่น")
    assert "ข้าวญี่ปุ่น" in client.get("/products").get_data(as_text=True)
    before = catalog_version()
    product.name_th = "ข้าวญี่ปุ่นอินทรีย์"
    db.session.flush()
    assert catalog_version() != before
    assert "ข้าวญี่ปุ่นอินทรีย์" in client.get("/products").get_data(as_text=True)


def test_a_stock_change_shows_at_once(client, make, db):
    product = make.product(stock=2)
    client.set_cookie("lang", "en")
    assert "Out of stock" not in client.get(f"/products/{product.slug}").get_data(as_text=True)
    product.variants[0].lots[0].available = 0
    db.session.flush()
    assert "Out of stock" in client.get(f"/products/{product.slug}").get_data(as_text=True)


def test_languages_are_cached_apart(client, make):
    product = make.product(name_th="พริกกะเหรี่ยง", name_en="Karen chili")
    assert "พริกกะเหรี่ยง" in client.get(f"/products/{product.slug}").get_data(as_text=True)
    client.set_cookie("lang", "en")
    assert "Karen chili" in client.get(f"/products/{product.slug}").get_data(as_text=True)


def test_signed_in_visitors_get_a_fresh_page(client, make, make_user, auth, statements):
    product = make.product()
    make_user(email="buyer@example.org")
    auth.login("buyer@example.org")
    client.get(f"/products/{product.slug}")
    statements.clear()
    client.get(f"/products/{product.slug}")
    assert len(statements) > 1


def test_missing_pages_are_not_cached_and_carry_no_placeholder(client):
    response = client.get("/products/no-such-thing")
    assert response.status_code == 404
    assert CSRF_PLACEHOLDER not in response.get_data(as_text=True)
