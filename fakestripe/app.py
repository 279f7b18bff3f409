"""The fake's Flask app: Stripe's API routes the marketplace uses, and a stand-in hosted page.

API (form-encoded bodies, `Authorization: Bearer sk_…`, `Idempotency-Key`):
POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
GET /v1/checkout/sessions/<id>/line_items, POST /v1/checkout/sessions/<id>/expire,
POST /v1/refunds, GET /v1/refunds/<id>, GET /v1/payment_intents/<id>.

Hosted page: GET /pay/<session id> shows the amount and four plain forms —
"Pay by card", "Pay with PromptPay (succeeds later)", "PromptPay payment fails",
"Cancel" — which complete the session, send the signed webhooks and redirect
the browser to the session's success_url (cancel_url for Cancel).
"""

from flask import Flask, abort, jsonify, redirect, render_template_string, request

from . import events, forms
from .state import FakeStripe, HttpSender, StripeFakeError

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake Stripe Checkout</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; }
.amount { font-size: 2rem; font-weight: bold; }
form { margin: .75rem 0; }
button { width: 100%; padding: .9rem; font-size: 1.05rem; border-radius: .4rem; cursor: pointer; }
.pay { background: #635bff; color: #fff; border: 0; }
.note { color: #555; font-size: .9rem; }
table { width: 100%; border-collapse: collapse; margin: 1rem 0; }
td { padding: .3rem 0; border-bottom: 1px solid #eee; }
td.n { text-align: right; }
</style>
</head>
<body>
<p class="note">Test mode — a local fake of Stripe Checkout. No real money moves.</p>
<h1>Pay {{ session.client_reference_id or "" }}</h1>
{% if session.status == "open" %}
  <p class="amount" data-amount="{{ session.amount_total }}">
    {{ money(session.amount_total, session.currency) }}</p>
  <table>
  {% for item in items %}
    <tr><td>{{ item.description }} × {{ item.quantity }}</td>
        <td class="n">{{ money(item.amount_total, item.currency) }}</td></tr>
  {% endfor %}
  </table>
  {% if session.customer_email %}
    <p class="note">Receipt to {{ session.customer_email }}</p>
  {% endif %}
  {% if "card" in session.payment_method_types %}
  <form method="post"><input type="hidden" name="action" value="card">
    <button class="pay" type="submit">Pay by card</button></form>
  {% endif %}
  {% if "promptpay" in session.payment_method_types %}
  <form method="post"><input type="hidden" name="action" value="promptpay">
    <button type="submit">Pay with PromptPay (succeeds later)</button></form>
  <form method="post"><input type="hidden" name="action" value="promptpay_fail">
    <button type="submit">PromptPay payment fails</button></form>
  {% endif %}
  <form method="post"><input type="hidden" name="action" value="cancel">
    <button type="submit">Cancel</button></form>
{% else %}
  <p>This checkout session is {{ session.status }}
    {%- if session.status == "complete" %} ({{ session.payment_status }}){% endif %}.</p>
  {% if session.status == "complete" and session.success_url %}
    <p><a href="{{ session.success_url }}">Back to the shop</a></p>
  {% elif session.cancel_url %}
    <p><a href="{{ session.cancel_url }}">Back to the shop</a></p>
  {% endif %}
{% endif %}
</body>
</html>
"""


def money(amount, currency):
    """An amount in the smallest unit as text, e.g. ฿1,250.00."""
    symbol = "฿" if currency == "thb" else currency.upper() + " "
    return f"{symbol}{amount / 100:,.2f}"


def create_app(
    webhook_url=None,
    webhook_secret=None,
    *,
    api_key=None,
    promptpay_delay=2.0,
    public_url=None,
    send=None,
):
    """A fake Stripe. Events go to `webhook_url` signed with `webhook_secret`, or to
    `send(event)` when given; with neither they wait in `app.extensions["fakestripe"].outbox`.
    """
    if send is None and webhook_url:
        if not webhook_secret:
            raise ValueError("a webhook URL needs a webhook secret")
        send = HttpSender(webhook_url, webhook_secret)
    state = FakeStripe(
        api_key=api_key, send=send, promptpay_delay=promptpay_delay, public_url=public_url
    )
    app = Flask(__name__)
    app.extensions["fakestripe"] = state

    @app.errorhandler(StripeFakeError)
    def stripe_error(error):
        return _json(error.json(), error.status)

    @app.errorhandler(forms.FormError)
    def form_error(error):
        return _json(StripeFakeError(str(error)).json(), 400)

    @app.errorhandler(404)
    def not_found(_error):
        if request.path.startswith("/v1/"):
            message = f"Unrecognized request URL ({request.method}: {request.path})."
            return _json(StripeFakeError(message, status=404).json(), 404)
        return "Not found", 404

    def api_key_and_params():
        key = state.check_key(request.headers.get("Authorization"))
        if request.method == "GET":
            params = forms.decode(request.args.items(multi=True))
        else:
            params = forms.decode(request.form.items(multi=True))
        with state.lock:
            state.requests.append((request.method, request.path, params))
        return key, params

    def create(run):
        key, params = api_key_and_params()
        status, body, replayed = state.idempotent(
            key,
            request.headers.get("Idempotency-Key"),
            request.method,
            request.path,
            params,
            lambda: (200, run(params)),
        )
        response = _json(body, status)
        if replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    @app.post("/v1/checkout/sessions")
    def create_session():
        return create(lambda params: state.create_session(params, request.host_url))

    @app.get("/v1/checkout/sessions/<session_id>")
    def get_session(session_id):
        api_key_and_params()
        return _json(state.get_session(session_id))

    @app.get("/v1/checkout/sessions/<session_id>/line_items")
    def get_line_items(session_id):
        api_key_and_params()
        return _json(state.get_line_items(session_id))

    @app.post("/v1/checkout/sessions/<session_id>/expire")
    def expire_session(session_id):
        return create(lambda _params: state.expire_session(session_id))

    @app.post("/v1/refunds")
    def create_refund():
        return create(state.create_refund)

    @app.get("/v1/refunds/<refund_id>")
    def get_refund(refund_id):
        api_key_and_params()
        return _json(state.get_refund(refund_id))

    @app.get("/v1/payment_intents/<intent_id>")
    def get_payment_intent(intent_id):
        api_key_and_params()
        return _json(state.get_payment_intent(intent_id))

    # -- the hosted checkout page ------------------------------------------------------------

    @app.get("/pay/<session_id>")
    def hosted_page(session_id):
        try:
            session = state.get_session(session_id)
        except StripeFakeError:
            abort(404)
        items = state.get_line_items(session_id)["data"]
        return render_template_string(PAGE, session=session, items=items, money=money)

    @app.post("/pay/<session_id>")
    def hosted_page_submit(session_id):
        try:
            session = state.get_session(session_id)
        except StripeFakeError:
            abort(404)
        action = request.form.get("action", "")
        if action == "cancel" or session["status"] != "open":
            return redirect(session.get("cancel_url") or f"/pay/{session_id}", code=303)
        if action not in ("card", "promptpay", "promptpay_fail"):
            abort(400)
        method = "card" if action == "card" else "promptpay"
        pending = state.complete(session_id, method)
        state.deliver(pending, wait=True)  # the shop knows before the buyer lands there
        if method == "promptpay" and state.send is not None:
            state.settle_later(session_id, succeed=action == "promptpay")
        session = state.get_session(session_id)
        if session["status"] != "complete":
            return redirect(f"/pay/{session_id}", code=303)
        target = session["success_url"].replace("{CHECKOUT_SESSION_ID}", session_id)
        return redirect(target, code=303)

    return app


def _json(body, status=200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Request-Id"] = events.new_id("req_", 14)
    response.headers["Stripe-Version"] = "fake"
    return response
