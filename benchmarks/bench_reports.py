"""Officer reports at province scale: a province report and a full-area export, timed.

    /tmp/venv/bin/python benchmarks/bench_reports.py --db sqlite            # 20,000 households
    /tmp/venv/bin/python benchmarks/bench_reports.py --db postgresql --full # 235,704 households

It generates a registry like a provincial poverty data system's (at `--full`
size 235,704 households with 1,039,270 members over 20 northern and
northeastern provinces, real district and subdistrict codes from geothai),
about 400 producer groups, their products, lots, paid orders, and 12 months of
ledger entries (sale shares, group fund, platform fee, raw material, wages,
payouts: about 5.7 million entries at full size); see `registry_data.py`.
The database is built with `db.create_all()` and kept between runs: a SQLite
file under /tmp/bench_reports (or `--sqlite PATH`) or the PostgreSQL database
`bench_reports` (created when missing; `--pg-url` for another). A database
that already holds the same size and seed is reused; `--regenerate` forces a
new one. Generation prints its time, row counts and the database's size.

Then it times, with several runs and the median reported:

- the area report for the largest province over the 12 months
  (`impact.reports.area_report`), one district and one subdistrict of it;
- the full-area export of all 20 provinces to CSV and to XLSX
  (`impact.exports`), written to a temporary file;
- `write_xlsx` for the largest province (every sheet, the report included).

Each report's CPU seconds are printed too (this process, and the PostgreSQL
backend's from /proc): on a machine shared with other work the wall times follow
the load, CPU seconds much less. Each report also has one extra run under tracemalloc (peak Python
allocations) with peak RSS growth (VmHWM, reset through /proc/self/clear_refs
before the run), and the statements of one run with their execute times. For
the exports, RSS growth is sampled at 25, 50, 75 and 100 % of the rows
written, to show that memory stays flat (`--tracemalloc-exports` adds a run
under tracemalloc). Aim: a province report under 0.5 s (it reads the monthly
ledger sums, `ledger_month`, added up once after the bulk load); the export
streams in constant memory. Figures only, no assertions.

`--export-job` instead runs the every-province XLSX through the export job as in
production: this process serves the pages (an admin's request, the progress page
every 2 s, the download), an RQ worker process (`--redis-url`, a queue of the
run's own) writes the file; printed: the job's time, the worker's peak RSS, and
the web process's RSS before, at its highest, and after.

The 1-minute load average is printed at the start and the end: other work on
the machine slows every figure.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import registry_data  # noqa: E402

DEFAULT_HOUSEHOLDS = 20_000
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_reports"
SQLITE_FOLDER = Path("/tmp/bench_reports")


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS)
    parser.add_argument(
        "--full",
        action="store_true",
        help=f"the registry's size: {registry_data.FULL_HOUSEHOLDS:,} households",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=5, help="timed runs of each report")
    parser.add_argument("--export-rounds", type=int, default=1, help="timed runs of each export")
    parser.add_argument(
        "--tracemalloc-exports",
        action="store_true",
        help="one more run of each export under tracemalloc (several times slower)",
    )
    parser.add_argument("--sqlite", help="SQLite file (default /tmp/bench_reports/…)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    parser.add_argument("--regenerate", action="store_true", help="ignore a cached database")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--no-export", action="store_true", help="time the reports only")
    parser.add_argument(
        "--export-job",
        action="store_true",
        help="only the every-province XLSX through the export job (an RQ worker process)",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/13",
        help="Redis for the export job's queue (a queue of the run's own is used)",
    )
    args = parser.parse_args(argv)
    if args.full:
        args.households = registry_data.FULL_HOUSEHOLDS
    return args


# -- the database ----------------------------------------------------------------------------


def database_url(args):
    """The benchmark database's URL; a missing PostgreSQL database is created."""
    if args.db == "sqlite":
        path = Path(args.sqlite or SQLITE_FOLDER / f"registry-{args.households}.db")
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    url = make_url(args.pg_url)
    if url.database in (None, "", "test", "postgres", "template0", "template1"):
        sys.exit(f"refusing to use the database {url.database!r}: give --pg-url a bench database")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
        )
        if not exists:
            connection.exec_driver_sql(f'CREATE DATABASE "{url.database}"')
    admin.dispose()
    return url.render_as_string(hide_password=False)


META_TABLE = "bench_meta"


def read_meta(db):
    """What the benchmark wrote about a finished generation, or {} for none."""
    from sqlalchemy import inspect, text

    if not inspect(db.engine).has_table(META_TABLE):
        return {}
    rows = db.session.execute(text(f"SELECT key, value FROM {META_TABLE}")).all()  # noqa: S608
    db.session.rollback()
    return dict(rows)


def wanted_meta(args):
    """The generation parameters a reusable database must match."""
    return {
        "version": registry_data.GENERATOR_VERSION,
        "households": str(args.households),
        "seed": str(args.seed),
    }


def wipe(db, url):
    """An empty database: the SQLite file removed, or PostgreSQL's public schema recreated."""
    db.session.remove()
    db.engine.dispose()
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE")
        connection.exec_driver_sql("CREATE SCHEMA public")


def generate(db, url, args):
    """Build the schema, bulk-load the data set and record that it is complete."""
    from sqlalchemy import text

    wipe(db, url)
    db.create_all()
    print(f"Generating {args.households:,} households (seed {args.seed}) …", flush=True)
    start = time.perf_counter()
    counts, timings = registry_data.load(
        db.engine, db.metadata, args.households, args.seed, log=lambda s: print(s, flush=True)
    )
    total = time.perf_counter() - start
    meta = wanted_meta(args) | {"seconds": f"{total:.1f}"}
    meta |= {f"seconds_{name}": f"{value:.1f}" for name, value in timings.items()}
    meta |= {f"rows_{name}": str(count) for name, count in counts.items()}
    with db.engine.begin() as connection:
        connection.exec_driver_sql(
            f"CREATE TABLE {META_TABLE} (key VARCHAR(40) PRIMARY KEY, value VARCHAR(200))"
        )
        connection.execute(
            text(f"INSERT INTO {META_TABLE} (key, value) VALUES (:key, :value)"),  # noqa: S608
            [{"key": k, "value": v} for k, v in meta.items()],
        )
    print(f"Generated in {total:.1f} s")
    return meta


def ensure_summaries(db):
    """The ledger's monthly sums (`ledger_month`, `group_month`, `household_month`) and the
    assessment spans (`assessment_span`), built from the ledger and the assessments when
    missing or empty.

    The bulk load writes the ledger without the app, so the sums the app keeps up
    at each posting are added up once here, as `flask ledger summaries` would
    (each table on its own, so a database generated before one of them existed
    gains it without recomputing the other).
    """
    from sqlalchemy import func, insert, inspect, select

    from marketplace.impact import summaries
    from marketplace.models import AssessmentSpan, GroupMonth, HouseholdMonth, LedgerMonth

    builds = (
        (LedgerMonth, summaries.ledger_sums, [*summaries.KEY_COLUMNS, "amount_satang", "entries"]),
        (GroupMonth, summaries.group_sums, [*summaries.GROUP_KEYS, "amount_satang", "entries"]),
        (HouseholdMonth, summaries.household_sums, list(summaries.HOUSEHOLD_COLUMNS)),
        (AssessmentSpan, summaries.span_rows, list(summaries.SPAN_COLUMNS)),
    )
    for model, sums, columns in builds:
        if not inspect(db.engine).has_table(model.__tablename__):
            model.__table__.create(db.engine)
        if db.session.scalar(select(func.count()).select_from(model)):
            db.session.rollback()
            continue
        start = time.perf_counter()
        db.session.execute(insert(model.__table__).from_select(columns, sums()))
        written = db.session.scalar(select(func.count()).select_from(model))
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"VACUUM ANALYZE {model.__tablename__}")
        print(
            f"Monthly sums ({model.__tablename__}) built from the ledger: {written:,} rows"
            f" in {time.perf_counter() - start:.1f} s"
        )


REPORT_TABLES = (
    "ledger_month",
    "group_month",
    "household_month",
    "assessment_span",
    "household_assessment",
)


def vacuum(db):
    """VACUUM ANALYZE the tables the reports read, on PostgreSQL, as autovacuum does after a
    bulk load: until the visibility map is set, an index-only scan visits the table too
    (the province's sales read 110,000 heap pages that way). Quick when already done."""
    if db.engine.dialect.name != "postgresql":
        return
    start = time.perf_counter()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        for table in REPORT_TABLES:
            connection.exec_driver_sql(f"VACUUM ANALYZE {table}")
    print(f"VACUUM ANALYZE {', '.join(REPORT_TABLES)}: {time.perf_counter() - start:.1f} s")


def db_dialect():
    """The dialect name of the app's engine."""
    from marketplace.extensions import db

    return db.engine.dialect.name


def database_size(db, url):
    """Bytes on disk (SQLite file and its WAL, or pg_database_size)."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        return sum(
            os.path.getsize(f"{path}{s}") for s in ("", "-wal") if os.path.exists(f"{path}{s}")
        )
    from sqlalchemy import text

    size = db.session.scalar(text("SELECT pg_database_size(current_database())"))
    db.session.rollback()
    return size


def describe(db, models):
    """What the database holds, counted from the rows themselves."""
    from sqlalchemy import func, select

    assessment = models.HouseholdAssessment
    latest = (
        select(assessment.household_id, func.max(assessment.assessed_on).label("on"))
        .group_by(assessment.household_id)
        .subquery()
    )
    members = db.session.scalar(
        select(func.sum(assessment.members)).join(
            latest,
            (latest.c.household_id == assessment.household_id)
            & (latest.c.on == assessment.assessed_on),
        )
    )
    entry = models.LedgerEntry
    first, last = db.session.execute(
        select(func.min(entry.occurred_on), func.max(entry.occurred_on))
    ).one()
    facts = {
        "households": db.session.scalar(select(func.count()).select_from(models.Household)),
        "members (latest assessment)": members,
        "provinces": db.session.scalar(
            select(func.count(models.Household.province_code.distinct()))
        ),
        "producer groups": db.session.scalar(
            select(func.count()).select_from(models.ProducerGroup)
        ),
        "lots": db.session.scalar(select(func.count()).select_from(models.Lot)),
        "order lines": db.session.scalar(select(func.count()).select_from(models.OrderLine)),
        "ledger entries": db.session.scalar(select(func.count()).select_from(entry)),
        "monthly ledger sums": db.session.scalar(
            select(func.count()).select_from(models.LedgerMonth)
        ),
        "groups' monthly sums": db.session.scalar(
            select(func.count()).select_from(models.GroupMonth)
        ),
        "households' monthly income": db.session.scalar(
            select(func.count()).select_from(models.HouseholdMonth)
        ),
        "assessment spans": db.session.scalar(
            select(func.count()).select_from(models.AssessmentSpan)
        ),
    }
    db.session.rollback()
    return facts, first, last


def largest_province(db, models):
    """The province with the most households, and its largest district."""
    from sqlalchemy import func, select

    household = models.Household
    province, count = db.session.execute(
        select(household.province_code, func.count())
        .group_by(household.province_code)
        .order_by(func.count().desc())
        .limit(1)
    ).one()
    district = db.session.scalar(
        select(household.district_code)
        .where(household.province_code == province)
        .group_by(household.district_code)
        .order_by(func.count().desc())
        .limit(1)
    )
    db.session.rollback()
    return province, count, district


# -- measuring -------------------------------------------------------------------------------


def rss_kib(field="VmRSS"):
    """A memory figure of this process from /proc/self/status, in KiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss():
    """Reset VmHWM to the current RSS (Linux 4.0+); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def process_cpu(pid):
    """CPU seconds (user + system) a process has used, from /proc/<pid>/stat; None if unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_backend():
    """The PID of the PostgreSQL backend serving the session's connection (None on SQLite).

    Asked inside the transaction the report then runs in, so it is that report's backend.
    """
    from sqlalchemy import text

    from marketplace.extensions import db

    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.scalar(text("SELECT pg_backend_pid()"))


def timed(function, rounds, cpu=None):
    """Median and spread of wall times (seconds) over `rounds` runs after a warm-up run.

    With a `cpu` list, each run's CPU seconds are appended to it as (this process,
    the database backend or None): on a machine shared with other work, wall times
    follow the load, CPU seconds much less.
    """
    result = function()
    times = []
    for _ in range(rounds):
        backend = database_backend()
        backend_before = process_cpu(backend) if backend else None
        cpu_before = time.process_time()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
        if cpu is not None:
            used = process_cpu(backend) if backend else None
            cpu.append(
                (
                    time.process_time() - cpu_before,
                    None if used is None or backend_before is None else used - backend_before,
                )
            )
    return result, times


def cpu_text(cpu):
    """The median CPU seconds of the runs, in this process and in the database."""
    if not cpu:
        return ""
    text = f"  CPU app {statistics.median(c[0] for c in cpu):.3f} s"
    backend = [c[1] for c in cpu if c[1] is not None]
    if backend:
        text += f" + database {statistics.median(backend):.3f} s"
    return text


def memory(function):
    """One run under tracemalloc: (peak Python allocations, peak RSS growth), in MiB."""
    import gc
    import tracemalloc

    gc.collect()
    before = rss_kib()
    exact = reset_peak_rss()
    tracemalloc.start()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    growth = rss_kib("VmHWM") - before if exact else None
    return peak / 2**20, (growth / 1024 if growth is not None else None)


def show(name, times, peak=None, growth=None, extra=""):
    """One line of figures."""
    line = (
        f"  {name:<42} median {statistics.median(times):7.3f} s"
        f"  (min {min(times):.3f}, max {max(times):.3f}, {len(times)} runs)"
    )
    if peak is not None:
        line += f"  tracemalloc peak {peak:7.1f} MiB"
    if growth is not None:
        line += f"  RSS peak growth {growth:7.1f} MiB"
    print(line + extra, flush=True)


def load_average():
    """The 1-minute load average, to read the figures against (other work on the machine)."""
    return os.getloadavg()[0]


def main(argv=None):
    """Generate (or reuse) the database, then time the reports and exports."""
    args = parse_args(argv)
    url = database_url(args)
    os.environ["DATABASE_URL"] = url
    # A production app refuses PostgreSQL without explicit shared keys (config.py).
    os.environ.setdefault("SECRET_KEY", "bench-reports-secret-key")
    os.environ.setdefault("HOUSEHOLD_HASH_KEY", "bench-reports-household-key")
    scratch = tempfile.TemporaryDirectory(prefix="bench-reports-")
    os.environ["MARKETPLACE_INSTANCE"] = scratch.name
    from marketplace import create_app, models
    from marketplace.extensions import db

    app = create_app()
    with app.app_context():
        meta = read_meta(db)
        if args.regenerate or any(meta.get(k) != v for k, v in wanted_meta(args).items()):
            meta = generate(db, url, args)
        else:
            print(f"Reusing the generated database ({meta.get('seconds')} s to generate)")
        ensure_summaries(db)
        vacuum(db)
        print(f"Database: {db.engine.url.render_as_string()}")
        print(f"  size on disk {database_size(db, url) / 2**20:,.0f} MiB")
        facts, first, last = describe(db, models)
        for name, value in facts.items():
            print(f"  {name:<28} {value:>12,}")
        print(f"  ledger dates                 {first} … {last}")
        if args.generate_only:
            return
        province, count, district = largest_province(db, models)
        print(
            f"Largest province {province} ({count:,} households), district {district};"
            f" load average {load_average():.2f} on {os.cpu_count()} cores"
        )
        args.largest_province = province
        if args.export_job:
            run_export_job(app, db, args, first, last)
            print(f"Load average at the end {load_average():.2f}")
            return
        run_reports(app, db, args, province, district, first, last)
        if not args.no_export:
            run_exports(app, db, args, first, last)
        print(f"Load average at the end {load_average():.2f}")
        db.session.remove()
        db.engine.dispose()
    scratch.cleanup()


class QueryLog:
    """Records each SQL statement's duration while active, to show where a report's time goes."""

    def __init__(self, engine):
        self.engine = engine
        self.queries = []
        self.parameters = []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        started = conn.info["bench_started"].pop()
        self.queries.append((time.perf_counter() - started, statement))
        self.parameters.append(parameters)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    def show(self, top=4):
        """The slowest statements of the run (time to execute; fetching comes after)."""
        total = sum(seconds for seconds, _ in self.queries)
        print(f"    {len(self.queries)} statements, {total:.3f} s in execute; slowest:")
        for seconds, statement in sorted(self.queries, key=lambda q: q[0], reverse=True)[:top]:
            words = " ".join(statement.split())
            print(f"      {seconds:7.3f} s  {words[:150]}")

    def explain(self, db, rounds=3):
        """PostgreSQL's own execution time of each statement (EXPLAIN (ANALYZE, BUFFERS), the
        median of `rounds`, in the report's work_mem): less sensitive to the machine's load
        than wall time, though the timing of each plan node adds to it."""
        from marketplace.impact.reports.figures import report_memory

        if db.engine.dialect.name != "postgresql":
            return
        report_memory()
        cursor = db.session.connection().connection.dbapi_connection.cursor()
        total = 0.0
        lines = []
        for (_, statement), parameters in zip(self.queries, self.parameters, strict=True):
            if statement.lstrip().upper().startswith("SET"):
                continue
            times, buffers = [], ""
            for _ in range(rounds):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = [row[0] for row in cursor.fetchall()]
                times.append(float(plan[-1].split()[2]))
                buffers = next((line.strip() for line in plan if "Buffers:" in line), "")
            total += statistics.median(times)
            words = " ".join(statement.split())
            lines.append(f"      {statistics.median(times):7.1f} ms  {words[:60]}  [{buffers}]")
        db.session.rollback()
        print(
            f"    EXPLAIN ANALYZE execution time, median of {rounds}: {total:.1f} ms"
            f" (load average {load_average():.2f})"
        )
        print("\n".join(lines))


def run_reports(app, db, args, province, district, first, last):
    """Time the area report for the largest province, one of its districts, and a subdistrict."""
    from sqlalchemy import func, select

    from marketplace.impact import reports
    from marketplace.models import Household

    subdistrict = db.session.scalar(
        select(Household.subdistrict_code)
        .where(Household.district_code == district)
        .group_by(Household.subdistrict_code)
        .order_by(func.count().desc())
        .limit(1)
    )
    db.session.rollback()
    print(f"Area report, {first} … {last} ({args.rounds} runs after a warm-up):")
    cases = [
        (f"province {province}", (province,)),
        (f"district {district}", (province, district)),
        (f"subdistrict {subdistrict} (by group)", (province, district, subdistrict)),
    ]
    for name, codes in cases:
        with app.test_request_context():

            def report(codes=codes):
                result = reports.area_report(*codes, date_from=first, date_to=last)
                db.session.rollback()
                return result

            cpu = []
            result, times = timed(report, args.rounds, cpu)
            peak, growth = memory(report)
            total = result.total.raw
            show(
                name,
                times,
                peak,
                growth,
                f"  [{total['households']:,} households, {total['reached']:,} reached,"
                f" {len(result.rows)} rows]",
            )
            print(f"   {cpu_text(cpu)} (median; the database's parallel workers not counted)")
            if name.startswith("province"):
                with QueryLog(db.engine) as log:
                    report()
                log.show()
                log.explain(db)


class MemoryProbe:
    """Passes rows through, noting memory when 25, 50, 75 and 100 % of them have gone by."""

    FRACTIONS = (0.25, 0.5, 0.75, 1.0)

    def __init__(self, total):
        self.marks = [max(1, round(total * f)) for f in self.FRACTIONS]
        self.samples = []  # (rows so far, traced MiB, RSS growth MiB)
        self.start_rss = rss_kib()

    def wrap(self, rows):
        import tracemalloc

        for count, row in enumerate(rows, 1):
            yield row
            if self.marks and count >= self.marks[0]:
                self.marks.pop(0)
                traced = tracemalloc.get_traced_memory()[0] / 2**20
                self.samples.append((count, traced, (rss_kib() - self.start_rss) / 1024))

    def show(self, traced=True):
        """One line: traced memory (when tracemalloc ran) and RSS growth at each mark."""
        parts = []
        for f, (count, current, rss) in zip(self.FRACTIONS, self.samples, strict=False):
            figures = f"traced {current:.1f} MiB, " if traced else ""
            parts.append(f"{int(f * 100)}% ({count:,} rows): {figures}RSS +{rss:.1f} MiB")
        print("    memory at " + "; ".join(parts), flush=True)


def all_rows(exports, provinces, first, last):
    """The export header, then every household of every province (one province at a time)."""
    header = True
    for code in provinces:
        rows = exports.iter_export_rows(code, date_from=first, date_to=last)
        head = next(rows)
        if header:
            yield head
            header = False
        yield from rows


def run_exports(app, db, args, first, last):
    """Time the full-area export (all provinces) to CSV and XLSX, and one province's workbook."""
    import gc

    from openpyxl import Workbook
    from sqlalchemy import select

    from marketplace.impact import exports
    from marketplace.models import Household

    provinces = sorted(db.session.scalars(select(Household.province_code).distinct()))
    total = db.session.scalar(select(func_count()).select_from(Household)) + 1
    db.session.rollback()
    folder = tempfile.mkdtemp(prefix="bench-export-")

    def to_csv(rows):
        path = Path(folder, "area.csv")
        with open(path, "w", encoding="utf-8", newline="") as handle:
            for text in exports.iter_csv(rows):
                handle.write(text)
        return path

    def to_xlsx(rows):
        path = Path(folder, "area.xlsx")
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Households")
        for row in rows:
            sheet.append(row)
        book.save(path)
        return path

    print(
        f"Full-area export, {len(provinces)} provinces, {total - 1:,} households"
        f" ({args.export_rounds} run(s) each):"
    )
    for name, write in (("CSV (iter_csv)", to_csv), ("XLSX write-only, Households sheet", to_xlsx)):
        with app.test_request_context():

            def export(write=write, probe=None):
                rows = all_rows(exports, provinces, first, last)
                path = write(probe.wrap(rows) if probe else rows)
                db.session.rollback()
                return path

            times, growths = [], []
            for _ in range(args.export_rounds):
                probe = MemoryProbe(total)
                gc.collect()
                before = rss_kib()
                reset_peak_rss()
                started = time.perf_counter()
                path = export(probe=probe)
                times.append(time.perf_counter() - started)
                growths.append((rss_kib("VmHWM") - before) / 1024)
            size = path.stat().st_size
            show(name, times, None, max(growths), f"  [{size / 2**20:,.1f} MiB file]")
            probe.show(traced=False)
            if args.tracemalloc_exports:
                probe = MemoryProbe(total)
                peak, growth = memory(lambda probe=probe, export=export: export(probe=probe))
                print(f"    under tracemalloc: peak {peak:.1f} MiB")
                probe.show()

    province = args.largest_province
    with app.test_request_context():

        def workbook():
            path = Path(folder, "province.xlsx")
            exports.write_xlsx(path, province, date_from=first, date_to=last)
            db.session.rollback()
            return path

        times = []
        for _ in range(args.export_rounds):
            started = time.perf_counter()
            path = workbook()
            times.append(time.perf_counter() - started)
        peak, growth = memory(workbook)
        show(
            f"write_xlsx province {province} (all sheets)",
            times,
            peak,
            growth,
            f"  [{path.stat().st_size / 2**20:,.1f} MiB file]",
        )
    for leftover in Path(folder).iterdir():
        leftover.unlink()
    Path(folder).rmdir()


WORKER = """
import sys
from marketplace import create_app, jobs
app = create_app()
app.config["JOBS_QUEUE"] = sys.argv[1]
jobs.run_worker(app, burst=True)
"""


def run_export_job(app, db, args, first, last):
    """The every-province XLSX (`/reports/exports/all.xlsx`) through the job, as in production.

    This process plays the web worker: an admin asks for the export through the app
    (a test client, signed in), which puts the task on an RQ queue in Redis
    (`--redis-url`, a queue of this run's own); a separate process runs
    `jobs.run_worker(burst=True)`, as `flask jobs worker` does, and writes the file.
    Meanwhile this process serves the progress page every 2 s, then the download
    (read in chunks and dropped). Printed: the job's time, rows and file size, the
    worker's peak RSS, and this (web) process's RSS before the request, at its
    highest while serving the pages, and after the download.
    """
    import gc
    import subprocess

    from sqlalchemy import inspect, select

    from marketplace.models import AreaExport, ExportStatus, User

    # The table holds only this benchmark's exports: made anew in the current schema (a
    # database generated by an earlier version has an older one), so no old export is found.
    if inspect(db.engine).has_table(AreaExport.__tablename__):
        AreaExport.__table__.drop(db.engine)
    AreaExport.__table__.create(db.engine)
    admin = db.session.scalar(select(User).where(User.email == "bench-admin@example.com"))
    if admin is None:
        admin = User(email="bench-admin@example.com", name="bench", is_admin=True)
        db.session.add(admin)
        db.session.commit()
    queue_name = f"bench-reports-{os.getpid()}"
    app.config["REDIS_URL"] = args.redis_url
    app.config["JOBS_QUEUE"] = queue_name
    # HTTPS: outside debug the session cookie is marked Secure.
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    with client.session_transaction(base_url="https://localhost") as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
    db.session.remove()
    gc.collect()
    rss_before = rss_kib()
    period = f"?from={first.isoformat()}&to={last.isoformat()}"
    response = client.get("/reports/exports/all.xlsx" + period)
    if response.status_code != 303:
        sys.exit(f"asking for the export answered {response.status_code}")
    page = response.headers["Location"]
    token = page.rsplit("/", 1)[1]
    env = dict(os.environ, REDIS_URL=args.redis_url)
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "-c", WORKER, queue_name], cwd=REPO_ROOT, env=env)
    worker_peak = 0
    web_peak = rss_kib()
    pages = 0
    while worker.poll() is None:
        worker_peak = max(worker_peak, rss_kib_of(worker.pid))
        if pages == 0 or time.perf_counter() - started > 2 * pages:
            assert client.get(page).status_code == 200
            pages += 1
            web_peak = max(web_peak, rss_kib())
        time.sleep(0.25)
    seconds = time.perf_counter() - started
    with app.app_context():
        export = db.session.scalar(select(AreaExport).where(AreaExport.token == token))
        status, rows, total = export.status, export.rows_done, export.rows_total
        size = export.size_bytes or 0
        db.session.remove()
    if status != ExportStatus.READY:
        sys.exit(f"the export ended {status}")
    downloaded = 0
    with client.get(page + "/download") as download:
        for chunk in download.response:
            downloaded += len(chunk)
    web_after = rss_kib()
    web_peak = max(web_peak, web_after)
    print(
        f"Export job, every province ({total:,} households) to XLSX: {seconds:.1f} s"
        f" (worker process started to finished), {rows:,} rows, {size / 2**20:.1f} MiB file,"
        f" downloaded {downloaded / 2**20:.1f} MiB; worker peak RSS {worker_peak / 1024:.0f} MiB"
    )
    print(
        f"  web process serving the page {pages} times and the download: RSS before"
        f" {rss_before / 1024:.1f} MiB, highest {web_peak / 1024:.1f} MiB, after"
        f" {web_after / 1024:.1f} MiB ({(web_after - rss_before) / 1024:+.1f} MiB)"
    )


def rss_kib_of(pid):
    """Another process's RSS in KiB (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def func_count():
    """COUNT(*), imported late like the rest of the app."""
    from sqlalchemy import func

    return func.count()


if __name__ == "__main__":
    main()
