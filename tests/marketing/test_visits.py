"""Page views without tracking people: bots skipped, a visitor once per page per day, nothing
personal stored, the visit's source remembered in the existing session and put on the order."""

import socket
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from marketplace.extensions import db
from marketplace.marketing import visits
from marketplace.models import Order
from marketplace.models.marketing import PageViewDay
from tests import factories
from tests.shop.buying import add, order_link, place

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A146B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0 Mobile Safari/537.36"
)
OTHER_PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
ADDRESS = "203.0.113.77"


@pytest.fixture(autouse=True)
def _fresh_counter(app):
    """Each test starts with an empty buffer, salt and seen-set in this worker."""
    app.extensions[visits.EXTENSION] = visits.ViewCounter(app)
    yield
    app.extensions[visits.EXTENSION] = visits.ViewCounter(app)


@pytest.fixture
def product(make):
    group = factories.make_group(slug="hom-phaendin")
    item = factories.make_product(group=group, slug="black-sticky-rice")
    db.session.commit()
    return item


def visit(client, path, user_agent=PHONE, address=ADDRESS, **headers):
    return client.get(
        path, headers={"User-Agent": user_agent, **headers}, environ_base={"REMOTE_ADDR": address}
    )


def rows():
    return db.session.scalars(select(PageViewDay).order_by(PageViewDay.id)).all()


def test_same_visitor_counts_once_a_day_and_every_view_counts(app, client, product):
    for _ in range(3):
        assert visit(client, "/products/black-sticky-rice").status_code == 200
    visit(client, "/products/black-sticky-rice", user_agent=OTHER_PHONE)
    visit(client, "/products/black-sticky-rice", address="198.51.100.4")
    assert visits.flush(app) == 5
    [row] = rows()
    assert (row.kind, row.product_id, row.group_id, row.lot_id) == (
        "product",
        product.id,
        product.group_id,
        None,
    )
    assert row.page_key == f"product:{product.id}"
    assert (row.views, row.visitors) == (5, 3)
    assert row.day == visits.bangkok_today()

    # The next flush: the same visitor is still known today, a new one is not.
    visit(client, "/products/black-sticky-rice")
    visit(client, "/products/black-sticky-rice", address="192.0.2.1")
    visits.flush(app)
    db.session.expire_all()
    [row] = rows()
    assert (row.views, row.visitors) == (7, 4)


def test_bots_prefetches_and_errors_are_not_counted(app, client, product):
    for agent in (
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "python-requests/2.31",
        "",
    ):
        assert visit(client, "/products/black-sticky-rice", user_agent=agent).status_code == 200
    visit(client, "/products/black-sticky-rice", **{"Sec-Purpose": "prefetch"})
    visit(client, "/products/no-such-thing")
    client.head("/products/black-sticky-rice", headers={"User-Agent": PHONE})
    assert visits.flush(app) == 0
    assert rows() == []


def test_cached_pages_are_counted_too(app, client, product):
    visit(client, "/products/black-sticky-rice")
    visit(client, "/products/black-sticky-rice", address="192.0.2.2")  # from the page cache
    visits.flush(app)
    [row] = rows()
    assert (row.views, row.visitors) == (2, 2)


def test_a_new_day_has_a_new_salt_and_counts_the_visitor_again(app, client, product):
    counter = visits.counter(app)
    today = visits.bangkok_today()
    yesterday = today - timedelta(days=1)
    source = visits.Source()
    counter.record(yesterday, "product", product.slug, source, ADDRESS, PHONE)
    counter.record(today, "product", product.slug, source, ADDRESS, PHONE)
    assert counter.salt(today) != counter.salt(yesterday)
    visits.flush(app)
    assert sorted((r.day, r.views, r.visitors) for r in rows()) == [
        (yesterday, 1, 1),
        (today, 1, 1),
    ]


def test_source_domain_and_tags_are_kept_per_page(app, client, product):
    lot = product.variants[0].lots[0]
    visit(client, "/products/black-sticky-rice?utm_source=LINE&utm_medium=social&utm_campaign=x")
    visit(client, f"/lot/{lot.code}?utm_source=label&utm_medium=qr")
    visit(client, "/products/black-sticky-rice", Referer="https://www.facebook.com/somepost")
    visit(client, "/products/black-sticky-rice", Referer="http://localhost/products")  # our own
    visit(client, "/groups/hom-phaendin")
    visits.flush(app)
    found = {(r.kind, r.source, r.medium, r.campaign, r.referrer): r.views for r in rows()}
    assert found == {
        ("product", "line", "social", "x", ""): 1,
        ("lot", "label", "qr", "", ""): 1,
        ("product", "", "", "", "facebook.com"): 1,
        ("product", "", "", "", ""): 1,
        ("group", "", "", "", ""): 1,
    }
    lot_row = next(r for r in rows() if r.kind == "lot")
    assert (lot_row.lot_id, lot_row.product_id) == (lot.id, product.id)


def test_nothing_personal_is_stored(app, client, product):
    visit(client, "/products/black-sticky-rice?utm_source=line", user_agent=PHONE)
    counter = visits.counter(app)
    [(_day, _kind, _ref, _source, digest)] = counter.buffer
    visits.flush(app)
    # No column for it, and no value anywhere in the database that holds it.
    assert set(PageViewDay.__table__.columns.keys()) == {
        "id",
        "day",
        "kind",
        "page_key",
        "group_id",
        "product_id",
        "lot_id",
        "source",
        "medium",
        "campaign",
        "referrer",
        "views",
        "visitors",
    }
    dumped = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            dumped.append(repr(tuple(row)))
    everything = "\n".join(dumped)
    for secret in (ADDRESS, "SM-A146B", digest.hex()):
        assert secret not in everything
    assert digest not in everything.encode()


def test_no_cookie_for_counting(app, client, product):
    response = visit(client, "/products/black-sticky-rice")
    cookies = response.headers.getlist("Set-Cookie")
    # The page's own session (its CSRF token) is all: no cookie of the counting.
    assert all(c.startswith("session=") for c in cookies), cookies


@pytest.mark.parametrize("value", ["ไลน์กลุ่ม", "😀" * 30, "x" * 10_000, "a\x00b", "%00", "<script>"])
def test_odd_utm_values_never_fail(app, client, product, value):
    response = visit(client, "/products/black-sticky-rice", query_string={"utm_source": value})
    assert response.status_code == 200
    visits.flush(app)
    [row] = rows()
    assert len(row.source) <= 40 and "\x00" not in row.source


def test_the_visit_source_lands_on_the_order(app, client, product):
    visit(client, "/products/black-sticky-rice?utm_source=line&utm_medium=social&utm_campaign=c1")
    visit(client, "/cart")  # an untagged page in between forgets nothing
    add(client, product.variants[0])
    link = order_link(place(client))
    order = db.session.scalars(select(Order)).one()
    assert link.endswith(order.reference) or order.reference in link
    assert (order.utm_source, order.utm_medium, order.utm_campaign) == ("line", "social", "c1")


def test_a_direct_visit_leaves_the_order_without_source(app, client, product):
    visit(client, "/products/black-sticky-rice")
    add(client, product.variants[0])
    place(client)
    order = db.session.scalars(select(Order)).one()
    assert (order.utm_source, order.utm_medium, order.referrer) == ("", "", "")


# -- several workers share the salt and the seen-set through Redis -----------------------------


@pytest.fixture
def redis_app(app, monkeypatch):
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            pass
    except OSError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"test-dashboard-{uuid.uuid4().hex}:"
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/13")
    monkeypatch.setitem(app.config, "PAGE_VIEWS_REDIS_PREFIX", prefix)
    app.extensions.get("jobs", {}).pop("redis", None)
    yield app, prefix
    from marketplace.jobs import redis_connection

    connection = redis_connection(app)
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
    app.extensions.get("jobs", {}).pop("redis", None)


def test_two_workers_count_a_visitor_once_through_redis(redis_app, product):
    app, prefix = redis_app
    from marketplace.jobs import redis_connection

    first, second = visits.ViewCounter(app), visits.ViewCounter(app)
    today = visits.bangkok_today()
    for worker in (first, second):
        app.extensions[visits.EXTENSION] = worker
        worker.record(today, "product", product.slug, visits.Source(), ADDRESS, PHONE)
        visits.flush(app)
    [row] = rows()
    assert (row.views, row.visitors) == (2, 1)
    connection = redis_connection(app)
    for name in ("salt", "seen"):
        ttl = connection.ttl(f"{prefix}{name}:{today.isoformat()}")
        assert 0 < ttl <= 2 * 24 * 3600


def test_unknown_pages_in_the_buffer_are_dropped(app, product):
    counter = visits.counter(app)
    counter.record(date(2026, 1, 1), "product", "gone", visits.Source(), ADDRESS, PHONE)
    assert visits.flush(app) == 1
    assert rows() == []
    assert db.session.execute(text("SELECT count(*) FROM page_view_day")).scalar() == 0
