"""Monthly sums of the ledger (`LedgerMonth`), kept up at posting time, and what reports read.

The ledger only ever appends, so a month's sums only ever grow by the entries
posted into it: every flush that adds `LedgerEntry` rows (sale shares, reversals,
recorded income and payouts: every path of `impact.ledger`) adds their amounts to
the summary rows of their month in the same transaction (`after_flush` below), by
an upsert that adds to the stored sum (`amount = amount + new`), so concurrent
postings never lose one another's amounts (PostgreSQL takes the row's lock; SQLite
writes one at a time). Keys are written in a fixed order, so two postings never
wait on each other's rows in opposite orders.

A summary row is keyed by month, group, household (0 for the group fund and the
platform), account, flow (`LedgerFlow`: sales and reversals, other income,
payouts) and product (0 for none; a sale's product is its lot's, or its order
line's when it took no lot: the same rule the reports had). That is everything
the area and group reports group or filter the ledger by, so each of their figures
is a sum of summary rows (`income_rows`), exactly, for whole months. A period that
starts or ends inside a month (the report pages' default ends today) reads those
partial months from the ledger itself, entry by entry, through the same columns.

A second summary, `HouseholdMonth`, holds each household's income by month under
the household's area codes (province, district, subdistrict), so an area report
reads its households' monthly income from one range of an index (`area_income_rows`)
instead of finding every household of the area in `LedgerMonth`. It is kept up by
the same listener: income entries add to their household's month, and a household
whose area codes change has its rows refiled under the new codes.

A third, `GroupMonth`, holds `LedgerMonth`'s sums without the household (month,
group, account, flow, product), kept up by the same listener: the area reports
read their groups' money (sales by account, revenue by product) from these few
rows, and only the households' own rows of `LedgerMonth` to count households paid.

`rebuild()` (the `flask ledger summaries` command, and the migration's backfill)
recomputes every row from the ledger; `differences()` compares the two.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import (
    and_,
    case,
    delete,
    event,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy import union_all as sql_union_all
from sqlalchemy.orm import Session, aliased, outerjoin

from .. import derived
from ..derived import adding_upsert, replace_rows
from ..extensions import db
from ..models.catalog import Lot, Variant
from ..models.households import AssessmentSpan, Household, HouseholdAssessment
from ..models.ledger import (
    GroupMonth,
    HouseholdMonth,
    LedgerAccount,
    LedgerEntry,
    LedgerFlow,
    LedgerKind,
    LedgerMonth,
)
from ..models.orders import OrderLine

KEY_COLUMNS = ("household_id", "month", "group_id", "account", "flow", "product_id")
# `GroupMonth`'s key: `LedgerMonth`'s without the household (in the same order).
GROUP_KEYS = KEY_COLUMNS[1:]
SUM_COLUMNS = ("amount_satang", "entries")
SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)


def month_key(day):
    """202512 for any day of December 2025 (as `reports.periods.month_key`)."""
    return day.year * 100 + day.month


# -- keeping it up -----------------------------------------------------------------------------


def _products(connection, entries):
    """{entry: product id or 0} for the sale entries: the lot's product, else the line's."""
    lots = {e.lot_id for e in entries if e.lot_id is not None}
    lines = {e.order_line_id for e in entries if e.lot_id is None and e.order_line_id is not None}
    lot_products, line_products = {}, {}
    if lots:
        lot_products = dict(
            connection.execute(
                select(Lot.id, Variant.product_id)
                .join(Variant, Variant.id == Lot.variant_id)
                .where(Lot.id.in_(lots))
            ).all()
        )
    if lines:
        line_products = dict(
            connection.execute(
                select(OrderLine.id, Variant.product_id)
                .join(Variant, Variant.id == OrderLine.variant_id)
                .where(OrderLine.id.in_(lines))
            ).all()
        )

    def product(entry):
        if entry.kind not in SALE_KINDS:
            return 0
        if entry.lot_id is not None:
            return lot_products.get(entry.lot_id, 0)
        return line_products.get(entry.order_line_id, 0) if entry.order_line_id else 0

    return product


def summary_deltas(connection, entries):
    """{key tuple (KEY_COLUMNS): [amount, entries]} that `entries` add to the summary."""
    product = _products(connection, entries)
    deltas = {}
    for entry in entries:
        key = (
            entry.household_id or 0,
            month_key(entry.occurred_on),
            entry.group_id,
            entry.account,
            LedgerFlow.OF_KIND[entry.kind],
            product(entry),
        )
        sums = deltas.setdefault(key, [0, 0])
        sums[0] += entry.amount_satang
        sums[1] += 1
    return deltas


def add_entries(connection, entries):
    """Add new ledger entries to their months' summary rows (in key order: no deadlocks)."""
    deltas = summary_deltas(connection, entries)
    if not deltas:
        return
    rows = [
        dict(zip(KEY_COLUMNS, key, strict=True), amount_satang=amount, entries=count)
        for key, (amount, count) in sorted(deltas.items())
    ]
    connection.execute(
        adding_upsert(connection, LedgerMonth.__table__, KEY_COLUMNS, SUM_COLUMNS), rows
    )
    # The same sums without the household: the groups' months (`GroupMonth`).
    group_deltas = {}
    for key, (amount, count) in deltas.items():
        sums = group_deltas.setdefault(key[1:], [0, 0])
        sums[0] += amount
        sums[1] += count
    group_rows = [
        dict(zip(GROUP_KEYS, key, strict=True), amount_satang=amount, entries=count)
        for key, (amount, count) in sorted(group_deltas.items())
    ]
    connection.execute(
        adding_upsert(connection, GroupMonth.__table__, GROUP_KEYS, SUM_COLUMNS), group_rows
    )


HOUSEHOLD_KEYS = ("household_id", "month")
AREA_COLUMNS = ("province_code", "district_code", "subdistrict_code")
HOUSEHOLD_COLUMNS = (*HOUSEHOLD_KEYS, *AREA_COLUMNS, "amount_satang", "entries")


def is_household_income(entry):
    """True for an entry `HouseholdMonth` sums: a household's own income."""
    return (
        entry.household_id is not None
        and entry.account == LedgerAccount.HOUSEHOLD
        and entry.kind in LedgerKind.INCOME
    )


def add_household_entries(connection, entries):
    """Add new income entries to their households' months, filed under the household's area."""
    mine = [entry for entry in entries if is_household_income(entry)]
    if not mine:
        return
    places = {
        row[0]: row[1:]
        for row in connection.execute(
            select(Household.id, *(Household.__table__.c[name] for name in AREA_COLUMNS)).where(
                Household.id.in_({entry.household_id for entry in mine})
            )
        )
    }
    deltas = {}
    for entry in mine:
        sums = deltas.setdefault((entry.household_id, month_key(entry.occurred_on)), [0, 0])
        sums[0] += entry.amount_satang
        sums[1] += 1
    rows = [
        dict(
            household_id=household_id,
            month=month,
            **dict(zip(AREA_COLUMNS, places[household_id], strict=True)),
            amount_satang=amount,
            entries=count,
        )
        for (household_id, month), (amount, count) in sorted(deltas.items())
    ]
    table = HouseholdMonth.__table__
    statement = derived.dialect_insert(connection)(table)
    upsert = statement.on_conflict_do_update(
        index_elements=list(HOUSEHOLD_KEYS),
        set_={
            **{name: table.c[name] + statement.excluded[name] for name in SUM_COLUMNS},
            # The household's current area: where its income is filed.
            **{name: statement.excluded[name] for name in AREA_COLUMNS},
        },
    )
    connection.execute(upsert, rows)


def refile_households(connection, households):
    """File the monthly income and the assessment spans of households whose area codes
    changed under the new codes."""
    for household in sorted(households, key=lambda h: h.id):
        for table in (HouseholdMonth.__table__, AssessmentSpan.__table__):
            connection.execute(
                update(table)
                .where(table.c.household_id == household.id)
                .values({name: getattr(household, name) for name in AREA_COLUMNS})
            )


SPAN_COLUMNS = (
    "household_id",
    "assessed_on",
    "until_on",
    "is_first",
    "members",
    "income",
    "poverty_class",
    *AREA_COLUMNS,
)
# The assessment's columns its spans are worked out from.
SPAN_SOURCES = ("household_id", "assessed_on", "members", "annual_income_satang", "poverty_class")
SPAN_BATCH = 500


def span_rows(household_ids=None):
    """SELECT the `AssessmentSpan` rows the assessments work out to (of some households only)."""
    assessment = HouseholdAssessment
    order = (assessment.assessed_on,)
    household = assessment.household_id
    statement = select(
        household.label("household_id"),
        assessment.assessed_on.label("assessed_on"),
        func.lead(assessment.assessed_on)
        .over(partition_by=household, order_by=order)
        .label("until_on"),
        case(
            (func.row_number().over(partition_by=household, order_by=order) == 1, 1), else_=0
        ).label("is_first"),
        assessment.members.label("members"),
        assessment.annual_income_satang.label("income"),
        assessment.poverty_class.label("poverty_class"),
        *(Household.__table__.c[name].label(name) for name in AREA_COLUMNS),
    ).join(Household, Household.id == household)
    if household_ids is not None:
        statement = statement.where(household.in_(household_ids))
    return statement


def respan_households(connection, household_ids):
    """Work the spans of these households' assessments out again (their rows replaced).

    The households' rows are locked first (in id order, FOR NO KEY UPDATE), so two
    transactions adding assessments to one household work its spans out one after
    the other, each from every assessment committed before it.
    """
    table = AssessmentSpan.__table__
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), SPAN_BATCH):
        batch = ids[start : start + SPAN_BATCH]
        connection.execute(
            select(Household.id)
            .where(Household.id.in_(batch))
            .order_by(Household.id)
            # FOR NO KEY UPDATE: it waits for another transaction's spans of the household,
            # not for the key-share lock every row referring to it takes (the assessment's
            # own INSERT): two such transactions would each wait for the other's.
            .with_for_update(key_share=True)
        ).all()
        connection.execute(delete(table).where(table.c.household_id.in_(batch)))
        connection.execute(insert(table).from_select(list(SPAN_COLUMNS), span_rows(batch)))


def _assessed(session):
    """The households whose assessments this flush added, deleted or changed."""
    households = set()
    for obj in session.new | session.deleted:
        if isinstance(obj, HouseholdAssessment):
            households.add(obj.household_id)
    for obj in session.dirty:
        if isinstance(obj, HouseholdAssessment):
            attrs = inspect(obj).attrs
            history = attrs["household_id"].history
            households.update(value for value in history.deleted if value is not None)
            if any(attrs[name].history.has_changes() for name in SPAN_SOURCES):
                households.add(obj.household_id)
    households.discard(None)
    return households


def _moved(obj):
    if not isinstance(obj, Household):
        return False
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in AREA_COLUMNS)


@event.listens_for(Session, "after_flush")
def _keep_summaries_up(session, _flush_context):
    """Every ledger entry a flush wrote is added to its month, in the same transaction;
    households whose area changed have their monthly income and spans refiled, and
    households whose assessments changed have their spans worked out again."""
    entries = [obj for obj in session.new if isinstance(obj, LedgerEntry)]
    if entries:
        add_entries(session.connection(), entries)
        add_household_entries(session.connection(), entries)
    moved = [obj for obj in session.dirty if _moved(obj)]
    if moved:
        refile_households(session.connection(), moved)
    assessed = _assessed(session)
    if assessed:
        respan_households(session.connection(), assessed)


# -- rebuilding and checking -------------------------------------------------------------------


def _flow_of(kind_column):
    return case(
        *((kind_column == kind, literal(flow)) for kind, flow in LedgerFlow.OF_KIND.items()),
    )


def ledger_columns(entry=LedgerEntry):
    """The summary's key columns, and the amount, worked out from ledger entries (joins too).

    Returns (columns, from clause): sales find their product through their lot, or
    their order line when they took no lot.
    """
    from .reports.periods import sql_month_key

    lot_variant = aliased(Variant, name="lot_variant")
    line_variant = aliased(Variant, name="line_variant")
    is_sale = entry.kind.in_(SALE_KINDS)
    product = case(
        (and_(is_sale, entry.lot_id.is_not(None)), lot_variant.product_id),
        (is_sale, func.coalesce(line_variant.product_id, 0)),
        else_=0,
    )
    columns = {
        "household_id": func.coalesce(entry.household_id, 0),
        "month": sql_month_key(entry.occurred_on),
        "group_id": entry.group_id,
        "account": entry.account,
        "flow": _flow_of(entry.kind),
        "product_id": func.coalesce(product, 0),
    }
    joined = (
        outerjoin(entry, Lot, Lot.id == entry.lot_id)
        .outerjoin(lot_variant, lot_variant.id == Lot.variant_id)
        .outerjoin(
            OrderLine,
            and_(entry.lot_id.is_(None), is_sale, OrderLine.id == entry.order_line_id),
        )
        .outerjoin(line_variant, line_variant.id == OrderLine.variant_id)
    )
    return columns, joined


def ledger_sums(where=None):
    """SELECT the summary rows the ledger adds up to (optionally of some entries only)."""
    columns, joined = ledger_columns()
    labelled = [column.label(name) for name, column in columns.items()]
    statement = (
        select(
            *labelled,
            func.sum(LedgerEntry.amount_satang).label("amount_satang"),
            func.count().label("entries"),
        )
        .select_from(joined)
        .group_by(*labelled)
    )
    if where is not None:
        statement = statement.where(where)
    return statement


def group_sums():
    """SELECT the `GroupMonth` rows the ledger adds up to: `ledger_sums` without the household."""
    columns, joined = ledger_columns()
    labelled = [columns[name].label(name) for name in GROUP_KEYS]
    return (
        select(
            *labelled,
            func.sum(LedgerEntry.amount_satang).label("amount_satang"),
            func.count().label("entries"),
        )
        .select_from(joined)
        .group_by(*labelled)
    )


def household_sums():
    """SELECT the `HouseholdMonth` rows the ledger adds up to: each household's income by
    month, under its current area codes."""
    from .reports.periods import sql_month_key

    month = sql_month_key(LedgerEntry.occurred_on).label("month")
    areas = [Household.__table__.c[name].label(name) for name in AREA_COLUMNS]
    return (
        select(
            LedgerEntry.household_id.label("household_id"),
            month,
            *areas,
            func.sum(LedgerEntry.amount_satang).label("amount_satang"),
            func.count().label("entries"),
        )
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(
            LedgerEntry.account == LedgerAccount.HOUSEHOLD,
            LedgerEntry.kind.in_(LedgerKind.INCOME),
        )
        .group_by(LedgerEntry.household_id, month, *areas)
    )


def rebuild(session=None):
    """Replace every row of the three summaries by the ledger's sums, and the assessment
    spans by the assessments'; returns the rows written."""
    connection = (session or db.session).connection()
    written = replace_rows(
        connection, LedgerMonth.__table__, [*KEY_COLUMNS, *SUM_COLUMNS], ledger_sums()
    )
    written += replace_rows(
        connection, GroupMonth.__table__, [*GROUP_KEYS, *SUM_COLUMNS], group_sums()
    )
    written += replace_rows(connection, AssessmentSpan.__table__, SPAN_COLUMNS, span_rows())
    return written + replace_rows(
        connection, HouseholdMonth.__table__, HOUSEHOLD_COLUMNS, household_sums()
    )


def differences(session=None, limit=20):
    """(number of rows that differ, up to `limit` of them) between the summary and the ledger.

    Each row: ("stored" | "ledger", *key, amount, entries), the side it is found on alone.
    """
    connection = (session or db.session).connection()
    table = LedgerMonth.__table__
    stored = select(*(table.c[name] for name in (*KEY_COLUMNS, *SUM_COLUMNS)))
    count, sample = derived.differences(
        connection, stored, ledger_sums(), limit, found_side="ledger"
    )
    # The other tables' rows say which table they are of.
    for model, columns, source, side in (
        (HouseholdMonth, HOUSEHOLD_COLUMNS, household_sums, "ledger (household_month)"),
        (GroupMonth, (*GROUP_KEYS, *SUM_COLUMNS), group_sums, "ledger (group_month)"),
        (AssessmentSpan, SPAN_COLUMNS, span_rows, "assessments (assessment_span)"),
    ):
        table = model.__table__
        stored = select(*(table.c[name] for name in columns))
        more, more_sample = derived.differences(
            connection, stored, source(), limit, found_side=side
        )
        relabel = {"stored": f"stored {table.name}"}
        sample += [(relabel.get(row[0], row[0]), *row[1:]) for row in more_sample]
        count += more
    return count, sample[:limit]


# -- reading -----------------------------------------------------------------------------------


def month_last_day(first):
    """The last day of the month that starts on `first`."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def split_period(period):
    """(month keys read from the summary, [(first, last day)] read from the ledger).

    Whole months of the period come from the summary; the month it starts in and
    the month it ends in, when the period covers only part of them, from the ledger.
    """
    whole, partial = [], []
    for first in period.months:
        last = month_last_day(first)
        if period.start <= first and last <= period.end:
            whole.append(month_key(first))
        else:
            partial.append((max(first, period.start), min(last, period.end)))
    return whole, partial


def income_rows(period, group_id=None, households=True):
    """The income of the period as rows of (household_id, month, group_id, account, flow,
    product_id, amount): summary rows for whole months, ledger entries for partial ones.

    Only income (`LedgerFlow.INCOME`, the ledger's `LedgerKind.INCOME`); every
    account. `household_id` is 0 for the group fund's and the platform's rows, so a
    join to Household leaves them out. A subquery: callers join and sum it.

    With `households=False`, the rows have no household_id: whole months come from
    the groups' sums (`GroupMonth`, a few rows per group and month).
    """
    keys = KEY_COLUMNS if households else GROUP_KEYS
    whole, partial = split_period(period)
    parts = []
    if whole:
        summary = (LedgerMonth if households else GroupMonth).__table__.c
        conditions = [summary.month.in_(whole), summary.flow.in_(LedgerFlow.INCOME)]
        if len(whole) > 1 and whole == sorted(whole):
            conditions[0] = and_(summary.month >= whole[0], summary.month <= whole[-1])
        if group_id is not None:
            conditions.append(summary.group_id == group_id)
        parts.append(
            select(
                *(summary[name] for name in keys),
                summary.amount_satang.label("amount"),
            ).where(*conditions)
        )
    if partial:
        columns, joined = ledger_columns()
        conditions = [
            LedgerEntry.kind.in_(LedgerKind.INCOME),
            or_(*(LedgerEntry.occurred_on.between(start, end) for start, end in partial)),
        ]
        if group_id is not None:
            conditions.append(LedgerEntry.group_id == group_id)
        parts.append(
            select(
                *(columns[name].label(name) for name in keys),
                LedgerEntry.amount_satang.label("amount"),
            )
            .select_from(joined)
            .where(*conditions)
        )
    if len(parts) == 1:
        return parts[0].subquery("income")
    return sql_union_all(*parts).subquery("income")


def area_income_rows(period, area, household_condition):
    """Each household's income of the period by month, as rows of (household_id, month,
    amount), one per household and month: the households of an area (`area`: province,
    district, subdistrict codes, the last two may be None).

    Whole months come from `HouseholdMonth` by its area index; the partial months at
    either end from the ledger, for the households matching `household_condition`.
    """
    whole, partial = split_period(period)
    parts = []
    if whole:
        summary = HouseholdMonth.__table__.c
        conditions = [summary.month.in_(whole)]
        if len(whole) > 1 and whole == sorted(whole):
            conditions[0] = and_(summary.month >= whole[0], summary.month <= whole[-1])
        for name, code in zip(AREA_COLUMNS, area, strict=True):
            if code:
                conditions.append(summary[name] == code)
        parts.append(
            select(
                summary.household_id, summary.month, summary.amount_satang.label("amount")
            ).where(*conditions)
        )
    if partial:
        from .reports.periods import sql_month_key

        month = sql_month_key(LedgerEntry.occurred_on)
        parts.append(
            select(
                LedgerEntry.household_id.label("household_id"),
                month.label("month"),
                func.sum(LedgerEntry.amount_satang).label("amount"),
            )
            .join(Household, Household.id == LedgerEntry.household_id)
            .where(
                LedgerEntry.account == LedgerAccount.HOUSEHOLD,
                LedgerEntry.kind.in_(LedgerKind.INCOME),
                or_(*(LedgerEntry.occurred_on.between(start, end) for start, end in partial)),
                household_condition,
            )
            .group_by(LedgerEntry.household_id, month)
        )
    if len(parts) == 1:
        return parts[0].subquery("income")
    return sql_union_all(*parts).subquery("income")


def household_income(income):
    """Condition on an `income_rows` subquery: households' own income."""
    return income.c.account == LedgerAccount.HOUSEHOLD


def is_sale(income):
    """1 for a sale row of an `income_rows` subquery, else 0 (an int column to group by)."""
    return case((income.c.flow == LedgerFlow.SALE, 1), else_=0)
