"""Storefront pages come from the page cache, for every visitor, until what they show changes."""

import re
from urllib.parse import urlsplit

import pytest
from flask import url_for
from sqlalchemy import event, select, update

from marketplace.catalog import service as catalog_service
from marketplace.catalog.cache import ACCOUNT_PLACEHOLDER, CSRF_PLACEHOLDER, catalog_version
from marketplace.extensions import db as _db
from marketplace.models import Lot
from marketplace.orders import stock
from marketplace.shop import views as shop_views
from tests.conftest import AuthActions

from .buying import add, order_link, place, post


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


def test_missing_pages_are_not_cached_and_carry_no_placeholder(client):
    response = client.get("/products/no-such-thing")
    assert response.status_code == 404
    assert CSRF_PLACEHOLDER not in response.get_data(as_text=True)


# -- what a stock change re-renders ------------------------------------------------------------


@pytest.fixture
def renders(monkeypatch):
    """The templates the storefront views really render (a page from the cache renders none)."""
    seen = []
    real = shop_views.render_template

    def render(name, **context):
        seen.append(name)
        return real(name, **context)

    monkeypatch.setattr(shop_views, "render_template", render)
    return seen


def _page(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _card_stock(html, product):
    """What the product's card on a listing says of its stock."""
    card = re.search(
        rf'href="/products/{product.slug}".*?<span class="stock ([a-z-]+)">', html, re.S
    )
    assert card, f"no card for {product.slug}"
    return card.group(1)


def test_a_sale_keeps_listings_cached_and_updates_the_count_on_its_product_page(
    client, make, db, renders
):
    group = make.group()
    sold, other = make.product(group=group, stock=5), make.product(group=group, stock=5)
    db.session.commit()
    client.set_cookie("lang", "en")
    paths = ["/", "/products", f"/groups/{group.slug}", f"/products/{other.slug}"]
    for path in [*paths, f"/products/{sold.slug}"]:
        _page(client, path)
    version = catalog_version()

    stock.reserve(sold.variants[0].id, 2)
    db.session.commit()

    assert catalog_version() == version
    renders.clear()
    for path in paths:
        _page(client, path)
    assert renders == []  # listings and the other product's page: still the cached ones
    assert "3 left" in _page(client, f"/products/{sold.slug}")
    assert renders == ["shop/product.html"]
    assert "3 left" in _page(client, f"/products/{sold.slug}")
    assert renders == ["shop/product.html"]  # and then cached again


def test_a_checkout_and_its_cancellation_leave_the_catalog_version_alone(client, make, db):
    product = make.product(stock=50)
    db.session.commit()
    version = catalog_version()
    add(client, product.variants[0], 1)
    link = urlsplit(order_link(place(client)))
    db.session.expire_all()
    assert catalog_version() == version
    assert product.variants[0].lots[0].available == 49
    cancel = f"{link.path}/cancel" + (f"?{link.query}" if link.query else "")
    assert post(client, cancel, {}).status_code == 303
    db.session.expire_all()
    assert catalog_version() == version
    assert product.variants[0].lots[0].available == 50


def test_selling_out_and_coming_back_show_on_listings_at_once(client, make, db, make_user):
    group = make.group()
    product = make.product(group=group, stock=2)
    db.session.commit()
    client.set_cookie("lang", "en")
    listings = ["/", "/products", f"/groups/{group.slug}"]
    for path in listings:
        assert _card_stock(_page(client, path), product) == "stock-in"

    version = catalog_version()
    stock.reserve(product.variants[0].id, 2)
    db.session.commit()
    assert catalog_version() != version
    for path in listings:
        assert _card_stock(_page(client, path), product) == "stock-out"
    assert "Out of stock" in _page(client, f"/products/{product.slug}")

    lot = product.variants[0].lots[0]
    catalog_service.adjust_stock(group, lot.id, 3, "returned")
    db.session.commit()
    for path in listings:
        assert _card_stock(_page(client, path), product) == "stock-in"
    assert "3 left" in _page(client, f"/products/{product.slug}")


def test_a_sale_through_another_worker_shows_within_the_ttl(client, make, db, app, monkeypatch):
    """Another worker's commit is not seen by this one's hooks: the stock is read again later."""
    product = make.product(stock=5)
    db.session.commit()
    client.set_cookie("lang", "en")
    path = f"/products/{product.slug}"
    assert "5 left" in _page(client, path)
    lot_id = product.variants[0].lots[0].id
    with _db.engine.begin() as other_worker:
        other_worker.execute(update(Lot).where(Lot.id == lot_id).values(available=4))
    db.session.expire_all()  # the test's session stands in for this worker's next requests
    assert "5 left" in _page(client, path)  # remembered for the TTL, as the version is
    cache = app.extensions["page_cache"]
    cache.stock = {name: (signature, 0) for name, (signature, _) in cache.stock.items()}
    assert "4 left" in _page(client, path)


def test_stock_coming_back_to_an_earlier_count_shows_that_count(client, make, db):
    product = make.product(stock=5)
    db.session.commit()
    client.set_cookie("lang", "en")
    path = f"/products/{product.slug}"
    assert "5 left" in _page(client, path)
    stock.reserve(product.variants[0].id, 1)
    db.session.commit()
    assert "4 left" in _page(client, path)
    catalog_service.adjust_stock(product.group, product.variants[0].lots[0].id, 1, "returned")
    db.session.commit()
    assert "5 left" in _page(client, path)


# -- query arguments ---------------------------------------------------------------------------


def test_arguments_a_page_does_not_read_hit_the_cache(client, make, db, app, renders, monkeypatch):
    make.product()
    db.session.commit()
    monkeypatch.setattr(app.extensions["page_cache"], "size", 4)
    _page(client, "/products")
    _page(client, "/products?sort=price_asc&page=1")
    renders.clear()
    for n in range(10):
        _page(client, f"/products?nc={n}&utm_source=line&utm_campaign=c{n}&fbclid=x{n}")
        _page(client, f"/products?utm_medium=qr&page=1&sort=price_asc&gclid={n}")
    assert renders == []  # neither missed, nor pushed the real pages out
    _page(client, "/products?sort=price_desc")
    assert renders == ["shop/catalog.html"]  # an argument the catalog reads is its own page


def test_links_back_to_a_cached_page_keep_only_the_arguments_it_reads(client, make, db):
    make.product()
    db.session.commit()
    html = _page(client, "/products?utm_source=line&sort=price_asc&fbclid=abc")
    assert 'name="next" value="/products?sort=price_asc"' in html
    assert "utm_source" not in html and "fbclid" not in html


# -- signed-in visitors share the body, each with their own header ---------------------------------


def _signed_in(app, email):
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    assert AuthActions(visitor).login(email).status_code in (302, 303)
    visitor.get("/account/reset")  # shows the welcome flash, so pages are cacheable again
    return visitor


def _header(html):
    start = html.index('<nav class="site-nav"')
    return html[start : html.index("</nav>", start)]


def _cart_count(html):
    return re.search(r'<span class="cart-count">([^<]*)</span>', html).group(1)


def test_signed_in_visitors_share_the_cached_page(app, make, make_user, db, renders):
    product = make.product()
    make_user("buyer@example.org", name="Malee", locale="en")
    db.session.commit()
    path = f"/products/{product.slug}"
    anonymous = app.test_client()
    anonymous.set_cookie("lang", "en")
    _page(anonymous, path)
    buyer = _signed_in(app, "buyer@example.org")
    renders.clear()
    html = _page(buyer, path)
    assert renders == []
    assert "Sign out" in html and "My orders" in html and "Sign in" not in html
    sign_out = html[html.index('action="/account/sign-out"') :]
    assert buyer.post("/account/sign-out", data={"csrf_token": token(sign_out)}).status_code in (
        302,
        303,
    )


def test_no_visitor_sees_another_visitors_header(app, make, make_user, db, renders):
    group = make.group()
    product = make.product(group=group, stock=50)
    people = {
        "admin": make_user("somchai@example.org", name="Somchai Admin", admin=True, locale="en"),
        "leader": make_user(
            "malee@example.org", name="Malee Leader", memberships=[(group, "leader")], locale="en"
        ),
        "officer": make_user(
            "anong@example.org", name="Anong Officer", officer_areas=["57"], locale="en"
        ),
        "buyer": make_user("preecha@example.org", name="Preecha Buyer", locale="en"),
    }
    db.session.commit()
    clients = {role: _signed_in(app, user.email) for role, user in people.items()}
    for units, visitor in enumerate(clients.values(), start=1):
        add(visitor, product.variants[0], units)
        visitor.get("/cart")  # shows the "added" flash
    clients["anonymous"] = app.test_client()
    clients["anonymous"].set_cookie("lang", "en")
    with app.test_request_context():
        links = {
            "Admin": url_for("admin.dashboard"),
            "Back office": url_for("office.dashboard"),
            "Claim reviews": url_for("officer.queue"),
            "Income reports": url_for("reports.index"),
        }
    expected = {
        "admin": {"Admin", "Back office", "Income reports"},
        "leader": {"Back office"},
        "officer": {"Claim reviews", "Income reports"},
        "buyer": set(),
        "anonymous": set(),
    }
    counts = {"admin": "1", "leader": "2", "officer": "3", "buyer": "4", "anonymous": ""}

    renders.clear()
    for _round in range(2):  # the admin renders the page first; everyone else gets it cached
        for role, visitor in clients.items():
            html = _page(visitor, f"/products/{product.slug}")
            header = _header(html)
            shown = {label for label, href in links.items() if f'href="{href}"' in header}
            assert shown == expected[role], role
            assert _cart_count(html) == counts[role], role
            assert ("Sign out" in header) == (role != "anonymous"), role
            assert ("Sign in" in header) == (role == "anonymous"), role
            for other, user in people.items():
                assert user.email not in html and user.name not in html, (role, other)
    assert renders == ["shop/product.html"]
    for parts in app.extensions["page_cache"]._pages.values():  # stored cut at placeholders
        html = b"".join(parts).decode()
        assert "Sign out" not in html and "Sign in" not in html
        assert ACCOUNT_PLACEHOLDER in html


def test_a_page_from_the_cache_is_still_counted_with_its_tags(app, client, make, db, renders):
    from marketplace.marketing import visits
    from marketplace.models.marketing import PageViewDay

    product = make.product()
    db.session.commit()
    app.extensions[visits.EXTENSION] = visits.ViewCounter(app)
    try:
        _page(client, f"/products/{product.slug}")
        renders.clear()
        _page(client, f"/products/{product.slug}?utm_source=line&utm_medium=social")
        assert renders == []
        visits.flush(app)
        found = {
            (row.source, row.medium): row.views for row in db.session.scalars(select(PageViewDay))
        }
        assert found == {("", ""): 1, ("line", "social"): 1}
    finally:
        app.extensions[visits.EXTENSION] = visits.ViewCounter(app)


def test_a_new_role_shows_in_the_header_on_the_next_page(app, make, make_user, db):
    product = make.product()
    user = make_user("buyer@example.org", locale="en")
    db.session.commit()
    visitor = _signed_in(app, "buyer@example.org")
    path = f"/products/{product.slug}"
    with app.test_request_context():
        admin_link = f'href="{url_for("admin.dashboard")}"'
    assert admin_link not in _header(_page(visitor, path))
    user.is_admin = True
    db.session.commit()
    assert admin_link in _header(_page(visitor, path))
