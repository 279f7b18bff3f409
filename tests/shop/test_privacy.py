"""Public pages count households but never name or identify them."""

import re

import pytest
from sqlalchemy import event

from marketplace.models import HouseholdPersonal

from .conftest import translated

PAGES = (
    "/products/black-sticky-rice",
    "/lot/LOT-RICE-NOW",
    "/groups/hom-phaendin",
    "/",
    "/products",
)


@pytest.fixture
def personal(shop, db):
    """Personal data for every household of the shop, to prove it never leaks."""
    for i, household in enumerate(shop["households"]):
        db.session.add(
            HouseholdPersonal(
                household=household,
                head_name=f"นางสมศรี ลับเฉพาะ{i}",
                phone=f"08100000{i:02d}",
                registry_ref_hash="f" * 64,
            )
        )
    db.session.commit()
    return shop


@pytest.mark.parametrize("language", ["th", "en"])
def test_household_counts_are_shown_as_numbers(personal, get_page, app, language):
    _, html = get_page("/products/black-sticky-rice", language)
    # Three distinct households across the product's two lots (one supplied both).
    expected = translated(app, language, "%(num)d households contributed", num=3)
    assert expected in html or re.search(r'class="households">[^<]*3', html)
    _, html = get_page("/lot/LOT-RICE-NOW", language)
    assert re.search(r'class="households">[^<]*\b3\b', html)
    _, html = get_page("/lot/LOT-RICE-OLD", language)
    assert re.search(r'class="households">[^<]*\b1\b', html)


def test_lot_page_breaks_households_down_by_role(personal, get_page, app):
    _, html = get_page("/lot/LOT-RICE-NOW", "en")
    assert translated(app, "en", "%(role)s: %(num)d", role="Growers", num=2) in html
    assert translated(app, "en", "%(role)s: %(num)d", role="Packers", num=1) in html


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_household_code_or_personal_data_on_public_pages(personal, get_page, path, language):
    _, html = get_page(path, language)
    assert "HH-SECRET" not in html
    assert "ลับเฉพาะ" not in html
    assert "08100000" not in html
    assert "f" * 64 not in html


def test_public_pages_never_read_household_personal(personal, db, client):
    touched = []

    def watch(conn, cursor, statement, parameters, context, executemany):
        if "household_personal" in statement or re.search(r"\bFROM household\b", statement):
            touched.append(statement)

    event.listen(db.engine, "before_cursor_execute", watch)
    try:
        db.session.expire_all()
        for path in PAGES:
            assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", watch)
    assert touched == []
