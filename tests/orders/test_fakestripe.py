"""The fake Stripe answers in shapes the real stripe library parses, and behaves as Stripe does."""

import json
import subprocess
import sys
import threading
import time

import pytest
import stripe
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from fakestripe import FakeStripeServer, create_app, forms
from fakestripe.events import signed

KEY = "sk_test_fake"
SECRET = "whsec_fake_tests"


def _params(**changes):
    params = {
        "mode": "payment",
        "currency": "thb",
        "line_items": [
            {
                "price_data": {
                    "currency": "thb",
                    "unit_amount": 12000,
                    "product_data": {"name": "ข้าวเหนียวดำ (1 กก.)"},
                },
                "quantity": 2,
            },
            {
                "price_data": {
                    "currency": "thb",
                    "unit_amount": 5000,
                    "product_data": {"name": "Shipping"},
                },
                "quantity": 1,
            },
        ],
        "payment_method_types": ["card", "promptpay"],
        "client_reference_id": "MP-TEST-0001",
        "metadata": {"order_reference": "MP-TEST-0001"},
        "customer_email": "buyer@example.com",
        "expires_at": int(time.time()) + 31 * 60,
        "success_url": "http://shop.test/orders/MP-TEST-0001?token=t",
        "cancel_url": "http://shop.test/orders/MP-TEST-0001?token=t&checkout=cancel",
    }
    params.update(changes)
    return params


@pytest.fixture
def server():
    with FakeStripeServer(api_key=KEY) as running:
        yield running


@pytest.fixture
def client(server):
    return stripe.StripeClient(KEY, base_addresses={"api": server.url}, max_network_retries=0)


def test_a_session_is_created_retrieved_and_expired_through_the_library(server, client):
    session = client.v1.checkout.sessions.create(params=_params())
    assert isinstance(session, stripe.checkout.Session)
    assert session.id.startswith("cs_test_")
    assert session.object == "checkout.session"
    assert session.amount_total == 29000 and session.currency == "thb"
    assert session.status == "open" and session.payment_status == "unpaid"
    assert session.url == f"{server.url}/pay/{session.id}"
    assert session.metadata.order_reference == "MP-TEST-0001"
    assert session.client_reference_id == "MP-TEST-0001"
    assert list(session.payment_method_types) == ["card", "promptpay"]

    again = client.v1.checkout.sessions.retrieve(session.id)
    assert again.id == session.id and again.expires_at == session.expires_at
    items = client.v1.checkout.sessions.line_items.list(session.id)
    assert [(i.description, i.quantity, i.amount_total) for i in items.data] == [
        ("ข้าวเหนียวดำ (1 กก.)", 2, 24000),
        ("Shipping", 1, 5000),
    ]

    expired = client.v1.checkout.sessions.expire(session.id)
    assert expired.status == "expired" and expired.url is None
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.expire(session.id)
    assert raised.value.http_status == 400
    [event] = server.state.outbox
    assert event["type"] == "checkout.session.expired"
    assert event["data"]["object"]["id"] == session.id


def test_an_unknown_session_is_resource_missing(client):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.retrieve("cs_test_nothing")
    assert raised.value.http_status == 404
    assert raised.value.code == "resource_missing"
    assert "No such checkout.session" in raised.value.user_message


def test_an_idempotency_key_makes_one_session(server, client):
    params = _params()
    first = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})
    second = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k1"})
    assert first.id == second.id
    assert len(server.state.sessions) == 1
    with pytest.raises(stripe.IdempotencyError):
        client.v1.checkout.sessions.create(
            params=_params(client_reference_id="MP-OTHER"), options={"idempotency_key": "k1"}
        )
    other = client.v1.checkout.sessions.create(params=params, options={"idempotency_key": "k2"})
    assert other.id != first.id


def test_a_wrong_key_is_refused(server):
    wrong = stripe.StripeClient(
        "sk_test_wrong", base_addresses={"api": server.url}, max_network_retries=0
    )
    with pytest.raises(stripe.AuthenticationError):
        wrong.v1.checkout.sessions.create(params=_params())


@pytest.mark.parametrize(
    "changes, param",
    [
        ({"expires_at": int(time.time()) + 10 * 60}, "expires_at"),
        ({"expires_at": int(time.time()) + 25 * 3600}, "expires_at"),
        ({"mode": "subscription"}, "mode"),
        ({"success_url": "not a url"}, "success_url"),
        ({"payment_method_types": ["card", "bitcoin"]}, "payment_method_types"),
        ({"colour": "red"}, "colour"),
        ({"currency": "usd"}, "currency"),
        ({"line_items": []}, "line_items"),
    ],
)
def test_bad_parameters_are_refused_as_stripe_does(server, client, changes, param):
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=_params(**changes))
    assert raised.value.param == param
    assert raised.value.http_status == 400
    assert server.state.sessions == {}


def test_a_total_below_stripes_minimum_is_refused(client):
    small = _params()
    small["line_items"] = [
        {
            "price_data": {"currency": "thb", "unit_amount": 900, "product_data": {"name": "x"}},
            "quantity": 1,
        }
    ]
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.checkout.sessions.create(params=small)
    assert raised.value.code == "amount_too_small"


def test_refunds_after_a_card_payment(server, client):
    session = client.v1.checkout.sessions.create(params=_params())
    [completed] = server.state.complete(session.id, "card")
    paid = completed["data"]["object"]
    assert paid["payment_status"] == "paid" and paid["status"] == "complete"
    intent = client.v1.payment_intents.retrieve(paid["payment_intent"])
    assert intent.status == "succeeded" and intent.amount_received == 29000
    assert intent.metadata.to_dict() == {}
    refund = client.v1.refunds.create(
        params={"payment_intent": intent.id, "amount": 5000}, options={"idempotency_key": "r1"}
    )
    assert isinstance(refund, stripe.Refund)
    assert refund.id.startswith("re_") and refund.status == "succeeded"
    assert (refund.amount, refund.currency, refund.payment_intent) == (5000, "thb", intent.id)
    assert client.v1.refunds.retrieve(refund.id).amount == 5000
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 24001})
    assert raised.value.code == "amount_too_large"
    rest = client.v1.refunds.create(params={"payment_intent": intent.id})
    assert rest.amount == 24000
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create(params={"payment_intent": intent.id, "amount": 1})
    assert raised.value.code == "charge_already_refunded"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": "pi_nothing"})


def test_a_promptpay_payment_cannot_be_refunded_before_it_arrives(server, client):
    session = client.v1.checkout.sessions.create(params=_params())
    [completed] = server.state.complete(session.id, "promptpay")
    intent_id = completed["data"]["object"]["payment_intent"]
    assert completed["data"]["object"]["payment_status"] == "unpaid"
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create(params={"payment_intent": intent_id})
    [succeeded] = server.state.settle(session.id)
    assert succeeded["type"] == "checkout.session.async_payment_succeeded"
    assert client.v1.refunds.create(params={"payment_intent": intent_id}).amount == 29000


# -- the hosted page and signed webhooks -----------------------------------------------------


class Receiver:
    """A tiny webhook endpoint that checks each delivery with the stripe library."""

    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

        @Request.application
        def app(request):
            event = stripe.Webhook.construct_event(
                request.get_data(), request.headers.get("Stripe-Signature"), SECRET
            )
            with self.lock:
                self.events.append(event)
            return Response("{}", content_type="application/json")

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/stripe/webhook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def wait_for(self, count, timeout=5):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.events) >= count:
                    return list(self.events)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.events)} events, wanted {count}")


def test_the_hosted_page_pays_by_card_and_sends_a_signed_webhook():
    with (
        Receiver() as receiver,
        FakeStripeServer(webhook_url=receiver.url, webhook_secret=SECRET) as fake,
    ):
        client = stripe.StripeClient(KEY, base_addresses={"api": fake.url})
        session = client.v1.checkout.sessions.create(params=_params())
        page = fake.app.test_client()
        html = page.get(f"/pay/{session.id}").get_data(as_text=True)
        assert "฿290.00" in html
        for button in ("Pay by card", "Pay with PromptPay (succeeds later)", "Cancel"):
            assert button in html
        assert "<script" not in html
        response = page.post(f"/pay/{session.id}", data={"action": "card"})
        assert response.status_code == 303
        assert response.headers["Location"] == session.success_url
        # Delivered before the redirect, so the shop knows when the buyer lands there.
        [event] = receiver.events
        assert isinstance(event, stripe.Event)
        assert event.type == "checkout.session.completed"
        assert event.data.object.payment_status == "paid"
        assert event.data.object.amount_total == 29000
        assert fake.state.deliveries == [(event.id, event.type, 200)]
        again = page.get(f"/pay/{session.id}").get_data(as_text=True)
        assert "complete" in again and "Pay by card" not in again


def test_the_hosted_page_promptpay_succeeds_later():
    with (
        Receiver() as receiver,
        FakeStripeServer(webhook_url=receiver.url, webhook_secret=SECRET, promptpay_delay=0.1) as f,
    ):
        client = stripe.StripeClient(KEY, base_addresses={"api": f.url})
        session = client.v1.checkout.sessions.create(params=_params())
        response = f.app.test_client().post(f"/pay/{session.id}", data={"action": "promptpay"})
        assert response.status_code == 303
        first, second = receiver.wait_for(2)
        assert (first.type, first.data.object.payment_status) == (
            "checkout.session.completed",
            "unpaid",
        )
        assert (second.type, second.data.object.payment_status) == (
            "checkout.session.async_payment_succeeded",
            "paid",
        )


def test_the_hosted_page_cancel_goes_back_and_leaves_the_session_open(server, client):
    session = client.v1.checkout.sessions.create(params=_params())
    response = server.app.test_client().post(f"/pay/{session.id}", data={"action": "cancel"})
    assert response.headers["Location"] == session.cancel_url
    assert client.v1.checkout.sessions.retrieve(session.id).status == "open"
    assert server.state.outbox == []


def test_a_session_past_its_time_expires_on_sight(server, client):
    session = client.v1.checkout.sessions.create(params=_params())
    server.state.sessions[session.id]["expires_at"] = int(time.time()) - 1
    assert client.v1.checkout.sessions.retrieve(session.id).status == "expired"
    [event] = server.state.outbox
    assert event["type"] == "checkout.session.expired"


def test_signed_events_verify_with_the_library():
    event = {"id": "evt_1", "object": "event", "type": "x", "data": {"object": {}}}
    body, header = signed(event, SECRET)
    assert stripe.Webhook.construct_event(body, header, SECRET).id == "evt_1"
    body, header = signed(event, SECRET, timestamp=int(time.time()) - 301)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, SECRET, tolerance=300)


def test_the_form_decoder_reads_stripes_encoding():
    pairs = [
        ("line_items[0][price_data][unit_amount]", "100"),
        ("line_items[0][quantity]", "2"),
        ("line_items[1][quantity]", "1"),
        ("payment_method_types[0]", "card"),
        ("payment_method_types[1]", "promptpay"),
        ("metadata[order]", "MP-1"),
        ("expand[]", "payment_intent"),
        ("mode", "payment"),
    ]
    assert forms.decode(pairs) == {
        "line_items": [{"price_data": {"unit_amount": "100"}, "quantity": "2"}, {"quantity": "1"}],
        "payment_method_types": ["card", "promptpay"],
        "metadata": {"order": "MP-1"},
        "expand": ["payment_intent"],
        "mode": "payment",
    }
    for bad in ([("a[b", "1")], [("a", "1"), ("a[b]", "2")], [("x[1]", "1")], [("[a]", "1")]):
        with pytest.raises(forms.FormError):
            forms.decode(bad)


def test_the_fake_is_thread_safe_under_concurrent_creates(server, client):
    errors = []
    params = _params()

    def create(n):
        try:
            client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"same-{n % 5}"}
            )
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(server.state.sessions) == 5


def test_unknown_api_routes_answer_in_stripes_error_shape(server):
    response = (
        create_app().test_client().get("/v1/customers", headers={"Authorization": f"Bearer {KEY}"})
    )
    assert response.status_code == 404
    assert json.loads(response.data)["error"]["type"] == "invalid_request_error"


def test_the_command_line_starts(runner):
    result = runner.invoke(args=["fake-stripe", "--help"])
    assert result.exit_code == 0 and "--webhook-url" in result.output
    done = subprocess.run(
        [sys.executable, "-m", "fakestripe", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "--webhook-secret" in done.stdout
