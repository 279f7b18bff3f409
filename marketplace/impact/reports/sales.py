"""Sales of the groups located in an area, and the households those sales paid."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

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
    for a partial month), summed per key, product, account and household and, for
    an officer, where the household lives. The counts are added up here, as a
    household counts once however many keys or products paid it. A sale's product
    is its lot's, or its order line's when it took no lot.
    """
    from ...i18n import localized
    from ...models import Product

    income = income_rows(period)
    sale = summaries.is_sale(income).label("sale")
    key = key.label("key")
    officer = not is_admin(viewer)
    places = (Household.province_code, Household.district_code) if officer else ()
    grouping = (
        key,
        income.c.product_id,
        income.c.household_id,
        sale,
        income.c.account,
        *places,
    )
    statement = (
        select(*grouping[:4], func.sum(income.c.amount), *grouping[4:])
        .select_from(income)
        .join(ProducerGroup, ProducerGroup.id == income.c.group_id)
        .where(where)
        .group_by(*grouping)
    )
    if officer:
        statement = statement.outerjoin(Household, Household.id == income.c.household_id)
    # On the connection: plain rows, without the ORM's per-row work (there are many).
    rows = db.session.connection().execute(statement).all()

    revenue, to_households = {}, {}
    # household id → {key: net sale income}, {product: net sale income}, {key: all income}.
    sale_by_key, sale_by_product, income_by_key = {}, {}, {}
    outside = set()
    money = {}  # (key, account, is sale) → amount, for `money_sums`
    for row in rows:
        name, product_id, household, sale, amount, account = row[:6]
        amount = int(amount or 0)
        money_key = (name, account, sale)
        money[money_key] = money.get(money_key, 0) + amount
        name = str(name)
        product_id = product_id or None  # 0: a sale without a product
        household = household or None  # 0: the group fund's and the platform's rows
        if sale and product_id is not None:
            revenue[product_id] = revenue.get(product_id, 0) + amount
        if household is None:
            continue
        if officer and not access.officer_covers(viewer, row[6], row[7]):
            outside.add(household)
        income = income_by_key.setdefault(household, {})
        income[name] = income.get(name, 0) + amount
        if not sale:
            continue
        by_key = sale_by_key.setdefault(household, {})
        by_key[name] = by_key.get(name, 0) + amount
        if product_id is not None:
            to_households[product_id] = to_households.get(product_id, 0) + amount
            by_product = sale_by_product.setdefault(household, {})
            product_key = str(product_id)
            by_product[product_key] = by_product.get(product_key, 0) + amount

    def counted(amounts_by_household, incomes=None):
        result = {}
        for household, amounts in amounts_by_household.items():
            is_outside = household in outside
            for name, sale in amounts.items():
                counts = result.get(name)
                if counts is None:
                    counts = result[name] = PaidCounts()
                if sale:
                    counts.contributors += 1
                    counts.paid += sale > 0
                    counts.outside += is_outside
        for amounts in (incomes or {}).values():
            for name, income in amounts.items():
                result.setdefault(name, PaidCounts()).income_contributors += income != 0
        return result

    paid_by_key = counted(sale_by_key, income_by_key)
    paid_by_product = counted(sale_by_product)
    paid_total = counted(
        {h: {"": sum(a.values())} for h, a in sale_by_key.items()},
        {h: {"": sum(a.values())} for h, a in income_by_key.items()},
    ).get("", PaidCounts())

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
