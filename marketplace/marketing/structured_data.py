"""What search engines read: schema.org JSON-LD, canonical and hreflang links, the sitemap.

- Product pages carry a `Product` with one `Offer` per size on sale (price in
  THB, availability, the group as seller and brand); group pages an
  `Organization` that is a `LocalBusiness` with its village address. Nothing
  about households, and no contact detail a group has not put on its page.
- Every public page names its canonical address and its Thai and English
  versions. Language is per visitor (cookie or account), so the English
  version has its own address, `?lang=en` (see `i18n.select_locale`); Thai,
  the default, has none and is also `x-default`.
- `sitemap.xml` lists the home page, the catalog, every group, product and
  lot page in both languages with `lastmod`; past SITEMAP_MAX_URLS addresses
  (50,000 by the protocol) it becomes a sitemap index of numbered parts.
"""

import json
import math
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import current_app, request
from markupsafe import Markup
from sqlalchemy import func, select

from .. import areas
from ..catalog import images
from ..catalog.queries import GroupPage, ProductPage
from ..extensions import db
from ..i18n import current_language, localized
from ..models import Lot, ProducerGroup, Product, ProductStatus, Variant
from .feeds import absolute, plain, public_url, xml_text

SCHEMA = "https://schema.org"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
# Public pages with a Thai and an English version, and the query arguments that
# make a different page (the catalog's filters); any other argument is left out.
PUBLIC_PAGES = {
    "shop.home": (),
    "shop.catalog": ("category", "province", "group", "claim", "sort", "page"),
    "shop.product": (),
    "shop.group": (),
    "shop.lot": (),
}


# -- JSON-LD ------------------------------------------------------------------------------------


def script_json(data):
    """`data` as the body of a <script type="application/ld+json">: no "</" can close it early."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(f'<script type="application/ld+json">{text}</script>')  # noqa: S704 (escaped above)


def _address(place, postal_code=""):
    language = current_language()
    parts = areas.place_parts(place, language)
    street = parts["village"]
    if parts["moo"]:
        street = (
            f"{street} หมู่ {parts['moo']}" if language == "th" else f"{street}, Moo {parts['moo']}"
        )
    address = {
        "@type": "PostalAddress",
        "streetAddress": street.strip(),
        "addressLocality": ", ".join(p for p in (parts["subdistrict"], parts["district"]) if p),
        "addressRegion": parts["province"],
        "addressCountry": "TH",
    }
    if postal_code:
        address["postalCode"] = postal_code
    return {key: value for key, value in address.items() if value}


def _organization(group, language):
    return {
        "@type": "Organization",
        "name": localized(group, "name", language),
        "url": public_url("shop.group", language, slug=group.slug),
    }


def product_data(page):
    """The schema.org Product of a product page, with an Offer per size on sale."""
    language = current_language()
    product = page.product
    group = product.group
    url = public_url("shop.product", language, slug=product.slug)
    seller = _organization(group, language)
    data = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": localized(product, "name", language),
        "url": url,
        "brand": {"@type": "Brand", "name": localized(group, "name", language)},
        "offers": [
            {
                "@type": "Offer",
                "name": localized(offer.variant, "label", language),
                "sku": offer.variant.sku,
                "price": f"{offer.variant.price_satang / 100:.2f}",
                "priceCurrency": "THB",
                "availability": f"{SCHEMA}/{'InStock' if offer.in_stock else 'OutOfStock'}",
                "itemCondition": f"{SCHEMA}/NewCondition",
                "url": url,
                "seller": seller,
            }
            for offer in page.offers
        ],
    }
    description = localized(product, "description", language) or localized(
        product, "summary", language
    )
    if description:
        data["description"] = plain(description, 5000)
    shown = images.ready(product.images)[:5]  # a photo still being sized is private
    if shown:
        data["image"] = [absolute(images.image_url(image, 1200)) for image in shown]
    if product.category:
        data["category"] = localized(product.category, "name", language)
    return data


def group_data(page):
    """The schema.org Organization (a LocalBusiness) of a group page."""
    language = current_language()
    group = page.group
    data = {
        "@context": SCHEMA,
        "@type": ["Organization", "LocalBusiness"],
        "name": localized(group, "name", language),
        "url": public_url("shop.group", language, slug=group.slug),
        "address": _address(group, group.postal_code),
        "areaServed": "TH",
        "currenciesAccepted": "THB",
    }
    story = localized(group, "story", language)
    if story:
        data["description"] = plain(story, 5000)
    if group.founded_year:
        data["foundingDate"] = str(group.founded_year)
    cover = next(
        (card.image for card in page.cards if card.image and not card.image.sizes_pending), None
    )
    if cover is not None:
        data["image"] = absolute(images.image_url(cover, 1200))
    return data


def structured_data(page):
    """The JSON-LD <script> for a page's data object (product or group page), else ""."""
    if isinstance(page, ProductPage):
        return script_json(product_data(page))
    if isinstance(page, GroupPage):
        return script_json(group_data(page))
    return Markup("")


# -- canonical and hreflang ------------------------------------------------------------------------


def page_address(language):
    """This request's page in `language`, absolute, with only the arguments that make the page."""
    kept = PUBLIC_PAGES.get(request.endpoint, ())
    values = dict(request.view_args or {})
    values.update((k, v) for k, v in request.args.items() if k in kept)
    return public_url(request.endpoint, language, **values)


def language_links():
    """<link rel=canonical> and the hreflang alternates of a public page; "" on other pages."""
    if request.endpoint not in PUBLIC_PAGES or request.method != "GET":
        return Markup("")
    language = current_language()
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    links = [Markup('<link rel="canonical" href="{}">').format(page_address(language))]
    for code in current_app.config["LANGUAGES"]:
        links.append(
            Markup('<link rel="alternate" hreflang="{}" href="{}">').format(
                code, page_address(code)
            )
        )
    links.append(
        Markup('<link rel="alternate" hreflang="x-default" href="{}">').format(
            page_address(default)
        )
    )
    return Markup("\n").join(links)


# -- sitemap ---------------------------------------------------------------------------------------


def _lastmod(moment):
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:  # SQLite gives back naive UTC
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat()


def _pages():
    """(endpoint, values, last modified) of every public page, in a stable order."""
    newest = db.session.scalar(
        select(func.max(Product.updated_at))
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
    )
    yield "shop.home", {}, newest
    yield "shop.catalog", {}, newest
    group_changed = (
        select(Product.group_id, func.max(Product.updated_at).label("changed"))
        .where(Product.status == ProductStatus.ACTIVE)
        .group_by(Product.group_id)
        .subquery()
    )
    rows = db.session.execute(
        select(ProducerGroup.slug, ProducerGroup.created_at, group_changed.c.changed)
        .outerjoin(group_changed, group_changed.c.group_id == ProducerGroup.id)
        .where(ProducerGroup.is_active.is_(True))
        .order_by(ProducerGroup.id)
        .execution_options(yield_per=1000)
    )
    with _closing(rows):
        for slug, created, changed in rows:
            yield "shop.group", {"slug": slug}, max(_aware(m) for m in (created, changed) if m)
    rows = db.session.execute(
        select(Product.slug, Product.updated_at)
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
        .order_by(Product.id)
        .execution_options(yield_per=1000)
    )
    with _closing(rows):
        for slug, updated in rows:
            yield "shop.product", {"slug": slug}, updated
    # Lot pages outlive their listing (the QR is on the package): every lot but a draft's.
    rows = db.session.execute(
        select(Lot.code, Lot.created_at)
        .join(Variant, Lot.variant_id == Variant.id)
        .join(Product, Variant.product_id == Product.id)
        .where(Product.status != ProductStatus.DRAFT)
        .order_by(Lot.id)
        .execution_options(yield_per=1000)
    )
    with _closing(rows):
        for code, created in rows:
            yield "shop.lot", {"code": code}, created


@contextmanager
def _closing(result):
    """Close a streamed result however the loop over it ends (PostgreSQL: a server cursor)."""
    try:
        yield result
    finally:
        result.close()


def _aware(moment):
    if isinstance(moment, datetime) and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def count_pages():
    """How many public pages the sitemap lists (each in every language)."""
    products = db.session.scalar(
        select(func.count(Product.id))
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .where(Product.status == ProductStatus.ACTIVE, ProducerGroup.is_active.is_(True))
    )
    groups = db.session.scalar(
        select(func.count(ProducerGroup.id)).where(ProducerGroup.is_active.is_(True))
    )
    lots = db.session.scalar(
        select(func.count(Lot.id))
        .join(Variant, Lot.variant_id == Variant.id)
        .join(Product, Variant.product_id == Product.id)
        .where(Product.status != ProductStatus.DRAFT)
    )
    return 2 + (products or 0) + (groups or 0) + (lots or 0)


def sitemap_size():
    """Addresses per sitemap file (the protocol's limit is 50,000)."""
    return max(int(current_app.config["SITEMAP_MAX_URLS"]), 2)


def sitemap_parts():
    """How many sitemap files the market needs; 1 means no index."""
    per_page = len(current_app.config["LANGUAGES"])
    return max(1, math.ceil(count_pages() * per_page / sitemap_size()))


def _url_entry(endpoint, values, modified, language, languages):
    alternates = "".join(
        f'<xhtml:link rel="alternate" hreflang="{code}" '
        f'href="{_xml(public_url(endpoint, code, **values))}"/>'
        for code in languages
    )
    lastmod = _lastmod(modified)
    return (
        f"<url><loc>{_xml(public_url(endpoint, language, **values))}</loc>"
        + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        + alternates
        + "</url>\n"
    )


def _xml(text):
    return xml_text(text).replace('"', "&quot;")


def sitemap_urlset(part=None):
    """Yield a <urlset>: every address, or those of part `part` (1-based) of the index."""
    languages = current_app.config["LANGUAGES"]
    size = sitemap_size()
    first = 0 if part is None else (part - 1) * size
    last = math.inf if part is None else part * size
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:xhtml="{XHTML_NS}">\n'
    )
    index = 0
    pages = _pages()
    try:
        for endpoint, values, modified in pages:
            for language in languages:
                if first <= index < last:
                    yield _url_entry(endpoint, values, modified, language, languages)
                index += 1
            if index >= last:
                break
    finally:
        pages.close()  # closes the open query's cursor now, not when garbage is collected
    yield "</urlset>\n"


def sitemap_index(parts):
    """Yield the <sitemapindex> naming each part."""
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{SITEMAP_NS}">\n'
    for number in range(1, parts + 1):
        yield f"<sitemap><loc>{_xml(absolute(f'/sitemap-{number}.xml'))}</loc></sitemap>\n"
    yield "</sitemapindex>\n"


ROBOTS_DISALLOW = (
    "/office/",
    "/admin/",
    "/officer/",
    "/reports/",
    "/account/",
    "/orders/",
    "/cart",
    "/checkout",
    "/search",
    "/language",
    "/stripe/",
)


def robots_txt():
    """robots.txt: the storefront open, back offices, accounts, carts and search closed."""
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in ROBOTS_DISALLOW), "Allow: /"]
    lines += ["", f"Sitemap: {absolute('/sitemap.xml')}", ""]
    return "\n".join(lines)
