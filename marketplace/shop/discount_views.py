"""Buyer views for discount codes: apply one to the cart, take it off, and the shareable link.

Thin views: `marketing.discounts` checks the code against the cart; the cart
remembers only the code's text (in the session). A code that cannot be used
changes nothing and the cart page says why, with a 4xx status.
"""

from urllib.parse import urlencode

from flask import current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from ..extensions import db, limiter
from ..marketing import discounts
from ..orders import cart, checkout
from .order_views import _render_cart
from .views import blueprint

# Campaign parameters a shared link may carry on to the page it opens.
_KEPT_PARAMS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")


def _code_limit():
    return current_app.config["DISCOUNT_CODE_LIMIT_PER_ADDRESS"]


def _address_key():
    return "code-addr:" + (get_remote_address() or "unknown")


def _refused(response):
    return response.status_code >= 400


def _buyer():
    return current_user if current_user.is_authenticated else None


@blueprint.post("/cart/code", endpoint="cart_code")
@limiter.shared_limit(
    _code_limit, scope="discount-code", key_func=_address_key, deduct_when=_refused
)
def cart_code():
    """Apply a discount code to the cart (one code per order: a new one replaces the old)."""
    typed = request.form.get("code", type=str)
    try:
        code = discounts.find_code(typed)
        discounts.usable_now(code)
        items = cart.items()
        if items:
            discounts.evaluate(code, checkout.quote(items), user=_buyer())
    except discounts.DiscountError as error:
        db.session.rollback()
        return _render_cart(error.status, error.message)
    cart.set_discount_code(code.code)
    flash(_("The code %(code)s is applied.", code=code.code), "success")
    return redirect(url_for("shop.cart"), code=303)


@blueprint.post("/cart/code/remove", endpoint="cart_code_remove")
def cart_code_remove():
    """Take the discount code off the cart."""
    cart.set_discount_code(None)
    flash(_("The discount code is removed."), "success")
    return redirect(url_for("shop.cart"), code=303)


@blueprint.get("/c/<path:code>", endpoint="code_link")
@limiter.shared_limit(
    _code_limit, scope="discount-code", key_func=_address_key, deduct_when=_refused
)
def code_link(code):
    """A shared link: remember the code for the cart, then open the group's shop (or the cart)."""
    try:
        found = discounts.find_code(code)
        discounts.usable_now(found)
    except discounts.DiscountError as error:
        db.session.rollback()
        return _render_cart(error.status, error.message)
    cart.set_discount_code(found.code)
    flash(_("The code %(code)s is applied to your cart.", code=found.code), "success")
    if cart.items() or found.group is None:
        target = url_for("shop.cart")
    else:
        target = url_for("shop.group", slug=found.group.slug)
    kept = {k: request.args.get(k, type=str)[:100] for k in _KEPT_PARAMS if request.args.get(k)}
    if kept:
        target = f"{target}?{urlencode(kept)}"
    return redirect(target, code=303)
