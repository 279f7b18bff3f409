"""Stripe: Checkout Sessions, refunds and webhook signatures — the only module importing `stripe`.

The app talks to Stripe through one `stripe.StripeClient` per configuration.
When `STRIPE_API_BASE` is set (the local fake in `fakestripe/`, for tests and
the demo) the client's API base points there, so the same code runs against
the fake and against Stripe.

Amounts are computed here from the order's own lines (integer satang), never
from anything the browser sent. Every call that creates something carries an
idempotency key, so a double click or a network retry makes one session and
one refund. Stripe being unreachable is a `PaymentError` with a message for
the buyer: the order keeps its stock and can be paid again from its page.

Sessions of orders that close (`orders.service._close` lists them in
`db.session.info["stripe_sessions_to_expire"]`) are expired at Stripe by the
`expire_stripe_sessions` job once the transaction commits (marketplace/jobs.py:
on the queue, tried again when Stripe fails; without one, in this process after
the response), so nobody pays for stock that went back on the shelf. The same
commit marks their payments (`Payment.stripe_expiry_due_at`); the job clears the
mark once Stripe has answered, and the order-expiry sweep (`flask orders expire`,
the scheduler's `expire_orders`) tries the sessions still marked a minute later
again: a Stripe failure with no queue is retried too, not only logged.
"""

import logging
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import stripe
from flask import current_app, has_app_context
from flask_babel import gettext
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from .. import jobs
from ..accounts.service import mail_link
from ..extensions import db
from ..i18n import localized
from ..models import OrderStatus, Payment, PaymentMethod
from . import service
from .checkout import CheckoutError

log = logging.getLogger(__name__)

CURRENCY = "thb"
PAYMENT_METHOD_TYPES = ["card", "promptpay"]
WEBHOOK_TOLERANCE_SECONDS = 300
# Stripe accepts a Checkout Session's expires_at from 30 minutes to 24 hours ahead.
MIN_SESSION_LIFETIME = timedelta(minutes=30)
MAX_SESSION_LIFETIME = timedelta(hours=24)
# When less than 30 minutes remain, the hold is extended to this much from now.
EXTENDED_HOLD = timedelta(minutes=31)
MAX_LINE_ITEMS = 100  # Stripe's limit for a Checkout Session in payment mode
SESSIONS_TO_EXPIRE = "stripe_sessions_to_expire"
# A marked session is left to its job this long before the sweep tries it itself.
EXPIRY_RETRY_AFTER = timedelta(minutes=1)
EXPIRY_RETRY_BATCH = 100
STRIPE_CHECKOUT_ORIGIN = "https://checkout.stripe.com"

_clients = {}
_clients_lock = threading.Lock()


class PaymentError(CheckoutError):
    """Stripe could not be reached or refused a request; nothing was paid.

    `message` is for the buyer. A subclass of CheckoutError so views that
    catch checkout errors show it the same way.
    """


class SessionsNotExpired(RuntimeError):
    """Stripe could not be reached (or failed) while expiring sessions: the job tries again."""


class WebhookError(Exception):
    """A webhook body or signature that cannot be trusted (answered with 400)."""


def is_configured(config=None):
    """True when both Stripe settings are set, so card and PromptPay payments are offered.

    The secret key alone is not enough: without STRIPE_WEBHOOK_SECRET no webhook
    can be verified, so buyers could pay and the order would never learn of it.
    """
    config = current_app.config if config is None else config
    return bool(config.get("STRIPE_SECRET_KEY")) and bool(config.get("STRIPE_WEBHOOK_SECRET"))


def check_settings(config):
    """Log an error when only one of the two Stripe settings is set; True when they agree."""
    key = bool(config.get("STRIPE_SECRET_KEY"))
    secret = bool(config.get("STRIPE_WEBHOOK_SECRET"))
    if key == secret:
        return True
    missing, present = (
        ("STRIPE_WEBHOOK_SECRET", "STRIPE_SECRET_KEY")
        if key
        else ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
    )
    log.error(
        "%s is set but %s is not: card and PromptPay payments are switched off until both are "
        "set (without the webhook secret no payment could be confirmed)",
        present,
        missing,
    )
    return False


def client():
    """The StripeClient for the current configuration (one per key and API base)."""
    config = current_app.config
    key = config.get("STRIPE_SECRET_KEY") or ""
    base = (config.get("STRIPE_API_BASE") or "").rstrip("/")
    retries = int(config.get("STRIPE_MAX_NETWORK_RETRIES", 2))
    if not key:
        raise RuntimeError("STRIPE_SECRET_KEY is not set")
    if config.get("TESTING") and not base:
        # The suite's key is fake: a test that reaches here forgot the fake_stripe fixture.
        raise RuntimeError("tests must point STRIPE_API_BASE at the fake (fake_stripe fixture)")
    cache_key = (key, base, retries)
    with _clients_lock:
        found = _clients.get(cache_key)
        if found is None:
            options = {"max_network_retries": retries}
            if base:
                options["base_addresses"] = {"api": base}
            found = stripe.StripeClient(key, **options)
            _clients[cache_key] = found
        return found


def checkout_origins():
    """Origins of the hosted payment page, for the CSP's form-action (none without Stripe)."""
    if not is_configured():
        return []
    base = current_app.config.get("STRIPE_API_BASE") or ""
    if base:  # the local fake serves its page from its API address
        parts = urlsplit(base)
        return [f"{parts.scheme}://{parts.netloc}"]
    return [STRIPE_CHECKOUT_ORIGIN]


# -- checkout ------------------------------------------------------------------------------


def _now():
    return datetime.now(UTC)


def _unix(value):
    return int(service._aware(value).timestamp())


def line_items(order):
    """Stripe line items for an order, in satang: its lines plus each group's shipping.

    Their sum is the order's total. A line with a discount is sent as one item
    for its net amount when the discount does not divide evenly by unit; if the
    items still do not add up (an order-wide discount) or there are too many,
    one item for the whole order is sent instead.
    """
    locale = order.locale
    items = []
    for fulfilment in order.fulfilments:
        for line in fulfilment.lines:
            name = "{} ({})".format(
                localized(line, "product_name", locale), localized(line, "variant_label", locale)
            )
            unit, quantity = line.unit_price_satang, line.quantity
            if line.discount_satang:
                if line.net_satang % line.quantity == 0:
                    unit = line.net_satang // line.quantity
                else:
                    unit, quantity, name = line.net_satang, 1, f"{name} × {line.quantity}"
            items.append(_item(name, unit, quantity))
        if fulfilment.shipping_satang:
            with _locale(locale):
                name = gettext(
                    "Shipping: %(group)s", group=localized(fulfilment.group, "name", locale)
                )
            items.append(_item(name, fulfilment.shipping_satang, 1))
    total = sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items)
    if total != order.total_satang or len(items) > MAX_LINE_ITEMS or not items:
        if total != order.total_satang:
            log.warning(
                "order %s: lines add up to %s, not %s; sending one item",
                order.reference,
                total,
                order.total_satang,
            )
        with _locale(locale):
            name = gettext("Order %(ref)s", ref=order.reference)
        items = [_item(name, order.total_satang, 1)]
    return items


def _item(name, unit_amount, quantity):
    return {
        "price_data": {
            "currency": CURRENCY,
            "unit_amount": int(unit_amount),
            "product_data": {"name": name[:250]},
        },
        "quantity": int(quantity),
    }


def _locale(locale):
    from flask_babel import force_locale

    return force_locale(locale)


def _stripe_payments(order):
    return [p for p in order.payments if p.method == PaymentMethod.STRIPE]


def _session_expiry(order, now):
    """When the session (and the order's hold) ends: the order's expiry, kept in Stripe's range.

    Less than 30 minutes left: the hold is extended to 31 minutes from now,
    rounded up to the minute so that two clicks in the same minute send the
    very same parameters under the same idempotency key.
    """
    expires_at = service._aware(order.expires_at)
    if expires_at - now < MIN_SESSION_LIFETIME:
        expires_at = now + EXTENDED_HOLD
        expires_at = expires_at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return min(expires_at, now + MAX_SESSION_LIFETIME - timedelta(minutes=1))


def _check_payable(order, now):
    if order.status != OrderStatus.PENDING_PAYMENT or service.is_overdue(order, now):
        raise PaymentError(
            gettext("This order can no longer be paid: it is closed or its time ran out.")
        )
    if order.payment_method != PaymentMethod.STRIPE:
        raise PaymentError(gettext("This order is not paid online."))


def start_checkout(order, now=None):
    """The URL of a Stripe Checkout page for this order (a new session, or the open one).

    Creates the Payment row (method stripe) and the Checkout Session, or reuses
    the order's open one. Flushes; the caller commits. Raises PaymentError
    (message for the buyer) when the order cannot be paid or Stripe cannot be
    reached; then nothing here was changed and the order keeps its stock.
    """
    now = now or _now()
    _check_payable(order, now)
    open_payment = service.open_payment(order, PaymentMethod.STRIPE)
    if open_payment is not None and open_payment.stripe_session_id:
        return open_payment.checkout_url

    # One key per attempt and expiry: two clicks (in the same minute) share one session,
    # while a retry after the parameters changed never meets Stripe's idempotency error.
    attempt = 1 + sum(1 for p in _stripe_payments(order) if p.stripe_session_id)
    expires_at = _session_expiry(order, now)
    expires_unix = int(expires_at.timestamp())
    params = {
        "mode": "payment",
        "currency": CURRENCY,
        "line_items": line_items(order),
        "payment_method_types": list(PAYMENT_METHOD_TYPES),
        "client_reference_id": order.reference,
        "metadata": {"order_reference": order.reference},
        "payment_intent_data": {"metadata": {"order_reference": order.reference}},
        "customer_email": order.email,
        "locale": order.locale if order.locale in ("th", "en") else "auto",
        "expires_at": expires_unix,
        "success_url": _order_link(order, "success"),
        "cancel_url": _order_link(order, "cancel"),
    }
    key = f"checkout-{order.reference}-{attempt}-{expires_unix}"
    session = _call(
        lambda c: c.v1.checkout.sessions.create(params=params, options={"idempotency_key": key})
    ).to_dict()

    # Another click may have stored a session meanwhile: take the order's lock, then look.
    service._lock_order(order)
    db.session.expire(order, ["payments"])  # read them as committed now
    stored = db.session.scalar(select(Payment).where(Payment.stripe_session_id == session["id"]))
    if stored is not None:
        return stored.checkout_url
    if order.status != OrderStatus.PENDING_PAYMENT:
        # Closed while we talked to Stripe: close the new page now (the caller rolls back).
        expire_session(session["id"])
        raise PaymentError(gettext("This order can no longer be paid: it is closed."))
    payment = service.open_payment(order, PaymentMethod.STRIPE)
    if payment is not None and payment.stripe_session_id:
        # A click in another minute won the race: keep its page, close ours.
        _expire_later(session["id"])
        return payment.checkout_url
    if payment is None:
        payment = service.new_payment(order, PaymentMethod.STRIPE)
    payment.stripe_session_id = session["id"]
    payment.checkout_url = session.get("url") or ""
    payment.stripe_payment_intent_id = _id_of(session.get("payment_intent"))
    if service._aware(order.expires_at) < expires_at:
        order.expires_at = expires_at
    db.session.flush()
    return payment.checkout_url


def _expire_later(session_id):
    """Expire this session at Stripe once the transaction commits (dropped on rollback)."""
    db.session.info.setdefault(SESSIONS_TO_EXPIRE, []).append(session_id)


def _order_link(order, outcome):
    """The order's page on PUBLIC_BASE_URL (signed, so a guest needs no account)."""
    return mail_link(
        "shop.order_status",
        reference=order.reference,
        token=service.order_token(order),
        checkout=outcome,
    )


def _id_of(value):
    """An expandable Stripe field's id, whether it came as an id or as an object."""
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


def _call(request):
    """Run one Stripe request; Stripe's errors become a PaymentError for the buyer (logged)."""
    try:
        return request(client())
    except stripe.APIConnectionError as error:
        log.error("Stripe unreachable: %s", error)
        raise PaymentError(
            gettext(
                "The card payment service cannot be reached just now. Your order is held: "
                "please try again in a moment."
            )
        ) from error
    except stripe.StripeError as error:
        log.error(
            "Stripe refused a request: %s (%s, status %s, request %s)",
            error.user_message or str(error),
            getattr(error, "code", None),
            getattr(error, "http_status", None),
            getattr(error, "request_id", None),
        )
        raise PaymentError(
            gettext(
                "The card payment service did not accept the payment just now. Your order "
                "is held: please try again in a moment, or contact us."
            )
        ) from error


def expire_session(session_id):
    """Expire an open Checkout Session at Stripe; False (logged) when Stripe refused or failed."""
    try:
        client().v1.checkout.sessions.expire(session_id)
    except stripe.StripeError as error:
        log.warning("could not expire Stripe session %s: %s", session_id, error)
        return False
    return True


def expire_sessions(session_ids):
    """The `expire_stripe_sessions` job: expire these sessions at Stripe; how many it closed.

    A session Stripe refuses to expire (paid, expired or unknown already) is
    logged and left: asking again would get the same answer. When Stripe cannot
    be reached or fails, raises SessionsNotExpired after trying the others, so
    the queue runs the job again later (the ones closed meanwhile are refused
    then, which is harmless).
    """
    closed, failed, answered = 0, [], []
    for session_id in dict.fromkeys(session_ids):
        try:
            client().v1.checkout.sessions.expire(session_id)
            closed += 1
            answered.append(session_id)
        except stripe.InvalidRequestError as error:
            log.warning("could not expire Stripe session %s: %s", session_id, error)
            answered.append(session_id)
        except stripe.StripeError as error:
            log.warning("Stripe failed to expire session %s: %s", session_id, error)
            # One line: the admin Jobs page shows the error's last line.
            failed.append(f"{session_id} ({type(error).__name__}: {' '.join(str(error).split())})")
    _mark_expiry(answered, None)
    db.session.commit()
    if failed:
        raise SessionsNotExpired("Stripe did not expire " + "; ".join(failed))
    return closed


def retrieve_session(session_id):
    """A Checkout Session as Stripe has it now (a plain dict)."""
    return _call(lambda c: c.v1.checkout.sessions.retrieve(session_id)).to_dict()


# -- refunds -------------------------------------------------------------------------------


def refund(payment, amount_satang, key):
    """Refund `amount_satang` of a Stripe payment; Stripe's refund id.

    `key` names the refund for idempotency (e.g. the Refund row's id): the same
    key twice makes one refund at Stripe. PaymentError when Stripe refuses.
    """
    if payment.method != PaymentMethod.STRIPE or not payment.stripe_payment_intent_id:
        raise PaymentError(gettext("This payment was not made through Stripe."))
    amount_satang = int(amount_satang)
    if amount_satang <= 0:
        raise PaymentError(gettext("Enter an amount to refund."), field="amount")
    created = _call(
        lambda c: c.v1.refunds.create(
            params={
                "payment_intent": payment.stripe_payment_intent_id,
                "amount": amount_satang,
                "metadata": {"order_reference": payment.order.reference},
            },
            options={"idempotency_key": f"refund-{payment.order.reference}-{key}"},
        )
    )
    return created.id


# -- webhooks ------------------------------------------------------------------------------


def construct_event(payload, sig_header):
    """The verified event of a webhook delivery, as a plain dict; WebhookError when untrusted.

    Checks the `Stripe-Signature` header against STRIPE_WEBHOOK_SECRET on the
    raw body, and that it was signed within the last 300 seconds.
    """
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret:
        raise WebhookError("STRIPE_WEBHOOK_SECRET is not set")
    try:
        event_object = stripe.Webhook.construct_event(
            payload, sig_header, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
    except stripe.SignatureVerificationError as error:
        raise WebhookError(f"bad signature: {error}") from error
    except (ValueError, TypeError, AttributeError) as error:  # not UTF-8, JSON, an object
        raise WebhookError(f"bad payload: {error}") from error
    data = event_object.to_dict(for_json=True)
    if not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise WebhookError("not an event")
    return data


# -- expiring sessions of closed orders, by a job after the commit ---------------------------


def _mark_expiry(session_ids, due_at, session=None):
    """Mark (a time) or clear (None) the pending expiry of these sessions' payments."""
    if not session_ids:
        return
    (session or db.session).execute(
        update(Payment)
        .where(Payment.stripe_session_id.in_(list(session_ids)))
        .values(stripe_expiry_due_at=due_at)
        .execution_options(synchronize_session=False)
    )


def _queue_expiry(session):
    """At the commit, mark the sessions of the orders it closes and hand them to the job."""
    session_ids = session.info.pop(SESSIONS_TO_EXPIRE, [])
    if not session_ids or not has_app_context() or not is_configured():
        return
    session_ids = list(dict.fromkeys(session_ids))
    _mark_expiry(session_ids, _now(), session=session)  # kept until Stripe has answered
    jobs.run_after_commit("expire_stripe_sessions", session_ids, session=session)


def retry_session_expiries(now=None):
    """The sweep's pass over closed orders' Stripe sessions whose expiry is still pending.

    Those marked more than EXPIRY_RETRY_AFTER ago (their job failed, or ran in a
    process that stopped) are expired again; how many Stripe closed. A Stripe
    failure is logged and the mark kept for the next sweep.
    """
    if not is_configured():
        return 0
    cutoff = (now or _now()) - EXPIRY_RETRY_AFTER
    session_ids = db.session.scalars(
        select(Payment.stripe_session_id)
        .where(Payment.stripe_expiry_due_at.is_not(None), Payment.stripe_expiry_due_at < cutoff)
        .order_by(Payment.stripe_expiry_due_at)
        .limit(EXPIRY_RETRY_BATCH)
    ).all()
    db.session.rollback()
    if not session_ids:
        return 0
    try:
        return expire_sessions(session_ids)
    except SessionsNotExpired as error:
        log.warning("Stripe sessions of closed orders still open, tried again later: %s", error)
        return 0


def _drop_on_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the outermost transaction, not a savepoint
        session.info.pop(SESSIONS_TO_EXPIRE, None)


def init_app(app):
    """Check the Stripe settings; expire the Stripe sessions of orders closed once they commit."""
    check_settings(app.config)
    if not event.contains(Session, "before_commit", _queue_expiry):
        event.listen(Session, "before_commit", _queue_expiry)
        event.listen(Session, "after_soft_rollback", _drop_on_rollback)
