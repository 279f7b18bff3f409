"""A code limited to 10 uses, 50 buyers at once against gunicorn: exactly 10 orders hold it.

Like `test_concurrency.py`: the suite's own database (SQLite file, or PostgreSQL
from TEST_DATABASE_URL), the seed rows committed before the server starts, one
cookie jar per buyer, a barrier so every checkout goes at once. A watcher reads
the code's counters on its own connection all through the run: the uses never
exceed the limit at any moment. Then 3 of the orders expire and 3 other buyers
(of 5 trying) can use the code.
"""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from marketplace.extensions import db as _db
from marketplace.models import (
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    Order,
    OrderStatus,
    RedemptionStatus,
)
from marketplace.orders import service

from .concurrency_server import Buyer, GunicornServer, server_env

BUYERS = 50
LIMIT = 10
WORKERS = 4
BARRIER_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def server(app, tmp_path_factory):
    """gunicorn with 4 sync workers on the suite's database; stopped even when a test fails."""
    instance = tmp_path_factory.mktemp("discount-server-instance")
    env = server_env(app.config["SQLALCHEMY_DATABASE_URI"], instance)
    gunicorn = GunicornServer(env, workers=WORKERS)
    try:
        yield gunicorn.start()
    finally:
        gunicorn.close()


@pytest.fixture
def limited_code(db, make):
    """Rice with plenty of stock and a 10 % code limited to 10 uses, committed."""
    group = make.group(shipping_flat_satang=5000, promptpay_id="0812345678")
    variant = make.product(group=group, price_satang=12000, stock=500).variants[0]
    code = DiscountCode(
        code="FAIR10",
        group_id=group.id,
        kind=DiscountKind.PERCENT,
        value_bp=1000,
        max_uses=LIMIT,
        households_share_discount=True,
    )
    db.session.add(code)
    db.session.commit()
    return dict(group=group.id, variant=variant.id, code=code.id)


class Watcher(threading.Thread):
    """Reads the code's uses on its own connection until stopped; keeps the highest seen."""

    def __init__(self, app, code_id):
        super().__init__(daemon=True)
        self.app = app
        self.code_id = code_id
        self.stop = threading.Event()
        self.highest = 0
        self.highest_rows = 0
        self.reads = 0

    def run(self):
        with self.app.app_context():
            engine = _db.engine
            while not self.stop.is_set():
                with engine.connect() as connection:
                    uses = connection.execute(
                        select(DiscountCode.uses_held + DiscountCode.uses_used).where(
                            DiscountCode.id == self.code_id
                        )
                    ).scalar()
                    rows = connection.execute(
                        select(func.count(DiscountRedemption.id)).where(
                            DiscountRedemption.code_id == self.code_id,
                            DiscountRedemption.status.in_(RedemptionStatus.COUNTED),
                        )
                    ).scalar()
                self.highest = max(self.highest, uses or 0)
                self.highest_rows = max(self.highest_rows, rows or 0)
                self.reads += 1
                time.sleep(0.02)


def _buy(port, ids, barrier, n):
    """One buyer: a unit in the cart, the code by its link, checkout when everyone is ready."""
    buyer = Buyer(port)
    try:
        token = buyer.csrf_token("/cart")
        added = buyer.add_to_cart(ids["variant"], 1, token=token)
        assert added.status == 303, added.status
        linked = buyer.get("/c/fair10?utm_source=line")
        assert linked.status == 303, linked.status
    except BaseException:
        barrier.abort()
        raise
    barrier.wait(timeout=BARRIER_TIMEOUT_S)
    return buyer.checkout(
        [ids["group"]],
        token=token,
        email=f"buyer{n}@example.com",
        phone=f"08{n:08d}",
    )


def _rush(port, ids, numbers):
    barrier = threading.Barrier(len(numbers))
    with ThreadPoolExecutor(max_workers=len(numbers)) as pool:
        futures = [pool.submit(_buy, port, ids, barrier, n) for n in numbers]
        return [future.result(timeout=180) for future in futures]


def test_a_code_for_ten_is_held_by_exactly_ten_of_fifty(app, db, limited_code, server):
    ids = limited_code
    watcher = Watcher(app, ids["code"])
    watcher.start()
    try:
        placed = _rush(server.port, ids, range(BUYERS))
        statuses = sorted(p.status for p in placed)
        log = server.log_text()
        assert statuses.count(303) == LIMIT, statuses
        assert statuses.count(400) == BUYERS - LIMIT, statuses
        refused = [p.body for p in placed if p.status == 400]
        assert all("FAIR10" in body for body in refused)
        assert "Traceback" not in log, log
        assert "database is locked" not in log, log

        db.session.rollback()  # read what the server committed
        code = db.session.get(DiscountCode, ids["code"])
        assert (code.uses_held, code.uses_used) == (LIMIT, 0)
        orders = db.session.scalars(select(Order).order_by(Order.id)).all()
        assert len(orders) == LIMIT
        assert all(o.discount_satang == 1200 for o in orders)
        assert all(o.total_satang == 12000 - 1200 + 5000 for o in orders)

        # Three holds run out; the sweep gives their uses back.
        past = datetime.now(UTC) - timedelta(minutes=1)
        expiring = [o.id for o in orders[:3]]
        db.session.execute(update(Order).where(Order.id.in_(expiring)).values(expires_at=past))
        db.session.commit()
        assert service.sweep_expired() == 3
        db.session.refresh(code)
        assert (code.uses_held, code.uses_used) == (LIMIT - 3, 0)

        # Five other buyers at once: three get the code back, two are told it is used up.
        later = _rush(server.port, ids, range(BUYERS, BUYERS + 5))
        assert sorted(p.status for p in later) == [303] * 3 + [400] * 2
    finally:
        watcher.stop.set()
        watcher.join(timeout=10)

    db.session.rollback()
    code = db.session.get(DiscountCode, ids["code"])
    assert (code.uses_held, code.uses_used) == (LIMIT, 0)
    counted = db.session.scalars(
        select(DiscountRedemption.status).where(DiscountRedemption.code_id == ids["code"])
    ).all()
    assert counted.count(RedemptionStatus.HELD) == LIMIT
    assert counted.count(RedemptionStatus.RELEASED) == 3
    assert (
        db.session.scalar(
            select(func.count(Order.id)).where(Order.status == OrderStatus.PENDING_PAYMENT)
        )
        == LIMIT
    )
    assert watcher.reads > 10
    assert watcher.highest <= LIMIT
    assert watcher.highest_rows <= LIMIT
