"""Stripe webhook events applied to orders: each event id once, in any order, any number of times.

`handle(event)` takes an event already verified by `payments.construct_event`
(a plain dict in Stripe's shape). It stores the event id in `StripeEvent`
inside a savepoint; a second delivery of the same id hits the unique
constraint and changes nothing. Otherwise it finds the order through the
Payment that holds the Checkout Session id (or the session's
client_reference_id) and calls the order service:

- `checkout.session.completed` pays only when `payment_status == "paid"`;
  "unpaid" (PromptPay) waits for the asynchronous events;
- `checkout.session.async_payment_succeeded` pays;
- `checkout.session.async_payment_failed` fails the payment, stock goes back;
- `checkout.session.expired` expires the order only while it is unpaid and
  this session is its open payment.

Before paying, the amount, currency and reference are checked against the
order; a mismatch is refused, logged and audited, never paid. Every service
call is idempotent and `mark_paid` takes stock again for money that comes
after expiry, so deliveries in any order end in the same state. Nothing here
commits: the webhook view commits once per event.
"""

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.audit import AuditAction, audit
from ..database import begin_write
from ..extensions import db
from ..models import OrderStatus, Payment, PaymentMethod, PaymentStatus, StripeEvent
from . import service

log = logging.getLogger(__name__)

SESSIONS_TO_EXPIRE = "stripe_sessions_to_expire"  # the list orders.service._close fills


class Outcome:
    """What handling an event did (StripeEvent.outcome)."""

    APPLIED = "applied"
    IGNORED = "ignored"
    REFUSED = "refused"


def handle(event):
    """Apply one verified Stripe event; its StripeEvent row, or None if it was handled before.

    Flushes; the caller commits.
    """
    # On SQLite the write lock first, so the savepoint below runs inside a real transaction
    # and two deliveries of one event take turns.
    begin_write(db.session)
    row = StripeEvent(event_id=str(event["id"])[:255], type=str(event["type"])[:80])
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        log.info("Stripe event %s was handled before", event["id"])
        return None
    handler = HANDLERS.get(event["type"])
    if handler is None:
        _record(row, Outcome.IGNORED, "event type not handled")
        return row
    session = ((event.get("data") or {}).get("object")) or {}
    if not isinstance(session, dict) or session.get("object") != "checkout.session":
        _record(row, Outcome.IGNORED, "not a checkout session")
        return row
    order, payment = find_order(session)
    if order is None:
        log.error(
            "Stripe event %s (%s) names no order we know: session %s, reference %r",
            event["id"],
            event["type"],
            session.get("id"),
            session.get("client_reference_id"),
        )
        _record(row, Outcome.IGNORED, f"no order for session {session.get('id')}")
        return row
    # One event at a time per order: lock it, then read the payment afresh.
    service._lock_order(order)
    if payment is not None:
        db.session.refresh(payment)
    row.order_id = order.id
    outcome, detail = handler(event, session, order, payment)
    _record(row, outcome, detail)
    return row


def _record(row, outcome, detail):
    row.outcome = outcome
    row.detail = (detail or "")[:500]
    db.session.flush()


def find_order(session):
    """(order, payment) for a Checkout Session: by its stored session id, else by reference.

    The payment is None when we never stored the session (e.g. the request that
    created it failed after Stripe answered); the order is None when unknown.
    """
    session_id = session.get("id")
    payment = None
    if isinstance(session_id, str) and session_id:
        payment = db.session.scalar(select(Payment).where(Payment.stripe_session_id == session_id))
    if payment is not None:
        return payment.order, payment
    reference = session.get("client_reference_id") or (session.get("metadata") or {}).get(
        "order_reference"
    )
    return service.order_by_reference(reference), None


def _id_of(value):
    if value is None or isinstance(value, str):
        return value
    return value.get("id") if isinstance(value, dict) else None


def _not_expiring(session):
    """The session is finished at Stripe already: do not ask Stripe to expire it after commit."""
    pending = db.session.info.get(SESSIONS_TO_EXPIRE)
    if pending:
        db.session.info[SESSIONS_TO_EXPIRE] = [s for s in pending if s != session.get("id")]


# -- the handlers: (event, session, order, payment) -> (outcome, detail) -------------------


def completed(event, session, order, payment):
    """The buyer finished the page: paid by card now, or PromptPay to be paid later."""
    status = session.get("payment_status")
    if status == "paid":
        return _pay(event, session, order, payment)
    if payment is not None and session.get("payment_intent"):
        payment.stripe_payment_intent_id = _id_of(session.get("payment_intent"))
    if status == "unpaid":
        return Outcome.IGNORED, "unpaid: waiting for the asynchronous payment"
    return Outcome.IGNORED, f"payment_status {status!r}"


def async_payment_succeeded(event, session, order, payment):
    """A delayed payment (PromptPay) arrived."""
    return _pay(event, session, order, payment)


def async_payment_failed(event, session, order, payment):
    """A delayed payment (PromptPay) was not made: the payment fails, the stock goes back."""
    if payment is None:
        return Outcome.IGNORED, "no payment for this session"
    if service.mark_payment_failed(order, payment):
        _not_expiring(session)
        return Outcome.APPLIED, f"payment failed; order {order.status}"
    return Outcome.IGNORED, f"payment is {payment.status}"


def expired(event, session, order, payment):
    """The Stripe page ran out: the order expires if it still waits for this very session."""
    if payment is None:
        return Outcome.IGNORED, "no payment for this session"
    if order.status != OrderStatus.PENDING_PAYMENT:
        return Outcome.IGNORED, f"order is {order.status}"
    if (
        payment.status != PaymentStatus.PENDING
        or service.open_payment(order, PaymentMethod.STRIPE) is not payment
    ):
        return Outcome.IGNORED, "not the order's open payment"
    service._close(order, OrderStatus.EXPIRED)
    _not_expiring(session)
    return Outcome.APPLIED, "order expired"


def _pay(event, session, order, payment):
    """Mark the order paid, after checking amount, currency and reference against it."""
    try:
        service.check_payment_matches(
            order,
            session.get("amount_total"),
            session.get("currency"),
            session.get("client_reference_id"),
        )
    except service.PaymentMismatch as mismatch:
        log.error(
            "Stripe event %s for order %s refused, not paid: %s",
            event["id"],
            order.reference,
            mismatch,
        )
        audit(
            AuditAction.PAYMENT_MISMATCH,
            order,
            actor=None,
            event=event["id"],
            session=session.get("id"),
            problem=str(mismatch),
        )
        return Outcome.REFUSED, str(mismatch)
    if payment is None:
        # We never stored this session, but it is this order's and the money is right.
        payment = service.new_payment(
            order, PaymentMethod.STRIPE, stripe_session_id=session.get("id")
        )
    intent = _id_of(session.get("payment_intent"))
    if intent:
        payment.stripe_payment_intent_id = intent
    if service.mark_paid(order, payment, actor=None):
        return Outcome.APPLIED, "paid"
    if order.status in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        # mark_paid logged and audited it: the money came, the stock is gone.
        return Outcome.REFUSED, "paid after the order closed and its stock is gone: refund"
    if payment.surplus:
        # mark_paid logged and audited it: a second payment of a paid order, to give back.
        return Outcome.REFUSED, "the order was already paid: this payment is to give back"
    return Outcome.IGNORED, "already paid"


HANDLERS = {
    "checkout.session.completed": completed,
    "checkout.session.async_payment_succeeded": async_payment_succeeded,
    "checkout.session.async_payment_failed": async_payment_failed,
    "checkout.session.expired": expired,
}
