"""Demo ledger: share rules, a year of paid orders through the real checkout, other income.

Every lot in `data.py` says how many of its units are sold (quantity −
available). Those units are sold here as orders placed with
`orders.checkout.place_order` at a backdated `now` and paid with
`orders.service.mark_paid(at=…)`, so the ledger is posted by the real code.
Each paid order is then moved on as its group would have (`hand_over`): the
older ones delivered, the last few days' packed or still to pack.

To make checkout take each sale's units from the lot meant (checkout takes
the oldest lot with stock first), every demo lot starts with nothing
available; just before an order is placed its units are put back on its own
lots, and after the last order each lot gets the available count `data.py`
gives it. Buyers' mails are dropped: nobody is to be told about demo orders.
Seeded with its own random generator, so the catalog's rows stay as before.
"""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select, update

from ..extensions import db
from ..i18n import BANGKOK
from ..impact import ledger, share_rules
from ..mail.outbox import discard_queued
from ..models import FulfilmentStatus, LedgerAccount, LedgerEntry, LedgerKind, Lot
from ..orders import checkout, service, states
from . import data

SEED = 25695
# Orders paid within this many days of loading still wait in the office: the last
# day's to pack, the two before packed; older ones were sent and delivered.
OPEN_DAYS = 3
CARRIERS = (
    ("ไปรษณีย์ไทย", "EF{:09d}TH"),
    ("Kerry Express", "KEX{:010d}"),
    ("Flash Express", "TH{:011d}"),
)
# Units taken from one lot in one order, and their odds.
CHUNK_SIZES = ((2, 3, 4, 6, 8, 12), (3, 4, 3, 2, 1, 1))


def add_ledger(loader):
    """Fill the ledger of the demo groups: rules, sales, raw material, wages and payouts."""
    rng = random.Random(SEED)
    add_share_rules(loader)
    add_sales(loader, rng)
    add_other_income(loader, rng)
    add_payouts(loader)


def _moment(day, hour=10, minute=0):
    """A time in Bangkok on `day`, in UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=BANGKOK).astimezone(UTC)


def add_share_rules(loader):
    """The versions of each product's share rule, saved through the service."""
    for slug, versions in data.SHARE_RULES.items():
        group, product = loader.products[slug]
        for effective, parts, fee, note in versions:
            effective = loader.calendar.date(effective)
            rows = [
                {
                    "role": role,
                    "basis": "percent" if text.endswith("%") else "per_unit",
                    "value": text.rstrip("%"),
                }
                for role, text in parts.items()
            ]
            share_rules.save_rule(
                group,
                product.id,
                {"parts": rows, "platform_fee": fee, "note": note},
                now=_moment(effective, 0, 0),
            )


def _sale_chunks(loader, rng):
    """[(day, group id, lot, units)]: each lot's sold units spread over its days on sale."""
    end = loader.today - timedelta(days=1)
    year_ago = loader.today - timedelta(days=365)
    chunks = []
    for lot in loader.lots:
        sold = lot.quantity - lot.available
        first = min(max(lot.produced_on + timedelta(days=1), year_ago), end)
        span = (end - first).days
        group_id = lot.variant.product.group.id
        while sold > 0:
            units = min(sold, rng.choices(*CHUNK_SIZES)[0])
            chunks.append((first + timedelta(days=rng.randint(0, span)), group_id, lot, units))
            sold -= units
    chunks.sort(key=lambda chunk: (chunk[0], chunk[2].code))
    return chunks


def _orders(chunks, rng):
    """Chunks bundled into one group's orders of one to three lots, oldest first."""
    by_group = {}
    for chunk in chunks:
        by_group.setdefault(chunk[1], []).append(chunk)
    orders = []
    for group_chunks in by_group.values():
        i = 0
        while i < len(group_chunks):
            size = rng.choice((1, 2, 2, 3, 3, 4))
            orders.append(group_chunks[i : i + size])
            i += size
    orders.sort(key=lambda bundle: (bundle[-1][0], bundle[0][2].code))
    return orders


def add_sales(loader, rng):
    """Place and pay the demo orders; every lot ends with the stock data.py gives it."""
    targets = {lot.id: lot.available for lot in loader.lots}
    # Its own generator: handing orders over draws no numbers from the sales' one.
    handover = random.Random(SEED + 1)
    chunks = _sale_chunks(loader, rng)
    db.session.execute(
        update(Lot)
        .where(Lot.id.in_(list(targets)))
        .values(available=0)
        .execution_options(synchronize_session=False)
    )
    for bundle in _orders(chunks, rng):
        day = bundle[-1][0]
        cart = {}
        for _, _, lot, units in bundle:
            db.session.execute(
                update(Lot)
                .where(Lot.id == lot.id)
                .values(available=Lot.available + units)
                .execution_options(synchronize_session=False)
            )
            cart[lot.variant_id] = cart.get(lot.variant_id, 0) + units
        name, email, phone, line, province, district, subdistrict, postal = rng.choice(data.BUYERS)
        placed_at = _moment(day, rng.randint(7, 20), rng.randint(0, 59))
        order = checkout.place_order(
            cart,
            email=email,
            name=name,
            phone=phone,
            address=dict(
                address_line=line,
                province_code=province,
                district_code=district,
                subdistrict_code=subdistrict,
                postal_code=postal,
            ),
            delivery={},
            payment_method="transfer",
            stripe_configured=False,
            now=placed_at,
        )
        paid_at = placed_at + timedelta(minutes=rng.randint(5, 180))
        # An order of several groups is paid part by part, each to its own group.
        for part in order.fulfilments if order.paid_per_part else [None]:
            payment = service.new_payment(order, "transfer", part)
            service.mark_paid(order, payment, at=paid_at)
        hand_over(loader, order, paid_at, handover)
    for lot_id, available in targets.items():
        db.session.execute(
            update(Lot)
            .where(Lot.id == lot_id)
            .values(available=available)
            .execution_options(synchronize_session=False)
        )
    for lot in loader.lots:
        db.session.expire(lot, ["available"])
    # Mail about demo orders is never sent: the outbox rows they wrote go again.
    discard_queued()


def hand_over(loader, order, paid_at, rng):
    """Move a paid demo order on as its group would have: delivered, packed or still to pack.

    Timestamps are backdated from the payment and stay before the day of loading;
    the changes go through the table of allowed status changes, without audit rows
    or mail (nobody did them).
    """
    age = (loader.today - paid_at.astimezone(BANGKOK).date()).days
    if age <= 1:
        return
    start_of_today = datetime.combine(loader.today, time(0, 0), tzinfo=BANGKOK).astimezone(UTC)
    for fulfilment in order.fulfilments:
        packed_at = min(paid_at + timedelta(hours=rng.randint(4, 30)), start_of_today)
        states.change_fulfilment(fulfilment, FulfilmentStatus.PACKED)
        fulfilment.packed_at = packed_at
        if age <= OPEN_DAYS:
            continue
        carrier, tracking = rng.choice(CARRIERS)
        shipped_at = packed_at + timedelta(hours=rng.randint(2, 30))
        delivered_at = shipped_at + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 8))
        states.change_fulfilment(fulfilment, FulfilmentStatus.SHIPPED)
        states.change_fulfilment(fulfilment, FulfilmentStatus.DELIVERED)
        fulfilment.carrier = carrier
        fulfilment.tracking_no = tracking.format(rng.randrange(10**9))
        fulfilment.shipped_at = shipped_at
        fulfilment.delivered_at = min(delivered_at, start_of_today - timedelta(hours=1))
    db.session.flush()


def _months(loader):
    """The first day of each of the last twelve months, oldest first."""
    first = loader.today.replace(day=1)
    months = []
    for back in range(12, 0, -1):
        year, month = divmod(first.year * 12 + first.month - 1 - back, 12)
        months.append(first.replace(year=year, month=month + 1))
    return months


def add_other_income(loader, rng):
    """Raw material bought from households each month, and packers' day wages at Hom Phaendin."""
    for month in _months(loader):
        for slug, (what, unit, price, (least, most)) in data.RAW_MATERIALS.items():
            group, households = loader.groups[slug]
            for household in rng.sample(households, rng.randint(1, 3)):
                day = month + timedelta(days=rng.randint(0, 27))
                ledger.record_entry(
                    group,
                    {
                        "kind": LedgerKind.RAW_MATERIAL,
                        "household_id": str(household.id),
                        "occurred_on": day.isoformat(),
                        "quantity": str(rng.randint(least, most)),
                        "unit": unit,
                        "unit_price": str(price),
                        "description": what,
                    },
                    today=loader.today,
                )
        group, households = loader.groups["hom-phaendin"]
        for household in rng.sample(households, 2):
            days = rng.randint(2, 6)
            ledger.record_entry(
                group,
                {
                    "kind": LedgerKind.WAGE,
                    "household_id": str(household.id),
                    "occurred_on": (month + timedelta(days=rng.randint(0, 27))).isoformat(),
                    "amount": str(days * data.DAY_WAGE),
                    "quantity": str(days),
                    "unit": "วัน / days",
                    "description": "แพ็กข้าวและสีข้าวที่โรงสีชุมชน / packing and milling",
                },
                today=loader.today,
            )


def add_payouts(loader):
    """At the end of every third month each group pays out 80 % of what households hold."""
    for month in _months(loader)[2::3]:
        day = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        if day >= loader.today:
            continue
        for group, households in loader.groups.values():
            held = dict(
                db.session.execute(
                    select(LedgerEntry.household_id, func.sum(LedgerEntry.amount_satang))
                    .where(
                        LedgerEntry.account == LedgerAccount.HOUSEHOLD,
                        LedgerEntry.group_id == group.id,
                        LedgerEntry.occurred_on <= day,
                    )
                    .group_by(LedgerEntry.household_id)
                ).all()
            )
            for household in households:
                payout = int(held.get(household.id) or 0) * 8 // 10 // 10000 * 100  # whole 100s
                if payout > 0:
                    ledger.record_entry(
                        group,
                        {
                            "kind": LedgerKind.PAYOUT,
                            "household_id": str(household.id),
                            "occurred_on": day.isoformat(),
                            "amount": str(payout),
                            "description": "จ่ายเงินปันผลรายไตรมาส / quarterly payout",
                        },
                        today=loader.today,
                    )
