"""Officer views for one household of their area: details, assessments, registry import, export.

Each household is looked up with the officer's areas (`impact.assessments.
get_area_household`): outside them the answer is 404. Every page or file that
carries a household's personal data writes an audit row.
"""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.audit import audit_personal_data_view
from ..csv_import import CsvImportError
from ..extensions import db
from ..impact import assessments as domain
from ..impact import privacy
from ..impact.households import HouseholdNotFound, contributions_by_lot, groups_by_household
from .blueprint import blueprint
from .forms import AssessmentForm, RegistryImportForm


def _household_or_404(household_id):
    try:
        return domain.get_area_household(current_user, household_id)
    except HouseholdNotFound:
        abort(404)


@blueprint.get("/households/<int:household_id>")
def household(household_id):
    """One household: its name (audited), groups, contributions and assessments."""
    household = _household_or_404(household_id)
    named = household.personal is not None and household.erased_at is None
    if named:
        audit_personal_data_view(household, reason="officer.household")
        db.session.commit()
    return render_template(
        "officer/household.html",
        household=household,
        personal=household.personal if named else None,
        groups=groups_by_household([household]).get(household.id, []),
        contributions=contributions_by_lot([household]).get(household.id, []),
        assessments=domain.household_assessments(household),
        dimensions=domain.DIMENSIONS,
        poverty_class_label=domain.poverty_class_label,
        dimension_label=domain.dimension_label,
    )


def _render_assessment_form(household, form, status=200):
    return (
        render_template("officer/assessment_form.html", household=household, form=form),
        status,
    )


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@blueprint.route("/households/<int:household_id>/assessments/new", methods=["GET", "POST"])
def assessment_new(household_id):
    """Record an assessment of a household in the officer's area, with the consent."""
    household = _household_or_404(household_id)
    if household.erased_at is not None:
        abort(404)
    if request.method == "GET":
        return _render_assessment_form(household, AssessmentForm(formdata=None))
    form = AssessmentForm()
    if not form.validate_on_submit():
        return _render_assessment_form(household, form, status=400)
    try:
        domain.record_assessment(current_user, household.id, form.values())
    except domain.AssessmentError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_assessment_form(_household_or_404(household_id), form, status=400)
    db.session.commit()
    flash(_("Assessment of %(code)s recorded.", code=household.code), "success")
    return redirect(url_for("officer.household", household_id=household.id), code=303)


@blueprint.get("/households/<int:household_id>/export.json")
def household_export(household_id):
    """Everything stored about the household, assessments included, as JSON (audited)."""
    try:
        household, data = privacy.area_export(current_user, household_id)
    except HouseholdNotFound:
        abort(404)
    db.session.commit()
    return Response(
        privacy.export_bytes(data),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="household-{household.code}.json"',
            "Cache-Control": "no-store",
        },
    )


def _render_import(form, problems=(), status=200):
    return (
        render_template(
            "officer/assessments_import.html",
            form=form,
            problems=problems,
            columns=domain.IMPORT_COLUMNS,
            required=domain.IMPORT_REQUIRED,
            max_rows=domain.IMPORT_MAX_ROWS,
            max_kb=domain.IMPORT_MAX_BYTES // 1024,
        ),
        status,
    )


@blueprint.route("/assessments/import", methods=["GET", "POST"])
def assessments_import():
    """Import a poverty-registry CSV export: every row or none; unmatched rows are counted."""
    if request.method == "GET":
        return _render_import(RegistryImportForm(formdata=None))
    form = RegistryImportForm()
    if not form.validate_on_submit():
        return _render_import(form, status=400)
    # One byte past the limit, so a too-large file is refused without reading it all.
    data = form.file.data.read(domain.IMPORT_MAX_BYTES + 1)
    try:
        result = domain.import_registry(current_user, data)
    except CsvImportError as error:
        db.session.rollback()
        return _render_import(form, problems=error.problems, status=400)
    db.session.commit()
    flash(
        _(
            "%(n)d assessments imported for %(households)d households.",
            n=len(result.created),
            households=result.households,
        ),
        "success",
    )
    if result.already_lines:
        flash(
            _(
                "%(n)d rows were already recorded and were left as they are.",
                n=len(result.already_lines),
            ),
            "info",
        )
    if result.unmatched_lines:
        flash(
            _(
                "%(n)d rows match no household of your area and were skipped (lines %(lines)s).",
                n=len(result.unmatched_lines),
                lines=_line_list(result.unmatched_lines),
            ),
            "info",
        )
    return redirect(url_for("officer.households"), code=303)


def _line_list(lines, shown=20):
    text = ", ".join(str(line) for line in lines[:shown])
    return text + (" …" if len(lines) > shown else "")


@blueprint.get("/assessments/template.csv")
def assessments_template():
    """The registry CSV template (UTF-8 with a BOM, so Thai opens correctly in spreadsheets)."""
    return Response(
        domain.import_template(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="assessments-template.csv"',
            "Cache-Control": "no-store",
        },
    )
