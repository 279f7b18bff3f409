"""Hand-computed fixtures for the income-uplift reports (ledger rows written directly).

Period: 1 Dec 2025 – 30 Nov 2026, N = 12 months. Poverty line L = 3,078 baht per
person per month (36,936 a year); basic needs B = 38,000 baht per person per year.

Group G (Doi Ngam 570505, Phan 5705, Chiang Rai 57) and its households:

- H1 (570505) baseline 1 Nov 2025: 4 people, 120,000 baht a year, struggling
  (2,500 per person per month: below); latest 15 Nov 2026: 4 people, 160,000,
  getting by (3,333: above) → crossed the line (assessed). Sales: Dec 10,000,
  Jan 20,000 → income 30,000; estimated (120,000 + 30,000) / 4 = 37,500 ≥ 36,936
  → lifted; < 38,000 → not above basic needs. Months above: Dec
  (10,000 + 10,000) / 4 = 5,000, Jan 7,500; the other ten 2,500 → 2.
- H2 (570505) assessed 1 Jun 2025 (struggling, 50,000) and 1 Oct 2025
  (2 people, 60,000, difficult) → baseline 1 Oct 2025 (2,500: below); latest
  1 Oct 2026: 2 people, 100,000, difficult (4,166: above) → crossed. Raw material
  Mar 4,000; sale Apr 2,000 and reversal Apr −1,000 → income 5,000; a payout of
  3,000 in May is not income. Estimated (60,000 + 5,000) / 2 = 32,500 → not lifted.
  Months above: Mar (5,000 + 4,000) / 2 = 4,500 yes; Apr (5,000 + 1,000) / 2 = 3,000
  no → 1.
- H3 (570505) never assessed; sale Feb 1,500 → reached, no baseline.
- H4 (570501) one assessment on 1 Dec 2025 (the first day: it is the baseline and
  the latest): 3 people, 150,000, well off (4,166: above). Entries on 30 Nov 2025
  and 1 Dec 2026 lie outside the period → not reached, 12 months above.
- H5 (Wiang 570101, Mueang 5701) first assessed 10 Jan 2026 (5 people, 100,000,
  difficult; baseline = earliest in the period), latest 1 Jun 2026 (5 people,
  90,000, struggling). Sale Jun 6,000 from G.
- H6 (Mae Hong Son 58) supplies G too; sale Dec 50,000: outside province 57.

Sales of G in the period: H1 30,000 + H2 2,000 − 1,000 + H3 1,500 + H5 6,000 +
H6 50,000 = 88,500 to households; group fund 10,000; platform 1,500 → revenue
100,000; 88.5 % reached households. Product P1 carries H1's and H6's sales
(80,000 to 2 households; fund 8,000; platform 1,200); P2 the rest (8,500 to 3
households; fund 2,000; platform 300).
"""

from dataclasses import dataclass
from datetime import date

from marketplace.extensions import db
from marketplace.models import (
    Fulfilment,
    HouseholdAssessment,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
    Order,
    OrderLine,
)
from tests import factories

PERIOD = dict(date_from=date(2025, 12, 1), date_to=date(2026, 11, 30))
PHAN = dict(province_code="57", district_code="5705", subdistrict_code="570505")
SAN_MAKHET = dict(province_code="57", district_code="5705", subdistrict_code="570501")
WIANG = dict(province_code="57", district_code="5701", subdistrict_code="570101")
MAE_HONG_SON = dict(province_code="58", district_code="5801", subdistrict_code="580101")


def baht(value):
    """Satang from baht."""
    return int(value * 100)


def assess(household, on, members, income_baht, poverty_class):
    """One assessment of a household."""
    row = HouseholdAssessment(
        household=household,
        assessed_on=on,
        members=members,
        annual_income_satang=baht(income_baht),
        poverty_class=poverty_class,
    )
    db.session.add(row)
    db.session.flush()
    return row


def entry(
    group,
    on,
    amount_baht,
    household=None,
    kind=LedgerKind.SALE_SHARE,
    line=None,
    account=None,
    lot=None,
):
    """One ledger entry, written directly (posting is tested on its own in test_ledger)."""
    if account is None:
        account = LedgerAccount.HOUSEHOLD if household is not None else LedgerAccount.GROUP_FUND
    row = LedgerEntry(
        account=account,
        kind=kind,
        group_id=group.id,
        household_id=household.id if household is not None else None,
        amount_satang=baht(amount_baht),
        occurred_on=on,
        order_line_id=line.id if line is not None else None,
        lot_id=lot.id if lot is not None else None,
    )
    db.session.add(row)
    db.session.flush()
    return row


def order_line(group, variant, quantity=1):
    """A paid order line of `variant`, made directly (no stock is moved)."""
    n = factories._n()
    price = variant.price_satang
    order = Order(
        reference=f"R-{n:06d}",
        status="paid",
        payment_method="transfer",
        email="buyer@example.com",
        name="Buyer",
        phone="0812345678",
        subtotal_satang=price * quantity,
        total_satang=price * quantity,
        expires_at=_far(),
    )
    fulfilment = Fulfilment(order=order, group=group, subtotal_satang=price * quantity)
    line = OrderLine(
        fulfilment=fulfilment,
        variant=variant,
        product_name_th=variant.product.name_th,
        variant_label_th=variant.label_th,
        sku=variant.sku,
        unit_price_satang=price,
        quantity=quantity,
    )
    db.session.add_all([order, fulfilment, line])
    db.session.flush()
    return line


def _far():
    from datetime import UTC, datetime

    return datetime(2030, 1, 1, tzinfo=UTC)


@dataclass
class Scenario:
    """The objects of `scenario()`."""

    group: object
    p1: object
    p2: object
    h1: object
    h2: object
    h3: object
    h4: object
    h5: object
    h6: object


def scenario():
    """Group G, households H1–H6 and their entries, as the module docstring computes them."""
    g = factories.make_group(name_en="Hom Phaendin", **PHAN)
    p1 = factories.make_product(group=g, stock=None, name_en="Black sticky rice")
    p2 = factories.make_product(group=g, stock=None, name_en="Doormat")
    line1 = order_line(g, p1.variants[0])
    line2 = order_line(g, p2.variants[0])
    h1 = factories.make_household(g, code="57-00001", **PHAN)
    h2 = factories.make_household(g, code="57-00002", **PHAN)
    h3 = factories.make_household(g, code="57-00003", **PHAN)
    h4 = factories.make_household(g, code="57-00004", **SAN_MAKHET)
    h5 = factories.make_household(g, code="57-00005", **WIANG)
    h6 = factories.make_household(g, code="58-00001", **MAE_HONG_SON)

    assess(h1, date(2025, 11, 1), 4, 120_000, "struggling")
    assess(h1, date(2026, 11, 15), 4, 160_000, "getting_by")
    assess(h2, date(2025, 6, 1), 2, 50_000, "struggling")
    assess(h2, date(2025, 10, 1), 2, 60_000, "difficult")
    assess(h2, date(2026, 10, 1), 2, 100_000, "difficult")
    assess(h4, date(2025, 12, 1), 3, 150_000, "well_off")
    assess(h5, date(2026, 1, 10), 5, 100_000, "difficult")
    assess(h5, date(2026, 6, 1), 5, 90_000, "struggling")
    # An assessment after the period changes nothing.
    assess(h5, date(2026, 12, 5), 5, 200_000, "well_off")

    entry(g, date(2025, 12, 5), 10_000, h1, line=line1)
    entry(g, date(2026, 1, 20), 20_000, h1, line=line1)
    entry(g, date(2025, 12, 9), 50_000, h6, line=line1)
    entry(g, date(2025, 12, 9), 8_000, line=line1)
    entry(g, date(2025, 12, 9), 1_200, line=line1, account=LedgerAccount.PLATFORM)
    entry(g, date(2026, 3, 3), 4_000, h2, kind=LedgerKind.RAW_MATERIAL)
    entry(g, date(2026, 4, 2), 2_000, h2, line=line2)
    entry(g, date(2026, 4, 28), -1_000, h2, kind=LedgerKind.REVERSAL, line=line2)
    entry(g, date(2026, 5, 2), -3_000, h2, kind=LedgerKind.PAYOUT)
    entry(g, date(2026, 2, 14), 1_500, h3, line=line2)
    entry(g, date(2026, 6, 30), 6_000, h5, line=line2)
    entry(g, date(2026, 6, 30), 2_000, line=line2)
    entry(g, date(2026, 6, 30), 300, line=line2, account=LedgerAccount.PLATFORM)
    entry(g, date(2025, 11, 30), 9_000, h4, line=line2)
    entry(g, date(2026, 12, 1), 9_000, h4, line=line2)
    db.session.commit()
    return Scenario(g, p1, p2, h1, h2, h3, h4, h5, h6)


def by_product_world(with_lots=False):
    """Products A (6 households paid 1,000 each, fund 600), B (7 × 500, fund 350), C (2 × 2,000).

    Revenue: A 6,600, C 4,000, B 3,850; to households 6,000, 4,000, 3,500.
    `with_lots`: every other entry names the lot its unit came from, as posting does.
    """
    group = factories.make_group(name_en="Hom Phaendin", **PHAN)
    made = {}
    for name, n, share, fund in (("A", 6, 1_000, 600), ("B", 7, 500, 350), ("C", 2, 2_000, 0)):
        product = factories.make_product(group=group, stock=None, name_en=name)
        line = order_line(group, product.variants[0])
        lot = factories.make_lot(product.variants[0]) if with_lots else None
        for index in range(n):
            household = factories.make_household(group, **PHAN)
            entry(
                group, date(2026, 3, 5), share, household, line=line, lot=lot if index % 2 else None
            )
        if fund:
            entry(group, date(2026, 3, 5), fund, line=line, lot=lot)
        made[name] = product
    db.session.commit()
    return group, made
