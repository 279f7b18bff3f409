"""Forms of the group back office; every one carries a CSRF token (Flask-WTF).

Fields stay plain strings where the domain parses them (prices, quantities),
so one set of rules and messages lives in `catalog.service`.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, DateRange, Length, Optional

from ..admin.forms import fill_area_choices
from ..catalog.labels import CLAIM_KINDS, LOT_KINDS
from ..i18n import default_unit
from ..models import ContributionRole, ProductStatus, StockReason

REQUIRED = _l("This field is required.")
SENSIBLE_DATE = DateRange(
    min=date(2000, 1, 1),
    max=date(2100, 12, 31),
    message=_l("Choose a date between 2000 and 2100."),
)
PHOTO_TYPES = "image/jpeg,image/png,image/webp"
EVIDENCE_TYPES = "application/pdf,image/jpeg,image/png,image/webp"

PRODUCT_STATUSES = {
    ProductStatus.DRAFT: _l("Draft (not shown)"),
    ProductStatus.ACTIVE: _l("On sale"),
    ProductStatus.ARCHIVED: _l("Archived"),
}
STOCK_REASONS = {
    StockReason.DAMAGED: _l("Damaged or spoiled"),
    StockReason.COUNT_CORRECTION: _l("Count correction"),
    StockReason.RETURNED: _l("Returned"),
    StockReason.OTHER: _l("Other (say in the note)"),
}
ROLE_NAMES = {
    ContributionRole.GROWER: _l("Grower"),
    ContributionRole.WEAVER: _l("Weaver"),
    ContributionRole.PROCESSOR: _l("Processor"),
    ContributionRole.DYER: _l("Dyer"),
    ContributionRole.PACKER: _l("Packer"),
}


def _choices(mapping):
    return [SelectChoice(code, label) for code, label in mapping.items()]


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (archive, delete, withdraw)."""


class MoveForm(FlaskForm):
    """Move a photo up or down."""

    direction = HiddenField(validators=[AnyOf(["up", "down"])])


class ProductForm(FlaskForm):
    """A product's names, texts, category and status."""

    name_th = StringField(_l("Name in Thai"), validators=[DataRequired(REQUIRED), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[Length(max=200)])
    summary_th = StringField(_l("Short summary in Thai"), validators=[Length(max=300)])
    summary_en = StringField(_l("Short summary in English"), validators=[Length(max=300)])
    description_th = TextAreaField(_l("Description in Thai"), validators=[Length(max=20_000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Length(max=20_000)])
    category_id = SelectField(_l("Category"), validate_choice=False)
    fda_number = StringField(
        _l("FDA number (เลข อย.)"),
        validators=[Length(max=40)],
        description=_l("13 digits, for food that has one; printed on the lot labels."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    shelf_life_days = StringField(
        _l("Shelf life in days"),
        validators=[Length(max=20)],
        description=_l(
            "Days from harvest or production to best-before; leave empty for goods that keep."
        ),
        render_kw={"inputmode": "numeric"},
    )
    status = SelectField(_l("Status"), validate_choice=False, default=ProductStatus.DRAFT)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category_id.choices = [SelectChoice("", _l("No category"))] + [
            SelectChoice(str(c.id), c.name_th + (f" / {c.name_en}" if c.name_en else ""))
            for c in categories
        ]
        self.status.choices = _choices(PRODUCT_STATUSES)

    def values(self):
        """The fields as the service takes them."""
        return {
            name: self[name].data or ""
            for name in (
                "name_th",
                "name_en",
                "summary_th",
                "summary_en",
                "description_th",
                "description_en",
                "category_id",
                "fda_number",
                "shelf_life_days",
                "status",
            )
        }


class VariantForm(FlaskForm):
    """A size or weight of a product, with its SKU and price in baht."""

    label_th = StringField(
        _l("Size or weight in Thai"), validators=[DataRequired(REQUIRED), Length(max=120)]
    )
    label_en = StringField(_l("Size or weight in English"), validators=[Length(max=120)])
    sku = StringField(
        _l("SKU (stock code)"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("Letters, digits and hyphens, unique on the marketplace: BSR-1KG"),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    price = StringField(
        _l("Price in baht"),
        validators=[DataRequired(REQUIRED), Length(max=40)],
        description=_l("For example 1,250.50"),
        render_kw={"inputmode": "decimal"},
    )
    weight_grams = StringField(
        _l("Weight in grams (for shipping)"),
        validators=[Length(max=20)],
        render_kw={"inputmode": "numeric"},
    )
    is_active = BooleanField(_l("Offered for sale"), default=True)

    def values(self):
        """The fields as the service takes them."""
        return {
            "label_th": self.label_th.data or "",
            "label_en": self.label_en.data or "",
            "sku": self.sku.data or "",
            "price": self.price.data or "",
            "weight_grams": self.weight_grams.data or "0",
            "is_active": bool(self.is_active.data),
        }


class PhotoForm(FlaskForm):
    """One photo, straight from the phone's camera or gallery."""

    photo = FileField(
        _l("Photo"),
        description=_l("A JPEG, PNG or WebP picture."),
        render_kw={"accept": PHOTO_TYPES},
    )
    alt_th = StringField(_l("What the photo shows, in Thai"), validators=[Length(max=300)])
    alt_en = StringField(_l("What the photo shows, in English"), validators=[Length(max=300)])


class ContributionRowForm(Form):
    """One household's part in a lot (a row of the lot form; the lot form holds the token)."""

    household_id = SelectField(_l("Household"), validate_choice=False)
    role = SelectField(_l("Role"), validate_choice=False)
    quantity = StringField(
        _l("Quantity"), validators=[Length(max=20)], render_kw={"inputmode": "numeric"}
    )
    # Called when the form is built, so a Thai page starts at กก. and an English one at kg.
    unit = StringField(_l("Unit"), validators=[Length(max=16)], default=default_unit)


class LotForm(FlaskForm):
    """A harvest or production batch, with the households that made it."""

    variant_id = SelectField(_l("Product and size"), validate_choice=False)
    kind = SelectField(_l("Kind"), validate_choice=False)
    produced_on = DateField(
        _l("Date of harvest or production"),
        validators=[DataRequired(_l("Enter a date.")), SENSIBLE_DATE],
    )
    quantity = StringField(
        _l("Units"),
        validators=[DataRequired(REQUIRED), Length(max=20)],
        description=_l("How many units of this size the lot has for sale."),
        render_kw={"inputmode": "numeric"},
    )
    code = StringField(
        _l("Lot code"),
        validators=[Length(max=40)],
        description=_l("Leave empty to get one like HP-BSR1KG-2512-01."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )
    village = StringField(_l("Village"), validators=[Length(max=120)])
    moo = StringField(
        _l("Moo (village number)"), validators=[Length(max=2)], render_kw={"inputmode": "numeric"}
    )
    province_code = SelectField(_l("Province"), validate_choice=False)
    district_code = SelectField(_l("District"), validate_choice=False)
    subdistrict_code = SelectField(_l("Subdistrict"), validate_choice=False)
    update_areas = SubmitField(_l("Show districts and subdistricts"))
    notes_th = TextAreaField(_l("Notes in Thai"), validators=[Length(max=5000)])
    notes_en = TextAreaField(_l("Notes in English"), validators=[Length(max=5000)])
    contributions = FieldList(FormField(ContributionRowForm), min_entries=5, max_entries=20)

    def __init__(self, *args, variants=(), households=(), show_names=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.variant_id.choices = [SelectChoice("", _l("Choose a product and size"))] + [
            SelectChoice(str(v.id), f"{v.product.name_th} · {v.label_th} ({v.sku})")
            for v in variants
        ]
        self.kind.choices = _choices(LOT_KINDS)
        fill_area_choices(self)
        household_choices = [SelectChoice("", _l("No household"))]
        for household in households:
            label = household.code
            if (
                show_names
                and household.erased_at is None
                and household.personal is not None
                and household.personal.head_name
            ):
                label = f"{household.code} · {household.personal.head_name}"
            household_choices.append(SelectChoice(str(household.id), label))
        for row in self.contributions:
            row.household_id.choices = household_choices
            row.role.choices = _choices(ROLE_NAMES)

    def values(self):
        """The fields as the service takes them."""
        return {
            "variant_id": self.variant_id.data,
            "kind": self.kind.data,
            "produced_on": self.produced_on.data,
            "quantity": self.quantity.data or "",
            "code": self.code.data or "",
            "village": self.village.data or "",
            "moo": self.moo.data or "",
            "province_code": self.province_code.data or "",
            "district_code": self.district_code.data or "",
            "subdistrict_code": self.subdistrict_code.data or "",
            "notes_th": self.notes_th.data or "",
            "notes_en": self.notes_en.data or "",
            "contributions": [row.data for row in self.contributions],
        }


class StockForm(FlaskForm):
    """Add or take units from a lot, with the reason."""

    delta = StringField(
        _l("Change in units"),
        validators=[DataRequired(REQUIRED), Length(max=12)],
        description=_l("Negative to take units away, e.g. -3; positive to add, e.g. 5."),
        render_kw={"inputmode": "text"},
    )
    reason = SelectField(_l("Reason"), validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=300)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.choices = _choices(STOCK_REASONS)


class ClaimForm(FlaskForm):
    """A claim about the group, a product or a lot, with its evidence."""

    subject = SelectField(_l("About"), validate_choice=False)
    kind = SelectField(_l("Claim"), validate_choice=False)
    certificate_no = StringField(_l("Certificate number"), validators=[Length(max=80)])
    issuer = StringField(_l("Issued by"), validators=[Length(max=200)])
    valid_from = DateField(_l("Valid from"), validators=[Optional(), SENSIBLE_DATE])
    valid_until = DateField(_l("Valid until"), validators=[Optional(), SENSIBLE_DATE])
    details_th = TextAreaField(_l("Details in Thai"), validators=[Length(max=5000)])
    details_en = TextAreaField(_l("Details in English"), validators=[Length(max=5000)])
    evidence = MultipleFileField(
        _l("Evidence files"),
        description=_l("Certificates, lab reports or photos: PDF, JPEG, PNG or WebP."),
        render_kw={"accept": EVIDENCE_TYPES},
    )
    review = SelectField(
        _l("Review"),
        choices=[
            SelectChoice("pending", _l("Ask an officer to verify it")),
            SelectChoice("self_declared", _l("Publish it as our own statement (not verified)")),
        ],
        default="pending",
        validate_choice=False,
    )

    def __init__(self, *args, subjects=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _choices(CLAIM_KINDS)
        choices = []
        for target, ident, row in subjects:
            if target == "group":
                choices.append(SelectChoice("group", _l("The whole group")))
            elif target == "product":
                choices.append(SelectChoice(f"product:{ident}", row.name_th))
            else:
                choices.append(SelectChoice(f"lot:{ident}", row.code))
        self.subject.choices = choices

    def values(self):
        """The fields as the service takes them (files separately)."""
        return {
            "subject": self.subject.data or "",
            "kind": self.kind.data or "",
            "certificate_no": self.certificate_no.data or "",
            "issuer": self.issuer.data or "",
            "valid_from": self.valid_from.data,
            "valid_until": self.valid_until.data,
            "details_th": self.details_th.data or "",
            "details_en": self.details_en.data or "",
            "submit_for_review": self.review.data != "self_declared",
        }


class EvidenceForm(FlaskForm):
    """One more evidence file for a claim awaiting review."""

    evidence = FileField(
        _l("Evidence file"),
        description=_l("PDF, JPEG, PNG or WebP."),
        render_kw={"accept": EVIDENCE_TYPES},
    )
    description = StringField(_l("What it is"), validators=[Length(max=300)])


class ProfileForm(FlaskForm):
    """The leader's part of the group: story, place, contact and payout details."""

    story_th = TextAreaField(_l("Our story in Thai"), validators=[Length(max=20_000)])
    story_en = TextAreaField(_l("Our story in English"), validators=[Length(max=20_000)])
    village = StringField(_l("Village"), validators=[Length(max=120)])
    moo = StringField(
        _l("Moo (village number)"), validators=[Length(max=2)], render_kw={"inputmode": "numeric"}
    )
    province_code = SelectField(_l("Province"), validate_choice=False)
    district_code = SelectField(_l("District"), validate_choice=False)
    subdistrict_code = SelectField(_l("Subdistrict"), validate_choice=False)
    update_areas = SubmitField(_l("Show districts and subdistricts"))
    phone = StringField(_l("Phone"), validators=[Length(max=20)], render_kw={"inputmode": "tel"})
    email = StringField(
        _l("Email address"), validators=[Length(max=254)], render_kw={"inputmode": "email"}
    )
    line_id = StringField(_l("LINE ID"), validators=[Length(max=60)])
    # What the public group page shows (catalog.group_contact): each off until ticked.
    show_phone = BooleanField(_l("Show the phone number on our public page"))
    show_email = BooleanField(_l("Show the email address on our public page"))
    show_line_id = BooleanField(_l("Show the LINE ID on our public page"))
    latitude = StringField(
        _l("Latitude of the village"),
        validators=[Length(max=20)],
        description=_l("From a map app: press and hold on the village, copy the first number."),
        render_kw={"inputmode": "decimal"},
    )
    longitude = StringField(
        _l("Longitude of the village"),
        validators=[Length(max=20)],
        description=_l("The second number."),
        render_kw={"inputmode": "decimal"},
    )
    show_map = BooleanField(_l("Show a map link to the village on our public page"))
    payout_bank = StringField(_l("Bank"), validators=[Length(max=80)])
    payout_account_name = StringField(_l("Account name"), validators=[Length(max=120)])
    payout_account_no = StringField(
        _l("Account number"), validators=[Length(max=30)], render_kw={"inputmode": "numeric"}
    )
    promptpay_id = StringField(
        _l("PromptPay ID"), validators=[Length(max=20)], render_kw={"inputmode": "numeric"}
    )

    # Shipping and pickup (orders.fulfilment.update_shipping). The hidden marker says the
    # form carried this fieldset: a post without it leaves the settings as they are.
    shipping_section = HiddenField(default="1")
    ships = BooleanField(_l("We ship orders"))
    shipping_flat = StringField(
        _l("Shipping fee per parcel, in baht"),
        validators=[Length(max=40)],
        description=_l("Charged once per order from your group, e.g. 50."),
        render_kw={"inputmode": "decimal"},
    )
    shipping_per_kg = StringField(
        _l("Shipping per kilogram, in baht"),
        validators=[Length(max=40)],
        description=_l("Added for every started kilogram, e.g. 20; 0 for none."),
        render_kw={"inputmode": "decimal"},
    )
    offers_pickup = BooleanField(_l("Buyers may pick up orders at the group"))
    pickup_note_th = TextAreaField(
        _l("Where and when to pick up, in Thai"), validators=[Length(max=300)]
    )
    pickup_note_en = TextAreaField(
        _l("Where and when to pick up, in English"), validators=[Length(max=300)]
    )

    FIELDS = (
        "story_th",
        "story_en",
        "village",
        "moo",
        "province_code",
        "district_code",
        "subdistrict_code",
        "phone",
        "email",
        "line_id",
        "payout_bank",
        "payout_account_name",
        "payout_account_no",
        "promptpay_id",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fill_area_choices(self)

    def values(self):
        """The fields as the service takes them."""
        return {name: self[name].data or "" for name in self.FIELDS}

    def public_contact_values(self):
        """The public-contact choices, as `group_contact.update_public_contact` takes them."""
        return {
            "show_phone": bool(self.show_phone.data),
            "show_email": bool(self.show_email.data),
            "show_line_id": bool(self.show_line_id.data),
            "show_map": bool(self.show_map.data),
            "latitude": self.latitude.data or "",
            "longitude": self.longitude.data or "",
        }

    def shipping_values(self):
        """The shipping fields as `orders.fulfilment.update_shipping` takes them, or None."""
        if (self.shipping_section.raw_data or [""])[0] != "1":
            return None
        return {
            "ships": bool(self.ships.data),
            "shipping_flat": self.shipping_flat.data or "",
            "shipping_per_kg": self.shipping_per_kg.data or "",
            "offers_pickup": bool(self.offers_pickup.data),
            "pickup_note_th": self.pickup_note_th.data or "",
            "pickup_note_en": self.pickup_note_en.data or "",
        }
