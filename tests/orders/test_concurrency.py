"""Stock is never oversold: 50 buyers check out at once against gunicorn with several workers.

The suite's own database is used (the SQLite file of the session, or
PostgreSQL from TEST_DATABASE_URL: CI runs the suite once on each), so the
seed rows are committed before the server starts and the autouse `db`
fixture empties the tables afterwards. Each buyer has its own cookies; all
fill their carts first, then a barrier lets every checkout go at once.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.models import LineAllocation, Lot, Order, OrderLine, OrderStatus

from .concurrency_server import Buyer, GunicornServer, server_env

BUYERS = 50
UNITS = 5
WORKERS = 4
BARRIER_TIMEOUT_S = 60


@pytest.fixture
def scarce_variant(db, make):
    """A variant with 5 units in two lots (3 older + 2 newer), committed for the server to see."""
    group = make.group(shipping_flat_satang=5000, promptpay_id="0812345678")
    product = make.product(group=group, stock=None)
    variant = product.variants[0]
    older = make.lot(variant, quantity=3, produced_on=date(2025, 11, 1))
    newer = make.lot(variant, quantity=2, produced_on=date(2025, 12, 1))
    ids = dict(group=group.id, variant=variant.id, lots=(older.id, newer.id))
    db.session.commit()
    return ids


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """gunicorn with 4 sync workers on the suite's database; stopped even when a test fails.

    One server for the module: it keeps no state between requests but the
    database, which the autouse `db` fixture empties after each test.
    """
    instance = tmp_path_factory.mktemp("server-instance")
    env = server_env(app.config["SQLALCHEMY_DATABASE_URI"], instance)
    gunicorn = GunicornServer(env, workers=WORKERS)
    try:
        yield gunicorn.start()
    finally:
        gunicorn.close()


def _buy(port, ids, barrier):
    """One buyer: a cart of one unit, then checkout the moment everyone is ready."""
    buyer = Buyer(port)
    try:
        token = buyer.csrf_token("/cart")  # one token per session, good for every form
        added = buyer.add_to_cart(ids["variant"], 1, token=token)
    except BaseException:
        barrier.abort()  # the others stop waiting at once
        raise
    barrier.wait(timeout=BARRIER_TIMEOUT_S)
    placed = buyer.checkout([ids["group"]], payment_method="transfer", token=token)
    return added, placed


def test_fifty_buyers_five_units_exactly_five_orders(db, scarce_variant, server):
    """Exactly 5 of 50 simultaneous checkouts reserve; the rest are told it sold out."""
    ids = scarce_variant
    barrier = threading.Barrier(BUYERS)
    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        futures = [pool.submit(_buy, server.port, ids, barrier) for _ in range(BUYERS)]
        results = [future.result(timeout=120) for future in futures]
    log = server.log_text()

    adds = [added.status for added, _ in results]
    assert all(status in (302, 303) for status in adds), adds
    placed = [p for _, p in results]
    statuses = sorted(p.status for p in placed)
    assert all("/orders/" in p.location for p in placed if p.status == 303)
    assert statuses.count(303) == UNITS, statuses
    assert statuses.count(409) == BUYERS - UNITS, statuses
    assert not [s for s in statuses if s >= 500]
    assert not [p.body for p in placed if "database is locked" in p.body]
    assert "database is locked" not in log, log
    assert "Traceback" not in log, log

    db.session.rollback()  # read what the server committed
    assert db.session.scalars(select(Lot.available).where(Lot.id.in_(ids["lots"]))).all() == [
        0,
        0,
    ]
    orders = db.session.scalars(select(Order)).all()
    assert len(orders) == UNITS
    assert all(o.status == OrderStatus.PENDING_PAYMENT for o in orders)
    units = db.session.scalar(
        select(func.sum(LineAllocation.quantity - LineAllocation.released_quantity))
    )
    assert units == UNITS
    assert db.session.scalar(select(func.sum(OrderLine.quantity))) == UNITS
    per_lot = dict(
        db.session.execute(
            select(LineAllocation.lot_id, func.sum(LineAllocation.quantity)).group_by(
                LineAllocation.lot_id
            )
        ).all()
    )
    assert per_lot == {ids["lots"][0]: 3, ids["lots"][1]: 2}


@pytest.fixture
def two_products(db, make):
    """Two products of one group with plenty of stock, committed for the server to see."""
    group = make.group(shipping_flat_satang=5000, promptpay_id="0812345678")
    first = make.product(group=group, stock=100).variants[0]
    second = make.product(group=group, stock=100).variants[0]
    ids = dict(group=group.id, variants=(first.id, second.id))
    db.session.commit()
    return ids


def _buy_cart(port, group_id, variant_ids, barrier):
    """One buyer: a cart of these variants, added in this order; checkout when all are ready."""
    buyer = Buyer(port)
    try:
        token = buyer.csrf_token("/cart")
        for variant_id in variant_ids:
            added = buyer.add_to_cart(variant_id, 1, token=token)
            assert added.status == 303, added.status
    except BaseException:
        barrier.abort()
        raise
    barrier.wait(timeout=BARRIER_TIMEOUT_S)
    return buyer.checkout([group_id], payment_method="transfer", token=token)


def test_carts_in_opposite_orders_do_not_deadlock(db, two_products, server):
    """Carts of A then B, B then A, A or B alone, all at once: every order is placed.

    On PostgreSQL each line's UPDATE locks its lot until commit; without one
    lock order for every checkout (see orders/stock.py) these carts deadlock.
    """
    first, second = two_products["variants"]
    carts = [[first, second], [second, first], [second], [first]] * 6
    barrier = threading.Barrier(len(carts))
    with ThreadPoolExecutor(max_workers=len(carts)) as pool:
        futures = [
            pool.submit(_buy_cart, server.port, two_products["group"], cart, barrier)
            for cart in carts
        ]
        statuses = [future.result(timeout=120).status for future in futures]
    log = server.log_text()

    assert statuses == [303] * len(carts), (statuses, log)
    assert "deadlock" not in log.lower(), log
    db.session.rollback()
    sold = sum(len(cart) for cart in carts)
    left = db.session.scalar(select(func.sum(Lot.available)))
    assert left == 200 - sold
    assert db.session.scalar(select(func.count(Order.id))) == len(carts)
