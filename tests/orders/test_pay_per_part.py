"""An order of several groups paid part by part: one transfer and slip per group, each its own.

With no Stripe and no platform account, a cart of two groups becomes one order
whose parts are paid each to its own group's account and confirmed by that
group's leader. The order is paid when every part still standing is; a part
nobody paid expires alone and gives its stock back; money is never lost.
"""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import (
    FulfilmentStatus,
    LedgerEntry,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from marketplace.orders import fulfilment, refunds, service, slips, stock
from marketplace.orders.checkout import payment_methods, quote

from ..office.pictures import picture

F = FulfilmentStatus


@pytest.fixture
def two(make):
    """Rice (group A, 5 in stock) and chili (group B, 4 in stock), each with a PromptPay id."""
    rice_group = make.group(promptpay_id="0812345678", shipping_flat_satang=5000)
    chili_group = make.group(promptpay_id="0993505000428", shipping_flat_satang=4000)
    rice = make.product(group=rice_group, stock=5, price_satang=12000)
    chili = make.product(group=chili_group, stock=4, price_satang=8500)
    db.session.commit()
    return rice, chili


def _order(make, rice, chili, **fields):
    order = make.order({rice.variants[0]: 2, chili.variants[0]: 1}, **fields)
    db.session.commit()
    parts = {f.group_id: f for f in order.fulfilments}
    return order, parts[rice.group_id], parts[chili.group_id]


def _slip_and_confirm(order, part):
    slips.submit_slip(order, picture(), part)
    db.session.commit()
    _, paid = fulfilment.confirm_slip(part.group, part.id)
    db.session.commit()
    return paid


def _posted(lines):
    ids = [line.id for line in lines]
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_satang), 0)).where(
            LedgerEntry.order_line_id.in_(ids)
        )
    )


def _available(product):
    return stock.variant_available(product.variants[0].id)


def test_a_transfer_for_two_groups_is_offered_and_paid_part_by_part(make, two):
    rice, chili = two
    the_quote = quote({rice.variants[0].id: 1, chili.variants[0].id: 1})
    assert PaymentMethod.TRANSFER in payment_methods(the_quote, stripe_configured=False)
    order, a, b = _order(make, rice, chili)
    assert order.paid_per_part
    assert a.expires_at is not None and b.expires_at is not None
    assert a.total_satang == 2 * 12000 + 5000 and b.total_satang == 8500 + 4000
    # Each part's QR carries exactly that part's amount, to that group.
    assert slips.promptpay_payload(order, a).count("5406290.00") == 1
    assert "5406125.00" in slips.promptpay_payload(order, b)


def test_with_a_platform_account_the_order_is_paid_whole(make, two, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    order, _, _ = _order(make, *two)
    assert not order.paid_per_part


def test_each_leader_confirms_their_part_and_the_order_is_paid_when_both_are(make, two, outbox):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    # A slip for the whole order is refused: say which group it paid.
    with pytest.raises(slips.SlipError):
        slips.submit_slip(order, picture())
    db.session.rollback()

    slips.submit_slip(order, picture(), a)
    db.session.commit()
    [payment] = order.payments
    assert payment.fulfilment_id == a.id and payment.amount_satang == a.total_satang
    assert fulfilment.stage(a) == fulfilment.Tab.SLIPS
    assert fulfilment.stage(b) == fulfilment.Tab.AWAITING_PAYMENT
    assert fulfilment.tab_counts(a.group)[fulfilment.Tab.SLIPS] == 1
    assert fulfilment.tab_counts(b.group)[fulfilment.Tab.SLIPS] == 0
    # The other group's leader cannot decide on it.
    with pytest.raises(fulfilment.FulfilmentError):
        fulfilment.confirm_slip(b.group, b.id)
    db.session.rollback()

    _, paid = fulfilment.confirm_slip(a.group, a.id)
    db.session.commit()
    assert paid is True
    assert (a.status, b.status, order.status) == (
        F.PAID,
        F.PENDING_PAYMENT,
        OrderStatus.PENDING_PAYMENT,
    )
    assert a.paid_at is not None and order.paid_at is None
    # A's lines are in the ledger, to the satang; B's are not.
    assert _posted(a.lines) == sum(line.net_satang for line in a.lines)
    assert _posted(b.lines) == 0
    assert fulfilment.next_steps(a) == {"pack", "ship"}

    assert _slip_and_confirm(order, b) is True
    assert (a.status, b.status, order.status) == (F.PAID, F.PAID, OrderStatus.PAID)
    assert order.paid_at is not None
    # Every line posted once: the whole order's posting added nothing twice.
    assert _posted(order.lines) == sum(line.net_satang for line in order.lines)
    from marketplace.impact import ledger

    assert ledger.post_order_shares(order) == []
    assert ledger.post_fulfilment_shares(a) == []
    assert _available(rice) == 3 and _available(chili) == 3


def test_an_unpaid_part_expires_alone_and_gives_its_stock_back(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    assert _slip_and_confirm(order, a) is True
    later = datetime.now(UTC) + timedelta(days=2)
    assert service.overdue_order_ids(later) == [order.id]
    assert service.sweep_expired(later) == 1
    assert service.sweep_expired(later) == 0
    assert (a.status, b.status) == (F.PAID, F.EXPIRED)
    assert order.status == OrderStatus.PAID  # every part still standing is paid
    assert _available(rice) == 3 and _available(chili) == 4  # only B's units came back
    assert _posted(b.lines) == 0 and _posted(a.lines) == a.lines[0].net_satang


def test_a_part_whose_slip_waits_does_not_expire_but_the_other_does(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    slips.submit_slip(order, picture(), b)
    db.session.commit()
    later = datetime.now(UTC) + timedelta(days=2)
    assert service.sweep_expired(later) == 1
    assert (a.status, b.status, order.status) == (
        F.EXPIRED,
        F.PENDING_PAYMENT,
        OrderStatus.PENDING_PAYMENT,
    )
    assert _available(rice) == 5 and _available(chili) == 3
    assert service.overdue_order_ids(later) == []  # B waits for its leader
    # B's leader rejects the slip: B gets a fresh hold of its own.
    fulfilment.reject_slip(b.group, b.id, "No money arrived")
    db.session.commit()
    assert service.part_expires_at(order, b) > datetime.now(UTC) + timedelta(hours=23)
    # Then nobody pays: B expires too and the whole order is closed.
    assert service.sweep_expired(datetime.now(UTC) + timedelta(days=3)) == 1
    assert (b.status, order.status) == (F.EXPIRED, OrderStatus.EXPIRED)
    assert _available(chili) == 4


def test_cancelling_after_one_part_was_paid_cancels_only_the_rest(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    _slip_and_confirm(order, a)
    assert service.cancel_order(order) is True
    db.session.commit()
    assert (a.status, b.status, order.status) == (F.PAID, F.CANCELLED, OrderStatus.PAID)
    assert _available(chili) == 4 and _available(rice) == 3


def test_money_for_an_expired_part_takes_its_stock_again(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    payment = service.new_payment(order, PaymentMethod.TRANSFER, b)
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    assert order.status == OrderStatus.EXPIRED and _available(chili) == 4
    assert service.mark_paid(order, payment) is True
    db.session.commit()
    assert (a.status, b.status, order.status) == (F.EXPIRED, F.PAID, OrderStatus.PAID)
    assert _available(chili) == 3 and _available(rice) == 5
    assert _posted(b.lines) == b.lines[0].net_satang and _posted(a.lines) == 0


def test_money_for_an_expired_part_whose_stock_is_gone_is_given_back(make, two, outbox):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    _slip_and_confirm(order, a)
    payment = service.new_payment(order, PaymentMethod.TRANSFER, b)
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    make.order({chili.variants[0]: 4})  # someone else takes every unit
    db.session.commit()
    assert service.mark_paid(order, payment) is False
    db.session.commit()
    assert payment.status == PaymentStatus.SUCCEEDED and b.status == F.EXPIRED
    assert refunds.late_payment(order, b) is payment
    assert refunds.late_payment(order, a) is None
    assert fulfilment.late_payment_count(b.group) == 1
    assert fulfilment.late_payment_count(a.group) == 0
    refunds.refund_late_payment(b.group, b.id)
    db.session.commit()
    assert b.status == F.REFUNDED and b.refunded_satang == b.total_satang
    assert order.status == OrderStatus.PAID and a.status == F.PAID  # A's part is untouched
    assert fulfilment.late_payment_count(b.group) == 0


def test_a_second_payment_of_a_paid_part_is_money_to_give_back(make, two, outbox):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    _slip_and_confirm(order, a)
    again = service.new_payment(order, PaymentMethod.TRANSFER, a)
    assert service.mark_paid(order, again) is False
    db.session.commit()
    assert again.status == PaymentStatus.SUCCEEDED and again.surplus
    assert fulfilment.paid_payment(order, a) is not again
    assert fulfilment.surplus_payments(order, a) == [again]
    assert fulfilment.late_payment_count(a.group) == 1
    assert _posted(a.lines) == a.lines[0].net_satang  # nothing posted twice
    refunds.give_back_surplus(a.group, a.id, again.id)
    db.session.commit()
    assert again.given_back_at is not None
    assert fulfilment.late_payment_count(a.group) == 0
    assert a.status == F.PAID and a.refunded_satang == 0


def test_a_refund_of_a_paid_part_uses_that_parts_payment(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    _slip_and_confirm(order, a)
    _slip_and_confirm(order, b)
    refunds.refund_fulfilment(b.group, b.id, everything=True)
    db.session.commit()
    assert b.status == F.REFUNDED and order.status == OrderStatus.PARTLY_REFUNDED
    refunds.refund_fulfilment(a.group, a.id, everything=True)
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED
    assert _posted(order.lines) == 0  # reversals bring every account back to zero


def test_a_refund_after_a_part_expired_can_refund_the_order_wholly(make, two):
    rice, chili = two
    order, a, b = _order(make, rice, chili)
    _slip_and_confirm(order, a)
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    refunds.refund_fulfilment(a.group, a.id, everything=True)
    db.session.commit()
    assert order.status == OrderStatus.REFUNDED


def test_a_market_code_on_an_order_paid_part_by_part_is_used_once_the_order_counts_as_paid(
    make, two
):
    from marketplace.marketing import discounts
    from marketplace.models import DiscountCode, DiscountKind, RedemptionStatus

    rice, chili = two
    code = DiscountCode(code="MARKET10", kind=DiscountKind.PERCENT, value_bp=1000, max_uses=5)
    code.households_share_discount = True
    db.session.add(code)
    db.session.commit()
    order, a, b = _order(make, rice, chili, discount_code="market10")
    assert order.paid_per_part
    assert {line.discount_satang for line in order.lines} == {2400, 850}
    assert a.total_satang + b.total_satang == order.total_satang
    redemption = discounts.redemption_of(order)
    assert _slip_and_confirm(order, a) is True
    assert redemption.status == RedemptionStatus.HELD  # B still waits
    later = datetime.now(UTC) + timedelta(days=2)
    assert service.sweep_expired(later) == 1  # B expires; the order counts as paid
    db.session.refresh(code)
    assert order.status == OrderStatus.PAID
    assert redemption.status == RedemptionStatus.USED
    assert (code.uses_held, code.uses_used) == (0, 1)
    assert _posted(a.lines) == a.lines[0].net_satang
