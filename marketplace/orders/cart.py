"""The shopping cart, kept in the visitor's session as {variant_id: quantity}.

The cart holds ids and quantities only; names, prices and stock are read from
the catalog each time the cart is shown, so a changed price or a sold-out lot
shows at once. Flask's session is a signed cookie, so a guest's cart needs no
table; `accounts.service.start_session` keeps the "cart" key when a visitor
signs in. Quantities are checked here with the same bounds the checkout uses.
"""

from dataclasses import dataclass, field

from flask import session
from flask_babel import gettext
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import localized
from ..models import Lot, Product, ProductStatus, Variant
from .checkout import MAX_CART_LINES, MAX_LINE_QUANTITY

SESSION_KEY = "cart"
_MAX_ID = 2**31 - 1


class CartError(Exception):
    """A cart change that cannot be made; `message` is for the buyer. Nothing was changed."""

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


# -- reading and writing the session -------------------------------------------------------


def items():
    """The cart as {variant_id: quantity}; anything malformed in the cookie is left out."""
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    cart = {}
    for key, quantity in list(raw.items())[:MAX_CART_LINES]:
        try:
            variant_id = int(key)
        except (TypeError, ValueError):
            continue
        if (
            isinstance(quantity, int)
            and not isinstance(quantity, bool)
            and 1 <= quantity <= MAX_LINE_QUANTITY
            and 0 < variant_id <= _MAX_ID
        ):
            cart[variant_id] = quantity
    return cart


def _save(cart):
    if cart:
        # JSON object keys are strings; the session serialiser would make them so anyway.
        session[SESSION_KEY] = {str(k): v for k, v in cart.items()}
    else:
        session.pop(SESSION_KEY, None)


def count():
    """How many units the cart holds (the number in the header)."""
    return sum(items().values())


def clear():
    """Empty the cart (after an order is placed), and forget its discount code."""
    session.pop(SESSION_KEY, None)
    session.pop(CODE_KEY, None)


CODE_KEY = "discount_code"


def discount_code():
    """The discount code the buyer applied to the cart (as stored, upper case), or None."""
    code = session.get(CODE_KEY)
    if isinstance(code, str) and 0 < len(code) <= 20:
        return code
    return None


def set_discount_code(code):
    """Remember a (checked) code for the cart; None forgets it."""
    if code:
        session[CODE_KEY] = code
    else:
        session.pop(CODE_KEY, None)


# -- parsing what the buyer sent -----------------------------------------------------------


def parse_variant_id(raw):
    """A variant id from form input, or CartError."""
    text = str(raw or "").strip()
    if not text.isdigit() or len(text) > 10 or not 0 < int(text) <= _MAX_ID:
        raise CartError(gettext("This product is not for sale."), field="variant_id")
    return int(text)


def parse_quantity(raw, allow_zero=False):
    """A whole quantity from form input (0 too when `allow_zero`), or CartError."""
    text = str(raw if raw is not None else "").strip()
    low = 0 if allow_zero else 1
    message = gettext(
        "Choose a quantity from %(low)d to %(high)d.", low=low, high=MAX_LINE_QUANTITY
    )
    if not text:
        raise CartError(message, field="quantity")
    sign = -1 if text[:1] == "-" else 1
    digits = text.lstrip("+-")
    if not digits.isdigit() or len(digits) > 6:
        if digits.isdigit():  # a huge number: out of range, not malformed
            raise CartError(message, field="quantity")
        raise CartError(gettext("Enter the quantity as a whole number."), field="quantity")
    quantity = sign * int(digits)
    if not low <= quantity <= MAX_LINE_QUANTITY:
        raise CartError(message, field="quantity")
    return quantity


# -- changes -------------------------------------------------------------------------------


def _sellable(variant_id):
    """The variant if it can be bought now (active, of an active product and group)."""
    variant = db.session.scalar(
        select(Variant)
        .join(Variant.product)
        .where(
            Variant.id == variant_id,
            Variant.is_active.is_(True),
            Product.status == ProductStatus.ACTIVE,
        )
        .options(selectinload(Variant.product).selectinload(Product.group))
    )
    if variant is None or not variant.product.group.is_active:
        return None
    return variant


def add(variant_id, quantity):
    """Put `quantity` more units of a variant in the cart: (variant, quantity now, capped).

    The line is capped at what is in stock and at MAX_LINE_QUANTITY (`capped`
    says it was); CartError when the variant is not for sale, is sold out, or
    the cart is full.
    """
    variant = _sellable(variant_id)
    if variant is None:
        raise CartError(gettext("This product is not for sale."), field="variant_id")
    cart = items()
    if variant_id not in cart and len(cart) >= MAX_CART_LINES:
        raise CartError(gettext("A cart holds at most %(n)d products.", n=MAX_CART_LINES))
    available = _available({variant_id}).get(variant_id, 0)
    name = localized(variant.product, "name")
    if available <= 0:
        raise CartError(gettext("%(name)s is sold out.", name=name), field="quantity")
    wanted = cart.get(variant_id, 0) + quantity
    limit = min(available, MAX_LINE_QUANTITY)
    cart[variant_id] = min(wanted, limit)
    _save(cart)
    return variant, cart[variant_id], wanted > limit


def update(variant_id, quantity):
    """Set a line's quantity (0 removes it); CartError for a variant not in the cart."""
    cart = items()
    if variant_id not in cart:
        raise CartError(gettext("This product is not in your cart."), field="variant_id")
    if quantity == 0:
        del cart[variant_id]
    else:
        cart[variant_id] = quantity
    _save(cart)


def remove(variant_id):
    """Take a variant out of the cart; removing what is not there changes nothing."""
    cart = items()
    cart.pop(variant_id, None)
    _save(cart)


def remove_unsellable():
    """Drop the lines that can no longer be bought; their count."""
    cart = items()
    view = cart_view(cart)
    for line in view.unavailable:
        cart.pop(line.variant_id, None)
    _save(cart)
    return len(view.unavailable)


# -- what the cart page shows --------------------------------------------------------------


@dataclass
class CartLine:
    """One line of the cart with what the catalog says about it now."""

    variant_id: int
    quantity: int
    variant: Variant | None = None
    available: int = 0
    for_sale: bool = False

    @property
    def net_satang(self):
        return self.variant.price_satang * self.quantity if self.variant else 0

    @property
    def short(self):
        """True when fewer units are in stock than the cart asks for."""
        return self.for_sale and self.quantity > self.available


@dataclass
class CartGroup:
    """The cart lines of one producer group (each group packs and ships its own part)."""

    group: object
    lines: list = field(default_factory=list)

    @property
    def subtotal_satang(self):
        return sum(line.net_satang for line in self.lines)


@dataclass
class CartView:
    """The cart page: lines by group, lines no longer for sale, totals and whether to go on."""

    groups: list
    unavailable: list

    @property
    def lines(self):
        return [line for group in self.groups for line in group.lines]

    @property
    def count(self):
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal_satang(self):
        return sum(group.subtotal_satang for group in self.groups)

    @property
    def has_problems(self):
        return bool(self.unavailable) or any(line.short for line in self.lines)

    @property
    def is_empty(self):
        return not self.groups and not self.unavailable


def _available(variant_ids):
    """{variant_id: units available over its lots}, one query."""
    if not variant_ids:
        return {}
    rows = db.session.execute(
        select(Lot.variant_id, func.coalesce(func.sum(Lot.available), 0))
        .where(Lot.variant_id.in_(variant_ids))
        .group_by(Lot.variant_id)
    ).all()
    return {variant_id: int(total) for variant_id, total in rows}


def cart_view(cart=None):
    """The cart with names, prices and stock from the catalog, grouped by producer group."""
    cart = items() if cart is None else cart
    if not cart:
        return CartView(groups=[], unavailable=[])
    variants = {
        v.id: v
        for v in db.session.scalars(
            select(Variant)
            .where(Variant.id.in_(list(cart)))
            .options(selectinload(Variant.product).selectinload(Product.group))
        )
    }
    stock = _available(set(variants))
    by_group = {}
    unavailable = []
    for variant_id, quantity in cart.items():
        variant = variants.get(variant_id)
        line = CartLine(variant_id=variant_id, quantity=quantity, variant=variant)
        if variant is not None:
            product = variant.product
            line.for_sale = bool(
                variant.is_active
                and product.status == ProductStatus.ACTIVE
                and product.group.is_active
            )
            line.available = stock.get(variant_id, 0)
        if not line.for_sale:
            unavailable.append(line)
            continue
        group = variant.product.group
        by_group.setdefault(group.id, CartGroup(group=group)).lines.append(line)
    groups = sorted(by_group.values(), key=lambda g: g.group.name_th)
    return CartView(groups=groups, unavailable=unavailable)
