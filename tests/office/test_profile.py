"""The leader edits the group's story, place, contact and payout details."""

import pytest
from sqlalchemy import select

from marketplace.models.accounts import AuditLog


def _profile(**changes):
    data = {
        "story_th": "เรื่องของเรา",
        "story_en": "Our story",
        "village": "บ้านดอยงาม",
        "moo": "5",
        "province_code": "57",
        "district_code": "5705",
        "subdistrict_code": "570505",
        "phone": "053 000 000",
        "email": "Group@Example.com",
        "line_id": "@homphaendin",
        "payout_bank": "BAAC",
        "payout_account_name": "Hom Phaendin group",
        "payout_account_no": "020-1-23456-7",
        "promptpay_id": "0812345678",
    }
    data.update(changes)
    return data


def test_leader_saves_the_profile_and_payout_change_is_audited(office, db):
    office.login("leader")
    response = office.post(office.url("/profile"), _profile())
    assert response.status_code == 303
    db.session.refresh(office.a)
    group = office.a
    assert group.story_en == "Our story" and group.email == "group@example.com"
    assert group.payout_account_no == "0201234567" and group.promptpay_id == "0812345678"
    actions = {r.action for r in db.session.scalars(select(AuditLog))}
    assert "group.payout_changed" in actions


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"district_code": "5801"}, "Choose a district of the chosen province."),
        ({"subdistrict_code": "999999"}, "Choose a subdistrict of the chosen district."),
        ({"promptpay_id": "12345"}, "A PromptPay ID is"),
        ({"promptpay_id": "1111111111111"}, "its last digit is wrong"),
        ({"promptpay_id": "0212345678"}, "A PromptPay ID is"),
        ({"payout_account_no": "abc"}, "An account number has 6 to 20 digits."),
        ({"email": "not an email"}, "Enter a valid email address."),
        ({"moo": "0"}, "Moo is a number from 1 to 99."),
    ],
)
def test_bad_profile_input_changes_nothing(office, db, changes, message):
    office.login("leader")
    response = office.post(office.url("/profile"), _profile(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(office.a)
    assert office.a.story_en == "The group's story"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("099-3505-00042-8", "0993505000428"), ("+66 81 234 5678", "0812345678")],
)
def test_a_promptpay_id_is_stored_as_digits(office, db, typed, stored):
    office.login("leader")
    response = office.post(office.url("/profile"), _profile(promptpay_id=typed))
    assert response.status_code == 303
    db.session.refresh(office.a)
    assert office.a.promptpay_id == stored


def test_show_districts_button_keeps_the_form(office, db):
    office.login("leader")
    response = office.post(office.url("/profile"), _profile(update_areas="y", district_code=""))
    assert response.status_code == 200
    assert "Phan" in response.get_data(as_text=True) or "พาน" in response.get_data(as_text=True)
