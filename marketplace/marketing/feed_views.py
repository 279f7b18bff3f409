"""Public views for catalogues and crawlers: product feeds, sitemap.xml and robots.txt.

Thin views: each finds what is asked for and streams what `marketing.feeds` or
`marketing.structured_data` yields (stream_with_context keeps the request's
database session for the generator). An unknown group or sitemap part is a 404.
"""

from flask import Blueprint, Response, abort, stream_with_context
from flask_babel import gettext

from ..i18n import current_language, localized
from . import feeds, structured_data

blueprint = Blueprint("feeds", __name__)

FEED_MAX_AGE = 15 * 60  # catalogues fetch daily at most; a short cache spares the database


def _stream(generator, mimetype, filename=None):
    headers = {"Cache-Control": f"public, max-age={FEED_MAX_AGE}"}
    if filename:
        headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return Response(stream_with_context(generator), mimetype=mimetype, headers=headers)


def _group_or_404(slug):
    if slug is None:
        return None
    group = feeds.find_group(slug)
    if group is None:
        abort(404)
    return group


def _google(group):
    language = current_language()
    if group is None:
        title = gettext("Community Market")
        link = feeds.public_url("shop.home", language)
    else:
        title = localized(group, "name", language)
        link = feeds.public_url("shop.group", language, slug=group.slug)
    description = gettext(
        "Products of village producer groups and community enterprises, in stock today."
    )
    items = feeds.feed_items(group, language, channel="google")
    return _stream(feeds.google_feed(items, title, link, description), "application/xml")


def _meta(group, filename):
    items = feeds.feed_items(group, current_language(), channel="meta")
    return _stream(feeds.meta_feed(items), "text/csv", filename)


@blueprint.get("/feeds/google-merchant.xml")
def google_market():
    """Google Merchant Center feed of the whole market (?lang=en for English)."""
    return _google(None)


@blueprint.get("/feeds/<slug>/google-merchant.xml")
def google_group(slug):
    """Google Merchant Center feed of one group."""
    return _google(_group_or_404(slug))


@blueprint.get("/feeds/meta-catalog.csv")
def meta_market():
    """Meta (Facebook, Instagram) catalogue feed of the whole market."""
    return _meta(None, "meta-catalog.csv")


@blueprint.get("/feeds/<slug>/meta-catalog.csv")
def meta_group(slug):
    """Meta catalogue feed of one group."""
    group = _group_or_404(slug)
    return _meta(group, f"meta-catalog-{group.slug}.csv")


@blueprint.get("/sitemap.xml")
def sitemap():
    """The sitemap, or past SITEMAP_MAX_URLS addresses the index of its parts."""
    parts = structured_data.sitemap_parts()
    if parts == 1:
        return _stream(structured_data.sitemap_urlset(), "application/xml")
    return _stream(structured_data.sitemap_index(parts), "application/xml")


@blueprint.get("/sitemap-<int:part>.xml")
def sitemap_part(part):
    """One part of a split sitemap."""
    parts = structured_data.sitemap_parts()
    if parts == 1 or not 1 <= part <= parts:
        abort(404)
    return _stream(structured_data.sitemap_urlset(part), "application/xml")


@blueprint.get("/robots.txt")
def robots():
    """What crawlers may read, and where the sitemap is."""
    return Response(
        structured_data.robots_txt(),
        mimetype="text/plain",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@blueprint.app_template_global()
def page_language_links():
    """Canonical and hreflang <link>s of a public page (base.html puts them in <head>)."""
    return structured_data.language_links()


@blueprint.app_template_global()
def page_structured_data(page):
    """The JSON-LD <script> of a product or group page ("" for other pages)."""
    return structured_data.structured_data(page)
