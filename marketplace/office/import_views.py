"""Back-office views for importing a group's products from a CSV file (leader only).

The same rules as the household import: all rows or none, every bad row listed
with its line, a template to download. Thin views: `catalog.product_import`
checks and creates; the view commits once.
"""

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..catalog import product_import as domain
from ..catalog import service
from ..csv_import import CsvImportError
from ..extensions import db
from .blueprint import blueprint, current_group, require_leader
from .household_forms import HouseholdImportForm as CsvUploadForm


def _render_import(form, problems=(), status=200):
    return (
        render_template(
            "office/products_import.html",
            group=current_group(),
            form=form,
            problems=problems,
            columns=domain.IMPORT_COLUMNS,
            required=domain.IMPORT_REQUIRED,
            statuses=domain.IMPORT_STATUSES,
            categories=service.categories(),
            max_rows=domain.IMPORT_MAX_ROWS,
            max_kb=domain.IMPORT_MAX_BYTES // 1024,
        ),
        status,
    )


@blueprint.route("/<group_slug>/products/import", methods=["GET", "POST"])
def products_import():
    """Import new products, one row per size, from a CSV file: all rows or none."""
    require_leader()
    if request.method == "GET":
        return _render_import(CsvUploadForm(formdata=None))
    form = CsvUploadForm()
    if not form.validate_on_submit():
        return _render_import(form, status=400)
    # Read one byte past the limit, so a too-large file is refused without reading it all.
    data = form.file.data.read(domain.IMPORT_MAX_BYTES + 1)
    try:
        result = domain.import_products(current_group(), data)
    except CsvImportError as error:
        db.session.rollback()
        return _render_import(form, problems=error.problems, status=400)
    db.session.commit()
    flash(
        _(
            "Products imported: %(products)d; sizes: %(variants)d.",
            products=len(result.products),
            variants=result.variants,
        ),
        "success",
    )
    return redirect(url_for("office.products"), code=303)


@blueprint.get("/<group_slug>/products/template.csv")
def products_import_template():
    """The CSV template to fill in a spreadsheet (UTF-8 with a BOM, so Thai opens correctly)."""
    require_leader()
    group = current_group()
    return Response(
        domain.import_template(group),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="products-{group.slug}.csv"',
            "Cache-Control": "no-store",
        },
    )
