"""Orders for the office's order and refund tests, placed through the real checkout."""

from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Lot, PaymentMethod
from marketplace.orders import service, slips

from .. import factories
from .pictures import picture


def a_product(group, stock=10, price_satang=12000, weight_grams=1000):
    """An active product of `group` with one variant and one lot of `stock` units."""
    product = factories.make_product(group=group, stock=stock, price_satang=price_satang)
    product.variants[0].weight_grams = weight_grams
    db.session.flush()
    return product


def paid_order(variant, quantity=2, method=PaymentMethod.TRANSFER, **fields):
    """A paid order of `quantity` units of `variant`, committed."""
    order = factories.make_order({variant: quantity}, payment_method=method, paid=True, **fields)
    db.session.commit()
    return order


def slip_order(variant, quantity=1, **fields):
    """An unpaid transfer order whose buyer has uploaded a slip, committed."""
    order = factories.make_order(
        {variant: quantity}, payment_method=PaymentMethod.TRANSFER, **fields
    )
    slips.submit_slip(order, picture())
    db.session.commit()
    return order


def pending_order(variant, quantity=1, method=PaymentMethod.TRANSFER, **fields):
    """An unpaid order, committed."""
    order = factories.make_order({variant: quantity}, payment_method=method, **fields)
    db.session.commit()
    return order


def available(variant):
    """Units of a variant available over all its lots, read from the database."""
    db.session.expire_all()
    return db.session.scalar(
        select(func.coalesce(func.sum(Lot.available), 0)).where(Lot.variant_id == variant.id)
    )


def mark_paid(order, method=PaymentMethod.TRANSFER):
    """Pay an order as the order core does, committed."""
    payment = service.new_payment(order, method)
    service.mark_paid(order, payment)
    db.session.commit()
    return payment
