"""The impact receipt: what an order's paid parts paid to how many households, and where.

Built only from the ledger entries actually posted for the order's lines
(`ledger.post_order_shares` / `post_fulfilment_shares` at payment, and
`post_refund_reversals` when a part is refunded), so the receipt says what the
books say: a part that was never paid posted nothing and is not on it, and a
refund lowers it as soon as its reversals are posted.

Per group: the households' part (sale shares less reversals) rounded to the
whole baht, how many households it paid (net above zero), the group's place
(subdistrict, district, province: the group's public address, never where a
household lives), and the lots it came from with their verified, unexpired
claims. A group that paid fewer households than the reports' small-cell
threshold (`reports.suppression.SUPPRESS_BELOW`) shows no count; the order's
total count is then hidden too, as it would give the small group's count away
by subtraction. No household code, name or single household's amount is ever
part of a receipt.

Who sees it: the order page and the paid-order and refund mails (private to
the buyer), and a share card drawn from `cards.receipt_content`, served only
through the order's own signed link or to its signed-in owner (see
`shop.order_views.order_receipt_card`). The card itself shows aggregate
figures only, so a buyer who posts the picture shares nothing about any
household; its address is kept private because the order's amounts and
groups are the buyer's own business.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from .. import areas
from ..catalog.claims import present_claims
from ..extensions import db
from ..i18n import bangkok_today
from ..models import Claim, LedgerAccount, LedgerEntry, LedgerKind, Lot, ProducerGroup
from .reports.suppression import SUPPRESS_BELOW

SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)


def rounded_baht(satang):
    """Satang to whole baht, half up (receipts show households' amounts rounded)."""
    return (satang + 50) // 100 if satang >= 0 else -((-satang + 50) // 100)


def shown_count(count):
    """A count of households to show, or None from 1 to SUPPRESS_BELOW - 1 (0 stays 0)."""
    return None if 0 < count < SUPPRESS_BELOW else count


@dataclass
class ReceiptLot:
    """A lot the order's units came from, with the claims a buyer can trust today."""

    lot: Lot
    product: object
    variant: object
    claims: list = field(default_factory=list)  # [ClaimView], verified and unexpired only


@dataclass
class GroupReceipt:
    """One group's part of the receipt."""

    group: ProducerGroup
    place: str  # "Doi Ngam, Phan, Chiang Rai" in the receipt's language
    to_households_satang: int  # exact, net of refunds (for tests and sums; never shown)
    households: int | None  # households paid (net above zero); None below the threshold
    lots: list  # [ReceiptLot]
    refunded_satang: int  # what refunds took back from the households' part (≥ 0)

    @property
    def to_households_baht(self):
        """The households' part, rounded to the whole baht: what the receipt shows."""
        return rounded_baht(self.to_households_satang)


@dataclass
class ImpactReceipt:
    """What an order's paid parts paid to households, by group."""

    order: object
    groups: list  # [GroupReceipt], in the order's group order
    households: int | None  # distinct households paid; None when any count is hidden

    @property
    def to_households_satang(self):
        return sum(g.to_households_satang for g in self.groups)

    @property
    def to_households_baht(self):
        """The total shown: the sum of the groups' rounded amounts, so the lines add up."""
        return sum(g.to_households_baht for g in self.groups)

    @property
    def refunded(self):
        """True when a refund changed the receipt."""
        return any(g.refunded_satang for g in self.groups)

    @property
    def places(self):
        """The groups' places, each once, in order."""
        return list(dict.fromkeys(g.place for g in self.groups))


def place_text(place, language):
    """'Doi Ngam, Phan, Chiang Rai': subdistrict, district and province of a group."""
    parts = areas.place_parts(place, language)
    return ", ".join(p for p in (parts["subdistrict"], parts["district"], parts["province"]) if p)


def order_receipt(order, language, on=None):
    """The ImpactReceipt of `order` in `language`, or None when nothing was posted for it."""
    line_ids = [line.id for line in order.lines]
    if not line_ids:
        return None
    rows = db.session.execute(
        select(
            LedgerEntry.group_id,
            LedgerEntry.account,
            LedgerEntry.kind,
            LedgerEntry.household_id,
            LedgerEntry.lot_id,
            LedgerEntry.amount_satang,
        )
        .where(LedgerEntry.order_line_id.in_(line_ids), LedgerEntry.kind.in_(SALE_KINDS))
        .order_by(LedgerEntry.id)
    ).all()
    if not rows:
        return None
    per_group = {}
    for group_id, account, kind, household_id, lot_id, amount in rows:
        sums = per_group.setdefault(group_id, {"households": {}, "refunded": 0, "lots": []})
        if lot_id is not None and lot_id not in sums["lots"]:
            sums["lots"].append(lot_id)
        if account != LedgerAccount.HOUSEHOLD:
            continue
        sums["households"][household_id] = sums["households"].get(household_id, 0) + amount
        if kind == LedgerKind.REVERSAL:
            sums["refunded"] -= amount

    groups = {
        g.id: g
        for g in db.session.scalars(
            select(ProducerGroup).where(ProducerGroup.id.in_(list(per_group)))
        )
    }
    lot_ids = [lot_id for sums in per_group.values() for lot_id in sums["lots"]]
    lots = {lot.id: lot for lot in db.session.scalars(select(Lot).where(Lot.id.in_(lot_ids)))}
    claims = _verified_claims(lots.values(), groups.values(), on)

    order_groups = [f.group_id for f in order.fulfilments if f.group_id in per_group]
    result, paid_anywhere, hidden = [], {}, False
    for group_id in order_groups:
        sums = per_group[group_id]
        paid = {h: a for h, a in sums["households"].items() if a > 0}
        for household_id, amount in paid.items():
            paid_anywhere[household_id] = paid_anywhere.get(household_id, 0) + amount
        count = shown_count(len(paid))
        hidden = hidden or count is None
        group = groups[group_id]
        result.append(
            GroupReceipt(
                group=group,
                place=place_text(group, language),
                to_households_satang=sum(sums["households"].values()),
                households=count,
                lots=[
                    ReceiptLot(
                        lot=lots[lot_id],
                        product=lots[lot_id].variant.product,
                        variant=lots[lot_id].variant,
                        claims=claims.get(lot_id, []),
                    )
                    for lot_id in sums["lots"]
                ],
                refunded_satang=sums["refunded"],
            )
        )
    total = None if hidden else shown_count(len(paid_anywhere))
    return ImpactReceipt(order=order, groups=result, households=total)


def _verified_claims(lots, groups, on):
    """{lot id: [ClaimView]} verified today, about the lot, its product or its group."""
    lots = list(lots)
    if not lots:
        return {}
    product_ids = {lot.variant.product_id for lot in lots}
    group_ids = {g.id for g in groups}
    found = db.session.scalars(
        select(Claim)
        .where(
            Claim.lot_id.in_([lot.id for lot in lots])
            | Claim.product_id.in_(product_ids)
            | Claim.group_id.in_(group_ids)
        )
        .order_by(Claim.id)
    ).all()
    today = on or bangkok_today()
    result = {}
    for lot in lots:
        covering = [
            c
            for c in found
            if c.lot_id == lot.id
            or c.product_id == lot.variant.product_id
            or c.group_id == lot.variant.product.group_id
        ]
        result[lot.id] = [view for view in present_claims(covering, today) if view.verified]
    return result
