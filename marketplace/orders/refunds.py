"""Refunds of a group's part of an order: whole, or some units of some lines, and shipping.

`refund_fulfilment` checks what is asked against what is left to refund (never
more than the buyer paid for a line, for the part, for the order), writes a
`Refund` with its `RefundLine` rows, adds to the refunded amounts of lines, part
and order, moves the part and the order to partly refunded or refunded through
`orders.states`, gives units back to their lots when asked (newest allocation
first), gives the money back through Stripe for Stripe payments (offline
payments are only recorded: the group hands the money back itself), posts the
ledger's reversals and queues the buyer's mail. It flushes; the view commits.

A line's refund is its share of the line's net amount, counted cumulatively:
after k of n units, `net * k // n` satang in all, so the last unit refunded
brings the line to exactly its net amount and rounding never adds up to more.

Stripe is called inside the transaction, with an idempotency key made of the
part and the number of its refunds so far: if the commit fails after Stripe
accepted, the same request sent again gets Stripe's same refund back instead of
a second one.

Money that arrives after an order closed, when its stock is gone, is kept as a
succeeded payment on the closed order (`service.mark_paid`): nothing paid for
is ever lost. `late_payment` finds it and `refund_late_payment` gives it back
in full, part by part (one Refund each), moving the order and its parts to
refunded; the Stripe keys name the part alone, so a retry after a failure gets
the same refunds back. One group's order is refunded by its leader; an order
of several groups was paid to the platform, so an admin refunds it.
"""

import logging
import re
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l

from ..accounts import access
from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..extensions import db
from ..models import (
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    Refund,
    RefundLine,
)
from . import notify, payments, states, stock
from .fulfilment import locked, paid_payment, surplus_payments

log = logging.getLogger(__name__)

_REFUNDABLE_PARTS = (
    FulfilmentStatus.PAID,
    FulfilmentStatus.PACKED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.PARTLY_REFUNDED,
)
_REFUNDABLE_ORDERS = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED)
_CLOSED_ORDERS = (OrderStatus.EXPIRED, OrderStatus.CANCELLED)
_CLOSED_PARTS = (FulfilmentStatus.EXPIRED, FulfilmentStatus.CANCELLED)


class RefundError(Exception):
    """A refund that cannot be made; `message` is for the person, nothing was changed."""

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


# -- what is left to refund ----------------------------------------------------------------


def line_amount(line, units):
    """What refunding `units` more units of `line` gives back, in satang (cumulative shares)."""
    if units <= 0:
        return 0
    done = line.refunded_quantity + units
    if done >= line.quantity:
        return max(line.net_satang - line.refunded_satang, 0)
    return max(line.net_satang * done // line.quantity - line.refunded_satang, 0)


def shipping_refunded(fulfilment):
    """Shipping of this part already given back, in satang."""
    return sum(
        refund.shipping_satang
        for refund in fulfilment.order.refunds
        if refund.fulfilment_id == fulfilment.id
    )


def shipping_left(fulfilment):
    """Shipping of this part that may still be given back, in satang."""
    return max(fulfilment.shipping_satang - shipping_refunded(fulfilment), 0)


def can_refund(fulfilment):
    """True when the part is paid and something of it is left to refund."""
    return (
        fulfilment.status in _REFUNDABLE_PARTS
        and fulfilment.order.status in _REFUNDABLE_ORDERS
        and fulfilment.refunded_satang < fulfilment.total_satang
    )


def late_payment(order, part=None):
    """The payment that arrived after the order closed (its stock gone), to give back; or None.

    Of an order paid part by part, the payment of `part` when that part closed
    (with no part: the first part holding such a payment).
    """
    if order.paid_per_part:
        parts = [part] if part is not None else order.fulfilments
        for candidate in parts:
            if candidate.status in _CLOSED_PARTS:
                found = paid_payment(order, candidate)
                if found is not None:
                    return found
        return None
    if order.status not in _CLOSED_ORDERS:
        return None
    return paid_payment(order)


def payable_total(order):
    """What the buyer owed for the parts that were not closed unpaid, in satang."""
    return sum(
        f.total_satang
        for f in order.fulfilments
        if f.status not in _CLOSED_PARTS or paid_payment(order, f) is not None
    )


def late_payment_refunded(order):
    """True when the order closed unpaid and the money that came later was given back."""
    return order.status == OrderStatus.REFUNDED and order.paid_at is None


def late_payment_needs_admin(order):
    """True when an order's late payment is an admin's to give back: it went to the platform.

    A one-group order was paid to that group (or through Stripe for it), and
    each part of an order paid part by part to its own group: its leader
    refunds. Any other order of several groups was paid to the platform's
    account: an admin does.
    """
    return len(order.fulfilments) > 1 and not order.paid_per_part


def may_refund_late_payment(order, actor):
    """Whether `actor` (a leader of one of the order's groups, or an admin) gives the money back."""
    return not late_payment_needs_admin(order) or access.is_admin(actor)


def refunds_of(fulfilment):
    """The part's refunds, oldest first."""
    return [r for r in fulfilment.order.refunds if r.fulfilment_id == fulfilment.id]


# -- reading the form ----------------------------------------------------------------------


_WHOLE = re.compile(r"[0-9]{1,4}")


def parse_quantities(fulfilment, raw):
    """{line: units} from {line_id: text as typed}; only the part's own lines are read.

    Empty means 0; anything else must be a whole number no larger than what is
    left of the line, or RefundError names the field.
    """
    quantities = {}
    for line in fulfilment.lines:
        text = clean_text(str(raw.get(line.id, "") or ""), 10)
        if not text:
            continue
        field = f"qty-{line.id}"
        if not _WHOLE.fullmatch(text):
            raise RefundError(_l("Enter a whole number of units, e.g. 1."), field)
        units = int(text)
        left = line.quantity - line.refunded_quantity
        if units > left:
            raise RefundError(
                _l("At most %(n)d units of this line are left to refund.") % {"n": left}, field
            )
        if units:
            quantities[line] = units
    return quantities


# -- the refund ----------------------------------------------------------------------------


def refund_fulfilment(
    group,
    fulfilment_id,
    quantities=None,
    *,
    shipping=False,
    everything=False,
    restock=False,
    reason="",
    actor=None,
):
    """Refund units of a group's part (and its shipping): the Refund, flushed.

    `quantities` maps line ids to units as typed (see `parse_quantities`);
    `everything` refunds all that is left, shipping included. Raises
    RefundError when the part is not paid, nothing is chosen, or more than what
    was paid would go back; NotFound for a part of another group.
    """
    reason = clean_text(reason, 300)
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    if not can_refund(fulfilment):
        raise RefundError(_l("Only a paid part with something left to refund can be refunded."))
    payment = paid_payment(order, fulfilment)
    if payment is None:
        raise RefundError(_l("No payment of this order was received, so nothing can be refunded."))

    if everything:
        units = {
            line: line.quantity - line.refunded_quantity
            for line in fulfilment.lines
            if line.quantity > line.refunded_quantity
        }
        shipping_satang = shipping_left(fulfilment)
    else:
        units = parse_quantities(fulfilment, quantities or {})
        shipping_satang = shipping_left(fulfilment) if shipping else 0
    amounts = {line: line_amount(line, n) for line, n in units.items()}
    total = sum(amounts.values()) + shipping_satang
    if total <= 0:
        raise RefundError(_l("Choose the units or the shipping to refund."))
    # Never more than was paid: for the part, the order, and the payment that paid it.
    refunded_with_payment = sum(
        r.amount_satang
        for r in order.refunds
        if r.method == payment.method
        and (not order.paid_per_part or r.fulfilment_id == fulfilment.id)
    )
    if (
        fulfilment.refunded_satang + total > fulfilment.total_satang
        or order.refunded_satang + total > order.total_satang
        or refunded_with_payment + total > payment.amount_satang
    ):
        raise RefundError(_l("That is more than the buyer paid for this part."))

    sequence = len(refunds_of(fulfilment)) + 1
    refund = _record_refund(
        fulfilment, units, amounts, shipping_satang, payment, reason, actor, restock=restock
    )
    states.change_fulfilment(
        fulfilment,
        FulfilmentStatus.REFUNDED
        if fulfilment.refunded_satang >= fulfilment.total_satang
        else FulfilmentStatus.PARTLY_REFUNDED,
    )
    states.change_order(
        order,
        OrderStatus.REFUNDED
        if order.refunded_satang >= payable_total(order)
        else OrderStatus.PARTLY_REFUNDED,
    )
    db.session.flush()
    from ..marketing import discounts

    discounts.sync_order(order)  # a full refund gives the code's use back

    if payment.method == PaymentMethod.STRIPE:
        # payments.refund prefixes it with the order's reference. The amount is not in
        # the key: after a lost commit, a retry for another amount must meet Stripe's
        # idempotency error (nothing refunded), never a second refund.
        _send_to_stripe(refund, payment, f"part{fulfilment.id}-{sequence}")
        db.session.flush()

    from ..impact import ledger

    ledger.post_refund_reversals(refund)
    _audit_refund(refund, payment, actor)
    notify.refund_made(refund)
    return refund


def refund_late_payment(group, fulfilment_id, *, reason="", actor=None):
    """Give back, in full, a payment that came after the order closed: the Refunds, flushed.

    Every part of the order gets one Refund of what is left of it (its lines
    and shipping); the parts and the order move to refunded. A Stripe payment
    goes back through Stripe, one refund per part under a key that names the
    part, so a retry never refunds twice; an offline one is recorded (the group
    or the platform hands the money back). Nothing is restocked (the units went
    back on sale when the order closed) and nothing is reversed in the ledger
    (an order that never counted as paid posted nothing). Raises RefundError
    when there is no such payment, or when an order of several groups is asked
    for by someone other than an admin; NotFound for a part of another group.
    """
    reason = clean_text(reason, 300)
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    payment = late_payment(order, fulfilment if order.paid_per_part else None)
    if payment is None:
        raise RefundError(_l("This order has no payment received after it closed to refund."))
    if actor is not None and not may_refund_late_payment(order, actor):
        raise RefundError(
            _l("This order was paid to the marketplace's account: an admin refunds it.")
        )

    made = []
    # Paid part by part, the late payment paid this part alone.
    for part in [fulfilment] if order.paid_per_part else order.fulfilments:
        units = {
            line: line.quantity - line.refunded_quantity
            for line in part.lines
            if line.quantity > line.refunded_quantity
        }
        amounts = {line: line_amount(line, n) for line, n in units.items()}
        shipping_satang = shipping_left(part)
        total = sum(amounts.values()) + shipping_satang
        if total <= 0:
            continue
        refund = _record_refund(part, units, amounts, shipping_satang, payment, reason, actor)
        states.change_fulfilment(part, FulfilmentStatus.REFUNDED)
        made.append(refund)
    given_back = sum(refund.amount_satang for refund in made)
    if not made or given_back > payment.amount_satang or order.refunded_satang > order.total_satang:
        raise RefundError(_l("That is more than the buyer paid for this part."))
    if order.status in _CLOSED_ORDERS:
        # The order never counted as paid. (Paid part by part, an order whose other
        # parts were paid stays as it is: only this part's money goes back.)
        states.change_order(order, OrderStatus.REFUNDED)
    db.session.flush()

    if payment.method == PaymentMethod.STRIPE:
        for refund in made:
            _send_to_stripe(refund, payment, f"late-part{refund.fulfilment_id}")
        db.session.flush()

    for refund in made:
        _audit_refund(refund, payment, actor, payment=payment.id, after_close=True)
    notify.late_payment_refunded(order, payment, given_back)
    return made


def give_back_surplus(group, fulfilment_id, payment_id, *, actor=None):
    """Give back, in full, a payment of something another payment had already paid.

    The order, its parts, lines and ledger stay as they are (they were paid
    once); the payment is marked given back, through Stripe (one refund of its
    whole amount under a key that names the payment, so a retry never refunds
    twice) or, for a transfer, recorded as handed back by the group or the
    platform. RefundError when there is no such payment or the actor may not.
    """
    fulfilment = locked(group, fulfilment_id)
    order = fulfilment.order
    payment = next((p for p in surplus_payments(order, fulfilment) if p.id == payment_id), None)
    if payment is None:
        raise RefundError(_l("This order has no second payment to give back."))
    if actor is not None and not may_refund_late_payment(order, actor):
        raise RefundError(
            _l("This order was paid to the marketplace's account: an admin refunds it.")
        )
    if payment.method == PaymentMethod.STRIPE:
        try:
            payment.given_back_refund_id = payments.refund(
                payment, payment.amount_satang, f"surplus-{payment.id}"
            )
        except (payments.PaymentError, RuntimeError) as error:
            log.warning("Stripe refused giving back payment %s: %s", payment.id, error)
            raise RefundError(
                _l("Stripe did not accept the refund, so nothing was changed. Try again later.")
            ) from error
    payment.given_back_at = datetime.now(UTC)
    payment.given_back_by_id = getattr(actor, "id", None)
    db.session.flush()
    details = dict(order=order.reference, payment=payment.id, amount=payment.amount_satang)
    if actor is None:
        audit(AuditAction.SURPLUS_GIVEN_BACK, payment, **details)
    else:
        audit(AuditAction.SURPLUS_GIVEN_BACK, payment, actor=actor, **details)
    notify.surplus_given_back(order, payment)
    return payment


def _send_to_stripe(refund, payment, key):
    """Refund `refund`'s amount of a Stripe payment under `key` (the order's reference is
    added by payments.refund); RefundError, changing nothing, when Stripe refuses."""
    try:
        refund.stripe_refund_id = payments.refund(payment, refund.amount_satang, key)
    except (payments.PaymentError, RuntimeError) as error:
        log.warning("Stripe refused refund %s of order %s: %s", key, payment.order.reference, error)
        raise RefundError(
            _l("Stripe did not accept the refund, so nothing was changed. Try again later.")
        ) from error


def _audit_refund(refund, paid_by, actor, **extra):
    """The audit row of a refund of the payment `paid_by`, by `actor` (None: the signed-in
    user)."""
    details = dict(
        order=refund.order.reference,
        amount=refund.amount_satang,
        shipping=refund.shipping_satang,
        restock=bool(refund.restock),
        method=paid_by.method,
        lines={rl.line.id: rl.quantity for rl in refund.lines},
        **extra,
    )
    if actor is None:
        audit(AuditAction.REFUND_MADE, refund, **details)
    else:
        audit(AuditAction.REFUND_MADE, refund, actor=actor, **details)


def _record_refund(
    fulfilment, units, amounts, shipping_satang, payment, reason, actor, *, restock=False
):
    """A Refund of `units` ({line: n}) at `amounts` ({line: satang}) plus shipping, added
    to the session, with the lines', the part's and the order's refunded sums moved on."""
    order = fulfilment.order
    total = sum(amounts.values()) + shipping_satang
    refund = Refund(
        order=order,
        fulfilment=fulfilment,
        amount_satang=total,
        shipping_satang=shipping_satang,
        reason=reason,
        restock=bool(restock),
        method=payment.method,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(refund)
    for line, n in units.items():
        refund.lines.append(RefundLine(line=line, quantity=n, amount_satang=amounts[line]))
        line.refunded_quantity += n
        line.refunded_satang += amounts[line]
        if restock:
            _restock(line, n)
    fulfilment.refunded_satang += total
    order.refunded_satang += total
    return refund


def _restock(line, units):
    """Give `units` of a refunded line back to its lots, newest allocation first."""
    left = units
    for allocation in sorted(line.allocations, key=lambda a: a.id, reverse=True):
        if not left:
            break
        n = min(left, allocation.held_quantity)
        if n > 0:
            stock.release(allocation, n)
            left -= n
