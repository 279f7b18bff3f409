"""The group report: households reached, income paid and share of sales, by product and month."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, literal, or_, select

from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.households import household_group
from ...models.ledger import LedgerAccount, LedgerEntry
from .figures import (
    SALE_KINDS,
    household_ctes,
    income_entries,
    row_figures,
    summary_counters,
    thresholds,
)
from .periods import Period, month_key
from .scope import get_group, outside_area, viewer_sees_household
from .suppression import SUPPRESS_BELOW, SUPPRESSED, is_small, share_of, suppressed_cells


@dataclass
class ProductRow:
    """One product's sales in the period and the part that reached households.

    `to_households` and `households` are ints, or SUPPRESSED (see `group_report`).
    """

    product_id: int
    name_th: str
    name_en: str
    revenue: int
    to_households: object
    households: object

    @property
    def share(self):
        return share_of(self.to_households, self.revenue)


@dataclass
class GroupReport:
    """One group over a period: households reached, income paid, share of sales, by product.

    Figures that include households outside an officer's area may be SUPPRESSED
    (see `group_report`); `revenue` is the group's own and is always shown.
    """

    group: ProducerGroup
    period: Period
    households: object
    reached: object
    income: object
    revenue: int
    sales_to_households: object
    group_fund: object
    platform: object
    products: list
    other_income: list  # [(kind, amount or SUPPRESSED)]
    months: list  # [(first day of month, income, households with income)], either SUPPRESSED
    rows: list  # [HouseholdFigures] the viewer may see
    hidden_households: int  # households of the group outside the viewer's area
    poverty_line: int = 0
    basic_needs: int = 0
    suppressed_for_hidden: bool = False  # some figures hidden to protect those households

    @property
    def sales_share(self):
        return share_of(self.sales_to_households, self.revenue)


def _sales_by_account(condition, period):
    rows = db.session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_satang))
        .join(ProducerGroup, ProducerGroup.id == LedgerEntry.group_id)
        .where(
            condition,
            LedgerEntry.kind.in_(SALE_KINDS),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(LedgerEntry.account)
    ).all()
    return {account: int(amount or 0) for account, amount in rows}


def _months_list(period, monthly_rows):
    found = {m: (int(amount or 0), int(count or 0)) for m, amount, count in monthly_rows}
    return [(first, *found.get(month_key(first), (0, 0))) for first in period.months]


def _hidden_household_cells(hidden, cells, month_keys, kinds, product_ids):
    """Which group-report figures to hide so that households outside the viewer's area stay safe.

    `hidden`: those households' figures; `cells`: for each figure, how many of
    them it includes ("households", "reached", "income", "sales", ("kind", k),
    ("month", key), ("product", id)). Fewer than SUPPRESS_BELOW hidden households:
    every figure that includes households is hidden (even their number would
    tell too much). Otherwise each figure to which 1 to 4 of them contribute is
    hidden, plus complementary cells, as their part of it is the total less the
    households listed: months add up to the income, income kinds to the income,
    products to the sales to households.
    """
    if not hidden:
        return set()
    if len(hidden) < SUPPRESS_BELOW:
        return set(cells)
    forced = {"income"} if is_small(cells["reached"]) else set()
    lines = [
        [*(("month", key) for key in month_keys), "income"],
        ["sales", *(("kind", kind) for kind in kinds), "income"],
        [*(("product", pid) for pid in product_ids), "sales"],
    ]
    return suppressed_cells(cells, lines, forced=forced)


def group_report(group_id, date_from, date_to, viewer=None):
    """The group report; ReportNotFound when the viewer may not see the group.

    An officer sees the rows of their area's households only. The totals also
    count the group's other households, so when those are fewer than
    SUPPRESS_BELOW every figure that includes households (their number, those
    reached, income, sales to households and what follows from it: group fund,
    platform fee, per product, per month) is SUPPRESSED: the totals less the
    rows listed would otherwise give the hidden households' income. With
    SUPPRESS_BELOW or more hidden, a figure is hidden when 1 to 4 of them
    contribute to it (see `_hidden_household_cells`). Admins and the command
    line see everything.
    """
    from ...models import OrderLine, Product, Variant

    period = Period(date_from, date_to)
    group = get_group(viewer, group_id)
    members = select(household_group.c.household_id).where(household_group.c.group_id == group.id)
    condition = or_(
        Household.id.in_(members),
        Household.id.in_(
            select(LedgerEntry.household_id).where(income_entries(period, group.id)).distinct()
        ),
    )
    monthly, ph = household_ctes(period, condition, group_id=group.id)
    totals = db.session.execute(select(*summary_counters(ph, period))).one()._mapping
    rows = [row_figures(row, period) for row in db.session.execute(select(ph).order_by(ph.c.code))]
    visible = [row for row in rows if viewer_sees_household(viewer, row)]
    hidden = [row for row in rows if not viewer_sees_household(viewer, row)]
    outside = outside_area(viewer, Household)
    sales = _sales_by_account(ProducerGroup.id == group.id, period)
    products = db.session.execute(
        select(
            Product.id,
            Product.name_th,
            Product.name_en,
            func.sum(LedgerEntry.amount_satang),
            func.sum(
                case(
                    (LedgerEntry.account == LedgerAccount.HOUSEHOLD, LedgerEntry.amount_satang),
                    else_=0,
                )
            ),
            func.count(func.distinct(LedgerEntry.household_id)),
            func.count(func.distinct(case((outside, LedgerEntry.household_id)))),
        )
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .outerjoin(Household, Household.id == LedgerEntry.household_id)
        .where(
            LedgerEntry.group_id == group.id,
            LedgerEntry.kind.in_(SALE_KINDS),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(Product.id, Product.name_th, Product.name_en)
        .order_by(func.sum(LedgerEntry.amount_satang).desc(), Product.id)
    ).all()
    # Income to households by kind (sale shares and reversals together as "sale"),
    # with how many households outside the viewer's area each includes.
    bucket = case((LedgerEntry.kind.in_(SALE_KINDS), literal("sale")), else_=LedgerEntry.kind)
    by_kind = db.session.execute(
        select(
            bucket.label("bucket"),
            func.sum(LedgerEntry.amount_satang),
            func.count(func.distinct(case((outside, LedgerEntry.household_id)))),
        )
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(income_entries(period, group.id))
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    other = [(kind, int(amount or 0), int(n or 0)) for kind, amount, n in by_kind if kind != "sale"]
    month_rows = db.session.execute(
        select(
            monthly.c.month,
            func.sum(monthly.c.amount),
            func.sum(case((monthly.c.amount > 0, 1), else_=0)),
            func.sum(case((and_(monthly.c.amount != 0, outside), 1), else_=0)),
        )
        .select_from(monthly)
        .join(Household, Household.id == monthly.c.household_id)
        .group_by(monthly.c.month)
    ).all()
    month_hidden = {m: int(n or 0) for m, _amount, _count, n in month_rows}
    month_keys = [month_key(first) for first in period.months]

    cells = {
        "households": len(hidden),
        "reached": sum(1 for row in hidden if row.reached),
        "income": sum(1 for row in hidden if row.income != 0),
        "sales": next((int(n or 0) for kind, _a, n in by_kind if kind == "sale"), 0),
        **{("kind", kind): n for kind, _amount, n in other},
        **{("month", key): month_hidden.get(key, 0) for key in month_keys},
        **{("product", row[0]): int(row[6] or 0) for row in products},
    }
    suppress = _hidden_household_cells(
        hidden, cells, month_keys, [kind for kind, _a, _n in other], [row[0] for row in products]
    )

    def shown(key, value):
        return SUPPRESSED if key in suppress else value

    months = []
    for first, amount, count in _months_list(period, [r[:3] for r in month_rows]):
        if ("month", month_key(first)) in suppress:
            amount = count = SUPPRESSED
        months.append((first, amount, count))
    sales_hidden = "sales" in suppress
    return GroupReport(
        group=group,
        period=period,
        households=shown("households", int(totals["households"])),
        reached=shown("reached", int(totals["reached"])),
        income=shown("income", int(totals["income"])),
        revenue=sum(sales.values()),
        sales_to_households=shown("sales", sales.get(LedgerAccount.HOUSEHOLD, 0)),
        # Revenue is shown: with it, fund and fee would give the households' part.
        group_fund=SUPPRESSED if sales_hidden else sales.get(LedgerAccount.GROUP_FUND, 0),
        platform=SUPPRESSED if sales_hidden else sales.get(LedgerAccount.PLATFORM, 0),
        products=[
            ProductRow(
                pid,
                name_th,
                name_en,
                int(revenue or 0),
                shown(("product", pid), int(to_hh or 0)),
                shown(("product", pid), int(n or 0)),
            )
            for pid, name_th, name_en, revenue, to_hh, n, _hidden in products
        ],
        other_income=[(kind, shown(("kind", kind), amount)) for kind, amount, _n in other],
        months=months,
        rows=visible,
        hidden_households=len(hidden),
        poverty_line=thresholds()[0],
        basic_needs=thresholds()[1],
        suppressed_for_hidden=bool(suppress),
    )
