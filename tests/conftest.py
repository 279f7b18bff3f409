"""Fixtures shared by the whole suite: app, db, client, runner and data creators.

The schema is created once per session on a throwaway SQLite file, or on the
PostgreSQL database named by TEST_DATABASE_URL; every test starts from empty
tables.
"""

import os

import pytest
from sqlalchemy import text

from marketplace import create_app
from marketplace.config import TestConfig
from marketplace.extensions import db as _db

from . import factories


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    """One app for the session, with its instance folder in a temp directory."""
    instance = tmp_path_factory.mktemp("instance")
    previous = os.environ.get("MARKETPLACE_INSTANCE")
    os.environ["MARKETPLACE_INSTANCE"] = str(instance)
    try:
        app = create_app(TestConfig)
    finally:
        if previous is None:
            os.environ.pop("MARKETPLACE_INSTANCE", None)
        else:
            os.environ["MARKETPLACE_INSTANCE"] = previous
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def _empty_all_tables():
    tables = list(reversed(_db.metadata.sorted_tables))
    if _db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        _db.session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            _db.session.execute(table.delete())
    _db.session.commit()


@pytest.fixture(autouse=True)
def db(app):
    """The database inside an app context, emptied after each test."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _empty_all_tables()
        _db.session.remove()


@pytest.fixture
def client(app):
    """A test client; cookies persist between its requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask` commands."""
    return app.test_cli_runner()


@pytest.fixture
def make():
    """The data creators (tests/factories.py), e.g. `make.product(stock=3)`."""

    class Creators:
        group = staticmethod(factories.make_group)
        category = staticmethod(factories.make_category)
        product = staticmethod(factories.make_product)
        variant = staticmethod(factories.make_variant)
        lot = staticmethod(factories.make_lot)
        household = staticmethod(factories.make_household)
        contribution = staticmethod(factories.make_contribution)
        claim = staticmethod(factories.make_claim)

    return Creators


def csrf_token(client, path="/"):
    """The CSRF token a page hands out, read from its language-switch form."""
    import re

    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)
