"""Storefront views: parse the request, call one catalog function, render."""

import re
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape

from .. import areas
from ..accounts.redirects import safe_next_url
from ..catalog import group_contact, labels, queries, slugs
from ..catalog.cache import (
    cached_page,
    note_page_stock,
    page_path,
    product_stock_signature,
    stock_signature,
)
from ..extensions import db
from ..i18n import LOCALE_COOKIE, current_language, without_language_arg
from ..impact import price_split
from ..marketing import share
from .forms import LanguageForm, catalog_filters

blueprint = Blueprint("shop", __name__)

LOCALE_COOKIE_MAX_AGE = 365 * 24 * 60 * 60
# The query arguments the catalog reads (`forms.catalog_filters`): its page cache key.
CATALOG_ARGS = ("category", "province", "group", "claim", "sort", "page")
SEARCH_SCRIPT = "js/search.js"

for _name, _function in labels.TEMPLATE_GLOBALS.items():
    blueprint.add_app_template_global(_function, _name)


@blueprint.record_once
def _note_optional_assets(state):
    """Look once, at start-up, for the search engineer's script, so base.html can include it."""
    app = state.app
    static = Path(app.static_folder) if app.static_folder else None
    app.extensions["shop.has_search_js"] = bool(static and (static / SEARCH_SCRIPT).is_file())


@blueprint.app_context_processor
def _layout_context():
    """Values base.html needs on every page, errors included."""
    return {
        "has_search_js": current_app.extensions.get("shop.has_search_js", False),
        "search_script": SEARCH_SCRIPT,
        "next_path": page_path() if request else "/",
    }


@blueprint.app_template_global()
def province_name(code, language=None):
    """The province's name in the page's language (or in `language`)."""
    return areas.area_name(areas.province(code), language or current_language())


@blueprint.app_template_filter("paragraphs")
def paragraphs(text):
    """Plain text with blank lines between paragraphs as escaped <p> elements."""
    blocks = re.split(r"\n\s*\n", (text or "").replace("\r\n", "\n").strip())
    return Markup("").join(
        Markup("<p>%s</p>") % Markup("<br>").join(escape(line) for line in block.split("\n"))
        for block in blocks
        if block.strip()
    )


@blueprint.get("/")
@cached_page
def home():
    """Featured groups and products, and the shelves."""
    return render_template("shop/home.html", page=queries.home_page())


@blueprint.get("/products")
@cached_page(args=CATALOG_ARGS)
def catalog():
    """The product grid with filters, sorting and pages."""
    filters = catalog_filters(request.args)
    page = queries.catalog_page(filters, current_app.config["CATALOG_PAGE_SIZE"])
    return render_template("shop/catalog.html", page=page, sorts=queries.SORTS)


@blueprint.get("/products/<slug>")
@cached_page(stock=product_stock_signature)
def product(slug):
    """One product: photos, variants, story, provenance and claims."""
    page = queries.product_page(slug)
    if page is None:
        current = slugs.current_slug(slug)  # an address the product had before
        if current is None:
            abort(404)
        return redirect(url_for("shop.product", slug=current, **request.args), code=301)
    note_page_stock(
        stock_signature(
            (lot.id, lot.available) for variant in page.product.variants for lot in variant.lots
        )
    )
    return render_template(
        "shop/product.html",
        page=page,
        sharing=share.for_product(page),
        splits=price_split.offer_splits(page.offers),
    )


@blueprint.get("/groups/<slug>")
@cached_page
def group(slug):
    """One producer group: story, place, products and claims."""
    page = queries.group_page(slug)
    if page is None:
        abort(404)
    contact = group_contact.public_links(page.group)
    return render_template(
        "shop/group.html", page=page, contact=contact, sharing=share.for_group(page)
    )


@blueprint.get("/lot/<code>")
@cached_page
def lot(code):
    """The public page of one lot: what the QR code on a package opens."""
    page = queries.lot_page(code)
    if page is None:
        abort(404)
    return render_template("shop/lot.html", page=page, sharing=share.for_lot(page))


@blueprint.post("/language")
def set_language():
    """Remember the chosen language in a cookie for a year, then go back where the buyer was.

    A signed-in user's saved locale wins over the cookie (see i18n.select_locale),
    so it is updated too.
    """
    form = LanguageForm()
    if not form.validate_on_submit() or form.lang.data not in current_app.config["LANGUAGES"]:
        abort(400)
    if current_user.is_authenticated and current_user.locale != form.lang.data:
        current_user.locale = form.lang.data
        db.session.commit()
    target = without_language_arg(safe_next_url(form.next.data, url_for("shop.home")))
    response = redirect(target, code=303)
    response.set_cookie(
        LOCALE_COOKIE,
        form.lang.data,
        max_age=LOCALE_COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response
