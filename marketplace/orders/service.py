"""What happens to an order after it is placed: paid, failed, cancelled, expired.

These functions are what webhooks, the leader's slip decision, the buyer's
cancel button and the expiry sweep call. Each is idempotent: asking for the
state an order is already in changes nothing and returns False, so a webhook
delivered five times, or two sweeps at once, leave one result. Status changes
go through `states`; stock goes back through `stock.release`. They flush; the
caller commits.
"""

import logging
from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from ..accounts.audit import AuditAction, audit
from ..extensions import db
from ..models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
)
from . import notify, states, stock

log = logging.getLogger(__name__)


_WAITING = (PaymentStatus.PENDING, PaymentStatus.SUBMITTED, PaymentStatus.REJECTED)


class PaymentMismatch(Exception):
    """A payment report disagrees with the order (amount, currency or reference)."""


def _now():
    return datetime.now(UTC)


def _aware(value):
    """SQLite hands back naive datetimes; they are stored in UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


# -- links ---------------------------------------------------------------------------------


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="orders.view")


def order_token(order):
    """A token that opens this order's page without an account (sent in the buyer's mail)."""
    return _serializer().dumps({"o": order.reference})


def order_for_token(reference, token):
    """The order a token was made for, or None when the token is not for this reference."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("o") != reference:
        return None
    return order_by_reference(reference)


def order_by_reference(reference):
    """The order with this public reference, or None."""
    if not isinstance(reference, str) or len(reference) > 24:
        return None
    return db.session.scalar(select(Order).where(Order.reference == reference))


# -- paid ----------------------------------------------------------------------------------


def check_payment_matches(order, amount_satang, currency, reference):
    """PaymentMismatch unless the amount, currency and order reference are this order's."""
    problems = []
    if reference != order.reference:
        problems.append(f"reference {reference!r} is not {order.reference!r}")
    if amount_satang != order.total_satang:
        problems.append(f"amount {amount_satang} is not {order.total_satang}")
    if (currency or "").lower() != order.currency:
        problems.append(f"currency {currency!r} is not {order.currency!r}")
    if problems:
        raise PaymentMismatch("; ".join(problems))


def _lock_order(order):
    """Serialise changes to one order: on SQLite the write lock, on PostgreSQL its row."""
    from ..database import begin_write

    begin_write(db.session)
    db.session.execute(
        update(Order)
        .where(Order.id == order.id)
        .values(id=Order.id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)


def mark_paid(order, payment, at=None, actor=None):
    """Record that `payment` paid `order`: fulfilments to pack, mail, ledger; False if it was.

    Money that arrives after the hold ran out (the order expired or was
    cancelled) still counts: the same units are taken from the same lots again.
    When they are gone the payment is kept as succeeded and the order is left
    closed, for a refund (logged, and returned as False).
    """
    _lock_order(order)
    at = at or _now()
    if payment.fulfilment_id is not None:
        return _mark_part_paid(order, payment, at, actor)
    if payment.status == PaymentStatus.SUCCEEDED and order.status != OrderStatus.PENDING_PAYMENT:
        return False
    if order.status in (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED):
        # Paid already by another payment: this money is kept as money to give back.
        _record_surplus(order, payment, at, actor)
        return False
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED) and not _take_stock_again(
        order
    ):
        states.change_payment(payment, PaymentStatus.SUCCEEDED)
        payment.succeeded_at = at
        log.error(
            "order %s was paid after it closed and its stock is gone: refund it", order.reference
        )
        audit(AuditAction.ORDER_PAID_AFTER_CLOSE, order, actor=actor, payment=payment.id)
        return False
    states.change_payment(payment, PaymentStatus.SUCCEEDED)
    payment.succeeded_at = at
    states.change_order(order, OrderStatus.PAID)
    order.paid_at = at
    order.closed_at = None
    for fulfilment in order.fulfilments:
        states.change_fulfilment(fulfilment, FulfilmentStatus.PAID)
    for other in order.payments:
        if other is not payment and other.status in (PaymentStatus.PENDING, PaymentStatus.FAILED):
            states.change_payment(other, PaymentStatus.CANCELLED)
    db.session.flush()
    _sync_discount(order)
    _post_to_ledger(order)
    audit(
        AuditAction.ORDER_PAID,
        order,
        actor=actor,
        method=payment.method,
        amount=payment.amount_satang,
    )
    notify.order_paid(order)
    return True


def _other_success(order, payment):
    return any(
        p is not payment and p.status == PaymentStatus.SUCCEEDED and not p.surplus
        for p in order.payments
        if p.fulfilment_id == payment.fulfilment_id
    )


def _record_surplus(order, payment, at, actor):
    """A payment for what another payment already paid: kept, and marked money to give back.

    The second Checkout Session a buyer completed, a slip for a part that was paid:
    nothing is lost. The group's office (an admin's, for the platform's account)
    lists it as money to give back until `refunds.give_back_surplus` returns it.
    """
    if payment.status == PaymentStatus.SUCCEEDED and (payment.surplus or payment.given_back_at):
        return False  # recorded before (a replayed webhook)
    if payment.status == PaymentStatus.SUCCEEDED and not _other_success(order, payment):
        return False  # this payment is the one that paid
    states.change_payment(payment, PaymentStatus.SUCCEEDED)
    payment.succeeded_at = payment.succeeded_at or at
    payment.surplus = True
    db.session.flush()
    log.warning(
        "order %s was paid twice: payment %s (%s satang) is to give back",
        order.reference,
        payment.id,
        payment.amount_satang,
    )
    audit(
        AuditAction.ORDER_PAID_TWICE,
        order,
        actor=actor,
        payment=payment.id,
        amount=payment.amount_satang,
        part=payment.fulfilment_id,
    )
    return True


_PART_PAID = (
    FulfilmentStatus.PAID,
    FulfilmentStatus.PACKED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.PARTLY_REFUNDED,
    FulfilmentStatus.REFUNDED,
)
_PART_CLOSED = (FulfilmentStatus.CANCELLED, FulfilmentStatus.EXPIRED)


def _mark_part_paid(order, payment, at, actor):
    """`mark_paid` for one part of an order paid part by part (the order is locked).

    The part moves to paid and posts its own lines to the ledger; the order is
    paid when no part waits any more. A part that expired takes its stock again,
    or, when the units are gone, keeps the money as a late payment to give back.
    A second payment for a paid part is kept as money to give back.
    """
    part = payment.fulfilment
    if part.status in _PART_PAID or _other_success(order, payment):
        _record_surplus(order, payment, at, actor)
        return False
    if (
        payment.status == PaymentStatus.SUCCEEDED
        and part.status != FulfilmentStatus.PENDING_PAYMENT
    ):
        return False  # a late payment recorded before
    if part.status in _PART_CLOSED and not _take_stock_again(order, [part]):
        states.change_payment(payment, PaymentStatus.SUCCEEDED)
        payment.succeeded_at = at
        log.error(
            "part %s of order %s was paid after it closed and its stock is gone: refund it",
            part.id,
            order.reference,
        )
        audit(
            AuditAction.ORDER_PAID_AFTER_CLOSE, order, actor=actor, payment=payment.id, part=part.id
        )
        return False
    states.change_payment(payment, PaymentStatus.SUCCEEDED)
    payment.succeeded_at = at
    states.change_fulfilment(part, FulfilmentStatus.PAID)
    part.paid_at = at
    for other in order.payments:
        if (
            other is not payment
            and other.fulfilment_id == part.id
            and other.status in (PaymentStatus.PENDING, PaymentStatus.FAILED)
        ):
            states.change_payment(other, PaymentStatus.CANCELLED)
    db.session.flush()
    from ..impact import ledger

    ledger.post_fulfilment_shares(part)
    audit(
        AuditAction.ORDER_PAID,
        order,
        actor=actor,
        method=payment.method,
        amount=payment.amount_satang,
        part=part.id,
    )
    _settle(order, at)
    return True


def _settle(order, at=None):
    """An order paid part by part, once no part waits: paid if some part was, else closed."""
    if any(f.status == FulfilmentStatus.PENDING_PAYMENT for f in order.fulfilments):
        return
    paid = [f for f in order.fulfilments if f.status in _PART_PAID]
    if not paid:
        wanted = (
            OrderStatus.CANCELLED
            if all(f.status == FulfilmentStatus.CANCELLED for f in order.fulfilments)
            else OrderStatus.EXPIRED
        )
        if order.status == OrderStatus.PENDING_PAYMENT:
            _close(order, wanted)
        return
    if order.status in (OrderStatus.PENDING_PAYMENT, OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        states.change_order(order, OrderStatus.PAID)
        order.paid_at = max((_aware(f.paid_at) for f in paid if f.paid_at), default=at or _now())
        order.closed_at = None
        db.session.flush()
        _sync_discount(order)
        notify.order_paid(order)


def _sync_discount(order):
    """The order's discount code follows the order: used when paid, given back when closed."""
    from ..marketing import discounts

    discounts.sync_order(order)


def _take_stock_again(order, parts=None):
    """Take every released unit of a closed order (or of these parts) back; False (and nothing
    taken) if any is gone."""
    lines = order.lines if parts is None else [line for part in parts for line in part.lines]
    from ..marketing import discounts

    with db.session.begin_nested() as savepoint:
        for line in lines:
            for allocation in line.allocations:
                if not stock.take_again(allocation):
                    savepoint.rollback()
                    return False
        if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED) and not (
            discounts.take_again(order)
        ):
            savepoint.rollback()  # the code's uses went to others meanwhile
            return False
    return True


def _post_to_ledger(order):
    """Post every line's shares to the household ledger (the impact domain decides how)."""
    from ..impact import ledger

    ledger.post_order_shares(order)


# -- not paid ------------------------------------------------------------------------------


def mark_payment_failed(order, payment):
    """A payment attempt failed (e.g. a PromptPay QR not paid): give the stock back."""
    _lock_order(order)
    if payment.status != PaymentStatus.PENDING:
        return False
    states.change_payment(payment, PaymentStatus.FAILED)
    if order.status == OrderStatus.PENDING_PAYMENT:
        _close(order, OrderStatus.EXPIRED)
    return True


def cancel_order(order, actor=None):
    """The buyer (or the group) cancels an unpaid order; its stock goes back. False if closed.

    Of an order paid part by part, the parts still unpaid are cancelled (a part
    whose slip waits for its leader is refused, as for a whole order); the order
    is then paid if some part was.
    """
    _lock_order(order)
    if order.status != OrderStatus.PENDING_PAYMENT:
        if order.status == OrderStatus.CANCELLED:
            return False
        raise states.TransitionRefused("order", order.status, OrderStatus.CANCELLED)
    if order.paid_per_part:
        waiting = [f for f in order.fulfilments if f.status == FulfilmentStatus.PENDING_PAYMENT]
        if any(slip_waiting(order, f) for f in waiting):
            raise states.TransitionRefused("order", order.status, OrderStatus.CANCELLED)
        for part in waiting:
            _close_part(order, part, FulfilmentStatus.CANCELLED)
        _settle(order)
    else:
        _close(order, OrderStatus.CANCELLED)
    audit(AuditAction.ORDER_CANCELLED, order, actor=actor)
    return True


def expire_order(order, now=None):
    """Close an unpaid order whose hold ran out; False if it is not (yet) expirable.

    Checked before the lock, so a sweep or a page meeting an order that is not
    overdue never waits for the write lock, and again under it, as a webhook or
    a slip may have changed the order meanwhile.
    """
    now = now or _now()
    if not is_overdue(order, now):
        return False
    _lock_order(order)
    if not is_overdue(order, now):
        return False
    if order.paid_per_part:
        for part in order.fulfilments:
            if part_is_overdue(order, part, now):
                _close_part(order, part, FulfilmentStatus.EXPIRED)
        _settle(order, now)
        return True
    _close(order, OrderStatus.EXPIRED)
    return True


def is_overdue(order, now=None):
    """True for an unpaid order past its hold, with no transfer slip waiting for a decision.

    For an order paid part by part: when some unpaid part is past its own hold
    with no slip of its own waiting.
    """
    now = now or _now()
    if order.status != OrderStatus.PENDING_PAYMENT or _aware(order.expires_at) > now:
        return False
    if order.paid_per_part:
        return any(part_is_overdue(order, part, now) for part in order.fulfilments)
    return not any(p.status == PaymentStatus.SUBMITTED for p in order.payments)


def part_expires_at(order, part):
    """Until when a part's stock is held (its own hold when paid part by part)."""
    return _aware(part.expires_at or order.expires_at)


def part_is_overdue(order, part, now=None):
    """True for an unpaid part of an order paid part by part, past its hold, no slip waiting."""
    now = now or _now()
    return (
        part.status == FulfilmentStatus.PENDING_PAYMENT
        and part_expires_at(order, part) <= now
        and not slip_waiting(order, part)
    )


def payments_of(order, part=None):
    """The payments that pay `part`: its own when paid part by part, else the order's."""
    if part is None or not order.paid_per_part:
        return list(order.payments)
    return [p for p in order.payments if p.fulfilment_id == part.id]


def slip_waiting(order, part=None):
    """True when a transfer slip for the order (or this part) waits for a decision."""
    return any(p.status == PaymentStatus.SUBMITTED for p in payments_of(order, part))


def _close_part(order, part, status):
    """Close one unpaid part of an order paid part by part: its stock goes back."""
    states.change_fulfilment(part, status)
    for line in part.lines:
        for allocation in line.allocations:
            stock.release(allocation)
    for payment in payments_of(order, part):
        if payment.status in _WAITING:
            states.change_payment(payment, PaymentStatus.CANCELLED)
    db.session.flush()


def _close(order, status):
    states.change_order(order, status)
    order.closed_at = _now()
    for fulfilment in order.fulfilments:
        states.change_fulfilment(
            fulfilment,
            FulfilmentStatus.CANCELLED
            if status == OrderStatus.CANCELLED
            else FulfilmentStatus.EXPIRED,
        )
        for line in fulfilment.lines:
            for allocation in line.allocations:
                stock.release(allocation)
    for payment in order.payments:
        if payment.status in _WAITING:
            states.change_payment(payment, PaymentStatus.CANCELLED)
    db.session.flush()
    _sync_discount(order)
    notify.order_closed(order)
    if order.payment_method == PaymentMethod.STRIPE:
        # Close the Stripe page too, so the buyer cannot pay for stock we gave back.
        db.session.info.setdefault("stripe_sessions_to_expire", []).extend(
            p.stripe_session_id for p in order.payments if p.stripe_session_id
        )


def expire_if_overdue(order):
    """The check on access: an overdue order met on any page is closed there and then."""
    if is_overdue(order):
        expire_order(order)
        return True
    return False


def overdue_condition(now):
    """`is_overdue` as SQL on Order: unpaid, past its hold, no transfer slip waiting.

    An order whose slip waits for the leader never expires, so it is left out
    here: otherwise such orders, oldest first, could fill every batch of the
    sweep and crowd out the orders that can be closed.
    """
    slip_waiting = exists().where(
        Payment.order_id == Order.id, Payment.status == PaymentStatus.SUBMITTED
    )
    # A part's hold only ever grows from the order's, so `Order.expires_at <= now` holds
    # for every order with an overdue part too, and the index on (status, expires_at) serves.
    part = aliased(Fulfilment)  # the outer query may join Fulfilment itself (the office)
    part_slip_waiting = (
        exists()
        .where(Payment.fulfilment_id == part.id, Payment.status == PaymentStatus.SUBMITTED)
        .correlate(part)
    )
    part_overdue = (
        exists()
        .where(
            part.order_id == Order.id,
            part.status == FulfilmentStatus.PENDING_PAYMENT,
            func.coalesce(part.expires_at, Order.expires_at) <= now,
            ~part_slip_waiting,
        )
        .correlate(Order)
    )
    return (
        (Order.status == OrderStatus.PENDING_PAYMENT)
        & (Order.expires_at <= now)
        & or_(
            and_(Order.paid_per_part.is_(False), ~slip_waiting),
            and_(Order.paid_per_part.is_(True), part_overdue),
        )
    )


def overdue_order_ids(now=None, limit=500):
    """Ids of unpaid orders whose hold ran out (and may be closed), oldest first."""
    now = now or _now()
    return db.session.scalars(
        select(Order.id).where(overdue_condition(now)).order_by(Order.expires_at).limit(limit)
    ).all()


def sweep_expired(now=None):
    """Close every overdue unpaid order, one transaction each; the number closed.

    For `flask orders expire` (run every few minutes from cron or a timer):
    stock comes back even when no webhook ever arrives.
    """
    now = now or _now()
    closed = 0
    for order_id in overdue_order_ids(now):
        order = db.session.get(Order, order_id)
        try:
            if expire_order(order, now):
                closed += 1
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("could not expire order %s", order_id)
    return closed


# -- payments ------------------------------------------------------------------------------


def new_payment(order, method, part=None, **fields):
    """A pending payment by `method` of the order's total (or of one part's), flushed."""
    payment = Payment(
        order=order,
        method=method,
        amount_satang=part.total_satang if part is not None else order.total_satang,
        currency=order.currency,
        fulfilment=part,
        **fields,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def open_payment(order, method, part=None):
    """The order's (or part's) latest payment by `method` still waiting for the buyer, or None."""
    wanted = part.id if part is not None else None
    for payment in reversed(order.payments):
        if (
            payment.method == method
            and payment.status in _WAITING
            and payment.fulfilment_id == wanted
        ):
            return payment
    return None


def expire_overdue_of_user(user, now=None):
    """Close a buyer's overdue unpaid orders (the history page's check on access); how many."""
    now = now or _now()
    order_ids = db.session.scalars(
        select(Order.id)
        .where(Order.user_id == user.id, overdue_condition(now))
        .order_by(Order.expires_at)
        .limit(200)
    ).all()
    return sum(1 for order_id in order_ids if expire_order(db.session.get(Order, order_id), now))


def orders_of_user(user):
    """A signed-in buyer's orders, newest first."""
    return db.session.scalars(
        select(Order)
        .where(Order.user_id == user.id)
        .order_by(Order.created_at.desc())
        .options(
            selectinload(Order.fulfilments).selectinload(Fulfilment.group),
            selectinload(Order.fulfilments).selectinload(Fulfilment.lines),
        )
    ).all()
