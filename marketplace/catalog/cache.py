"""Rendered storefront pages, cached per worker and shared by every visitor.

What a key holds
----------------
A page's key is (endpoint, path, the query arguments the view reads, language,
date, catalog version[, stock signature]):

- **Arguments.** Each cached view declares the query arguments it reads
  (`cached_page(args=("page", "sort"))`); the key holds only those, in a fixed
  order, so `?utm_source=…`, `?fbclid=…` or `?nc=1` neither miss the cache nor
  push real pages out of it. `request.args` itself is left alone: anything
  else that reads the arguments (page-view counting) still sees them all. The
  `?lang=` argument is the language, which the key holds anyway. While such a
  page renders, the addresses it points back to (`page_path`) carry the
  declared arguments only.
- **Catalog version.** Any flush that adds, changes or deletes a catalog row
  gives the catalog a new random version in the same transaction, so a
  committed change reaches every worker's next request (within
  PAGE_CACHE_VERSION_TTL, two seconds, for another worker) and an uncommitted
  one never leaks. Versions never repeat, so a page stored under one is never
  served after the version moved on.
- **Stock.** A checkout changes only stock, and a listing (home, catalog,
  group page) shows stock only as "in stock" / "out of stock" per product. So
  a stock change leaves the version alone unless a variant goes from some
  units to none or back (`stock_changed`): listings are never stale on that
  beyond the version's TTL, and are not thrown away on every sale. The product
  page shows the exact "N left" and the lot being sold, so its key also holds
  a *stock signature*: the (lot id, available) pairs of the product's lots. A
  hit reads it with one indexed query, at most once per TTL per product and
  worker (`_remembered_stock`); a miss stores the page under the signature of
  the very rows it rendered (`note_page_stock`), so a page is only ever found
  under the stock it shows, even when stock changed while it rendered or came
  back to an earlier value. A sale of one product therefore re-renders only
  that product's page, once per worker.

Stock changes still queue on the catalog state row (`lock_for_stock_change`):
an upsert that keeps the version as it is, the same row lock as before on
PostgreSQL, taken before any lot's (see orders/stock.py), so checkouts and
catalog edits still cannot deadlock. Code that changes stock with bulk SQL
takes that lock first and calls `stock_changed` after; code that changes
other catalog rows with bulk SQL calls `bump_catalog_version` itself.

What each visitor gets of their own
-----------------------------------
The body is rendered once for everybody, signed in or not: while it renders,
`current_user` is an anonymous user, so nobody's data can reach it. The parts
of the page that are a person's own are placeholders in the body, filled in
for each response:

- the CSRF token (language switch, add-to-cart forms): `CSRF_PLACEHOLDER`;
- the header's account links (sign in / sign up, or my account, orders,
  back office, admin, reports and sign out as the person's roles allow), the
  partial `_account_nav.html`: `ACCOUNT_PLACEHOLDER`, rendered once per worker
  for each page, language and person (`_account_links`: the key holds the
  person's id, so one person's links never reach another);
- the cart count: `shop.order_views.CART_COUNT_PLACEHOLDER` (filled for every
  other HTML response by an after-request hook).

A page is stored as its UTF-8 bytes cut at those placeholders (`split_page`),
and each response is one join of the parts with the visitor's own values in
between (`compose`, with the fillers registered by `fill_in`): no encoding
and no search through the page per request.

Pages with a flash message waiting are rendered fresh and not stored.
"""

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from functools import wraps
from urllib.parse import quote

from flask import current_app, g, has_app_context, make_response, render_template, request, session
from flask_login import current_user
from sqlalchemy import event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import bangkok_today, current_language
from ..models import (
    CatalogState,
    Category,
    Claim,
    ClaimEvidence,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    ProductImage,
    ShareRule,
    ShareRulePart,
    Variant,
)
from ..session_cookie import generate_csrf

# Rows whose change can change what a storefront page shows.
CATALOG_MODELS = (
    Category,
    Claim,
    ClaimEvidence,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    ProductImage,
    ShareRule,  # the product page shows where the price goes (impact/price_split.py)
    ShareRulePart,
    Variant,
)

# Unguessable, so no text a user types can ever collide with them.
CSRF_PLACEHOLDER = "csrf-" + secrets.token_hex(16)
ACCOUNT_PLACEHOLDER = "account-" + secrets.token_hex(16)
ACCOUNT_TEMPLATE = "_account_nav.html"
_RENDERING_FLAG = "_page_cache_rendering"
_ARGS_FLAG = "_page_cache_args"
_STOCK_FLAG = "_page_cache_stock"
_SHARED_FLAG = "_page_cache_serving"
_NO_SIGNATURE = "-"


# -- the catalog version -------------------------------------------------------------------


def _upsert(dialect_name, keep):
    table = CatalogState.__table__
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(table).values(id=1, version=db.bindparam("version"))
    new_version = table.c.version if keep else statement.excluded.version
    return statement.on_conflict_do_update(
        index_elements=[table.c.id], set_={"version": new_version}
    )


def bump_catalog_version(connection):
    """Give the catalog a new version inside the caller's transaction."""
    connection.execute(_upsert(connection.dialect.name, keep=False), {"version": _new_version()})
    _forget_remembered_version()


def lock_for_stock_change(connection):
    """Take the catalog state row's lock, keeping its version: the first lock of a stock change.

    On PostgreSQL the upsert's UPDATE locks the row until the transaction ends,
    so stock changes queue on it as catalog edits do; on SQLite it is the write
    lock. The version changes only if the row did not exist yet.
    """
    connection.execute(_upsert(connection.dialect.name, keep=True), {"version": _new_version()})


def stock_changed(connection, variant_id, delta):
    """After `delta` units went into (+) or out of (-) a variant's lots: new version on a flip.

    Listings show in or out of stock only, so they need a new catalog version
    only when the variant went from none to some units or from some to none.
    Product pages follow the exact counts through their stock signature.
    """
    if not delta:
        return
    now = connection.execute(
        select(func.coalesce(func.sum(Lot.available), 0)).where(Lot.variant_id == variant_id)
    ).scalar()
    before = now - delta
    if (now > 0) != (before > 0):
        bump_catalog_version(connection)
    _forget_remembered_stock()


def _new_version():
    return secrets.token_hex(16)


def _page_cache():
    if has_app_context():
        return current_app.extensions.get("page_cache")
    return None


def _forget_remembered_version():
    cache = _page_cache()
    if cache is not None:
        cache.version = None


def _forget_remembered_stock():
    cache = _page_cache()
    if cache is not None:
        cache.stock.clear()


@event.listens_for(Session, "after_commit")
def _forget_after_commit(_session):
    """Forget again once committed: a request may have re-read the old values meanwhile."""
    _forget_remembered_version()
    _forget_remembered_stock()


def catalog_version():
    """The catalog's current version as this request's transaction sees it, or None."""
    return db.session.execute(select(CatalogState.version).where(CatalogState.id == 1)).scalar()


def _remembered_version():
    """The catalog version, read from the database at most once per PAGE_CACHE_VERSION_TTL.

    A change made through this worker forgets the remembered value at once (see
    `_bump_on_catalog_change`); a change made by another worker shows here
    within the TTL (two seconds by default), the price of skipping a query.
    """
    cache = current_app.extensions["page_cache"]
    ttl = current_app.config.get("PAGE_CACHE_VERSION_TTL", 2.0)
    now = time.monotonic()
    remembered = cache.version
    if remembered is not None and remembered[1] > now:
        return remembered[0]
    version = catalog_version()
    if version is not None and ttl > 0:
        cache.version = (version, now + ttl)
    return version


@event.listens_for(Session, "before_flush")
def _bump_on_catalog_change(session, _flush_context, _instances):
    """Any flush that touches a catalog row changes the catalog's version."""
    changed = (
        any(isinstance(obj, CATALOG_MODELS) for obj in session.new)
        or any(isinstance(obj, CATALOG_MODELS) for obj in session.deleted)
        or any(
            isinstance(obj, CATALOG_MODELS) and session.is_modified(obj) for obj in session.dirty
        )
    )
    if changed:
        bump_catalog_version(session.connection())


# -- a product page's stock signature ----------------------------------------------------------


def stock_signature(pairs):
    """A short text naming these (lot id, available) pairs, whatever their order."""
    text = ";".join(f"{lot_id}:{available}" for lot_id, available in sorted(pairs))
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


def product_stock_signature(slug):
    """The stock signature of the product with this slug, in one indexed query."""
    rows = db.session.execute(
        select(Lot.id, Lot.available)
        .join(Variant, Lot.variant_id == Variant.id)
        .join(Product, Variant.product_id == Product.id)
        .where(Product.slug == slug)
    ).all()
    return stock_signature(rows)


def note_page_stock(signature):
    """Say which stock the page being rendered shows: it is stored under that signature."""
    g.setdefault(_STOCK_FLAG, signature)


def _remembered_stock(name, read):
    """`read()` at most once per PAGE_CACHE_VERSION_TTL for `name` (as the version)."""
    remembered = current_app.extensions["page_cache"].stock.get(name)
    if remembered is not None and remembered[1] > time.monotonic():
        return remembered[0]
    signature = read()
    _remember_stock(name, signature)
    return signature


def _remember_stock(name, signature):
    cache = current_app.extensions["page_cache"]
    ttl = current_app.config.get("PAGE_CACHE_VERSION_TTL", 2.0)
    if ttl > 0:
        if len(cache.stock) >= 4 * cache.size:
            cache.stock.clear()
        cache.stock[name] = (signature, time.monotonic() + ttl)


# -- the cache ---------------------------------------------------------------------------------


class LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value):
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self):
        with self._lock:
            self._items.clear()


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, size=256):
        self.size = size
        self._pages = OrderedDict()
        self._lock = threading.Lock()
        self.version = None  # (catalog version, monotonic time it may be used until)
        self.stock = {}  # product page: {name: (stock signature, monotonic time)}
        self.fragments = LRU(4 * size)  # account links: see `_account_links`

    def get(self, key):
        with self._lock:
            html = self._pages.get(key)
            if html is not None:
                self._pages.move_to_end(key)
            return html

    def put(self, key, html):
        with self._lock:
            self._pages[key] = html
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self):
        with self._lock:
            self._pages.clear()
        self.stock.clear()
        self.fragments.clear()


def page_csrf_token():
    """The `csrf_token()` templates call: a placeholder while a cacheable page renders."""
    if g.get(_RENDERING_FLAG):
        return CSRF_PLACEHOLDER
    return generate_csrf()


def rendering_shared_page():
    """True while a page that every visitor shares is being rendered."""
    return bool(g.get(_RENDERING_FLAG))


def serving_shared_page():
    """True in a request for a page every visitor shares (GET, cache on, no flash waiting).

    Such a response needs only who the visitor is (their header links), never
    their account's rows: the user loader then reads a few columns instead.
    """
    return bool(g.get(_SHARED_FLAG))


def _declared_args():
    """The (name, values) of the query arguments this cached view reads, in a fixed order."""
    names = g.get(_ARGS_FLAG)
    if names is None:
        return None
    args = request.args
    return tuple((name, tuple(args.getlist(name))) for name in names if name in args)


def page_path():
    """This page's address for links back to it: a cached view's keeps only what it reads."""
    declared = _declared_args()
    if declared is None:
        path = request.full_path
        return path.rstrip("?") if path else "/"
    query = "&".join(
        f"{_quote(name)}={_quote(value)}" for name, values in declared for value in values
    )
    return request.path + (f"?{query}" if query else "")


def _quote(text):
    return quote(text, safe="")


def init_app(app):
    """Give the app its page cache and the placeholder-aware csrf_token()."""
    app.extensions["page_cache"] = PageCache(app.config.get("PAGE_CACHE_SIZE", 256))
    app.jinja_env.globals["csrf_token"] = page_csrf_token
    app.jinja_env.globals["rendering_shared_page"] = rendering_shared_page
    app.jinja_env.globals["account_placeholder"] = ACCOUNT_PLACEHOLDER
    # Flask-WTF also hands csrf_token to templates through a context processor;
    # this one runs after it, so templates get the placeholder-aware function.
    app.context_processor(lambda: {"csrf_token": page_csrf_token})


def _cacheable():
    return (
        current_app.config.get("PAGE_CACHE_ENABLED", True)
        and request.method == "GET"
        and "_flashes" not in session
    )


def _render_shared(view, args, kwargs):
    """Run the view as an anonymous visitor, with placeholders for everything personal."""
    user = current_user._get_current_object()  # loaded now, put back after
    setattr(g, _RENDERING_FLAG, True)
    g._login_user = current_app.login_manager.anonymous_user()
    try:
        return make_response(view(*args, **kwargs))
    finally:
        g._login_user = user
        g.pop(_RENDERING_FLAG, None)


def _account_links():
    """The header's account links for this visitor, CSRF token left as the placeholder.

    Rendered once per worker for each combination of everything the partial
    reads: the page (address, endpoint), the language and, for a signed-in
    visitor, that very person (id) with their name, email and roles. So a
    person's links are only ever reused for that person, and a change of role
    shows on their next page.
    """
    user = current_user
    person = None
    if user.is_authenticated:
        person = (
            user.id,
            user.name,
            user.email,
            user.is_admin,
            user.reviews_claims,
            user.in_any_group,
        )
    key = (person, current_language(), page_path(), request.endpoint, request.blueprint)
    cache = current_app.extensions["page_cache"]
    html = cache.fragments.get(key)
    if html is None:
        setattr(g, _RENDERING_FLAG, True)
        try:
            html = render_template(ACCOUNT_TEMPLATE)
        finally:
            g.pop(_RENDERING_FLAG, None)
        cache.fragments.put(key, html)
    return html


# -- putting each visitor's own parts into the shared body -------------------------------------

# placeholder (bytes) → function giving this visitor's text for it; see `fill_in`.
_FILLERS = {}
_SPLITTER = [None]
_FILLED_FLAG = "_page_cache_filled"


def fill_in(placeholder, function):
    """Have every page served from the cache put `function()` (text) where `placeholder` is.

    Used for the parts of a shared page that are the visitor's own (the CSRF
    token, the header's account links, the cart count). Register at import
    time; the placeholder must be text no user can type.
    """
    _FILLERS[placeholder.encode()] = function
    _SPLITTER[0] = re.compile(b"(" + b"|".join(re.escape(p) for p in _FILLERS) + b")")


def split_page(html):
    """A rendered shared page as stored: its UTF-8 bytes cut at each placeholder.

    Even items are the page's own bytes, odd items the placeholders between
    them, so a response is one join, not an encode and a pass per placeholder.
    """
    return tuple(_SPLITTER[0].split(html.encode()))


def compose(parts):
    """The body for this visitor: the stored parts with their own parts put in."""
    pieces = list(parts)
    values = {}
    for index in range(1, len(pieces), 2):
        placeholder = pieces[index]
        value = values.get(placeholder)
        if value is None:
            value = values[placeholder] = _FILLERS[placeholder]().encode()
        pieces[index] = value
    setattr(g, _FILLED_FLAG, True)
    return b"".join(pieces)


def filled_by_page_cache():
    """True once this response's body was composed here: no placeholder is left in it."""
    return bool(g.get(_FILLED_FLAG))


def _account_links_filled():
    return _account_links().replace(CSRF_PLACEHOLDER, generate_csrf())


fill_in(CSRF_PLACEHOLDER, generate_csrf)
fill_in(ACCOUNT_PLACEHOLDER, _account_links_filled)


def cached_page(view=None, *, args=(), stock=None):
    """Serve a storefront view from the page cache, for every visitor.

    `args`: the query arguments the view reads; others are not part of the key.
    `stock`: for a page showing exact stock, a function of the view's arguments
    giving its stock signature; the view calls `note_page_stock` as it renders.
    """
    if view is None:
        return lambda view: cached_page(view, args=args, stock=stock)
    names = tuple(sorted(set(args)))

    @wraps(view)
    def wrapper(*view_args, **kwargs):
        setattr(g, _ARGS_FLAG, names)
        if not _cacheable():
            return view(*view_args, **kwargs)
        setattr(g, _SHARED_FLAG, True)
        version = _remembered_version()
        base = (
            request.endpoint,
            request.path,
            _declared_args(),
            current_language(),
            bangkok_today().isoformat(),
            version,
        )
        signature = _NO_SIGNATURE
        stock_name = (request.endpoint, request.path)
        if stock is not None:
            signature = _remembered_stock(stock_name, lambda: stock(**kwargs))
        cache = current_app.extensions["page_cache"]
        parts = cache.get((*base, signature)) if version is not None else None
        if parts is not None:
            return current_app.response_class(compose(parts), mimetype="text/html")
        g.pop(_STOCK_FLAG, None)
        response = _render_shared(view, view_args, kwargs)
        if response.mimetype != "text/html" or response.direct_passthrough:
            return response
        parts = split_page(response.get_data(as_text=True))
        rendered = g.pop(_STOCK_FLAG, None) if stock is not None else _NO_SIGNATURE
        if response.status_code == 200 and version is not None and rendered is not None:
            cache.put((*base, rendered), parts)
            if rendered != signature:  # stock changed since it was read: remember the newer
                _remember_stock(stock_name, rendered)
        response.set_data(compose(parts))
        return response

    return wrapper
