"""The order core: reserving stock, paying, closing; each step idempotent."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Fulfilment, FulfilmentStatus, Lot, OrderStatus, PaymentStatus
from marketplace.orders import service, slips, states, stock
from marketplace.orders.checkout import CheckoutError, place_order, quote, shipping_fee

from ..office.pictures import picture


def _lots(variant):
    return db.session.scalars(
        select(Lot).where(Lot.variant_id == variant.id).order_by(Lot.produced_on)
    ).all()


def test_an_order_splits_per_group_and_reserves_oldest_lots_first(make):
    rice = make.product(stock=None, price_satang=12000)
    variant = rice.variants[0]
    old = make.lot(variant, quantity=3, produced_on=datetime(2025, 12, 1).date())
    new = make.lot(variant, quantity=10, produced_on=datetime(2026, 1, 1).date())
    mat = make.product(stock=5, price_satang=35000)
    order = make.order({variant: 5, mat.variants[0]: 1}, payment_method="stripe")
    assert {f.group_id for f in order.fulfilments} == {rice.group_id, mat.group_id}
    assert order.subtotal_satang == 5 * 12000 + 35000
    line = next(line for line in order.lines if line.variant_id == variant.id)
    assert [(a.lot_id, a.quantity) for a in line.allocations] == [(old.id, 3), (new.id, 2)]
    db.session.refresh(old)
    db.session.refresh(new)
    assert (old.available, new.available) == (0, 8)


def test_out_of_stock_takes_nothing(make):
    product = make.product(stock=2)
    other = make.product(stock=5)
    db.session.commit()
    with pytest.raises(stock.OutOfStock) as raised:
        make.order({other.variants[0]: 1, product.variants[0]: 3}, payment_method="stripe")
    db.session.rollback()
    assert raised.value.available == 2
    assert stock.variant_available(other.variants[0].id) == 5


def test_paying_twice_changes_nothing_the_second_time(make, outbox):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 2}, paid=True)
    db.session.commit()
    assert order.status == OrderStatus.PAID
    assert all(f.status == FulfilmentStatus.PAID for f in order.fulfilments)
    assert [m.to for m in outbox] == ["buyer@example.com"]
    payment = order.payments[0]
    assert service.mark_paid(order, payment) is False
    db.session.commit()
    assert len(outbox) == 1
    assert stock.variant_available(product.variants[0].id) == 3


def test_an_overdue_order_gives_its_stock_back_once(make):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 4})
    db.session.commit()
    later = datetime.now(UTC) + timedelta(days=2)
    assert service.sweep_expired(later) == 1
    assert service.sweep_expired(later) == 0
    assert order.status == OrderStatus.EXPIRED
    assert stock.variant_available(product.variants[0].id) == 5


def test_money_after_expiry_takes_the_stock_again(make):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 4})
    payment = service.new_payment(order, "transfer")
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    assert service.mark_paid(order, payment) is True
    db.session.commit()
    assert order.status == OrderStatus.PAID
    assert stock.variant_available(product.variants[0].id) == 1


def test_money_after_expiry_when_the_stock_is_gone_is_kept_for_a_refund(make):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 4})
    payment = service.new_payment(order, "transfer")
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    make.order({product.variants[0]: 5})
    db.session.commit()
    assert service.mark_paid(order, payment) is False
    db.session.commit()
    assert order.status == OrderStatus.EXPIRED
    assert payment.status == PaymentStatus.SUCCEEDED
    assert stock.variant_available(product.variants[0].id) == 0


def test_a_closed_order_cannot_be_shipped():
    table = states.FULFILMENT_TRANSITIONS
    assert not states.allowed(table, FulfilmentStatus.CANCELLED, FulfilmentStatus.SHIPPED)
    assert not states.allowed(table, FulfilmentStatus.PENDING_PAYMENT, FulfilmentStatus.SHIPPED)


def test_a_partly_refunded_part_never_goes_back_a_stage():
    part = Fulfilment(status=FulfilmentStatus.PARTLY_REFUNDED)
    part.packed_at = part.shipped_at = part.delivered_at = datetime.now(UTC)
    for earlier in (FulfilmentStatus.PACKED, FulfilmentStatus.SHIPPED, FulfilmentStatus.PAID):
        with pytest.raises(states.TransitionRefused):
            states.change_fulfilment(part, earlier)
        assert part.status == FulfilmentStatus.PARTLY_REFUNDED
    assert states.change_fulfilment(part, FulfilmentStatus.DELIVERED)
    fresh = Fulfilment(status=FulfilmentStatus.PARTLY_REFUNDED)
    fresh.packed_at = datetime.now(UTC)
    assert states.change_fulfilment(fresh, FulfilmentStatus.PACKED)


def test_shipping_is_flat_plus_per_started_kilogram(make):
    group = make.group(shipping_flat_satang=5000, shipping_per_kg_satang=2000, offers_pickup=True)
    assert shipping_fee(group, 1500, "ship") == 5000 + 2 * 2000
    assert shipping_fee(group, 1500, "pickup") == 0
    product = make.product(group=group, stock=5)
    product.variants[0].weight_grams = 1000
    q = quote({product.variants[0].id: 2}, {group.id: "pickup"})
    assert q.groups[0].shipping_satang == 0 and q.all_pickup


@pytest.mark.parametrize(
    "field,value",
    [
        ("phone", "12345"),
        ("phone", "081234567"),  # a mobile number has 10 digits
        ("phone", "0212345678"),  # a landline 9
        ("email", "nobody"),
        ("postal_code", "10110"),
        ("district_code", "5801"),
    ],
)
def test_bad_details_are_refused_with_the_field(make, field, value):
    product = make.product(stock=5)
    from tests.factories import BUYER_ADDRESS

    address = dict(BUYER_ADDRESS)
    contact = dict(email="a@example.com", name="ก", phone="0812345678")
    if field in address:
        address[field] = value
    else:
        contact[field] = value
    with pytest.raises(CheckoutError) as raised:
        place_order(
            {product.variants[0].id: 1},
            address=address,
            delivery={},
            payment_method="transfer",
            stripe_configured=False,
            **contact,
        )
    assert raised.value.field == field
    assert stock.variant_available(product.variants[0].id) == 5


def test_the_expire_command_gives_stock_back_past_orders_whose_slip_waits(make, runner):
    product = make.product(stock=10)
    variant = product.variants[0]
    # Older than the one to close: transfers whose slips wait for the leader. They never
    # expire, and must not fill the sweep's batch ahead of the orders that can close.
    waiting = [make.order({variant: 1}) for _ in range(3)]
    for order in waiting:
        slips.submit_slip(order, picture())
    overdue = make.order({variant: 4})
    past = datetime.now(UTC) - timedelta(hours=1)
    for age, order in enumerate([*waiting, overdue]):
        order.expires_at = past - timedelta(hours=10 - age)
    db.session.commit()
    assert stock.variant_available(variant.id) == 3
    assert service.overdue_order_ids(limit=1) == [overdue.id]

    result = runner.invoke(args=["orders", "expire"])
    assert result.exit_code == 0, result.output
    assert "expired 1 unpaid order(s)" in result.output
    db.session.expire_all()
    assert overdue.status == OrderStatus.EXPIRED
    assert all(order.status == OrderStatus.PENDING_PAYMENT for order in waiting)
    assert stock.variant_available(variant.id) == 7
    result = runner.invoke(args=["orders", "expire"])
    assert "expired 0 unpaid order(s)" in result.output
    assert stock.variant_available(variant.id) == 7


def test_expiring_an_order_that_is_not_overdue_takes_no_lock(make, monkeypatch):
    product = make.product(stock=5)
    order = make.order({product.variants[0]: 1})
    db.session.commit()

    def no_lock(order):
        raise AssertionError("the write lock was taken for an order that is not overdue")

    monkeypatch.setattr(service, "_lock_order", no_lock)
    assert service.expire_order(order) is False
    assert service.expire_if_overdue(order) is False
    assert order.status == OrderStatus.PENDING_PAYMENT
