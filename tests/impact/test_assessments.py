"""Household assessments: value parsing, an officer recording one, area scoping, consent, audit."""

from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db
from marketplace.impact import assessments
from marketplace.models import HouseholdAssessment, PovertyClass

from ..conftest import csrf_token
from . import privacy_world
from .privacy_world import audit_rows, english_request

TODAY = date(2026, 1, 10)


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def world(app, db):
    yield privacy_world.build()
    privacy_world.search_index_back_on(app)


def count():
    return db.session.scalar(select(func.count()).select_from(HouseholdAssessment))


# -- values ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/03/2568", date(2025, 3, 15)),
        ("1/3/2568", date(2025, 3, 1)),
        ("15.03.2568", date(2025, 3, 15)),
        ("15-03-2025", date(2025, 3, 15)),
        ("2025-03-15", date(2025, 3, 15)),
        ("2568-03-15", date(2025, 3, 15)),
        (" 29/02/2567 ", date(2024, 2, 29)),
    ],
)
def test_dates_in_either_era_and_order(app, text, expected):
    with english_request(app):
        assert assessments.parse_date(text, "assessed_on", TODAY) == expected


@pytest.mark.parametrize(
    "text",
    ["", "15/03/68", "31/02/2568", "2025/03/15", "tomorrow", "15/03/2570", "01/01/1999", "3/15/"],
)
def test_bad_dates_are_refused_with_the_field(app, text):
    with english_request(app), pytest.raises(assessments.AssessmentError) as error:
        assessments.parse_date(text, "assessed_on", TODAY)
    assert error.value.field == "assessed_on"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("อยู่ลำบาก", PovertyClass.STRUGGLING),
        ("อยู่ยาก", PovertyClass.DIFFICULT),
        (" อยู่พอได้ ", PovertyClass.GETTING_BY),
        ("อยู่ดี", PovertyClass.WELL_OFF),
        ("struggling", PovertyClass.STRUGGLING),
        ("Difficult", PovertyClass.DIFFICULT),
        ("getting_by", PovertyClass.GETTING_BY),
        ("Getting by", PovertyClass.GETTING_BY),
        ("WELL_OFF", PovertyClass.WELL_OFF),
        ("well-off", PovertyClass.WELL_OFF),
    ],
)
def test_poverty_classes_from_thai_labels_and_english_codes(app, text, expected):
    with english_request(app):
        assert assessments.parse_poverty_class(text) == expected


@pytest.mark.parametrize("text", ["", "poor", "อยู่", "3", "อยู่ดีมาก"])
def test_unknown_poverty_classes_are_refused(app, text):
    with english_request(app), pytest.raises(assessments.AssessmentError):
        assessments.parse_poverty_class(text)


@pytest.mark.parametrize(
    ("text", "satang"),
    [
        ("85000", 8_500_000),
        ("85,000", 8_500_000),
        ("฿85,000.50", 8_500_050),
        ("85 000 บาท", 8_500_000),
        ("0", 0),
        ("0.5", 50),
    ],
)
def test_annual_income_in_baht_becomes_satang(app, text, satang):
    with english_request(app):
        assert assessments.parse_baht(text) == satang


@pytest.mark.parametrize("text", ["", "-5", "abc", "1.234", "1e6", "100000001"])
def test_bad_incomes_are_refused(app, text):
    with english_request(app), pytest.raises(assessments.AssessmentError) as error:
        assessments.parse_baht(text)
    assert error.value.field == "annual_income"


@pytest.mark.parametrize(
    ("text", "flag"),
    [("1", True), ("yes", True), ("ใช่", True), ("ตกเกณฑ์", True), ("x", True)]
    + [("0", False), ("", False), ("no", False), ("ไม่ใช่", False), ("ผ่านเกณฑ์", False)],
)
def test_dimension_flags(app, text, flag):
    with english_request(app):
        assert assessments.parse_flag(text, "health") is flag


def test_odd_flags_are_refused_naming_the_dimension(app):
    with english_request(app), pytest.raises(assessments.AssessmentError) as error:
        assessments.parse_flag("maybe", "access")
    assert error.value.field == "deprived_access"
    assert "Access to public services" in error.value.message


@pytest.mark.parametrize("members", ["0", "51", "2.5", "", "four"])
def test_members_is_a_whole_number_from_1_to_50(app, members):
    with english_request(app), pytest.raises(assessments.AssessmentError):
        assessments.parse_members(members)


# -- recording through the officer's form ---------------------------------------------------


def form(token, **changes):
    data = {
        "csrf_token": token,
        "assessed_on": "15/03/2568",
        "members": "5",
        "annual_income": "62,400",
        "poverty_class": "difficult",
        "deprived_health": "y",
        "deprived_income": "y",
        "consent_on": "10/03/2568",
        "consent_note": "Signed form at the district office",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_an_officer_records_an_assessment_with_consent_and_audit(client, auth, world):
    officer = world.users.officer
    auth.login(officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    assert client.get(path).status_code == 200
    response = client.post(path, data=form(csrf_token(client, path)))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/officer/households/{world.a1.id}")
    assessment = db.session.scalars(select(HouseholdAssessment)).one()
    assert (
        assessment.household_id,
        assessment.assessed_on,
        assessment.members,
        assessment.annual_income_satang,
        assessment.poverty_class,
    ) == (world.a1.id, date(2025, 3, 15), 5, 6_240_000, "difficult")
    assert [assessment.deprived_health, assessment.deprived_living] == [True, False]
    assert [assessment.deprived_education, assessment.deprived_income] == [False, True]
    assert assessment.deprived_access is False
    assert assessment.consent_on == date(2025, 3, 10)
    assert assessment.consent_note == "Signed form at the district office"
    assert (assessment.source, assessment.entered_by_id) == ("survey", officer.id)
    [row] = audit_rows(AuditAction.ASSESSMENT_RECORDED)
    assert (row.actor_id, row.subject_type, row.subject_id) == (
        officer.id,
        "household_assessment",
        assessment.id,
    )
    assert "HH-A1" in row.details and "Somsri" not in row.details

    page = client.get(f"/officer/households/{world.a1.id}").get_data(as_text=True)
    assert "Difficult (อยู่ยาก)" in page and "฿62,400" in page
    assert "Health" in page and "Income" in page


def test_no_consent_no_assessment(client, auth, world):
    auth.login(world.users.officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    response = client.post(path, data=form(csrf_token(client, path), consent_on=""))
    assert response.status_code == 400
    assert "This field is required." in response.get_data(as_text=True)
    assert count() == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("assessed_on", "31/02/2568", "is not a real date"),
        ("assessed_on", "15/03/2600", "cannot be in the future"),
        ("members", "0", "Members is a whole number from 1 to 50."),
        ("annual_income", "lots", "The annual income is an amount in baht"),
        ("poverty_class", "", "The poverty class is one of"),
        ("poverty_class", "rich", "The poverty class is one of"),
        ("consent_on", "yesterday", "is not a date"),
    ],
)
def test_bad_values_are_shown_on_the_form_and_nothing_is_stored(
    client, auth, world, field, value, message
):
    auth.login(world.users.officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    response = client.post(path, data=form(csrf_token(client, path), **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count() == 0
    assert audit_rows(AuditAction.ASSESSMENT_RECORDED) == []


def test_one_assessment_per_household_and_day(client, auth, world):
    privacy_world.add_assessment(world.a1, on=date(2025, 3, 15))
    auth.login(world.users.officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    response = client.post(path, data=form(csrf_token(client, path)))
    assert response.status_code == 400
    assert "already has an assessment on that date" in response.get_data(as_text=True)
    assert count() == 1


@pytest.mark.parametrize("who", ["officer_district", "officer_b"])
def test_officers_of_other_areas_get_404_and_change_nothing(client, auth, world, who):
    auth.login(getattr(world.users, who).email)
    token = csrf_token(client, "/officer/")
    for path in (
        f"/officer/households/{world.a1.id}",
        f"/officer/households/{world.a1.id}/assessments/new",
        f"/officer/households/{world.a1.id}/export.json",
    ):
        assert client.get(path).status_code == 404, path
    path = f"/officer/households/{world.a1.id}/assessments/new"
    assert client.post(path, data=form(token)).status_code == 404
    assert count() == 0
    assert audit_rows(AuditAction.HOUSEHOLD_PERSONAL_VIEWED) == []
    assert audit_rows(AuditAction.HOUSEHOLD_EXPORTED) == []


@pytest.mark.parametrize("who", ["leader_a", "staff_a", "admin"])
def test_non_officers_are_refused(client, auth, world, who):
    auth.login(getattr(world.users, who).email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    assert client.get(path).status_code == 403
    assert client.post(path, data=form(csrf_token(client, "/account/reset"))).status_code == 403
    assert count() == 0


def test_record_assessment_checks_the_area_in_the_domain(app, world):
    """The domain function itself refuses a household outside the officer's areas."""
    with english_request(app):
        with pytest.raises(assessments.HouseholdNotFound):
            assessments.record_assessment(world.users.officer, world.b1.id, form("x"), today=TODAY)
        with pytest.raises(assessments.HouseholdNotFound):
            assessments.record_assessment(world.users.leader_a, world.a1.id, form("x"), TODAY)
        for bad_id in (0, -1, 2**31, "1"):
            with pytest.raises(assessments.HouseholdNotFound):
                assessments.record_assessment(world.users.officer, bad_id, form("x"), TODAY)
    assert count() == 0


def test_an_erased_household_takes_no_new_assessment(client, auth, world):
    world.a1.erased_at = world.a1.created_at
    world.a1.personal = None
    db.session.commit()
    auth.login(world.users.officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    assert client.get(path).status_code == 404
    assert client.post(path, data=form(csrf_token(client, "/officer/"))).status_code == 404
    assert count() == 0


def test_the_household_page_shows_baseline_and_later_assessments(client, auth, world):
    privacy_world.add_assessment(world.a1, on=date(2024, 3, 1), income=3_000_000)
    privacy_world.add_assessment(
        world.a1, on=date(2025, 3, 1), income=9_900_000, poverty_class="getting_by"
    )
    auth.login(world.users.officer.email)
    page = client.get(f"/officer/households/{world.a1.id}").get_data(as_text=True)
    assert page.index("฿30,000") < page.index("฿99,000")
    assert "baseline" in page and "Getting by (อยู่พอได้)" in page
    assert privacy_world.NAME_A1 in page
