"""Buyer forms: the cart buttons, the checkout, and the order page's actions.

The forms carry the CSRF token and bound the length of what they read; the
meaning of the values (a Thai phone number, a postal code that matches the
subdistrict, a quantity from 1 to 99) is checked by the orders domain, which
names the field an error belongs to.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    EmailField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Length

from ..admin.forms import fill_area_choices
from ..models import PaymentMethod

PAYMENT_LABELS = {
    PaymentMethod.STRIPE: _l("Card or PromptPay QR (online)"),
    PaymentMethod.TRANSFER: _l("Bank or PromptPay transfer, then upload the slip"),
    PaymentMethod.CASH_ON_PICKUP: _l("Cash when you pick up"),
}
SLIP_TYPES = "image/jpeg,image/png,image/webp"


class CartItemForm(FlaskForm):
    """Add, change or remove one variant of the cart (the values are checked by orders.cart)."""

    variant_id = HiddenField()
    quantity = StringField(_l("Quantity"), render_kw={"inputmode": "numeric", "size": 3})
    next = HiddenField()


class CheckoutForm(FlaskForm):
    """Contact, delivery address, payment method and a note.

    Each group's delivery (`delivery-<group id>`: ship or pickup) is read by the
    view, as the groups depend on the cart.
    """

    email = EmailField(
        _l("Email address"),
        validators=[Length(max=254)],
        description=_l("We send the order confirmation and its link here."),
        render_kw={"autocomplete": "email", "inputmode": "email", "spellcheck": "false"},
    )
    name = StringField(_l("Name"), validators=[Length(max=120)], render_kw={"autocomplete": "name"})
    phone = TelField(
        _l("Phone"),
        validators=[Length(max=20)],
        description=_l("A Thai number, e.g. 081 234 5678, for the carrier."),
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    address_line = StringField(
        _l("House number, village, road"),
        validators=[Length(max=300)],
        render_kw={"autocomplete": "address-line1"},
    )
    province_code = SelectField(_l("Province"), validate_choice=False)
    district_code = SelectField(_l("District"), validate_choice=False)
    subdistrict_code = SelectField(_l("Subdistrict"), validate_choice=False)
    postal_code = StringField(
        _l("Postal code"),
        validators=[Length(max=5)],
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 5},
    )
    update_areas = SubmitField(_l("Show districts and subdistricts"))
    payment_method = RadioField(_l("How you pay"), validate_choice=False)
    note = TextAreaField(
        _l("Note to the groups (optional)"), validators=[Length(max=500)], render_kw={"rows": 2}
    )
    update_quote = SubmitField(_l("Update the totals"))
    # One-time key, made when the form is first shown: posting it twice places one order.
    checkout_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_area_choices(self)

    def address(self):
        """The address fields as `orders.checkout.place_order` takes them."""
        return {
            "address_line": self.address_line.data or "",
            "province_code": self.province_code.data or "",
            "district_code": self.district_code.data or "",
            "subdistrict_code": self.subdistrict_code.data or "",
            "postal_code": (self.postal_code.data or "").strip(),
        }


class SlipForm(FlaskForm):
    """The photo of a transfer slip (the order page adds the guest's link token)."""

    slip = FileField(
        _l("Photo of the transfer slip"),
        description=_l("A JPEG, PNG or WebP picture or screenshot of the slip."),
        render_kw={"accept": SLIP_TYPES},
    )
