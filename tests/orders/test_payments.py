"""Stripe payments: Checkout Sessions and refunds through the real stripe library, on the fake."""

import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db
from marketplace.models import OrderStatus, Payment, PaymentMethod, PaymentStatus
from marketplace.orders import payments, service
from tests.conftest import csrf_token


def _stripe_order(make, quantity=2, price_satang=12000, stock=10, **fields):
    product = make.product(stock=stock, price_satang=price_satang)
    order = make.order({product.variants[0]: quantity}, payment_method="stripe", **fields)
    return order, product.variants[0]


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def test_is_configured_follows_the_secret_key(app, monkeypatch):
    assert payments.is_configured()
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    assert not payments.is_configured()


def test_without_the_webhook_secret_no_card_payment_is_offered(app, monkeypatch, client, make):
    """A key without the webhook secret would take money no webhook could ever confirm."""
    monkeypatch.setitem(app.config, "STRIPE_WEBHOOK_SECRET", "")
    assert not payments.is_configured()
    product = make.product(stock=5)
    db.session.commit()
    client.post(
        "/cart/add",
        data={"csrf_token": csrf_token(client, "/cart"), "variant_id": product.variants[0].id},
    )
    page = client.get("/checkout").get_data(as_text=True)
    assert 'value="transfer"' in page and 'value="stripe"' not in page


@pytest.mark.parametrize(
    ("key", "secret", "logged"),
    [
        ("sk_test_x", "", "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not"),
        ("", "whsec_x", "STRIPE_WEBHOOK_SECRET is set but STRIPE_SECRET_KEY is not"),
        ("sk_test_x", "whsec_x", None),
        ("", "", None),
    ],
)
def test_one_stripe_setting_without_the_other_is_logged_when_the_app_is_built(
    tmp_path, monkeypatch, caplog, key, secret, logged
):
    class HalfStripe(TestConfig):
        def __init__(self, instance_path):
            super().__init__(instance_path)
            self.STRIPE_SECRET_KEY = key
            self.STRIPE_WEBHOOK_SECRET = secret

    monkeypatch.setenv("MARKETPLACE_INSTANCE", str(tmp_path))
    with caplog.at_level(logging.ERROR, logger="marketplace.orders.payments"):
        built = create_app(HalfStripe)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    if logged:
        assert any(logged in message for message in errors), errors
    else:
        assert errors == []
    with built.app_context():
        assert payments.is_configured() is bool(key and secret)
        db.engine.dispose()


def test_a_checkout_session_carries_the_servers_amounts(make, fake_stripe):
    rice = make.product(stock=10, price_satang=12050)
    mat = make.product(stock=5, price_satang=35000)
    mat.group.shipping_flat_satang = 5000
    order = make.order({rice.variants[0]: 3, mat.variants[0]: 1}, payment_method="stripe")
    url = payments.start_checkout(order)
    db.session.commit()

    [session] = fake_stripe.sessions.values()
    assert url == session["url"] and url.startswith(fake_stripe.url + "/pay/")
    items = fake_stripe.state.line_items[session["id"]]
    assert sum(i["amount_total"] for i in items) == order.total_satang == session["amount_total"]
    assert [(i["price"]["unit_amount"], i["quantity"]) for i in items if i["quantity"] == 3] == [
        (12050, 3)
    ]
    # One item per line, one per group's shipping (the rice group ships free here).
    assert order.shipping_satang == 5000
    assert sorted(i["amount_total"] for i in items) == [5000, 35000, 3 * 12050]
    assert session["currency"] == "thb"
    assert session["mode"] == "payment"
    assert session["payment_method_types"] == ["card", "promptpay"]
    assert session["client_reference_id"] == order.reference
    assert session["metadata"] == {"order_reference": order.reference}
    assert session["customer_email"] == order.email
    # Stripe wants at least 30 minutes; the hold follows the session.
    now = datetime.now(UTC).timestamp()
    assert now + 30 * 60 <= session["expires_at"] <= now + 33 * 60
    assert session["expires_at"] == int(_aware(order.expires_at).timestamp())
    success = urlparse(session["success_url"])
    assert success.path == f"/orders/{order.reference}" or order.reference in success.path
    assert service.order_for_token(order.reference, parse_qs(success.query)["token"][0]) is order
    payment = order.payments[0]
    assert payment.method == PaymentMethod.STRIPE
    assert payment.status == PaymentStatus.PENDING
    assert payment.stripe_session_id == session["id"]
    assert payment.checkout_url == url
    assert payment.amount_satang == order.total_satang


def test_a_double_click_makes_one_session(make, fake_stripe):
    order, _ = _stripe_order(make)
    db.session.commit()
    first = payments.start_checkout(order)
    # The first request has not committed yet when the second one asks Stripe:
    # the same idempotency key gets the same session back.
    db.session.rollback()
    second = payments.start_checkout(order)
    db.session.commit()
    third = payments.start_checkout(order)  # after the commit: the open payment is reused
    db.session.commit()
    assert first == second == third
    assert len(fake_stripe.sessions) == 1
    creates = [r for r in fake_stripe.state.requests if r[:2] == ("POST", "/v1/checkout/sessions")]
    assert len(creates) == 2
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 1


def test_a_click_that_loses_the_race_closes_its_own_session(app, make, fake_stripe, monkeypatch):
    order, _ = _stripe_order(make)
    db.session.commit()
    reference = order.reference

    def first_click():
        with app.app_context():  # another request, in another worker
            other = service.order_by_reference(reference)
            payments.start_checkout(other, now=now)
            db.session.commit()

    original_call = payments._call

    def call_then_lose(request):
        session = original_call(request)
        if threading.current_thread() is not threading.main_thread():
            return session  # the first click itself
        thread = threading.Thread(target=first_click)
        thread.start()  # the first click stores its session while we talked to Stripe
        thread.join()
        return session

    # The second click falls in the next minute: other parameters, so another session.
    now = datetime.now(UTC)
    with monkeypatch.context() as patch:
        patch.setattr(payments, "_call", call_then_lose)
        url = payments.start_checkout(order, now=now + timedelta(minutes=1))
    db.session.commit()
    [payment] = db.session.scalars(select(Payment)).all()
    assert url == payment.checkout_url
    assert len(fake_stripe.sessions) == 2
    statuses = {sid: s["status"] for sid, s in fake_stripe.sessions.items()}
    assert statuses.pop(payment.stripe_session_id) == "open"
    assert list(statuses.values()) == ["expired"]  # ours, closed after the commit


def test_less_than_thirty_minutes_left_extends_the_hold(make, fake_stripe):
    order, _ = _stripe_order(make)
    order.expires_at = datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    payments.start_checkout(order)
    db.session.commit()
    [session] = fake_stripe.sessions.values()
    left = _aware(order.expires_at) - datetime.now(UTC)
    assert timedelta(minutes=31) <= left <= timedelta(minutes=32, seconds=5)
    assert session["expires_at"] == int(_aware(order.expires_at).timestamp())


def test_a_discounted_line_still_adds_up(make, fake_stripe):
    order, _ = _stripe_order(make, quantity=3, price_satang=10000)
    order.lines[0].discount_satang = 1001  # not divisible by 3
    order.subtotal_satang -= 1001
    order.total_satang -= 1001
    db.session.commit()
    items = payments.line_items(order)
    assert sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items) == order.total_satang
    order.discount_satang = 500  # an order-wide discount the lines do not show
    order.total_satang -= 500
    items = payments.line_items(order)
    assert len(items) == 1
    assert items[0]["price_data"]["unit_amount"] == order.total_satang


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_stripe_unreachable_is_a_message_and_the_order_holds(app, make, monkeypatch, caplog):
    order, variant = _stripe_order(make)
    db.session.commit()
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", f"http://127.0.0.1:{_closed_port()}")
    monkeypatch.setitem(app.config, "STRIPE_MAX_NETWORK_RETRIES", 0)
    with force_locale("en"), pytest.raises(payments.PaymentError) as raised:
        payments.start_checkout(order)
    db.session.rollback()
    with force_locale("en"):
        assert "try again" in str(raised.value.message)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payments == []
    assert "Stripe unreachable" in caplog.text


def test_stripe_refusing_is_a_message(make, fake_stripe):
    order, _ = _stripe_order(make, quantity=1, price_satang=500)  # below Stripe's ฿10 minimum
    order.fulfilments[0].shipping_satang = 0
    order.shipping_satang = 0
    order.total_satang = 500
    db.session.commit()
    with pytest.raises(payments.PaymentError):
        payments.start_checkout(order)
    db.session.rollback()
    assert order.payments == []


def test_a_closed_order_cannot_be_paid(make, fake_stripe):
    order, _ = _stripe_order(make)
    service.cancel_order(order)
    db.session.commit()
    with pytest.raises(payments.PaymentError):
        payments.start_checkout(order)
    assert fake_stripe.sessions == {}


def test_the_page_of_a_closed_order_is_expired_after_the_commit(make, fake_stripe):
    order, _ = _stripe_order(make)
    payments.start_checkout(order)
    db.session.commit()
    session_id = fake_stripe.session_id(order)
    service.cancel_order(order)
    db.session.rollback()  # dropped with the transaction
    assert fake_stripe.sessions[session_id]["status"] == "open"
    service.cancel_order(order)
    assert fake_stripe.sessions[session_id]["status"] == "open"  # not before the commit
    db.session.commit()
    assert fake_stripe.sessions[session_id]["status"] == "expired"
    # Stripe's expired event comes back and changes nothing.
    [response] = fake_stripe.deliver()
    assert response.json["outcome"] == "ignored"
    assert order.status == OrderStatus.CANCELLED


def test_a_failed_expiry_does_not_fail_the_commit(make, fake_stripe, caplog):
    order, _ = _stripe_order(make)
    payments.start_checkout(order)
    db.session.commit()
    fake_stripe.state.expire_session(fake_stripe.session_id(order))  # already gone at Stripe
    service.cancel_order(order)
    db.session.commit()
    assert order.status == OrderStatus.CANCELLED
    assert "could not expire Stripe session" in caplog.text


def _paid_by_card(make, fake_stripe, **fields):
    order, variant = _stripe_order(make, **fields)
    payments.start_checkout(order)
    db.session.commit()
    [response] = fake_stripe.pay(fake_stripe.session_id(order))
    assert response.status_code == 200, response.json
    assert order.status == OrderStatus.PAID
    return order


def test_refunds_go_to_stripe_once_per_key(make, fake_stripe):
    order = _paid_by_card(make, fake_stripe)
    payment = order.payments[0]
    assert payment.stripe_payment_intent_id.startswith("pi_")
    first = payments.refund(payment, 5000, key=1)
    again = payments.refund(payment, 5000, key=1)
    second = payments.refund(payment, 2500, key=2)
    assert first == again != second
    assert sorted(r["amount"] for r in fake_stripe.refunds.values()) == [2500, 5000]
    intent = fake_stripe.state.payment_intents[payment.stripe_payment_intent_id]
    assert intent["amount_refunded"] == 7500
    assert all(r["payment_intent"] == intent["id"] for r in fake_stripe.refunds.values())


def test_a_refund_beyond_the_payment_is_refused(make, fake_stripe):
    order = _paid_by_card(make, fake_stripe)
    with pytest.raises(payments.PaymentError):
        payments.refund(order.payments[0], order.total_satang + 1, key=1)
    with pytest.raises(payments.PaymentError):
        payments.refund(order.payments[0], 0, key=2)
    assert fake_stripe.refunds == {}


def test_an_offline_payment_is_not_refunded_through_stripe(make, fake_stripe):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 1}, paid=True)
    with pytest.raises(payments.PaymentError):
        payments.refund(order.payments[0], 100, key=1)


def test_tests_without_the_fake_never_reach_stripe(make):
    order, _ = _stripe_order(make)
    with pytest.raises(RuntimeError, match="fake_stripe"):
        payments.start_checkout(order)


def test_the_csp_lets_the_pay_form_reach_the_hosted_page(app, client, fake_stripe, monkeypatch):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert f"form-action 'self' {fake_stripe.url}" in policy
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", "")
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "form-action 'self' https://checkout.stripe.com" in policy
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    assert client.get("/").headers["Content-Security-Policy"].endswith("form-action 'self'")
