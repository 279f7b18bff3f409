"""Placing an order: server-side prices and shipping, stock reserved, all in one transaction.

`quote` prices a cart (per group: lines, weight, shipping by the chosen
delivery) without writing anything; the checkout page shows it. `place_order`
checks the buyer's details, quotes again, reserves every line's units from the
oldest lots (`stock.reserve`) and writes the order, its fulfilments, lines and
allocations. It flushes; the request commits. If any line cannot be reserved
it raises `OutOfStock` and the caller rolls back, so either the whole order
holds its stock or nothing was taken.

A double click on "Place the order" must not place two orders. The checkout
page carries a one-time key (`new_checkout_key`, a hidden field) that is stored
on the order; placing an order with a key already used raises `AlreadyPlaced`
instead of reserving again: found under the write lock on SQLite, or, when two
posts race on PostgreSQL, by the unique column at the flush. The caller rolls
back and sends the buyer to the order the first post placed. A post without a
key (an old page, a script) is placed as before.
"""

import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import areas
from ..accounts.errors import AccountError
from ..accounts.groups import check_place
from ..accounts.service import clean_text, is_valid_email, normalize_email
from ..database import begin_write
from ..extensions import db
from ..i18n import localized
from ..models import (
    DeliveryMethod,
    Fulfilment,
    LineAllocation,
    Order,
    OrderLine,
    PaymentMethod,
    Product,
    ProductStatus,
    Variant,
)
from . import stock

MAX_LINE_QUANTITY = 99
MAX_CART_LINES = 50
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
# Thai numbers: mobile 06/08/09 + 8 digits (10 in all), landline 02-07 + 7 digits (9 in all).
_PHONE = re.compile(r"^(?:0[689][0-9]{8}|0[2-7][0-9]{7})$")
# The checkout form's one-time key: secrets.token_urlsafe(24), 32 characters.
_CHECKOUT_KEY = re.compile(r"^[A-Za-z0-9_-]{32}$")


class CheckoutError(Exception):
    """The buyer's details or cart cannot be accepted; nothing was written.

    `message` is for the buyer, `field` the form field it belongs to.
    """

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


class AlreadyPlaced(Exception):
    """This checkout form placed an order before; the caller rolls back and shows that order.

    `order` is it when it was found before anything was reserved; None when two
    posts raced and the unique key refused the second at the flush: after the
    rollback, `order_for_checkout_key` finds the first.
    """

    def __init__(self, key, order=None):
        self.key = key
        self.order = order
        super().__init__(f"checkout key {key} was used")


@dataclass
class QuoteLine:
    variant: Variant
    quantity: int

    @property
    def unit_price_satang(self):
        return self.variant.price_satang

    @property
    def net_satang(self):
        return self.variant.price_satang * self.quantity

    @property
    def weight_grams(self):
        return self.variant.weight_grams * self.quantity


@dataclass
class GroupQuote:
    """One group's part of a cart: its lines, how it is delivered, what it costs."""

    group: object
    lines: list = field(default_factory=list)
    delivery_method: str = DeliveryMethod.SHIP
    shipping_satang: int = 0

    @property
    def subtotal_satang(self):
        return sum(line.net_satang for line in self.lines)

    @property
    def weight_grams(self):
        return sum(line.weight_grams for line in self.lines)

    @property
    def total_satang(self):
        return self.subtotal_satang + self.shipping_satang

    @property
    def delivery_methods(self):
        """The ways this group can hand over its part."""
        methods = []
        if self.group.ships:
            methods.append(DeliveryMethod.SHIP)
        if self.group.offers_pickup:
            methods.append(DeliveryMethod.PICKUP)
        return methods


@dataclass
class Quote:
    groups: list

    @property
    def subtotal_satang(self):
        return sum(g.subtotal_satang for g in self.groups)

    @property
    def shipping_satang(self):
        return sum(g.shipping_satang for g in self.groups)

    @property
    def total_satang(self):
        return self.subtotal_satang + self.shipping_satang

    @property
    def all_pickup(self):
        return bool(self.groups) and all(
            g.delivery_method == DeliveryMethod.PICKUP for g in self.groups
        )


def shipping_fee(group, weight_grams, delivery_method):
    """A group's shipping for a part of this weight: flat fee plus the rate per started kg."""
    if delivery_method == DeliveryMethod.PICKUP:
        return 0
    kilograms = math.ceil(weight_grams / 1000) if weight_grams > 0 else 0
    return group.shipping_flat_satang + group.shipping_per_kg_satang * kilograms


def sellable_variants(variant_ids):
    """The active variants of active products of active groups among these ids, by id."""
    if not variant_ids:
        return {}
    variants = db.session.scalars(
        select(Variant)
        .join(Variant.product)
        .where(
            Variant.id.in_(variant_ids),
            Variant.is_active.is_(True),
            Product.status == ProductStatus.ACTIVE,
        )
        .options(selectinload(Variant.product).selectinload(Product.group))
    ).all()
    return {v.id: v for v in variants if v.product.group.is_active}


def quote(items, delivery=None):
    """Price a cart {variant_id: quantity}: a Quote grouped by producer group.

    `delivery` maps group ids to a DeliveryMethod; a group's first possible
    method is used where it is missing or not offered. Variants that are no
    longer for sale are left out (the cart page says so).
    """
    delivery = delivery or {}
    variants = sellable_variants(list(items))
    by_group = {}
    for variant_id, quantity in items.items():
        variant = variants.get(variant_id)
        if variant is None or quantity <= 0:
            continue
        group = variant.product.group
        part = by_group.setdefault(group.id, GroupQuote(group=group))
        part.lines.append(QuoteLine(variant=variant, quantity=quantity))
    for part in by_group.values():
        methods = part.delivery_methods or [DeliveryMethod.SHIP]
        wanted = delivery.get(part.group.id)
        part.delivery_method = wanted if wanted in methods else methods[0]
        part.shipping_satang = shipping_fee(part.group, part.weight_grams, part.delivery_method)
    groups = sorted(by_group.values(), key=lambda g: g.group.name_th)
    return Quote(groups=groups)


def check_contact(email, name, phone):
    """Cleaned (email, name, phone) or CheckoutError."""
    email = normalize_email(email or "")
    if not is_valid_email(email):
        raise CheckoutError(gettext("Enter a valid email address."), field="email")
    name = clean_text(name or "", 120)
    if not name:
        raise CheckoutError(gettext("Enter your name."), field="name")
    phone = re.sub(r"[\s().-]", "", phone or "")
    if phone.startswith("+66"):
        phone = "0" + phone[3:]
    if not _PHONE.match(phone):
        raise CheckoutError(
            gettext("Enter a Thai phone number, e.g. 081 234 5678 or 053 123 456."),
            field="phone",
        )
    return email, name, phone


def check_address(address_line, province_code, district_code, subdistrict_code, postal_code):
    """Cleaned address fields, checked against the official list, or CheckoutError."""
    address_line = clean_text(address_line or "", 300)
    if not address_line:
        raise CheckoutError(
            gettext("Enter the house number, village and road."), field="address_line"
        )
    try:
        postal_codes = _postal_codes(province_code, district_code, subdistrict_code)
    except AccountError as error:
        raise CheckoutError(error.message, field=error.field) from error
    postal_code = (postal_code or "").strip()
    if postal_code not in postal_codes:
        raise CheckoutError(
            gettext("The postal code does not match the subdistrict (it should be %(codes)s).")
            % {"codes": ", ".join(postal_codes)},
            field="postal_code",
        )
    return dict(
        address_line=address_line,
        province_code=province_code,
        district_code=district_code,
        subdistrict_code=subdistrict_code,
        postal_code=postal_code,
    )


def _postal_codes(province_code, district_code, subdistrict_code):
    check_place(province_code or "", district_code or "", subdistrict_code or "")
    return list(areas.subdistrict(subdistrict_code).postal_codes)


def hold_duration(payment_method):
    """How long an unpaid order holds its stock, by how it will be paid."""
    config = current_app.config
    if payment_method == PaymentMethod.TRANSFER:
        return timedelta(hours=config["TRANSFER_HOLD_HOURS"])
    if payment_method == PaymentMethod.CASH_ON_PICKUP:
        return timedelta(days=config["PICKUP_HOLD_DAYS"])
    return timedelta(minutes=config["ORDER_HOLD_MINUTES"])


def platform_payee_configured():
    """True when the platform has its own account for transfers (PLATFORM_PROMPTPAY_ID …)."""
    config = current_app.config
    return bool(config.get("PLATFORM_PROMPTPAY_ID") or config.get("PLATFORM_BANK_ACCOUNT_NO"))


def payment_methods(the_quote, stripe_configured):
    """The ways this cart may be paid.

    Stripe when keys are set. A transfer always: to the group's own account for
    a one-group cart (its leader confirms the slip); for several groups, to the
    platform's account when one is configured (an admin confirms), otherwise to
    each group's own account, part by part (`pays_per_part`). Cash only when one
    group's part is picked up there.
    """
    methods = []
    if stripe_configured:
        methods.append(PaymentMethod.STRIPE)
    if the_quote.groups:
        methods.append(PaymentMethod.TRANSFER)
    if len(the_quote.groups) == 1 and the_quote.all_pickup:
        methods.append(PaymentMethod.CASH_ON_PICKUP)
    return methods


def pays_per_part(group_count, payment_method):
    """True when an order is paid part by part: a transfer for several groups, no platform
    account to receive it whole."""
    return (
        payment_method == PaymentMethod.TRANSFER
        and group_count > 1
        and not platform_payee_configured()
    )


def new_checkout_key():
    """A fresh one-time key for a checkout form (a hidden field)."""
    return secrets.token_urlsafe(24)


def is_checkout_key(key):
    """True when `key` looks like a key `new_checkout_key` made."""
    return isinstance(key, str) and bool(_CHECKOUT_KEY.match(key))


def order_for_checkout_key(key):
    """The order placed with this checkout form's key, or None (also for no or a malformed key)."""
    if not is_checkout_key(key):
        return None
    return db.session.scalar(select(Order).where(Order.checkout_key == key))


def new_reference():
    """A short public order reference, e.g. MP-7KQ2-X9PD."""
    part = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"MP-{part[:4]}-{part[4:]}"


def check_items(items):
    """{variant_id: quantity} with whole, positive, bounded quantities, or CheckoutError."""
    if not items:
        raise CheckoutError(gettext("Your cart is empty."))
    if len(items) > MAX_CART_LINES:
        raise CheckoutError(gettext("A cart holds at most %(n)d products.", n=MAX_CART_LINES))
    for quantity in items.values():
        if not isinstance(quantity, int) or not 1 <= quantity <= MAX_LINE_QUANTITY:
            raise CheckoutError(gettext("Choose a quantity from 1 to %(n)d.", n=MAX_LINE_QUANTITY))
    return items


def place_order(
    items,
    *,
    email,
    name,
    phone,
    address,
    delivery,
    payment_method,
    stripe_configured,
    user=None,
    locale="th",
    note="",
    checkout_key=None,
    discount_code=None,
    now=None,
):
    """Reserve stock and write an order for a cart; the order, flushed (the caller commits).

    `discount_code` is the code the buyer applied (text, or None): checked against
    the cart and the buyer, its discount set per line (and on shipping), and one
    use held for the order (`marketing.discounts.hold`); a code that cannot be
    used raises CheckoutError and nothing is placed.

    `address` is a dict of address_line, province_code, district_code,
    subdistrict_code, postal_code; it may be empty when every part is picked up.
    `checkout_key` is the checkout form's one-time key (None: no double-post check).
    Raises CheckoutError for bad details, stock.OutOfStock when a line cannot be
    reserved, and AlreadyPlaced when the key placed an order before (the caller
    rolls back in each case).
    """
    now = now or datetime.now(UTC)
    checkout_key = checkout_key or None
    if checkout_key is not None and not is_checkout_key(checkout_key):
        raise CheckoutError(
            gettext(
                "This form is out of date; please check your details and place the order again."
            )
        )
    items = check_items(items)
    email, name, phone = check_contact(email, name, phone)
    the_quote = quote(items, delivery)
    if not the_quote.groups:
        raise CheckoutError(gettext("The products in your cart are no longer for sale."))
    quoted = {line.variant.id for part in the_quote.groups for line in part.lines}
    if set(items) - quoted:
        raise CheckoutError(
            gettext("Some products in your cart are no longer for sale; please check your cart.")
        )
    if the_quote.all_pickup and not any((address or {}).values()):
        place = dict(
            address_line="",
            province_code="",
            district_code="",
            subdistrict_code="",
            postal_code="",
        )
    else:
        place = check_address(**(address or {}))
    if payment_method not in payment_methods(the_quote, stripe_configured):
        raise CheckoutError(gettext("Choose how you will pay."), field="payment_method")
    applied = None
    if discount_code:
        from ..marketing import discounts

        try:
            code = discounts.find_code(discount_code)
            applied = discounts.evaluate(
                code, the_quote, user=user, email=email, phone=phone, now=now
            )
        except discounts.DiscountError as error:
            raise CheckoutError(error.message) from error
    line_discounts = applied.lines if applied else {}
    shipping_discounts = applied.shipping if applied else {}
    discount = sum(line_discounts.values())
    shipping = the_quote.shipping_satang - sum(shipping_discounts.values())

    # The write lock first, then the stock: every line or none.
    if checkout_key is not None:
        begin_write(db.session)  # on SQLite a second post waits here, then finds the first
        placed = order_for_checkout_key(checkout_key)
        if placed is not None:
            raise AlreadyPlaced(checkout_key, placed)
    order = Order(
        reference=new_reference(),
        checkout_key=checkout_key,
        user_id=getattr(user, "id", None),
        payment_method=payment_method,
        locale=locale,
        email=email,
        name=name,
        phone=phone,
        note=clean_text(note or "", 500),
        subtotal_satang=the_quote.subtotal_satang,
        discount_satang=discount,
        shipping_satang=shipping,
        total_satang=the_quote.subtotal_satang - discount + shipping,
        created_at=now,
        expires_at=now + hold_duration(payment_method),
        paid_per_part=pays_per_part(len(the_quote.groups), payment_method),
        **place,
    )
    for part in the_quote.groups:
        fulfilment = Fulfilment(
            group_id=part.group.id,
            delivery_method=part.delivery_method,
            subtotal_satang=part.subtotal_satang,
            shipping_satang=part.shipping_satang - shipping_discounts.get(part.group.id, 0),
            weight_grams=part.weight_grams,
            expires_at=order.expires_at if order.paid_per_part else None,
        )
        order.fulfilments.append(fulfilment)
        for quote_line in part.lines:
            variant = quote_line.variant
            try:
                taken = stock.reserve(variant.id, quote_line.quantity)
            except stock.OutOfStock as error:
                error.name = localized(variant.product, "name", locale)
                raise
            line = OrderLine(
                variant_id=variant.id,
                product_name_th=variant.product.name_th,
                product_name_en=variant.product.name_en,
                variant_label_th=variant.label_th,
                variant_label_en=variant.label_en,
                sku=variant.sku,
                unit_price_satang=variant.price_satang,
                quantity=quote_line.quantity,
                discount_satang=line_discounts.get(variant.id, 0),
                households_share_discount=bool(applied and applied.code.households_share_discount),
            )
            line.allocations = [LineAllocation(lot_id=lot_id, quantity=n) for lot_id, n in taken]
            fulfilment.lines.append(line)
    db.session.add(order)
    try:
        db.session.flush()
    except IntegrityError as error:
        if checkout_key is None:
            raise
        # Another post of the same form committed its order meanwhile (PostgreSQL).
        raise AlreadyPlaced(checkout_key) from error
    if applied is not None:
        # After the stock: every writer takes the catalog version, lots, then the code.
        from ..marketing import discounts

        try:
            discounts.hold(applied, order, user=user, now=now)
        except discounts.DiscountError as error:
            raise CheckoutError(error.message) from error
    return order
