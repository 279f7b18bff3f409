"""Where a buyer's money goes: a price split into households, group fund and platform.

The product page shows, for each size on sale, what one unit's price pays to
the households that made the current lot, to the group fund and to the
platform, exactly as `ledger.split_portion` would post it if the unit were
paid now: the share rule in force (`share_rules.rules_in_force`: a variant's
own rule beats its product's), the roles the current lot has contributors
for (a role without one goes to the group fund), and one largest-remainder
rounding. A product without a rule posts everything to the group fund, and
the page says so. Shipping is not part of a line's split: it is added at
checkout and shown there beside the split of the cart (`cart_split`).

Percentages are worked out from the satang, in tenths of a percent, by
largest remainder, so the rows always add up to 100 %.

How many households are behind the current lot is shown only from the
reports' small-cell threshold up (`reports.suppression.SUPPRESS_BELOW`):
below it the page says "households" without a number. Nothing about any
household but that count is read.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import distinct, func, select

from ..extensions import db
from ..models import LotContribution
from .ledger import GROUP_FUND, PLATFORM, largest_remainder, split_portion
from .reports.suppression import SUPPRESS_BELOW

HOUSEHOLDS = "households"
FUND = "group_fund"
FEE = "platform"
SHIPPING = "shipping"
ACCOUNTS = (HOUSEHOLDS, FUND, FEE)


@dataclass(frozen=True)
class SplitRow:
    """One receiver of a price: households, the group fund, the platform or shipping."""

    key: str  # HOUSEHOLDS | FUND | FEE | SHIPPING
    satang: int
    permille: int  # tenths of a percent of the whole; the rows add up to 1000

    @property
    def percent_text(self):
        """'60', '7.5': the percentage without trailing zeros."""
        whole, tenth = divmod(self.permille, 10)
        return f"{whole}.{tenth}" if tenth else f"{whole}"


@dataclass(frozen=True)
class PriceSplit:
    """Where one unit of a variant's price goes, from the lot being sold now."""

    variant: object
    price_satang: int
    rows: tuple  # (SplitRow, …) in ACCOUNTS order, zero rows kept so the table is stable
    has_rule: bool
    lot: object  # the current lot, or None
    households: (
        int | None
    )  # households behind the current lot; None when hidden (below the threshold)

    @property
    def to_households(self):
        """Satang of the price that go to households."""
        return next(row.satang for row in self.rows if row.key == HOUSEHOLDS)


def _rows(amounts):
    """SplitRows for {key: satang} (keys in the order given), percentages by largest remainder."""
    keys = list(amounts)
    values = [amounts[key] for key in keys]
    total = sum(values)
    permille = largest_remainder(1000, values) if total > 0 else [0] * len(values)
    return tuple(
        SplitRow(key, value, p) for key, value, p in zip(keys, values, permille, strict=True)
    )


def lot_makers(lot_ids):
    """{lot id: (roles with a contributor, distinct households)} for these lots, in one query."""
    result = {}
    if not lot_ids:
        return result
    rows = db.session.execute(
        select(
            LotContribution.lot_id,
            LotContribution.role,
            func.count(distinct(LotContribution.household_id)),
        )
        .where(LotContribution.lot_id.in_(set(lot_ids)))
        .group_by(LotContribution.lot_id, LotContribution.role)
    ).all()
    roles = {}
    for lot_id, role, _count in rows:
        roles.setdefault(lot_id, set()).add(role)
    households = dict(
        db.session.execute(
            select(LotContribution.lot_id, func.count(distinct(LotContribution.household_id)))
            .where(LotContribution.lot_id.in_(set(lot_ids)))
            .group_by(LotContribution.lot_id)
        ).all()
    )
    for lot_id in roles:
        result[lot_id] = (frozenset(roles[lot_id]), int(households.get(lot_id, 0)))
    return result


def shown_count(count):
    """The number of households to show, or None below the reports' threshold."""
    return count if count >= SUPPRESS_BELOW else None


def unit_amounts(price_satang, units, rule, roles_present):
    """{HOUSEHOLDS, FUND, FEE: satang} for `units` sold for `price_satang` under `rule`."""
    parts = list(rule.parts) if rule is not None else []
    fee = rule.platform_fee_bp if rule is not None else 0
    amounts = split_portion(price_satang, units, parts, fee, roles_present=roles_present)
    return {
        HOUSEHOLDS: sum(v for k, v in amounts.items() if k not in (GROUP_FUND, PLATFORM)),
        FUND: amounts[GROUP_FUND],
        FEE: amounts[PLATFORM],
    }


def offer_splits(offers, at=None):
    """[PriceSplit] for the product page's offers (queries.VariantOffer), one per size."""
    from .share_rules import rules_in_force

    offers = list(offers)
    if not offers:
        return []
    at = at or datetime.now(UTC)
    rules = rules_in_force([offer.variant.id for offer in offers], at)
    makers = lot_makers([o.current_lot.id for o in offers if o.current_lot is not None])
    result = []
    for offer in offers:
        lot = offer.current_lot
        roles, count = makers.get(lot.id, (frozenset(), 0)) if lot is not None else (frozenset(), 0)
        rule = rules.get(offer.variant.id)
        price = offer.variant.price_satang
        result.append(
            PriceSplit(
                variant=offer.variant,
                price_satang=price,
                rows=_rows(unit_amounts(price, 1, rule, roles)),
                has_rule=rule is not None,
                lot=lot,
                households=shown_count(count),
            )
        )
    return result


def cart_split(items, shipping_satang, at=None, fund_discount=0):
    """[SplitRow] of a whole cart: households, group fund, platform, then shipping.

    `items`: (variant, lot or None, units, net satang) for each line as it would
    be allocated now; `shipping_satang`: the cart's shipping. `fund_discount`: a
    discount code's satang that the households do not share: taken from the
    group fund and the platform in proportion, as the ledger does
    (`ledger._take_discount`). The three product
    rows' percentages are of the products (they add up to 100 %); shipping, which
    the buyer's delivery choice changes on the page, is given in baht only
    (permille 0). An estimate: the lots are taken when the order is placed and
    the rule in force is the one when it is paid.
    """
    from .share_rules import rules_in_force

    items = list(items)
    at = at or datetime.now(UTC)
    rules = rules_in_force({variant.id for variant, _lot, _units, _net in items}, at)
    makers = lot_makers({lot.id for _v, lot, _u, _n in items if lot is not None})
    totals = dict.fromkeys(ACCOUNTS, 0)
    for variant, lot, units, net in items:
        roles = makers.get(lot.id, (frozenset(), 0))[0] if lot is not None else frozenset()
        for key, value in unit_amounts(net, units, rules.get(variant.id), roles).items():
            totals[key] += value
    take = min(fund_discount, totals[FUND] + totals[FEE])
    if take > 0:
        cuts = largest_remainder(take, [totals[FUND], totals[FEE]])
        totals[FUND] -= cuts[0]
        totals[FEE] -= cuts[1]
    return [*_rows(totals), SplitRow(SHIPPING, shipping_satang, 0)]
