"""Forms of the share-rule and ledger pages; every one carries a CSRF token (Flask-WTF).

Amounts and percentages stay plain strings: `impact.share_rules` and
`impact.ledger` parse them, so one set of rules and messages lives there.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..models import ContributionRole, LedgerKind, ShareBasis

BASES = {
    "": _l("No part"),
    ShareBasis.PERCENT: _l("Percent of the sale"),
    ShareBasis.PER_UNIT: _l("Baht per unit sold"),
}
RECORDED_KINDS = {
    LedgerKind.RAW_MATERIAL: _l("Raw material bought from the household"),
    LedgerKind.WAGE: _l("Wage for work done"),
    LedgerKind.PAYOUT: _l("Payout: money handed to the household"),
    LedgerKind.ADJUSTMENT: _l("Adjustment (a correction)"),
}


class SharePartForm(Form):
    """One role's part: how it is measured and how much (no CSRF of its own: inside a form)."""

    role = HiddenField()
    basis = SelectField(_l("Paid as"), validate_choice=False)
    value = StringField(
        _l("Amount"), validators=[Length(max=20)], render_kw={"inputmode": "decimal"}
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.basis.choices = [SelectChoice(code, label) for code, label in BASES.items()]


class ShareRuleForm(FlaskForm):
    """A new version of a product's (or a variant's) share rule."""

    parts = FieldList(
        FormField(SharePartForm), min_entries=0, max_entries=len(ContributionRole.ALL)
    )
    platform_fee = StringField(
        _l("Platform fee, percent of the sale"),
        validators=[Length(max=20)],
        description=_l("Leave empty for none."),
        render_kw={"inputmode": "decimal"},
    )
    effective_on = StringField(
        _l("In force from"),
        validators=[Length(max=20)],
        description=_l("YYYY-MM-DD; leave empty for now. Sales already made keep their rule."),
        render_kw={"inputmode": "numeric", "placeholder": "2569-06-01"},
    )
    note = StringField(_l("Note"), validators=[Length(max=300)])
    preview = SubmitField(_l("Preview"))

    def values(self):
        """The fields as the service takes them (plain strings)."""
        return {
            "parts": [
                {
                    "role": row.role.data or "",
                    "basis": row.basis.data or "",
                    "value": row.value.data or "",
                }
                for row in self.parts
            ],
            "platform_fee": self.platform_fee.data or "",
            "effective_on": self.effective_on.data or "",
            "note": self.note.data or "",
        }


class LedgerEntryForm(FlaskForm):
    """Raw material bought, a wage, a payout or an adjustment for one household."""

    kind = SelectField(_l("What happened"), validate_choice=False)
    household_id = SelectField(_l("Household"), validate_choice=False)
    occurred_on = StringField(
        _l("Date"),
        validators=[Length(max=20)],
        description=_l("YYYY-MM-DD; a Buddhist-era year such as 2569-03-15 is fine. Empty: today."),
        render_kw={"inputmode": "numeric", "placeholder": "2569-03-15"},
    )
    quantity = StringField(
        _l("Quantity"),
        validators=[Length(max=20)],
        description=_l("For raw material: how much was bought, e.g. 40."),
        render_kw={"inputmode": "decimal"},
    )
    unit = StringField(
        _l("Unit"), validators=[Length(max=16)], description=_l("E.g. kg, pieces, days.")
    )
    unit_price = StringField(
        _l("Price per unit in baht"),
        validators=[Length(max=20)],
        description=_l("For raw material: the amount is quantity × price."),
        render_kw={"inputmode": "decimal"},
    )
    amount = StringField(
        _l("Amount in baht"),
        validators=[Length(max=20)],
        description=_l("For wages, payouts and adjustments (an adjustment may be negative)."),
        render_kw={"inputmode": "decimal"},
    )
    description = StringField(_l("Description"), validators=[Length(max=300)])

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(code, label) for code, label in RECORDED_KINDS.items()]
        self.household_id.choices = [SelectChoice("", _l("Choose a household"))] + [
            SelectChoice(str(household_id), label) for household_id, label in households
        ]

    def values(self):
        """The fields as the service takes them (plain strings)."""
        return {
            name: self[name].data or ""
            for name in (
                "kind",
                "household_id",
                "occurred_on",
                "quantity",
                "unit",
                "unit_price",
                "amount",
                "description",
            )
        }
