"""Forms of the admin area; every one carries a CSRF token (Flask-WTF)."""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, DateRange, Length, Optional, Regexp

from .. import areas
from ..accounts.audit_text import action_choices
from ..catalog.labels import GROUP_KINDS
from ..i18n import current_language
from ..models.accounts import MembershipRole

REQUIRED = _l("This field is required.")
SENSIBLE_DATE = DateRange(
    min=date(2000, 1, 1),
    max=date(2100, 12, 31),
    message=_l("Choose a date between 2000 and 2100."),
)


def _area_choices(items, placeholder):
    language = current_language()
    return [SelectChoice("", placeholder)] + [
        SelectChoice(a.code, areas.area_name(a, language)) for a in items
    ]


def fill_area_choices(form, subdistricts=True):
    """Province → district (→ subdistrict) choices that follow what is chosen so far."""
    form.province_code.choices = _area_choices(areas.provinces(), _l("Choose a province"))
    province = form.province_code.data or ""
    form.district_code.choices = _area_choices(
        areas.districts_of(province) if areas.province(province) else (),
        _l("Choose a district") if subdistricts else _l("The whole province"),
    )
    if subdistricts:
        district = form.district_code.data or ""
        form.subdistrict_code.choices = _area_choices(
            areas.subdistricts_of(district) if areas.district(district) else (),
            _l("Choose a subdistrict"),
        )


class GroupForm(FlaskForm):
    """A producer group as the admin sets it up."""

    name_th = StringField(_l("Name in Thai"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    slug = StringField(
        _l("Web address"),
        validators=[DataRequired(REQUIRED), Length(max=80)],
        description=_l("Lower-case letters, digits and hyphens: /groups/hom-phaendin"),
        render_kw={"autocapitalize": "none", "spellcheck": "false"},
    )
    kind = SelectField(_l("Kind of group"), validate_choice=False)
    registration_no = StringField(
        _l("Registration number"),
        validators=[Length(max=40)],
        description=_l("Required for a community enterprise."),
    )
    village = StringField(_l("Village"), validators=[Length(max=120)])
    moo = StringField(
        _l("Moo (village number)"),
        validators=[
            Optional(),
            Regexp(r"^[0-9]{1,2}$", message=_l("Moo is a number from 1 to 99.")),
        ],
        render_kw={"inputmode": "numeric"},
    )
    province_code = SelectField(_l("Province"), validate_choice=False)
    district_code = SelectField(_l("District"), validate_choice=False)
    subdistrict_code = SelectField(_l("Subdistrict"), validate_choice=False)
    update_areas = SubmitField(_l("Show districts and subdistricts"))
    phone = StringField(_l("Phone"), validators=[Length(max=20)], render_kw={"inputmode": "tel"})
    email = EmailField(_l("Email address"), validators=[Length(max=254)])
    line_id = StringField(_l("LINE ID"), validators=[Length(max=60)])
    is_active = BooleanField(_l("Shown on the marketplace"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(code, label) for code, label in GROUP_KINDS.items()]
        fill_area_choices(self)

    def values(self):
        """The fields as the service takes them."""
        return {
            "name_th": self.name_th.data or "",
            "name_en": self.name_en.data or "",
            "slug": self.slug.data or "",
            "kind": self.kind.data or "",
            "registration_no": self.registration_no.data or "",
            "village": self.village.data or "",
            "moo": int(self.moo.data) if self.moo.data else None,
            "province_code": self.province_code.data or "",
            "district_code": self.district_code.data or "",
            "subdistrict_code": self.subdistrict_code.data or "",
            "phone": self.phone.data or "",
            "email": self.email.data or "",
            "line_id": self.line_id.data or "",
            "is_active": bool(self.is_active.data),
        }


class InviteForm(FlaskForm):
    """Invite someone by email as leader or staff of a group."""

    email = EmailField(
        _l("Email address"),
        validators=[DataRequired(REQUIRED), Length(max=254)],
        render_kw={"autocomplete": "off", "inputmode": "email", "spellcheck": "false"},
    )
    name = StringField(_l("Name (if new)"), validators=[Length(max=120)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(MembershipRole.LEADER, _l("Leader")),
            SelectChoice(MembershipRole.STAFF, _l("Staff")),
        ],
        default=MembershipRole.LEADER,
        validate_choice=False,
    )


class FlagForm(FlaskForm):
    """Turn one flag on or off (admin, officer, active)."""

    value = HiddenField(validators=[AnyOf(["0", "1"])])


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (remove an area or a member)."""


class OfficerAreaForm(FlaskForm):
    """A province, or one of its districts, for an officer to cover."""

    province_code = SelectField(_l("Province"), validate_choice=False)
    district_code = SelectField(_l("District"), validate_choice=False)
    update_areas = SubmitField(_l("Show districts"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_area_choices(self, subdistricts=False)


class AuditFilterForm(FlaskForm):
    """Filters of the audit log, read from the query string (no CSRF: it only reads)."""

    class Meta:
        csrf = False

    action = SelectField(_l("Action"), validate_choice=False)
    actor = StringField(_l("Done by (email)"), validators=[Length(max=254)])
    date_from = DateField(_l("From"), validators=[Optional(), SENSIBLE_DATE])
    date_to = DateField(_l("Until"), validators=[Optional(), SENSIBLE_DATE])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", _l("All actions"))] + [
            SelectChoice(code, label) for code, label in action_choices()
        ]
