"""Back-office views for the group's catalog: products, variants, photos, lots, claims.

Thin views: parse the form, call one `catalog.service` function, flash,
redirect; the view commits once. A `CatalogError` rolls back and shows its
message; a `NotFound` (an id of no row of *this* group) is a 404.
Staff may run products, photos, lots and stock; the group profile and claims
need the leader.
"""

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import NotFound as HTTPNotFound
from wtforms import FieldList

from ..catalog import group_contact, service
from ..catalog.service import CatalogError, NotFound
from ..extensions import db
from ..media import send_evidence
from ..models import ClaimStatus, ProducerGroup, ProductStatus
from ..orders.fulfilment import FulfilmentError, update_shipping
from .blueprint import (
    blueprint,
    current_group,
    is_leader,
    require_leader,
    show_household_names,
)
from .forms import (
    PRODUCT_STATUSES,
    STOCK_REASONS,
    ClaimForm,
    ConfirmForm,
    EvidenceForm,
    LotForm,
    MoveForm,
    PhotoForm,
    ProductForm,
    ProfileForm,
    StockForm,
    VariantForm,
)
from .todo import CLAIM_NOTICE_DAYS, group_todo


@blueprint.errorhandler(NotFound)
def _not_in_group(_error):
    """An id of another group's row reads exactly like one that does not exist."""
    db.session.rollback()
    return current_app.handle_http_exception(HTTPNotFound())


@blueprint.context_processor
def _office_labels():
    return {"product_status_label": PRODUCT_STATUSES.get, "stock_reason_label": STOCK_REASONS.get}


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and not isinstance(field, FieldList):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _confirmed():
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _back(endpoint, **values):
    return redirect(url_for(endpoint, **values), code=303)


# -- dashboard and group home ----------------------------------------------------------


@blueprint.get("/")
def dashboard():
    """The groups this person works for (admins: every group)."""
    if current_user.is_admin:
        groups = db.session.scalars(select(ProducerGroup).order_by(ProducerGroup.name_th)).all()
        roles = {}
    else:
        roles = {m.group_id: m.role for m in current_user.memberships}
        groups = sorted((m.group for m in current_user.memberships), key=lambda g: g.name_th)
    # A member sees at once what waits in each of their groups (a slip to check is
    # otherwise one tap away, on the group's home); admins' list of every group stays short.
    todos = {} if current_user.is_admin else {group.id: group_todo(group) for group in groups}
    return render_template("office/dashboard.html", groups=groups, roles=roles, todos=todos)


@blueprint.get("/<group_slug>/")
def group_home():
    """What needs doing now, the group's counts and the ways in."""
    group = current_group()
    return render_template(
        "office/group_home.html",
        group=group,
        counts=service.group_counts(group),
        todo=group_todo(group),
        notice_days=CLAIM_NOTICE_DAYS,
        can_lead=is_leader(),
        has_households="office.households" in current_app.view_functions,
    )


# -- the group profile (leader) ----------------------------------------------------------


@blueprint.route("/<group_slug>/profile", methods=["GET", "POST"])
def profile():
    """Edit the group's story, place, contact and payout details."""
    require_leader()
    group = current_group()
    if request.method == "GET":
        form = ProfileForm(obj=group)
        form.moo.data = str(group.moo) if group.moo else ""
        form.shipping_flat.data = service.format_price(group.shipping_flat_satang)
        form.shipping_per_kg.data = service.format_price(group.shipping_per_kg_satang)
        form.latitude.data = "" if group.latitude is None else f"{group.latitude:.6f}"
        form.longitude.data = "" if group.longitude is None else f"{group.longitude:.6f}"
        return render_template("office/profile_form.html", form=form, group=group)
    form = ProfileForm()
    if form.update_areas.data:
        return render_template("office/profile_form.html", form=form, group=group)
    if form.validate_on_submit():
        try:
            service.update_group_profile(group, **form.values())
            group_contact.update_public_contact(group, **form.public_contact_values())
            shipping = form.shipping_values()
            if shipping is not None:
                update_shipping(group, actor=current_user, **shipping)
        except (CatalogError, FulfilmentError, group_contact.ContactError) as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Group profile saved."), "success")
            return _back("office.group_home")
    return render_template("office/profile_form.html", form=form, group=group), 400


# -- products and variants ------------------------------------------------------------------


@blueprint.get("/<group_slug>/products")
def products():
    """Every product of the group, drafts and archived ones included."""
    group = current_group()
    return render_template(
        "office/products.html",
        group=group,
        products=service.group_products(group),
        can_lead=is_leader(),
    )


@blueprint.route("/<group_slug>/products/new", methods=["GET", "POST"])
def product_new():
    """Create a product (a draft until its status says otherwise)."""
    group = current_group()
    form = ProductForm(categories=service.categories())
    if form.validate_on_submit():
        try:
            product = service.create_product(group, **form.values())
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Product created. Now add its sizes and photos."), "success")
            return _back("office.product", product_id=product.id)
    status = 400 if request.method == "POST" else 200
    return render_template("office/product_form.html", form=form, product=None), status


@blueprint.get("/<group_slug>/products/<int:product_id>")
def product(product_id):
    """One product: its sizes, photos and the forms to change them."""
    group = current_group()
    item = service.get_product(group, product_id)
    return render_template(
        "office/product.html",
        group=group,
        product=item,
        photo_form=PhotoForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
        move_form=MoveForm(formdata=None),
    )


@blueprint.route("/<group_slug>/products/<int:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id):
    """Edit a product's names, texts, category and status."""
    group = current_group()
    item = service.get_product(group, product_id)
    if request.method == "GET":
        form = ProductForm(obj=item, categories=service.categories())
        form.category_id.data = str(item.category_id or "")
        form.shelf_life_days.data = str(item.shelf_life_days or "")
    else:
        form = ProductForm(categories=service.categories())
        if form.validate_on_submit():
            try:
                service.update_product(group, item.id, **form.values())
            except CatalogError as error:
                db.session.rollback()
                _show_error(form, error)
            else:
                db.session.commit()
                flash(_("Product saved."), "success")
                return _back("office.product", product_id=item.id)
    status = 400 if request.method == "POST" else 200
    return render_template("office/product_form.html", form=form, product=item), status


def _set_status(product_id, status, message):
    _confirmed()
    item = service.set_product_status(current_group(), product_id, status)
    db.session.commit()
    flash(message, "success")
    return _back("office.product", product_id=item.id)


@blueprint.post("/<group_slug>/products/<int:product_id>/archive")
def product_archive(product_id):
    """Take a product off the storefront, keeping its history."""
    return _set_status(product_id, ProductStatus.ARCHIVED, _("Product archived."))


@blueprint.post("/<group_slug>/products/<int:product_id>/unarchive")
def product_unarchive(product_id):
    """Bring an archived product back as a draft."""
    return _set_status(
        product_id,
        ProductStatus.DRAFT,
        _("Product restored as a draft: set it on sale to show it."),
    )


@blueprint.route("/<group_slug>/products/<int:product_id>/variants/new", methods=["GET", "POST"])
def variant_new(product_id):
    """Add a size with its SKU and price."""
    group = current_group()
    item = service.get_product(group, product_id)
    form = VariantForm()
    if form.validate_on_submit():
        try:
            service.create_variant(group, item.id, **form.values())
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Size added."), "success")
            return _back("office.product", product_id=item.id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "office/variant_form.html", form=form, product=item, variant=None
    ), status


@blueprint.route("/<group_slug>/variants/<int:variant_id>/edit", methods=["GET", "POST"])
def variant_edit(variant_id):
    """Change a size's label, SKU, price, weight or whether it is offered."""
    group = current_group()
    variant = service.get_variant(group, variant_id)
    if request.method == "GET":
        form = VariantForm(obj=variant)
        form.price.data = service.format_price(variant.price_satang)
        form.weight_grams.data = str(variant.weight_grams)
    else:
        form = VariantForm()
        if form.validate_on_submit():
            try:
                service.update_variant(group, variant.id, **form.values())
            except CatalogError as error:
                db.session.rollback()
                _show_error(form, error)
            else:
                db.session.commit()
                flash(_("Size saved."), "success")
                return _back("office.product", product_id=variant.product_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "office/variant_form.html", form=form, product=variant.product, variant=variant
    ), status


# -- photos ---------------------------------------------------------------------------------


@blueprint.post("/<group_slug>/products/<int:product_id>/photos")
def photo_upload(product_id):
    """Upload a photo; the service checks it is really a picture and strips its metadata."""
    group = current_group()
    item = service.get_product(group, product_id)
    form = PhotoForm()
    status = 400
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read() if upload else b""
        try:
            service.add_photo(group, item.id, data, form.alt_th.data, form.alt_en.data)
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("Photo added."), "success")
            return _back("office.product", product_id=item.id)
    return render_template(
        "office/product.html",
        group=group,
        product=item,
        photo_form=form,
        confirm_form=ConfirmForm(formdata=None),
        move_form=MoveForm(formdata=None),
    ), status


@blueprint.post("/<group_slug>/photos/<int:image_id>/move")
def photo_move(image_id):
    """Move a photo up or down; the first is the product's cover."""
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    image = service.move_photo(current_group(), image_id, -1 if form.direction.data == "up" else 1)
    db.session.commit()
    return _back("office.product", product_id=image.product_id)


@blueprint.post("/<group_slug>/photos/<int:image_id>/delete")
def photo_delete(image_id):
    """Delete a photo and its stored files."""
    _confirmed()
    item = service.delete_photo(current_group(), image_id)
    db.session.commit()
    flash(_("Photo deleted."), "success")
    return _back("office.product", product_id=item.id)


# -- lots and stock -------------------------------------------------------------------------


@blueprint.get("/<group_slug>/lots")
def lots():
    """The group's lots, newest first, with what is left of each."""
    group = current_group()
    return render_template("office/lots.html", group=group, lots=service.group_lots(group))


def _lot_form(group, **kwargs):
    households = service.group_households(group)
    return LotForm(
        variants=service.group_variants(group),
        households=households,
        show_names=show_household_names(households, reason="lot form"),
        **kwargs,
    )


@blueprint.route("/<group_slug>/lots/new", methods=["GET", "POST"])
def lot_new():
    """Record a harvest or production batch and the households that made it."""
    group = current_group()
    if request.method == "GET":
        form = _lot_form(
            group,
            data={
                "village": group.village,
                "moo": str(group.moo or ""),
                "province_code": group.province_code,
                "district_code": group.district_code,
                "subdistrict_code": group.subdistrict_code,
                "variant_id": request.args.get("variant", "", type=str)[:12],
            },
        )
        return render_template("office/lot_form.html", form=form, group=group)
    form = _lot_form(group)
    if form.update_areas.data:
        return render_template("office/lot_form.html", form=form, group=group)
    if form.validate_on_submit():
        try:
            lot = service.create_lot(group, **form.values())
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Lot %(code)s recorded.", code=lot.code), "success")
            return _back("office.lot", lot_id=lot.id)
    return render_template("office/lot_form.html", form=form, group=group), 400


def _render_lot(group, lot, stock_form=None, status=200):
    return render_template(
        "office/lot.html",
        group=group,
        lot=lot,
        history=service.stock_history(lot),
        stock_form=stock_form or StockForm(formdata=None),
        show_names=show_household_names(
            [c.household for c in lot.contributions], reason="lot page"
        ),
    ), status


@blueprint.get("/<group_slug>/lots/<int:lot_id>")
def lot(lot_id):
    """One lot: provenance, households, stock and its history."""
    group = current_group()
    return _render_lot(group, service.get_lot(group, lot_id))


@blueprint.post("/<group_slug>/lots/<int:lot_id>/adjust")
def lot_adjust(lot_id):
    """Add or take units with a reason; the stock never goes below zero."""
    group = current_group()
    item = service.get_lot(group, lot_id)
    form = StockForm()
    if form.validate_on_submit():
        try:
            service.adjust_stock(
                group, item.id, form.delta.data, form.reason.data, form.note.data, current_user
            )
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
        else:
            db.session.commit()
            flash(_("Stock changed."), "success")
            return _back("office.lot", lot_id=item.id)
    return _render_lot(group, service.get_lot(group, lot_id), stock_form=form, status=400)


# -- claims and evidence -----------------------------------------------------------------------


@blueprint.get("/<group_slug>/claims")
def claims():
    """Every claim about the group, its products and lots, with the review status."""
    group = current_group()
    return render_template(
        "office/claims.html", group=group, claims=service.group_claims(group), can_lead=is_leader()
    )


def _files(field):
    return [(f.filename or "", f.read()) for f in (field.data or []) if f and f.filename]


@blueprint.route("/<group_slug>/claims/new", methods=["GET", "POST"])
def claim_new():
    """Make a claim, for an officer to verify or as the group's own statement (leader)."""
    require_leader()
    group = current_group()
    form = ClaimForm(subjects=service.claim_subject_choices(group))
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            claim = service.create_claim(group, files=_files(form.evidence), **form.values())
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
            status = error.status
        else:
            db.session.commit()
            if claim.status == ClaimStatus.PENDING:
                flash(_("Claim sent for review."), "success")
            else:
                flash(_("Claim published as your own statement."), "success")
            return _back("office.claim", claim_id=claim.id)
    return render_template("office/claim_form.html", form=form, group=group), status


def _render_claim(group, claim, evidence_form=None, status=200):
    can_lead = is_leader()
    return render_template(
        "office/claim.html",
        group=group,
        claim=claim,
        can_lead=can_lead,
        can_add_evidence=can_lead
        and claim.status in (ClaimStatus.PENDING, ClaimStatus.SELF_DECLARED),
        can_withdraw=can_lead and claim.status == ClaimStatus.PENDING and not claim.verified_at,
        evidence_form=evidence_form or EvidenceForm(formdata=None),
        confirm_form=ConfirmForm(formdata=None),
    ), status


@blueprint.get("/<group_slug>/claims/<int:claim_id>")
def claim(claim_id):
    """One claim: what it says, its files, the review status and the officer's reason."""
    group = current_group()
    return _render_claim(group, service.get_claim(group, claim_id))


@blueprint.post("/<group_slug>/claims/<int:claim_id>/evidence")
def claim_add_evidence(claim_id):
    """Add an evidence file to a claim not decided yet (leader)."""
    require_leader()
    group = current_group()
    item = service.get_claim(group, claim_id)
    form = EvidenceForm()
    status = 400
    if form.validate_on_submit():
        upload = form.evidence.data
        try:
            service.add_claim_evidence(
                group,
                item.id,
                upload.filename if upload else "",
                upload.read() if upload else b"",
                form.description.data,
            )
        except CatalogError as error:
            db.session.rollback()
            _show_error(form, error)
            status = error.status
        else:
            db.session.commit()
            flash(_("File added."), "success")
            return _back("office.claim", claim_id=item.id)
    return _render_claim(group, service.get_claim(group, claim_id), form, status)


@blueprint.post("/<group_slug>/claims/<int:claim_id>/withdraw")
def claim_withdraw(claim_id):
    """Withdraw (delete) a claim still awaiting review (leader)."""
    require_leader()
    _confirmed()
    try:
        service.withdraw_claim(current_group(), claim_id)
    except CatalogError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return _back("office.claim", claim_id=claim_id)
    db.session.commit()
    flash(_("Claim withdrawn."), "success")
    return _back("office.claims")


@blueprint.get("/<group_slug>/evidence/<int:evidence_id>")
def evidence_file(evidence_id):
    """An evidence file, for the group's members and admins (officers have their own route)."""
    return send_evidence(service.get_evidence(current_group(), evidence_id))
