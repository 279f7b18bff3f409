"""A province-scale poverty registry, producer groups, sales and a year of ledger entries.

`generate(households, seed)` yields rows table by table, deterministic for a
seed, shaped like a provincial poverty data system's registry (at full size
235,704 households with 1,039,270 members over 20 northern and northeastern
provinces) plus what the marketplace adds to it over 12 months:

- every household has a baseline assessment (October 2025) and a latest one
  (October 2026, its income including what it earned through the value chain);
  members add up to `members_for(households)` exactly, in both;
- about one producer group per 600 households, in a real district of the
  province; every household supplies one group, one in twenty a second one;
- each group sells four products; each month each group makes small lots
  (2–8 contributing households each) and sells each lot in 3–7 order lines,
  one or two lines per order, every line paid;
- every paid line posts what the share rule says: 60 % of the net amount to
  the lot's households by their contributed quantity (largest remainder), a
  5 % platform fee on half the products, the rest to the group fund;
- leaders also record raw material bought from households and wages, and
  at each quarter's end pay out part of each household's balance.

At full size this makes about 5.7 million ledger entries. `load_sqlite` and
`load_postgresql` write the rows in bulk (executemany in large batches with
SQLite's journal off and foreign-key checks off; COPY on PostgreSQL with
triggers off), with the secondary indexes dropped during the load and built
afterwards, as a bulk import would.
"""

import bisect
import functools
import random
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

FULL_HOUSEHOLDS = 235_704
FULL_MEMBERS = 1_039_270
# Northern and northeastern provinces (DOPA codes), the areas the registry covers.
PROVINCE_CODES = (
    "50", "51", "52", "53", "54", "55", "56", "57", "58", "63",
    "31", "32", "33", "35", "37", "39", "46", "47", "48", "49",
)  # fmt: skip
FIRST_MONTH = date(2025, 11, 1)
MONTHS = 12
BASELINE_MONTH = date(2025, 10, 1)
LATEST_MONTH = date(2026, 10, 1)
HOUSEHOLDS_PER_GROUP = 600
PRODUCTS_PER_GROUP = 4
LOTS_PER_HOUSEHOLD_YEAR = 3  # how often a household contributes to a lot
CONTRIBUTORS_PER_LOT = (2, 8)
LINES_PER_LOT = (3, 7)
HOUSEHOLD_SHARE_BP = 6000
PLATFORM_FEE_BP = 500
RAW_MATERIAL_CHANCE = 0.12  # per household and month
WAGE_CHANCE = 0.06
PAYOUT_CHANCE = 0.6  # per household with a balance, at each quarter's end
BATCH = 50_000
# Weights of household sizes 1..10 (mean about 4.4, the registry's average).
MEMBER_WEIGHTS = (6, 12, 17, 20, 17, 13, 8, 4.5, 2, 0.5)
POVERTY_LINE_BAHT_YEAR = 3_078 * 12
VILLAGES = ("ดอนแก้ว", "หนองบัว", "ป่าตึง", "ห้วยทราย", "โนนสูง", "แม่สาย", "ดอยงาม", "นาคำ")
PRODUCTS = (
    ("ข้าวเหนียวดำ", "Black sticky rice", "grower", 9000),
    ("ข้าวหอมมะลิ", "Jasmine rice", "grower", 8000),
    ("พริกกะเหรี่ยง", "Karen chili", "grower", 12000),
    ("พรมเช็ดเท้าทอมือ", "Hand-woven doormat", "weaver", 15000),
    ("ผ้าขาวม้า", "Pha khao ma cloth", "weaver", 25000),
    ("น้ำผึ้งดอกลำไย", "Longan honey", "processor", 22000),
    ("กล้วยตาก", "Sun-dried banana", "processor", 6000),
    ("ตะกร้าไม้ไผ่", "Bamboo basket", "weaver", 18000),
)
GENERATOR_VERSION = "2"

# The columns each table's rows carry, in order; the loaders fill other NOT NULL
# columns from the models' scalar defaults.
COLUMNS = {
    "producer_group": (
        "id", "slug", "name_th", "name_en", "province_code", "district_code",
        "subdistrict_code", "village", "moo", "created_at",
    ),
    "product": ("id", "group_id", "slug", "name_th", "name_en", "created_at", "updated_at"),
    "variant": ("id", "product_id", "sku", "label_th", "label_en", "price_satang", "weight_grams"),
    "share_rule": (
        "id", "group_id", "product_id", "version", "effective_from", "platform_fee_bp",
        "created_at",
    ),
    "share_rule_part": ("id", "rule_id", "role", "basis", "value"),
    "household": (
        "id", "code", "province_code", "district_code", "subdistrict_code", "village", "moo",
        "created_at",
    ),
    "household_group": ("household_id", "group_id"),
    "household_assessment": (
        "id", "household_id", "assessed_on", "members", "annual_income_satang", "poverty_class",
        "deprived_health", "deprived_living", "deprived_education", "deprived_income",
        "deprived_access", "source", "consent_on", "created_at",
    ),
    "lot": (
        "id", "code", "variant_id", "produced_on", "quantity", "available", "province_code",
        "district_code", "subdistrict_code", "village", "moo", "created_at",
    ),
    "lot_contribution": ("id", "lot_id", "household_id", "role", "quantity"),
    "order": (
        "id", "reference", "status", "payment_method", "email", "name", "phone",
        "province_code", "subtotal_satang", "total_satang", "created_at", "expires_at", "paid_at",
    ),
    "fulfilment": ("id", "order_id", "group_id", "status", "subtotal_satang", "weight_grams"),
    "order_line": (
        "id", "fulfilment_id", "variant_id", "product_name_th", "product_name_en",
        "variant_label_th", "variant_label_en", "sku", "unit_price_satang", "quantity",
    ),
    "line_allocation": ("id", "line_id", "lot_id", "quantity"),
    "payment": (
        "id", "order_id", "method", "status", "amount_satang", "created_at", "succeeded_at",
    ),
    "ledger_entry": (
        "id", "account", "kind", "group_id", "household_id", "amount_satang", "occurred_on",
        "order_line_id", "lot_id", "share_rule_id", "role", "quantity", "unit",
        "unit_price_satang", "description", "posting_key", "created_at",
    ),
}  # fmt: skip
# Load order (parents first), and the tables whose secondary indexes wait for the load.
TABLES = tuple(COLUMNS)
BIG_TABLES = (
    "household",
    "household_group",
    "household_assessment",
    "lot",
    "lot_contribution",
    "order",
    "fulfilment",
    "order_line",
    "line_allocation",
    "payment",
    "ledger_entry",
)


def members_for(households):
    """Total members for a registry of this many households (the registry's exact ratio)."""
    if households == FULL_HOUSEHOLDS:
        return FULL_MEMBERS
    return round(households * FULL_MEMBERS / FULL_HOUSEHOLDS)


def largest_remainder(total, weights):
    """Integer parts of `total` in proportion to `weights`, adding up to `total` exactly."""
    weight_sum = sum(weights)
    parts = [total * w // weight_sum for w in weights]
    rest = total - sum(parts)
    if rest:
        order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
        for i in order[:rest]:
            parts[i] += 1
    return parts


def _bp(amount, basis_points):
    """Basis points of an amount, rounded half up."""
    return (amount * basis_points + 5000) // 10000


def _month(index):
    """The first day of the index-th month of the period and its number of days."""
    year, month = divmod(FIRST_MONTH.month - 1 + index, 12)
    start = date(FIRST_MONTH.year + year, month + 1, 1)
    following = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return start, (following - start).days


@functools.lru_cache(maxsize=4096)
def _at(day, hour=10):
    """A timestamp on a day (UTC)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def _poverty_class(deprivations):
    """TPMAP-style class from the number of deprived dimensions."""
    if deprivations >= 3:
        return "struggling"
    if deprivations == 2:
        return "difficult"
    if deprivations == 1:
        return "getting_by"
    return "well_off"


class _Sink:
    """Buffers rows per table and hands them to `write(table, columns, rows)` in batches."""

    def __init__(self, write):
        self.write = write
        self.buffers = {table: [] for table in COLUMNS}
        self.counts = dict.fromkeys(COLUMNS, 0)

    def add(self, table, row):
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(table)

    def flush(self, table=None):
        for name in (table,) if table else TABLES:
            buffer = self.buffers[name]
            if buffer:
                self.write(name, COLUMNS[name], buffer)
                self.counts[name] += len(buffer)
                self.buffers[name] = []


def _provinces():
    """The 20 provinces with their districts and subdistricts from geothai."""
    from marketplace import areas

    provinces = []
    for code in PROVINCE_CODES:
        districts = []
        for district in areas.districts_of(code):
            subdistricts = [s.code for s in areas.subdistricts_of(district.code)]
            if subdistricts:
                districts.append((district.code, subdistricts))
        provinces.append((code, districts))
    return provinces


def generate(households, seed, write):
    """Generate the whole data set, calling `write(table, columns, rows)` batch by batch.

    Returns the row count of every table.
    """
    rng = random.Random(seed)
    sink = _Sink(write)
    provinces = _provinces()
    # Households per province in proportion to its subdistricts (Si Sa Ket and Chiang Mai
    # are the largest), so the largest province holds about a tenth of the registry.
    sizes = largest_remainder(
        households, [sum(len(s) for _, s in districts) for _, districts in provinces]
    )
    created = _at(BASELINE_MONTH)

    # Households, each in a real subdistrict of its province.
    home = []  # household index -> (province index, district code)
    next_id = 1
    for p, ((code, districts), size) in enumerate(zip(provinces, sizes, strict=True)):
        cumulative, total = [], 0
        for _, subdistricts in districts:
            total += len(subdistricts)
            cumulative.append(total)
        for n in range(1, size + 1):
            d = bisect.bisect_right(cumulative, rng.randrange(total))
            district_code, subdistricts = districts[d]
            sink.add(
                "household",
                (
                    next_id,
                    f"{code}-{n:05d}",
                    code,
                    district_code,
                    rng.choice(subdistricts),
                    "บ้าน" + rng.choice(VILLAGES),
                    rng.randint(1, 15),
                    created,
                ),
            )
            home.append((p, district_code))
            next_id += 1

    # Producer groups, about one per 600 households, each in a real district; products,
    # variants and a share rule per product.
    groups = []  # group index -> dict(id, province, products, members)
    province_groups = []
    product_id = 0
    for p, ((code, districts), size) in enumerate(zip(provinces, sizes, strict=True)):
        mine = []
        for _ in range(max(1, round(size / HOUSEHOLDS_PER_GROUP))):
            district_code, subdistricts = rng.choice(districts)
            group_id = len(groups) + 1
            village = "บ้าน" + rng.choice(VILLAGES)
            moo = rng.randint(1, 15)
            place = (code, district_code, rng.choice(subdistricts), village, moo)
            sink.add(
                "producer_group",
                (
                    group_id,
                    f"registry-group-{group_id}",
                    f"วิสาหกิจชุมชน{village} {group_id}",
                    f"Community enterprise {group_id}",
                    *place,
                    created,
                ),
            )
            products = []
            for kind in rng.sample(range(len(PRODUCTS)), PRODUCTS_PER_GROUP):
                product_id += 1
                name_th, name_en, role, price = PRODUCTS[kind]
                fee = PLATFORM_FEE_BP if product_id % 2 else 0
                sink.add(
                    "product",
                    (product_id, group_id, f"registry-{product_id}", name_th, name_en)
                    + (created, created),
                )
                sink.add(
                    "variant",
                    (product_id, product_id, f"REG-{product_id}", "1 หน่วย", "1 unit", price, 1000),
                )
                sink.add("share_rule", (product_id, group_id, product_id, 1, created, fee, created))
                sink.add("share_rule_part", (product_id, product_id, role, "percent", 6000))
                products.append((product_id, name_th, name_en, role, price, fee))
            group = dict(id=group_id, province=p, district=district_code, place=place)
            group.update(products=products, members=[])
            groups.append(group)
            mine.append(group)
        province_groups.append(mine)

    # Every household supplies a group of its district when there is one, else one of
    # its province; one in twenty supplies a second group too.
    primary = []
    for index, (p, district_code) in enumerate(home):
        mine = province_groups[p]
        near = [g for g in mine if g["district"] == district_code] or mine
        group = rng.choice(near)
        group["members"].append(index + 1)
        primary.append(group["id"])
        sink.add("household_group", (index + 1, group["id"]))
        if len(mine) > 1 and rng.random() < 0.05:
            other = rng.choice([g for g in mine if g is not group])
            other["members"].append(index + 1)
            sink.add("household_group", (index + 1, other["id"]))

    earned = [0] * (households + 1)  # value-chain income per household id, satang
    balance = [0] * (households + 1)
    ids = dict.fromkeys(("lot", "lot_contribution", "order", "order_line", "ledger_entry"), 0)

    def entry(account, kind, group_id, household_id, amount, day, **extra):
        ids["ledger_entry"] += 1
        sink.add(
            "ledger_entry",
            (
                ids["ledger_entry"],
                account,
                kind,
                group_id,
                household_id,
                amount,
                day,
                extra.get("line"),
                extra.get("lot"),
                extra.get("rule"),
                extra.get("role", ""),
                extra.get("quantity"),
                extra.get("unit", ""),
                extra.get("unit_price"),
                extra.get("description", ""),
                extra.get("key"),
                _at(day, 12),
            ),
        )
        if household_id is not None:
            balance[household_id] += amount
            if kind != "payout":
                earned[household_id] += amount

    for month_index in range(MONTHS):
        start, days = _month(month_index)
        for group in groups:
            members = group["members"]
            if not members:
                continue
            gid = group["id"]
            expected = len(members) * LOTS_PER_HOUSEHOLD_YEAR / 12 / 5
            lines = []  # (lot id, product, contributors, quantities, units, paid day)
            for _ in range(max(1, round(expected * rng.uniform(0.7, 1.3)))):
                product = rng.choice(group["products"])
                count = min(len(members), rng.randint(*CONTRIBUTORS_PER_LOT))
                contributors = sorted(rng.sample(members, count))
                quantities = [rng.randint(5, 40) for _ in contributors]
                produced = start + timedelta(days=rng.randrange(min(10, days)))
                sold = [rng.randint(1, 4) for _ in range(rng.randint(*LINES_PER_LOT))]
                left = rng.randint(0, 10)
                ids["lot"] += 1
                lot_id = ids["lot"]
                sink.add(
                    "lot",
                    (lot_id, f"REG-L{lot_id:07d}", product[0], produced, sum(sold) + left, left)
                    + group["place"][:3]
                    + group["place"][3:]
                    + (_at(produced),),
                )
                for household_id, quantity in zip(contributors, quantities, strict=True):
                    ids["lot_contribution"] += 1
                    sink.add(
                        "lot_contribution",
                        (ids["lot_contribution"], lot_id, household_id, product[3], quantity),
                    )
                for units in sold:
                    paid = produced + timedelta(days=rng.randrange(days - produced.day + 1))
                    lines.append((lot_id, product, contributors, quantities, units, paid))
            lines.sort(key=lambda line: line[5])
            position = 0
            while position < len(lines):
                size = 2 if rng.random() < 0.5 else 1
                order_lines = lines[position : position + size]
                position += size
                _order(sink, ids, rng, gid, group["province"], order_lines, entry)
        # Raw material and wages recorded by the leaders.
        for household_id in range(1, households + 1):
            draw = rng.random()
            if draw < RAW_MATERIAL_CHANCE:
                kilos = rng.randint(10, 60)
                price = rng.choice((2000, 3500, 5000, 8000, 12000))
                entry(
                    "household",
                    "raw_material",
                    primary[household_id - 1],
                    household_id,
                    kilos * price,
                    start + timedelta(days=rng.randrange(days)),
                    quantity=Decimal(kilos),
                    unit="kg",
                    unit_price=price,
                    description="วัตถุดิบ",
                )
            elif draw < RAW_MATERIAL_CHANCE + WAGE_CHANCE:
                work_days = rng.randint(1, 5)
                entry(
                    "household",
                    "wage",
                    primary[household_id - 1],
                    household_id,
                    work_days * 35000,
                    start + timedelta(days=rng.randrange(days)),
                    quantity=Decimal(work_days),
                    unit="day",
                    unit_price=35000,
                    description="ค่าแรง",
                )
        if month_index % 3 == 2:  # quarter's end: payouts from each household's balance
            payday = start + timedelta(days=days - 1)
            for household_id in range(1, households + 1):
                owed = balance[household_id]
                if owed >= 10000 and rng.random() < PAYOUT_CHANCE:
                    amount = owed // 10000 * 10000  # whole hundreds of baht
                    entry(
                        "household",
                        "payout",
                        primary[household_id - 1],
                        household_id,
                        -amount,
                        payday,
                        description="จ่ายเงิน",
                    )

    _assessments(sink, rng, households, earned)
    sink.flush()
    return sink.counts


def _order(sink, ids, rng, group_id, province_index, lines, entry):
    """One paid order of one or two lines from one group, and the entries each line posts."""
    ids["order"] += 1
    order_id = ids["order"]
    paid = max(line[5] for line in lines)
    subtotal = sum(product[4] * units for _, product, _, _, units, _ in lines)
    placed = _at(paid, 9)
    sink.add(
        "order",
        (
            order_id,
            f"REG-{order_id:09d}",
            "paid",
            "stripe",
            f"buyer{order_id % 50_000}@example.com",
            "ผู้ซื้อ",
            "0812345678",
            PROVINCE_CODES[(province_index + order_id) % len(PROVINCE_CODES)],
            subtotal,
            subtotal,
            placed,
            placed + timedelta(minutes=30),
            placed + timedelta(minutes=5),
        ),
    )
    weight = sum(units for *_, units, _ in lines) * 1000
    sink.add("fulfilment", (order_id, order_id, group_id, "delivered", subtotal, weight))
    sink.add(
        "payment",
        (
            order_id,
            order_id,
            "stripe",
            "succeeded",
            subtotal,
            placed,
            placed + timedelta(minutes=5),
        ),
    )
    for lot_id, product, contributors, quantities, units, _ in lines:
        product_id, name_th, name_en, role, price, fee = product
        ids["order_line"] += 1
        line_id = ids["order_line"]
        sink.add(
            "order_line",
            (line_id, order_id, product_id, name_th, name_en)
            + ("1 หน่วย", "1 unit", f"REG-{product_id}", price, units),
        )
        sink.add("line_allocation", (line_id, line_id, lot_id, units))
        net = price * units
        to_households = _bp(net, HOUSEHOLD_SHARE_BP)
        platform = _bp(net, fee)
        shares = largest_remainder(to_households, quantities)
        common = dict(line=line_id, lot=lot_id, rule=product_id)
        for household_id, share in zip(contributors, shares, strict=True):
            if share:
                key = f"sale:{line_id}:{lot_id}:hh:{household_id}:{role}"
                entry(
                    "household", "sale_share", group_id, household_id, share, paid,
                    role=role, key=key, **common,
                )  # fmt: skip
        key = f"sale:{line_id}:{lot_id}:group_fund"
        entry("group_fund", "sale_share", group_id, None, net - to_households - platform, paid,
              key=key, **common)  # fmt: skip
        if platform:
            key = f"sale:{line_id}:{lot_id}:platform"
            entry("platform", "sale_share", group_id, None, platform, paid, key=key, **common)


def _assessments(sink, rng, households, earned):
    """A baseline and a latest assessment per household; members add up exactly."""
    members = rng.choices(range(1, len(MEMBER_WEIGHTS) + 1), MEMBER_WEIGHTS, k=households)
    missing = members_for(households) - sum(members)
    while missing:
        i = rng.randrange(households)
        if missing > 0 and members[i] < 12:
            members[i] += 1
            missing -= 1
        elif missing < 0 and members[i] > 1:
            members[i] -= 1
            missing += 1
    created = _at(LATEST_MONTH + timedelta(days=30))
    for index in range(households):
        household_id = index + 1
        size = members[index]
        per_person = rng.lognormvariate(10.6, 0.6)  # baht a year; median about 40,000
        deprived = [rng.random() < p for p in (0.15, 0.2, 0.3, 0.1)]
        rows = []
        for which in range(2):
            if which:  # a year on: some drift, the value-chain income, some needs met
                per_person = per_person * rng.lognormvariate(0.02, 0.1)
                per_person += earned[household_id] / 100 / size
                deprived = [d and rng.random() > 0.2 for d in deprived]
            low_income = per_person < POVERTY_LINE_BAHT_YEAR
            health, living, education, access = deprived
            count = sum(deprived) + low_income
            day = (LATEST_MONTH if which else BASELINE_MONTH) + timedelta(days=rng.randrange(28))
            rows.append(
                (
                    2 * index + 1 + which,
                    household_id,
                    day,
                    size,
                    int(per_person * size) * 100,
                    _poverty_class(count),
                    health,
                    living,
                    education,
                    low_income,
                    access,
                    "registry" if which == 0 else "survey",
                    day,
                    created,
                )
            )
        for row in rows:
            sink.add("household_assessment", row)


# -- loading ---------------------------------------------------------------------------------

FIXED_TIME = _at(BASELINE_MONTH)


def _defaults(table, columns):
    """Names and values of the table's other columns that need a value: the model defaults."""
    names, values = [], []
    for column in table.columns:
        if column.name in columns:
            continue
        default = column.default
        if default is not None and default.is_scalar:
            names.append(column.name)
            values.append(default.arg)
        elif default is not None and default.is_callable:
            names.append(column.name)
            values.append(FIXED_TIME)  # created_at and the like
        elif not column.nullable and column.server_default is None:
            raise ValueError(f"{table.name}.{column.name} needs a value in COLUMNS")
    return tuple(names), tuple(values)


def _sqlite_adapters():
    """Store dates and times as SQLAlchemy does on SQLite, so the ORM reads them back."""
    sqlite3.register_adapter(date, date.isoformat)
    sqlite3.register_adapter(datetime, lambda v: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"))
    sqlite3.register_adapter(Decimal, str)


class _Writer:
    """Writes batches of rows over one raw DBAPI connection (sqlite3 or psycopg)."""

    def __init__(self, metadata, dbapi_connection, dialect):
        self.metadata = metadata
        self.connection = dbapi_connection
        self.dialect = dialect
        self.statements = {}
        if dialect == "sqlite":
            _sqlite_adapters()
            for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-1000000"):
                dbapi_connection.execute(f"PRAGMA {pragma}")
        else:
            with dbapi_connection.cursor() as cursor:
                # Rows are consistent by construction: skip the per-row foreign-key triggers.
                cursor.execute("SET session_replication_role = replica")
                cursor.execute("SET synchronous_commit = off")

    def _statement(self, table_name, columns):
        if table_name not in self.statements:
            table = self.metadata.tables[table_name]
            names, values = _defaults(table, columns)
            quoted = ", ".join(f'"{c}"' for c in columns + names)
            if self.dialect == "sqlite":
                marks = ", ".join("?" * len(columns + names))
                sql = f'INSERT INTO "{table_name}" ({quoted}) VALUES ({marks})'  # noqa: S608
            else:
                sql = f'COPY "{table_name}" ({quoted}) FROM STDIN'
            self.statements[table_name] = (sql, values)
        return self.statements[table_name]

    def write(self, table_name, columns, rows):
        """Insert one batch and commit it."""
        sql, values = self._statement(table_name, columns)
        if values:
            rows = [row + values for row in rows]
        if self.dialect == "sqlite":
            self.connection.executemany(sql, rows)
        else:
            with self.connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        self.connection.commit()


def load(engine, metadata, households, seed, log=print):
    """Generate and bulk-load the data set into empty tables; returns (counts, timings)."""
    dialect = engine.dialect.name
    indexes = [index for name in BIG_TABLES for index in metadata.tables[name].indexes]
    with engine.begin() as connection:
        for index in indexes:
            index.drop(connection)
    timings = {}
    start = time.perf_counter()
    raw = engine.raw_connection()
    try:
        writer = _Writer(metadata, raw.driver_connection, dialect)
        counts = generate(households, seed, writer.write)
        if dialect == "sqlite":
            raw.driver_connection.execute("PRAGMA foreign_keys=ON")
        else:
            with raw.driver_connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = DEFAULT")
                for name in TABLES:
                    if "id" in metadata.tables[name].columns:
                        sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
                        latest = f'(SELECT max(id) FROM "{name}")'  # noqa: S608
                        cursor.execute(f"SELECT setval({sequence}, {latest})")
            raw.driver_connection.commit()
    finally:
        raw.close()
    timings["rows"] = time.perf_counter() - start
    log(f"  rows generated and written in {timings['rows']:.1f} s")
    start = time.perf_counter()
    with engine.begin() as connection:
        for index in indexes:
            index.create(connection)
    timings["indexes"] = time.perf_counter() - start
    log(f"  {len(indexes)} secondary indexes built in {timings['indexes']:.1f} s")
    if dialect == "postgresql":
        # What autovacuum would have done by the time anyone reads a report.
        start = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
        timings["vacuum"] = time.perf_counter() - start
        log(f"  VACUUM ANALYZE in {timings['vacuum']:.1f} s")
    return counts, timings
