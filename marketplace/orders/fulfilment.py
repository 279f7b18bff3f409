"""A group's side of its orders: lists by stage, packing, shipping, handing over, payments.

Every function takes the group first and looks the fulfilment up *within* that
group, so an id of another group's order raises `NotFound` (a 404), exactly like
an id that does not exist. Status changes go through `orders.states`; a change
the table or the part's stage does not allow raises `FulfilmentError` with a
message for the person and changes nothing. Functions flush; the view commits.

The stage of a part (to pack, packed, shipped, delivered) is read from its
timestamps as well as its status, because a partly refunded part keeps the
status `partly_refunded` while it goes on being packed and shipped.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from .. import areas
from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..catalog.service import NotFound
from ..extensions import db
from ..models import (
    DeliveryMethod,
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from . import checkout, notify, service, states

__all__ = ["FulfilmentError", "NotFound"]

PAGE_SIZE = 20
MAX_SHIPPING_SATANG = 10_000_00  # ฿10,000: beyond any parcel a group sends

F = FulfilmentStatus


class FulfilmentError(Exception):
    """A request about an order that cannot be carried out; nothing was changed.

    `message` is for the person, `field` the form field it belongs to (None: the form).
    """

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


class Tab:
    """The lists of the orders page, in the order they are shown."""

    TO_PACK = "to_pack"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    AWAITING_PAYMENT = "awaiting_payment"
    SLIPS = "slips"
    CLOSED = "closed"
    ALL = (TO_PACK, PACKED, SHIPPED, DELIVERED, AWAITING_PAYMENT, SLIPS, CLOSED)


TAB_LABELS = {
    Tab.TO_PACK: _l("To pack"),
    Tab.PACKED: _l("Packed"),
    Tab.SHIPPED: _l("Shipped"),
    Tab.DELIVERED: _l("Delivered"),
    Tab.AWAITING_PAYMENT: _l("Awaiting payment"),
    Tab.SLIPS: _l("Slips to confirm"),
    Tab.CLOSED: _l("Closed"),
}

STATUS_LABELS = {
    F.PENDING_PAYMENT: _l("Awaiting payment"),
    F.PAID: _l("Paid, to pack"),
    F.PACKED: _l("Packed"),
    F.SHIPPED: _l("Shipped"),
    F.DELIVERED: _l("Delivered"),
    F.CANCELLED: _l("Cancelled"),
    F.EXPIRED: _l("Expired"),
    F.PARTLY_REFUNDED: _l("Partly refunded"),
    F.REFUNDED: _l("Refunded"),
}

PAYMENT_METHOD_LABELS = {
    PaymentMethod.STRIPE: _l("Card or PromptPay (Stripe)"),
    PaymentMethod.TRANSFER: _l("Bank or PromptPay transfer"),
    PaymentMethod.CASH_ON_PICKUP: _l("Cash on pickup"),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.PENDING: _l("Waiting for the buyer"),
    PaymentStatus.SUBMITTED: _l("Slip waiting for a decision"),
    PaymentStatus.SUCCEEDED: _l("Paid"),
    PaymentStatus.FAILED: _l("Failed"),
    PaymentStatus.REJECTED: _l("Slip rejected"),
    PaymentStatus.CANCELLED: _l("Cancelled"),
}

# Statuses in which a part has been paid and not wholly refunded.
_PAID_STATUSES = (F.PAID, F.PACKED, F.SHIPPED, F.DELIVERED, F.PARTLY_REFUNDED)
_CLOSED_STATUSES = (F.CANCELLED, F.EXPIRED, F.REFUNDED)


def _now():
    return datetime.now(UTC)


def _audit(action, subject, actor, **details):
    """Audit by `actor`, or by the signed-in user when the caller passed none."""
    if actor is None:
        return audit(action, subject, **details)
    return audit(action, subject, actor=actor, **details)


# -- where a part stands -------------------------------------------------------------------


def transfer_goes_to_platform(order):
    """True when the buyer transferred to the platform's account (an order of several groups
    not paid part by part).

    Then an admin confirms the slip; for one group's order, or one part of an order
    paid part by part, the group's leader does.
    """
    return len(order.fulfilments) > 1 and not order.paid_per_part


def stage(fulfilment):
    """The tab a part belongs in, from its status and its timestamps."""
    if fulfilment.status in _CLOSED_STATUSES:
        return Tab.CLOSED
    if fulfilment.status == F.PENDING_PAYMENT:
        order = fulfilment.order
        if (
            order.payment_method == PaymentMethod.TRANSFER
            and not transfer_goes_to_platform(order)
            and service.slip_waiting(order, fulfilment)
        ):
            return Tab.SLIPS
        return Tab.AWAITING_PAYMENT
    if fulfilment.delivered_at is not None:
        return Tab.DELIVERED
    if fulfilment.shipped_at is not None:
        return Tab.SHIPPED
    if fulfilment.packed_at is not None:
        return Tab.PACKED
    return Tab.TO_PACK


def _tab_expression():
    """`stage` as SQL, for filtering and counting the lists."""
    other = aliased(Fulfilment)
    # A slip for the whole order, or (paid part by part) for this part.
    slip_waiting = exists().where(
        Payment.order_id == Fulfilment.order_id,
        Payment.status == PaymentStatus.SUBMITTED,
        or_(Payment.fulfilment_id.is_(None), Payment.fulfilment_id == Fulfilment.id),
    )
    single_group = or_(
        Order.paid_per_part.is_(True),
        ~exists().where(other.order_id == Fulfilment.order_id, other.id != Fulfilment.id),
    )
    return case(
        (Fulfilment.status.in_(_CLOSED_STATUSES), Tab.CLOSED),
        (
            and_(
                Fulfilment.status == F.PENDING_PAYMENT,
                Order.payment_method == PaymentMethod.TRANSFER,
                slip_waiting,
                single_group,
            ),
            Tab.SLIPS,
        ),
        (Fulfilment.status == F.PENDING_PAYMENT, Tab.AWAITING_PAYMENT),
        (Fulfilment.delivered_at.is_not(None), Tab.DELIVERED),
        (Fulfilment.shipped_at.is_not(None), Tab.SHIPPED),
        (Fulfilment.packed_at.is_not(None), Tab.PACKED),
        else_=Tab.TO_PACK,
    )


def late_payment_count(group):
    """How many of the group's parts hold money to give back: a payment that came after the
    order (or, paid part by part, the part) closed, or a second payment of something paid."""
    closed_order = and_(
        Order.paid_per_part.is_(False),
        Order.status.in_((OrderStatus.EXPIRED, OrderStatus.CANCELLED)),
        exists().where(
            Payment.order_id == Order.id,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.surplus.is_(False),
        ),
    )
    closed_part = and_(
        Order.paid_per_part.is_(True),
        Fulfilment.status.in_((F.EXPIRED, F.CANCELLED)),
        exists().where(
            Payment.fulfilment_id == Fulfilment.id,
            Payment.status == PaymentStatus.SUCCEEDED,
            Payment.surplus.is_(False),
        ),
    )
    surplus = exists().where(
        Payment.order_id == Order.id,
        Payment.surplus.is_(True),
        Payment.given_back_at.is_(None),
        or_(Payment.fulfilment_id.is_(None), Payment.fulfilment_id == Fulfilment.id),
    )
    return db.session.scalar(
        select(func.count(Fulfilment.id))
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Fulfilment.group_id == group.id, or_(closed_order, closed_part, surplus))
    )


def tab_counts(group):
    """How many of the group's parts are in each tab: {tab: n}."""
    tab = _tab_expression()
    rows = db.session.execute(
        select(tab, func.count())
        .select_from(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Fulfilment.group_id == group.id)
        .group_by(tab)
    ).all()
    counts = dict.fromkeys(Tab.ALL, 0)
    counts.update({name: n for name, n in rows})
    return counts


def group_orders(group, tab, page=1, per_page=PAGE_SIZE):
    """One page of the group's parts in `tab`: oldest first while work waits, newest when done."""
    if tab not in Tab.ALL:
        tab = Tab.TO_PACK
    newest_first = tab in (Tab.DELIVERED, Tab.CLOSED)
    query = (
        select(Fulfilment)
        .join(Order, Order.id == Fulfilment.order_id)
        .where(Fulfilment.group_id == group.id, _tab_expression() == tab)
        .options(
            selectinload(Fulfilment.order).selectinload(Order.payments),
            selectinload(Fulfilment.order).selectinload(Order.fulfilments),
            selectinload(Fulfilment.lines),
        )
        .order_by(
            Order.created_at.desc() if newest_first else Order.created_at,
            Fulfilment.id.desc() if newest_first else Fulfilment.id,
        )
    )
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)


def expire_overdue(group, now=None):
    """Close the group's unpaid orders whose hold ran out (the check on access); how many."""
    now = now or _now()
    order_ids = db.session.scalars(
        select(Order.id)
        .join(Fulfilment, Fulfilment.order_id == Order.id)
        .where(Fulfilment.group_id == group.id, service.overdue_condition(now))
        .order_by(Order.expires_at)
        .limit(200)
    ).all()
    closed = 0
    for order_id in order_ids:
        if service.expire_if_overdue(db.session.get(Order, order_id)):
            closed += 1
    return closed


def get_fulfilment(group, fulfilment_id):
    """The group's part with this id, or NotFound (also for another group's part)."""
    if not isinstance(fulfilment_id, int) or not 0 < fulfilment_id < 2**31:
        raise NotFound()
    found = db.session.scalar(
        select(Fulfilment).where(Fulfilment.id == fulfilment_id, Fulfilment.group_id == group.id)
    )
    if found is None:
        raise NotFound()
    return found


def get_fulfilment_fresh(group, fulfilment_id):
    """The group's part, with its order expired first if its hold ran out (the page's view)."""
    fulfilment = get_fulfilment(group, fulfilment_id)
    if service.expire_if_overdue(fulfilment.order):
        db.session.refresh(fulfilment)
    return fulfilment


def locked(group, fulfilment_id):
    """The group's part, its order locked for this transaction and every row read afresh.

    On SQLite this takes the write lock; on PostgreSQL the order's row lock, so two
    people acting on one order (or a webhook arriving) wait their turn.
    """
    fulfilment = get_fulfilment(group, fulfilment_id)
    # The order core's lock: the same one mark_paid takes.
    service._lock_order(fulfilment.order)
    # Whatever was read before the lock may be stale: read it again.
    db.session.expire_all()
    return fulfilment


def paid_payment(order, part=None):
    """The payment that paid the order (or, paid part by part, this part): the latest that
    succeeded and is not money to give back; or None."""
    for payment in reversed(service.payments_of(order, part)):
        if payment.status == PaymentStatus.SUCCEEDED and not payment.surplus:
            return payment
    return None


def surplus_payments(order, part=None):
    """Payments of something already paid, not yet given back: money to give back."""
    return [
        p
        for p in service.payments_of(order, part)
        if p.surplus and p.status == PaymentStatus.SUCCEEDED and p.given_back_at is None
    ]


def waiting_slip(order, part=None):
    """The transfer payment whose slip waits for a decision (the part's, when paid part by
    part), or None."""
    for payment in reversed(service.payments_of(order, part)):
        if payment.method == PaymentMethod.TRANSFER and payment.status == PaymentStatus.SUBMITTED:
            return payment
    return None


def latest_slip(order, part=None):
    """The latest transfer payment with a slip uploaded (decided or not), or None."""
    for payment in reversed(service.payments_of(order, part)):
        if payment.method == PaymentMethod.TRANSFER and payment.slip_key:
            return payment
    return None


def amount_due(fulfilment):
    """What the group's leader looks for in the account: the part's total when paid part by
    part, else the order's."""
    order = fulfilment.order
    return fulfilment.total_satang if order.paid_per_part else order.total_satang


def held_until(fulfilment):
    """Until when an unpaid part's stock is held."""
    return service.part_expires_at(fulfilment.order, fulfilment)


def can_confirm_slip(fulfilment):
    """True when this group decides on the waiting slip (the money went to the group)."""
    order = fulfilment.order
    return (
        fulfilment.status == F.PENDING_PAYMENT
        and order.payment_method == PaymentMethod.TRANSFER
        and not transfer_goes_to_platform(order)
        and waiting_slip(order, fulfilment) is not None
    )


def can_confirm_cash(fulfilment):
    """True when the group may record the cash the buyer paid on pickup."""
    order = fulfilment.order
    return (
        order.payment_method == PaymentMethod.CASH_ON_PICKUP
        and order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED)
        # Cash recorded once already (after the order closed, its stock gone): to refund.
        and paid_payment(order) is None
    )


def next_steps(fulfilment):
    """The moves open to this part now: a subset of pack, ship, deliver."""
    if fulfilment.status not in _PAID_STATUSES:
        return set()
    current = stage(fulfilment)
    pickup = fulfilment.delivery_method == DeliveryMethod.PICKUP
    steps = set()
    if current == Tab.TO_PACK:
        steps.add("pack")
    if current in (Tab.TO_PACK, Tab.PACKED):
        steps.add("deliver" if pickup else "ship")
    if current == Tab.SHIPPED:
        steps.add("deliver")
    return steps


# -- packing, shipping, handing over -------------------------------------------------------


_REFUSED = {
    "pack": _l("This part cannot be marked packed now (it is: %(status)s)."),
    "ship": _l("This part cannot be marked shipped now (it is: %(status)s)."),
    "deliver": _l("This part cannot be marked delivered now (it is: %(status)s)."),
}


def _check_step(fulfilment, step):
    """FulfilmentError unless `step` is open to the part now."""
    if step not in next_steps(fulfilment):
        if step == "ship" and fulfilment.delivery_method == DeliveryMethod.PICKUP:
            raise FulfilmentError(
                _l("The buyer picks this part up at the group: mark it handed over instead.")
            )
        raise FulfilmentError(
            _REFUSED[step] % {"status": STATUS_LABELS.get(fulfilment.status, fulfilment.status)}
        )


def _move(fulfilment, step, wanted, actor):
    _check_step(fulfilment, step)
    before = fulfilment.status
    try:
        states.change_fulfilment(fulfilment, wanted)
    except states.TransitionRefused as refused:
        raise FulfilmentError(
            _REFUSED[step] % {"status": STATUS_LABELS.get(before, before)}
        ) from refused
    _audit(
        AuditAction.FULFILMENT_CHANGED,
        fulfilment,
        actor,
        order=fulfilment.order.reference,
        step=step,
        before=before,
        after=wanted,
    )


def mark_packed(group, fulfilment_id, actor=None):
    """The part is packed and ready to go."""
    fulfilment = locked(group, fulfilment_id)
    _move(fulfilment, "pack", F.PACKED, actor)
    fulfilment.packed_at = _now()
    db.session.flush()
    return fulfilment


def mark_shipped(group, fulfilment_id, carrier, tracking_no, actor=None):
    """The part went out with `carrier` under `tracking_no`; the buyer is told.

    Both are needed: the buyer follows the parcel with them. (A part picked up
    at the group is not shipped but handed over, `mark_delivered`, with neither.)
    Whether the part can be shipped at all is said first, then what the form lacks.
    """
    carrier = clean_text(carrier, 60)
    tracking_no = clean_text(tracking_no, 60)
    fulfilment = locked(group, fulfilment_id)
    _check_step(fulfilment, "ship")
    if not carrier:
        raise FulfilmentError(_l("Enter the carrier, e.g. Thailand Post or Kerry."), "carrier")
    if not tracking_no:
        raise FulfilmentError(
            _l("Enter the tracking number from the carrier's receipt."), "tracking_no"
        )
    _move(fulfilment, "ship", F.SHIPPED, actor)
    now = _now()
    fulfilment.carrier = carrier
    fulfilment.tracking_no = tracking_no
    fulfilment.packed_at = fulfilment.packed_at or now
    fulfilment.shipped_at = now
    db.session.flush()
    notify.fulfilment_shipped(fulfilment)
    return fulfilment


def mark_delivered(group, fulfilment_id, actor=None):
    """The buyer has the part (delivered by the carrier, or handed over at the group)."""
    fulfilment = locked(group, fulfilment_id)
    _move(fulfilment, "deliver", F.DELIVERED, actor)
    fulfilment.delivered_at = _now()
    db.session.flush()
    return fulfilment


# -- payments the group confirms -----------------------------------------------------------


def confirm_slip(group, fulfilment_id, actor=None):
    """The leader saw the money of a transfer arrive: the order is paid. (order, paid?)"""
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    if order.payment_method == PaymentMethod.TRANSFER and transfer_goes_to_platform(order):
        raise FulfilmentError(
            _l("This transfer went to the marketplace's account: an admin confirms it.")
        )
    payment = waiting_slip(order, fulfilment)
    if payment is None or fulfilment.status != F.PENDING_PAYMENT:
        raise FulfilmentError(_l("No transfer slip of this order is waiting for a decision."))
    return order, decide_slip(payment, True, actor=actor)


def reject_slip(group, fulfilment_id, reason, actor=None):
    """The leader did not find the money: the buyer is told why and may upload another slip."""
    reason = clean_text(reason, 300)
    if not reason:
        raise FulfilmentError(_l("Say why the slip is rejected, for the buyer."), "reason")
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    if transfer_goes_to_platform(order):
        raise FulfilmentError(
            _l("This transfer went to the marketplace's account: an admin confirms it.")
        )
    payment = waiting_slip(order, fulfilment)
    if payment is None:
        raise FulfilmentError(_l("No transfer slip of this order is waiting for a decision."))
    decide_slip(payment, False, reason=reason, actor=actor)
    return order


def decide_slip(payment, accepted, reason="", actor=None):
    """Confirm or reject a submitted slip (the caller checked who may); True if now paid.

    Rejecting gives the buyer a fresh hold to upload a better slip: the order's
    stock stays reserved for another transfer hold from now.
    """
    order = payment.order
    now = _now()
    if payment.status != PaymentStatus.SUBMITTED:
        raise FulfilmentError(_l("No transfer slip of this order is waiting for a decision."))
    payment.decided_by_id = getattr(actor, "id", None)
    payment.decided_at = now
    if accepted:
        payment.decision_note = ""
        _audit(
            AuditAction.SLIP_CONFIRMED,
            payment,
            actor,
            order=order.reference,
            amount=payment.amount_satang,
        )
        return service.mark_paid(order, payment, at=now, actor=actor)
    states.change_payment(payment, PaymentStatus.REJECTED)
    payment.decision_note = reason
    hold_until = now + checkout.hold_duration(PaymentMethod.TRANSFER)
    part = payment.fulfilment
    if part is not None:  # paid part by part: this part's own hold
        if service.part_expires_at(order, part) < hold_until:
            part.expires_at = hold_until
    elif service._aware(order.expires_at) < hold_until:
        order.expires_at = hold_until
    db.session.flush()
    _audit(AuditAction.SLIP_REJECTED, payment, actor, order=order.reference, reason=reason)
    notify.slip_rejected(payment)
    return False


def confirm_cash(group, fulfilment_id, actor=None):
    """The buyer paid cash when picking the part up: the order is paid. (order, paid?)"""
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    if not can_confirm_cash(fulfilment):
        raise FulfilmentError(_l("This order is not waiting for cash on pickup."))
    payment = service.open_payment(order, PaymentMethod.CASH_ON_PICKUP)
    if payment is None:
        payment = service.new_payment(order, PaymentMethod.CASH_ON_PICKUP)
    payment.decided_by_id = getattr(actor, "id", None)
    payment.decided_at = _now()
    return order, service.mark_paid(order, payment, actor=actor)


# -- the platform's transfers (admins) -----------------------------------------------------


def platform_transfers_waiting(page=1, per_page=PAGE_SIZE):
    """Slips of transfers to the platform's account (orders of several groups), oldest first."""
    other = aliased(Fulfilment)
    several_groups = (
        select(func.count(other.id)).where(other.order_id == Payment.order_id).scalar_subquery()
    )
    query = (
        select(Payment)
        .join(Order, Order.id == Payment.order_id)
        .where(
            Payment.method == PaymentMethod.TRANSFER,
            Payment.status == PaymentStatus.SUBMITTED,
            several_groups > 1,
            Order.paid_per_part.is_(False),  # those go to each group's own account
        )
        .options(
            selectinload(Payment.order)
            .selectinload(Order.fulfilments)
            .selectinload(Fulfilment.group)
        )
        .order_by(Payment.slip_uploaded_at, Payment.id)
    )
    return db.paginate(query, page=page, per_page=per_page, max_per_page=100, error_out=False)


def get_platform_transfer(payment_id):
    """A transfer to the platform's account with a slip, or NotFound."""
    if not isinstance(payment_id, int) or not 0 < payment_id < 2**31:
        raise NotFound()
    payment = db.session.get(Payment, payment_id)
    if (
        payment is None
        or payment.method != PaymentMethod.TRANSFER
        or not payment.slip_key
        or not transfer_goes_to_platform(payment.order)
    ):
        raise NotFound()
    return payment


def decide_platform_transfer(payment_id, accepted, reason="", actor=None):
    """An admin confirms or rejects a slip of a transfer to the platform's account."""
    reason = clean_text(reason, 300)
    if not accepted and not reason:
        raise FulfilmentError(_l("Say why the slip is rejected, for the buyer."), "reason")
    payment = get_platform_transfer(payment_id)
    service._lock_order(payment.order)
    db.session.expire_all()
    return decide_slip(payment, accepted, reason=reason, actor=actor)


# -- the group's shipping settings (leader) ------------------------------------------------

SHIPPING_FIELDS = (
    "ships",
    "shipping_flat_satang",
    "shipping_per_kg_satang",
    "offers_pickup",
    "pickup_note_th",
    "pickup_note_en",
)


_FEE = re.compile(r"[0-9]{1,3}(,?[0-9]{3})*(\.[0-9]{1,2})?|[0-9]+(\.[0-9]{1,2})?")


def _fee(text, field):
    """A fee in baht as typed ("50", "1,200.50", empty for none) → satang, or FulfilmentError."""
    raw = clean_text(text or "", 40).replace(" ", "").replace("฿", "")
    if not raw:
        return 0
    if not _FEE.fullmatch(raw):
        raise FulfilmentError(_l("Enter the fee as a number of baht, e.g. 50 or 45.50."), field)
    satang = int(Decimal(raw.replace(",", "")) * 100)
    if satang > MAX_SHIPPING_SATANG:
        raise FulfilmentError(_l("A shipping fee is at most ฿10,000."), field)
    return satang


def update_shipping(
    group,
    *,
    ships,
    shipping_flat,
    shipping_per_kg,
    offers_pickup,
    pickup_note_th="",
    pickup_note_en="",
    actor=None,
):
    """Set how the group hands over orders: shipping fees in baht as typed, pickup and its note.

    A group ships, offers pickup, or both; a list of the changed fields is audited.
    """
    values = {
        "ships": bool(ships),
        "shipping_flat_satang": _fee(shipping_flat, "shipping_flat"),
        "shipping_per_kg_satang": _fee(shipping_per_kg, "shipping_per_kg"),
        "offers_pickup": bool(offers_pickup),
        "pickup_note_th": clean_text(pickup_note_th, 300),
        "pickup_note_en": clean_text(pickup_note_en, 300),
    }
    if not (values["ships"] or values["offers_pickup"]):
        raise FulfilmentError(
            _l("Offer shipping, pickup at the group, or both, so buyers can get their order."),
            "ships",
        )
    changed = sorted(key for key, value in values.items() if getattr(group, key) != value)
    for key in changed:
        setattr(group, key, values[key])
    db.session.flush()
    if changed:
        _audit(
            AuditAction.SHIPPING_CHANGED,
            group,
            actor,
            **{key: values[key] for key in changed if not key.startswith("pickup_note")},
            fields=changed,
        )
    return changed


# -- small reads for the pages -------------------------------------------------------------


def other_groups(fulfilment):
    """How many other groups have a part in the same order (their contents stay private)."""
    return sum(1 for f in fulfilment.order.fulfilments if f.id != fulfilment.id)


def address_lines(order, language):
    """The buyer's postal address as label lines: house, subdistrict and district, province."""
    if not order.address_line:
        return []
    return [order.address_line] + areas.postal_lines(
        order.subdistrict_code,
        order.district_code,
        order.province_code,
        order.postal_code,
        language,
    )
