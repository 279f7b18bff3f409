"""Forms for discount codes (a group's office and the admins' market-wide codes).

Values stay plain strings: `marketing.discounts.check_values` parses them, so
its rules and messages are the only ones. Every form carries a CSRF token.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from ..models import ClaimKind, DiscountKind

KIND_LABELS = {
    DiscountKind.PERCENT: _l("A percentage off"),
    DiscountKind.AMOUNT: _l("An amount off (baht)"),
    DiscountKind.FREE_SHIPPING: _l("Free shipping"),
}


class MultiCheckboxField(SelectMultipleField):
    """Several choices as check boxes (easier on a phone than a multiple select)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CodeConditionsForm(FlaskForm):
    """What a code takes off and when it may be used (shared by one code and a batch)."""

    kind = RadioField(
        _l("The discount"),
        choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()],
        default="percent",
    )
    percent = StringField(
        _l("Percentage off"), validators=[Length(max=12)], render_kw={"inputmode": "decimal"}
    )
    cap = StringField(
        _l("At most (baht), optional"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    amount = StringField(
        _l("Amount off (baht)"), validators=[Length(max=20)], render_kw={"inputmode": "decimal"}
    )
    min_spend = StringField(
        _l("Minimum spend (baht), optional"),
        validators=[Length(max=20)],
        description=_l("On the products the code covers."),
        render_kw={"inputmode": "decimal"},
    )
    starts_on = StringField(
        _l("First day, optional"), validators=[Length(max=12)], render_kw={"type": "date"}
    )
    ends_on = StringField(
        _l("Last day, optional"), validators=[Length(max=12)], render_kw={"type": "date"}
    )
    max_uses = StringField(
        _l("Uses in all, optional"),
        validators=[Length(max=12)],
        render_kw={"inputmode": "numeric"},
    )
    max_uses_per_buyer = StringField(
        _l("Uses per buyer, optional"),
        validators=[Length(max=12)],
        description=_l("Buyers are known by account, e-mail and phone."),
        render_kw={"inputmode": "numeric"},
    )
    first_order_only = BooleanField(_l("Only for a buyer's first order"))
    product_ids = MultiCheckboxField(
        _l("Only these products (none ticked: all)"), coerce=str, validate_choice=False
    )
    category_ids = MultiCheckboxField(
        _l("Only these categories (none ticked: all)"), coerce=str, validate_choice=False
    )
    claim_kind = SelectField(_l("Only lots with this verified claim"), validate_choice=False)
    households_share_discount = BooleanField(
        _l("Households share the discount"),
        description=_l(
            "Off (recommended): the discount comes out of the group fund and the platform fee, "
            "and households get their full share per unit. On: every share, the households' "
            "too, is smaller by the discount."
        ),
    )
    note = StringField(_l("Note for the office, optional"), validators=[Length(max=200)])

    def fill_choices(self, products, categories):
        """The products, categories and claims to choose from."""
        from ..catalog.labels import claim_kind_label
        from ..i18n import localized

        self.product_ids.choices = [SelectChoice(str(p.id), localized(p, "name")) for p in products]
        self.category_ids.choices = [
            SelectChoice(str(c.id), localized(c, "name")) for c in categories
        ]
        self.claim_kind.choices = [SelectChoice("", _l("Any lot"))] + [
            SelectChoice(kind, claim_kind_label(kind)) for kind in ClaimKind.ALL
        ]

    def values(self):
        """The plain strings `discounts.check_values` reads."""
        return {
            name: getattr(self, name).data
            for name in (
                "kind",
                "percent",
                "cap",
                "amount",
                "min_spend",
                "starts_on",
                "ends_on",
                "max_uses",
                "max_uses_per_buyer",
                "first_order_only",
                "product_ids",
                "category_ids",
                "claim_kind",
                "households_share_discount",
                "note",
            )
        }


class CodeForm(CodeConditionsForm):
    """One code a group shares (a post, a LINE message, a poster)."""

    code = StringField(
        _l("The code"),
        validators=[Length(max=40)],
        description=_l(
            "5 to 20 letters (A–Z) and digits, e.g. RICE10. Buyers may type it in small letters."
        ),
        render_kw={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off"},
    )


class BatchForm(CodeConditionsForm):
    """Many single-use codes at once (a market fair, flyers)."""

    count = StringField(
        _l("How many codes"),
        validators=[Length(max=6)],
        default="100",
        render_kw={"inputmode": "numeric"},
    )
    prefix = StringField(
        _l("Start of every code, optional"),
        validators=[Length(max=20)],
        description=_l("Up to 8 letters and digits, e.g. FAIR."),
        render_kw={"autocapitalize": "characters"},
    )
