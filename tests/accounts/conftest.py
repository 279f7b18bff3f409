"""Pages in English for these tests, so assertions can read the (English) msgids."""

import pytest

from .. import factories


@pytest.fixture(autouse=True)
def english(client):
    """Anonymous pages in English (the language cookie)."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def make_user(db):
    """Like the suite's make_user, but the users read English by default."""

    def make(*args, **kwargs):
        kwargs.setdefault("locale", "en")
        return factories.make_user(*args, **kwargs)

    return make
