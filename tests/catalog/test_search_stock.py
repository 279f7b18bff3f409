"""Stock is out of the index's hot path: sales, adjustments and expiries never write it."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from marketplace.catalog import search
from marketplace.catalog import service as catalog_service
from marketplace.models import Order
from marketplace.orders import service as order_service

from ..shop.buying import add, html, place, stripe_stub

__all__ = ["stripe_stub"]  # the fixture, used by name


@pytest.fixture(autouse=True)
def empty_index(app, db, search_backend):
    """Every test here starts from an index matching the (empty) database."""
    search.rebuild()
    yield


def _generation():
    return search.generation()


def test_checkout_adjustment_and_expiry_leave_the_index_alone(app, client, db, make, stripe_stub):
    """A sale that empties a lot re-orders results at once, with the same index generation."""
    # Equally relevant to the query, so only stock can order them.
    sold_out = make.product(name_th="ข้าวเหนียว", name_en="Black sticky rice", stock=2)
    other = make.product(name_th="ข้าวเหนียว", name_en="Red sticky rice", stock=9)
    db.session.commit()
    generation = _generation()
    ranked = search.query("ข้าวเหนียว").product_ids
    assert set(ranked) == {sold_out.id, other.id}

    add(client, sold_out.variants[0], 2)
    assert place(client).status_code == 303  # the checkout holds both units
    assert _generation() == generation
    assert search.availability([sold_out.id])[sold_out.id].available == 0
    assert search.query("ข้าวเหนียว").product_ids == [other.id, sold_out.id]
    # Sold out, still found, and marked so.
    page = html(client.get("/search?q=black+sticky+rice"))
    assert "ข้าวเหนียว" in page and "สินค้าหมด" in page

    order = db.session.scalars(select(Order)).one()
    later = datetime.now(UTC) + timedelta(days=30)
    assert order_service.expire_order(order, now=later)
    db.session.commit()
    assert _generation() == generation
    assert search.availability([sold_out.id])[sold_out.id].available == 2

    lot = other.variants[0].lots[0]
    catalog_service.adjust_stock(other.group, lot.id, -9, "damaged", note="")
    db.session.commit()
    assert _generation() == generation
    assert search.query("ข้าวเหนียว").product_ids == [sold_out.id, other.id]


def test_an_edit_still_writes_the_index(db, make):
    product = make.product(name_th="ข้าวเหนียวดำ", stock=2)
    db.session.commit()
    generation = _generation()
    product.name_th = "ข้าวญี่ปุ่น"
    db.session.commit()
    assert _generation() != generation  # PostgreSQL's is a fingerprint, not a number
    assert search.query("ข้าวญี่ปุ่น").product_ids == [product.id]


def _client_messages(connection, run, path):
    """The protocol messages the client sent on this psycopg connection while `run()` ran."""
    with open(path, "w") as trace:
        connection.pgconn.trace(trace.fileno())
        try:
            result = run()
        finally:
            connection.pgconn.untrace()
    lines = path.read_text().splitlines()
    return result, [line.split("\t")[3] for line in lines if line.split("\t")[1:2] == ["F"]]


def test_a_repeated_postgresql_query_is_one_statement(app, db, make, search_backend, tmp_path):
    """A query whose match is kept reads the version and its candidates' stock in one statement.

    In a new transaction that is two round trips (psycopg's BEGIN, then the
    statement); a sale changes the order with the same one statement, and an
    edit (a new version of the documents) matches again.
    """
    if search_backend != "postgresql":
        pytest.skip("the PostgreSQL backend's round trips")
    sold_out = make.product(name_th="ข้าวเหนียว", name_en="Black sticky rice", stock=2)
    other = make.product(name_th="ข้าวเหนียว", name_en="Red sticky rice", stock=2)
    db.session.commit()
    ids = sold_out_id, other_id = sold_out.id, other.id
    lots = [product.variants[0].lots[0] for product in (sold_out, other)]
    assert set(search.query("ข้าวเหนียว").product_ids) == set(ids)
    db.session.commit()

    statements = []

    def count(_connection, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        driver = db.session.connection().connection.driver_connection  # checked out and pinged
        ranked, sent = _client_messages(
            driver, lambda: search.query("ข้าวเหนียว").product_ids, tmp_path / "trace"
        )
        assert len(statements) == 1, statements
        assert "search_state" in statements[0] and "lot" in statements[0]
        # Round trips: each simple Query and each Sync waits for the server's answer.
        assert [m for m in sent if m in ("Query", "Sync")] == ["Query", "Sync"]  # BEGIN, the read
        db.session.commit()

        assert set(ranked) == set(ids)

        lots[0].available = 0  # a sale: the same kept match, the order from the stock read
        db.session.commit()
        statements.clear()
        assert search.query("ข้าวเหนียว").product_ids == [other_id, sold_out_id]
        assert len(statements) == 1
        lots[0].available, lots[1].available = 2, 0
        db.session.commit()
        statements.clear()
        assert search.query("ข้าวเหนียว").product_ids == [sold_out_id, other_id]
        assert len(statements) == 1

        other.name_th = "ข้าวญี่ปุ่น"  # a new version of the documents: matched again
        db.session.commit()
        statements.clear()
        assert search.query("ข้าวเหนียว").product_ids == [sold_out_id]
        assert len(statements) > 1
        statements.clear()
        assert search.query("ข้าวเหนียว").product_ids == [sold_out_id]
        assert len(statements) == 1
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_postgresql_ranks_in_its_statement_as_python_ranks(app, db, make, search_backend):
    """`version_and_page` orders any candidates exactly as `common.rank_candidates` does.

    Products of eight stock profiles (in or out of stock, none to 2,000 units
    sold, no lots, a size withdrawn), scores from a few values so that
    boosted scores tie (4.2 in stock and unsold ties 4.2 x IN_STOCK_BOOST out
    of stock to the last bit) and units sold, featured and the id must break
    the ties; random draws, every page of each.
    """
    if search_backend != "postgresql":
        pytest.skip("PostgreSQL's ranking statement")
    import random

    from marketplace.catalog.search import common, postgresql

    # (quantity, available) of each lot; None: the size so far is withdrawn, a new one follows.
    profiles = [
        [(10, 10)], [(10, 5)], [(3000, 900)], [(0, 0)], [(5, 0)], [(2000, 0)], [],
        [(10, 10), None, (0, 0)], [(10, 10), (10, 0)],
    ]  # fmt: skip
    group = make.group()
    products = []
    for n in range(45):
        product = make.product(group=group, stock=None)
        variant = product.variants[0]
        for lot in profiles[n % len(profiles)]:
            if lot is None:
                variant.is_active = False
                variant = make.variant(product)
            else:
                make.lot(variant, quantity=lot[0], available=lot[1])
        products.append(product.id)
    db.session.commit()
    scores = [0.3, 1.0 / 3, 4.2, 4.2 * common.IN_STOCK_BOOST, 4.2 * common.MAX_BOOST]
    rng = random.Random(5)
    for _ in range(40):
        chosen = rng.sample(products, rng.randint(1, len(products)))
        candidates = [
            (product_id, rng.choice(scores), (rng.choice([0, 1]), product_id))
            for product_id in chosen
        ]
        candidates.sort(key=lambda c: (-c[1], c[2]))
        arrays = postgresql.packed(candidates)
        for start, count in ((0, 24), (0, 5), (5, 5), (35, 24)):
            expected = common.rank_candidates(candidates, start, count)
            version, ids = postgresql.version_and_page(arrays, start, count)
            assert ids == expected, (start, count)
    assert version == postgresql.current_version()
