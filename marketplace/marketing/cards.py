"""Share cards: pictures of a product, a lot or a group for LINE, Facebook and stories.

A card shows the photo, the name, the price, the group and its place, only
the claims that are verified and unexpired today (with their issuer), for a
lot the number of households that made it (never who; hidden below the
reports' suppression threshold), and a QR code to the public page. A
*receipt* card (`receipt_content`) shows what one order paid to households,
in aggregate, and is served only through the order's private link.

Cards are keyed by what they show: `CardContent.key` hashes every string
drawn, the photo's stored size, the card size and language. The card's URL
carries the key, so when a claim is revoked, a price changes or the lot's
households change, the page links a new URL and the old one is redirected
to the current card (see marketing/views.py): a revoked claim is never served
again. Drawn cards are kept in the file store (marketplace/storage.py: the
instance folder or the bucket) under `cards/`; `stored_card` is the one
function that touches it.
"""

import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import segno
from flask import current_app, url_for
from flask_babel import force_locale, gettext, ngettext
from PIL import Image, ImageDraw

from .. import areas
from ..catalog import images, labels, queries
from ..i18n import format_baht, format_date, localized
from ..impact.reports.suppression import SUPPRESS_BELOW
from ..storage import StorageError, content_type_of, storage
from . import text

log = logging.getLogger(__name__)

KINDS = ("product", "lot", "group")
LANGUAGES = ("th", "en")
SIZES = {"1200x630": (1200, 630), "1080x1080": (1080, 1080), "1080x1920": (1080, 1920)}
OPEN_GRAPH_SIZE = "1200x630"
# Part of every key: changing the drawing changes every card's URL.
RENDER_VERSION = 1
PHOTO_MIN_WIDTH = 1080
MAX_CLAIMS = 4

INK = (43, 33, 24)
MUTED = (104, 92, 80)
PAPER = (251, 247, 240)
ACCENT = (154, 52, 18)
GREEN = (47, 107, 58)
PHOTO_BLANK = (231, 220, 200)


class CardNotFound(LookupError):
    """No public card for this kind, reference, size or language."""


@dataclass(frozen=True)
class CardContent:
    """Everything a card shows, as the strings drawn; its hash is the card's key."""

    kind: str
    ref: str
    language: str
    title: str
    subtitle: str
    price: str
    group: str
    place: str
    claims: tuple  # ((kind label, issuer line), …): verified and unexpired only
    households: str  # "" when hidden or not a lot
    photo: str  # the stored photo size drawn, "" for none
    qr_url: str
    site: str
    brand: str
    image: object = field(default=None, compare=False, repr=False)  # the ProductImage row

    def shown(self):
        """The hashed part: every field except the image row itself."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__ if name != "image"}

    def key(self, size):
        """The card's key for `size`: a hash of what it shows."""
        payload = json.dumps(
            [RENDER_VERSION, size, self.shown()], ensure_ascii=False, sort_keys=True
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]

    def url(self, size, external=False):
        """The keyed URL of this card in `size` (absolute on PUBLIC_BASE_URL when `external`)."""
        path = url_for(
            "marketing.card",
            kind=self.kind,
            ref=self.ref,
            size=size,
            lang=self.language,
            key=self.key(size),
        )
        return public_url(path) if external else path


def public_url(path, **query):
    """`path` on the site's public address (PUBLIC_BASE_URL), with `query` appended."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    suffix = ("?" + urlencode(query)) if query else ""
    return f"{base}{path}{suffix}"


def page_path(kind, ref):
    """The public page a card of `kind` points to."""
    endpoint = {"product": "shop.product", "lot": "shop.lot", "group": "shop.group"}[kind]
    argument = "code" if kind == "lot" else "slug"
    return url_for(endpoint, **{argument: ref})


def qr_url(kind, ref):
    """What a card's QR code opens: the page, tagged so scans of cards can be counted."""
    return public_url(
        page_path(kind, ref), utm_source="card", utm_medium="qr", utm_campaign=f"{kind}_card"
    )


def _place_line(place, language):
    parts = areas.place_parts(place, language)
    return ", ".join(p for p in (parts["district"], parts["province"]) if p)


def _claim_lines(views, language):
    """(label, issuer line) for the verified, unexpired claims only, most trusted first."""
    lines = []
    for view in views:
        if not view.verified:  # self-declared, pending, expired and revoked never reach a card
            continue
        label = str(labels.claim_kind_label(view.kind))
        issuer = (view.claim.issuer or "").strip()
        note = gettext("verified by %(issuer)s", issuer=issuer) if issuer else gettext("verified")
        lines.append((label, note))
    return tuple(lines)


def _common(kind, ref, language, image):
    return dict(
        kind=kind,
        ref=ref,
        language=language,
        qr_url=qr_url(kind, ref),
        site=urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc,
        brand=gettext("Community Market"),
        photo=images.stored_size_name(image, PHOTO_MIN_WIDTH) if image is not None else "",
        image=image,
    )


def product_content(page, language):
    """What the card of a product page (queries.ProductPage) shows, in `language`."""
    product = page.product
    image = product.images[0] if product.images else None
    with force_locale(language):
        prices = sorted({offer.variant.price_satang for offer in page.offers})
        if len(page.offers) == 1:
            offer = page.offers[0]
            size = localized(offer.variant, "label", language)
            price = f"{format_baht(offer.variant.price_satang)} / {size}"
        elif len(prices) == 1:
            price = format_baht(prices[0])
        elif prices:
            price = gettext("from %(price)s", price=format_baht(prices[0]))
        else:
            price = ""
        return CardContent(
            title=localized(product, "name", language),
            subtitle=localized(product, "summary", language),
            price=price,
            group=localized(product.group, "name", language),
            place=_place_line(page.place, language),
            claims=_claim_lines(page.claims, language),
            households="",
            **_common("product", product.slug, language, image),
        )


def lot_content(page, language):
    """What the card of a lot page (queries.LotPage) shows, in `language`."""
    lot, product = page.lot, page.product
    image = product.images[0] if product.images else None
    with force_locale(language):
        households = ""
        if page.households >= SUPPRESS_BELOW:
            households = ngettext(
                "%(num)d household made this", "%(num)d households made this", page.households
            )
        subtitle = " · ".join(
            (
                localized(lot.variant, "label", language),
                gettext("Lot %(code)s", code=lot.code),
                f"{labels.lot_date_label(lot.kind)} {format_date(lot.produced_on, language)}",
            )
        )
        return CardContent(
            title=localized(product, "name", language),
            subtitle=subtitle,
            price=format_baht(lot.variant.price_satang),
            group=localized(page.group, "name", language),
            place=_place_line(page.place, language),
            claims=_claim_lines(page.claims, language),
            households=households,
            **_common("lot", lot.code, language, image),
        )


def group_content(page, language):
    """What the card of a group page (queries.GroupPage) shows, in `language`."""
    group = page.group
    image = next((card.image for card in page.cards if card.image is not None), None)
    with force_locale(language):
        count = len(page.cards)
        return CardContent(
            title=localized(group, "name", language),
            subtitle=str(labels.group_kind_label(group.kind)),
            price=ngettext("%(num)d product", "%(num)d products", count) if count else "",
            group="",
            place=_place_line(group, language),
            claims=_claim_lines(page.claims, language),
            households="",
            **_common("group", group.slug, language, image),
        )


def receipt_content(receipt, language):
    """What the impact-receipt card of an order (impact.receipts.ImpactReceipt) shows.

    Aggregate figures only: the households' part of the order rounded to the
    baht, how many households (hidden below the threshold, as on the receipt),
    the groups and their places, and the lots' verified claims. No household,
    no buyer, no order reference: the picture is made to be posted. Its
    address is not public (see `shop.order_views.order_receipt_card`).
    """
    first_lot = next((lot for g in receipt.groups for lot in g.lots), None)
    product = first_lot.product if first_lot is not None else None
    image = product.images[0] if product is not None and product.images else None
    with force_locale(language):
        amount = format_baht(receipt.to_households_baht * 100)
        if receipt.households:
            title = ngettext(
                "This order paid %(amount)s to %(num)d household",
                "This order paid %(amount)s to %(num)d households",
                receipt.households,
                amount=amount,
            )
        else:
            title = gettext(
                "This order paid %(amount)s to the households who made it", amount=amount
            )
        names = list(
            dict.fromkeys(
                localized(lot.product, "name", language) for g in receipt.groups for lot in g.lots
            )
        )
        seen, claims = set(), []
        for group in receipt.groups:
            for lot in group.lots:
                for line in _claim_lines(lot.claims, language):
                    if line not in seen:
                        seen.add(line)
                        claims.append(line)
        first_group = receipt.groups[0].group if receipt.groups else None
        return CardContent(
            kind="receipt",
            ref="",
            language=language,
            title=title,
            subtitle=" · ".join(names),
            price="",
            group=" · ".join(localized(g.group, "name", language) for g in receipt.groups),
            place=" · ".join(receipt.places),
            claims=tuple(claims),
            households=gettext("Thank you for buying from community enterprises"),
            photo=images.stored_size_name(image, PHOTO_MIN_WIDTH) if image is not None else "",
            qr_url=public_url(
                page_path("group", first_group.slug),
                utm_source="card",
                utm_medium="qr",
                utm_campaign="receipt_card",
            )
            if first_group is not None
            else public_url("/"),
            site=urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc,
            brand=gettext("Community Market"),
            image=image,
        )


def card_content(kind, ref, language):
    """The current content of the public card of `kind` `ref`, or CardNotFound.

    Only what the storefront lists has a card: an archived or draft product, a
    paused group, and a lot whose product or group is no longer listed have none.
    """
    if kind not in KINDS or language not in LANGUAGES:
        raise CardNotFound(kind)
    if kind == "product":
        page = queries.product_page(ref)
        build = product_content
    elif kind == "group":
        page = queries.group_page(ref)
        build = group_content
    else:
        page = queries.lot_page(ref)
        if page is not None and not (page.product_listed and page.group_listed):
            page = None
        build = lot_content
    if page is None:
        raise CardNotFound(ref)
    return build(page, language)


# -- storage ---------------------------------------------------------------------------------


def card_key(name):
    """The file-store key of a drawn card."""
    return f"cards/{name[:2]}/{name}"


def stored_card(name, draw):
    """The bytes stored under `name`, drawing and storing them first when missing.

    The only function that touches card storage. A card is a cache of what the
    database says: when the store cannot be read or written (a bucket down),
    the card is drawn and served all the same.
    """
    key = card_key(name)
    store = storage()
    try:
        return store.read(key)
    except FileNotFoundError:
        pass
    except StorageError:
        log.warning("share card %s could not be read from the store; drawing it", key)
    data = draw()
    try:
        store.put(key, data, content_type_of(key))
    except StorageError:
        log.warning("share card %s could not be stored; served without keeping it", key)
    return data


def card_image(content, size):
    """The JPEG of `content` at `size`, from storage or freshly drawn."""
    if size not in SIZES:
        raise CardNotFound(size)
    return stored_card(f"{content.key(size)}.jpg", lambda: draw_card(content, size))


# -- drawing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """Where the photo, the text, the footer and the QR code sit on one card size."""

    photo: tuple  # x, y, width, height
    text: tuple  # x, y, width, height
    footer: tuple  # x, y, width, height (bottom-aligned)
    qr: tuple  # x, y, side
    scale: float
    title_lines: int


LAYOUTS = {
    "1200x630": Layout(
        photo=(0, 0, 520, 630),
        text=(564, 40, 596, 398),
        footer=(564, 446, 400, 144),
        qr=(1200 - 40 - 150, 630 - 40 - 150, 150),
        scale=1.0,
        title_lines=2,
    ),
    "1080x1080": Layout(
        photo=(0, 0, 1080, 480),
        text=(60, 516, 960, 352),
        footer=(60, 880, 720, 160),
        qr=(1080 - 56 - 176, 1080 - 48 - 176, 176),
        scale=1.12,
        title_lines=2,
    ),
    "1080x1920": Layout(
        photo=(0, 0, 1080, 940),
        text=(72, 990, 936, 620),
        footer=(72, 1630, 640, 230),
        qr=(1080 - 72 - 240, 1920 - 64 - 240, 240),
        scale=1.45,
        title_lines=3,
    ),
}


@dataclass
class _Block:
    kind: str  # "text" or "claim"
    paragraph: object
    color: tuple
    gap: int
    note: object = None  # the claim's issuer paragraph


def _text_blocks(content, layout, factor, claims, with_subtitle):
    """The main text column's blocks at `factor` of the layout's type sizes."""
    x, y, width, height = layout.text
    s = layout.scale * factor

    def para(value, weight, size, lines, w=width):
        return text.fit(value, weight, round(size * s), w, lines, min_size=round(size * s))

    blocks = [_Block("text", para(content.title, "bold", 52, layout.title_lines), INK, 0)]
    if with_subtitle and content.subtitle:
        blocks.append(_Block("text", para(content.subtitle, "regular", 26, 2), MUTED, round(4 * s)))
    if content.price:
        blocks.append(_Block("text", para(content.price, "bold", 40, 1), ACCENT, round(12 * s)))
    if content.group:
        blocks.append(_Block("text", para(content.group, "semibold", 27, 2), INK, round(10 * s)))
    if content.place:
        blocks.append(_Block("text", para(content.place, "regular", 25, 1), MUTED, 0))
    indent = round(38 * s)
    for index, (label, note) in enumerate(claims):
        gap = round((16 if index == 0 else 8) * s)
        blocks.append(
            _Block(
                "claim",
                para(label, "semibold", 25, 1, width - indent),
                GREEN,
                gap,
                note=para(note, "regular", 21, 1, width - indent),
            )
        )
    return blocks


def _height(blocks):
    return sum(
        b.gap + b.paragraph.height + (b.note.height if b.note is not None else 0) for b in blocks
    )


def _fit_blocks(content, layout):
    """The largest type that fits the text box; then drop the summary, then extra claims."""
    height = layout.text[3]
    claims = content.claims[:MAX_CLAIMS]
    for with_subtitle in (True, False):
        for factor in (1.0, 0.93, 0.86, 0.8, 0.75):
            blocks = _text_blocks(content, layout, factor, claims, with_subtitle)
            if _height(blocks) <= height:
                return blocks
    while claims:
        claims = claims[:-1]
        blocks = _text_blocks(content, layout, 0.75, claims, False)
        if _height(blocks) <= height:
            return blocks
    return blocks


def _draw_check(draw, cx, cy, r):
    """A green disc with a white tick: the "verified" mark."""
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=GREEN)
    w = max(2, round(r / 3.5))
    tick = [(cx - r * 0.5, cy + r * 0.02), (cx - r * 0.12, cy + r * 0.42)]
    tick.append((cx + r * 0.55, cy - r * 0.4))
    draw.line(
        tick,
        fill=(255, 255, 255),
        width=w,
        joint="curve",
    )


def _draw_lines(draw, x, y, paragraph, color):
    for line in paragraph.lines:
        draw.text((x, y), line, font=paragraph.face, fill=color)
        y += paragraph.leading
    return y


def _draw_photo(card, content, box):
    x, y, w, h = box
    photo = None
    if content.image is not None:
        photo = images.open_stored(content.image, PHOTO_MIN_WIDTH, draft_size=(w, h))
    if photo is None:
        card.paste(PHOTO_BLANK, (x, y, x + w, y + h))
        face = text.font("bold", max(28, w // 12))
        ImageDraw.Draw(card).text(
            (x + w / 2, y + h / 2), content.brand, font=face, fill=(255, 255, 255), anchor="mm"
        )
        return
    # Crop to the box's shape, then scale once (reducing_gap: a fast box reduce first).
    scale = max(w / photo.width, h / photo.height)
    crop_w, crop_h = w / scale, h / scale
    left = (photo.width - crop_w) / 2
    top = (photo.height - crop_h) * 0.45
    fitted = photo.resize(
        (w, h),
        Image.Resampling.BICUBIC,
        box=(left, top, left + crop_w, top + crop_h),
        reducing_gap=2.0,
    )
    card.paste(fitted, (x, y))


def _draw_qr(card, url, box):
    x, y, side = box
    qr = segno.make(url, error="m", micro=False)
    border = 2
    modules = qr.symbol_size(scale=1, border=border)[0]
    scale = max(1, side // modules)
    # Dark modules as 0, light as 255, one pixel per module, then scaled up sharply.
    rows = [bytes(0 if dark else 255 for dark in row) for row in qr.matrix]
    inner = len(rows)
    symbol = Image.new("L", (modules, modules), 255)
    symbol.paste(Image.frombytes("L", (inner, inner), b"".join(rows)), (border, border))
    symbol = symbol.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    drawn = symbol.size[0]
    draw = ImageDraw.Draw(card)
    pad = (side - drawn) // 2
    draw.rounded_rectangle((x, y, x + side, y + side), radius=max(6, side // 20), fill="white")
    card.paste(symbol, (x + pad, y + pad))


def draw_card(content, size):
    """Draw `content` as a JPEG of `size` ("1200x630", "1080x1080" or "1080x1920")."""
    text.require_raqm()
    width, height = SIZES[size]
    layout = LAYOUTS[size]
    card = Image.new("RGB", (width, height), PAPER)
    _draw_photo(card, content, layout.photo)
    draw = ImageDraw.Draw(card)

    x, y, column, _ = layout.text
    for block in _fit_blocks(content, layout):
        y += block.gap
        if block.kind == "claim":
            face = block.paragraph.face
            r = round(face.size * 0.46)
            _draw_check(draw, x + r, y + block.paragraph.leading * 0.55, r)
            indent = round(38 * face.size / 25)
            y = _draw_lines(draw, x + indent, y, block.paragraph, block.color)
            y = _draw_lines(draw, x + indent, y, block.note, MUTED)
        else:
            y = _draw_lines(draw, x, y, block.paragraph, block.color)

    fx, fy, fw, fh = layout.footer
    s = layout.scale
    footer = []
    if content.households:
        footer.append((text.fit(content.households, "semibold", round(27 * s), fw, 2), GREEN))
    footer.append((text.fit(content.brand, "bold", round(24 * s), fw, 1), INK))
    footer.append((text.fit(content.site, "regular", round(20 * s), fw, 1), MUTED))
    total = sum(p.height for p, _ in footer) + round(8 * s)
    y = fy + fh - total
    for index, (paragraph, color) in enumerate(footer):
        if index == len(footer) - 2:
            y += round(8 * s)
        y = _draw_lines(draw, fx, y, paragraph, color)

    _draw_qr(card, content.qr_url, layout.qr)
    buffer = io.BytesIO()
    # JPEG, not PNG: a photo makes a PNG card ten times larger and slower to encode;
    # full-resolution colour (no chroma subsampling) keeps the text and QR sharp.
    card.save(buffer, "JPEG", quality=88, subsampling=0)
    return buffer.getvalue()


def og_image(content):
    """(URL, width, height) of the Open Graph card (1200×630) of `content`, absolute."""
    width, height = SIZES[OPEN_GRAPH_SIZE]
    return content.url(OPEN_GRAPH_SIZE, external=True), width, height
