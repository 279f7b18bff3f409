"""Office pages for a group's orders: to pack, packing slips, shipping, slips, refunds.

Thin views over `orders.fulfilment` and `orders.refunds`: every part is looked
up within the group first (another group's id is a 404, before any form is
read), then the form is checked, one domain function runs and the view commits.
A refused step (shipping a cancelled part, confirming a slip twice) is a flashed
message and a redirect; bad input re-renders the form with its message (400).

Staff pack, ship and hand over; refunds, transfer slips and cash are the
leader's (and admins', as everywhere in the office). The buyer's name, phone and
address appear on the part's page and packing slip of that group only.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..i18n import current_language, format_baht
from ..models import DeliveryMethod
from ..orders import fulfilment as domain
from ..orders import refunds, slips
from ..orders.fulfilment import FulfilmentError, Tab
from ..orders.refunds import RefundError
from .blueprint import blueprint, current_group, is_leader, require_leader
from .order_forms import ActionForm, RefundForm, RejectSlipForm, ShipForm


def _page():
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def _back(fulfilment_id):
    return redirect(url_for("office.order", fulfilment_id=fulfilment_id), code=303)


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@blueprint.context_processor
def _order_labels():
    return {
        "fulfilment_status_label": domain.STATUS_LABELS.get,
        "payment_method_label": domain.PAYMENT_METHOD_LABELS.get,
        "payment_status_label": domain.PAYMENT_STATUS_LABELS.get,
        "order_tab_label": domain.TAB_LABELS.get,
        "order_address": lambda order: domain.address_lines(order, current_language()),
        "has_late_payment": lambda order, part=None: (
            refunds.late_payment(order, part) is not None
            or bool(domain.surplus_payments(order, part))
        ),
    }


# -- lists and pages ---------------------------------------------------------------------------


@blueprint.get("/<group_slug>/orders")
def orders():
    """The group's parts of orders, by stage: to pack first."""
    group = current_group()
    if domain.expire_overdue(group):
        db.session.commit()
    tab = request.args.get("tab", Tab.TO_PACK, type=str)
    if tab not in Tab.ALL:
        tab = Tab.TO_PACK
    return render_template(
        "office/orders.html",
        group=group,
        tab=tab,
        tabs=Tab.ALL,
        counts=domain.tab_counts(group),
        late_payments=domain.late_payment_count(group),
        page=domain.group_orders(group, tab, page=_page()),
    )


def _render_order(fulfilment, status=200, ship_form=None, reject_form=None):
    can_lead = is_leader()
    order = fulfilment.order
    return render_template(
        "office/order.html",
        group=current_group(),
        fulfilment=fulfilment,
        order=order,
        stage=domain.stage(fulfilment),
        steps=domain.next_steps(fulfilment),
        pickup=fulfilment.delivery_method == DeliveryMethod.PICKUP,
        can_lead=can_lead,
        can_confirm_slip=can_lead and domain.can_confirm_slip(fulfilment),
        can_confirm_cash=can_lead and domain.can_confirm_cash(fulfilment),
        can_refund=can_lead and refunds.can_refund(fulfilment),
        late_payment=refunds.late_payment(order, fulfilment),
        surplus=domain.surplus_payments(order, fulfilment),
        can_refund_late=can_lead and refunds.may_refund_late_payment(order, current_user),
        late_refund_by_admin=refunds.late_payment_needs_admin(order),
        platform_transfer=domain.transfer_goes_to_platform(order),
        slip=domain.latest_slip(order, fulfilment) if can_lead else None,
        paid_payment=domain.paid_payment(order, fulfilment),
        amount_due=domain.amount_due(fulfilment),
        held_until=domain.held_until(fulfilment),
        refund_list=refunds.refunds_of(fulfilment),
        other_groups=domain.other_groups(fulfilment),
        action_form=ActionForm(formdata=None),
        ship_form=ship_form or ShipForm(formdata=None),
        reject_form=reject_form or RejectSlipForm(formdata=None),
    ), status


@blueprint.get("/<group_slug>/orders/<int:fulfilment_id>")
def order(fulfilment_id):
    """One group's part of an order: lines, buyer, delivery, payment and the next steps."""
    fulfilment = domain.get_fulfilment_fresh(current_group(), fulfilment_id)
    db.session.commit()
    return _render_order(fulfilment)


@blueprint.get("/<group_slug>/orders/<int:fulfilment_id>/packing-slip")
def packing_slip(fulfilment_id):
    """A printable packing slip: the buyer's address and what goes in the parcel."""
    group = current_group()
    fulfilment = domain.get_fulfilment(group, fulfilment_id)
    return render_template(
        "office/packing_slip.html",
        group=group,
        fulfilment=fulfilment,
        order=fulfilment.order,
        pickup=fulfilment.delivery_method == DeliveryMethod.PICKUP,
    )


# -- packing, shipping, handing over (staff too) ---------------------------------------------


def _step(fulfilment_id, move, done_message, *args):
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)  # another group's id: 404 before anything
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(fulfilment_id)
    try:
        move(group, fulfilment_id, *args, actor=current_user)
    except FulfilmentError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(fulfilment_id)
    db.session.commit()
    flash(done_message, "success")
    return _back(fulfilment_id)


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/pack")
def order_pack(fulfilment_id):
    """Mark the part packed."""
    return _step(fulfilment_id, domain.mark_packed, _("Marked packed."))


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/ship")
def order_ship(fulfilment_id):
    """Mark the part shipped with carrier and tracking number; the buyer gets a mail."""
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)  # another group's id: 404 before the form
    form = ShipForm()
    if form.validate_on_submit():
        try:
            domain.mark_shipped(
                group,
                fulfilment_id,
                form.carrier.data,
                form.tracking_no.data,
                actor=current_user,
            )
        except FulfilmentError as error:
            db.session.rollback()
            if error.field is None:
                flash(str(error.message), "error")
                return _back(fulfilment_id)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Marked shipped; the buyer has been told."), "success")
            return _back(fulfilment_id)
    fulfilment = domain.get_fulfilment(group, fulfilment_id)
    return _render_order(fulfilment, status=400, ship_form=form)


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/deliver")
def order_deliver(fulfilment_id):
    """Mark the part delivered (or handed over, when picked up)."""
    return _step(fulfilment_id, domain.mark_delivered, _("Marked delivered."))


# -- payments: slips and cash (leader) ------------------------------------------------------


@blueprint.get("/<group_slug>/orders/<int:fulfilment_id>/slip")
def order_slip(fulfilment_id):
    """The buyer's transfer slip photo (leader): private, never cached."""
    require_leader()
    fulfilment = domain.get_fulfilment(current_group(), fulfilment_id)
    payment = slips.slip_payment(fulfilment.order, fulfilment)
    if payment is None or domain.transfer_goes_to_platform(fulfilment.order):
        raise domain.NotFound()
    return slips.send_slip(payment)


def _paid_message(order, paid):
    if paid and order.paid_per_part and order.status != "paid":
        flash(
            _(
                "Payment recorded: your group's part of order %(ref)s is paid; pack it now.",
                ref=order.reference,
            ),
            "success",
        )
    elif paid:
        flash(_("Payment recorded: order %(ref)s is paid.", ref=order.reference), "success")
    else:
        flash(
            _(
                "The payment is recorded, but the order had closed and its products are "
                "no longer in stock: refund the buyer."
            ),
            "warning",
        )


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/slip/confirm")
def slip_confirm(fulfilment_id):
    """The money of the transfer arrived: the order is paid (leader)."""
    require_leader()
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(fulfilment_id)
    try:
        order, paid = domain.confirm_slip(group, fulfilment_id, actor=current_user)
    except FulfilmentError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(fulfilment_id)
    db.session.commit()
    _paid_message(order, paid)
    return _back(fulfilment_id)


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/slip/reject")
def slip_reject(fulfilment_id):
    """The money did not arrive: the buyer is told why and may send another slip (leader)."""
    require_leader()
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)
    form = RejectSlipForm()
    if form.validate_on_submit():
        try:
            domain.reject_slip(group, fulfilment_id, form.reason.data, actor=current_user)
        except FulfilmentError as error:
            db.session.rollback()
            if error.field is None:
                flash(str(error.message), "error")
                return _back(fulfilment_id)
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Slip rejected; the buyer has been told and may send another."), "success")
            return _back(fulfilment_id)
    fulfilment = domain.get_fulfilment(group, fulfilment_id)
    return _render_order(fulfilment, status=400, reject_form=form)


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/cash-received")
def cash_received(fulfilment_id):
    """The buyer paid cash on pickup: the order is paid (leader)."""
    require_leader()
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(fulfilment_id)
    try:
        order, paid = domain.confirm_cash(group, fulfilment_id, actor=current_user)
    except FulfilmentError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(fulfilment_id)
    db.session.commit()
    _paid_message(order, paid)
    return _back(fulfilment_id)


# -- refunds (leader) ---------------------------------------------------------------------------


def _render_refund(fulfilment, form, quantities=None, status=200):
    order = fulfilment.order
    return render_template(
        "office/refund_form.html",
        group=current_group(),
        fulfilment=fulfilment,
        order=fulfilment.order,
        form=form,
        quantities=quantities or {},
        errors_by_field=getattr(form, "line_errors", {}),
        shipping_left=refunds.shipping_left(fulfilment),
        can_refund=refunds.can_refund(fulfilment),
        paid_payment=domain.paid_payment(order, fulfilment),
        late_payment=refunds.late_payment(order, fulfilment),
        can_refund_late=refunds.may_refund_late_payment(order, current_user),
    ), status


@blueprint.route("/<group_slug>/orders/<int:fulfilment_id>/refund", methods=["GET", "POST"])
def order_refund(fulfilment_id):
    """Refund the whole part or some units of it, with or without shipping and restocking."""
    require_leader()
    group = current_group()
    fulfilment = domain.get_fulfilment(group, fulfilment_id)
    if request.method == "GET":
        return _render_refund(fulfilment, RefundForm(formdata=None))
    form = RefundForm()
    quantities = {
        line.id: request.form.get(f"qty-{line.id}", "", type=str)[:10] for line in fulfilment.lines
    }
    if form.validate_on_submit():
        try:
            if refunds.late_payment(fulfilment.order, fulfilment) is not None:
                # Money that came after the order closed goes back whole (checked again there).
                made = refunds.refund_late_payment(
                    group, fulfilment_id, reason=form.reason.data, actor=current_user
                )
                refunded = sum(refund.amount_satang for refund in made)
            else:
                refund = refunds.refund_fulfilment(
                    group,
                    fulfilment_id,
                    quantities,
                    shipping=form.shipping.data,
                    everything=request.form.get("everything") == "y",
                    restock=form.restock.data,
                    reason=form.reason.data,
                    actor=current_user,
                )
                refunded = refund.amount_satang
        except RefundError as error:
            db.session.rollback()
            if error.field and error.field.startswith("qty-"):
                form.line_errors = {error.field: error.message}
            else:
                _show_error(form, error)
        else:
            db.session.commit()
            amount = format_baht(refunded)
            flash(_("Refunded %(amount)s; the buyer has been told.", amount=amount), "success")
            return _back(fulfilment_id)
    fulfilment = domain.get_fulfilment(group, fulfilment_id)
    return _render_refund(fulfilment, form, quantities, status=400)


@blueprint.post("/<group_slug>/orders/<int:fulfilment_id>/give-back/<int:payment_id>")
def give_back(fulfilment_id, payment_id):
    """Give back in full a second payment of what was already paid (leader; admin for the
    platform's account)."""
    require_leader()
    group = current_group()
    domain.get_fulfilment(group, fulfilment_id)  # another group's id: 404 before the form
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(fulfilment_id)
    try:
        payment = refunds.give_back_surplus(group, fulfilment_id, payment_id, actor=current_user)
    except RefundError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back(fulfilment_id)
    db.session.commit()
    amount = format_baht(payment.amount_satang)
    flash(_("Gave back %(amount)s; the buyer has been told.", amount=amount), "success")
    return _back(fulfilment_id)
