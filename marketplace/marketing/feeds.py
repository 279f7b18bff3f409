"""Product feeds for the catalogues that sell for the groups: Google Merchant Center and Meta.

One item per size (variant), not per product: Google and Meta both want each
purchasable variant as its own item, tied to its siblings by `item_group_id`,
because each size has its own price and stock. Only what a buyer can order
today is listed: active sizes with units left, of products on sale, of active
groups. A product without a photo is left out (both catalogues reject items
without `image_link`); `feed_gaps` lists them for the office.

Both feeds are generators that read the catalog in batches of products and
yield text as they go, so a market of any size streams in bounded memory.
Every value is escaped for its format: XML text never carries a character
XML 1.0 forbids, and no CSV cell starts a spreadsheet formula.

Nothing personal: titles, descriptions and the brand (the group's name) only.
`custom_label_0` carries the kinds of the verified, unexpired claims covering
the product (its own, its group's or one of its lots'), e.g. "chemical_free".
"""

import io
import re
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..catalog import images, queries
from ..csv_export import SafeWriter, cell_text
from ..extensions import db
from ..i18n import bangkok_today, localized
from ..models import ProducerGroup, Product, ProductStatus, Variant

BATCH = 200
GOOGLE_NS = "http://base.google.com/ns/1.0"
TITLE_MAX = 150  # Google's limit (Meta allows 200)
DESCRIPTION_MAX = 5000  # Google's limit (Meta allows 9,999)
CUSTOM_LABEL_MAX = 100
IMAGE_WIDTH = 1200
META_COLUMNS = (
    "id",
    "title",
    "description",
    "availability",
    "condition",
    "price",
    "link",
    "image_link",
    "brand",
    "item_group_id",
    "product_type",
    "custom_label_0",
)


@dataclass(frozen=True)
class FeedItem:
    """One purchasable size as both catalogues describe it (values already plain text)."""

    id: str
    item_group_id: str
    title: str
    description: str
    link: str
    image_link: str
    price: str
    brand: str
    product_type: str
    custom_label_0: str
    in_stock: bool = True
    condition: str = "new"


def public_url(endpoint, language="th", **values):
    """An absolute address on PUBLIC_BASE_URL; English pages carry ?lang=en."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    if language != current_app.config["BABEL_DEFAULT_LOCALE"]:
        values["lang"] = language
    return base + current_app.url_map.bind("localhost").build(endpoint, values)


def absolute(url):
    """An address as catalogues need it: a path of this site on PUBLIC_BASE_URL; a photo
    already served from a bucket or CDN (an absolute address) as it is."""
    if url.startswith(("https://", "http://")):
        return url
    if url.startswith("//"):
        return "https:" + url
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url


def feed_price(satang):
    """Integer satang as the feeds' price: 15000 → "150.00 THB"."""
    baht, rest = divmod(int(satang), 100)
    return f"{baht}.{rest:02d} THB"


def plain(text, limit):
    """One line of text: whitespace runs as one space, cut at `limit` characters at a word."""
    text = re.sub(r"\s+", " ", text or "").strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip() + "…"


def find_group(slug):
    """The active group with this slug, or None."""
    return db.session.scalars(
        select(ProducerGroup).where(ProducerGroup.slug == slug, ProducerGroup.is_active.is_(True))
    ).first()


def _product_batches(group=None):
    """Products on sale (of active groups), BATCH at a time, by id, sizes and photos loaded."""
    last_id = 0
    while True:
        statement = (
            select(Product)
            .join(ProducerGroup, Product.group_id == ProducerGroup.id)
            .where(
                Product.status == ProductStatus.ACTIVE,
                ProducerGroup.is_active.is_(True),
                Product.id > last_id,
            )
            .order_by(Product.id)
            .limit(BATCH)
            .options(
                contains_eager(Product.group),
                joinedload(Product.category),
                selectinload(Product.images),
                selectinload(Product.variants).selectinload(Variant.lots),
            )
        )
        if group is not None:
            statement = statement.where(Product.group_id == group.id)
        batch = db.session.scalars(statement).unique().all()
        if not batch:
            return
        yield batch
        last_id = batch[-1].id


def _description(product, language):
    for field in ("description", "summary", "name"):
        text = localized(product, field, language)
        if text and text.strip():
            return plain(text, DESCRIPTION_MAX)
    return ""


def feed_items(group=None, language="th", on=None, channel=None):
    """The FeedItems of every active size with stock (of `group`, or of the whole market).

    With `channel` ("google", "meta") each link carries UTM tags naming the feed, so the
    leader's dashboard can count the visits and orders that came from it.
    """
    on = on or bangkok_today()
    tags = {}
    if channel:
        tags = dict(utm_source=channel, utm_medium="feed", utm_campaign="product_feed")
    for batch in _product_batches(group):
        kinds = queries.verified_kinds_of(batch, on)
        for product in batch:
            shown = images.ready(product.images)  # a photo still being sized is private
            if not shown:
                continue
            image = absolute(images.image_url(shown[0], IMAGE_WIDTH))
            name = localized(product, "name", language)
            link = public_url("shop.product", language, slug=product.slug, **tags)
            category = localized(product.category, "name", language) if product.category else ""
            labels = ",".join(kinds.get(product.id, ()))[:CUSTOM_LABEL_MAX]
            for variant in product.variants:
                if not variant.is_active or variant.stock <= 0:
                    continue
                yield FeedItem(
                    id=variant.sku,
                    item_group_id=f"P{product.id}",
                    title=plain(f"{name} {localized(variant, 'label', language)}", TITLE_MAX),
                    description=_description(product, language),
                    link=link,
                    image_link=image,
                    price=feed_price(variant.price_satang),
                    brand=plain(localized(product.group, "name", language), 70),
                    product_type=plain(category, 750),
                    custom_label_0=labels,
                )


def feed_gaps(group):
    """The group's products on sale that no feed lists, each with why (no photo, no stock)."""
    gaps = []
    for batch in _product_batches(group):
        for product in batch:
            if not product.images:
                gaps.append((product, "photo"))
            elif not any(v.is_active and v.stock > 0 for v in product.variants):
                gaps.append((product, "stock"))
    return gaps


# -- Google Merchant Center: RSS 2.0 with the g: namespace ---------------------------------------

# Characters XML 1.0 does not allow, even escaped: most C0 controls, surrogates, U+FFFE/U+FFFF.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value):
    """`value` as XML character data: forbidden characters dropped, & < > escaped."""
    text = _XML_FORBIDDEN.sub("", str(value))
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _element(name, value):
    return f"<{name}>{xml_text(value)}</{name}>"


def google_feed(items, title, link, description):
    """Yield the RSS document for `items`, a piece per item."""
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<rss version="2.0" xmlns:g="{GOOGLE_NS}">\n<channel>\n'
        f"{_element('title', title)}\n{_element('link', link)}\n"
        f"{_element('description', description)}\n"
    )
    for item in items:
        parts = [
            _element("g:id", item.id),
            _element("g:title", item.title),
            _element("g:description", item.description),
            _element("g:link", item.link),
            _element("g:image_link", item.image_link),
            _element("g:availability", "in_stock" if item.in_stock else "out_of_stock"),
            _element("g:price", item.price),
            _element("g:brand", item.brand),
            _element("g:condition", item.condition),
            _element("g:identifier_exists", "no"),
            _element("g:item_group_id", item.item_group_id),
        ]
        if item.product_type:
            parts.append(_element("g:product_type", item.product_type))
        if item.custom_label_0:
            parts.append(_element("g:custom_label_0", item.custom_label_0))
        yield "<item>\n" + "\n".join(parts) + "\n</item>\n"
    yield "</channel>\n</rss>\n"


# -- Meta catalogue: CSV with its required columns -------------------------------------------------


def csv_cell(value):
    """A CSV cell that no spreadsheet reads as a formula (the app's one rule, csv_export)."""
    return cell_text(value)


def meta_feed(items):
    """Yield Meta's catalogue CSV for `items`: the header, then a line per item."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)

    def line(cells):
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield line(META_COLUMNS)
    for item in items:
        yield line(
            [
                item.id,
                item.title,
                item.description,
                "in stock" if item.in_stock else "out of stock",
                item.condition,
                item.price,
                item.link,
                item.image_link,
                item.brand,
                item.item_group_id,
                item.product_type,
                item.custom_label_0,
            ]
        )
