"""The `payments` blueprint: Stripe's webhook endpoint, the one route exempt from CSRF.

Stripe cannot send our CSRF token; the signature on the raw body (checked by
`payments.construct_event`, 300 s tolerance) is what authenticates it. A bad
signature gets 400 and writes nothing; a good event is applied by
`webhooks.handle` and committed once. Anything unexpected rolls back and
answers 500, so Stripe delivers the event again later.
"""

import logging

from flask import Blueprint, jsonify, request

from ..extensions import csrf, db
from . import payments, webhooks

log = logging.getLogger(__name__)

blueprint = Blueprint("payments", __name__)


@blueprint.record_once
def _on_register(state):
    payments.init_app(state.app)


@blueprint.post("/stripe/webhook")
@csrf.exempt
def stripe_webhook():
    """Receive one Stripe event: verify, store once, apply, commit."""
    payload = request.get_data(cache=False)
    try:
        event = payments.construct_event(payload, request.headers.get("Stripe-Signature"))
    except payments.WebhookError as error:
        log.warning("Stripe webhook refused: %s", error)
        return jsonify(error="invalid signature or payload"), 400
    try:
        row = webhooks.handle(event)
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("Stripe event %s could not be applied", event.get("id"))
        return jsonify(error="not applied; deliver again"), 500
    if row is None:
        return jsonify(received=True, outcome="duplicate")
    return jsonify(received=True, outcome=row.outcome)
