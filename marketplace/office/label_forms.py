"""The form that prints a lot's QR labels; it carries a CSRF token (Flask-WTF).

Numbers stay plain strings: `marketing.labels.check_run` parses them, so its
rules and messages are the only ones.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from ..marketing.labels import DEFAULT_FORMAT, MAX_LABELS, SHEET_FORMATS

LANGUAGES = {"th": _l("Thai"), "en": _l("English")}


class LabelForm(FlaskForm):
    """Which stock, how many labels, from which position, in which language, with the price."""

    sheet = SelectField(_l("Label stock"), validate_choice=False, default=DEFAULT_FORMAT)
    count = StringField(
        _l("Number of labels"),
        validators=[Length(max=10)],
        description=_l("Up to %(max)s per run.", max=MAX_LABELS),
        render_kw={"inputmode": "numeric"},
    )
    skip = StringField(
        _l("Labels already used on the first sheet"),
        validators=[Length(max=10)],
        default="0",
        description=_l("To use up a part-used sheet: printing starts after these, row by row."),
        render_kw={"inputmode": "numeric"},
    )
    language = SelectField(_l("Language of the labels"), validate_choice=False, default="th")
    with_price = BooleanField(_l("Print the price"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet.choices = [SelectChoice(code, s.name) for code, s in SHEET_FORMATS.items()]
        self.language.choices = [SelectChoice(code, name) for code, name in LANGUAGES.items()]

    def values(self):
        """The fields as `check_run` takes them."""
        return {
            "sheet_code": self.sheet.data or "",
            "count": self.count.data or "",
            "skip": self.skip.data or "0",
            "language": self.language.data or "",
            "with_price": bool(self.with_price.data),
        }
