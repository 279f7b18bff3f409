"""The Stripe webhook: signed bodies only, each event once, any order ends in the same state."""

import itertools
import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from fakestripe import events as fake_events
from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db
from marketplace.models import (
    AuditLog,
    FulfilmentStatus,
    Lot,
    OrderStatus,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from marketplace.orders import payments, service, stock, webhooks


@pytest.fixture
def placed(make, fake_stripe):
    """A Stripe order of 2 units (of 5) with its Checkout Session open at the fake."""
    product = make.product(stock=5, price_satang=12000)
    order = make.order({product.variants[0]: 2}, payment_method="stripe")
    payments.start_checkout(order)
    db.session.commit()
    order.variant_id = product.variants[0].id
    return order


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _paid_mails(outbox, order):
    """The buyer's "payment received" mails for this order (subject as templates/mail has it)."""
    with force_locale(order.locale):
        subject = gettext("Payment received for order %(ref)s", ref=order.reference)
    return [m for m in outbox if m.to == order.email and m.subject == subject]


def _session(fake_stripe, order):
    return fake_stripe.sessions[fake_stripe.session_id(order)]


def _event(type, session, **changes):
    return fake_events.event(type, {**session, **changes})


def _paid_session(fake_stripe, order, **changes):
    session = dict(_session(fake_stripe, order))
    session.update(
        status="complete", payment_status="paid", payment_intent="pi_3test", url=None, **changes
    )
    return session


# -- signatures ------------------------------------------------------------------------------


def _bad_deliveries(fake_stripe, order):
    event = _event("checkout.session.completed", _paid_session(fake_stripe, order))
    body, signature = fake_events.signed(event, fake_stripe.secret)
    flipped = bytearray(body)
    flipped[len(flipped) // 2] ^= 0x01  # one byte changed
    cheaper_event = json.loads(body)
    cheaper_event["data"]["object"]["amount_total"] -= 1000
    cheaper, _ = fake_events.signed(cheaper_event, fake_stripe.secret)  # signature of `body`
    stale_body, stale = fake_events.signed(event, fake_stripe.secret, int(time.time()) - 301)
    _, wrong_secret = fake_events.signed(event, "whsec_someone_else")
    not_utf8 = bytearray(body)
    not_utf8[5] = 0xFF
    return [
        (bytes(flipped), signature),
        (cheaper, signature),
        (stale_body, stale),
        (body, wrong_secret),
        (body, ""),
        (body, "t=abc,v1=def"),
        (bytes(not_utf8), signature),
    ]


def test_a_changed_byte_an_old_timestamp_or_a_bad_secret_gets_400_and_writes_nothing(
    fake_stripe, placed, outbox
):
    audit_rows = _count(AuditLog)
    for body, signature in _bad_deliveries(fake_stripe, placed):
        response = fake_stripe.client.post(
            "/stripe/webhook", data=body, headers=fake_events.headers(signature)
        )
        assert response.status_code == 400, (body[:40], signature)
    db.session.expire_all()
    assert _count(StripeEvent) == 0
    assert _count(AuditLog) == audit_rows
    assert placed.status == OrderStatus.PENDING_PAYMENT
    assert stock.variant_available(placed.variant_id) == 3
    assert outbox == []


def test_a_timestamp_within_300_seconds_is_accepted(fake_stripe, placed):
    event = _event("checkout.session.completed", _paid_session(fake_stripe, placed))
    response = fake_stripe.post(event, timestamp=int(time.time()) - 290)
    assert response.status_code == 200
    assert placed.status == OrderStatus.PAID


def test_the_webhook_needs_no_csrf_token_but_a_signature(client):
    response = client.post("/stripe/webhook", data=b"{}", content_type="application/json")
    assert response.status_code == 400
    assert _count(StripeEvent) == 0


# -- idempotency and order -------------------------------------------------------------------


def test_the_same_completed_event_five_times_pays_once(fake_stripe, placed, outbox):
    session_id = fake_stripe.session_id(placed)
    pending = fake_stripe.state.complete(session_id, "card")
    responses = fake_stripe.post_events(pending, times=5)
    assert [r.status_code for r in responses] == [200] * 5
    assert [r.json["outcome"] for r in responses] == ["applied"] + ["duplicate"] * 4
    db.session.expire_all()
    assert placed.status == OrderStatus.PAID
    assert all(f.status == FulfilmentStatus.PAID for f in placed.fulfilments)
    assert stock.variant_available(placed.variant_id) == 3
    assert len(_paid_mails(outbox, placed)) == 1
    assert _count(StripeEvent) == 1
    payment = placed.payments[0]
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.stripe_payment_intent_id == _session(fake_stripe, placed)["payment_intent"]
    row = db.session.scalar(select(StripeEvent))
    assert (row.outcome, row.order_id, row.type) == (
        "applied",
        placed.id,
        "checkout.session.completed",
    )


def test_promptpay_waits_for_the_money(fake_stripe, placed, outbox):
    session_id = fake_stripe.session_id(placed)
    [completed] = fake_stripe.pay(session_id, method="promptpay")
    assert completed.json["outcome"] == "ignored"
    assert placed.status == OrderStatus.PENDING_PAYMENT
    [succeeded] = fake_stripe.settle(session_id)
    assert succeeded.json["outcome"] == "applied"
    assert placed.status == OrderStatus.PAID
    assert len(_paid_mails(outbox, placed)) == 1


def test_async_success_before_completed_pays_once(fake_stripe, placed, outbox):
    session_id = fake_stripe.session_id(placed)
    [completed] = fake_stripe.state.complete(session_id, "promptpay")
    [succeeded] = fake_stripe.state.settle(session_id)
    fake_stripe.post_events([succeeded, completed, succeeded, completed])
    db.session.expire_all()
    assert placed.status == OrderStatus.PAID
    assert stock.variant_available(placed.variant_id) == 3
    assert len(_paid_mails(outbox, placed)) == 1
    outcomes = db.session.scalars(select(StripeEvent.outcome).order_by(StripeEvent.id)).all()
    assert outcomes == ["applied", "ignored"]


def test_expired_after_paid_changes_nothing(fake_stripe, placed, outbox):
    session = _session(fake_stripe, placed)
    fake_stripe.pay(session["id"])
    expired = _event("checkout.session.expired", session, status="expired", url=None)
    [response] = fake_stripe.post_events([expired])
    assert response.json["outcome"] == "ignored"
    db.session.expire_all()
    assert placed.status == OrderStatus.PAID
    assert stock.variant_available(placed.variant_id) == 3
    assert len(_paid_mails(outbox, placed)) == 1


def test_an_expired_session_closes_the_order_and_money_after_it_still_counts(
    fake_stripe, placed, outbox
):
    session = _session(fake_stripe, placed)
    [response] = fake_stripe.expire(session["id"])
    assert response.json["outcome"] == "applied"
    assert placed.status == OrderStatus.EXPIRED
    assert stock.variant_available(placed.variant_id) == 5
    # Stripe said the page expired: no expiry call back to Stripe after the commit.
    assert not [r for r in fake_stripe.state.requests if r[1].endswith("/expire")]
    completed = _event("checkout.session.completed", _paid_session(fake_stripe, placed))
    [paid] = fake_stripe.post_events([completed])
    assert paid.json["outcome"] == "applied"
    assert placed.status == OrderStatus.PAID
    assert stock.variant_available(placed.variant_id) == 3


def test_money_after_the_stock_is_gone_is_kept_for_a_refund(make, fake_stripe, placed, caplog):
    fake_stripe.expire(fake_stripe.session_id(placed))
    make.order({placed.variant_id: 5})  # someone else takes every unit
    db.session.commit()
    completed = _event("checkout.session.completed", _paid_session(fake_stripe, placed))
    [response] = fake_stripe.post_events([completed])
    assert response.json["outcome"] == "refused"
    assert placed.status == OrderStatus.EXPIRED
    assert placed.payments[0].status == PaymentStatus.SUCCEEDED
    assert "refund" in caplog.text


def test_a_failed_promptpay_payment_gives_the_stock_back(fake_stripe, placed):
    session_id = fake_stripe.session_id(placed)
    fake_stripe.pay(session_id, method="promptpay")
    [failed] = fake_stripe.settle(session_id, succeed=False)
    assert failed.json["outcome"] == "applied"
    db.session.expire_all()
    assert placed.status == OrderStatus.EXPIRED
    assert placed.payments[0].status == PaymentStatus.FAILED
    assert stock.variant_available(placed.variant_id) == 5
    # The session is complete at Stripe: nothing to expire there.
    assert not [r for r in fake_stripe.state.requests if r[1].endswith("/expire")]


def test_every_order_of_delivery_ends_paid_once(make, fake_stripe, outbox):
    product = make.product(stock=100, price_satang=12000)
    variant = product.variants[0]
    kinds = ("completed_unpaid", "async_succeeded", "expired", "completed_paid")
    for permutation in itertools.permutations(kinds):
        order = make.order({variant: 1}, payment_method="stripe")
        payments.start_checkout(order)
        db.session.commit()
        session = _session(fake_stripe, order)
        built = {
            "completed_unpaid": _event(
                "checkout.session.completed",
                session,
                status="complete",
                payment_status="unpaid",
                payment_intent="pi_3x",
            ),
            "completed_paid": _event(
                "checkout.session.completed", _paid_session(fake_stripe, order)
            ),
            "async_succeeded": _event(
                "checkout.session.async_payment_succeeded", _paid_session(fake_stripe, order)
            ),
            "expired": _event("checkout.session.expired", session, status="expired", url=None),
        }
        sequence = [built[k] for k in permutation]
        fake_stripe.post_events(sequence + sequence[::-1])
        db.session.expire_all()
        assert order.status == OrderStatus.PAID, permutation
        assert len(_paid_mails(outbox, order)) == 1, permutation
        held = sum(a.held_quantity for line in order.lines for a in line.allocations)
        assert held == 1, permutation
    assert stock.variant_available(variant.id) == 100 - 24
    assert db.session.scalar(select(func.sum(Lot.available))) == 100 - 24


# -- mismatches and oddities -----------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"amount_total": 100}, "amount"),
        ({"currency": "usd"}, "currency"),
        ({"client_reference_id": "MP-AAAA-BBBB"}, "reference"),
    ],
)
def test_a_disagreeing_event_is_refused_logged_and_audited(
    fake_stripe, placed, outbox, caplog, changes, problem
):
    event = _event("checkout.session.completed", _paid_session(fake_stripe, placed, **changes))
    [response] = fake_stripe.post_events([event])
    assert response.status_code == 200  # Stripe need not send it again
    assert response.json["outcome"] == "refused"
    db.session.expire_all()
    assert placed.status == OrderStatus.PENDING_PAYMENT
    assert placed.payments[0].status == PaymentStatus.PENDING
    assert stock.variant_available(placed.variant_id) == 3
    assert outbox == []
    row = db.session.scalar(select(StripeEvent))
    assert row.outcome == "refused" and problem in row.detail
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.action == AuditAction.PAYMENT_MISMATCH)
    )
    assert entry.subject_id == placed.id
    assert json.loads(entry.details)["event"] == event["id"]
    assert any(r.levelname == "ERROR" and problem in r.getMessage() for r in caplog.records)


def test_a_session_we_never_stored_still_pays_its_order(fake_stripe, placed):
    session = _paid_session(fake_stripe, placed, id="cs_test_unknown")
    [response] = fake_stripe.post_events([_event("checkout.session.completed", session)])
    assert response.json["outcome"] == "applied"
    assert placed.status == OrderStatus.PAID
    assert _count(Payment) == 2
    paying = next(p for p in placed.payments if p.status == PaymentStatus.SUCCEEDED)
    assert paying.stripe_session_id == "cs_test_unknown"


def test_an_event_for_no_order_is_stored_as_ignored(fake_stripe, caplog):
    session = fake_events.checkout_session(
        id="cs_test_nobody",
        amount_total=1000,
        client_reference_id="MP-NONE-NONE",
        status="complete",
        payment_status="paid",
    )
    [response] = fake_stripe.post_events([_event("checkout.session.completed", session)])
    assert response.status_code == 200
    row = db.session.scalar(select(StripeEvent))
    assert row.outcome == "ignored" and row.order_id is None
    assert "names no order" in caplog.text


def test_an_unknown_event_type_is_stored_as_ignored(fake_stripe):
    event = fake_events.event("customer.created", {"id": "cus_1", "object": "customer"})
    for _ in range(2):
        response = fake_stripe.post(event)
        assert response.status_code == 200
    row = db.session.scalar(select(StripeEvent))
    assert (row.type, row.outcome) == ("customer.created", "ignored")
    assert _count(StripeEvent) == 1


def test_an_error_while_applying_answers_500_and_keeps_nothing(fake_stripe, placed, monkeypatch):
    def broken(*args):
        raise RuntimeError("boom")

    event = _event("checkout.session.completed", _paid_session(fake_stripe, placed))
    with monkeypatch.context() as patch:
        patch.setitem(webhooks.HANDLERS, "checkout.session.completed", broken)
        [response] = fake_stripe.post_events([event])
    assert response.status_code == 500  # so Stripe delivers it again
    assert _count(StripeEvent) == 0
    [again] = fake_stripe.post_events([event])
    assert again.json["outcome"] == "applied"


def test_an_order_expired_by_the_sweep_is_paid_by_a_late_webhook(fake_stripe, placed):
    later = datetime.now(UTC) + timedelta(hours=1)
    assert service.sweep_expired(later) == 1
    assert placed.status == OrderStatus.EXPIRED
    # The sweep's commit closed the page at Stripe too.
    assert _session(fake_stripe, placed)["status"] == "expired"
    completed = _event("checkout.session.completed", _paid_session(fake_stripe, placed))
    [response] = fake_stripe.post_events([completed])
    assert response.json["outcome"] == "applied"
    assert placed.status == OrderStatus.PAID


def test_deliveries_at_the_same_moment_pay_once(app, fake_stripe, placed, outbox):
    session_id = fake_stripe.session_id(placed)
    [completed] = fake_stripe.state.complete(session_id, "promptpay")
    [succeeded] = fake_stripe.state.settle(session_id)
    deliveries = [completed, succeeded] * 6
    statuses = []
    start = threading.Barrier(len(deliveries))

    def deliver(event):
        body, signature = fake_events.signed(event, fake_stripe.secret)
        with app.app_context():  # a request of its own, as in another worker
            client = app.test_client()
            start.wait()
            response = client.post(
                "/stripe/webhook", data=body, headers=fake_events.headers(signature)
            )
            statuses.append(response.status_code)

    threads = [threading.Thread(target=deliver, args=(e,)) for e in deliveries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * len(deliveries)
    db.session.expire_all()
    assert placed.status == OrderStatus.PAID
    assert stock.variant_available(placed.variant_id) == 3
    assert len(_paid_mails(outbox, placed)) == 1
    assert _count(StripeEvent) == 2


def test_a_second_completed_session_of_a_paid_order_is_money_to_give_back(
    fake_stripe, placed, caplog
):
    from marketplace.orders import fulfilment, refunds

    fake_stripe.pay(fake_stripe.session_id(placed))
    assert placed.status == OrderStatus.PAID
    # A second page for the same order (opened in another tab, say), paid too.
    second = payments.client().v1.checkout.sessions.create(
        params={
            "mode": "payment",
            "currency": "thb",
            "line_items": payments.line_items(placed),
            "client_reference_id": placed.reference,
            "metadata": {"order_reference": placed.reference},
            "success_url": "http://127.0.0.1/s",
            "cancel_url": "http://127.0.0.1/c",
        }
    )
    responses = fake_stripe.pay(second.id)
    assert [r.json["outcome"] for r in responses] == ["refused"]
    db.session.expire_all()
    again = next(p for p in placed.payments if p.stripe_session_id == second.id)
    assert again.status == PaymentStatus.SUCCEEDED and again.surplus
    assert "paid twice" in caplog.text
    actions = db.session.scalars(select(AuditLog.action)).all()
    assert AuditAction.ORDER_PAID_TWICE in actions
    # The order and its ledger are as after the first payment; the office shows money to give back.
    assert placed.status == OrderStatus.PAID and placed.refunded_satang == 0
    part = placed.fulfilments[0]
    assert fulfilment.paid_payment(placed) is not again
    assert fulfilment.late_payment_count(part.group) == 1
    # Given back through Stripe, in full, once.
    refunds.give_back_surplus(part.group, part.id, again.id)
    db.session.commit()
    [refund] = fake_stripe.refunds.values()
    assert refund["amount"] == placed.total_satang
    assert refund["payment_intent"] == again.stripe_payment_intent_id
    assert again.given_back_refund_id == refund["id"] and again.given_back_at is not None
    assert fulfilment.late_payment_count(part.group) == 0
    with pytest.raises(refunds.RefundError):
        refunds.give_back_surplus(part.group, part.id, again.id)
