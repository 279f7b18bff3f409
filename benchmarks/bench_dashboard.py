"""The sales dashboard of a group with 50,000 paid orders, timed.

    /work/venv/bin/python benchmarks/bench_dashboard.py --db sqlite
    /work/venv/bin/python benchmarks/bench_dashboard.py --db postgresql --pg-url URL

It builds a database with `db.create_all()` (a SQLite file under
/tmp/bench_dashboard, or the PostgreSQL database of `--pg-url`, whose tables
are dropped and made again) holding a group with `--orders` paid orders
(50,000) over the last 18 months, 1 to 3 lines each over 16 sizes of 8
products, with UTM sources; a household ledger entry per line over 60
households; a year and a half of daily page-view totals per product, source
and lot; and a second group with a fifth as many orders, so the queries have
rows to leave out. Rows go in with bulk inserts, not through checkout.

Then it times `marketing.dashboard.sales_dashboard` for the group over the
default period (the last twelve months): cold (the rows of the months that
have ended read from the orders, as after a refund or the hour they are kept)
and with those rows kept (every other load); then the XLSX download and the
whole page through the test client. Each: a warm-up, then `--repeat` runs,
the median and the slowest printed. `--profile` times each query once.
Aim: the dashboard in at most 300 ms. The 1-minute load average is printed
at the start and the end: other work on the machine slows every figure.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SQLITE_FOLDER = Path("/tmp/bench_dashboard")
AIM_MS = 300
SOURCES = [
    ("line", "social", "product_share", ""),
    ("facebook", "social", "product_share", ""),
    ("label", "qr", "", ""),
    ("google", "feed", "product_feed", ""),
    ("share", "link", "group_share", ""),
    ("", "", "", "google.com"),
    ("", "", "", ""),
]


def parse_args(argv=None):
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="")
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--keep", action="store_true", help="keep the tables at the end")
    parser.add_argument("--profile", action="store_true", help="time each query once")
    return parser.parse_args(argv)


def load_average():
    """The 1-minute load average."""
    return os.getloadavg()[0]


def database_url(args):
    """A fresh SQLite file, or the PostgreSQL URL given (its tables are replaced)."""
    if args.db == "sqlite":
        SQLITE_FOLDER.mkdir(parents=True, exist_ok=True)
        path = SQLITE_FOLDER / f"dashboard-{args.orders}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    if not args.pg_url:
        sys.exit("--db postgresql needs --pg-url (a database of your own: its tables are dropped)")
    return args.pg_url


def generate(db, models, args):
    """Fill the database; returns (target group, seconds)."""
    from marketplace.models.ledger import LedgerEntry
    from marketplace.models.marketing import PageViewDay

    rnd = random.Random(args.seed)
    began = time.perf_counter()
    db.drop_all()
    db.create_all()
    now = datetime.now(UTC)
    today = (now + timedelta(hours=7)).date()
    groups = []
    for index, slug in enumerate(("hom-phaendin", "karen-chili")):
        group = models.ProducerGroup(
            slug=slug, name_th=f"กลุ่ม {index}", name_en=f"Group {index}", province_code="57"
        )
        db.session.add(group)
        groups.append(group)
    db.session.flush()
    sizes = {group.id: [] for group in groups}
    lots = {group.id: [] for group in groups}
    members = {}
    for group in groups:
        for p in range(8):
            product = models.Product(
                group_id=group.id,
                slug=f"{group.slug}-product-{p}",
                name_th=f"ข้าวเหนียวดำดอยงาม แบบที่ {p}",
                name_en=f"Black sticky rice {p}",
                status="active",
            )
            db.session.add(product)
            db.session.flush()
            for v in range(2):
                variant = models.Variant(
                    product_id=product.id,
                    label_th=f"{v + 1} กก.",
                    label_en=f"{v + 1} kg",
                    sku=f"{group.slug[:3]}-{p}-{v}",
                    price_satang=9000 + 6000 * v + 500 * p,
                )
                db.session.add(variant)
                db.session.flush()
                sizes[group.id].append((variant.id, variant.price_satang, product.id))
                for n in range(3):
                    lot = models.Lot(
                        code=f"{group.slug[:3].upper()}-{p}{v}-{n}",
                        variant_id=variant.id,
                        produced_on=today - timedelta(days=90 * n),
                        quantity=100_000,
                        available=50_000,
                    )
                    db.session.add(lot)
                    db.session.flush()
                    lots[group.id].append((lot.id, product.id))
        households = []
        for h in range(60):
            household = models.Household(code=f"H{group.id}-{h:03d}", province_code="57")
            db.session.add(household)
            households.append(household)
        db.session.flush()
        members[group.id] = [h.id for h in households]
    db.session.commit()

    orders, fulfilments, lines, entries = [], [], [], []
    order_id = fulfilment_id = line_id = 0
    for group, count in ((groups[0], args.orders), (groups[1], args.orders // 5)):
        for _ in range(count):
            order_id += 1
            fulfilment_id += 1
            paid_at = now - timedelta(seconds=rnd.randint(0, 540 * 86400))
            source = rnd.choice(SOURCES)
            subtotal = 0
            for _line in range(rnd.choice((1, 1, 1, 2, 2, 3))):
                line_id += 1
                variant_id, price, _product = rnd.choice(sizes[group.id])
                quantity = rnd.randint(1, 4)
                subtotal += price * quantity
                lines.append(
                    dict(
                        id=line_id,
                        fulfilment_id=fulfilment_id,
                        variant_id=variant_id,
                        product_name_th="ข้าว",
                        product_name_en="Rice",
                        variant_label_th="1 กก.",
                        variant_label_en="1 kg",
                        sku="SKU",
                        unit_price_satang=price,
                        quantity=quantity,
                        discount_satang=0,
                        refunded_quantity=0,
                        refunded_satang=0,
                    )
                )
                entries.append(
                    dict(
                        account="household",
                        kind="sale_share",
                        group_id=group.id,
                        household_id=rnd.choice(members[group.id]),
                        amount_satang=price * quantity // 2,
                        occurred_on=(paid_at + timedelta(hours=7)).date(),
                        order_line_id=line_id,
                        posting_key=f"bench-{line_id}",
                        created_at=paid_at,
                    )
                )
            status = rnd.choices(("delivered", "paid", "refunded"), (90, 8, 2))[0]
            orders.append(
                dict(
                    id=order_id,
                    reference=f"MP-{order_id:09d}",
                    status="refunded" if status == "refunded" else "paid",
                    payment_method="transfer",
                    locale="th",
                    email="buyer@example.com",
                    name="Buyer",
                    phone="0812345678",
                    subtotal_satang=subtotal,
                    discount_satang=0,
                    shipping_satang=5000,
                    total_satang=subtotal + 5000,
                    refunded_satang=0,
                    created_at=paid_at - timedelta(minutes=5),
                    expires_at=paid_at + timedelta(hours=1),
                    paid_at=paid_at,
                    paid_per_part=False,
                    utm_source=source[0],
                    utm_medium=source[1],
                    utm_campaign=source[2],
                    referrer=source[3],
                )
            )
            fulfilments.append(
                dict(
                    id=fulfilment_id,
                    order_id=order_id,
                    group_id=group.id,
                    status=status,
                    delivery_method="ship",
                    subtotal_satang=subtotal,
                    shipping_satang=5000,
                    refunded_satang=0,
                    weight_grams=1000,
                )
            )
    views = []
    for group in groups:
        seen = {}
        for day_back in range(540):
            day = today - timedelta(days=day_back)
            for _variant, _price, product_id in sizes[group.id][::2]:
                for source in SOURCES[:3] + SOURCES[5:]:
                    visitors = rnd.randint(0, 20)
                    views.append(
                        dict(
                            day=day,
                            kind="product",
                            page_key=f"product:{product_id}",
                            group_id=group.id,
                            product_id=product_id,
                            lot_id=None,
                            source=source[0],
                            medium=source[1],
                            campaign=source[2],
                            referrer=source[3],
                            views=visitors + rnd.randint(0, 5),
                            visitors=visitors,
                        )
                    )
            for lot_id, product_id in lots[group.id]:
                key = (day, lot_id)
                if key in seen or rnd.random() < 0.7:
                    continue
                seen[key] = True
                scans = rnd.randint(1, 6)
                views.append(
                    dict(
                        day=day,
                        kind="lot",
                        page_key=f"lot:{lot_id}",
                        group_id=group.id,
                        product_id=product_id,
                        lot_id=lot_id,
                        source="label",
                        medium="qr",
                        campaign="",
                        referrer="",
                        views=scans,
                        visitors=scans,
                    )
                )
    connection = db.session.connection()
    for model, rows in (
        (models.Order, orders),
        (models.Fulfilment, fulfilments),
        (models.OrderLine, lines),
        (LedgerEntry, entries),
        (PageViewDay, views),
    ):
        for start in range(0, len(rows), 5000):
            connection.execute(model.__table__.insert(), rows[start : start + 5000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        connection = db.session.connection()
        connection.exec_driver_sql("ANALYZE")
        db.session.commit()
    else:
        db.session.execute(db.text("ANALYZE"))
        db.session.commit()
    print(
        f"generated {len(orders):,} orders ({args.orders:,} of the group), {len(lines):,} lines,"
        f" {len(entries):,} ledger entries, {len(views):,} page-view rows"
        f" in {time.perf_counter() - began:.1f} s"
    )
    return groups[0]


def timed(function, repeat):
    """Milliseconds of each of `repeat` runs, after one warm-up."""
    function()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        function()
        times.append((time.perf_counter() - began) * 1000)
    return times


def show(name, times):
    median = statistics.median(times)
    verdict = "meets" if median <= AIM_MS else "ABOVE"
    print(
        f"{name:34} median {median:7.1f} ms   slowest {max(times):7.1f} ms"
        f"   ({len(times)} runs; aim <= {AIM_MS} ms: {verdict})"
    )


def main(argv=None):
    """Generate, then time the dashboard."""
    args = parse_args(argv)
    url = database_url(args)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", "bench-dashboard-secret-key")
    os.environ.setdefault("HOUSEHOLD_HASH_KEY", "bench-dashboard-household-key")
    os.environ["PAGE_VIEWS_FLUSH_SECONDS"] = "0"
    scratch = tempfile.TemporaryDirectory(prefix="bench-dashboard-")
    os.environ["MARKETPLACE_INSTANCE"] = scratch.name
    from marketplace import create_app, models
    from marketplace.extensions import db
    from marketplace.marketing import dashboard, dashboard_exports
    from marketplace.models.accounts import GroupMembership, User

    print(f"load average {load_average():.2f} on {os.cpu_count()} cores; {db_name(url)}")
    app = create_app()
    try:
        with app.app_context():
            group = generate(db, models, args)
            group_id, slug = group.id, group.slug
            from marketplace.accounts.passwords import hash_password

            user = User(email="leader@bench.test", password_hash=hash_password("bench-pass-1"))
            db.session.add(user)
            db.session.flush()
            db.session.add(GroupMembership(user_id=user.id, group_id=group_id, role="leader"))
            db.session.commit()

            def build():
                with app.test_request_context("/"):
                    board = dashboard.sales_dashboard(
                        db.session.get(models.ProducerGroup, group_id)
                    )
                    db.session.rollback()
                    return board

            board = build()
            print(
                f"dashboard: {board.total.orders:,} orders,"
                f" revenue {board.total.revenue / 100:,.0f} baht, {board.visits:,} visits"
                f" over {board.period.start} – {board.period.end}"
            )

            def cold():
                app.extensions.pop("sales_dashboard", None)  # ended months read again
                return build()

            show("sales_dashboard(), cold", timed(cold, args.repeat))
            show("sales_dashboard(), ended months kept", timed(build, args.repeat))

            def xlsx():
                with app.test_request_context("/"):
                    dashboard_exports.xlsx_bytes(build())

            show("sales_dashboard() + XLSX", timed(xlsx, max(3, args.repeat // 2)))

            client = app.test_client()
            token_page = client.get("/account/sign-in").get_data(as_text=True)
            import re

            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', token_page).group(1)
            client.post(
                "/account/sign-in",
                data={
                    "csrf_token": token,
                    "email": "leader@bench.test",
                    "password": "bench-pass-1",
                },
            )

            def page():
                response = client.get(f"/office/{slug}/sales")
                assert response.status_code == 200, response.status_code

            show("GET /office/<group>/sales", timed(page, args.repeat))
            if args.profile:
                profile(app, db, dashboard, models, group_id)
            db.session.remove()
            if not args.keep:
                db.drop_all()
            db.engine.dispose()
    finally:
        scratch.cleanup()
    print(f"load average at the end {load_average():.2f}")


def profile(app, db, dashboard, models, group_id):
    """Each of the dashboard's queries once, timed."""
    with app.test_request_context("/"):
        period = dashboard.default_period()
        today = period.end
        current = dashboard.Period(today.replace(day=1), today)
        for name, call in (
            (
                "this month's lines and orders",
                lambda: dashboard.sales_rows(group_id, current, today)[0],
            ),
            ("this month's page views", lambda: dashboard._view_rows(group_id, current)),
            ("the group's refunds (kept rows' key)", lambda: dashboard._refund_mark(group_id)),
            ("lines by month, product, source", lambda: dashboard._line_rows(group_id, period)),
            ("orders by month, source", lambda: dashboard._order_rows(group_id, period)),
            ("page views", lambda: dashboard._view_rows(group_id, period)),
            (
                "households paid this year",
                lambda: dashboard.households_paid(group_id, today.replace(month=1, day=1), today),
            ),
        ):
            began = time.perf_counter()
            rows = call()
            elapsed = (time.perf_counter() - began) * 1000
            size = len(rows) if isinstance(rows, list) else rows
            print(f"  {name:34} {elapsed:7.1f} ms  ({size} rows)")


def db_name(url):
    return url.split("@")[-1] if "@" in url else url


if __name__ == "__main__":
    main()
