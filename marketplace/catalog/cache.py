"""Rendered storefront pages, cached per worker and keyed by the catalog's version.

A buyer who is not signed in sees the same catalog, product, group and lot
pages as every other such buyer, so each worker keeps the last pages it
rendered. The key holds the database's catalog version: any flush that adds,
changes or deletes a catalog row gives the catalog a new random version in the
same transaction, so a committed change reaches every worker's next request
and an uncommitted one never leaks. Code that changes catalog rows with bulk
SQL statements (stock reservations) calls `bump_catalog_version` itself.

The CSRF token in the page (the language switch) differs per visitor: pages
are rendered with a placeholder that each response replaces with its own token.
"""

import secrets
import threading
import time
from collections import OrderedDict
from datetime import date
from functools import wraps

from flask import current_app, g, has_app_context, make_response, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..extensions import db
from ..i18n import current_language
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
    Variant,
)

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
    Variant,
)

# Unguessable, so no text a user types can ever collide with it.
CSRF_PLACEHOLDER = "csrf-" + secrets.token_hex(16)
_RENDERING_FLAG = "_page_cache_rendering"


def _upsert(dialect_name):
    table = CatalogState.__table__
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    statement = insert(table).values(id=1, version=db.bindparam("version"))
    return statement.on_conflict_do_update(
        index_elements=[table.c.id], set_={"version": statement.excluded.version}
    )


def bump_catalog_version(connection):
    """Give the catalog a new version inside the caller's transaction."""
    connection.execute(_upsert(connection.dialect.name), {"version": secrets.token_hex(16)})
    _forget_remembered_version()


def _forget_remembered_version():
    if has_app_context() and "page_cache" in current_app.extensions:
        current_app.extensions["page_cache"].version = None


@event.listens_for(Session, "after_commit")
def _forget_after_commit(_session):
    """Forget again once committed: a request may have re-read the old version meanwhile."""
    _forget_remembered_version()


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


class PageCache:
    """A small thread-safe LRU of rendered pages."""

    def __init__(self, size=256):
        self.size = size
        self._pages = OrderedDict()
        self._lock = threading.Lock()
        self.version = None  # (catalog version, monotonic time it may be used until)

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


def page_csrf_token():
    """The `csrf_token()` templates call: a placeholder while a cacheable page renders."""
    if g.get(_RENDERING_FLAG):
        return CSRF_PLACEHOLDER
    return generate_csrf()


def init_app(app):
    """Give the app its page cache and the placeholder-aware csrf_token()."""
    app.extensions["page_cache"] = PageCache(app.config.get("PAGE_CACHE_SIZE", 256))
    app.jinja_env.globals["csrf_token"] = page_csrf_token
    # Flask-WTF also hands csrf_token to templates through a context processor;
    # this one runs after it, so templates get the placeholder-aware function.
    app.context_processor(lambda: {"csrf_token": page_csrf_token})


def _cacheable():
    return (
        current_app.config.get("PAGE_CACHE_ENABLED", True)
        and request.method == "GET"
        and "_flashes" not in session
        and not current_user.is_authenticated
    )


def cached_page(view):
    """Serve a storefront view from the page cache when the visitor is anonymous."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        version = _remembered_version()
        key = (request.full_path, current_language(), date.today().isoformat(), version)
        cache = current_app.extensions["page_cache"]
        html = cache.get(key) if version is not None else None
        if html is not None:
            response = make_response(html)
        else:
            setattr(g, _RENDERING_FLAG, True)
            try:
                response = make_response(view(*args, **kwargs))
            finally:
                g.pop(_RENDERING_FLAG, None)
            if response.mimetype != "text/html" or response.direct_passthrough:
                return response
            html = response.get_data(as_text=True)
            if response.status_code == 200 and version is not None:
                cache.put(key, html)
        response.set_data(html.replace(CSRF_PLACEHOLDER, generate_csrf()))
        return response

    return wrapper
