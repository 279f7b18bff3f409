"""The fake's in-memory Stripe account: sessions, payment intents, refunds, events; thread-safe.

Every change happens under one lock; webhooks are delivered after the lock is
released (the app may call back into the fake while it handles one). Errors
are `StripeFakeError`s carrying Stripe's HTTP status and error JSON.
"""

import base64
import copy
import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request

from . import events

log = logging.getLogger(__name__)

MIN_LIFETIME = 30 * 60
MAX_LIFETIME = 24 * 3600
# Stripe's minimum charge per currency (in the smallest unit), for the ones we meet.
MINIMUM_AMOUNT = {"thb": 1000, "usd": 50, "eur": 50, "jpy": 50}
MAX_AMOUNT = 99_999_999
PAYMENT_METHOD_CURRENCIES = {"card": None, "promptpay": {"thb"}}
SESSION_PARAMS = {
    "mode",
    "currency",
    "line_items",
    "payment_method_types",
    "client_reference_id",
    "metadata",
    "payment_intent_data",
    "customer_email",
    "locale",
    "expires_at",
    "success_url",
    "cancel_url",
    "expand",
}
REFUND_PARAMS = {"payment_intent", "charge", "amount", "reason", "metadata", "expand"}
REFUND_REASONS = {"duplicate", "fraudulent", "requested_by_customer"}
LOCALES = {"auto", "th", "en"}
_URL = re.compile(r"^https?://[^\s/]+")


class StripeFakeError(Exception):
    """An API error in Stripe's shape: HTTP status and the `error` object."""

    def __init__(self, message, *, status=400, type="invalid_request_error", param=None, code=None):
        super().__init__(message)
        self.status = status
        self.body = {"message": message, "type": type}
        if param:
            self.body["param"] = param
        if code:
            self.body["code"] = code
            self.body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"

    def json(self):
        """The response body Stripe sends."""
        return {"error": dict(self.body)}


def _missing(kind, object_id, param=None, status=404):
    return StripeFakeError(
        f"No such {kind}: '{object_id}'", status=status, param=param, code="resource_missing"
    )


def _integer(value, param):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    raise StripeFakeError(f"Invalid integer: {value}", param=param)


def _string(value, param, max_length=5000):
    if not isinstance(value, str):
        raise StripeFakeError(f"Invalid string: {value!r}", param=param)
    if len(value) > max_length:
        raise StripeFakeError(
            f"Invalid string: {value[:20]}...; must be at most {max_length} characters long",
            param=param,
        )
    return value


def _metadata(value, param="metadata"):
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise StripeFakeError("Invalid object", param=param)
    if len(value) > 50:
        raise StripeFakeError("Metadata can have at most 50 keys.", param=param)
    for key, item in value.items():
        if len(key) > 40:
            raise StripeFakeError("Metadata keys can be at most 40 characters.", param=param)
        _string(item, f"{param}[{key}]", 500)
    return dict(value)


def _unknown(params, known, prefix=""):
    for key in params:
        if key not in known:
            raise StripeFakeError(f"Received unknown parameter: {prefix}{key}", param=key)


class FakeStripe:
    """One fake Stripe account.

    `send` delivers one event (a dict) to the app and returns the HTTP status,
    or is None: then events wait in `outbox` until a test delivers them.
    """

    def __init__(self, *, api_key=None, send=None, promptpay_delay=2.0, public_url=None):
        self.lock = threading.RLock()
        self.api_key = api_key
        self.send = send
        self.promptpay_delay = promptpay_delay
        self.public_url = public_url
        self.sessions = {}
        self.line_items = {}
        self._intent_metadata = {}
        self.payment_intents = {}
        self.refunds = {}
        self.events = []  # every event, in the order they happened
        self.outbox = []  # events not yet delivered (when `send` is None)
        self.deliveries = []  # (event id, type, HTTP status or error) of sent events
        self.requests = []  # (method, path, params) of every API request
        self._idempotent = {}
        self._timers = []

    # -- API keys and idempotency ------------------------------------------------------------

    def check_key(self, authorization):
        """The API key of an `Authorization: Bearer …` header; 401 when missing or wrong."""
        key = ""
        if authorization and authorization.startswith("Bearer "):
            key = authorization[len("Bearer ") :].strip()
        elif authorization and authorization.startswith("Basic "):  # curl -u sk_test_…:
            try:
                decoded = base64.b64decode(authorization[len("Basic ") :]).decode()
            except ValueError:
                decoded = ""
            key = decoded.partition(":")[0]
        if not key:
            raise StripeFakeError(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth "
                "(e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
                status=401,
            )
        if (self.api_key and key != self.api_key) or not key.startswith(("sk_", "rk_")):
            raise StripeFakeError(f"Invalid API Key provided: {key[:8]}****", status=401)
        return key

    def idempotent(self, api_key, idempotency_key, method, path, params, run):
        """Run `run()` once per key: the same key with the same request replays the answer.

        Returns (status, body, replayed). As Stripe, a request refused while its
        parameters were validated is not remembered.
        """
        if not idempotency_key:
            status, body = run()
            return status, body, False
        if len(idempotency_key) > 255:
            raise StripeFakeError("Idempotency keys can be at most 255 characters long.")
        fingerprint = json.dumps([method, path, params], sort_keys=True)
        with self.lock:
            stored = self._idempotent.get((api_key, idempotency_key))
            if stored is not None:
                if stored[0] != fingerprint:
                    raise StripeFakeError(
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with. Try using a key other than "
                        f"'{idempotency_key}' if you meant to execute a different request.",
                        type="idempotency_error",
                    )
                return stored[1], copy.deepcopy(stored[2]), True
            status, body = run()
            self._idempotent[(api_key, idempotency_key)] = (fingerprint, status, body)
            return status, copy.deepcopy(body), False

    # -- Checkout Sessions -------------------------------------------------------------------

    def create_session(self, params, base_url):
        """A new Checkout Session from form params (validated as Stripe does)."""
        _unknown(params, SESSION_PARAMS)
        mode = params.get("mode")
        if mode is None:
            raise StripeFakeError("Missing required param: mode.", param="mode")
        if mode != "payment":
            raise StripeFakeError(f"Invalid mode: {mode} (the fake supports payment)", param="mode")
        items = self._line_items(params.get("line_items"))
        currency = items[0]["currency"]
        if params.get("currency") not in (None, currency):
            raise StripeFakeError(
                "The currency of the line items must match the session's currency.",
                param="currency",
            )
        amount = sum(item["amount_total"] for item in items)
        minimum = MINIMUM_AMOUNT.get(currency, 50)
        if amount < minimum:
            raise StripeFakeError(
                f"The Checkout Session's total amount due must add up to at least "
                f"{minimum} {currency} (in the smallest unit).",
                param="line_items",
                code="amount_too_small",
            )
        if amount > MAX_AMOUNT:
            raise StripeFakeError(
                "The Checkout Session's total amount due must be at most 99999999.",
                param="line_items",
                code="amount_too_large",
            )
        methods = params.get("payment_method_types") or ["card"]
        if not isinstance(methods, list):
            raise StripeFakeError("Invalid array", param="payment_method_types")
        for method in methods:
            if method not in PAYMENT_METHOD_CURRENCIES:
                raise StripeFakeError(
                    f"Invalid payment_method_types[0]: must be one of "
                    f"{', '.join(sorted(PAYMENT_METHOD_CURRENCIES))}",
                    param="payment_method_types",
                )
            allowed = PAYMENT_METHOD_CURRENCIES[method]
            if allowed and currency not in allowed:
                raise StripeFakeError(
                    f"The currency provided ({currency}) is invalid. Payments with {method} "
                    f"support the following currencies: {', '.join(sorted(allowed))}.",
                    param="payment_method_types",
                )
        now = int(time.time())
        expires_at = params.get("expires_at")
        if expires_at is None:
            expires_at = now + MAX_LIFETIME
        expires_at = _integer(expires_at, "expires_at")
        if expires_at < now + MIN_LIFETIME - 5:
            raise StripeFakeError(
                "The `expires_at` timestamp must be at least 30 minutes from Checkout Session "
                "creation.",
                param="expires_at",
            )
        if expires_at > now + MAX_LIFETIME + 5:
            raise StripeFakeError(
                "The `expires_at` timestamp must be less than 24 hours from Checkout Session "
                "creation.",
                param="expires_at",
            )
        success_url = params.get("success_url")
        if not success_url:
            raise StripeFakeError("Missing required param: success_url.", param="success_url")
        for name in ("success_url", "cancel_url"):
            value = params.get(name)
            if value is not None and not _URL.match(_string(value, name)):
                raise StripeFakeError("Not a valid URL", param=name, code="url_invalid")
        reference = params.get("client_reference_id")
        if reference is not None:
            _string(reference, "client_reference_id", 200)
        email = params.get("customer_email")
        if email is not None and "@" not in _string(email, "customer_email", 512):
            raise StripeFakeError(
                f"Invalid email address: {email}", param="customer_email", code="email_invalid"
            )
        locale = params.get("locale")
        if locale is not None and locale not in LOCALES:
            raise StripeFakeError(f"Invalid locale: {locale}", param="locale")
        intent_data = params.get("payment_intent_data") or {}
        if not isinstance(intent_data, dict):
            raise StripeFakeError("Invalid object", param="payment_intent_data")
        _unknown(intent_data, {"metadata", "description"}, "payment_intent_data[")
        intent_metadata = _metadata(intent_data.get("metadata"), "payment_intent_data[metadata]")
        session = events.checkout_session(
            amount_total=amount,
            currency=currency,
            client_reference_id=reference,
            metadata=_metadata(params.get("metadata")),
            cancel_url=params.get("cancel_url"),
            success_url=success_url,
            customer_email=email,
            expires_at=expires_at,
            locale=locale,
            payment_method_types=list(methods),
        )
        base = (self.public_url or base_url).rstrip("/")
        session["url"] = f"{base}/pay/{session['id']}"
        with self.lock:
            self.sessions[session["id"]] = session
            self.line_items[session["id"]] = items
            self._intent_metadata[session["id"]] = intent_metadata
            return copy.deepcopy(session)

    def _line_items(self, value):
        if not value:
            raise StripeFakeError("Missing required param: line_items.", param="line_items")
        if not isinstance(value, list):
            raise StripeFakeError("Invalid array", param="line_items")
        if len(value) > 100:
            raise StripeFakeError(
                "A Checkout Session in payment mode can have at most 100 line items.",
                param="line_items",
            )
        items = []
        currency = None
        for i, raw in enumerate(value):
            param = f"line_items[{i}]"
            if not isinstance(raw, dict):
                raise StripeFakeError("Invalid object", param=param)
            _unknown(raw, {"price_data", "quantity"}, f"{param}[")
            price = raw.get("price_data")
            if not isinstance(price, dict):
                raise StripeFakeError(
                    f"Missing required param: {param}[price_data] (the fake has no Prices).",
                    param=f"{param}[price_data]",
                )
            _unknown(price, {"currency", "unit_amount", "product_data"}, f"{param}[price_data][")
            item_currency = (price.get("currency") or "").lower()
            if not re.fullmatch(r"[a-z]{3}", item_currency):
                raise StripeFakeError(
                    f"Invalid currency: {item_currency}", param=f"{param}[price_data][currency]"
                )
            if currency not in (None, item_currency):
                raise StripeFakeError(
                    "All line items must use the same currency.",
                    param=f"{param}[price_data][currency]",
                )
            currency = item_currency
            if price.get("unit_amount") is None:
                raise StripeFakeError(
                    f"Missing required param: {param}[price_data][unit_amount].",
                    param=f"{param}[price_data][unit_amount]",
                )
            unit = _integer(price["unit_amount"], f"{param}[price_data][unit_amount]")
            if unit < 0:
                raise StripeFakeError(
                    "This value must be greater than or equal to 0.",
                    param=f"{param}[price_data][unit_amount]",
                )
            product = price.get("product_data") or {}
            name = product.get("name") if isinstance(product, dict) else None
            if not name:
                raise StripeFakeError(
                    f"Missing required param: {param}[price_data][product_data][name].",
                    param=f"{param}[price_data][product_data][name]",
                )
            quantity = _integer(raw.get("quantity"), f"{param}[quantity]")
            if not 1 <= quantity <= 999_999:
                raise StripeFakeError(
                    "Quantity must be between 1 and 999999.", param=f"{param}[quantity]"
                )
            items.append(
                {
                    "id": events.new_id("li_1"),
                    "object": "item",
                    "amount_discount": 0,
                    "amount_subtotal": unit * quantity,
                    "amount_tax": 0,
                    "amount_total": unit * quantity,
                    "currency": item_currency,
                    "description": _string(name, f"{param}[price_data][product_data][name]"),
                    "price": {
                        "id": events.new_id("price_1"),
                        "object": "price",
                        "currency": item_currency,
                        "unit_amount": unit,
                        "type": "one_time",
                    },
                    "quantity": quantity,
                }
            )
        return items

    def get_session(self, session_id):
        """A session (expired first if its time ran out), as the API returns it."""
        self.expire_overdue()
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise _missing("checkout.session", session_id)
            return copy.deepcopy(session)

    def get_line_items(self, session_id):
        """The session's line items, as a Stripe list."""
        with self.lock:
            if session_id not in self.sessions:
                raise _missing("checkout.session", session_id)
            items = copy.deepcopy(self.line_items[session_id])
        return {
            "object": "list",
            "data": items,
            "has_more": False,
            "url": f"/v1/checkout/sessions/{session_id}/line_items",
        }

    def expire_session(self, session_id):
        """Expire an open session (the API call): checkout.session.expired follows."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise _missing("checkout.session", session_id)
            if session["status"] != "open":
                raise StripeFakeError(
                    'Only Checkout Sessions with a status in ["open"] can be expired.',
                    param="session",
                )
            pending = self._expire(session)
            result = copy.deepcopy(session)
        self.deliver(pending, wait=False)
        return result

    def _expire(self, session):
        session["status"] = "expired"
        session["url"] = None
        return [self._event("checkout.session.expired", session)]

    def expire_overdue(self, now=None):
        """Expire every open session whose expires_at passed (Stripe does this by itself)."""
        now = now or time.time()
        pending = []
        with self.lock:
            for session in self.sessions.values():
                if session["status"] == "open" and session["expires_at"] <= now:
                    pending += self._expire(session)
        self.deliver(pending, wait=False)

    # -- the hosted page's outcomes ----------------------------------------------------------

    def complete(self, session_id, method="card"):
        """The buyer pays on the hosted page; the events to deliver.

        card: paid at once. promptpay: the session completes unpaid; the money
        comes later (`settle`).
        """
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise _missing("checkout.session", session_id)
            if session["status"] == "open" and session["expires_at"] <= time.time():
                return self._expire(session)
            if session["status"] != "open":
                raise StripeFakeError(
                    f"This Checkout Session is {session['status']}.", param="session"
                )
            if method not in session["payment_method_types"]:
                raise StripeFakeError(f"{method} is not offered by this session.")
            paid = method == "card"
            intent = {
                "id": events.new_id("pi_3"),
                "object": "payment_intent",
                "amount": session["amount_total"],
                "amount_received": session["amount_total"] if paid else 0,
                "amount_refunded": 0,
                "currency": session["currency"],
                "created": int(time.time()),
                "latest_charge": events.new_id("ch_3") if paid else None,
                "livemode": False,
                "metadata": dict(self._intent_metadata.get(session_id, {})),
                "payment_method_types": [method],
                "status": "succeeded" if paid else "processing",
            }
            self.payment_intents[intent["id"]] = intent
            session["status"] = "complete"
            session["url"] = None
            session["payment_intent"] = intent["id"]
            session["payment_status"] = "paid" if paid else "unpaid"
            session["customer_details"] = {
                "address": None,
                "email": session["customer_email"],
                "name": None,
                "phone": None,
                "tax_exempt": "none",
                "tax_ids": [],
            }
            return [self._event("checkout.session.completed", session)]

    def settle(self, session_id, succeed=True):
        """A PromptPay payment arrives (or fails); the events to deliver."""
        with self.lock:
            session = self.sessions.get(session_id)
            if session is None:
                raise _missing("checkout.session", session_id)
            if session["status"] != "complete" or session["payment_status"] != "unpaid":
                raise StripeFakeError("This Checkout Session waits for no payment.")
            intent = self.payment_intents[session["payment_intent"]]
            if succeed:
                intent["status"] = "succeeded"
                intent["amount_received"] = intent["amount"]
                intent["latest_charge"] = events.new_id("ch_3")
                session["payment_status"] = "paid"
                return [self._event("checkout.session.async_payment_succeeded", session)]
            intent["status"] = "requires_payment_method"
            return [self._event("checkout.session.async_payment_failed", session)]

    def settle_later(self, session_id, succeed=True):
        """Settle a PromptPay payment after `promptpay_delay` seconds, in another thread."""

        def run():
            try:
                self.deliver(self.settle(session_id, succeed), wait=True)
            except StripeFakeError as error:
                log.warning("could not settle %s: %s", session_id, error)

        timer = threading.Timer(self.promptpay_delay, run)
        timer.daemon = True
        with self.lock:
            self._timers.append(timer)
        timer.start()

    # -- refunds and payment intents ---------------------------------------------------------

    def create_refund(self, params):
        """Refund (part of) a succeeded payment intent."""
        _unknown(params, REFUND_PARAMS)
        intent_id = params.get("payment_intent")
        with self.lock:
            intent = None
            if intent_id:
                intent = self.payment_intents.get(intent_id)
                if intent is None:
                    raise _missing("payment_intent", intent_id, "payment_intent", status=400)
            elif params.get("charge"):
                charge = params["charge"]
                intent = next(
                    (i for i in self.payment_intents.values() if i["latest_charge"] == charge),
                    None,
                )
                if intent is None:
                    raise _missing("charge", charge, "charge", status=400)
            else:
                raise StripeFakeError(
                    "One of the following params should be provided for this request: "
                    "payment_intent or charge."
                )
            if intent["status"] != "succeeded":
                raise StripeFakeError(
                    f"This PaymentIntent ({intent['id']}) does not have a successful charge "
                    "to refund.",
                    param="payment_intent",
                )
            remaining = intent["amount_received"] - intent["amount_refunded"]
            if remaining <= 0:
                raise StripeFakeError(
                    f"Charge {intent['latest_charge']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = params.get("amount")
            amount = remaining if amount is None else _integer(amount, "amount")
            if amount <= 0:
                raise StripeFakeError("Invalid positive integer", param="amount")
            if amount > remaining:
                raise StripeFakeError(
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                    f"({remaining})",
                    param="amount",
                    code="amount_too_large",
                )
            reason = params.get("reason")
            if reason is not None and reason not in REFUND_REASONS:
                raise StripeFakeError(f"Invalid reason: {reason}", param="reason")
            intent["amount_refunded"] += amount
            refund = {
                "id": events.new_id("re_3"),
                "object": "refund",
                "amount": amount,
                "balance_transaction": events.new_id("txn_3"),
                "charge": intent["latest_charge"],
                "created": int(time.time()),
                "currency": intent["currency"],
                "destination_details": None,
                "metadata": _metadata(params.get("metadata")),
                "payment_intent": intent["id"],
                "reason": reason,
                "receipt_number": None,
                "source_transfer_reversal": None,
                "status": "succeeded",
                "transfer_reversal": None,
            }
            self.refunds[refund["id"]] = refund
            return copy.deepcopy(refund)

    def get_refund(self, refund_id):
        """A refund by id."""
        with self.lock:
            refund = self.refunds.get(refund_id)
            if refund is None:
                raise _missing("refund", refund_id)
            return copy.deepcopy(refund)

    def get_payment_intent(self, intent_id):
        """A payment intent by id."""
        with self.lock:
            intent = self.payment_intents.get(intent_id)
            if intent is None:
                raise _missing("payment_intent", intent_id)
            return copy.deepcopy(intent)

    # -- events ------------------------------------------------------------------------------

    def _event(self, type, obj):
        built = events.event(type, obj)
        self.events.append(built)
        return built

    def deliver(self, pending, wait=True):
        """Send events to the app (in order); with no sender, keep them in `outbox`."""
        if not pending:
            return
        if self.send is None:
            with self.lock:
                self.outbox.extend(pending)
            return
        if wait:
            self._send_all(pending)
        else:
            threading.Thread(target=self._send_all, args=(pending,), daemon=True).start()

    def _send_all(self, pending):
        for item in pending:
            try:
                status = self.send(item)
            except Exception as error:  # a fake: record it and go on
                log.warning("webhook %s not delivered: %s", item["id"], error)
                status = repr(error)
            with self.lock:
                self.deliveries.append((item["id"], item["type"], status))

    def take_outbox(self):
        """The undelivered events, emptied."""
        with self.lock:
            pending, self.outbox = self.outbox, []
        return pending

    def stop_timers(self):
        """Cancel PromptPay settlements still waiting."""
        with self.lock:
            timers, self._timers = self._timers, []
        for timer in timers:
            timer.cancel()


class HttpSender:
    """Delivers events to a webhook URL, signed like Stripe's; retries a few times on failure."""

    def __init__(self, url, secret, attempts=3, timeout=30):
        self.url = url
        self.secret = secret
        self.attempts = attempts
        self.timeout = timeout

    def __call__(self, item):
        status = None
        for attempt in range(self.attempts):
            body, signature = events.signed(item, self.secret)
            request = urllib.request.Request(  # noqa: S310  (a URL the operator gave)
                self.url, data=body, headers=events.headers(signature), method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = repr(error)
            if isinstance(status, int) and status < 500:
                return status
            time.sleep(0.5 * (attempt + 1))
        return status
