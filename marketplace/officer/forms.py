"""Forms of the officers' area; every one carries a CSRF token (Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
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
