"""Stripe event objects and signed webhook deliveries, for the fake and for tests.

`signed(payload, secret)` gives the body and `Stripe-Signature` header exactly
as Stripe sends them, made with the stripe library's own
`WebhookSignature.generate_signature_header`, so the app verifies them with
the same code that verifies real deliveries.
"""

import json
import secrets
import string
import time

import stripe

API_VERSION = "2025-09-30.clover"
CHECKOUT_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix, length=24):
    """A Stripe-like object id, e.g. `evt_1Q…`."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def event(type, obj, *, id=None, created=None, idempotency_key=None):
    """An event of `type` about `obj` (a dict in Stripe's shape), as Stripe's API returns it."""
    return {
        "id": id or new_id("evt_1"),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(created if created is not None else time.time()),
        "data": {"object": json.loads(json.dumps(obj))},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": idempotency_key},
        "type": type,
    }


def checkout_session(
    *,
    id=None,
    amount_total,
    currency="thb",
    client_reference_id=None,
    payment_status="unpaid",
    status="open",
    payment_intent=None,
    metadata=None,
    **fields,
):
    """A Checkout Session object in Stripe's shape (mode payment, hosted page)."""
    now = int(time.time())
    session = {
        "id": id or new_id("cs_test_a1", 56),
        "object": "checkout.session",
        "adaptive_pricing": None,
        "after_expiration": None,
        "allow_promotion_codes": None,
        "amount_subtotal": amount_total,
        "amount_total": amount_total,
        "automatic_tax": {"enabled": False, "liability": None, "status": None},
        "billing_address_collection": None,
        "cancel_url": None,
        "client_reference_id": client_reference_id,
        "client_secret": None,
        "consent": None,
        "consent_collection": None,
        "created": now,
        "currency": currency,
        "custom_fields": [],
        "custom_text": {
            "after_submit": None,
            "shipping_address": None,
            "submit": None,
            "terms_of_service_acceptance": None,
        },
        "customer": None,
        "customer_creation": "if_required",
        "customer_details": None,
        "customer_email": None,
        "expires_at": now + 24 * 3600,
        "invoice": None,
        "livemode": False,
        "locale": None,
        "metadata": metadata or {},
        "mode": "payment",
        "payment_intent": payment_intent,
        "payment_link": None,
        "payment_method_collection": "if_required",
        "payment_method_types": ["card", "promptpay"],
        "payment_status": payment_status,
        "phone_number_collection": {"enabled": False},
        "recovered_from": None,
        "setup_intent": None,
        "shipping_address_collection": None,
        "shipping_cost": None,
        "shipping_options": [],
        "status": status,
        "submit_type": None,
        "subscription": None,
        "success_url": None,
        "total_details": {"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0},
        "ui_mode": "hosted",
        "url": None,
    }
    session.update(fields)
    return session


def signed(payload, secret, timestamp=None):
    """(body bytes, Stripe-Signature header) for a payload (an event dict, str or bytes).

    `timestamp` (unix seconds) defaults to now; an old one makes a stale delivery.
    """
    if isinstance(payload, dict):
        payload = json.dumps(payload, indent=2)
    if isinstance(payload, bytes):
        payload = payload.decode("utf-8")
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp)
    return payload.encode("utf-8"), header


def headers(signature):
    """The HTTP headers of a webhook delivery carrying this signature."""
    return {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signature,
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    }
