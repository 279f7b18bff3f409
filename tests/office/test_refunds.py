"""Refunds of a group's part of an order: whole or partial, with or without restocking.

Stripe refunds go through `orders.payments.refund`: once all the way to the fake
Stripe of the order tests (`fake_stripe`), and elsewhere against a monkeypatched
stand-in that records the calls or refuses them.
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    FulfilmentStatus,
    Lot,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Refund,
    RefundLine,
)
from marketplace.models.accounts import AuditLog
from marketplace.orders import payments, refunds, service, states
from marketplace.orders.payments import PaymentError
from marketplace.orders.refunds import RefundError, line_amount

from .. import factories
from ..orders.conftest import fake_stripe  # noqa: F401  (the fake Stripe of the order tests)
from .order_helpers import a_product, available, paid_order, pending_order


@pytest.fixture
def shop(office):
    """Group A ships for ฿50 a parcel; a product of A at ฿120 with 10 units in stock."""
    office.a.shipping_flat_satang = 5000
    product = a_product(office.a)
    db.session.commit()
    office.variant = product.variants[0]
    office.login("leader")
    return office


@pytest.fixture
def stripe_refunds(monkeypatch):
    """Calls to payments.refund, answered with a Stripe-like refund id."""
    calls = []

    def refund(payment, amount_satang, key):
        calls.append(SimpleNamespace(payment=payment, amount=amount_satang, key=key))
        return f"re_test_{len(calls)}"

    monkeypatch.setattr(payments, "refund", refund)
    return calls


def _part(order, group):
    return next(f for f in order.fulfilments if f.group_id == group.id)


def _refund_url(shop, part, group=None):
    return shop.url(f"/orders/{part.id}/refund", group=group or shop.a)


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _post(shop, part, data):
    return shop.post(_refund_url(shop, part), data, page=_refund_url(shop, part))


def test_a_full_refund_with_restock_gives_money_and_units_back(shop, outbox):
    order = paid_order(shop.variant, quantity=3)
    part = _part(order, shop.a)
    assert available(shop.variant) == 7
    assert order.total_satang == 3 * 12000 + 5000
    outbox.clear()
    page = shop.client.get(_refund_url(shop, part))
    assert page.status_code == 200 and "Refund everything left" in page.get_data(as_text=True)
    response = _post(shop, part, {"everything": "y", "restock": "y", "reason": "Out of season"})
    assert response.status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.REFUNDED
    assert part.status == FulfilmentStatus.REFUNDED
    assert order.refunded_satang == part.refunded_satang == order.total_satang
    refund = order.refunds[0]
    assert (refund.amount_satang, refund.shipping_satang) == (41000, 5000)
    assert refund.method == PaymentMethod.TRANSFER and refund.stripe_refund_id is None
    assert refund.restock and refund.reason == "Out of season"
    assert [(rl.quantity, rl.amount_satang) for rl in refund.lines] == [(3, 36000)]
    assert part.lines[0].refunded_quantity == 3
    assert available(shop.variant) == 10
    assert [m.to for m in outbox] == ["buyer@example.com"]
    assert "฿410" in outbox[0].body
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "refund.made")).all()
    assert len(audit) == 1 and audit[0].actor_id == shop.people["leader"].id
    # Nothing is left: a second refund is refused and changes nothing.
    response = _post(shop, part, {"everything": "y"})
    assert response.status_code == 400
    assert "Only a paid part with something left to refund" in response.get_data(as_text=True)
    assert _count(Refund) == 1


def test_a_partial_refund_without_restock_then_the_rest(shop):
    order = paid_order(shop.variant, quantity=3)
    part = _part(order, shop.a)
    line = part.lines[0]
    response = _post(shop, part, {f"qty-{line.id}": "1"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (order.status, part.status) == (
        OrderStatus.PARTLY_REFUNDED,
        FulfilmentStatus.PARTLY_REFUNDED,
    )
    assert order.refunded_satang == 12000
    assert (line.refunded_quantity, line.refunded_satang) == (1, 12000)
    assert available(shop.variant) == 7  # not restocked

    # The part goes on being packed and shipped after a partial refund.
    assert shop.post(shop.url(f"/orders/{part.id}/pack")).status_code == 303
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.PACKED
    slip = shop.client.get(shop.url(f"/orders/{part.id}/packing-slip")).get_data(as_text=True)
    assert '<td class="packing-slip-units">2</td>' in slip

    response = _post(shop, part, {f"qty-{line.id}": "2", "shipping": "y", "restock": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.REFUNDED and part.status == FulfilmentStatus.REFUNDED
    assert [r.amount_satang for r in order.refunds] == [12000, 2 * 12000 + 5000]
    assert available(shop.variant) == 9


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("4", "At most 3 units of this line are left to refund."),
        ("-1", "Enter a whole number of units"),
        ("1.5", "Enter a whole number of units"),
        ("abc", "Enter a whole number of units"),
        ("0", "Choose the units or the shipping to refund."),
        ("", "Choose the units or the shipping to refund."),
    ],
)
def test_refunding_more_than_was_bought_or_nonsense_is_refused(shop, value, message):
    order = paid_order(shop.variant, quantity=3)
    part = _part(order, shop.a)
    response = _post(shop, part, {f"qty-{part.lines[0].id}": value, "restock": "y"})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert _count(Refund) == 0 and order.refunded_satang == 0
    assert order.status == OrderStatus.PAID and available(shop.variant) == 7


def test_a_refund_never_exceeds_what_was_paid(shop):
    order = paid_order(shop.variant, quantity=2)
    part = _part(order, shop.a)
    line = part.lines[0]
    refunds.refund_fulfilment(shop.a, part.id, {line.id: "1"}, shipping=True)
    db.session.commit()
    with pytest.raises(RefundError, match="At most 1 units"):
        refunds.refund_fulfilment(shop.a, part.id, {line.id: "2"})
    db.session.rollback()
    with pytest.raises(RefundError, match="Choose the units"):
        refunds.refund_fulfilment(shop.a, part.id, {}, shipping=True)  # shipping already back
    db.session.rollback()
    refunds.refund_fulfilment(shop.a, part.id, everything=True)
    db.session.commit()
    db.session.expire_all()
    assert order.refunded_satang == order.total_satang
    assert sum(r.amount_satang for r in order.refunds) == order.total_satang
    with pytest.raises(RefundError):
        refunds.refund_fulfilment(shop.a, part.id, everything=True)
    db.session.rollback()


def test_an_unpaid_order_cannot_be_refunded(shop):
    order = pending_order(shop.variant)
    part = _part(order, shop.a)
    response = _post(shop, part, {"everything": "y"})
    assert response.status_code == 400
    assert _count(Refund) == 0
    assert "Nothing of this part is left to refund" in shop.client.get(
        _refund_url(shop, part)
    ).get_data(as_text=True)


def test_only_the_leader_refunds_and_only_their_own_groups_orders(shop):
    part = _part(paid_order(shop.variant), shop.a)
    shop.login("staff")
    assert shop.client.get(_refund_url(shop, part)).status_code == 403
    assert _post(shop, part, {"everything": "y"}).status_code == 403
    shop.login("other_leader")
    response = shop.post(_refund_url(shop, part, group=shop.b), {"everything": "y"})
    assert response.status_code == 404
    assert shop.client.get(_refund_url(shop, part, group=shop.b)).status_code == 404
    assert _count(Refund) == 0


def test_restock_returns_units_to_the_newest_lot_first(shop):
    product = factories.make_product(group=shop.a, stock=None)
    variant = product.variants[0]
    old = factories.make_lot(variant, quantity=3, produced_on=date(2025, 11, 1))
    new = factories.make_lot(variant, quantity=5, produced_on=date(2026, 1, 1))
    db.session.commit()
    order = paid_order(variant, quantity=5)
    part = _part(order, shop.a)
    line = part.lines[0]
    assert [(a.lot_id, a.quantity) for a in line.allocations] == [(old.id, 3), (new.id, 2)]
    _post(shop, part, {f"qty-{line.id}": "3", "restock": "y"})
    db.session.expire_all()
    assert (db.session.get(Lot, old.id).available, db.session.get(Lot, new.id).available) == (1, 5)
    assert [a.released_quantity for a in line.allocations] == [1, 2]


def test_one_groups_refund_leaves_the_other_groups_part_alone(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    other = a_product(shop.b, price_satang=30000)
    order = factories.make_order({shop.variant: 1, other.variants[0]: 1}, paid=True)
    db.session.commit()
    part_a, part_b = _part(order, shop.a), _part(order, shop.b)
    assert _post(shop, part_a, {"everything": "y"}).status_code == 303
    db.session.expire_all()
    assert part_a.status == FulfilmentStatus.REFUNDED
    assert part_b.status == FulfilmentStatus.PAID and part_b.refunded_satang == 0
    assert order.status == OrderStatus.PARTLY_REFUNDED
    assert order.refunded_satang == part_a.total_satang


def test_a_stripe_refund_goes_through_payments_refund(shop, stripe_refunds):
    order = paid_order(shop.variant, quantity=2, method=PaymentMethod.STRIPE)
    part = _part(order, shop.a)
    line = part.lines[0]
    assert _post(shop, part, {f"qty-{line.id}": "1"}).status_code == 303
    assert _post(shop, part, {f"qty-{line.id}": "1"}).status_code == 303
    db.session.expire_all()
    assert [(c.payment.id, c.amount) for c in stripe_refunds] == [
        (order.payments[0].id, 12000),
        (order.payments[0].id, 12000),
    ]
    # Each refund its own idempotency key: two refunds, not one replayed.
    assert len({c.key for c in stripe_refunds}) == 2
    assert [r.stripe_refund_id for r in order.refunds] == ["re_test_1", "re_test_2"]
    assert all(r.method == PaymentMethod.STRIPE for r in order.refunds)


def test_a_refund_stripe_refuses_changes_nothing(shop, monkeypatch, outbox):
    order = paid_order(shop.variant, quantity=2, method=PaymentMethod.STRIPE)
    part = _part(order, shop.a)

    def refuse(payment, amount_satang, key):
        raise PaymentError("no")

    monkeypatch.setattr(payments, "refund", refuse)
    outbox.clear()
    response = _post(shop, part, {"everything": "y", "restock": "y"})
    assert response.status_code == 400
    assert "Stripe did not accept the refund" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (_count(Refund), _count(RefundLine)) == (0, 0)
    assert order.status == OrderStatus.PAID and order.refunded_satang == 0
    assert available(shop.variant) == 8
    assert outbox == []


def test_line_shares_add_up_to_the_line_exactly():
    line = SimpleNamespace(quantity=3, net_satang=1000, refunded_quantity=0, refunded_satang=0)
    parts = []
    for _ in range(3):
        amount = line_amount(line, 1)
        parts.append(amount)
        line.refunded_quantity += 1
        line.refunded_satang += amount
    assert parts == [333, 333, 334] and sum(parts) == 1000
    fresh = SimpleNamespace(quantity=3, net_satang=1000, refunded_quantity=0, refunded_satang=0)
    assert line_amount(fresh, 2) == 666 and line_amount(fresh, 3) == 1000
    assert line_amount(fresh, 0) == 0


def test_a_card_payment_is_refunded_at_the_fake_stripe(shop, fake_stripe, outbox):  # noqa: F811
    """The whole way: paid on the fake's page, refunded through the office, seen at Stripe."""
    order = factories.make_order({shop.variant: 2}, payment_method=PaymentMethod.STRIPE)
    payments.start_checkout(order)
    db.session.commit()
    [response] = fake_stripe.pay(fake_stripe.session_id(order))
    assert response.status_code == 200 and order.status == OrderStatus.PAID
    part = _part(order, shop.a)
    outbox.clear()
    assert _post(shop, part, {f"qty-{part.lines[0].id}": "1"}).status_code == 303
    assert _post(shop, part, {"everything": "y"}).status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.REFUNDED
    assert sorted(r["amount"] for r in fake_stripe.refunds.values()) == [12000, 12000 + 5000]
    assert {r.stripe_refund_id for r in order.refunds} == set(fake_stripe.refunds)
    intent = fake_stripe.state.payment_intents[order.payments[0].stripe_payment_intent_id]
    assert intent["amount_refunded"] == order.total_satang
    assert [m.to for m in outbox] == ["buyer@example.com"] * 2


# -- money that came after the order closed ------------------------------------------------


def _late_paid_at_stripe(shop, fake_stripe, quantity=2):  # noqa: F811
    """A card payment whose webhook arrives after the sweep closed the order and its stock sold."""
    order = factories.make_order({shop.variant: quantity}, payment_method=PaymentMethod.STRIPE)
    payments.start_checkout(order)
    db.session.commit()
    paid_events = fake_stripe.state.complete(fake_stripe.session_id(order), "card")
    assert service.sweep_expired(datetime.now(UTC) + timedelta(hours=2)) == 1
    factories.make_order({shop.variant: available(shop.variant)})  # someone buys every unit
    db.session.commit()
    [response] = fake_stripe.post_events(paid_events)
    assert response.json["outcome"] == "refused"
    db.session.expire_all()
    assert order.status == OrderStatus.EXPIRED
    assert order.payments[0].status == PaymentStatus.SUCCEEDED
    return order


def _buyer_page(shop, order):
    shop.client.set_cookie("lang", "en")
    link = f"/orders/{order.reference}?token={service.order_token(order)}"
    return shop.client.get(link).get_data(as_text=True)


def test_a_card_payment_after_the_order_closed_is_refunded_in_full(
    shop,
    fake_stripe,  # noqa: F811
    outbox,
):
    """End to end: paid at the fake, closed meanwhile, shown to the leader, refunded at Stripe."""
    order = _late_paid_at_stripe(shop, fake_stripe)
    part = _part(order, shop.a)
    assert order.total_satang == 2 * 12000 + 5000

    buyer = _buyer_page(shop, order)
    assert "Nothing was charged" not in buyer
    assert "We received your payment of ฿290" in buyer and "refunded to you in full" in buyer

    shop.login("leader")
    listing = shop.client.get(shop.url("/orders")).get_data(as_text=True)
    assert "1 order holds money to give back to the buyer" in listing
    closed = shop.client.get(shop.url("/orders?tab=closed")).get_data(as_text=True)
    assert "Payment to give back" in closed
    page = shop.client.get(shop.url(f"/orders/{part.id}")).get_data(as_text=True)
    assert "The buyer paid ฿290 after the order had closed" in page
    assert "Refund the whole payment of ฿290" in page
    form = shop.client.get(_refund_url(shop, part)).get_data(as_text=True)
    assert "Refund the whole payment of ฿290" in form

    outbox.clear()
    response = _post(shop, part, {"everything": "y", "reason": "Sold out before the money came"})
    assert response.status_code == 303
    db.session.expire_all()
    assert (order.status, part.status) == (OrderStatus.REFUNDED, FulfilmentStatus.REFUNDED)
    assert order.refunded_satang == part.refunded_satang == order.total_satang
    [refund] = order.refunds
    assert (refund.amount_satang, refund.shipping_satang, refund.restock) == (29000, 5000, False)
    assert refund.method == PaymentMethod.STRIPE
    assert [(rl.quantity, rl.amount_satang) for rl in refund.lines] == [(2, 24000)]
    [at_stripe] = fake_stripe.refunds.values()
    assert at_stripe["amount"] == order.total_satang
    assert refund.stripe_refund_id == at_stripe["id"]
    intent = fake_stripe.state.payment_intents[order.payments[0].stripe_payment_intent_id]
    assert intent["amount_refunded"] == order.total_satang
    assert available(shop.variant) == 0  # nothing restocked: the units were sold again
    [mail] = outbox
    assert mail.to == "buyer@example.com" and "฿290" in mail.body
    audit = db.session.scalars(select(AuditLog).where(AuditLog.action == "refund.made")).all()
    assert len(audit) == 1 and audit[0].actor_id == shop.people["leader"].id

    assert "was refunded to you in full" in _buyer_page(shop, order)
    listing = shop.client.get(shop.url("/orders")).get_data(as_text=True)
    assert "holds a payment that came after" not in listing
    # Nothing is left: refused with a message, no second refund at Stripe.
    shop.login("leader")
    again = _post(shop, part, {"everything": "y"})
    assert again.status_code == 400
    assert len(fake_stripe.refunds) == 1 and _count(Refund) == 1


def test_a_retry_after_a_lost_commit_gets_stripes_same_refund(shop, fake_stripe):  # noqa: F811
    order = _late_paid_at_stripe(shop, fake_stripe)
    part = _part(order, shop.a)
    [first] = refunds.refund_late_payment(shop.a, part.id)
    first_id = first.stripe_refund_id
    db.session.rollback()  # Stripe refunded, but our commit never happened
    assert _count(Refund) == 0
    [second] = refunds.refund_late_payment(shop.a, part.id)
    db.session.commit()
    assert second.stripe_refund_id == first_id
    assert len(fake_stripe.refunds) == 1


def test_cash_recorded_after_the_order_closed_is_refunded_and_recorded(shop, outbox):
    shop.a.offers_pickup = True
    db.session.commit()
    order = pending_order(
        shop.variant,
        quantity=3,
        method=PaymentMethod.CASH_ON_PICKUP,
        delivery={shop.a.id: "pickup"},
        address={},
    )
    part = _part(order, shop.a)
    service.sweep_expired(datetime.now(UTC) + timedelta(days=8))
    factories.make_order({shop.variant: 10})
    db.session.commit()
    response = shop.post(shop.url(f"/orders/{part.id}/cash-received"))
    assert response.status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.EXPIRED
    page = shop.client.get(shop.url(f"/orders/{part.id}")).get_data(as_text=True)
    assert "The buyer paid ฿360 after the order had closed" in page
    assert "cash-received" not in page  # recorded once is enough
    shop.login("staff")
    page = shop.client.get(shop.url(f"/orders/{part.id}")).get_data(as_text=True)
    assert "The buyer paid ฿360 after the order had closed" in page
    assert "leader refunds it" in page and "Refund the whole payment" not in page
    shop.login("leader")

    outbox.clear()
    assert _post(shop, part, {"everything": "y"}).status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.REFUNDED and part.status == FulfilmentStatus.REFUNDED
    [refund] = order.refunds
    assert (refund.amount_satang, refund.method) == (36000, PaymentMethod.CASH_ON_PICKUP)
    assert refund.stripe_refund_id is None
    with force_locale(order.locale):  # the buyer's language
        assert gettext("The group returns the money to you directly.") in outbox[0].body


def test_an_order_of_several_groups_paid_late_is_refunded_by_an_admin(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    other = a_product(shop.b, price_satang=30000, stock=1)
    order = factories.make_order({shop.variant: 1, other.variants[0]: 1})
    payment = service.new_payment(order, PaymentMethod.TRANSFER)
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    factories.make_order({other.variants[0]: 1})  # B's last unit goes to someone else
    db.session.commit()
    assert service.mark_paid(order, payment) is False
    db.session.commit()
    part_a, part_b = _part(order, shop.a), _part(order, shop.b)

    page = shop.client.get(shop.url(f"/orders/{part_a.id}")).get_data(as_text=True)
    assert "an admin refunds it" in page and "Refund the whole payment" not in page
    response = _post(shop, part_a, {"everything": "y"})
    assert response.status_code == 400
    assert "an admin refunds it" in response.get_data(as_text=True)
    assert _count(Refund) == 0

    shop.login("admin")
    assert _post(shop, part_a, {"everything": "y"}).status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.REFUNDED
    assert (part_a.status, part_b.status) == (FulfilmentStatus.REFUNDED,) * 2
    assert sorted(r.amount_satang for r in order.refunds) == sorted(
        [part_a.total_satang, part_b.total_satang]
    )
    assert order.refunded_satang == order.total_satang == payment.amount_satang


def test_closed_orders_may_go_to_refunded_and_nowhere_else_new():
    for closed in (OrderStatus.EXPIRED, OrderStatus.CANCELLED):
        assert states.allowed(states.ORDER_TRANSITIONS, closed, OrderStatus.REFUNDED)
        assert not states.allowed(states.ORDER_TRANSITIONS, closed, OrderStatus.PARTLY_REFUNDED)
    for closed in (FulfilmentStatus.EXPIRED, FulfilmentStatus.CANCELLED):
        assert states.allowed(states.FULFILMENT_TRANSITIONS, closed, FulfilmentStatus.REFUNDED)
        assert not states.allowed(states.FULFILMENT_TRANSITIONS, closed, FulfilmentStatus.SHIPPED)


def test_after_a_lost_commit_a_retry_for_another_amount_refunds_nothing_more(
    shop,
    fake_stripe,  # noqa: F811
):
    order = factories.make_order({shop.variant: 3}, payment_method=PaymentMethod.STRIPE)
    payments.start_checkout(order)
    db.session.commit()
    fake_stripe.pay(fake_stripe.session_id(order))
    part = _part(order, shop.a)
    line = part.lines[0]
    refunds.refund_fulfilment(shop.a, part.id, {line.id: "1"})
    db.session.rollback()  # Stripe refunded one unit, but our commit never happened
    with pytest.raises(RefundError, match="Stripe"):  # Stripe's idempotency error
        refunds.refund_fulfilment(shop.a, part.id, {line.id: "2"})
    db.session.rollback()
    assert [r["amount"] for r in fake_stripe.refunds.values()] == [12000]
    # The same refund asked again gets Stripe's first one back and is recorded once.
    again = refunds.refund_fulfilment(shop.a, part.id, {line.id: "1"})
    db.session.commit()
    assert [again.stripe_refund_id] == list(fake_stripe.refunds)
