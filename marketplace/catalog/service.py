"""Catalog operations of a group's back office: products, variants, photos, lots, stock, claims.

Every function takes the group the request is for and plain values. Ids are
looked up *within that group*: an id of another group's row raises `NotFound`,
exactly like an id that does not exist, so nobody learns it exists. Bad input
raises `CatalogError` with a message for the person (nothing changed). Functions
`flush()`; the request commits once.
"""

import re
import secrets
from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts.audit import AuditAction, audit
from ..accounts.errors import AccountError
from ..accounts.groups import check_place
from ..accounts.service import clean_text, is_valid_email, normalize_email
from ..extensions import db
from ..i18n import bangkok_today, default_unit
from ..models import (
    Category,
    Claim,
    ClaimEvidence,
    ClaimKind,
    ClaimStatus,
    ContributionRole,
    Household,
    Lot,
    LotContribution,
    LotKind,
    Product,
    ProductImage,
    ProductStatus,
    StockAdjustment,
    StockReason,
    Variant,
)
from ..models.households import household_group
from ..storage import StorageError, upload_failed_message
from . import images, slugs
from .cache import lock_for_stock_change, stock_changed

MAX_ID = 2**31 - 1
MAX_PRICE_SATANG = 10_000_000_00  # ten million baht: beyond any village product
MAX_UNITS = 1_000_000
MAX_PHOTOS = 12
MAX_EVIDENCE_FILES = 5
PDF_CONTENT_TYPE = "application/pdf"
JPEG_CONTENT_TYPE = "image/jpeg"

PRICE_CHANGED = AuditAction.PRICE_CHANGED
STOCK_ADJUSTED = AuditAction.STOCK_ADJUSTED
PAYOUT_CHANGED = AuditAction.PAYOUT_CHANGED

_SKU = re.compile(r"^[A-Z0-9][A-Z0-9._-]{0,39}$")
_LOT_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,39}$")
_PRICE = re.compile(r"^[0-9]{1,3}(,[0-9]{3})*(\.[0-9]+)?$|^[0-9]+(\.[0-9]+)?$")


class CatalogError(Exception):
    """A request that cannot be carried out; nothing was changed.

    `message` is a translated string for the person, `field` the form field it
    belongs to (None: the whole form), `status` the HTTP status the form answers with.
    """

    status = 400

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


class StoreUnavailable(CatalogError):
    """The file store could not keep an upload (a bucket down): try again later (503)."""

    status = 503

    def __init__(self, field):
        super().__init__(upload_failed_message(), field)


class NotFound(LookupError):
    """No such row in this group (it may exist in another group: we do not say)."""


# -- small parsers -----------------------------------------------------------------


def parse_price(text):
    """Baht as typed ("1,250.50", "45") → integer satang, exactly; CatalogError otherwise."""
    raw = clean_text(text or "", 40).replace(" ", "").replace("฿", "")
    if not raw:
        raise CatalogError(_l("Enter the price in baht, e.g. 1,250.50."), field="price")
    if raw.startswith("-"):
        raise CatalogError(_l("The price must be more than zero."), field="price")
    if not _PRICE.fullmatch(raw):
        raise CatalogError(_l("Enter the price as a number of baht, e.g. 1,250.50."), field="price")
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation as error:
        raise CatalogError(
            _l("Enter the price as a number of baht, e.g. 1,250.50."), field="price"
        ) from error
    if value.as_tuple().exponent < -2:
        raise CatalogError(_l("A price has at most two decimals (satang)."), field="price")
    satang = int(value * 100)
    if satang <= 0:
        raise CatalogError(_l("The price must be more than zero."), field="price")
    if satang > MAX_PRICE_SATANG:
        raise CatalogError(_l("This price is too high."), field="price")
    return satang


def format_price(satang):
    """Integer satang as the price field shows it: 1,250.50 (no currency sign)."""
    baht, rest = divmod(int(satang), 100)
    return f"{baht:,}.{rest:02d}" if rest else f"{baht:,}"


def _whole(value, field, minimum=0, maximum=MAX_UNITS, message=None):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError) as error:
        raise CatalogError(message or _l("Enter a whole number."), field=field) from error
    if not minimum <= number <= maximum:
        raise CatalogError(
            message
            or gettext("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum),
            field=field,
        )
    return number


def _get(model, ident, *conditions):
    """One row by id under `conditions` (the group's), or NotFound."""
    try:
        ident = int(ident)
    except (TypeError, ValueError) as error:
        raise NotFound() from error
    if not 0 < ident <= MAX_ID:
        raise NotFound()
    row = db.session.scalar(select(model).where(model.id == ident, *conditions))
    if row is None:
        raise NotFound()
    return row


# -- lookups within a group -----------------------------------------------------------


def get_product(group, product_id):
    """The group's product with this id, or NotFound."""
    return _get(Product, product_id, Product.group_id == group.id)


def get_variant(group, variant_id):
    """The group's variant with this id, or NotFound."""
    return _get(
        Variant,
        variant_id,
        Variant.product_id.in_(select(Product.id).where(Product.group_id == group.id)),
    )


def get_lot(group, lot_id):
    """The group's lot with this id, or NotFound."""
    return _get(Lot, lot_id, Lot.variant_id.in_(_group_variant_ids(group)))


def get_image(group, image_id):
    """The group's product photo with this id, or NotFound."""
    return _get(
        ProductImage,
        image_id,
        ProductImage.product_id.in_(select(Product.id).where(Product.group_id == group.id)),
    )


def get_claim(group, claim_id):
    """A claim about the group, one of its products or one of its lots, or NotFound."""
    return _get(Claim, claim_id, _group_claim_condition(group))


def get_evidence(group, evidence_id):
    """An evidence file of one of the group's claims, or NotFound."""
    return _get(
        ClaimEvidence,
        evidence_id,
        ClaimEvidence.claim_id.in_(select(Claim.id).where(_group_claim_condition(group))),
    )


def _group_variant_ids(group):
    return select(Variant.id).join(Product).where(Product.group_id == group.id)


def _group_claim_condition(group):
    return (
        (Claim.group_id == group.id)
        | Claim.product_id.in_(select(Product.id).where(Product.group_id == group.id))
        | Claim.lot_id.in_(select(Lot.id).where(Lot.variant_id.in_(_group_variant_ids(group))))
    )


def group_products(group):
    """Every product of the group, drafts and archived ones included, newest first."""
    return db.session.scalars(
        select(Product)
        .where(Product.group_id == group.id)
        .order_by(Product.status, Product.created_at.desc(), Product.id.desc())
    ).all()


def group_variants(group):
    """The group's variants with their products, for choosing a lot's variant."""
    return db.session.scalars(
        select(Variant)
        .join(Product)
        .where(Product.group_id == group.id)
        .order_by(Product.name_th, Variant.position, Variant.id)
    ).all()


def group_lots(group):
    """The group's lots, newest first."""
    return db.session.scalars(
        select(Lot)
        .where(Lot.variant_id.in_(_group_variant_ids(group)))
        .order_by(Lot.produced_on.desc(), Lot.id.desc())
    ).all()


def group_claims(group):
    """Every claim about the group, its products or lots, newest first."""
    return db.session.scalars(
        select(Claim).where(_group_claim_condition(group)).order_by(Claim.created_at.desc())
    ).all()


def group_households(group):
    """The households that supply the group (erased ones left out), by code."""
    return db.session.scalars(
        select(Household)
        .join(household_group, household_group.c.household_id == Household.id)
        .where(household_group.c.group_id == group.id, Household.erased_at.is_(None))
        .order_by(Household.code)
    ).all()


def group_counts(group):
    """Counts for the group's home page."""

    def count(statement):
        return db.session.scalar(statement) or 0

    return {
        "products": count(select(func.count(Product.id)).where(Product.group_id == group.id)),
        "lots": count(
            select(func.count(Lot.id)).where(Lot.variant_id.in_(_group_variant_ids(group)))
        ),
        "claims": count(select(func.count(Claim.id)).where(_group_claim_condition(group))),
        "pending_claims": count(
            select(func.count(Claim.id)).where(
                _group_claim_condition(group), Claim.status == ClaimStatus.PENDING
            )
        ),
        "households": len(group_households(group)),
    }


def categories():
    """Every category, in shelf order."""
    return db.session.scalars(select(Category).order_by(Category.position, Category.id)).all()


# -- products --------------------------------------------------------------------------


def checked_product_values(fields):
    """A product form's fields, cleaned and checked; raises CatalogError (forms, CSV import)."""
    values = {
        "name_th": clean_text(fields.get("name_th"), 200),
        "name_en": clean_text(fields.get("name_en"), 200),
        "summary_th": clean_text(fields.get("summary_th"), 300),
        "summary_en": clean_text(fields.get("summary_en"), 300),
        "description_th": clean_text(fields.get("description_th"), 20_000),
        "description_en": clean_text(fields.get("description_en"), 20_000),
    }
    if not values["name_th"]:
        raise CatalogError(_l("Enter the product's name in Thai."), field="name_th")
    values["fda_number"] = parse_fda_number(fields.get("fda_number"))
    values["shelf_life_days"] = parse_shelf_life(fields.get("shelf_life_days"))
    status = fields.get("status") or ProductStatus.DRAFT
    if status not in ProductStatus.ALL:
        raise CatalogError(_l("Choose a status."), field="status")
    values["status"] = status
    category_id = fields.get("category_id")
    values["category_id"] = None
    if category_id not in (None, "", 0):
        try:
            values["category_id"] = _get(Category, category_id).id
        except NotFound as error:
            raise CatalogError(_l("Choose a category."), field="category_id") from error
    return values


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def parse_fda_number(text):
    """A Thai FDA registration number (เลข อย.) as typed → its 13 digits, or "" when blank.

    People copy it from the label as 12-3-45678-9-0123 or with spaces; only the
    digits are kept, and there must be exactly 13.
    """
    raw = clean_text(text or "", 40)
    if not raw:
        return ""
    digits = re.sub(r"[\s\-.]", "", raw.translate(_THAI_DIGITS))
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise CatalogError(
            _l("An FDA number (เลข อย.) has 13 digits, e.g. 12-1-23456-1-0001."),
            field="fda_number",
        )
    return digits


MAX_SHELF_LIFE_DAYS = 3650


def parse_shelf_life(text):
    """Shelf life in days as typed → an int from 1 to 3650, or None when blank."""
    raw = clean_text(str(text) if text is not None else "", 20).replace(",", "")
    if not raw:
        return None
    if not raw.isdigit() or not 0 < int(raw) <= MAX_SHELF_LIFE_DAYS:
        raise CatalogError(
            _l("Enter the shelf life as a whole number of days, from 1 to 3650."),
            field="shelf_life_days",
        )
    return int(raw)


def create_product(group, **fields):
    """A new product of the group (a draft unless told otherwise); its slug from its names."""
    values = checked_product_values(fields)
    slug = slugs.unique_slug(values["name_th"], values["name_en"])
    product = Product(group=group, slug=slug, **values)
    db.session.add(product)
    db.session.flush()
    return product


def update_product(group, product_id, **fields):
    """Change a product's names, texts, category or status; its web address stays
    (a placeholder address becomes a readable one, the old one redirecting)."""
    product = get_product(group, product_id)
    for key, value in checked_product_values(fields).items():
        setattr(product, key, value)
    db.session.flush()
    slugs.replace_placeholder(product)
    return product


def set_product_status(group, product_id, status):
    """Archive a product, or bring it back (as a draft, so nothing shows by surprise)."""
    if status not in ProductStatus.ALL:
        raise CatalogError(_l("Choose a status."))
    product = get_product(group, product_id)
    product.status = status
    db.session.flush()
    return product


# -- variants --------------------------------------------------------------------------


def checked_variant_values(fields):
    """A variant form's fields, cleaned and checked; raises CatalogError (forms, CSV import)."""
    sku = clean_text(fields.get("sku"), 100).upper()
    if not _SKU.fullmatch(sku):
        raise CatalogError(
            _l("A SKU has up to 40 letters, digits, dots, hyphens or underscores."), field="sku"
        )
    label_th = clean_text(fields.get("label_th"), 120)
    if not label_th:
        raise CatalogError(_l("Enter the size or weight in Thai, e.g. 1 กก."), field="label_th")
    return {
        "sku": sku,
        "label_th": label_th,
        "label_en": clean_text(fields.get("label_en"), 120),
        "price_satang": parse_price(fields.get("price")),
        "weight_grams": _whole(
            fields.get("weight_grams") or 0,
            "weight_grams",
            maximum=1_000_000,
            message=_l("Enter the weight in grams, a whole number from 0 to 1,000,000."),
        ),
        "is_active": bool(fields.get("is_active")),
    }


def _check_sku_free(sku, variant=None):
    query = select(Variant.id).where(Variant.sku == sku)
    if variant is not None:
        query = query.where(Variant.id != variant.id)
    if db.session.scalar(query) is not None:
        raise CatalogError(
            gettext("The SKU %(sku)s is already used; choose another.", sku=sku), field="sku"
        )


def _save_variant(variant, values):
    _check_sku_free(values["sku"], variant if variant.id else None)
    try:
        with db.session.begin_nested():
            for key, value in values.items():
                setattr(variant, key, value)
            db.session.add(variant)
    except IntegrityError as error:
        raise CatalogError(
            gettext("The SKU %(sku)s is already used; choose another.", sku=values["sku"]),
            field="sku",
        ) from error


def create_variant(group, product_id, **fields):
    """A new size/price of one of the group's products."""
    product = get_product(group, product_id)
    values = checked_variant_values(fields)
    position = len(product.variants)
    # By id, not relationship: the row joins the session only inside the savepoint.
    variant = Variant(product_id=product.id, position=position)
    _save_variant(variant, values)
    db.session.expire(product, ["variants"])
    audit(PRICE_CHANGED, variant, sku=variant.sku, old=None, new=variant.price_satang)
    return variant


def update_variant(group, variant_id, **fields):
    """Change a variant's label, SKU, price, weight or active flag; price changes are audited."""
    variant = get_variant(group, variant_id)
    values = checked_variant_values(fields)
    old_price = variant.price_satang
    try:
        _save_variant(variant, values)
    except CatalogError:
        db.session.refresh(variant)
        raise
    if old_price != variant.price_satang:
        audit(PRICE_CHANGED, variant, sku=variant.sku, old=old_price, new=variant.price_satang)
    return variant


# -- photos ----------------------------------------------------------------------------

IMAGE_MESSAGES = {
    "format": _l("This file is not a photo we can use. Send a JPEG, PNG or WebP picture."),
    "too_many_pixels": _l("This picture has too many pixels. Send a smaller picture."),
}


def add_photo(group, product_id, data, alt_th="", alt_en=""):
    """Validate an uploaded photo, strip its metadata and add it to the product."""
    product = get_product(group, product_id)
    if len(product.images) >= MAX_PHOTOS:
        raise CatalogError(
            gettext("A product can have at most %(n)d photos.", n=MAX_PHOTOS), field="photo"
        )
    if not data:
        raise CatalogError(_l("Choose a photo to upload."), field="photo")
    try:
        return images.add_product_image(
            product, data, alt_th=clean_text(alt_th, 300), alt_en=clean_text(alt_en, 300)
        )
    except images.ImageRejected as error:
        message = IMAGE_MESSAGES.get(error.reason, IMAGE_MESSAGES["format"])
        raise CatalogError(message, "photo") from error
    except StorageError as error:
        raise StoreUnavailable("photo") from error


def _renumber(photos):
    for position, photo in enumerate(photos):
        photo.position = position


def move_photo(group, image_id, direction):
    """Move a photo one place up (-1) or down (+1); the first photo is the cover."""
    image = get_image(group, image_id)
    photos = list(image.product.images)
    index = photos.index(image)
    target = index + (-1 if direction < 0 else 1)
    if 0 <= target < len(photos):
        photos[index], photos[target] = photos[target], photos[index]
    _renumber(photos)
    db.session.flush()
    return image


def delete_photo(group, image_id):
    """Delete a photo and (when the request commits) its stored files."""
    image = get_image(group, image_id)
    product = image.product
    images.delete_product_image(image)
    db.session.expire(product, ["images"])
    _renumber(product.images)
    db.session.flush()
    return product


# -- lots and stock -----------------------------------------------------------------------


def _group_prefix(group):
    parts = [p for p in group.slug.upper().split("-") if p]
    prefix = "".join(p[0] for p in parts) if len(parts) > 1 else (parts[0][:4] if parts else "G")
    return re.sub(r"[^A-Z0-9]", "", prefix)[:6] or "G"


def next_lot_code(group, variant, produced_on):
    """A new code like HP-BSR1KG-2512-01: group, SKU, year and month, a running number."""
    sku = re.sub(r"[^A-Z0-9]", "", variant.sku.upper())[:16] or "X"
    prefix = f"{_group_prefix(group)}-{sku}-{produced_on:%y%m}-"
    taken = set(db.session.scalars(select(Lot.code).where(Lot.code.like(prefix + "%"))))
    number = len(taken) + 1
    while f"{prefix}{number:02d}" in taken:
        number += 1
    return f"{prefix}{number:02d}"


def _place(group, fields):
    """The lot's place: as entered (checked), or the group's when no province is given."""
    province = clean_text(fields.get("province_code"), 2)
    village = clean_text(fields.get("village"), 120)
    moo = fields.get("moo")
    if moo not in (None, ""):
        moo = _whole(moo, "moo", 1, 99, _l("Moo is a number from 1 to 99."))
    else:
        moo = None
    if not province:
        return {
            "village": village or group.village,
            "moo": moo if moo is not None else group.moo,
            "province_code": group.province_code,
            "district_code": group.district_code,
            "subdistrict_code": group.subdistrict_code,
        }
    district = clean_text(fields.get("district_code"), 4)
    subdistrict = clean_text(fields.get("subdistrict_code"), 6)
    try:
        check_place(province, district, subdistrict)
    except AccountError as error:
        raise CatalogError(error.message, field=error.field) from error
    return {
        "village": village,
        "moo": moo,
        "province_code": province,
        "district_code": district,
        "subdistrict_code": subdistrict,
    }


def _contributions(group, rows):
    """(household, role, quantity, unit) tuples from form rows; blank rows are skipped."""
    allowed = {h.id: h for h in group_households(group)}
    result, seen = [], set()
    for row in rows:
        household_id = row.get("household_id")
        if household_id in (None, "", 0, "0"):
            continue
        try:
            household = allowed.get(int(household_id))
        except (TypeError, ValueError):
            household = None
        if household is None:
            raise CatalogError(_l("Choose a household of this group."), field="contributions")
        role = row.get("role")
        if role not in ContributionRole.ALL:
            raise CatalogError(_l("Choose what the household did."), field="contributions")
        quantity = _whole(
            row.get("quantity"),
            "contributions",
            1,
            MAX_UNITS,
            _l("Enter how much each household supplied, a whole number above zero."),
        )
        unit = clean_text(row.get("unit"), 16) or default_unit()
        if (household.id, role) in seen:
            raise CatalogError(
                _l("A household appears twice in the same role."), field="contributions"
            )
        seen.add((household.id, role))
        result.append((household, role, quantity, unit))
    return result


def create_lot(group, variant_id, contributions=(), **fields):
    """Record a harvest or production batch of one of the group's variants."""
    try:
        variant = get_variant(group, variant_id)
    except NotFound as error:
        raise CatalogError(_l("Choose a product size."), field="variant_id") from error
    kind = fields.get("kind")
    if kind not in LotKind.ALL:
        raise CatalogError(_l("Choose harvest or production."), field="kind")
    produced_on = fields.get("produced_on")
    if not isinstance(produced_on, date) or not date(2000, 1, 1) <= produced_on <= bangkok_today():
        raise CatalogError(
            _l("Enter the date of the harvest or production (not in the future)."),
            field="produced_on",
        )
    quantity = _whole(
        fields.get("quantity"),
        "quantity",
        1,
        MAX_UNITS,
        _l("Enter the number of units, a whole number from 1 to 1,000,000."),
    )
    place = _place(group, fields)
    rows = _contributions(group, contributions)
    code = clean_text(fields.get("code"), 60).upper()
    if code:
        if not _LOT_CODE.fullmatch(code):
            raise CatalogError(
                _l("A lot code has 2 to 40 letters, digits or hyphens."), field="code"
            )
        if db.session.scalar(select(Lot.id).where(Lot.code == code)) is not None:
            raise CatalogError(_l("This lot code is already used."), field="code")
    else:
        code = next_lot_code(group, variant, produced_on)
    lot = Lot(
        variant_id=variant.id,
        code=code,
        kind=kind,
        produced_on=produced_on,
        quantity=quantity,
        available=quantity,
        notes_th=clean_text(fields.get("notes_th"), 5000),
        notes_en=clean_text(fields.get("notes_en"), 5000),
        **place,
    )
    try:
        with db.session.begin_nested():
            db.session.add(lot)
            for household, role, amount, unit in rows:
                lot.contributions.append(
                    LotContribution(household=household, role=role, quantity=amount, unit=unit)
                )
    except IntegrityError as error:
        raise CatalogError(_l("This lot code is already used."), field="code") from error
    audit(STOCK_ADJUSTED, lot, code=lot.code, delta=quantity, reason="new_lot")
    return lot


def adjust_stock(group, lot_id, delta, reason, note="", user=None):
    """Add or take units from a lot's stock, recorded with a reason; never below zero.

    The change is one conditional UPDATE (`available + delta >= 0`), so two
    adjustments (or a checkout) at the same moment cannot both take the last units.
    """
    lot = get_lot(group, lot_id)
    delta = _whole(
        delta,
        "delta",
        -MAX_UNITS,
        MAX_UNITS,
        _l("Enter the change in units, e.g. -3 or 5."),
    )
    if delta == 0:
        raise CatalogError(_l("Enter a change other than zero."), field="delta")
    if reason not in StockReason.ALL:
        raise CatalogError(_l("Choose a reason."), field="reason")
    note = clean_text(note, 300)
    if reason == StockReason.OTHER and not note:
        raise CatalogError(_l("Say what happened in the note."), field="note")
    # The stock lock before the lot's row, as every stock change (orders/stock.py).
    lock_for_stock_change(db.session.connection())
    result = db.session.execute(
        update(Lot)
        .where(Lot.id == lot.id, Lot.available + delta >= 0)
        .values(available=Lot.available + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.expire(lot, ["available"])
        raise CatalogError(
            gettext(
                "Only %(n)d units are available; the stock cannot go below zero.",
                n=lot.available,
            ),
            field="delta",
        )
    stock_changed(db.session.connection(), lot.variant_id, delta)
    db.session.expire(lot, ["available"])
    adjustment = StockAdjustment(
        lot_id=lot.id, delta=delta, reason=reason, note=note, user_id=getattr(user, "id", None)
    )
    db.session.add(adjustment)
    db.session.flush()
    audit(STOCK_ADJUSTED, lot, code=lot.code, delta=delta, reason=reason)
    return adjustment


def stock_history(lot):
    """The hand-made stock changes of a lot, newest first."""
    return db.session.scalars(
        select(StockAdjustment)
        .where(StockAdjustment.lot_id == lot.id)
        .order_by(StockAdjustment.at.desc(), StockAdjustment.id.desc())
    ).all()


# -- claims and evidence -----------------------------------------------------------------


def _evidence_bytes(data):
    """(content type, bytes to store) for an evidence upload, or CatalogError."""
    if data.startswith(b"%PDF-"):
        return PDF_CONTENT_TYPE, data
    try:
        return JPEG_CONTENT_TYPE, images.clean_jpeg(data)
    except images.ImageRejected as error:
        if error.reason == "too_many_pixels":
            raise CatalogError(IMAGE_MESSAGES["too_many_pixels"], field="evidence") from error
        raise CatalogError(
            _l("Evidence must be a PDF or a JPEG, PNG or WebP picture."), field="evidence"
        ) from error


def add_evidence(claim, filename, data, description=""):
    """Store an evidence file (PDF as is, pictures re-encoded without metadata) for a claim."""
    if not data:
        raise CatalogError(_l("Choose a file."), field="evidence")
    if len(claim.evidence) >= MAX_EVIDENCE_FILES:
        raise CatalogError(
            gettext("A claim can have at most %(n)d files.", n=MAX_EVIDENCE_FILES),
            field="evidence",
        )
    content_type, stored = _evidence_bytes(data)
    key = secrets.token_hex(16)
    try:
        images.save_bytes(f"evidence/{key}", stored)
    except StorageError as error:
        raise StoreUnavailable("evidence") from error
    evidence = ClaimEvidence(
        claim=claim,
        key=key,
        original_name=clean_text(filename, 200).replace("/", "_").replace("\\", "_"),
        content_type=content_type,
        size_bytes=len(stored),
        description=clean_text(description, 300),
    )
    db.session.add(evidence)
    db.session.flush()
    return evidence


def claim_subject_choices(group):
    """('group', 0), ('product', id), ('lot', id) subjects this group may make claims about."""
    return (
        [("group", 0, None)]
        + [("product", p.id, p) for p in group_products(group)]
        + [("lot", lot.id, lot) for lot in group_lots(group)]
    )


def create_claim(group, subject, files=(), submit_for_review=True, **fields):
    """A new claim about the group, a product or a lot, with evidence files.

    `subject` is "group", "product:<id>" or "lot:<id>". The claim is pending
    (awaiting an officer) when submitted for review, otherwise self-declared.
    """
    kind = fields.get("kind")
    if kind not in ClaimKind.ALL:
        raise CatalogError(_l("Choose what the claim says."), field="kind")
    target, _, ident = (subject or "").partition(":")
    values = {}
    try:
        if target == "group":
            values["group_id"] = group.id
        elif target == "product":
            values["product_id"] = get_product(group, ident).id
        elif target == "lot":
            values["lot_id"] = get_lot(group, ident).id
        else:
            raise NotFound()
    except NotFound as error:
        raise CatalogError(_l("Choose what the claim is about."), field="subject") from error
    valid_from, valid_until = fields.get("valid_from"), fields.get("valid_until")
    if valid_from and valid_until and valid_from > valid_until:
        raise CatalogError(_l("The end date must not be before the start date."), "valid_until")
    claim = Claim(
        kind=kind,
        certificate_no=clean_text(fields.get("certificate_no"), 80),
        issuer=clean_text(fields.get("issuer"), 200),
        valid_from=valid_from,
        valid_until=valid_until,
        details_th=clean_text(fields.get("details_th"), 5000),
        details_en=clean_text(fields.get("details_en"), 5000),
        status=ClaimStatus.PENDING if submit_for_review else ClaimStatus.SELF_DECLARED,
        **values,
    )
    db.session.add(claim)
    db.session.flush()
    for filename, data in files:
        if data:
            add_evidence(claim, filename, data)
    return claim


def add_claim_evidence(group, claim_id, filename, data, description=""):
    """Add a file to one of the group's claims that no officer has decided yet."""
    claim = get_claim(group, claim_id)
    if claim.status not in (ClaimStatus.PENDING, ClaimStatus.SELF_DECLARED):
        raise CatalogError(_l("This claim has been decided; start a new claim instead."))
    return add_evidence(claim, filename, data, description)


def withdraw_claim(group, claim_id):
    """Delete a pending claim no officer has decided yet, with its files."""
    claim = get_claim(group, claim_id)
    if claim.status != ClaimStatus.PENDING or claim.verified_at is not None:
        raise CatalogError(_l("Only a claim still awaiting review can be withdrawn."))
    for evidence in claim.evidence:
        images.delete_stored_file(f"evidence/{evidence.key}")
    db.session.delete(claim)
    db.session.flush()


# -- the group's profile ---------------------------------------------------------------

PAYOUT_FIELDS = ("payout_bank", "payout_account_name", "payout_account_no", "promptpay_id")


def _promptpay_id(text):
    """A PromptPay id as stored (digits), or CatalogError saying what is wrong with it."""
    from ..orders import promptpay

    try:
        return promptpay.check_id(text)
    except promptpay.PromptPayIdError as error:
        if error.reason == "checksum":
            raise CatalogError(
                _l(
                    "This 13-digit ID does not check out: its last digit is wrong. "
                    "Please type it again."
                ),
                "promptpay_id",
            ) from error
        raise CatalogError(
            _l(
                "A PromptPay ID is a 10-digit mobile number (06, 08 or 09…), "
                "a 13-digit national or tax ID, or a 15-digit e-wallet ID."
            ),
            "promptpay_id",
        ) from error


def update_group_profile(group, **fields):
    """The leader's part of the group: story, place, contact and payout details."""
    values = {
        "story_th": clean_text(fields.get("story_th"), 20_000),
        "story_en": clean_text(fields.get("story_en"), 20_000),
        "phone": clean_text(fields.get("phone"), 20),
        "line_id": clean_text(fields.get("line_id"), 60),
        "payout_bank": clean_text(fields.get("payout_bank"), 80),
        "payout_account_name": clean_text(fields.get("payout_account_name"), 120),
        "payout_account_no": re.sub(r"[\s-]", "", clean_text(fields.get("payout_account_no"), 60)),
        "promptpay_id": re.sub(r"[\s-]", "", clean_text(fields.get("promptpay_id"), 60)),
        "village": clean_text(fields.get("village"), 120),
    }
    if values["payout_account_no"] and not re.fullmatch(
        r"[0-9]{6,20}", values["payout_account_no"]
    ):
        raise CatalogError(_l("An account number has 6 to 20 digits."), "payout_account_no")
    if values["promptpay_id"]:
        values["promptpay_id"] = _promptpay_id(values["promptpay_id"])
    email = normalize_email(clean_text(fields.get("email"), 254))
    if email and not is_valid_email(email):
        raise CatalogError(_l("Enter a valid email address."), "email")
    values["email"] = email
    moo = fields.get("moo")
    values["moo"] = (
        _whole(moo, "moo", 1, 99, _l("Moo is a number from 1 to 99."))
        if moo not in (None, "")
        else None
    )
    province = clean_text(fields.get("province_code"), 2)
    district = clean_text(fields.get("district_code"), 4)
    subdistrict = clean_text(fields.get("subdistrict_code"), 6)
    try:
        values["postal_code"] = check_place(province, district, subdistrict)
    except AccountError as error:
        raise CatalogError(error.message, field=error.field) from error
    values.update(province_code=province, district_code=district, subdistrict_code=subdistrict)
    changed = sorted(key for key, value in values.items() if getattr(group, key) != value)
    for key in changed:
        setattr(group, key, values[key])
    db.session.flush()
    if changed:
        audit(AuditAction.GROUP_UPDATED, group, fields=changed)
    payout = [key for key in changed if key in PAYOUT_FIELDS]
    if payout:
        audit(PAYOUT_CHANGED, group, fields=payout)
    return group
