"""Forms of the group's order pages: ship, reject a slip, refund. Each carries a CSRF token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import Length


class ActionForm(FlaskForm):
    """A button that needs only the CSRF token: packed, delivered, confirm a slip or cash."""


class ShipForm(FlaskForm):
    """The carrier and tracking number of a part sent to the buyer."""

    carrier = StringField(
        _l("Carrier"),
        validators=[Length(max=60)],
        description=_l("For example Thailand Post, Kerry Express, Flash Express."),
    )
    tracking_no = StringField(
        _l("Tracking number"),
        validators=[Length(max=60)],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )


class RejectSlipForm(FlaskForm):
    """Why a transfer slip is not accepted: the buyer reads it."""

    reason = TextAreaField(
        _l("Why is the slip rejected?"),
        validators=[Length(max=300)],
        description=_l("The buyer reads this, e.g. “No transfer of this amount arrived.”"),
    )


class RefundForm(FlaskForm):
    """Refund options; the units per line come as fields named qty-<line id>."""

    shipping = BooleanField(_l("Refund the shipping too"))
    restock = BooleanField(
        _l("Put the refunded units back in stock"),
        description=_l("Only when the products came back unharmed or were never sent."),
    )
    reason = StringField(_l("Reason (the buyer reads it)"), validators=[Length(max=300)])
