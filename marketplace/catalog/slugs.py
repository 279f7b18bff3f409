"""Product web addresses: readable for Thai-only names, unique, stable, old ones redirect.

A product's slug comes from its English name when it has one ("black-sticky-rice"),
else from its Thai name with the Thai letters kept ("ข้าวเหนียวดำ-1-กก"). Thai
letters rather than a romanisation: the buyers read Thai; the romanisers that
work offline (PyThaiNLP's royin) turn "ข้าวเหนียวดำ" into "khaoheniyuadam",
which no one reads; browsers show the Thai letters in the address bar and
url_for percent-encodes them (UTF-8), so the address stays URL-safe. A slug
never goes into an HTTP header as it is (use RFC 5987 `filename*` for that).

The slug stays when the product is renamed: links, QR codes and shared posts
keep working. The one exception is a placeholder ("product", "product-3f9a1c", the old code's),
given before Thai names made a slug: the next save (or `flask catalog slugs`)
replaces it with a readable one. Every slug a product had is kept in
`product_slug`, and the product page answers an old one with a 301 to the
current address; an old slug is never given to another product.
"""

import re
import unicodedata

from sqlalchemy import select

from ..extensions import db
from ..models import Product
from ..models.catalog import ProductSlug

MAX_LENGTH = 80
# ASCII letters and digits, Thai letters, vowels, tone marks and digits (not ฯ or ๆ).
_KEEP = re.compile(r"[a-z0-9\u0e01-\u0e2e\u0e30-\u0e3a\u0e40-\u0e45\u0e47-\u0e4e\u0e50-\u0e59]+")
_PLACEHOLDER = re.compile(r"^product(-[0-9a-f]{6})?$")


def slug_text(text):
    """The slug form of a name: lower case, kept characters joined by single hyphens."""
    full = "-".join(_KEEP.findall(unicodedata.normalize("NFC", text or "").lower()))
    if len(full) <= MAX_LENGTH:
        return full
    cut = full[:MAX_LENGTH]
    # Never cut a Thai letter from its vowel or tone mark: back off to a whole letter.
    while cut and unicodedata.category(full[len(cut)]) == "Mn":
        cut = cut[:-1]
    return cut.rstrip("-")


def base_slug(name_th, name_en=""):
    """The slug a product with these names should have, before making it unique."""
    return slug_text(name_en) or slug_text(name_th) or "product"


def is_placeholder(slug):
    """True for the slugs given when no readable one could be made."""
    return bool(_PLACEHOLDER.fullmatch(slug or ""))


def _taken(slug, product_id=None):
    current = db.session.scalar(select(Product.id).where(Product.slug == slug))
    if current is not None and current != product_id:
        return True
    former = db.session.scalar(select(ProductSlug.product_id).where(ProductSlug.slug == slug))
    return former is not None and former != product_id


def unique_slug(name_th, name_en="", product_id=None):
    """A slug no other product has or had: the base, then base-2, base-3 …"""
    base = base_slug(name_th, name_en)
    slug, n = base, 1
    while _taken(slug, product_id):
        n += 1
        suffix = f"-{n}"
        slug = base[: MAX_LENGTH - len(suffix)].rstrip("-") + suffix
    return slug


def change_slug(product, new_slug):
    """Give the product a new slug, keeping the old one so that it redirects."""
    if new_slug == product.slug:
        return product
    old = product.slug
    if db.session.scalar(select(ProductSlug).where(ProductSlug.slug == old)) is None:
        db.session.add(ProductSlug(product=product, slug=old))
    # The new slug may be one this product had before: it is current again, not former.
    returning = db.session.scalar(
        select(ProductSlug).where(
            ProductSlug.slug == new_slug, ProductSlug.product_id == product.id
        )
    )
    if returning is not None:
        db.session.delete(returning)
    db.session.flush()
    product.slug = new_slug
    db.session.flush()
    return product


def replace_placeholder(product):
    """A readable slug for a product that still has a placeholder one; True if changed."""
    if not is_placeholder(product.slug):
        return False
    if is_placeholder(base_slug(product.name_th, product.name_en)):
        return False  # still nothing readable to make one from
    change_slug(product, unique_slug(product.name_th, product.name_en, product.id))
    return True


def replace_all_placeholders():
    """Readable slugs for every product that has a placeholder; returns how many changed."""
    changed = 0
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        if is_placeholder(product.slug) and replace_placeholder(product):
            changed += 1
    return changed


def current_slug(old_slug):
    """The current slug of the product that once had `old_slug`, or None."""
    return db.session.scalar(
        select(Product.slug)
        .join(ProductSlug, ProductSlug.product_id == Product.id)
        .where(ProductSlug.slug == old_slug)
    )
