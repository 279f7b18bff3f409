"""Back-office views for the group's member households: list, add, edit, import from CSV.

Who sees what (decided here, shown by the templates through `can_see_names`):
- the group's **leader** sees names, villages and what each household
  contributed, lot by lot; every page showing a name writes an audit row;
- **staff** see pseudonymous codes and villages only;
- an **admin** who is not a member of the group is treated like staff here:
  support work does not need a household's name (PDPA data minimisation).
Only the leader adds, edits or imports households, since that means entering
personal data. Poverty assessments are never shown in the office.

PDPA rights, also the leader's alone: the access export (everything the group
holds about a household, as JSON: name, contributions, payments; never
assessments) and erasure of its personal data, after typing its code to
confirm. Both are audited (`impact.privacy`).
"""

from flask import (
    Response,
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

from ..accounts import access
from ..accounts.audit import audit_personal_data_view, audit_personal_data_views
from ..csv_import import CsvImportError
from ..extensions import db, limiter
from ..impact import households as domain
from ..impact import privacy
from .blueprint import blueprint, current_group, sees_household_names
from .household_forms import (
    HouseholdEraseForm,
    HouseholdForm,
    HouseholdImportForm,
    HouseholdLinkForm,
)

PAGE_SIZE = 50


def _require_group_leader():
    if not sees_household_names():
        raise access.NotAllowed()


def _page():
    return max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))


def _show_error(form, error):
    field = getattr(form, error.field, None) if error.field else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


@blueprint.get("/<group_slug>/households")
def households():
    """The group's households: names and contributions for the leader, codes for staff."""
    group = current_group()
    can_see_names = sees_household_names()
    page = db.paginate(
        domain.group_households_query(group), page=_page(), per_page=PAGE_SIZE, error_out=False
    )
    contributions = {}
    if can_see_names:
        contributions = domain.contributions_by_lot(page.items)
        audit_personal_data_views(
            [
                (household.id, household.code)
                for household in page.items
                if household.personal is not None and household.erased_at is None
            ],
            reason="office.households",
        )
        db.session.commit()
    return render_template(
        "office/households.html",
        group=group,
        page=page,
        can_see_names=can_see_names,
        can_manage=can_see_names,
        contributions=contributions,
    )


def _render_form(form, household=None, status=200):
    return (
        render_template(
            "office/households_form.html", group=current_group(), form=form, household=household
        ),
        status,
    )


@blueprint.route("/<group_slug>/households/new", methods=["GET", "POST"])
def household_new():
    """Register a household with its consent (leader only)."""
    _require_group_leader()
    group = current_group()
    if request.method == "GET":
        form = HouseholdForm(
            formdata=None,
            data={
                "village": group.village,
                "moo": str(group.moo or ""),
                "province_code": group.province_code,
                "district_code": group.district_code,
                "subdistrict_code": group.subdistrict_code,
            },
        )
        return _render_form(form)
    form = HouseholdForm()
    if form.update_areas.data:
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, status=400)
    try:
        household = domain.create_household(group, form.values())
    except domain.HouseholdError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_form(form, status=400)
    db.session.commit()
    flash(_("Household %(code)s added.", code=household.code), "success")
    return redirect(url_for("office.households"), code=303)


def _link_limit():
    return current_app.config["HOUSEHOLD_LINK_LIMIT_PER_ACCOUNT"]


def _account_key():
    return f"household-link:{current_user.get_id()}"


@blueprint.route("/<group_slug>/households/link", methods=["GET", "POST"])
# Each number that matches nothing counts: registry numbers cannot be tried one by one.
@limiter.limit(
    _link_limit,
    key_func=_account_key,
    methods=["POST"],
    deduct_when=lambda response: response.status_code == 400,
)
def household_link():
    """Add a household another group registered, by its registry number (leader only)."""
    _require_group_leader()
    group = current_group()
    form = HouseholdLinkForm() if request.method == "POST" else HouseholdLinkForm(formdata=None)

    def render(status=200):
        page = render_template("office/households_link.html", group=group, form=form)
        return page, status

    if request.method == "GET":
        return render()
    if not form.validate_on_submit():
        return render(400)
    try:
        household = domain.link_household(group, form.values())
    except domain.HouseholdError as error:
        db.session.rollback()
        _show_error(form, error)
        return render(400)
    db.session.commit()
    flash(_("Household %(code)s now supplies this group too.", code=household.code), "success")
    return redirect(url_for("office.households"), code=303)


def _group_household_or_404(household_id):
    try:
        return domain.get_group_household(current_group(), household_id)
    except domain.HouseholdNotFound:
        abort(404)


@blueprint.route("/<group_slug>/households/<int:household_id>/edit", methods=["GET", "POST"])
def household_edit(household_id):
    """Change a household's place, name, phone or consent (leader only)."""
    _require_group_leader()
    household = _group_household_or_404(household_id)
    if household.erased_at is not None:
        abort(404)
    if request.method == "GET":
        personal = household.personal
        form = HouseholdForm(
            formdata=None,
            data={
                "code": household.code,
                "village": household.village,
                "moo": str(household.moo or ""),
                "province_code": household.province_code,
                "district_code": household.district_code,
                "subdistrict_code": household.subdistrict_code,
                "head_name": personal.head_name if personal else "",
                "phone": personal.phone if personal else "",
                "consent_on": personal.consent_on.isoformat()
                if personal and personal.consent_on
                else "",
                "consent_note": personal.consent_note if personal else "",
            },
        )
        if personal is not None:
            audit_personal_data_view(household, reason="office.household_edit")
            db.session.commit()
        return _render_form(form, household)
    form = HouseholdForm()
    if form.update_areas.data:
        return _render_form(form, household)
    if not form.validate_on_submit():
        return _render_form(form, household, status=400)
    try:
        domain.update_household(current_group(), household.id, form.values())
    except domain.HouseholdError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_form(form, household, status=400)
    db.session.commit()
    flash(_("Household %(code)s saved.", code=household.code), "success")
    return redirect(url_for("office.households"), code=303)


def _render_import(form, problems=(), status=200):
    return (
        render_template(
            "office/households_import.html",
            group=current_group(),
            form=form,
            problems=problems,
            columns=domain.IMPORT_COLUMNS,
            required=domain.IMPORT_REQUIRED,
            max_rows=domain.IMPORT_MAX_ROWS,
            max_kb=domain.IMPORT_MAX_BYTES // 1024,
        ),
        status,
    )


@blueprint.route("/<group_slug>/households/import", methods=["GET", "POST"])
def households_import():
    """Import households from a CSV file: all rows or none, every bad row listed (leader only)."""
    _require_group_leader()
    if request.method == "GET":
        return _render_import(HouseholdImportForm(formdata=None))
    form = HouseholdImportForm()
    if not form.validate_on_submit():
        return _render_import(form, status=400)
    # Read one byte past the limit, so a too-large file is refused without reading it all.
    data = form.file.data.read(domain.IMPORT_MAX_BYTES + 1)
    try:
        created = domain.import_households(current_group(), data)
    except CsvImportError as error:
        db.session.rollback()
        return _render_import(form, problems=error.problems, status=400)
    db.session.commit()
    flash(_("%(n)d households imported.", n=len(created)), "success")
    return redirect(url_for("office.households"), code=303)


@blueprint.get("/<group_slug>/households/template.csv")
def households_template():
    """The CSV template to fill in a spreadsheet (UTF-8 with a BOM, so Thai opens correctly)."""
    _require_group_leader()
    group = current_group()
    return Response(
        domain.import_template(group),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="households-{group.slug}.csv"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.get("/<group_slug>/households/<int:household_id>/export.json")
def household_export(household_id):
    """Everything the group holds about a household, as JSON (leader only, audited)."""
    _require_group_leader()
    try:
        household, data = privacy.group_export(current_group(), household_id)
    except domain.HouseholdNotFound:
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


def _render_erase(household, form, status=200):
    return (
        render_template(
            "office/household_erase.html", group=current_group(), household=household, form=form
        ),
        status,
    )


@blueprint.route("/<group_slug>/households/<int:household_id>/erase", methods=["GET", "POST"])
def household_erase(household_id):
    """Erase a household's personal data, after typing its code to confirm (leader only)."""
    _require_group_leader()
    household = _group_household_or_404(household_id)
    if request.method == "GET":
        return _render_erase(household, HouseholdEraseForm(formdata=None))
    form = HouseholdEraseForm()
    if not form.validate_on_submit():
        return _render_erase(household, form, status=400)
    try:
        _household, erased = privacy.erase_group_household(
            current_group(), household.id, form.confirm.data
        )
    except privacy.ErasureError as error:
        db.session.rollback()
        _show_error(form, error)
        return _render_erase(household, form, status=400)
    db.session.commit()
    if erased:
        flash(
            _("The personal data of household %(code)s was erased.", code=household.code), "success"
        )
    else:
        flash(
            _("The personal data of household %(code)s was already erased.", code=household.code),
            "info",
        )
    return redirect(url_for("office.households"), code=303)
