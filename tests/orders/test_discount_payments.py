"""Stripe is charged the discounted amount the server worked out, and paying uses the code."""

from marketplace.extensions import db
from marketplace.models import DiscountCode, DiscountKind, OrderStatus
from marketplace.orders import payments


def test_stripe_charges_the_discounted_total_and_paying_uses_the_code(make, fake_stripe):
    product = make.product(stock=10, price_satang=12050)
    product.group.shipping_flat_satang = 5000
    code = DiscountCode(
        code="RICE15",
        group_id=product.group_id,
        kind=DiscountKind.PERCENT,
        value_bp=1500,
        households_share_discount=True,
        max_uses=1,
    )
    db.session.add(code)
    order = make.order({product.variants[0]: 3}, payment_method="stripe", discount_code="rice15")
    payments.start_checkout(order)
    db.session.commit()

    [session] = fake_stripe.sessions.values()
    items = fake_stripe.state.line_items[session["id"]]
    discount = 3 * 12050 * 1500 // 10_000
    assert order.discount_satang == discount
    assert session["amount_total"] == order.total_satang == 3 * 12050 - discount + 5000
    assert sum(i["amount_total"] for i in items) == session["amount_total"]

    fake_stripe.pay(session["id"])
    db.session.rollback()
    db.session.refresh(order)
    db.session.refresh(code)
    assert order.status == OrderStatus.PAID
    assert (code.uses_held, code.uses_used) == (0, 1)
