"""Buyer views: cart, checkout, the order page (pay, cancel, transfer slip) and order history.

Thin views on the `shop` blueprint: parse the form, call one function of
`orders` (cart, checkout, service, slips, payments), commit once, redirect.
An order page opens for the signed link mailed to the buyer (`?token=`) or
for the signed-in buyer who placed it; anyone else gets 404, as for an order
that does not exist. Every page here is private to one visitor and never cached.
"""

from dataclasses import dataclass

from flask import (
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .. import areas
from ..accounts import access
from ..accounts.redirects import safe_next_url
from ..admin.forms import fill_area_choices
from ..catalog.cache import fill_in, filled_by_page_cache
from ..catalog.queries import current_lot
from ..extensions import db
from ..i18n import current_language, localized
from ..impact import price_split, receipts
from ..impact.reports.suppression import SUPPRESS_BELOW
from ..marketing import cards, visits
from ..models import (
    DeliveryMethod,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from ..orders import (
    cart,
    checkout,
    notify,
    payments,
    promptpay,
    refunds,
    service,
    slips,
    states,
    stock,
)
from ..orders import fulfilment as fulfilment_domain
from .checkout_forms import (
    PAYMENT_LABELS,
    CartItemForm,
    CheckoutForm,
    SlipForm,
)
from .views import blueprint

# Stands in for the cart count while a page is rendered for the page cache;
# every response puts the visitor's own count in its place (see `_fill_cart_count`).
CART_COUNT_PLACEHOLDER = "\x1fcart-count\x1f"
_PLACEHOLDER_BYTES = CART_COUNT_PLACEHOLDER.encode()
PRIVATE = "private, no-store"

ORDER_LABELS = {
    OrderStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    OrderStatus.PAID: _l("Paid"),
    OrderStatus.CANCELLED: _l("Cancelled"),
    OrderStatus.EXPIRED: _l("Expired"),
    OrderStatus.PARTLY_REFUNDED: _l("Partly refunded"),
    OrderStatus.REFUNDED: _l("Refunded"),
}
FULFILMENT_LABELS = {
    FulfilmentStatus.PENDING_PAYMENT: _l("Waiting for payment"),
    FulfilmentStatus.PAID: _l("Being packed"),
    FulfilmentStatus.PACKED: _l("Packed"),
    FulfilmentStatus.SHIPPED: _l("On its way"),
    FulfilmentStatus.DELIVERED: _l("Delivered"),
    FulfilmentStatus.CANCELLED: _l("Cancelled"),
    FulfilmentStatus.EXPIRED: _l("Expired"),
    FulfilmentStatus.PARTLY_REFUNDED: _l("Partly refunded"),
    FulfilmentStatus.REFUNDED: _l("Refunded"),
}


# -- the cart count in the header ----------------------------------------------------------


@blueprint.app_template_global()
def cart_count_marker():
    """The header's cart count: a placeholder that each response fills in for its visitor.

    Storefront pages are cached per worker for every anonymous visitor
    (`catalog.cache`), so the count cannot be written into the HTML itself.
    """
    return CART_COUNT_PLACEHOLDER


def _cart_count_text():
    """This visitor's cart count as the header shows it: nothing when the cart is empty."""
    return str(cart.count() or "")


# A page from the page cache gets the count as its body is put together.
fill_in(CART_COUNT_PLACEHOLDER, _cart_count_text)


@blueprint.after_app_request
def _fill_cart_count(response):
    """Put this visitor's cart count where the header's placeholder is (nothing when empty)."""
    if response.direct_passthrough or response.is_streamed or response.mimetype != "text/html":
        return response
    if filled_by_page_cache():
        return response
    data = response.get_data()
    if _PLACEHOLDER_BYTES in data:
        response.set_data(data.replace(_PLACEHOLDER_BYTES, _cart_count_text().encode()))
    return response


blueprint.add_app_template_global(slips.transfer_payee, "transfer_payee")


@blueprint.app_template_global()
def order_discount(order):
    """The code an order used and what it took off (marketing.discounts), or None."""
    from ..marketing import discounts

    return discounts.order_discount(order)


@blueprint.app_template_global()
def order_area(order):
    """An order's subdistrict, district and province as an address writes them (areas)."""
    language = current_language()
    lines = areas.postal_lines(
        order.subdistrict_code, order.district_code, order.province_code, "", language
    )
    return (" " if language == "th" else ", ").join(lines)


# -- cart ----------------------------------------------------------------------------------


def applied_discount(items, the_quote=None):
    """(Applied or None, message or None): the cart's discount code against the cart now."""
    from ..marketing import discounts

    text = cart.discount_code()
    if text is None or not items:
        return None, None
    the_quote = the_quote or checkout.quote(items)
    buyer = current_user if current_user.is_authenticated else None
    try:
        return discounts.evaluate(discounts.find_code(text), the_quote, user=buyer), None
    except discounts.DiscountError as error:
        return None, error.message


def _render_cart(status=200, error=None):
    view = cart.cart_view()
    applied, code_problem = applied_discount(cart.items())
    # Without Stripe or a platform account, several groups are paid each to its own account.
    pays_per_part = not payments.is_configured() and checkout.pays_per_part(
        len(view.groups), PaymentMethod.TRANSFER
    )
    response = render_template(
        "shop/cart.html",
        view=view,
        pays_per_part=pays_per_part,
        form=CartItemForm(formdata=None),
        error=error,
        max_quantity=checkout.MAX_LINE_QUANTITY,
        code=cart.discount_code(),
        applied=applied,
        code_problem=code_problem,
    )
    return response, status, {"Cache-Control": PRIVATE}


@blueprint.get("/cart", endpoint="cart")
def cart_page():
    """The cart: lines by group with price and stock, and what needs the buyer's attention."""
    return _render_cart()


@blueprint.post("/cart/add")
def cart_add():
    """Add units of a variant (from the product page); back to the cart, or `next`."""
    form = CartItemForm()
    try:
        variant_id = cart.parse_variant_id(form.variant_id.data)
        quantity = cart.parse_quantity(form.quantity.data or "1")
        variant, in_cart, capped = cart.add(variant_id, quantity)
    except cart.CartError as error:
        return _render_cart(400, error.message)
    name = localized(variant.product, "name")
    if capped:
        flash(
            _(
                "Your cart now holds %(n)d of %(name)s, as many as we can sell you.",
                n=in_cart,
                name=name,
            ),
            "warning",
        )
    else:
        flash(_("%(name)s is in your cart.", name=name), "success")
    return redirect(safe_next_url(form.next.data, url_for("shop.cart")), code=303)


@blueprint.post("/cart/update")
def cart_update():
    """Change a line's quantity (0 takes it out)."""
    form = CartItemForm()
    try:
        variant_id = cart.parse_variant_id(form.variant_id.data)
        quantity = cart.parse_quantity(form.quantity.data, allow_zero=True)
        cart.update(variant_id, quantity)
    except cart.CartError as error:
        return _render_cart(400, error.message)
    flash(_("Your cart is updated."), "success")
    return redirect(url_for("shop.cart"), code=303)


@blueprint.post("/cart/remove")
def cart_remove():
    """Take a line out of the cart."""
    form = CartItemForm()
    try:
        variant_id = cart.parse_variant_id(form.variant_id.data)
    except cart.CartError as error:
        return _render_cart(400, error.message)
    cart.remove(variant_id)
    flash(_("Removed from your cart."), "success")
    return redirect(url_for("shop.cart"), code=303)


# -- checkout ------------------------------------------------------------------------------


def _chosen_delivery(form_data, view):
    """{group id: ship | pickup} from the form's delivery-<group id> fields."""
    chosen = {}
    for group in view.groups:
        value = form_data.get(f"delivery-{group.group.id}", "")
        if value in DeliveryMethod.ALL:
            chosen[group.group.id] = value
    return chosen


def _offered_methods(the_quote, stripe_configured):
    """The payment methods to list: those the cart allows now, plus cash if picking up allows it.

    Cash on pickup depends on the delivery chosen; it is listed whenever some
    choice allows it (the script enables it as the buyer picks), and the
    server checks again when the order is placed.
    """
    methods = checkout.payment_methods(the_quote, stripe_configured)
    pickup_everywhere = {
        g.group.id: DeliveryMethod.PICKUP
        for g in the_quote.groups
        if DeliveryMethod.PICKUP in g.delivery_methods
    }
    if the_quote.groups and len(pickup_everywhere) == len(the_quote.groups):
        all_pickup = checkout.quote(
            {line.variant.id: line.quantity for g in the_quote.groups for line in g.lines},
            pickup_everywhere,
        )
        for method in checkout.payment_methods(all_pickup, stripe_configured):
            if method not in methods:
                methods.append(method)
    return methods


def _prefill(form):
    """A signed-in buyer's name and email, and the address of their last order."""
    if not current_user.is_authenticated:
        return
    form.email.data = current_user.email
    form.name.data = current_user.name
    last = next(iter(service.orders_of_user(current_user)), None)
    if last is not None:
        form.phone.data = last.phone
        if last.province_code:
            form.address_line.data = last.address_line
            form.province_code.data = last.province_code
            form.district_code.data = last.district_code
            form.subdistrict_code.data = last.subdistrict_code
            form.postal_code.data = last.postal_code
    fill_area_choices(form)


def _suggest_postal_code(form):
    """After the area chooser, fill in the postal code when the subdistrict has only one."""
    place = areas.subdistrict(form.subdistrict_code.data or "")
    codes = list(place.postal_codes) if place is not None else []
    if len(codes) == 1 and (form.postal_code.data or "") not in codes:
        form.postal_code.data = codes[0]


def _render_checkout(form, view, the_quote, methods, status=200, error=None):
    applied, code_problem = applied_discount(cart.items(), the_quote)
    if not form.payment_method.data and methods:
        form.payment_method.data = methods[0]
    if not checkout.is_checkout_key(form.checkout_key.data):
        form.checkout_key.data = checkout.new_checkout_key()
    ship_fees = {
        g.group.id: checkout.shipping_fee(g.group, g.weight_grams, DeliveryMethod.SHIP)
        for g in the_quote.groups
    }
    response = render_template(
        "shop/checkout.html",
        form=form,
        view=view,
        quote=the_quote,
        money_split=_money_split(the_quote, applied),
        methods=methods,
        payment_labels=PAYMENT_LABELS,
        ship_fees=ship_fees,
        error=error,
        code=cart.discount_code(),
        applied=applied,
        code_problem=code_problem,
        line_discounts=_group_discounts(the_quote, applied),
        per_part=checkout.pays_per_part(len(the_quote.groups), PaymentMethod.TRANSFER),
        cash_needs_pickup=PaymentMethod.CASH_ON_PICKUP in methods
        and PaymentMethod.CASH_ON_PICKUP
        not in checkout.payment_methods(the_quote, payments.is_configured()),
    )
    return response, status, {"Cache-Control": PRIVATE}


def _group_discounts(the_quote, applied):
    """{group id: satang off its lines} for the checkout page."""
    if applied is None:
        return {}
    return {
        part.group.id: sum(applied.lines.get(line.variant.id, 0) for line in part.lines)
        for part in the_quote.groups
    }


@blueprint.app_template_filter("checkout_field_errors")
def checkout_field_errors(form):
    """(field id, label, first message) of each field of a form that has an error, in order."""
    found = []
    for form_field in form:
        if form_field.type in ("CSRFTokenField", "HiddenField", "SubmitField"):
            continue
        if form_field.errors:
            found.append((form_field.id, form_field.label.text, form_field.errors[0]))
    return found


def _field_error(form, error):
    """Show a domain error at its field, or above the form."""
    field = getattr(form, error.field, None) if error.field else None
    if field is None or not hasattr(field, "errors"):
        return error.message
    field.errors = [*field.errors, error.message]
    return None


@blueprint.route("/checkout", methods=["GET", "POST"], endpoint="checkout")
def checkout_page():
    """Contact, address, delivery per group and payment; placing the order reserves the stock."""
    if request.method == "POST":
        # The same form posted again (a double click): its order, not a second one.
        placed = checkout.order_for_checkout_key(request.form.get("checkout_key", type=str))
        if placed is not None:
            return _already_placed(placed)
    items = cart.items()
    view = cart.cart_view(items)
    if not view.groups and not view.unavailable:
        flash(_("Your cart is empty."), "info")
        return redirect(url_for("shop.cart"), code=303)
    if view.unavailable:
        flash(
            _("Some products in your cart are no longer for sale; please check your cart."),
            "error",
        )
        return redirect(url_for("shop.cart"), code=303)

    stripe_configured = payments.is_configured()
    form = CheckoutForm()
    if request.method == "GET":
        _prefill(form)
    delivery = _chosen_delivery(request.form, view)
    the_quote = checkout.quote(items, delivery)
    methods = _offered_methods(the_quote, stripe_configured)
    form.payment_method.choices = [(m, PAYMENT_LABELS[m]) for m in methods]

    if request.method == "GET" or form.update_areas.data or form.update_quote.data:
        if form.update_areas.data:
            _suggest_postal_code(form)
        return _render_checkout(form, view, the_quote, methods)
    if not form.validate_on_submit():
        return _render_checkout(form, view, the_quote, methods, status=400)
    try:
        order = checkout.place_order(
            items,
            email=form.email.data,
            name=form.name.data,
            phone=form.phone.data,
            address=form.address(),
            delivery=delivery,
            payment_method=form.payment_method.data,
            stripe_configured=stripe_configured,
            user=current_user if current_user.is_authenticated else None,
            locale=current_language(),
            note=form.note.data,
            checkout_key=form.checkout_key.data,
            discount_code=cart.discount_code(),
        )
        visits.attribute_order(order, visits.remembered_source())
        notify.order_placed(order)
    except checkout.AlreadyPlaced as placed:
        db.session.rollback()
        return _already_placed(placed.order or checkout.order_for_checkout_key(placed.key))
    except checkout.CheckoutError as error:
        db.session.rollback()
        message = _field_error(form, error)
        return _render_checkout(form, view, the_quote, methods, status=400, error=message)
    except stock.OutOfStock as error:
        db.session.rollback()
        name = _variant_name(error.variant_id, getattr(error, "name", None))
        return _render_checkout(
            form, view, the_quote, methods, status=409, error=error.message(name)
        )
    db.session.commit()
    cart.clear()
    link = _order_url(order)
    if order.payment_method == PaymentMethod.STRIPE:
        return _to_stripe(order, link)
    flash(_("Thank you! Your order %(ref)s is placed.", ref=order.reference), "success")
    return redirect(link, code=303)


def _already_placed(order):
    """Where a second post of a checkout form goes: the order the first one placed.

    In a double click the browser shows the answer to the second post, so it
    does what the first did: empty the cart, and go to the payment page (a
    Stripe order still waiting for payment) or the order page.
    """
    if order is None:  # a race lost to an order that is not there after all
        flash(_("Your order could not be placed just now; please try again."), "error")
        return redirect(url_for("shop.checkout"), code=303)
    cart.clear()
    link = _order_url(order)
    if order.payment_method == PaymentMethod.STRIPE and order.status == OrderStatus.PENDING_PAYMENT:
        return _to_stripe(order, link)
    flash(_("Thank you! Your order %(ref)s is placed.", ref=order.reference), "success")
    return redirect(link, code=303)


def _variant_name(variant_id, name=None):
    if name:
        return name
    line = next((line for line in cart.cart_view().lines if line.variant_id == variant_id), None)
    return localized(line.variant.product, "name") if line else ""


def _to_stripe(order, fallback):
    """Open (or reopen) the order's Stripe Checkout page; back to the order page if we cannot."""
    try:
        url = payments.start_checkout(order)
    except payments.PaymentError as error:  # Stripe unreachable or refusing; the order holds
        db.session.rollback()
        flash(error.message, "error")
        return redirect(fallback, code=303)
    db.session.commit()
    return redirect(url, code=303)


@blueprint.get("/checkout/areas")
def checkout_areas():
    """Districts of a province, or subdistricts (with postal codes) of a district, as JSON.

    For the address chooser's script; without it the form's button does the same.
    """
    language = current_language()
    province = request.args.get("province", "", type=str)[:2]
    district = request.args.get("district", "", type=str)[:4]
    if district:
        if areas.district(district) is None:
            abort(404)
        options = [
            {
                "code": s.code,
                "name": areas.area_name(s, language),
                "postal_codes": list(s.postal_codes),
            }
            for s in areas.subdistricts_of(district)
        ]
    elif province:
        if areas.province(province) is None:
            abort(404)
        options = [
            {"code": d.code, "name": areas.area_name(d, language)}
            for d in areas.districts_of(province)
        ]
    else:
        abort(404)
    response = jsonify({"options": options})
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Vary"] = "Cookie"
    return response


# -- the order page ------------------------------------------------------------------------


def _order_url(order, **values):
    """The order page's address, with the guest's link token unless the owner is signed in."""
    if not _is_owner(order):
        values["token"] = service.order_token(order)
    return url_for("shop.order_status", reference=order.reference, **values)


def _is_owner(order):
    return (
        current_user.is_authenticated
        and order.user_id is not None
        and order.user_id == current_user.id
    )


def _order_or_404(reference):
    """The order this visitor may see: by its signed link (token) or as its signed-in owner."""
    token = request.values.get("token", "", type=str)[:200]
    order = service.order_for_token(reference, token) if token else None
    if order is None:
        candidate = service.order_by_reference(reference)
        if candidate is not None and _is_owner(candidate):
            order = candidate
    if order is None:
        abort(404)
    return order


@dataclass
class PartPayment:
    """One group's part of an order paid part by part, as the buyer's page shows it."""

    fulfilment: object
    payee: object
    amount_satang: int
    qr_url: str | None
    slip: object
    can_submit: bool
    paid: object
    late: object
    held_until: object
    form: object


def _part_payments(order, token, slip_form=None, form_part_id=None):
    """What the buyer's page shows to pay each part of an order paid part by part."""
    parts = []
    for part in order.fulfilments:
        waiting = (
            part.status == FulfilmentStatus.PENDING_PAYMENT
            and order.status == OrderStatus.PENDING_PAYMENT
        )
        has_qr = waiting and slips.promptpay_payload(order, part) is not None
        qr_url = (
            url_for(
                "shop.order_promptpay_qr",
                reference=order.reference,
                part=part.id,
                token=token or None,
            )
            if has_qr
            else None
        )
        form = slip_form if slip_form is not None and form_part_id == part.id else None
        parts.append(
            PartPayment(
                fulfilment=part,
                payee=slips.transfer_payee(order, part),
                amount_satang=part.total_satang,
                qr_url=qr_url,
                slip=slips.slip_payment(order, part),
                can_submit=slips.can_submit(order, part),
                paid=fulfilment_domain.paid_payment(order, part),
                late=refunds.late_payment(order, part),
                held_until=service.part_expires_at(order, part),
                form=form or SlipForm(formdata=None, prefix=f"part{part.id}"),
            )
        )
    return parts


def _money_split(the_quote, applied=None):
    """Where the cart's money goes (impact.price_split), each line from its current lot.

    With a discount code: a line whose households share the discount is split at
    its discounted amount; otherwise the discount comes out of the group fund and
    the platform, as the ledger will post it.
    """
    lines = applied.lines if applied is not None else {}
    shared = applied is not None and applied.code.households_share_discount
    items = []
    for part in the_quote.groups:
        for line in part.lines:
            net = line.net_satang - (lines.get(line.variant.id, 0) if shared else 0)
            items.append((line.variant, current_lot(line.variant.lots), line.quantity, net))
    return price_split.cart_split(
        items,
        the_quote.shipping_satang - (applied.shipping_satang if applied is not None else 0),
        fund_discount=0 if shared or applied is None else applied.lines_satang,
    )


def _receipt_card_urls(order, token, language):
    """{size: the address of the order's impact card}, on the order's own link."""
    return {
        size: url_for(
            "shop.order_receipt_card",
            reference=order.reference,
            size=size,
            lang=language,
            token=token or None,
        )
        for size in cards.SIZES
    }


def _render_order(order, status=200, slip_form=None, error=None, form_part_id=None):
    token = "" if _is_owner(order) else service.order_token(order)
    payment = slips.slip_payment(order)
    per_part = order.paid_per_part
    language = current_language()
    receipt = receipts.order_receipt(order, language)
    response = render_template(
        "shop/order.html",
        order=order,
        token=token,
        receipt=receipt,
        card_urls=_receipt_card_urls(order, token, language)
        if receipt and receipt.to_households_satang > 0
        else {},
        suppress_below=SUPPRESS_BELOW,
        slip_form=(slip_form if not per_part else None) or SlipForm(formdata=None),
        slip=None if per_part else payment,
        can_submit_slip=not per_part and slips.can_submit(order),
        part_payments=_part_payments(order, token, slip_form, form_part_id) if per_part else [],
        surplus=fulfilment_domain.surplus_payments(order),
        can_cancel=order.status == OrderStatus.PENDING_PAYMENT
        and not any(p.status == PaymentStatus.SUBMITTED for p in order.payments),
        can_pay=order.status == OrderStatus.PENDING_PAYMENT
        and order.payment_method == PaymentMethod.STRIPE,
        order_labels=ORDER_LABELS,
        fulfilment_labels=FULFILMENT_LABELS,
        payee=slips.transfer_payee(order)
        if order.payment_method == PaymentMethod.TRANSFER
        else None,
        has_qr=order.payment_method == PaymentMethod.TRANSFER
        and not per_part
        and slips.promptpay_payload(order) is not None,
        late_payment=None if per_part else refunds.late_payment(order),
        late_refunded=refunds.late_payment_refunded(order),
        error=error,
    )
    return response, status, {"Cache-Control": PRIVATE}


@blueprint.get("/orders/<reference>")
def order_status(reference):
    """One order: status per group, lines, totals, delivery and how to pay."""
    order = _order_or_404(reference)
    if service.expire_if_overdue(order):
        db.session.commit()
    return _render_order(order)


@blueprint.post("/orders/<reference>/pay")
def order_pay(reference):
    """Open the Stripe page for an unpaid order again (the same session while it lasts)."""
    order = _order_or_404(reference)
    if service.expire_if_overdue(order):
        db.session.commit()
    link = _order_url(order)
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != PaymentMethod.STRIPE:
        flash(_("This order is no longer waiting for a payment."), "info")
        return redirect(link, code=303)
    return _to_stripe(order, link)


@blueprint.post("/orders/<reference>/cancel")
def order_cancel(reference):
    """Cancel an unpaid order; its products go back on sale."""
    order = _order_or_404(reference)
    link = _order_url(order)
    if any(p.status == PaymentStatus.SUBMITTED for p in order.payments):
        flash(
            _(
                "Your transfer slip is waiting for the group's check; "
                "please contact the group to cancel."
            ),
            "error",
        )
        return redirect(link, code=303)
    try:
        changed = service.cancel_order(
            order, actor=current_user if current_user.is_authenticated else None
        )
    except states.TransitionRefused:
        db.session.rollback()
        flash(_("This order is paid or closed and can no longer be cancelled here."), "error")
        return redirect(link, code=303)
    db.session.commit()
    if changed:
        flash(_("Your order is cancelled. Nothing was charged."), "success")
    return redirect(link, code=303)


@blueprint.post("/orders/<reference>/slip")
def order_slip(reference):
    """Upload the photo of a transfer slip for the group to check (a part's, with `part`)."""
    order = _order_or_404(reference)
    part = _part_or_404(order)
    form = SlipForm(prefix=f"part{part.id}" if part is not None else "")
    upload = form.slip.data
    data = upload.read() if upload and hasattr(upload, "read") else b""
    try:
        slips.submit_slip(order, data, part)
    except slips.SlipError as error:
        db.session.rollback()
        if slips.can_submit(order, part):
            form.slip.errors = [error.message]
            return _render_order(
                order,
                status=error.status,
                slip_form=form,
                error=error.message,
                form_part_id=getattr(part, "id", None),
            )
        return _render_order(order, status=error.status, error=error.message)
    db.session.commit()
    flash(_("Thank you! The group will check your slip and confirm the payment."), "success")
    return redirect(_order_url(order), code=303)


@blueprint.get("/orders/<reference>/promptpay.svg")
def order_promptpay_qr(reference):
    """The PromptPay QR of the amount due (a part's, with ?part=), while it waits for payment."""
    order = _order_or_404(reference)
    part = _part_or_404(order)
    if (
        order.payment_method != PaymentMethod.TRANSFER
        or order.status != OrderStatus.PENDING_PAYMENT
        or (part is not None and part.status != FulfilmentStatus.PENDING_PAYMENT)
    ):
        abort(404)
    data = slips.promptpay_payload(order, part)
    if data is None:
        abort(404)
    svg = promptpay.qr_svg(data, title=_("PromptPay QR code"))
    return (
        svg,
        200,
        {
            "Content-Type": "image/svg+xml; charset=utf-8",
            "Cache-Control": PRIVATE,
            "X-Content-Type-Options": "nosniff",
        },
    )


@blueprint.get("/orders/<reference>/impact-card/<size>/<lang>.jpg")
def order_receipt_card(reference, size, lang):
    """The order's impact-receipt card, for whoever holds the order's link (or its owner).

    Private like the order page (the order's amounts and groups are the buyer's
    business), though it shows only aggregate figures, so the picture can be
    posted anywhere. 404 until something of the order was paid.
    """
    order = _order_or_404(reference)
    if size not in cards.SIZES or lang not in cards.LANGUAGES:
        abort(404)
    receipt = receipts.order_receipt(order, lang)
    if receipt is None or receipt.to_households_satang <= 0:
        abort(404)
    content = cards.receipt_content(receipt, lang)
    image = cards.card_image(content, size)
    headers = {
        "Content-Type": "image/jpeg",
        "Cache-Control": PRIVATE,
        "X-Robots-Tag": "noindex",
        "Content-Disposition": f'inline; filename="impact-{size}-{lang}.jpg"',
    }
    return image, 200, headers


def _part_or_404(order):
    """The order's part named by ?part= (None when not given); 404 for anything else."""
    raw = request.values.get("part", "", type=str)
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        abort(404)
    part = next((f for f in order.fulfilments if f.id == int(raw)), None)
    if part is None:
        abort(404)
    return part


@blueprint.get("/orders/<reference>/slip")
def order_slip_file(reference):
    """The slip photo the buyer sent (for a part, with ?part=), for the buyer only."""
    order = _order_or_404(reference)
    payment = slips.slip_payment(order, _part_or_404(order))
    if payment is None:
        abort(404)
    return slips.send_slip(payment)


# -- history -------------------------------------------------------------------------------


@blueprint.get("/account/orders")
def my_orders():
    """A signed-in buyer's orders, newest first."""
    user = access.require_signed_in()
    if service.expire_overdue_of_user(user):  # as the order page does, so both say the same
        db.session.commit()
    orders = service.orders_of_user(user)
    html = render_template("shop/orders.html", orders=orders, order_labels=ORDER_LABELS)
    return html, 200, {"Cache-Control": PRIVATE}
