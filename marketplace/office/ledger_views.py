"""Office pages for share rules, other value-chain income and household balances.

Who sees what (decided here, shown by the templates):
- share rules: every member of the group sees them; only the leader (and
  admins, who count as leaders) saves a new version;
- the group ledger: members see the monthly totals; the leader (and admins)
  also see each month's entries and every household's balance, by code;
- a household's statement and the entry form: the leader and admins;
- household **names** only for the group's own leader, and every page that
  shows a named household's money writes an audit row per household shown.
"""

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from ..catalog import service as catalog
from ..catalog.labels import contribution_role_label
from ..extensions import db
from ..impact import households as household_domain
from ..impact import ledger as domain
from ..impact import share_rules
from ..impact.ledger import GROUP_FUND, PLATFORM
from ..models import ContributionRole
from .blueprint import (
    blueprint,
    current_group,
    is_leader,
    require_leader,
    show_household_names,
)
from .ledger_forms import RECORDED_KINDS, LedgerEntryForm, ShareRuleForm


def _find_field(form, path):
    """The field a domain error names ("amount", "parts-2-value"), or None."""
    field = form
    for name in path.split("-"):
        try:
            field = field[int(name)] if name.isdigit() else field[name]
        except (IndexError, KeyError, TypeError):
            return None
    return field if hasattr(field, "errors") and hasattr(field, "data") else None


def _show_error(form, error):
    field = _find_field(form, error.field) if error.field else None
    if field is not None and not isinstance(field.errors, dict):
        field.errors = [*field.errors, error.message]
    else:
        form.form_errors.append(error.message)


def _key_label(key):
    if key == GROUP_FUND:
        return _("Group fund")
    if key == PLATFORM:
        return _("Platform fee")
    return contribution_role_label(key)


# -- share rules ---------------------------------------------------------------------------------


@blueprint.get("/<group_slug>/share-rules")
def share_rules_page():
    """Every product's rule in force: who gets what of each sale."""
    group = current_group()
    return render_template(
        "office/share_rules.html",
        group=group,
        overview=share_rules.group_overview(group),
        can_edit=is_leader(),
        key_label=_key_label,
    )


def _rule_form_data(rule):
    by_role = {part.role: part for part in (rule.parts if rule is not None else ())}
    rows = []
    for role in ContributionRole.ALL:
        part = by_role.get(role)
        if part is None:
            rows.append({"role": role, "basis": "", "value": ""})
        else:  # basis points or satang per unit: both typed as hundredths
            rows.append({"role": role, "basis": part.basis, "value": _number(part.value)})
    return {
        "parts": rows,
        "platform_fee": _number(rule.platform_fee_bp)
        if rule is not None and rule.platform_fee_bp
        else "",
    }


def _number(hundredths):
    """Basis points or satang as the plain number a person types (60, 7.5, 2.25)."""
    whole, rest = divmod(int(hundredths), 100)
    return f"{whole}" if not rest else f"{whole}.{rest:02d}".rstrip("0")


def _share_rule_page(product_id, variant_id=None):
    require_leader()
    group = current_group()
    try:
        product, variant = share_rules.target(group, product_id, variant_id)
    except catalog.NotFound:
        abort(404)
    versions = share_rules.rule_versions(product, variant)
    covered = share_rules.covered_variants(product, variant)
    if variant is not None:
        current = share_rules.rule_in_force(variant)
    else:
        current = share_rules.product_rule_in_force(product)

    def render(form, preview=None, status=200):
        return (
            render_template(
                "office/share_rule_form.html",
                group=group,
                form=form,
                product=product,
                variant=variant,
                versions=versions,
                current=current,
                covered=covered,
                preview=preview,
                key_label=_key_label,
                role_label=contribution_role_label,
            ),
            status,
        )

    if request.method == "GET":
        form = ShareRuleForm(formdata=None, data=_rule_form_data(current))
        preview = None
        if current is not None:
            preview = share_rules.preview_table(current.parts, current.platform_fee_bp, covered)
        return render(form, preview)
    form = ShareRuleForm()
    if not form.validate_on_submit():
        return render(form, status=400)
    try:
        if form.preview.data:
            values = share_rules.check_values(
                form.values(), prices=[v.price_satang for v in covered]
            )
            preview = share_rules.preview_table(values.parts, values.platform_fee_bp, covered)
            return render(form, preview)
        rule = share_rules.save_rule(
            group, product.id, form.values(), variant_id=variant_id, user=current_user
        )
    except share_rules.ShareRuleError as error:
        db.session.rollback()
        _show_error(form, error)
        return render(form, status=400)
    db.session.commit()
    flash(_("Share rule version %(version)d saved.", version=rule.version), "success")
    return redirect(url_for("office.share_rules_page"), code=303)


@blueprint.route("/<group_slug>/products/<int:product_id>/share-rule", methods=["GET", "POST"])
def share_rule_product(product_id):
    """A new version of the rule for every size of a product (leader only), with a preview."""
    return _share_rule_page(product_id)


@blueprint.route("/<group_slug>/variants/<int:variant_id>/share-rule", methods=["GET", "POST"])
def share_rule_variant(variant_id):
    """A new version of one size's own rule (leader only), with a preview."""
    group = current_group()
    require_leader()
    try:
        variant = catalog.get_variant(group, variant_id)
    except catalog.NotFound:
        abort(404)
    return _share_rule_page(variant.product_id, variant.id)


# -- the group's ledger ----------------------------------------------------------------------------


def _month(text):
    try:
        year, month = (int(part) for part in (text or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return None


def _names(households, reason):
    """{household id: head's name} when this page may name them (each named one audited)."""
    if not show_household_names(households, reason):
        return {}
    return {
        h.id: h.personal.head_name
        for h in households
        if h.personal is not None and h.erased_at is None
    }


@blueprint.get("/<group_slug>/ledger")
def ledger():
    """Month by month: what reached households, the group fund and the platform."""
    group = current_group()
    months = domain.group_months(group)
    detail = is_leader()
    month = _month(request.args.get("month", "", type=str)[:7])
    if month is None and months:
        month = months[0].month
    entries, balances, households, names = [], [], {}, {}
    if detail:
        if month is not None:
            entries = domain.month_entries(group, month)
        by_household = domain.household_balances(group)
        listed = db.session.scalars(household_domain.group_households_query(group)).all()
        households = {h.id: h for h in listed}
        balances = [(h, *by_household[h.id]) for h in listed if h.id in by_household]
        shown = {row[0].id: row[0] for row in balances}
        for entry in entries:
            if entry.household is not None:
                shown.setdefault(entry.household_id, entry.household)
        names = _names(list(shown.values()), "office.ledger")
        db.session.commit()
    return render_template(
        "office/ledger.html",
        group=group,
        months=months,
        month=month,
        entries=entries,
        balances=balances,
        households=households,
        names=names,
        detail=detail,
        can_record=detail,
        kind_label=kind_label,
    )


def kind_label(kind):
    """What an entry is, in the reader's language."""
    labels = {
        "sale_share": _("Share of a sale"),
        "reversal": _("Refund taken back"),
        **{code: str(label) for code, label in RECORDED_KINDS.items()},
    }
    return labels.get(kind, kind)


@blueprint.get("/<group_slug>/ledger/households/<int:household_id>")
def household_ledger(household_id):
    """One household's statement in the group's books: every entry and the balance."""
    require_leader()
    group = current_group()
    try:
        household = household_domain.get_group_household(group, household_id)
    except household_domain.HouseholdNotFound:
        abort(404)
    names = _names([household], "office.household_ledger")
    statement = domain.household_statement(group, household)
    balance = domain.household_balance(group, household)
    db.session.commit()
    return render_template(
        "office/household_ledger.html",
        group=group,
        household=household,
        name=names.get(household.id),
        statement=statement,
        balance=balance,
        kind_label=kind_label,
        role_label=contribution_role_label,
    )


@blueprint.route("/<group_slug>/ledger/new", methods=["GET", "POST"])
def ledger_entry_new():
    """Record raw material bought, a wage, a payout or an adjustment (leader only)."""
    require_leader()
    group = current_group()

    def render(form, status=200):
        # Names (and their audit rows) only now, after any rollback of a refused entry.
        listed = db.session.scalars(household_domain.group_households_query(group)).all()
        listed = [h for h in listed if h.erased_at is None]
        names = _names(listed, "office.ledger_entry_new")
        form.household_id.choices = form.household_id.choices[:1] + [
            SelectChoice(str(h.id), f"{h.code} {names[h.id]}" if h.id in names else h.code)
            for h in listed
        ]
        db.session.commit()
        return render_template("office/ledger_entry_form.html", group=group, form=form), status

    if request.method == "GET":
        household = request.args.get("household", "", type=str)[:12]
        return render(LedgerEntryForm(formdata=None, data={"household_id": household}))
    form = LedgerEntryForm()
    if not form.validate_on_submit():
        return render(form, status=400)
    try:
        entry = domain.record_entry(group, form.values(), user=current_user)
    except domain.LedgerError as error:
        db.session.rollback()
        _show_error(form, error)
        return render(form, status=400)
    db.session.commit()
    flash(_("Entry recorded."), "success")
    return redirect(url_for("office.household_ledger", household_id=entry.household_id), code=303)
