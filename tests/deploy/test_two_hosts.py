"""Two hosts, as production runs them (issue 15): everything a visitor does works through either.

Real processes, all on loopback: two gunicorn servers A and B (one worker of four
threads each) with separate instance folders and the same SECRET_KEY and
HOUSEHOLD_HASH_KEY; one PostgreSQL database made for the test (migrated by two
`flask db upgrade` at once); S3 storage on moto's server; the PostgreSQL search
backend; a Redis of the test's own for rate limits and the RQ queue, with an RQ
worker (`flask jobs worker`); an SMTP server as MAIL_SERVER.
Every check goes through HTTP as a person would, CSRF tokens read from the forms; the
test's own app only seeds rows and reads what the hosts committed.
Every process that loads the app is started at once (hosts, worker, both upgrades; the
expiry test's sweeps while the first checks run); `-s` shows the start-up's phases.

Runs on the PostgreSQL pass of the suite (TEST_DATABASE_URL=postgresql…); skipped on
SQLite; on CI (CI set) a missing piece, such as redis-server, fails instead of skipping.
"""

import contextlib
import importlib.util
import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from limits import parse as parse_limit
from PIL import Image
from sqlalchemy import func, select, update

from marketplace import create_app
from marketplace.config import Config, TestConfig, engine_options
from marketplace.extensions import db
from marketplace.models import (
    Fulfilment,
    LineAllocation,
    Lot,
    Order,
    OrderLine,
    OrderStatus,
    OutboxMail,
    Payment,
    PaymentStatus,
    ProductImage,
)
from marketplace.models.mail import MailStatus
from tests import factories
from tests.mail.conftest import SMTPServer
from tests.orders.concurrency_server import BUYER_FORM, Buyer, GunicornServer, server_env

from .hosts import (
    REDIS_SERVER,
    Background,
    RedisServer,
    Visitor,
    alembic_versions,
    finish_upgrades,
    flask_command,
    free_port,
    needed,
    new_postgresql_database,
    postgresql_base_url,
    start_upgrades,
)

WAIT_S = 30  # the longest any one wait in this module may take


# -- the two hosts and what they share ---------------------------------------------------------


class Cluster:
    """What the tests reach: the hosts' base URLs, the seeding app, the SMTP inbox, Redis."""

    def __init__(self):
        self.servers = {}
        self.background = []
        self.upgrades = []
        self.timings = []  # (what, seconds since the fixture began): the start-up's report
        self._began = time.monotonic()

    def phase(self, what):
        self.timings.append((what, time.monotonic() - self._began))

    @property
    def a(self):
        return self.servers["A"].base_url

    @property
    def b(self):
        return self.servers["B"].base_url

    def logs(self):
        """Every process's output, for a failure's report."""
        parts = []
        for name, server in self.servers.items():
            parts.append(f"----- gunicorn {name} -----\n{server.log_text()}")
        for process in self.background:
            parts.append(f"----- {process.name} -----\n{process.log_text()}")
        for number, (code, output) in enumerate(self.upgrades, 1):
            parts.append(f"----- db upgrade {number} (exit {code}) -----\n{output}")
        return "\n".join(parts)


def _seed_app(database_url, instance):
    """An app of the test's own on the hosts' database, to seed rows and read results."""

    class SeedConfig(TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SQLALCHEMY_DATABASE_URI = database_url
            self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)

    previous = os.environ.get("MARKETPLACE_INSTANCE")
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    try:
        return create_app(SeedConfig)
    finally:
        if previous is None:
            os.environ.pop("MARKETPLACE_INSTANCE", None)
        else:
            os.environ["MARKETPLACE_INSTANCE"] = previous


def _bucket(endpoint, name):
    import boto3

    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106  (moto's)
    ).create_bucket(Bucket=name)
    return name


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    postgresql_base_url()  # skips on SQLite
    if not REDIS_SERVER.exists():
        needed(f"{REDIS_SERVER} not found: install it with `apt-get install redis-server`")
    if importlib.util.find_spec("moto") is None or importlib.util.find_spec("flask_cors") is None:
        needed("moto's server is not installed (pip install 'moto[server]')")
    folder = tmp_path_factory.mktemp("twohost")
    cluster = Cluster()
    smtp = SMTPServer(free_port())
    moto = None
    with new_postgresql_database("twohost") as database_url:
        cluster.phase("database created")
        try:
            smtp.start()
            redis = RedisServer(folder / "redis")
            cluster.background.append(redis)
            redis.start()
            cluster.phase("SMTP and Redis started")
            # moto's address and the bucket's name are chosen now; moto itself is started
            # (and the bucket made) while the hosts load, who touch S3 only when asked.
            endpoint = f"http://127.0.0.1:{free_port()}"
            settings = dict(
                REDIS_URL=redis.url,
                S3_BUCKET=f"twohost-{os.urandom(6).hex()}",
                S3_ENDPOINT_URL=endpoint,
                S3_REGION="us-east-1",
                AWS_ACCESS_KEY_ID="test",
                AWS_SECRET_ACCESS_KEY="test",
                AWS_DEFAULT_REGION="us-east-1",
                SEARCH_BACKEND="postgresql",
                SEARCH_WARM_UP="0",
                MAIL_SERVER="127.0.0.1",
                MAIL_PORT=smtp.port,
                MAIL_USE_TLS="0",
                MAIL_FROM="market@example.org",
                MAIL_TIMEOUT="5",
            )
            envs = {
                name: server_env(database_url, folder / f"instance-{name}", **settings)
                for name in ("A", "B", "worker")
            }
            cluster.envs = envs
            cluster.database_url = database_url
            cluster.bucket = settings["S3_BUCKET"]
            cluster.s3_endpoint = endpoint
            cluster.redis = redis
            cluster.smtp = smtp
            cluster.instances = {name: folder / f"instance-{name}" for name in envs}
            for name in ("A", "B"):
                server = GunicornServer(envs[name], workers=1, worker_class="gthread", threads=4)
                envs[name]["PUBLIC_BASE_URL"] = server.base_url
                cluster.servers[name] = server
            worker = Background("worker", flask_command("jobs", "worker"), envs["worker"])
            cluster.background.append(worker)
            cluster.worker = worker
            # Everything that loads the app starts at once: the two hosts, the worker and
            # the two `flask db upgrade` of a deploy (the hosts and the worker touch no table
            # until asked to), so the start costs the slowest of them, not the sum.
            for server in cluster.servers.values():
                server.launch()
            worker.start()
            upgrades = start_upgrades([envs["A"], envs["B"]])
            cluster.phase("hosts, worker and two db upgrades launched")
            from moto.server import ThreadedMotoServer

            moto = ThreadedMotoServer(
                ip_address="127.0.0.1", port=int(endpoint.rsplit(":", 1)[1]), verbose=False
            )
            moto.start()
            _bucket(endpoint, settings["S3_BUCKET"])
            cluster.phase("moto started, bucket made")
            # Deploys run `flask db upgrade` on every host at once: both must pass.
            cluster.upgrades = finish_upgrades(upgrades)
            if [code for code, _ in cluster.upgrades] != [0, 0]:
                pytest.fail("db upgrade failed:\n" + cluster.logs())
            cluster.phase("two db upgrades done")
            for server in cluster.servers.values():
                server.wait_until_serving()
            cluster.phase("both hosts serving")
            cluster.app = _seed_app(database_url, folder / "instance-seed")
            cluster.phase("seeding app built")
            # The expiry test's `flask orders expire` on each host load the app now, while
            # the first tests run, and wait for its signal (tests/deploy/at_signal.py).
            cluster.sweeps = _start_sweeps(cluster, folder / "sweeps")
            report = "; ".join(f"{what} at {at:.1f} s" for what, at in cluster.timings)
            print(f"\ntwo-host start-up (load {os.getloadavg()[0]:.1f}): {report}", file=sys.stderr)
            yield cluster
        finally:
            # Everything is told to stop at once, then given two seconds in all (not each)
            # before what is left is killed.
            started = [server.process for server in cluster.servers.values()]
            started += [process.process for process in cluster.background]
            for process in started:
                if process is not None and process.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 2
            for process in started:
                if process is not None:
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        process.wait(timeout=max(0.01, deadline - time.monotonic()))
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
            for server in cluster.servers.values():
                server.close()
            for process in cluster.background:
                process.close()
            smtp.stop()
            if moto is not None:
                moto.stop()
            app = getattr(cluster, "app", None)
            if app is not None:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()


def _start_sweeps(cluster, folder):
    """`flask orders expire` on A and on B, loading the app now and run at `sweeps.go`."""
    folder.mkdir()
    sweeps = {"go": folder / "go", "ready": {}, "commands": []}
    for name in ("A", "B"):
        ready = folder / f"ready-{name}"
        command = Background(
            f"orders expire on {name}",
            [sys.executable, "-m", "tests.deploy.at_signal", str(ready), str(sweeps["go"])]
            + ["orders", "expire"],
            dict(cluster.envs[name], AT_SIGNAL_TIMEOUT="900"),
        )
        cluster.background.append(command)
        sweeps["ready"][name] = ready
        sweeps["commands"].append(command.start())
    return sweeps


@pytest.fixture
def seed(cluster):
    """The seeding app's context: rows made here are committed for the hosts to see."""
    with cluster.app.app_context():
        yield db
        db.session.remove()


@pytest.fixture(autouse=True)
def _logs_on_failure(request, cluster):
    """A failed check's report ends with every process's output."""
    request.node.two_host_logs = cluster.logs
    yield


# -- helpers ---------------------------------------------------------------------------------


def _picture(colour, size=(640, 480), fmt="JPEG"):
    image = Image.new("RGB", size, colour)
    for x in range(0, size[0], 40):  # some detail, so it is a photo and not a flat fill
        image.paste((255 - colour[0], colour[1], 255 - colour[2]), (x, 0, x + 20, size[1]))
    data = io.BytesIO()
    image.save(data, fmt)
    return data.getvalue()


def _sign_in(visitor, host, email, password=factories.DEFAULT_PASSWORD):
    return visitor.submit(
        f"{host}/account/sign-in",
        "/account/sign-in",
        {"email": email, "password": password},
    )


def _group_with_leader(seed, leader=True, **fields):
    """A group that takes transfers, and its leader (signing in in English): (group, email)."""
    group = factories.make_group(promptpay_id="0812345678", shipping_flat_satang=5000, **fields)
    email = f"leader.{group.slug}@example.com"
    if leader:
        factories.make_user(email, memberships=[(group, "leader")], locale="en")
    return group, email


def _wait(condition, what, timeout=WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"waited {timeout} s for {what}")


def _order_in(visitor, host, slug, group_id, email, quantity=1):
    """Put a product in the cart from its page and check out by transfer on `host`."""
    added = visitor.submit(f"{host}/products/{slug}", "/cart/add", {"quantity": str(quantity)})
    assert added.status_code == 303, (added.status_code, added.text[:2000])
    values = dict(BUYER_FORM, email=email, payment_method="transfer")
    values[f"delivery-{group_id}"] = "ship"
    return visitor.submit(f"{host}/checkout", "/checkout", values)


# -- 6. migrations ---------------------------------------------------------------------------


def test_two_db_upgrades_at_once_both_succeeded(cluster):
    assert [code for code, _ in cluster.upgrades] == [0, 0], cluster.logs()
    assert len(alembic_versions(cluster.database_url)) == 1


# -- 1. a photo uploaded on A is served by B -----------------------------------------------------


def test_a_photo_uploaded_on_a_is_served_by_b(cluster, seed):
    group, leader_email = _group_with_leader(seed)
    product = factories.make_product(group=group, slug="two-host-rice")
    seed.session.commit()
    leader = Visitor()
    try:
        assert _sign_in(leader, cluster.a, leader_email).status_code == 303
        uploaded = leader.submit(
            f"{cluster.a}/office/{group.slug}/products/{product.id}",
            "/photos",
            {"alt_th": "ข้าวในกระสอบ", "alt_en": "Rice in a sack"},
            files={"photo": ("rice.jpg", _picture((200, 120, 40)), "image/jpeg")},
        )
        assert uploaded.status_code == 303, uploaded.text[:3000]
        assert leader.errors() == []
    finally:
        leader.close()

    seed.session.rollback()
    (image,) = seed.session.scalars(
        select(ProductImage).where(ProductImage.product_id == product.id)
    ).all()
    key = image.key
    visitor = Visitor()
    try:
        # The worker (a third instance folder) makes the sizes from the original in the
        # bucket; B's page shows them as soon as it has.
        def sized_links():
            page = visitor.get(f"{cluster.b}/products/two-host-rice")
            assert page.status_code == 200
            return sorted(set(re.findall(rf"/media/products/{key}/\d+\.(?:webp|jpg)", page.text)))

        _wait(sized_links, "B's product page to show the photo's sizes")
        seed.session.rollback()
        assert seed.session.get(ProductImage, image.id).sizes_pending is False
        for link in sized_links():
            served = visitor.get(cluster.b + link)
            assert served.status_code == 200, link
            assert served.headers["Content-Type"].startswith("image/")
            Image.open(io.BytesIO(served.content)).verify()
        assert visitor.errors() == []
    finally:
        visitor.close()
    # Stored in the bucket, on neither host's disk.
    for name in ("A", "B"):
        uploads = cluster.instances[name] / "uploads"
        assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


# -- 2. a slip uploaded on A is confirmed by the leader on B --------------------------------------


def test_a_slip_uploaded_on_a_is_seen_and_confirmed_on_b(cluster, seed):
    group, leader_email = _group_with_leader(seed)
    factories.make_product(group=group, slug="two-host-slip", stock=5)
    seed.session.commit()
    buyer, leader = Visitor(), Visitor()
    try:
        placed = _order_in(buyer, cluster.a, "two-host-slip", group.id, "slip.buyer@example.com")
        assert placed.status_code == 303, placed.text[:3000]
        order_page = cluster.a + placed.headers["Location"].removeprefix(cluster.a)
        sent = buyer.submit(
            order_page,
            "/slip",
            files={"slip": ("slip.png", _picture((20, 90, 200), fmt="PNG"), "image/png")},
        )
        assert sent.status_code == 303, sent.text[:3000]

        seed.session.rollback()
        order = seed.session.scalars(
            select(Order).where(Order.email == "slip.buyer@example.com")
        ).one()
        assert seed.session.scalars(
            select(Payment.status).where(Payment.order_id == order.id)
        ).all() == [PaymentStatus.SUBMITTED]
        (part,) = order.fulfilments
        office = f"{cluster.b}/office/{group.slug}/orders/{part.id}"
        assert _sign_in(leader, cluster.b, leader_email).status_code == 303
        slip = leader.get(f"{office}/slip")
        assert slip.status_code == 200, slip.text[:2000]
        assert slip.headers["Content-Type"].startswith("image/")
        Image.open(io.BytesIO(slip.content)).verify()
        confirmed = leader.submit(office, "/slip/confirm")
        assert confirmed.status_code == 303, confirmed.text[:2000]
        assert buyer.errors() == [] and leader.errors() == []
    finally:
        buyer.close()
        leader.close()
    seed.session.rollback()
    order = seed.session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    assert [p.status for p in order.payments] == [PaymentStatus.SUCCEEDED]


# -- 3. sign-in limits count across both hosts ----------------------------------------------------


def test_sign_in_limits_count_across_both_hosts(cluster, seed):
    factories.make_user("limited@example.com")
    seed.session.commit()
    limit = parse_limit(Config.SIGN_IN_LIMIT_PER_ACCOUNT).amount
    visitors = {cluster.a: Visitor(), cluster.b: Visitor()}
    try:
        statuses = []
        for attempt in range(limit + 2):
            host = cluster.a if attempt % 2 == 0 else cluster.b
            answer = _sign_in(visitors[host], host, "limited@example.com", "not the password!")
            statuses.append(answer.status_code)
        # Counted per host, it would take twice the limit.
        assert statuses == [200] * limit + [429, 429]
        # Refused on both hosts now, even with the right password.
        for host, visitor in visitors.items():
            assert _sign_in(visitor, host, "limited@example.com").status_code == 429
            assert visitor.errors() == []
    finally:
        for visitor in visitors.values():
            visitor.close()


# -- 4. orders placed at once on both hosts never oversell -----------------------------------------


UNITS = 5
BUYERS = 14


def test_orders_at_once_on_both_hosts_never_oversell(cluster, seed):
    group, _ = _group_with_leader(seed, leader=False)
    product = factories.make_product(group=group, stock=None)
    variant = product.variants[0]
    lots = [
        factories.make_lot(variant, quantity=3, produced_on=date(2025, 11, 1)),
        factories.make_lot(variant, quantity=2, produced_on=date(2025, 12, 1)),
    ]
    lot_ids = [lot.id for lot in lots]
    group_id, variant_id = group.id, variant.id
    seed.session.commit()
    ports = [cluster.servers[name].port for name in ("A", "B")]
    barrier = threading.Barrier(BUYERS)

    def buy(number):
        buyer = Buyer(ports[number % 2])  # alternately A and B
        try:
            token = buyer.csrf_token("/cart")
            added = buyer.add_to_cart(variant_id, 1, token=token)
            assert added.status == 303, added.status
        except BaseException:
            barrier.abort()
            raise
        barrier.wait(timeout=WAIT_S)
        return buyer.checkout([group_id], payment_method="transfer", token=token).status

    with ThreadPoolExecutor(max_workers=BUYERS) as pool:
        statuses = list(pool.map(buy, range(BUYERS), timeout=WAIT_S * 2))
    assert sorted(statuses) == [303] * UNITS + [409] * (BUYERS - UNITS), statuses

    seed.session.rollback()
    available = seed.session.scalars(select(Lot.available).where(Lot.id.in_(lot_ids))).all()
    assert available == [0, 0]
    sold = seed.session.scalar(
        select(func.sum(OrderLine.quantity)).where(OrderLine.variant_id == variant_id)
    )
    assert sold == UNITS
    held = seed.session.scalar(
        select(func.sum(LineAllocation.quantity - LineAllocation.released_quantity)).where(
            LineAllocation.lot_id.in_(lot_ids)
        )
    )
    assert held == UNITS


# -- 5. the expiry sweep run on both hosts at once releases each unit once ------------------------


EXPIRING = 40


def test_expiry_run_at_once_on_both_hosts_releases_each_unit_once(cluster, seed):
    from redis import Redis
    from rq import Queue

    from marketplace import jobs

    # `flask orders expire` on A and on B, started with the cluster: loaded, waiting for GO.
    sweeps = cluster.sweeps
    commands = sweeps["commands"]
    connection = Redis.from_url(cluster.redis.url)
    try:
        group, _ = _group_with_leader(seed, leader=False)
        product = factories.make_product(group=group, stock=None)
        variant = product.variants[0]
        lots = [factories.make_lot(variant, quantity=30), factories.make_lot(variant, quantity=30)]
        lot_ids = [lot.id for lot in lots]
        orders = [  # 1 or 2 units each: 60 units across both lots
            factories.make_order({variant: 1 + number % 2}, email=f"late{number}@example.com")
            for number in range(EXPIRING)
        ]
        order_ids = [order.id for order in orders]
        available = select(func.sum(Lot.available)).where(Lot.id.in_(lot_ids))
        assert seed.session.scalar(available) == 0
        past = datetime.now(UTC) - timedelta(minutes=1)  # every hold ran out a minute ago
        seed.session.execute(update(Order).where(Order.id.in_(order_ids)).values(expires_at=past))
        seed.session.execute(
            update(Fulfilment).where(Fulfilment.order_id.in_(order_ids)).values(expires_at=past)
        )
        seed.session.commit()
        _wait(
            lambda: all(ready.exists() for ready in sweeps["ready"].values()),
            "both hosts' sweeps to load the app",
            timeout=WAIT_S * 4,
        )
        # The sweep on A, on B and on the queue's worker, all at once.
        sweeps["go"].touch()
        job = Queue(jobs.QUEUE_NAME, connection=connection).enqueue(jobs.run_task, "expire_orders")
        for command in commands:
            command.process.wait(timeout=WAIT_S * 2)
        _wait(lambda: job.get_status(refresh=True) in ("finished", "failed"), "the RQ sweep")
        outputs = [command.log_text() for command in commands]
        assert [command.process.returncode for command in commands] == [0, 0], outputs
        closed = [int(re.search(r"expired (\d+) unpaid", text).group(1)) for text in outputs]
        assert job.get_status() == "finished", job.latest_result()
        closed.append(job.return_value())
    finally:
        for command in commands:
            command.close()
        connection.close()
    print("orders closed by the sweep on A, on B and by the worker:", closed)
    # Every order was closed by exactly one of the three sweeps.
    assert sum(closed) == EXPIRING, closed

    seed.session.rollback()
    statuses = seed.session.scalars(select(Order.status).where(Order.id.in_(order_ids))).all()
    assert set(statuses) == {OrderStatus.EXPIRED}
    assert seed.session.scalars(
        select(Lot.available).where(Lot.id.in_(lot_ids)).order_by(Lot.id)
    ).all() == [30, 30]
    allocations = seed.session.scalars(
        select(LineAllocation).where(LineAllocation.lot_id.in_(lot_ids))
    ).all()
    assert sum(a.quantity for a in allocations) == 60
    assert all(a.released_quantity == a.quantity for a in allocations)


# -- 7. search on B follows a change made on A --------------------------------------------------


def _search(visitor, host, words):
    """The search results of `host` for `words` (not the popular products an empty one offers)."""
    page = visitor.get(f"{host}/search?q={quote(words)}")
    assert page.status_code == 200
    results = page.text.split('id="search-count"', 1)[1]
    return results.split('class="search-empty"', 1)[0]


def test_search_on_b_finds_a_product_renamed_on_a_and_loses_an_archived_one(cluster, seed):
    group, leader_email = _group_with_leader(seed)
    product = factories.make_product(
        group=group, slug="two-host-cloth", name_th="ผ้าขาวม้าลายตาราง", name_en="Checked loincloth"
    )
    seed.session.commit()
    link = "/products/two-host-cloth"
    leader, visitor = Visitor(), Visitor()
    try:
        for host in (cluster.a, cluster.b):
            assert link in _search(visitor, host, "loincloth")
        assert _sign_in(leader, cluster.a, leader_email).status_code == 303
        office = f"{cluster.a}/office/{group.slug}/products/{product.id}"
        saved = leader.submit(
            f"{office}/edit", "/edit", {"name_th": "ข้าวก่ำดอยงาม", "name_en": "Purple rice"}
        )
        assert saved.status_code == 303, saved.text[:3000]
        # At once, through B, under the new name only.
        assert link in _search(visitor, cluster.b, "purple rice")
        assert link in _search(visitor, cluster.b, "ข้าวก่ำ")
        assert link not in _search(visitor, cluster.b, "loincloth")
        assert link in _search(visitor, cluster.a, "purple rice")

        archived = leader.submit(office, "/archive")
        assert archived.status_code == 303, archived.text[:3000]
        for host in (cluster.b, cluster.a):
            for words in ("purple rice", "ข้าวก่ำ"):
                assert link not in _search(visitor, host, words)
        assert leader.errors() == [] and visitor.errors() == []
    finally:
        leader.close()
        visitor.close()


# -- 8. Redis stopped mid-test: no 500, no mail lost; back again, the app recovers -----------------


def _outbox_since(seed, first_id):
    seed.session.rollback()
    return seed.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.id > first_id, OutboxMail.status != MailStatus.HELD)
        .order_by(OutboxMail.id)
    ).all()


def _delivered(cluster, seed, first_id, timeout=WAIT_S):
    """Wait until every mail written after `first_id` (held ones aside) is marked sent and has
    arrived at the SMTP server, matched by Message-ID; those mails."""
    deadline = time.monotonic() + timeout
    while True:
        mails = _outbox_since(seed, first_id)
        received = {str(m["Message-ID"]).strip() for m in cluster.smtp.inbox.messages}
        waiting = [
            (m.id, m.to_address, m.status, m.last_error)
            for m in mails
            if m.status != MailStatus.SENT or m.message_id.strip() not in received
        ]
        if not waiting:
            return mails
        if time.monotonic() > deadline:
            raise AssertionError(f"mails not delivered within {timeout} s: {waiting}")
        time.sleep(0.1)


def _everything_a_visitor_does(cluster, host, slug, group_id, buyer, reset_for, tag):
    """A page, a failed and a good sign-in, an order and a password reset on `host`."""
    visitor, stranger = Visitor(), Visitor()
    try:
        assert visitor.get(f"{host}/").status_code == 200
        assert visitor.get(f"{host}/products/{slug}").status_code == 200
        assert visitor.get(f"{host}/search?q=rice").status_code == 200
        assert _sign_in(stranger, host, buyer, "not the password!").status_code == 200
        assert _sign_in(visitor, host, buyer).status_code == 303
        placed = _order_in(visitor, host, slug, group_id, buyer)
        assert placed.status_code == 303, placed.text[:2000]
        asked = stranger.submit(f"{host}/account/reset", "/account/reset", {"email": reset_for})
        assert asked.status_code == 303, (tag, asked.status_code, asked.text[:2000])
        return visitor.answers + stranger.answers
    finally:
        visitor.close()
        stranger.close()


def _round_on_both_hosts(cluster, seed, group, buyer, forgetful, first_id):
    """What a visitor does, on A then on B: no answer of 500, and every mail written
    since `first_id` arrives (at least two order mails and two reset links); those mails."""
    answers = []
    for name, host in (("a", cluster.a), ("b", cluster.b)):
        answers += _everything_a_visitor_does(
            cluster, host, "two-host-honey", group.id, buyer, forgetful.format(name), name
        )
    assert [answer for answer in answers if answer[2] >= 500] == []
    made = _delivered(cluster, seed, first_id)
    assert len(made) >= 4
    return made


def test_redis_stopped_no_500_and_no_mail_lost_then_recovers(cluster, seed):
    group, _ = _group_with_leader(seed)  # its leader is told of each order
    factories.make_product(group=group, slug="two-host-honey", name_en="Wild honey", stock=50)
    buyer = "redis.buyer@example.com"
    factories.make_user(buyer, locale="en")
    for name in ("a", "b"):
        factories.make_user(f"forgetful.{name}@example.com", locale="en")
        factories.make_user(f"forgotten.{name}@example.com", locale="en")
    seed.session.commit()
    # What earlier checks queued is delivered first: a queue Redis loses is another story.
    first_id = _delivered(cluster, seed, 0)[-1].id

    cluster.redis.stop()
    assert not cluster.redis.answers()
    made = _round_on_both_hosts(cluster, seed, group, buyer, "forgetful.{}@example.com", first_id)
    for name in ("A", "B"):  # …sent by the hosts themselves, since the queue did not answer
        assert "Redis did not answer" in cluster.servers[name].log_text()

    # Redis comes back: the same requests work, and mail goes through the worker again.
    cluster.redis.start()
    assert cluster.worker.running(), cluster.worker.log_text()
    _round_on_both_hosts(cluster, seed, group, buyer, "forgotten.{}@example.com", made[-1].id)
    assert cluster.worker.running(), cluster.worker.log_text()
    # …sent by the worker from the queue, which is in Redis again.
    from redis import Redis
    from rq import Queue

    from marketplace import jobs

    with Redis.from_url(cluster.redis.url) as connection:
        finished = Queue(jobs.QUEUE_NAME, connection=connection).finished_job_registry
        assert finished.count >= 1
