"""The area report: breakdown one level down, transitions, line crossings, months, IRIS+."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import String, and_, case, cast, func, literal, null, select, union_all

from ... import areas
from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.households import PovertyClass, household_group
from ...models.ledger import LedgerAccount
from ..summaries import household_income, income_rows
from .figures import (
    COUNT_FIELDS,
    household_condition,
    household_ctes,
    report_memory,
    summary_counters,
    thresholds,
)
from .periods import Period, month_key
from .sales import PaidCounts, group_money, sales_detail
from .scope import check_area
from .suppression import SUPPRESSED, is_small, is_suppressed, share_of, suppressed_cells


@dataclass
class AreaRow:
    """One line of an area's breakdown (a district, a subdistrict or a group), or its total.

    Counts and amounts are ints, or SUPPRESSED where they describe fewer than 5 households.
    """

    key: str
    name: str
    households: object = 0
    reached: object = 0
    income: object = 0
    assessed: object = 0
    reassessed: object = 0
    crossed: object = 0
    lifted: object = 0
    below_at_baseline: object = 0
    low_income_reached: object = 0
    revenue: object = None  # sales of the groups located here
    sales_to_households: object = None
    kind: str = "area"  # area | group
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def sales_share(self):
        return share_of(self.sales_to_households, self.revenue)


@dataclass
class AreaReport:
    """An area (province, district or subdistrict) over a period, small cells suppressed."""

    province: object
    district: object
    subdistrict: object
    period: Period
    level: str  # what the rows are: district | subdistrict | group
    rows: list
    total: AreaRow
    transitions: dict  # {(baseline class, latest class): count or SUPPRESSED}
    transition_rows: dict  # {baseline class: total}
    transition_cols: dict  # {latest class: total}
    transition_total: object
    months: list  # [(first day of month, income or SUPPRESSED, households or SUPPRESSED)]
    iris: dict
    poverty_line: int
    basic_needs: int
    products: list = field(default_factory=list)  # [AreaProductRow]

    @property
    def codes(self):
        return (
            self.province.code,
            self.district.code if self.district else None,
            self.subdistrict.code if self.subdistrict else None,
        )


def _area_name(area):
    from ...i18n import current_language

    return areas.area_name(area, current_language())


def _row_names(level, keys):
    if level == "district":
        return {key: _area_name(areas.district(key)) or key for key in keys}
    if level == "subdistrict":
        return {key: _area_name(areas.subdistrict(key)) or key for key in keys}
    from ...i18n import localized

    groups = db.session.scalars(
        select(ProducerGroup).where(ProducerGroup.id.in_([int(k) for k in keys]))
    )
    return {str(group.id): localized(group, "name") for group in groups}


def _suppress_rows(rows, total):
    """Hide small counts in the breakdown (lines: each count column with its total).

    The rows are treated as adding up to the total even where they do not quite
    (a household may supply several groups): hiding a second cell costs little,
    and a lone "<5" next to a total would otherwise be worked out by subtraction.
    """
    cells = {}
    for index, row in enumerate([*rows, total]):
        for name in COUNT_FIELDS:
            cells[(index, name)] = row.raw[name]
    lines = [[(index, name) for index in range(len(rows) + 1)] for name in COUNT_FIELDS]
    hidden = suppressed_cells(cells, lines)
    for index, row in enumerate([*rows, total]):
        for name in COUNT_FIELDS:
            setattr(row, name, SUPPRESSED if (index, name) in hidden else row.raw[name])
        # Money earned by a hidden number of households is hidden with it.
        if (index, "reached") in hidden:
            row.income = SUPPRESSED


def _suppress_sales(rows, total, products, paid_rows, paid_total, paid_products):
    """Hide the sales to households of rows, total and products paid to 1 to 4 households.

    Sales to households are the groups' (wherever the households paid live), so
    they are hidden when the households paid number 1 to 4, when 1 to 4 of them
    live outside the viewer's areas (the viewer could subtract those of their
    own area, listed in group reports), and when the row's own households
    reached number 1 to 4. Rows and total are one line, products and total
    another: a second cell is hidden where one would give the other away.
    """
    cells, forced = {}, set()

    def add(key, counts, reached):
        counts = counts or PaidCounts()
        cells[key] = counts.contributors
        if counts.too_few() or (is_small(reached) and counts.contributors):
            forced.add(key)

    for index, row in enumerate(rows):
        add(("row", index), paid_rows.get(row.key), row.raw["reached"])
    add("total", paid_total, total.raw["reached"])
    for product in products:
        add(("product", product.product_id), paid_products.get(str(product.product_id)), 0)
    lines = [
        [*(("row", index) for index in range(len(rows))), "total"],
        [*(("product", product.product_id) for product in products), "total"],
    ]
    hidden = suppressed_cells(cells, lines, forced=forced)
    for index, row in enumerate(rows):
        if ("row", index) in hidden:
            row.sales_to_households = SUPPRESSED
    if "total" in hidden:
        total.sales_to_households = SUPPRESSED
    for product in products:
        if ("product", product.product_id) in hidden:
            product.to_households = product.households = SUPPRESSED


def area_report(
    province_code, district_code=None, subdistrict_code=None, *, date_from, date_to, viewer=None
):
    """The area report: breakdown one level down, transitions, line crossings, monthly, IRIS+.

    `viewer=None` (the command line, the benchmarks) sees every area; an
    officer sees only areas they cover (ReportNotFound otherwise).

    A fixed number of statements whatever the size of the area: the
    per-household figures grouped by sub-area and class transition (rows,
    totals and the matrix are added up from that in Python: each household is
    in one sub-area), the monthly trend, the sales of the groups located in the
    area, and the households those sales paid (by row, by product, in total).

    By product: the products sold by the groups located in the area, like every
    sales figure of the area report, not the products whose income reached the
    area's households (those would mix in groups elsewhere, whose sales the
    area's rows do not show). So the products add up to the area's sales.
    Each carries its revenue, its part paid to households and the number of
    households paid, small cells suppressed (`_suppress_sales`).
    """
    period = Period(date_from, date_to)
    province, district, subdistrict = check_area(
        viewer, province_code, district_code, subdistrict_code
    )
    line, basic = thresholds()
    condition = household_condition(
        province.code,
        district.code if district else None,
        subdistrict.code if subdistrict else None,
    )
    group_condition = and_(
        ProducerGroup.province_code == province.code,
        ProducerGroup.district_code == district.code if district else literal(True),
        ProducerGroup.subdistrict_code == subdistrict.code if subdistrict else literal(True),
    )
    codes = (province.code, district and district.code, subdistrict and subdistrict.code)
    report_memory()
    monthly, ph = household_ctes(period, condition, area=codes)
    if subdistrict is None:
        level = "subdistrict" if district else "district"
        key_column = ph.c.subdistrict_code if district else ph.c.district_code
        group_key = ProducerGroup.subdistrict_code if district else ProducerGroup.district_code
    else:
        level = "group"
        # One subdistrict: the rows are groups (below); group by a constant column.
        key_column = ph.c.subdistrict_code
        group_key = ProducerGroup.subdistrict_code

    has_change = and_(ph.c.baseline_on.is_not(None), ph.c.latest_on > ph.c.baseline_on)
    moved_from = case((has_change, ph.c.baseline_class)).label("moved_from")
    moved_to = case((has_change, ph.c.latest_class)).label("moved_to")
    # The month table comes with the rows in one statement, so that the households'
    # monthly income (the `monthly` CTE, the costly part) is worked out once.
    counters = summary_counters(ph, period)
    by_row = select(
        literal("row").label("part"),
        cast(key_column, String).label("key"),
        moved_from,
        moved_to,
        *counters,
    ).group_by(key_column, moved_from, moved_to)
    month_columns = {
        "households": func.count(),
        "income": func.coalesce(func.sum(monthly.c.amount), 0),
    }
    by_month = select(
        literal("month"),
        cast(monthly.c.month, String),
        null(),
        null(),
        *(month_columns.get(column.name, literal(0)) for column in counters),
    ).group_by(monthly.c.month)
    grouped, month_rows = [], []
    for row in db.session.execute(union_all(by_row, by_month)):
        (grouped if row.part == "row" else month_rows).append(row)
    by_key = {}
    total_raw = dict.fromkeys((*COUNT_FIELDS, "income"), 0)
    transition_counts = {}
    for row in grouped:
        values = row._mapping
        sums = by_key.setdefault(str(values["key"]), dict.fromkeys((*COUNT_FIELDS, "income"), 0))
        for name in (*COUNT_FIELDS, "income"):
            sums[name] += int(values[name] or 0)
            total_raw[name] += int(values[name] or 0)
        if values["moved_from"] is not None:
            pair = (values["moved_from"], values["moved_to"])
            transition_counts[pair] = transition_counts.get(pair, 0) + int(values["households"])

    if level == "group":
        breakdown = {str(r["key"]): r for r in _group_breakdown(period, condition)}
        _by_subdistrict, sales_total, other_to_households = group_money(
            period, group_condition, group_key
        )
        detail = sales_detail(
            period,
            ProducerGroup.id.in_([int(k) for k in breakdown]),
            viewer,
            ProducerGroup.id,
        )
        sales = detail.money[0]  # by group, from the same statement
    else:
        breakdown = by_key
        # The sums by sub-area come with the households paid, from the same statement.
        detail = sales_detail(period, group_condition, viewer, group_key)
        sales, sales_total, other_to_households = detail.money
    products, paid_rows, paid_products, paid_total = (
        detail.products,
        detail.by_key,
        detail.by_product,
        detail.total,
    )
    names = _row_names(level, list(breakdown))
    rows = []
    for key, raw in sorted(breakdown.items()):
        row_sales = sales.get(key) or {}
        rows.append(
            AreaRow(
                key=key,
                name=names.get(key, key),
                kind="group" if level == "group" else "area",
                income=raw["income"],
                revenue=sum(row_sales.values()),
                sales_to_households=row_sales.get(LedgerAccount.HOUSEHOLD, 0),
                raw=raw,
            )
        )
    total = AreaRow(
        key="",
        name=_area_name(subdistrict or district or province),
        income=total_raw["income"],
        revenue=sum(sales_total.values()),
        sales_to_households=sales_total.get(LedgerAccount.HOUSEHOLD, 0),
        raw=total_raw,
    )
    _suppress_rows(rows, total)
    _suppress_sales(rows, total, products, paid_rows, paid_total, paid_products)

    transitions, trans_rows, trans_cols, trans_total = _transitions(transition_counts)
    return AreaReport(
        province=province,
        district=district,
        subdistrict=subdistrict,
        period=period,
        level=level,
        rows=rows,
        total=total,
        transitions=transitions,
        transition_rows=trans_rows,
        transition_cols=trans_cols,
        transition_total=trans_total,
        months=_area_months(
            [(int(row.key), row.income, row.households) for row in month_rows],
            period,
            total_shown=not is_suppressed(total.income),
        ),
        iris=_iris(total, sales_total, other_to_households, paid_total),
        poverty_line=line,
        basic_needs=basic,
        products=products,
    )


def _group_breakdown(period, condition):
    """Rows per group for a subdistrict: its households, those reached, and their income."""
    income = income_rows(period)
    per_group = (
        select(
            income.c.group_id.label("group_id"),
            income.c.household_id.label("household_id"),
            func.sum(income.c.amount).label("income"),
        )
        .select_from(income)
        .join(Household, Household.id == income.c.household_id)
        .where(household_income(income), condition)
        .group_by(income.c.group_id, income.c.household_id)
        .subquery()
    )
    earned = db.session.execute(
        select(
            per_group.c.group_id,
            func.sum(case((per_group.c.income > 0, 1), else_=0)),
            func.sum(per_group.c.income),
        ).group_by(per_group.c.group_id)
    ).all()
    members = db.session.execute(
        select(household_group.c.group_id, func.count())
        .join(Household, Household.id == household_group.c.household_id)
        .where(condition)
        .group_by(household_group.c.group_id)
    ).all()
    values = {}
    for group_id, n in members:
        values.setdefault(group_id, dict.fromkeys((*COUNT_FIELDS, "income"), 0))["households"] = n
    for group_id, reached, income in earned:
        row = values.setdefault(group_id, dict.fromkeys((*COUNT_FIELDS, "income"), 0))
        row["reached"] = int(reached or 0)
        row["income"] = int(income or 0)
    return [dict(v, key=k) for k, v in sorted(values.items())]


def _transitions(counts):
    """The poverty-class transition matrix, {(baseline, latest): n}, with its margins suppressed."""
    classes = PovertyClass.ALL
    cells = {(b, latest): counts.get((b, latest), 0) for b in classes for latest in classes}
    for b in classes:
        cells[(b, "*")] = sum(cells[(b, latest)] for latest in classes)
    for latest in classes:
        cells[("*", latest)] = sum(cells[(b, latest)] for b in classes)
    cells[("*", "*")] = sum(cells[(b, "*")] for b in classes)
    lines = [[(b, latest) for latest in (*classes, "*")] for b in (*classes, "*")]
    lines += [[(b, latest) for b in (*classes, "*")] for latest in (*classes, "*")]
    hidden = suppressed_cells(cells, lines)

    def shown(key):
        return SUPPRESSED if key in hidden else cells[key]

    matrix = {(b, latest): shown((b, latest)) for b in classes for latest in classes}
    return (
        matrix,
        {b: shown((b, "*")) for b in classes},
        {latest: shown(("*", latest)) for latest in classes},
        shown(("*", "*")),
    )


def _area_months(rows, period, total_shown=True):
    """The month table: (first day, income, households with income), small cells hidden.

    `rows`: (month key, income, households) for the months with income."""
    found = {m: (int(amount or 0), int(n or 0)) for m, amount, n in rows}
    keys = [month_key(first) for first in period.months]
    counts = {key: found.get(key, (0, 0))[1] for key in keys}
    # When the period's income is shown, the months form one line adding up to it (one
    # hidden month takes a second with it). When it is hidden too, nothing can be worked
    # out by subtraction, and a month nobody earned in keeps its zero rather than "<5".
    hidden = suppressed_cells(counts, [keys] if total_shown else [])
    result = []
    for first, key in zip(period.months, keys, strict=True):
        amount, n = found.get(key, (0, 0))
        if key in hidden:
            result.append((first, SUPPRESSED, SUPPRESSED))
        else:
            result.append((first, amount, n))
    return result


def _iris(total, sales, other, paid):
    """IRIS+ figures for funders (see `exports.IRIS_METRICS` for the definitions)."""
    to_households = sales.get(LedgerAccount.HOUSEHOLD, 0) + other
    sourcing = sum(sales.values()) + other
    percent = None if sourcing <= 0 else round(100 * to_households / sourcing, 1)
    if (
        is_suppressed(total.reached)
        or is_suppressed(total.sales_to_households)
        or is_small(paid.income_contributors)
    ):
        # With so few households reached or paid, their part of the sales tells their income.
        percent = SUPPRESSED
    return {
        "PI7852": total.income,
        "PI8632": percent,
        "PI7318": total.low_income_reached,
        "reached": total.reached,
    }
