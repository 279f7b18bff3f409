"""Lots with the households that made them; stock changes kept as history, never below zero."""

import json
from datetime import date

import pytest
from sqlalchemy import select, update

from marketplace.accounts.audit import AuditAction
from marketplace.catalog import service
from marketplace.catalog.service import CatalogError
from marketplace.models import HouseholdPersonal, Lot, StockAdjustment
from marketplace.models.accounts import AuditLog


def _lot_data(variant, **changes):
    data = {
        "variant_id": str(variant.id),
        "kind": "harvest",
        "produced_on": "2025-12-10",
        "quantity": "400",
        "code": "",
        "village": "",
        "moo": "",
        "province_code": "",
        "district_code": "",
        "subdistrict_code": "",
        "notes_th": "เกี่ยวมือ",
        "notes_en": "Hand harvested",
    }
    data.update(changes)
    return data


@pytest.fixture
def setup(office, make, db):
    product = make.product(group=office.a, variants=1, stock=None)
    variant = product.variants[0]
    variant.sku = "BSR-1KG"
    mine = make.household(group=office.a)
    db.session.add(HouseholdPersonal(household=mine, head_name="Nang Kham"))
    theirs = make.household(group=office.b)
    db.session.commit()
    return variant, mine, theirs


def test_record_a_lot_with_contributions_and_generated_code(office, setup, db):
    variant, mine, _ = setup
    office.login("staff")
    data = _lot_data(
        variant,
        **{
            "contributions-0-household_id": str(mine.id),
            "contributions-0-role": "grower",
            "contributions-0-quantity": "120",
            "contributions-0-unit": "kg",
        },
    )
    response = office.post(office.url("/lots/new"), data)
    assert response.status_code == 303, response.get_data(as_text=True)
    lot = db.session.scalars(select(Lot)).one()
    assert lot.code == "HP-BSR1KG-2512-01"
    assert (lot.quantity, lot.available, lot.kind) == (400, 400, "harvest")
    # The place defaults to the group's.
    assert (lot.province_code, lot.district_code, lot.subdistrict_code, lot.moo) == (
        "57",
        "5705",
        "570505",
        5,
    )
    [contribution] = lot.contributions
    assert (contribution.household_id, contribution.quantity) == (mine.id, 120)
    # A second lot in the same month gets the next number.
    assert office.post(office.url("/lots/new"), _lot_data(variant)).status_code == 303
    codes = sorted(db.session.scalars(select(Lot.code)))
    assert codes == ["HP-BSR1KG-2512-01", "HP-BSR1KG-2512-02"]


def test_staff_see_household_codes_only_leaders_see_names(office, setup, db):
    _, mine, _ = setup
    office.login("staff")
    html = office.client.get(office.url("/lots/new")).get_data(as_text=True)
    assert mine.code in html and "Nang Kham" not in html
    office.login("admin")  # not a member: the group's households stay unnamed
    assert "Nang Kham" not in office.client.get(office.url("/lots/new")).get_data(as_text=True)
    office.login("leader")
    assert "Nang Kham" in office.client.get(office.url("/lots/new")).get_data(as_text=True)


def test_a_leader_reading_names_on_a_lot_page_is_audited(office, setup, make, db):
    variant, mine, _ = setup
    lot = make.lot(variant)
    make.contribution(lot, mine)
    db.session.commit()
    viewed = select(AuditLog).where(AuditLog.action == AuditAction.HOUSEHOLD_PERSONAL_VIEWED)
    office.login("staff")
    assert "Nang Kham" not in office.client.get(office.url(f"/lots/{lot.id}")).get_data(
        as_text=True
    )
    assert db.session.scalars(viewed).all() == []
    office.login("leader")
    assert "Nang Kham" in office.client.get(office.url(f"/lots/{lot.id}")).get_data(as_text=True)
    [row] = db.session.scalars(viewed).all()
    assert row.subject_id == mine.id


def test_another_groups_household_or_variant_is_refused(office, setup, make, db):
    variant, _, theirs = setup
    other_variant = make.product(group=office.b).variants[0]
    db.session.commit()
    office.login("leader")
    data = _lot_data(
        variant,
        **{"contributions-0-household_id": str(theirs.id), "contributions-0-quantity": "5"},
    )
    response = office.post(office.url("/lots/new"), data)
    assert response.status_code == 400
    assert "Choose a household of this group." in response.get_data(as_text=True)
    response = office.post(office.url("/lots/new"), _lot_data(other_variant))
    assert response.status_code == 400
    assert db.session.scalars(select(Lot)).all() == other_variant.lots


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "0"}, "Enter the number of units"),
        ({"quantity": "lots"}, "Enter the number of units"),
        ({"quantity": "99999999999999999999"}, "Enter the number of units"),
        ({"produced_on": "2999-01-01"}, "Choose a date between 2000 and 2100."),
        ({"produced_on": "not a date"}, "Enter a date."),
        ({"code": "bad code!"}, "A lot code has 2 to 40 letters"),
        ({"kind": "stolen"}, "Choose harvest or production."),
        ({"province_code": "57", "district_code": "5801"}, "Choose a district of the chosen"),
        ({"moo": "0"}, "Moo is a number from 1 to 99."),
    ],
)
def test_bad_lot_input_is_refused(office, setup, db, changes, message):
    variant, _, _ = setup
    office.login("leader")
    response = office.post(office.url("/lots/new"), _lot_data(variant, **changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(select(Lot)).first() is None


def test_entered_code_must_be_unique(office, setup, make, db):
    variant, _, _ = setup
    make.lot(variant, code="TAKEN-01")
    db.session.commit()
    office.login("leader")
    response = office.post(office.url("/lots/new"), _lot_data(variant, code="taken-01"))
    assert response.status_code == 400
    assert "This lot code is already used." in response.get_data(as_text=True)


def _adjust(office, lot, delta, reason="damaged", note=""):
    return office.post(
        office.url(f"/lots/{lot.id}/adjust"), {"delta": delta, "reason": reason, "note": note}
    )


def test_stock_adjustments_are_kept_as_history_and_audited(office, setup, make, db):
    variant, _, _ = setup
    lot = make.lot(variant, quantity=10)
    db.session.commit()
    office.login("staff")
    assert _adjust(office, lot, "-3", "damaged", "rain").status_code == 303
    assert _adjust(office, lot, "2", "returned").status_code == 303
    db.session.refresh(lot)
    assert lot.available == 9
    history = db.session.scalars(select(StockAdjustment).order_by(StockAdjustment.id)).all()
    assert [(h.delta, h.reason, h.note) for h in history] == [
        (-3, "damaged", "rain"),
        (2, "returned", ""),
    ]
    assert history[0].user_id == office.people["staff"].id
    audits = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "lot.stock_adjusted").order_by(AuditLog.id)
    ).all()
    assert [json.loads(a.details)["delta"] for a in audits] == [-3, 2]
    html = office.client.get(office.url(f"/lots/{lot.id}")).get_data(as_text=True)
    assert "-3" in html and "Damaged or spoiled" in html and "rain" in html


@pytest.mark.parametrize(
    ("delta", "reason", "note", "message"),
    [
        ("-11", "damaged", "", "Only 10 units are available"),
        ("0", "damaged", "", "Enter a change other than zero."),
        ("1.5", "damaged", "", "Enter the change in units"),
        ("-9999999999", "damaged", "", "Enter the change in units"),
        ("1", "stolen", "", "Choose a reason."),
        ("1", "other", "", "Say what happened in the note."),
    ],
)
def test_bad_adjustments_change_nothing(office, setup, make, db, delta, reason, note, message):
    variant, _, _ = setup
    lot = make.lot(variant, quantity=10)
    db.session.commit()
    office.login("staff")
    response = _adjust(office, lot, delta, reason, note)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(lot)
    assert lot.available == 10
    assert db.session.scalars(select(StockAdjustment)).first() is None


def test_adjustment_uses_the_stock_in_the_database_not_a_stale_copy(app, office, setup, make, db):
    """Another worker sold 8 units after this one loaded the lot: taking 5 must fail."""
    variant, _, _ = setup
    lot = make.lot(variant, quantity=10)
    db.session.commit()
    with app.test_request_context():
        loaded = service.get_lot(office.a, lot.id)
        assert loaded.available == 10
        with db.engine.begin() as other_worker:
            other_worker.execute(update(Lot).where(Lot.id == lot.id).values(available=2))
        with pytest.raises(CatalogError):
            service.adjust_stock(office.a, lot.id, -5, "damaged")
        db.session.rollback()
        service.adjust_stock(office.a, lot.id, -2, "damaged")
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Lot, lot.id).available == 0


def test_another_groups_lot_is_404(office, setup, make, db):
    _, _, theirs = setup
    other_lot = make.product(group=office.b).variants[0].lots[0]
    db.session.commit()
    office.login("leader")
    assert office.client.get(office.url(f"/lots/{other_lot.id}")).status_code == 404
    assert _adjust(office, other_lot, "-1").status_code == 404
    db.session.refresh(other_lot)
    assert other_lot.available == 10


def test_lot_date_cannot_be_in_the_future(app, office, setup):
    variant, _, _ = setup
    with app.test_request_context(), pytest.raises(CatalogError):
        service.create_lot(
            office.a, variant.id, kind="harvest", produced_on=date(2099, 1, 1), quantity=5
        )


def test_a_stock_adjustment_reaches_the_search_index(office, setup, make, db):
    from marketplace.catalog import search

    variant, _, _ = setup
    variant.product.name_en = "Black sticky rice"
    other = make.product(group=office.a, name_en="Black sticky rice", stock=5)
    lot = make.lot(variant, quantity=3)
    db.session.commit()
    search.rebuild()
    assert set(search.query("sticky").product_ids) == {variant.product_id, other.id}
    office.login("leader")
    response = office.post(
        office.url(f"/lots/{lot.id}/adjust"), {"delta": "-3", "reason": "damaged"}
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    # Out of stock now: ranked after the product that still has stock.
    assert search.query("sticky").product_ids == [other.id, variant.product_id]


def test_the_unit_follows_the_page_language(office, setup, make, db):
    """Issue 11: a Thai page offered "kg"; it starts at กก. in Thai and kg in English."""
    variant, mine, _ = setup
    staff = office.login("staff")
    english = office.client.get(office.url("/lots/new")).get_data(as_text=True)
    assert 'name="contributions-0-unit" type="text" value="kg"' in english
    staff.locale = "th"
    db.session.commit()
    thai = office.client.get(office.url("/lots/new")).get_data(as_text=True)
    assert 'name="contributions-0-unit" type="text" value="กก."' in thai
    assert 'value="kg"' not in thai
    # A unit left empty is stored in the page's language.
    data = _lot_data(
        variant,
        **{
            "contributions-0-household_id": str(mine.id),
            "contributions-0-role": "grower",
            "contributions-0-quantity": "120",
            "contributions-0-unit": "",
        },
    )
    assert office.post(office.url("/lots/new"), data).status_code == 303
    lot = db.session.scalars(select(Lot)).one()
    assert lot.contributions[0].unit == "กก."
    # A unit stored as "kg" reads กก. on a Thai page, and กก. reads kg in English.
    lot.contributions[0].unit = "kg"
    db.session.commit()
    assert "120 กก." in office.client.get(office.url(f"/lots/{lot.id}")).get_data(as_text=True)
    staff.locale = "en"
    lot.contributions[0].unit = "กก."
    db.session.commit()
    assert "120 kg" in office.client.get(office.url(f"/lots/{lot.id}")).get_data(as_text=True)
