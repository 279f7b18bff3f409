"""Discount code pages: a group's codes in its office, the market's codes for admins.

Thin views over `marketing.discounts`. The same page functions serve both
places: `scope` says which (the office's current group, or None for the whole
market) and which blueprint's endpoints the templates link to. Members of the
group see the codes and their figures; only leaders (and admins) create, pause
and end them, and make batches. A code of another group is a 404.
"""

from dataclasses import dataclass

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from ..extensions import db
from ..marketing import discounts
from ..models import Category, DiscountStatus, Product, ProductStatus
from .blueprint import blueprint, current_group, is_leader, require_leader
from .discount_forms import KIND_LABELS, BatchForm, CodeForm

PREVIEW_PRODUCTS = 12


@dataclass
class Scope:
    """Where the pages are: a group's office (`group`) or the admins' market pages (None)."""

    group: object
    prefix: str  # "office" or "admin"
    can_edit: bool

    def url(self, name, **values):
        return url_for(f"{self.prefix}.discount_{name}", **values)


def office_scope():
    return Scope(group=current_group(), prefix="office", can_edit=is_leader())


def _products(group):
    query = select(Product).where(Product.status != ProductStatus.ARCHIVED).order_by(Product.id)
    if group is not None:
        query = query.where(Product.group_id == group.id)
    return db.session.scalars(query.limit(200)).all()


def _categories():
    return db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()


def _fill(form, scope):
    form.fill_choices(_products(scope.group), _categories())


def _code_or_404(scope, code_id):
    code = discounts.code_of(scope.group, code_id)
    if code is None:
        abort(404)
    return code


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None and hasattr(field, "errors") and not isinstance(field.errors, dict):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _preview_rows(scope, values):
    variants = [v for p in _products(scope.group)[:PREVIEW_PRODUCTS] for v in p.variants]
    if values.product_ids:
        variants = [v for v in variants if v.product_id in values.product_ids]
    return discounts.households_preview(values, variants[:PREVIEW_PRODUCTS])


STATUS_LABELS = {
    DiscountStatus.ACTIVE: _l("In use"),
    DiscountStatus.PAUSED: _l("Paused"),
    DiscountStatus.ENDED: _l("Ended"),
}


@blueprint.app_context_processor
def _discount_labels():
    """`discount_status_label(status)` for the code pages (office and admin)."""
    return {"discount_status_label": lambda status: STATUS_LABELS.get(status, status)}


# -- pages (shared) ------------------------------------------------------------------------


def list_page(scope):
    """The scope's codes with their uses, and its batches."""
    codes = discounts.codes_of(scope.group, include_batches=False)
    return render_template(
        "office/discounts.html",
        scope=scope,
        group=scope.group,
        codes=codes,
        batches=discounts.batches_of(scope.group),
        kind_labels=KIND_LABELS,
    )


def new_page(scope):
    """Create a code: a preview of what households get per unit comes before saving."""
    if not scope.can_edit:
        abort(403)
    form = CodeForm()
    _fill(form, scope)
    preview = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                values = discounts.check_values(form.values(), scope.group)
                preview = _preview_rows(scope, values)
                if request.form.get("action") == "save":
                    code = discounts.create_code(
                        scope.group, form.code.data, values, actor=current_user
                    )
                    db.session.commit()
                    flash(_("The code %(code)s is saved.", code=code.code), "success")
                    return redirect(scope.url("detail", code_id=code.id), code=303)
                discounts.normalize_code(form.code.data)
            except discounts.DiscountError as error:
                db.session.rollback()
                _show_error(form, error)
                status = 400
    return render_template(
        "office/discount_form.html",
        scope=scope,
        group=scope.group,
        form=form,
        preview=preview,
        batch=False,
    ), status


def batch_page(scope):
    """Make a batch of single-use codes (e.g. 500 for a fair), then download them."""
    if not scope.can_edit:
        abort(403)
    form = BatchForm()
    _fill(form, scope)
    preview = None
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                values = discounts.check_values(form.values(), scope.group)
                preview = _preview_rows(scope, values)
                if request.form.get("action") == "save":
                    count = (form.count.data or "").strip()
                    batch = discounts.generate_batch(
                        scope.group,
                        int(count) if count.isdigit() else -1,
                        form.prefix.data,
                        values,
                        actor=current_user,
                    )
                    db.session.commit()
                    flash(_("The codes are made; download them below."), "success")
                    return redirect(scope.url("batch_view", batch=batch), code=303)
            except discounts.DiscountError as error:
                db.session.rollback()
                _show_error(form, error)
                status = 400
    return render_template(
        "office/discount_form.html",
        scope=scope,
        group=scope.group,
        form=form,
        preview=preview,
        batch=True,
    ), status


def detail_page(scope, code_id):
    """One code: its link and QR code, uses, revenue, households' income; pause, resume, end."""
    code = _code_or_404(scope, code_id)
    from ..marketing import labels

    return render_template(
        "office/discount.html",
        scope=scope,
        group=scope.group,
        code=code,
        stats=discounts.code_stats(code),
        link=discounts.code_url(code),
        share=discounts.code_share_links(code),
        qr=_qr_data_uri(discounts.code_url(code)),
        kind_labels=KIND_LABELS,
        labels=labels,
    )


def _qr_data_uri(url):
    import segno

    return segno.make(url, error="m", micro=False).png_data_uri(scale=5, border=2)


def status_change(scope, code_id):
    """Pause, resume or end a code."""
    if not scope.can_edit:
        abort(403)
    code = _code_or_404(scope, code_id)
    wanted = request.form.get("status", type=str)
    if wanted not in DiscountStatus.ALL:
        abort(400)
    try:
        discounts.set_status(code, wanted, actor=current_user)
    except discounts.DiscountError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(scope.url("detail", code_id=code.id), code=303)
    db.session.commit()
    flash(_("The code %(code)s is saved.", code=code.code), "success")
    return redirect(scope.url("detail", code_id=code.id), code=303)


def batch_view(scope, batch):
    """A batch: how many were used, and its downloads."""
    codes = discounts.batch_codes(scope.group, batch)
    if not codes:
        abort(404)
    return render_template(
        "office/discount_batch.html",
        scope=scope,
        group=scope.group,
        batch=batch,
        codes=codes,
        used=sum(c.uses_used for c in codes),
    )


def batch_download(scope, batch, kind):
    """A batch as CSV or as an A4 sheet of QR codes (PDF)."""
    if kind not in ("csv", "pdf"):
        abort(404)
    codes = discounts.batch_codes(scope.group, batch)
    if not codes:
        abort(404)
    safe = "".join(ch for ch in batch if ch.isalnum() or ch == "-")
    if kind == "csv":
        return Response(
            discounts.batch_csv(codes),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="codes-{safe}.csv"',
                "Cache-Control": "no-store",
            },
        )
    heading = scope.group.name_th if scope.group is not None else _("Marketplace")
    return Response(
        discounts.batch_qr_sheet(codes, heading),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="codes-{safe}.pdf"',
            "Cache-Control": "no-store",
        },
    )


# -- the office's routes -------------------------------------------------------------------


@blueprint.get("/<group_slug>/discounts", endpoint="discount_list")
def discount_list():
    """The group's discount codes."""
    return list_page(office_scope())


@blueprint.route("/<group_slug>/discounts/new", methods=["GET", "POST"], endpoint="discount_new")
def discount_new():
    """Create a discount code (leaders)."""
    require_leader()
    return new_page(office_scope())


@blueprint.route(
    "/<group_slug>/discounts/batch", methods=["GET", "POST"], endpoint="discount_batch"
)
def discount_batch():
    """Make single-use codes (leaders)."""
    require_leader()
    return batch_page(office_scope())


@blueprint.get("/<group_slug>/discounts/<int:code_id>", endpoint="discount_detail")
def discount_detail(code_id):
    """One code and what it did."""
    return detail_page(office_scope(), code_id)


@blueprint.post("/<group_slug>/discounts/<int:code_id>/status", endpoint="discount_status")
def discount_status(code_id):
    """Pause, resume or end a code (leaders)."""
    require_leader()
    return status_change(office_scope(), code_id)


@blueprint.get("/<group_slug>/discounts/batches/<batch>", endpoint="discount_batch_view")
def discount_batch_view(batch):
    """One batch of single-use codes."""
    return batch_view(office_scope(), batch)


@blueprint.get(
    "/<group_slug>/discounts/batches/<batch>/codes.<kind>",
    endpoint="discount_batch_download",
)
def discount_batch_download(batch, kind):
    """Download a batch (CSV or QR sheet)."""
    return batch_download(office_scope(), batch, kind)
