"""Forms of the officers' area; every one carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

REQUIRED = _l("This field is required.")


class VerifyForm(FlaskForm):
    """Verify a claim for a period, with its certificate number."""

    valid_from = DateField(_l("Valid from"), validators=[DataRequired(REQUIRED)])
    valid_until = DateField(_l("Valid until"), validators=[DataRequired(REQUIRED)])
    certificate_no = StringField(
        _l("Certificate number"),
        validators=[Optional(), Length(max=80)],
        description=_l("Needed when the claim has none yet."),
    )
    reason = TextAreaField(_l("Note (optional)"), validators=[Length(max=2000)])


class ReasonForm(FlaskForm):
    """Reject or revoke a claim: the reason is required and shown to the group."""

    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(_l("Give the reason for this decision.")), Length(max=2000)],
    )


class AssessmentForm(FlaskForm):
    """One household assessment as an officer records it, with the household's consent."""

    assessed_on = StringField(
        _l("Assessed on"),
        validators=[DataRequired(REQUIRED), Length(max=10)],
        description=_l("15/03/2568 or 2025-03-15."),
        render_kw={"inputmode": "numeric", "placeholder": "15/03/2568"},
    )
    members = StringField(
        _l("Household members"),
        validators=[DataRequired(REQUIRED), Length(max=3)],
        render_kw={"inputmode": "numeric"},
    )
    annual_income = StringField(
        _l("Annual household income (baht)"),
        validators=[DataRequired(REQUIRED), Length(max=20)],
        render_kw={"inputmode": "decimal"},
    )
    poverty_class = SelectField(
        _l("Poverty class"),
        choices=[
            SelectChoice("", _l("Choose…")),
            SelectChoice("struggling", _l("Struggling (อยู่ลำบาก)")),
            SelectChoice("difficult", _l("Difficult (อยู่ยาก)")),
            SelectChoice("getting_by", _l("Getting by (อยู่พอได้)")),
            SelectChoice("well_off", _l("Well off (อยู่ดี)")),
        ],
        validate_choice=False,
    )
    deprived_health = BooleanField(_l("Deprived in health"))
    deprived_living = BooleanField(_l("Deprived in living conditions"))
    deprived_education = BooleanField(_l("Deprived in education"))
    deprived_income = BooleanField(_l("Deprived in income"))
    deprived_access = BooleanField(_l("Deprived in access to public services"))
    consent_on = StringField(
        _l("Consent given on"),
        validators=[DataRequired(REQUIRED), Length(max=10)],
        description=_l("The day the household agreed to this survey being kept."),
        render_kw={"inputmode": "numeric", "placeholder": "15/03/2568"},
    )
    consent_note = StringField(
        _l("How consent was given"),
        validators=[Length(max=300)],
        description=_l("E.g. signed form kept at the district office."),
    )

    def values(self):
        """The fields as the domain takes them."""
        names = ("assessed_on", "members", "annual_income", "poverty_class")
        values = {name: getattr(self, name).data or "" for name in names}
        for name in ("health", "living", "education", "income", "access"):
            values[f"deprived_{name}"] = bool(getattr(self, f"deprived_{name}").data)
        values["consent_on"] = self.consent_on.data or ""
        values["consent_note"] = self.consent_note.data or ""
        return values


class RegistryImportForm(FlaskForm):
    """A CSV export of the poverty registry, in the template's columns."""

    file = FileField(_l("CSV file"), validators=[FileRequired(_l("Choose a CSV file."))])
