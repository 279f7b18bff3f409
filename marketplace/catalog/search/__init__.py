"""Product search behind one interface, over Whoosh files or PostgreSQL full-text search.

Backends (SEARCH_BACKEND; by default PostgreSQL when DATABASE_URL is
PostgreSQL, Whoosh otherwise, as the README's one command on SQLite needs):

- `whoosh`: an index in the instance folder, written after each commit;
  embedded, per host.
- `postgresql`: tsvector columns built from the same Thai analysis, written
  in the same transaction as the catalog rows, so every host sees a change
  the moment it commits and there is nothing pending.

Both share `common` (documents' text, cleaning input, the final ranking with
stock read at query time, cards), `spelling` (did you mean) and
`catalog.thai_analysis`. Callers use only the functions here.
"""

import logging

from flask import current_app, has_app_context
from sqlalchemy import event

from ...extensions import db
from . import common, postgresql, whoosh
from .common import (
    FACETS,
    SearchOutcome,
    availability,
    boost,
    clean_filters,
    clean_text,
    facet_labels,
    is_thai,
    load_products,
    popular,
    warm_up,
)

__all__ = [
    "FACETS",
    "SearchOutcome",
    "availability",
    "backend",
    "backend_name",
    "boost",
    "clean_filters",
    "clean_text",
    "did_you_mean",
    "doc_count",
    "facet_labels",
    "generation",
    "install_index_hooks",
    "is_thai",
    "load_products",
    "pending_count",
    "popular",
    "query",
    "rebuild",
    "suggest",
    "sync_pending",
    "warm_up",
]

BACKENDS = {"whoosh": whoosh, "postgresql": postgresql}

log = logging.getLogger(__name__)


def choose_backend(app):
    """The backend an app uses: SEARCH_BACKEND, else PostgreSQL's own when the database is."""
    name = (app.config.get("SEARCH_BACKEND") or "").strip().lower()
    uri = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    on_postgresql = uri.startswith("postgresql")
    if not name:
        name = "postgresql" if on_postgresql else "whoosh"
    if name not in BACKENDS:
        raise RuntimeError(f"SEARCH_BACKEND must be one of {sorted(BACKENDS)}, not {name!r}")
    if name == "postgresql" and not on_postgresql:
        raise RuntimeError("SEARCH_BACKEND=postgresql needs a PostgreSQL DATABASE_URL")
    return name


def backend_name():
    """The current app's backend name."""
    return current_app.extensions["marketplace_search"]["backend"]


def backend():
    """The current app's backend module."""
    return BACKENDS[backend_name()]


def query(text, filters=None, page=1, per_page=24):
    """Search the catalog; bad input never raises, an empty result brings hints instead."""
    return backend().query(text, filters, page=page, per_page=per_page)


def suggest(text, limit=8):
    """Product and group names that the typed text begins, both scripts."""
    return backend().suggest(text, limit)


def did_you_mean(text):
    """A corrected spelling of the text that finds products, or ""."""
    return backend().did_you_mean(text)


def rebuild(progress=None, **options):
    """Index every visible product from scratch (built aside, then swapped in); the count.

    `progress(done, total)` is called as products are analysed.
    """
    return backend().rebuild(progress=progress, **options)


def sync_pending():
    """Index what waits to be indexed (Whoosh's queue; nothing waits with PostgreSQL)."""
    return backend().sync_pending()


def pending_count():
    """Entries waiting for the index."""
    return backend().pending_count()


def doc_count():
    """Documents in the index."""
    return backend().doc_count()


def generation():
    """A value that changes whenever the index is written (tests: a sale must not change it)."""
    return backend().generation()


def describe():
    """A line saying where the index lives."""
    return backend().describe()


# ---------------------------------------------------------------------------
# Keeping the index true


def _before_commit(session):
    """before_commit: PostgreSQL writes the touched products' documents in this transaction."""
    if session.in_nested_transaction() or not has_app_context():
        return
    state = current_app.extensions.get("marketplace_search", {})
    if state.get("backend") != "postgresql" or not state.get("auto_index"):
        return
    session.flush()
    pending = session.info.pop("search_pending", None)
    if pending:
        postgresql.write_changes(session, pending)


def _after_commit(session):
    """after_commit: Whoosh indexes the touched products; never raises.

    SQLAlchemy also calls this when a savepoint is released; the outer
    transaction has not committed then, so the products wait for it.
    """
    if session.in_nested_transaction():
        return
    pending = session.info.pop("search_pending", None)
    if not pending or not has_app_context():
        return
    state = current_app.extensions.get("marketplace_search", {})
    if state.get("backend") != "whoosh" or not state.get("auto_index"):
        return
    whoosh.after_commit(pending)


def _warm_up_index(app):
    """The backend's per-process structures built before the first query; never raises."""
    try:
        with app.app_context():
            common.warm_up_statements()
            backend().warm_up()
    except Exception:  # the first query will try again, and say what is wrong
        log.warning("search: warming up the index failed", exc_info=True)


def install_index_hooks(app):
    """Choose the app's backend and make commits on db.session keep its index true.

    Outside tests (SEARCH_WARM_UP, default on unless TESTING) a background
    thread loads the Thai dictionaries as the app starts, then what the
    backend's first query would build (`_warm_up_index`).
    """
    app.extensions["marketplace_search"] = {
        "auto_index": app.config.get("SEARCH_AUTO_INDEX", True),
        "backend": choose_backend(app),
    }
    if app.config.get("SEARCH_WARM_UP", not app.testing):
        common.start_warm_up(then=lambda: _warm_up_index(app))
    target = db.session
    if not event.contains(target, "after_flush", common.collect_changes):
        event.listen(target, "after_flush", common.collect_changes)
        event.listen(target, "before_commit", _before_commit)
        event.listen(target, "after_commit", _after_commit)
        event.listen(target, "after_rollback", common.forget_changes)
