"""Checkouts per second under gunicorn, with 1 and 4 workers, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_checkout.py [--duration 10] [--warmup 3] [--workers 1,4]
        [--databases sqlite,postgresql] [--postgres-url postgresql+psycopg://…/bench_checkout]

Two flows, each from several client processes, each client one buyer with its
own session (its CSRF token read once):

- paid:    POST /cart/add → POST /checkout (Stripe) → the shop creates a
           Checkout Session at the fake Stripe → the buyer presses "Pay by card"
           on the fake's hosted page → the fake POSTs the signed
           `checkout.session.completed` webhook to the shop, which marks the order
           paid (ledger, mail) → the fake redirects the buyer back. One count when
           that last answer arrives: reserve + pay + webhook.
- reserve: POST /cart/add → POST /checkout (offline transfer): stock reserved,
           order written, nothing paid.

The fake Stripe (`fakestripe`) runs in this process, in a thread, standing in
for Stripe's servers. SQLite is a file in a throwaway instance folder;
PostgreSQL is a database this script creates and drops (never `test`). After
each database's runs it checks in the database that every Stripe order the
clients saw paid is paid exactly once (one succeeded payment, one
`checkout.session.completed` event), that no order is left half-done, and
that the lots' stock adds up to the units allocated. Loopback only; every
loop is bounded in time and count.
"""

import argparse
import logging
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.orders.concurrency_server import (  # noqa: E402  (needs the repository on the path)
    SECRET_KEY,
    Buyer,
    GunicornServer,
    server_env,
)

STRIPE_KEY = "sk_test_bench_checkout"  # noqa: S105  (the fake's key, not a secret)
WEBHOOK_SECRET = "whsec_bench_checkout"  # noqa: S105
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_checkout"
PROTECTED_DATABASES = {"test", "postgres", "template0", "template1"}
GROUPS = 4
PRODUCTS_PER_GROUP = 5
STOCK_PER_LOT = 1_000_000
MAX_FLOWS_PER_CLIENT = 100_000


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each")
    parser.add_argument(
        "--server-warmup",
        type=float,
        default=8.0,
        help="seconds of unrecorded load per flow on each fresh server",
    )
    parser.add_argument("--workers", default="1,4", help="gunicorn sync worker counts to try")
    parser.add_argument(
        "--clients", type=int, default=0, help="client processes (default: 4, or 2 per worker)"
    )
    parser.add_argument("--databases", default="sqlite,postgresql", help="which databases")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL database this script may drop and create (default: %(default)s)",
    )
    parser.add_argument(
        "--flows", default="paid,reserve", help="paid (reserve + pay + webhook), reserve"
    )
    return parser.parse_args(argv)


def load():
    """The load average, as `uptime` shows it."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


# -- databases ------------------------------------------------------------------------------


@contextmanager
def sqlite_database():
    """A SQLite file in a throwaway folder; yields its URL."""
    folder = Path(tempfile.mkdtemp(prefix="bench-checkout-"))
    try:
        yield "sqlite:///" + str(folder / "bench.db")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def postgres_database(url):
    """(Re)create the PostgreSQL database named by `url`, yield the URL, drop it afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    name = target.database
    if not name or name in PROTECTED_DATABASES:
        raise SystemExit(f"refusing to drop and create database {name!r}: name another one")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def marketplace_app(database_url, instance):
    """The marketplace app on this database, for seeding and checking (not for serving)."""
    from marketplace import create_app
    from marketplace.config import Config, engine_options
    from marketplace.extensions import db

    class BenchConfig(Config):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.SECRET_KEY = SECRET_KEY
            self.EXPLICIT_KEYS = dict.fromkeys(self.EXPLICIT_KEYS, True)
            self.SQLALCHEMY_DATABASE_URI = database_url
            self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(database_url)

    previous = os.environ.get("MARKETPLACE_INSTANCE")
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    try:
        app = create_app(BenchConfig)
    finally:
        if previous is None:
            os.environ.pop("MARKETPLACE_INSTANCE", None)
        else:
            os.environ["MARKETPLACE_INSTANCE"] = previous
    try:
        with app.app_context():
            yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def create_schema(database_url, instance):
    """`flask db upgrade`: the schema as a deployment gets it."""
    import subprocess

    env = server_env(database_url, instance)
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "marketplace", "db", "upgrade"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise SystemExit("flask db upgrade failed:\n" + result.stdout + result.stderr)


def seed(database_url, instance):
    """Groups that ship, each with products of plenty of stock: [(group id, variant id)]."""
    from marketplace.extensions import db
    from tests import factories

    with marketplace_app(database_url, instance):
        catalog = []
        for _ in range(GROUPS):
            group = factories.make_group(
                shipping_flat_satang=4000, shipping_per_kg_satang=1500, promptpay_id="0812345678"
            )
            for _ in range(PRODUCTS_PER_GROUP):
                product = factories.make_product(group=group, stock=STOCK_PER_LOT)
                catalog.append((group.id, product.variants[0].id))
        db.session.commit()
        return catalog


# -- clients --------------------------------------------------------------------------------


def _one_flow(buyer, token, flow, group_id, variant_id):
    """One checkout; None when it completed, else a short reason."""
    added = buyer.add_to_cart(variant_id, 1, token=token)
    if added.status != 303:
        return f"cart/add {added.status}"
    method = "stripe" if flow == "paid" else "transfer"
    placed = buyer.checkout([group_id], payment_method=method, token=token)
    if placed.status != 303:
        return f"checkout {placed.status}"
    if flow == "reserve":
        return None if "/orders/" in placed.location else f"checkout went to {placed.location}"
    if "/pay/" not in placed.location:
        return f"checkout went to {placed.location} (Stripe page expected)"
    paid = buyer.pay_on_hosted_page(placed.location)
    if paid.status != 303 or "/pay/" in paid.location:
        return f"pay {paid.status} → {paid.location}"
    return None


def client(port, flow, catalog, seed_, start_at, measure_from, stop_at):
    """One client process: flows in a loop; (completed, errors, latencies, error kinds) measured.

    Also returns every completed flow (in or out of the window), for the check in the database.
    """
    import random

    chooser = random.Random(seed_)
    buyer = Buyer(port)
    while time.time() < start_at:
        time.sleep(0.005)
    token = buyer.csrf_token("/cart")
    completed, errors, latencies, kinds, total = 0, 0, [], {}, 0
    for _ in range(MAX_FLOWS_PER_CLIENT):
        if time.time() >= stop_at:
            break
        group_id, variant_id = chooser.choice(catalog)
        began = time.perf_counter()
        try:
            problem = _one_flow(buyer, token, flow, group_id, variant_id)
        except OSError as error:
            problem = type(error).__name__
        elapsed = time.perf_counter() - began
        finished = time.time()
        if problem is None:
            total += 1
        in_window = measure_from <= finished < stop_at
        if problem is None and in_window:
            completed += 1
            latencies.append(elapsed)
        elif problem is not None:
            errors += 1
            kinds[problem] = kinds.get(problem, 0) + 1
    return completed, errors, latencies, kinds, total


def percentile(sorted_values, fraction):
    """The nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return float("nan")
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def server_cpu_seconds(session_id):
    """CPU seconds used so far by the processes of a session (gunicorn's master and workers).

    Read from /proc (Linux); None elsewhere. Unlike the wall-clock rate, this
    hardly depends on what else the machine is doing.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the name: state, ppid, pgrp, session, …, utime (14th field), stime (15th).
        if int(fields[3]) == session_id:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def measure(server, flow, catalog, clients, warmup, duration):
    """Checkouts per second of one flow against a running server, and CPU per checkout."""
    start_at = time.time() + 0.5
    measure_from = start_at + warmup
    stop_at = measure_from + duration
    jobs = [
        (server.port, flow, catalog, i, start_at, measure_from, stop_at) for i in range(clients)
    ]
    with multiprocessing.Pool(clients) as pool:
        pending = pool.starmap_async(client, jobs)
        time.sleep(max(0.0, measure_from - time.time()))
        cpu_before, fake_before = server_cpu_seconds(server.process.pid), time.process_time()
        time.sleep(max(0.0, stop_at - time.time()))
        cpu_after, fake_after = server_cpu_seconds(server.process.pid), time.process_time()
        results = pending.get(timeout=duration + warmup + 600)
    latencies = sorted(v for r in results for v in r[2])
    kinds = {}
    for r in results:
        for kind, n in r[3].items():
            kinds[kind] = kinds.get(kind, 0) + n
    completed = sum(r[0] for r in results)
    app_cpu_ms = fake_cpu_ms = float("nan")
    if completed and cpu_before is not None and cpu_after is not None:
        app_cpu_ms = (cpu_after - cpu_before) * 1000 / completed
        fake_cpu_ms = (fake_after - fake_before) * 1000 / completed
    return {
        "rate": completed / duration,
        "completed": completed,
        "errors": sum(r[1] for r in results),
        "kinds": kinds,
        "total": sum(r[4] for r in results),
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "app_cpu_ms": app_cpu_ms,
        "fake_cpu_ms": fake_cpu_ms,
    }


# -- one database ---------------------------------------------------------------------------


def run_database(kind, database_url, args, worker_counts, flows):
    """Seed, then each worker count × flow; the rows of the table, checked in the database."""
    from fakestripe import FakeStripeServer

    instance = Path(tempfile.mkdtemp(prefix=f"bench-checkout-{kind}-"))
    rows = []
    expected = {"paid": 0, "reserve": 0}
    try:
        create_schema(database_url, instance / "migrate")
        catalog = seed(database_url, instance / "seed")
        for workers in worker_counts:
            clients = args.clients or max(4, 2 * workers)
            server = GunicornServer(server_env(database_url, instance / f"w{workers}"), workers)
            fake = FakeStripeServer(
                webhook_url=f"{server.base_url}/stripe/webhook",
                webhook_secret=WEBHOOK_SECRET,
                api_key=STRIPE_KEY,
            ).start()
            server.env.update(
                STRIPE_SECRET_KEY=STRIPE_KEY,
                STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                STRIPE_API_BASE=fake.url,
                PUBLIC_BASE_URL=server.base_url,
            )
            try:
                server.start()
                # Fresh workers spend their first seconds compiling templates, loading
                # catalogs and opening clients: load each flow once, unrecorded.
                for flow in dict.fromkeys(flows):
                    warm = measure(server, flow, catalog, clients, 0, args.server_warmup)
                    expected[flow] += warm["total"]
                for flow in flows:
                    before = load()
                    result = measure(server, flow, catalog, clients, args.warmup, args.duration)
                    expected[flow] += result["total"]
                    result.update(
                        database=kind, workers=workers, clients=clients, flow=flow, load=before
                    )
                    rows.append(result)
                    print_row(result)
                log = server.log_text()
            finally:
                server.close()
                fake.stop()
            for marker in ("database is locked", "Traceback", "deadlock"):
                if marker in log:
                    print(f"  warning: the server log mentions {marker!r}:\n{log[-3000:]}")
        print(f"  {check_database(database_url, instance / 'check', expected)}")
        return rows
    finally:
        shutil.rmtree(instance, ignore_errors=True)


def check_database(database_url, instance, expected):
    """Every order paid once or still held, stock adding up; raises when anything is off."""
    from sqlalchemy import func, select

    from marketplace.extensions import db
    from marketplace.models import (
        LineAllocation,
        Lot,
        Order,
        OrderStatus,
        Payment,
        PaymentStatus,
        StripeEvent,
    )

    with marketplace_app(database_url, instance):
        counts = db.session.execute(
            select(Order.payment_method, Order.status, func.count(Order.id)).group_by(
                Order.payment_method, Order.status
            )
        ).all()
        by_status = {(method, status): n for method, status, n in counts}
        paid = by_status.get(("stripe", OrderStatus.PAID), 0)
        # A flow cut off by the end of the run may have reserved without being paid yet.
        unpaid_stripe = by_status.get(("stripe", OrderStatus.PENDING_PAYMENT), 0)
        transfers = by_status.get(("transfer", OrderStatus.PENDING_PAYMENT), 0)
        problems = []
        if paid != expected["paid"]:
            problems.append(f"{paid} Stripe orders paid, clients completed {expected['paid']}")
        if transfers < expected["reserve"]:
            problems.append(f"{transfers} transfer orders, clients placed {expected['reserve']}")
        twice = db.session.scalar(
            select(func.count()).select_from(
                select(Payment.order_id)
                .where(Payment.status == PaymentStatus.SUCCEEDED)
                .group_by(Payment.order_id)
                .having(func.count(Payment.id) > 1)
                .subquery()
            )
        )
        if twice:
            problems.append(f"{twice} orders have more than one succeeded payment")
        succeeded = db.session.scalar(
            select(func.count(Payment.id)).where(Payment.status == PaymentStatus.SUCCEEDED)
        )
        if succeeded != paid:
            problems.append(f"{succeeded} succeeded payments for {paid} paid orders")
        events = db.session.scalar(select(func.count(StripeEvent.id)))
        if events != paid:
            problems.append(f"{events} Stripe events stored for {paid} paid orders")
        sold = db.session.scalar(select(func.sum(Lot.quantity - Lot.available))) or 0
        held = (
            db.session.scalar(
                select(func.sum(LineAllocation.quantity - LineAllocation.released_quantity))
            )
            or 0
        )
        if sold != held:
            problems.append(f"lots are down {sold} units, allocations hold {held}")
        if problems:
            raise SystemExit("database check FAILED: " + "; ".join(problems))
        return (
            f"database check ok: {paid} orders paid once each, {unpaid_stripe} Stripe orders "
            f"cut off before paying, {transfers} transfer orders held; lots down {sold} units "
            f"= {held} allocated"
        )


# -- output ---------------------------------------------------------------------------------


def print_row(r):
    """One measured run."""
    kinds = ", ".join(f"{k}: {n}" for k, n in sorted(r["kinds"].items()))
    print(
        f"  {r['database']:10} {r['workers']:>2} workers {r['clients']:>2} clients  "
        f"{r['flow']:8} {r['rate']:7.1f} /s   p50 {r['p50_ms']:6.0f} ms   p95 "
        f"{r['p95_ms']:6.0f} ms   app CPU {r['app_cpu_ms']:5.0f} ms/checkout"
        f"   ({r['completed']} ok, {r['errors']} errors{': ' if kinds else ''}{kinds})"
        f"   [{r['load']}]",
        flush=True,
    )


def print_table(rows, flows):
    """The summary: checkouts per second and the app's CPU per checkout, by database, workers."""
    names = {"paid": "paid: reserve+pay+webhook", "reserve": "reserve only"}
    width = 30
    header = f"{'database':10} {'workers':>7}  " + "  ".join(f"{names[f]:>{width}}" for f in flows)
    print()
    print(header)
    print("-" * len(header))
    keys = []
    for r in rows:
        if (r["database"], r["workers"]) not in keys:
            keys.append((r["database"], r["workers"]))
    for database, workers in keys:
        cells = []
        for flow in flows:
            match = [
                r
                for r in rows
                if (r["database"], r["workers"], r["flow"]) == (database, workers, flow)
            ]
            if match:
                r = match[0]
                cell = f"{r['rate']:.1f}/s ({r['app_cpu_ms']:.0f} ms app CPU each)"
            else:
                cell = ""
            cells.append(f"{cell:>{width}}")
        print(f"{database:10} {workers:>7}  " + "  ".join(cells))


def versions():
    """Versions worth printing beside the figures."""
    from importlib.metadata import version

    python = sys.version.split()[0]
    return (
        f"Python {python}, Flask {version('flask')}, gunicorn {version('gunicorn')}, "
        f"SQLAlchemy {version('sqlalchemy')}, stripe {version('stripe')}"
    )


def main(argv=None):
    """Set up each database, measure, print, check, clean up."""
    args = parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the fake's request lines
    worker_counts = [int(n) for n in args.workers.split(",") if n.strip()]
    flows = [f.strip() for f in args.flows.split(",") if f.strip()]
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    for flow in flows:
        if flow not in ("paid", "reserve"):
            raise SystemExit(f"unknown flow {flow!r}")
    print(
        f"{versions()}; {os.cpu_count()} cores; gunicorn sync workers {worker_counts}; "
        f"{args.warmup:g} s warm-up + {args.duration:g} s per run; {load()}"
    )
    rows = []
    for kind in databases:
        if kind == "sqlite":
            context = sqlite_database()
        elif kind == "postgresql":
            context = postgres_database(args.postgres_url)
        else:
            raise SystemExit(f"unknown database {kind!r}")
        print(f"{kind}:")
        with context as url:
            rows += run_database(kind, url, args, worker_counts, flows)
    print_table(rows, flows)
    if any(r["errors"] for r in rows):
        print("note: some flows failed (see the rows above); the figures count only completed ones")
    return 0


if __name__ == "__main__":
    sys.exit(main())
