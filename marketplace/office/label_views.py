"""Back-office views that print a lot's QR labels as a PDF (members of the group, admins).

Thin views: the form is parsed here, `marketing.labels` checks and draws. A lot
of another group, or of an archived product, is a 404 (the blueprint's NotFound
handler); a count out of range is a message on the form, never a PDF.
"""

from flask import Response, render_template, request
from wtforms import FieldList

from ..marketing import labels
from .blueprint import blueprint, current_group
from .label_forms import LabelForm


@blueprint.context_processor
def _lot_qr():
    """`lot_qr(lot)` for office pages: the packing slip shows each lot's QR code."""
    return {"lot_qr": labels.lot_qr_data_uri}


def _render(lot, form, status=200):
    return render_template(
        "office/lot_labels.html",
        group=current_group(),
        lot=lot,
        form=form,
        formats=labels.SHEET_FORMATS.values(),
    ), status


@blueprint.route("/<group_slug>/lots/<int:lot_id>/labels", methods=["GET", "POST"])
def lot_labels(lot_id):
    """Choose stock and number, then download the label sheet PDF."""
    group = current_group()
    lot = labels.lot_for_labels(group, lot_id)
    if request.method == "GET":
        form = LabelForm(data={"count": str(min(max(lot.available, 1), 24))})
        return _render(lot, form)
    form = LabelForm()
    if not form.validate_on_submit():
        return _render(lot, form, 400)
    try:
        run = labels.check_run(group, lot.id, **form.values())
    except labels.LabelError as error:
        field = getattr(form, error.field, None) if error.field else None
        if field is not None and not isinstance(field, FieldList):
            field.errors = [*field.errors, error.message]
        else:
            form.form_errors.append(error.message)
        return _render(lot, form, 400)
    return Response(
        labels.render_labels(run),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{labels.labels_filename(run)}"',
            "Cache-Control": "no-store",
        },
    )
