"""Share links and the Open Graph / Twitter tags of public pages.

Every shared address carries UTM tags (utm_source, utm_medium, utm_campaign)
so that visits and orders can be counted per channel without tracking anyone.
Addresses are built on PUBLIC_BASE_URL, never on the request's host, so a
page stays the same for every visitor and the page cache stays correct.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request

from ..i18n import current_language, localized
from . import cards

LINE_SHARE = "https://social-plugins.line.me/lineit/share"
FACEBOOK_SHARE = "https://www.facebook.com/sharer/sharer.php"
OG_LOCALES = {"th": "th_TH", "en": "en_US"}


def tagged(path, source, medium, campaign):
    """The public address of `path` with its UTM tags."""
    return cards.public_url(path, utm_source=source, utm_medium=medium, utm_campaign=campaign)


@dataclass(frozen=True)
class ShareLinks:
    """Where the share buttons of one page lead."""

    line: str
    facebook: str
    copy: str  # for "copy link" and the phone's own share sheet (Web Share API)
    line_copy: str  # the LINE-tagged address itself, to paste into a LINE chat
    title: str


def share_links(kind, ref, title):
    """LINE, Facebook and copy-link addresses for the page a card of `kind` `ref` shows."""
    path = cards.page_path(kind, ref)
    campaign = f"{kind}_share"
    line_url = tagged(path, "line", "social", campaign)
    facebook_url = tagged(path, "facebook", "social", campaign)
    return ShareLinks(
        line=f"{LINE_SHARE}?{urlencode({'url': line_url})}",
        facebook=f"{FACEBOOK_SHARE}?{urlencode({'u': facebook_url})}",
        copy=tagged(path, "share", "link", campaign),
        line_copy=line_url,
        title=title,
    )


@dataclass(frozen=True)
class SocialMeta:
    """The Open Graph and Twitter tags of one page."""

    title: str
    description: str
    url: str
    locale: str
    alternate_locale: str
    kind: str = "website"
    image: str = ""
    image_width: int = 0
    image_height: int = 0
    image_alt: str = ""


def social_meta(title, description, content=None, og_type="website"):
    """Tags for the current page: its canonical address, and the page's card when given."""
    language = current_language()
    other = "en" if language == "th" else "th"
    image = width = height = 0
    alt = ""
    if content is not None:
        image, width, height = cards.og_image(content)
        alt = content.title
    return SocialMeta(
        title=title,
        description=description,
        url=cards.public_url(request.path),
        locale=OG_LOCALES[language],
        alternate_locale=OG_LOCALES[other],
        kind=og_type,
        image=image or "",
        image_width=width,
        image_height=height,
        image_alt=alt,
    )


@dataclass(frozen=True)
class Sharing:
    """What a shareable public page needs: its tags and its share links."""

    meta: SocialMeta
    links: ShareLinks


def for_product(page):
    """Tags and share links of a product page (queries.ProductPage)."""
    language = current_language()
    product = page.product
    content = cards.product_content(page, language)
    title = localized(product, "name")
    description = localized(product, "summary") or title
    return Sharing(
        meta=social_meta(title, description, content),
        links=share_links("product", product.slug, title),
    )


def for_lot(page):
    """Tags and share links of a lot page; a lot no longer listed gets tags without a card."""
    language = current_language()
    product = page.product
    listed = page.product_listed and page.group_listed
    content = cards.lot_content(page, language) if listed else None
    title = f"{localized(product, 'name')} · {page.lot.code}"
    description = localized(product, "summary") or localized(product, "name")
    return Sharing(
        meta=social_meta(title, description, content),
        links=share_links("lot", page.lot.code, title),
    )


def for_group(page):
    """Tags and share links of a group page (queries.GroupPage)."""
    language = current_language()
    group = page.group
    content = cards.group_content(page, language)
    title = localized(group, "name")
    story = " ".join(localized(group, "story").split())
    description = story[:200] or title
    return Sharing(
        meta=social_meta(title, description, content),
        links=share_links("group", group.slug, title),
    )
