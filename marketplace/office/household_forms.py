"""Forms for the group's member households; every one carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..admin.forms import fill_area_choices

REQUIRED = _l("This field is required.")


class HouseholdForm(FlaskForm):
    """A household as the group's leader records it, with the consent to keep its data."""

    code = StringField(
        _l("Code"),
        validators=[Length(max=20)],
        description=_l("Leave empty to get one: province code and a number, e.g. 57-00012."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    head_name = StringField(
        _l("Head of household"), validators=[DataRequired(REQUIRED), Length(max=200)]
    )
    phone = StringField(_l("Phone"), validators=[Length(max=20)], render_kw={"inputmode": "tel"})
    village = StringField(_l("Village"), validators=[DataRequired(REQUIRED), Length(max=120)])
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
    registry_ref = StringField(
        _l("House registration number"),
        validators=[Length(max=30)],
        description=_l(
            "Optional. Stored only as a one-way code, never as the number itself; "
            "leave empty to keep the one recorded."
        ),
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )
    consent_on = StringField(
        _l("Consent given on"),
        validators=[DataRequired(REQUIRED), Length(max=10)],
        description=_l("YYYY-MM-DD; a Buddhist-era year such as 2568-01-15 is fine."),
        render_kw={"inputmode": "numeric", "placeholder": "2568-01-15"},
    )
    consent_note = StringField(
        _l("How consent was given"),
        validators=[Length(max=300)],
        description=_l("E.g. signed form kept by the group, or spoken before the village head."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_area_choices(self)

    def values(self):
        """The fields as the domain takes them (plain strings)."""
        return {
            name: (getattr(self, name).data or "")
            for name in (
                "code",
                "head_name",
                "phone",
                "village",
                "moo",
                "subdistrict_code",
                "registry_ref",
                "consent_on",
                "consent_note",
            )
        }


class HouseholdLinkForm(FlaskForm):
    """A household another group registered, found by its house registration number."""

    registry_ref = StringField(
        _l("House registration number"),
        validators=[DataRequired(REQUIRED), Length(max=30)],
        description=_l("Ask the household for it; it is checked against the one-way code kept."),
        render_kw={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
    )
    consent_on = StringField(
        _l("Agreed to supply this group on"),
        validators=[DataRequired(REQUIRED), Length(max=10)],
        description=_l("YYYY-MM-DD; a Buddhist-era year such as 2568-01-15 is fine."),
        render_kw={"inputmode": "numeric", "placeholder": "2568-01-15"},
    )
    consent_note = StringField(
        _l("How consent was given"),
        validators=[Length(max=300)],
        description=_l("E.g. signed form kept by the group, or spoken before the village head."),
    )

    def values(self):
        """The fields as the domain takes them (plain strings)."""
        return {
            name: (getattr(self, name).data or "")
            for name in ("registry_ref", "consent_on", "consent_note")
        }


class HouseholdImportForm(FlaskForm):
    """A CSV file of households, in the template's columns."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])


class HouseholdEraseForm(FlaskForm):
    """Confirm erasing a household's personal data by typing its code."""

    confirm = StringField(
        _l("Type the household's code to confirm"),
        validators=[DataRequired(REQUIRED), Length(max=20)],
        render_kw={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"},
    )
