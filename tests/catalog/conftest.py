"""Search tests run against every backend the database allows: Whoosh always, PostgreSQL on it."""

import contextlib

import pytest

BACKENDS = ["whoosh", "postgresql"]


@contextlib.contextmanager
def using_backend(app, name):
    """Make the app search with backend `name` for the duration."""
    state = app.extensions["marketplace_search"]
    previous = state["backend"]
    state["backend"] = name
    try:
        yield name
    finally:
        state["backend"] = previous


def on_postgresql(app):
    """Whether the test database is PostgreSQL."""
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture(scope="module", params=BACKENDS)
def search_backend(request, app):
    """Each backend in turn, for a whole module (PostgreSQL's only on a PostgreSQL database)."""
    if request.param == "postgresql" and not on_postgresql(app):
        pytest.skip("the PostgreSQL backend needs TEST_DATABASE_URL=postgresql…")
    with using_backend(app, request.param) as name:
        yield name


@pytest.fixture
def whoosh_backend(app):
    """Whoosh, whatever the database: for tests of Whoosh's own files and locks."""
    with using_backend(app, "whoosh") as name:
        yield name
