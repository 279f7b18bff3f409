"""The uncached catalog page (/products) at catalog scale, on SQLite and PostgreSQL.

    /work/venv/bin/python benchmarks/bench_catalog.py [--size 50000] [--requests 20]
        [--backends sqlite,postgresql] [--pg-url postgresql+psycopg://…/DB]

For each database it generates `--size` products with bench_search's generator
(groups across northern provinces, seven categories, one variant and lot each,
verified claims on about 15 % of products, 2 % drafts), then requests the
catalog through the Flask test client, as an anonymous visitor, with the page
cache emptied before every request: each request renders the page and runs its
queries, exactly as a cache miss does in production (the cache itself stays on).

Timed, each `--requests` times after one warm-up request:

- the first page; one category; one province; one verified claim;
- a page deep in the pagination; sorted by price;
- a combination of filters (category, province, claim, sort, page 2).

Printed, with the machine's load average beside them: p50/p95 of the whole
request, the number of SQL statements per request and, for the last request
of each, every statement's time (the slowest first). PostgreSQL is vacuumed
and analysed after the data are loaded, as autovacuum would do; SQLite is
left as a fresh file is. The aim is <= 50 ms per uncached page at 50,000
products. PostgreSQL needs --pg-url: a database of its own, which the
benchmark empties (never a shared one).
"""

import argparse
import os
import random
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_search import generate, load, percentile  # noqa: E402  (needs the path above)

PAGES = [
    ("first page", "/products"),
    ("category", "/products?category=rice"),
    ("province", "/products?province=57"),
    ("claim", "/products?claim=organic_thailand"),
    ("deep page", "/products?page={deep}"),
    ("sort by price", "/products?sort=price_asc"),
    (
        "combination",
        "/products?category=coffee&province=58&claim=chemical_free&sort=price_desc&page=2",
    ),
]


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50_000, help="number of products")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--pg-url", default="", help="a PostgreSQL database of its own")
    parser.add_argument(
        "--pages",
        default=",".join(name for name, _path in PAGES),
        help="which pages, comma-separated names (default: all)",
    )
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


@contextmanager
def recording(engine):
    """Record (statement, milliseconds) for each statement this thread runs inside the block."""
    from sqlalchemy import event

    statements = []
    owner = threading.get_ident()

    def before(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == owner:
            conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == owner:
            started = conn.info["bench_started"].pop()
            statements.append((statement, (time.perf_counter() - started) * 1000))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def prepare(app, db, backend):
    """What a running site has after its data came in: summaries built, statistics gathered.

    The generator inserts in bulk, past the hooks that keep the listing up, so it is
    rebuilt as `flask catalog listing` would after such an import.
    """
    from marketplace.catalog import listing

    listing.rebuild()
    db.session.commit()
    if backend == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")


def shorten(statement, width=110):
    """One line of a statement, for printing."""
    text = " ".join(statement.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def time_pages(app, engine, size, requests, names):
    """Request each catalog page `requests` times, uncached; print the figures.

    Beside the wall time, the process's CPU time per request (`cpu p50`): on a
    shared machine the wall time grows with the load, the CPU time much less.
    With SQLite it includes the queries; PostgreSQL's work is in its server.
    """
    cache = app.extensions["page_cache"]
    client = app.test_client()
    deep = max(1, size // app.config["CATALOG_PAGE_SIZE"] // 2)
    print(f"  {'page':<14} {'p50':>8} {'p95':>8} {'cpu p50':>9}  statements  ({load()})")
    for name, path in PAGES:
        if name not in names:
            continue
        path = path.format(deep=deep)
        times, cpu, counts = [], [], []
        for attempt in range(requests + 1):
            cache.clear()  # a miss: the page is rendered and its queries run
            with recording(engine) as statements:
                started, started_cpu = time.perf_counter(), time.process_time()
                response = client.get(path)
                took = (time.perf_counter() - started) * 1000
                took_cpu = (time.process_time() - started_cpu) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{path} answered {response.status_code}")
            if attempt:  # the first request warms this page's statements
                times.append(took)
                cpu.append(took_cpu)
                counts.append(len(statements))
        print(
            f"  {name:<14} {percentile(times, 50):6.1f} ms {percentile(times, 95):6.1f} ms"
            f" {percentile(cpu, 50):6.1f} ms  {min(counts)}–{max(counts)}  {path}"
        )
        for statement, ms in sorted(statements, key=lambda s: -s[1]):
            print(f"      {ms:7.2f} ms  {shorten(statement)}")
    print(f"  ({load()})")


def run(backend, args):
    """Generate the catalog on one database and time its pages."""
    rng = random.Random(args.seed)
    print(f"\n=== {args.size:,} products, {backend} ({load()})")
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as instance:
        env = dict(os.environ, MARKETPLACE_INSTANCE=instance, PAGE_VIEWS_ENABLED="0")
        env.pop("DATABASE_URL", None)
        if backend == "postgresql":
            env.update(
                DATABASE_URL=args.pg_url,
                SECRET_KEY="bench-catalog-secret",  # noqa: S106 (a throwaway database)
                HOUSEHOLD_HASH_KEY="bench-catalog-households",
            )
        os.environ.clear()
        os.environ.update(env)
        from marketplace import create_app, models
        from marketplace.extensions import db

        app = create_app()
        app.extensions["marketplace_search"]["auto_index"] = False
        with app.app_context():
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            generate(db, models, args.size, rng)
            prepare(app, db, backend)
            print(f"Generated and prepared in {time.perf_counter() - started:.1f} s ({load()})")
            db.session.remove()
            names = {name.strip() for name in args.pages.split(",")}
            time_pages(app, db.engine, args.size, args.requests, names)
            db.session.remove()
            db.engine.dispose()


def main(argv=None):
    """Each database in turn."""
    args = parse_args(argv)
    saved = dict(os.environ)
    print(f"bench_catalog: {load()}; the machine is shared, so figures vary with its load")
    for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
        if backend == "postgresql" and not args.pg_url:
            print(f"\n=== {args.size:,} products, postgresql: skipped (give --pg-url)")
            continue
        try:
            run(backend, args)
        finally:
            os.environ.clear()
            os.environ.update(saved)


if __name__ == "__main__":
    main()
