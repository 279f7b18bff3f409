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
def test_fewer_than_five_households_are_not_counted(personal, get_page, app, language):
    """Like reports and cards: a count of 1 to 4 households could point at a family."""
    fewer = translated(app, language, "Fewer than %(num)d households contributed", num=5)
    _, html = get_page("/products/black-sticky-rice", language)
    assert f'class="households">{fewer}<' in html
    _, html = get_page("/lot/LOT-RICE-NOW", language)
    lot_fewer = translated(
        app, language, "Fewer than %(num)d households contributed to this lot.", num=5
    )
    assert f'class="households">{lot_fewer}<' in html
    assert 'class="roles"' not in html  # no breakdown of a small count
    _, html = get_page("/groups/hom-phaendin", language)
    group_fewer = translated(
        app, language, "Fewer than %(num)d households have contributed to our lots", num=5
    )
    assert f'class="households">{group_fewer}<' in html


@pytest.fixture
def many_households(personal, make, db):
    """Four more growers on the current rice lot: seven households in all."""
    lot = personal["lots"]["current"]
    group = lot.variant.product.group
    for i in range(4):
        make.contribution(lot, make.household(group, code=f"HH-SECRET-MORE-{i}"))
    db.session.commit()
    return personal


@pytest.mark.parametrize("language", ["th", "en"])
def test_five_or_more_households_are_counted(many_households, get_page, app, language):
    _, html = get_page("/products/black-sticky-rice", language)
    assert re.search(r'class="households">[^<]*\b7\b', html)
    _, html = get_page("/lot/LOT-RICE-NOW", language)
    assert re.search(r'class="households">[^<]*\b7\b', html)
    growers = translated(
        app, language, "%(role)s: %(num)d", role=_role(app, language, "grower"), num=6
    )
    packers = translated(
        app, language, "%(role)s: fewer than %(num)d", role=_role(app, language, "packer"), num=5
    )
    assert growers in html
    assert packers in html


def _role(app, language, role):
    from marketplace.catalog.labels import contribution_role_label

    with app.test_request_context(f"/?lang={language}"):
        return str(contribution_role_label(role))


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
