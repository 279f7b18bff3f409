"""How long `search.rebuild()` takes, on each backend, and where the CPU went.

    /work/venv/bin/python benchmarks/bench_search_build.py [--size 50000]
        [--backends whoosh,postgresql] [--pg-url postgresql+psycopg://…/DB] [--runs 2]

Generates the catalog `bench_search.py` generates (a throwaway SQLite file for
Whoosh; for PostgreSQL, --pg-url names a database of its own, which is
emptied), then rebuilds the index --runs times. Printed per rebuild, with
the machine's load beside it: the wall time, the CPU seconds of this process,
of the worker processes that read and analyse the products (and, for
Whoosh, write the segments), and of the PostgreSQL server processes serving
the build (COPY, index creation, ANALYZE). On a shared
machine the wall time follows the load; the CPU seconds say what the build
itself costs.
"""

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_search  # noqa: E402  (the catalog generator and the load line)


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=50000)
    parser.add_argument("--backends", default="whoosh,postgresql")
    parser.add_argument("--pg-url", default="", help="a PostgreSQL database of its own")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args(argv)


def server_cpu(database):
    """CPU seconds so far of the PostgreSQL server processes serving `database` on this machine."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes()
            if not title.startswith(b"postgres:") or f" {database} ".encode() not in title:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run(backend, args):
    """Generate the catalog and rebuild its index --runs times on one backend."""
    print(f"\n=== {args.size:,} products, {backend} ({bench_search.load()})")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as instance:
        os.environ["MARKETPLACE_INSTANCE"] = instance
        for name in ("SEARCH_INDEX_FOLDER", "DATABASE_URL"):
            os.environ.pop(name, None)
        if backend == "postgresql":
            os.environ.update(
                DATABASE_URL=args.pg_url,
                SECRET_KEY="bench-build-secret",  # noqa: S106 (a throwaway database)
                HOUSEHOLD_HASH_KEY="bench-build-households",
            )
        from marketplace import create_app, models
        from marketplace.catalog import search
        from marketplace.catalog.search import common
        from marketplace.extensions import db

        app = create_app()
        app.extensions["marketplace_search"]["backend"] = backend
        with app.app_context():
            app.extensions["marketplace_search"]["auto_index"] = False
            db.drop_all()
            db.create_all()
            started = time.perf_counter()
            bench_search.generate(db, models, args.size, random.Random(args.seed))
            print(f"Generated in {time.perf_counter() - started:.1f} s")
            database = db.engine.url.database if backend == "postgresql" else None
            for number in range(1, args.runs + 1):
                db.session.remove()
                server_before = server_cpu(database) if database else 0.0
                cpu_before = time.process_time()
                load = bench_search.load()
                started = time.perf_counter()
                indexed = search.rebuild()
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu_before
                workers = common.LAST_BUILD["worker_cpu"]
                line = (
                    f"Rebuild {number}: {indexed:,} products in {wall:.1f} s; CPU {cpu:.1f} s"
                    f" (+ worker processes {workers:.1f} s)"
                )
                if database:
                    line += f", PostgreSQL server CPU {server_cpu(database) - server_before:.1f} s"
                print(f"{line} ({load} before, {bench_search.load()} after)")
            db.session.remove()
            db.engine.dispose()


def main(argv=None):
    """Each backend in turn."""
    args = parse_args(argv)
    saved = dict(os.environ)
    print(f"bench_search_build: {bench_search.load()}; the machine is shared: see the CPU seconds")
    for backend in (b.strip() for b in args.backends.split(",") if b.strip()):
        if backend == "postgresql" and not args.pg_url:
            print(f"\n=== {backend}: skipped (give --pg-url)")
            continue
        try:
            run(backend, args)
        finally:
            os.environ.clear()
            os.environ.update(saved)


if __name__ == "__main__":
    main()
