"""Sales of the groups located in an area, and the households those sales paid."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import BigInteger, String, and_, case, cast, func, literal, select, union_all

from ...accounts import access
from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.ledger import LedgerAccount, LedgerFlow
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
    (see `money_sums`), from the groups' monthly sums (`GroupMonth`)."""
    income = income_rows(period, households=False)
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

    One statement: the money by key and the revenue by product from the groups'
    monthly sums (`summaries.income_rows(households=False)`: `GroupMonth`, a few
    rows per group and month, and the ledger for a partial month), and the
    households counted from a CTE over the households' own rows (`LedgerMonth`):
    net sale and income per key, product and household (with, for an officer,
    whether the household lives outside their areas), summed by key and
    household, by product and household, and by household, each then counted
    (`_paid_parts`). A household counts once however many keys or products paid
    it; nothing is counted row by row in Python. A sale's product is its lot's,
    or its order line's when it took no lot.
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
        outside.label("outside"),
    )
    # Only the households' own rows: the money of every account comes from `GroupMonth`.
    statement = (
        select(
            *grouping,
            _total(case((sale == 1, income.c.amount), else_=0)).label("net_sale"),
            _total(income.c.amount).label("income"),
        )
        .select_from(income)
        .join(ProducerGroup, ProducerGroup.id == income.c.group_id)
        .where(where, income.c.account == LedgerAccount.HOUSEHOLD)
        .group_by(*grouping)
    )
    if officer:
        statement = statement.outerjoin(Household, Household.id == income.c.household_id)
    sums = statement.cte("sale_sums")
    money_rows = income_rows(period, households=False)
    # On the connection: plain rows, without the ORM's per-row work.
    rows = db.session.connection().execute(_paid_parts(sums, money_rows, where, key)).all()

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


def _total(amount):
    """SUM as a BIGINT: PostgreSQL sums BIGINTs into NUMERICs, which are slower to add again."""
    return cast(func.sum(amount), BigInteger)


def _paid_parts(sums, money_rows, where, key):
    """The aggregates `sales_detail` reads, as one UNION ALL: the money from the groups'
    sums (`money_rows`, an `income_rows` subquery without households, of the groups
    matching `where`), the households paid from its `sale_sums` CTE (one row per key,
    product and household: net sale and income).

    Columns: part, name, account, sale, amount, contributors, paid, outside,
    income contributors. Parts: "money" (key, account, sale: amount), "product"
    (product id: revenue in amount, the households' part in contributors),
    "paid_key", "paid_product" and "total" (households counted: net sale income
    not zero, above zero, not zero and outside the viewer's areas; any income
    from these groups not zero). Households are summed by key first; the total
    adds those sums up by household (a household paid under two keys counts once).
    """
    nothing = literal(None, String)
    m = money_rows.c
    is_sale = summaries.is_sale(money_rows)
    money = (
        select(
            literal("money"),
            cast(key, String),
            m.account,
            is_sale,
            func.sum(m.amount),
            literal(0),
            literal(0),
            literal(0),
            literal(0),
        )
        .select_from(money_rows)
        .join(ProducerGroup, ProducerGroup.id == m.group_id)
        .where(where)
        .group_by(key, m.account, is_sale)
    )
    products = (
        select(
            literal("product"),
            cast(m.product_id, String),
            nothing,
            literal(1),
            func.sum(m.amount),
            func.sum(case((m.account == LedgerAccount.HOUSEHOLD, m.amount), else_=0)),
            literal(0),
            literal(0),
            literal(0),
        )
        .select_from(money_rows)
        .join(ProducerGroup, ProducerGroup.id == m.group_id)
        .where(where, m.flow == LedgerFlow.SALE, m.product_id != 0)
        .group_by(m.product_id)
    )

    def counts(h):
        """The four counts over (net sale, income, outside) per household."""

        def count_if(condition):
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        return (
            count_if(h.net_sale != 0),
            count_if(h.net_sale > 0),
            count_if(and_(h.net_sale != 0, h.outside == 1)),
            count_if(h.income != 0),
        )

    by_key = (
        select(
            sums.c.key,
            sums.c.household_id,
            _total(sums.c.net_sale).label("net_sale"),
            _total(sums.c.income).label("income"),
            func.max(sums.c.outside).label("outside"),
        )
        .group_by(sums.c.key, sums.c.household_id)
        .cte("key_households")
    )
    # A product is sold under one key: no income is counted by product.
    by_product = (
        select(
            sums.c.product_id,
            _total(sums.c.net_sale).label("net_sale"),
            literal(0).label("income"),
            func.max(sums.c.outside).label("outside"),
        )
        .where(sums.c.product_id != 0)
        .group_by(sums.c.product_id, sums.c.household_id)
        .subquery()
    )
    by_household = (
        select(
            _total(by_key.c.net_sale).label("net_sale"),
            _total(by_key.c.income).label("income"),
            func.max(by_key.c.outside).label("outside"),
        )
        .group_by(by_key.c.household_id)
        .subquery()
    )
    paid_key = select(
        literal("paid_key"), by_key.c.key, nothing, literal(0), literal(0), *counts(by_key.c)
    ).group_by(by_key.c.key)
    paid_product = select(
        literal("paid_product"),
        cast(by_product.c.product_id, String),
        nothing,
        literal(0),
        literal(0),
        *counts(by_product.c),
    ).group_by(by_product.c.product_id)
    total = select(
        literal("total"), literal(""), nothing, literal(0), literal(0), *counts(by_household.c)
    )
    return union_all(money, products, paid_key, paid_product, total)
