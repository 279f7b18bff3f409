"""Sales of the groups located in an area, and the households those sales paid."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, and_, case, cast, func, literal, select, union_all

from ...accounts import access
from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.ledger import LedgerAccount
from .. import summaries
from ..summaries import income_rows
from .scope import is_admin
from .suppression import is_small, share_of


@dataclass
class AreaProductRow:
    """One product sold by a group located in the area: its sales and the households paid.

    `to_households` and `households` are ints, or SUPPRESSED.
    """

    product_id: int
    name: str
    group_id: int
    group_name: str
    revenue: int
    to_households: object
    households: object  # households whose sale income from it in the period is above zero

    @property
    def share(self):
        return share_of(self.to_households, self.revenue)


@dataclass
class PaidCounts:
    """Households paid out of some sales (see `sales_detail`)."""

    paid: int = 0  # net sale income above zero
    contributors: int = 0  # net sale income not zero (a refund may leave it below)
    outside: int = 0  # contributors outside the viewer's areas
    income_contributors: int = 0  # any value-chain income from these groups, not zero

    def too_few(self):
        """True when the money these households got would describe 1 to 4 of them."""
        return is_small(self.paid) or is_small(self.contributors) or is_small(self.outside)


def money_sums(rows):
    """(sales by key by account, sales by account, other income to households) from
    (key, account, is sale, amount) tuples."""
    sales, sales_total, other_to_households = {}, {}, 0
    for key, account, is_sale, amount in rows:
        amount = int(amount or 0)
        if is_sale:
            entry = sales.setdefault(str(key), {})
            entry[account] = entry.get(account, 0) + amount
            sales_total[account] = sales_total.get(account, 0) + amount
        elif account == LedgerAccount.HOUSEHOLD:
            other_to_households += amount
    return sales, sales_total, other_to_households


def group_money(period, group_condition, group_key):
    """Sales, raw material and wages of the groups located in an area, in one pass
    (see `money_sums`)."""
    income = income_rows(period)
    sale = summaries.is_sale(income).label("sale")
    rows = db.session.execute(
        select(group_key.label("key"), income.c.account, sale, func.sum(income.c.amount))
        .select_from(income)
        .join(ProducerGroup, ProducerGroup.id == income.c.group_id)
        .where(group_condition)
        .group_by(group_key, income.c.account, sale)
    ).all()
    return money_sums(rows)


@dataclass
class SalesDetail:
    """What `sales_detail` finds: products, households paid, and the money by key."""

    products: list  # [AreaProductRow]
    by_key: dict  # {key: PaidCounts}
    by_product: dict  # {product id as text: PaidCounts}
    total: PaidCounts
    money: tuple  # `money_sums` by key


def sales_detail(period, where, viewer, key):
    """Sales of the groups matching `where`, household by household: products and paid counts.

    Returns (products, paid by key, paid by product, paid in total): the
    AreaProductRow of each product sold (revenue over every account, the part
    paid to households), and PaidCounts by `key` (a group or area column, as
    text), by product id (as text) and for all together.

    One statement over `summaries.income_rows` (the monthly sums, and the ledger
    for a partial month): a CTE of the sums per key, product, household, kind
    (sale or other income) and account (with, for an officer, whether the
    household lives outside their areas), and from it the money by key, the
    revenue by product and the households counted by key, by product and in
    total, each a small aggregate (`_paid_parts`). A household counts once
    however many keys or products paid it; nothing is counted row by row in
    Python (at province scale that took about half a second). A sale's product
    is its lot's, or its order line's when it took no lot.
    """
    from ...i18n import localized
    from ...models import Product

    income = income_rows(period)
    sale = summaries.is_sale(income)
    officer = not is_admin(viewer)
    # 1 for a household outside the viewer's areas: covered only where the filter is true.
    outside = (
        case((access.officer_area_filter(viewer, Household), 0), else_=1) if officer else literal(0)
    )
    grouping = (
        cast(key, String).label("key"),
        income.c.product_id.label("product_id"),
        income.c.household_id.label("household_id"),
        sale.label("sale"),
        income.c.account.label("account"),
        outside.label("outside"),
    )
    statement = (
        select(*grouping, func.sum(income.c.amount).label("amount"))
        .select_from(income)
        .join(ProducerGroup, ProducerGroup.id == income.c.group_id)
        .where(where)
        .group_by(*grouping)
    )
    if officer:
        statement = statement.outerjoin(Household, Household.id == income.c.household_id)
    sums = statement.cte("sale_sums")
    # On the connection: plain rows, without the ORM's per-row work.
    rows = db.session.connection().execute(_paid_parts(sums)).all()

    money, revenue, to_households = {}, {}, {}
    paid_by_key, paid_by_product, paid_total = {}, {}, PaidCounts()
    for part, name, account, is_sale, amount, contributors, paid, outside_, income_ in rows:
        if part == "money":
            money[(name, account, is_sale)] = int(amount or 0)
        elif part == "product":
            product_id = int(name)
            revenue[product_id] = int(amount or 0)
            to_households[product_id] = int(contributors or 0)
        else:
            counts = PaidCounts(
                paid=int(paid or 0),
                contributors=int(contributors or 0),
                outside=int(outside_ or 0),
                income_contributors=int(income_ or 0),
            )
            if part == "total":
                paid_total = counts
            elif part == "paid_key":
                paid_by_key[name] = counts
            else:
                paid_by_product[name] = counts

    products = []
    if revenue:
        found = {
            product.id: (product, group)
            for product, group in db.session.execute(
                select(Product, ProducerGroup)
                .join(ProducerGroup, ProducerGroup.id == Product.group_id)
                .where(Product.id.in_(list(revenue)))
            )
        }
        for product_id in sorted(revenue, key=lambda pid: (-revenue[pid], pid)):
            product, group = found[product_id]
            products.append(
                AreaProductRow(
                    product_id=product_id,
                    name=localized(product, "name"),
                    group_id=group.id,
                    group_name=localized(group, "name"),
                    revenue=revenue[product_id],
                    to_households=to_households.get(product_id, 0),
                    households=paid_by_product.get(str(product_id), PaidCounts()).paid,
                )
            )
    return SalesDetail(
        products=products,
        by_key=paid_by_key,
        by_product=paid_by_product,
        total=paid_total,
        money=money_sums((*k, amount) for k, amount in money.items()),
    )


def _paid_parts(sums):
    """The aggregates `sales_detail` reads from its `sale_sums` CTE, as one UNION ALL.

    Columns: part, name, account, sale, amount, contributors, paid, outside,
    income contributors. Parts: "money" (key, account, sale: amount), "product"
    (product id: revenue in amount, the households' part in contributors),
    "paid_key", "paid_product" and "total" (households counted: net sale income
    not zero, above zero, not zero and outside the viewer's areas; any income
    from these groups not zero).
    """
    household = sums.c.household_id != 0

    def sale_amount():
        return func.sum(case((sums.c.sale == 1, sums.c.amount), else_=0))

    def counts(per_household):
        """The four counts over a subquery of (name, net sale, income, outside) per household."""
        h = per_household.c

        def count_if(condition):
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        return (
            count_if(h.net_sale != 0),
            count_if(h.net_sale > 0),
            count_if(and_(h.net_sale != 0, h.outside == 1)),
            count_if(h.income != 0),
        )

    def per_household(name, condition, include_income=True):
        """(name, net sale, income, outside) per household (and name, unless it is None)."""
        income = func.sum(sums.c.amount) if include_income else literal(0)
        keys = (sums.c.household_id,) if name is None else (name, sums.c.household_id)
        return (
            select(
                (literal("") if name is None else name).label("name"),
                sale_amount().label("net_sale"),
                income.label("income"),
                func.max(sums.c.outside).label("outside"),
            )
            .where(household, condition)
            .group_by(*keys)
            .subquery()
        )

    product_name = cast(sums.c.product_id, String)
    nothing = literal(None, String)
    money = select(
        literal("money"),
        sums.c.key,
        sums.c.account,
        sums.c.sale,
        func.sum(sums.c.amount),
        literal(0),
        literal(0),
        literal(0),
        literal(0),
    ).group_by(sums.c.key, sums.c.account, sums.c.sale)
    products = (
        select(
            literal("product"),
            product_name,
            nothing,
            literal(1),
            func.sum(sums.c.amount),
            func.sum(case((household, sums.c.amount), else_=0)),
            literal(0),
            literal(0),
            literal(0),
        )
        .where(sums.c.sale == 1, sums.c.product_id != 0)
        .group_by(sums.c.product_id)
    )
    parts = [money, products]
    for part, name, condition, include_income in (
        ("paid_key", sums.c.key, literal(True), True),
        ("paid_product", product_name, and_(sums.c.sale == 1, sums.c.product_id != 0), False),
        ("total", None, literal(True), True),
    ):
        grouped = per_household(name, condition, include_income)
        label = literal("") if name is None else grouped.c.name
        counted = select(literal(part), label, nothing, literal(0), literal(0), *counts(grouped))
        # The total is one row over every household (no name to group by).
        parts.append(counted if name is None else counted.group_by(grouped.c.name))
    return union_all(*parts)
