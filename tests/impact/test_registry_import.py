"""Importing a poverty-registry CSV export: all or nothing, BE dates, Thai labels, no raw ids."""

import io
from datetime import date

import pytest
from sqlalchemy import func, select

from marketplace.accounts.audit import AuditAction
from marketplace.csv_import import CsvImportError, read_rows
from marketplace.extensions import db
from marketplace.impact import assessments, privacy
from marketplace.models import HouseholdAssessment

from ..conftest import csrf_token
from . import privacy_world
from .privacy_world import (
    REF_A1,
    REF_A2,
    REF_B1,
    audit_rows,
    english_request,
    registry_csv,
    row,
)

TODAY = date(2026, 1, 10)
UNKNOWN_REF = "57059999999"


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


def by_household():
    return {
        (a.household_id, a.assessed_on): a
        for a in db.session.scalars(select(HouseholdAssessment)).all()
    }


def do_import(app, user, data):
    with english_request(app):
        result = assessments.import_registry(user, data, today=TODAY)
        db.session.commit()
        return result


def problems_of(app, user, data):
    with english_request(app), pytest.raises(CsvImportError) as error:
        assessments.import_registry(user, data, today=TODAY)
    db.session.rollback()
    return [(p.line, p.message) for p in error.value.problems]


# -- the happy path ----------------------------------------------------------------------------


def test_buddhist_era_dates_thai_labels_and_english_codes(app, world):
    data = registry_csv(
        [
            row(REF_A1, on="15/03/2568", klass="อยู่ลำบาก", income="43,200", flags="11000"),
            row("5705-0067-890", on="2025-03-16", klass="getting_by", income="120000.50"),
            row(REF_A1, on="2567-03-10", klass="อยู่ยาก", members="7", flags="00000"),
        ]
    )
    result = do_import(app, world.users.officer, data)
    assert (len(result.created), result.households) == (3, 2)
    assert (result.unmatched_lines, result.already_lines) == ([], [])
    found = by_household()
    first = found[(world.a1.id, date(2025, 3, 15))]
    assert (first.poverty_class, first.annual_income_satang, first.members) == (
        "struggling",
        4_320_000,
        4,
    )
    assert (first.deprived_health, first.deprived_living, first.deprived_income) == (
        True,
        True,
        False,
    )
    assert (first.source, first.entered_by_id) == ("registry", world.users.officer.id)
    assert first.consent_on == date(2025, 3, 15)
    assert first.consent_note == "ยินยอมเป็นลายลักษณ์อักษร"
    second = found[(world.a2.id, date(2025, 3, 16))]
    assert (second.poverty_class, second.annual_income_satang) == ("getting_by", 12_000_050)
    older = found[(world.a1.id, date(2024, 3, 10))]
    assert (older.poverty_class, older.members) == ("difficult", 7)
    [logged] = audit_rows(AuditAction.ASSESSMENTS_IMPORTED)
    assert logged.actor_id == world.users.officer.id
    assert '"imported": 3' in logged.details and "HH-A1" in logged.details


def test_thai_headings_are_accepted(app, world):
    header = (
        "รหัสบ้าน,วันที่สำรวจ,จำนวนสมาชิก,รายได้ครัวเรือนต่อปี,ระดับความยากจน,"
        "ด้านสุขภาพ,ด้านความเป็นอยู่,ด้านการศึกษา,ด้านรายได้,ด้านการเข้าถึงบริการรัฐ,"
        "วันที่ให้ความยินยอม,หมายเหตุความยินยอม"
    )
    data = registry_csv([row(REF_A1, flags=["ใช่", "ไม่ใช่", "", "ตกเกณฑ์", "ผ่านเกณฑ์"])], header)
    result = do_import(app, world.users.officer, data)
    [assessment] = result.created
    assert assessment.deprived_health and assessment.deprived_income
    assert not (assessment.deprived_living or assessment.deprived_education)
    assert not assessment.deprived_access


def test_optional_columns_may_be_left_out_and_columns_reordered(app, world):
    header = "poverty_class,consent_date,annual_income_baht,members,assessed_on,household_id"
    data = registry_csv([["อยู่ดี", "01/02/2568", "250000", "3", "01/02/2568", REF_A2]], header)
    [assessment] = do_import(app, world.users.officer, data).created
    assert (assessment.poverty_class, assessment.deprived_health) == ("well_off", False)


def test_without_bom_and_with_lf_line_ends(app, world):
    data = registry_csv([row(REF_A1)], bom=False).replace(b"\r\n", b"\n")
    assert len(do_import(app, world.users.officer, data).created) == 1


# -- unmatched rows, re-uploads -----------------------------------------------------------------


def test_rows_of_unknown_or_other_area_households_are_skipped_and_counted(app, world):
    data = registry_csv([row(UNKNOWN_REF), row(REF_A1), row(REF_B1)])
    result = do_import(app, world.users.officer, data)
    assert [a.household_id for a in result.created] == [world.a1.id]
    # B1 is known to the marketplace but lies in 58: the officer of 57 learns nothing of it.
    assert result.unmatched_lines == [2, 4]
    assert count() == 1


def test_a_district_officer_matches_only_their_district(app, world):
    data = registry_csv([row(REF_A1)])
    problems = problems_of(app, world.users.officer_district, data)
    assert problems == [
        (
            0,
            "No row matches a household of your area. Households are matched by "
            "the house registration number their group recorded.",
        )
    ]
    assert count() == 0


def test_uploading_the_same_file_again_adds_nothing(app, world):
    data = registry_csv([row(REF_A1), row(REF_A2)])
    assert len(do_import(app, world.users.officer, data).created) == 2
    again = do_import(app, world.users.officer, data)
    assert (again.created, again.already_lines) == ([], [2, 3])
    assert count() == 2


def test_a_changed_row_for_a_recorded_date_is_an_error(app, world):
    do_import(app, world.users.officer, registry_csv([row(REF_A1, income="85,000")]))
    data = registry_csv([row(REF_A2), row(REF_A1, income="86,000")])
    assert problems_of(app, world.users.officer, data) == [
        (3, "Household HH-A1 already has a different assessment on this date.")
    ]
    assert count() == 1


def test_erased_households_are_not_matched(app, world):
    with english_request(app):
        privacy.erase(world.a1)
        db.session.commit()
    result = do_import(app, world.users.officer, registry_csv([row(REF_A1), row(REF_A2)]))
    assert [a.household_id for a in result.created] == [world.a2.id]
    assert result.unmatched_lines == [2]


# -- all or nothing -----------------------------------------------------------------------------


def test_one_bad_row_imports_nothing_and_every_bad_line_is_listed(app, world):
    data = registry_csv(
        [
            row(REF_A1),
            row(REF_A2, on="31/02/2568"),
            row(REF_A1, on="16/03/2568", klass="poor"),
            row("12-3", on="16/03/2568"),
            row(REF_A2, on="17/03/2568", members="0"),
            row(REF_A2, on="18/03/2568", income="-100"),
            row(REF_A2, on="19/03/2568", flags="0100?"),
            row(REF_A2, on="20/03/2568", consent=""),
            row(REF_A1, on="21/03/2568", consent="15/03/2570"),
        ]
    )
    problems = problems_of(app, world.users.officer, data)
    assert [line for line, _ in problems] == [3, 4, 5, 6, 7, 8, 9, 10]
    messages = dict(problems)
    assert "The assessment date 31/02/2568 is not a real date." in messages[3]
    assert "The poverty class is one of" in messages[4]
    assert messages[5] == "The household id is 6 to 20 letters or digits."
    assert messages[6] == "Members is a whole number from 1 to 50."
    assert "annual income is an amount in baht" in messages[7]
    assert "Access to public services" in messages[8]
    assert "consent" in messages[9]
    assert messages[10] == "The consent date cannot be in the future."
    assert count() == 0
    assert audit_rows(AuditAction.ASSESSMENTS_IMPORTED) == []


def test_the_same_household_and_date_twice_in_a_file(app, world):
    data = registry_csv([row(REF_A1), row("5705 0012 345")])
    assert problems_of(app, world.users.officer, data) == [
        (3, "Household HH-A1 is assessed on the same date on line 2.")
    ]
    assert count() == 0


def test_a_registry_number_shared_by_two_households_is_an_error(app, world):
    world.a2.personal.registry_ref_hash = world.a1.personal.registry_ref_hash
    db.session.commit()
    problems = problems_of(app, world.users.officer, registry_csv([row(REF_A1)]))
    assert len(problems) == 1 and "HH-A1, HH-A2" in problems[0][1]
    assert count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (privacy_world.HEADER.encode(), "The file has a header but no rows."),
        ("รหัส,ชื่อ\n1,2\n".encode("cp874"), "The file is not UTF-8 text."),
        (
            registry_csv([row(REF_A1)], header=privacy_world.HEADER + ",head_name"),
            "Unknown columns: head_name.",
        ),
        (
            registry_csv([["x"]], header="household_id,members"),
            "Missing columns: assessed_on, annual_income_baht, poverty_class, consent_date.",
        ),
    ],
)
def test_files_of_the_wrong_shape(app, world, data, message):
    problems = problems_of(app, world.users.officer, data)
    assert any(text.startswith(message) for _, text in problems), problems
    assert count() == 0


def test_size_and_row_limits(app, world):
    too_many = registry_csv([row(REF_A1)] * (assessments.IMPORT_MAX_ROWS + 1))
    assert problems_of(app, world.users.officer, too_many) == [
        (0, f"The file has more than {assessments.IMPORT_MAX_ROWS} rows; please split it.")
    ]
    too_big = b"x" * (assessments.IMPORT_MAX_BYTES + 1)
    [(line, message)] = problems_of(app, world.users.officer, too_big)
    assert line == 0 and message.startswith("The file is too large")
    assert count() == 0


def test_only_officers_import(app, world):
    from marketplace.accounts.access import NotAllowed

    with english_request(app), pytest.raises(NotAllowed):
        assessments.import_registry(world.users.leader_a, registry_csv([row(REF_A1)]), TODAY)


# -- no raw registry number anywhere ------------------------------------------------------------


def test_no_raw_registry_number_is_stored_anywhere(app, world, client, auth):
    auth.login(world.users.officer.email)
    path = "/officer/assessments/import"
    data = registry_csv([row(REF_A1), row(REF_A2), row(UNKNOWN_REF), row(REF_B1)])
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), "export.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    # A failed import too: its messages must not echo the number.
    bad = registry_csv([row(REF_A1, on="16/03/2568", members="x"), row(UNKNOWN_REF, klass="?")])
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(bad), "export.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Line 2" in page and "Line 3" in page
    stored = privacy_world.database_text()
    assert count() == 2
    for ref in (REF_A1, REF_A2, REF_B1, UNKNOWN_REF):
        assert ref not in page
        assert ref not in stored, ref
        assert ref[:4] + "-" + ref[4:] not in stored
    # What is stored is the keyed hash, found through it.
    with english_request(app):
        assert world.a1.personal.registry_ref_hash == assessments.registry_hash(REF_A1)


# -- the pages ---------------------------------------------------------------------------------


def test_the_import_page_reports_counts(app, world, client, auth):
    auth.login(world.users.officer.email)
    path = "/officer/assessments/import"
    assert "poverty registry" in client.get(path).get_data(as_text=True)
    data = registry_csv([row(REF_A1), row(UNKNOWN_REF), row(REF_A2)])
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "2 assessments imported for 2 households." in page
    assert "1 rows match no household of your area and were skipped (lines 3)." in page


def test_the_import_page_lists_bad_lines_in_the_users_language(app, world, client, auth):
    auth.login(world.users.officer.email)
    path = "/officer/assessments/import"
    data = registry_csv([row(REF_A1), row(REF_A2, members="many")])
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "file": (io.BytesIO(data), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported" in page
    assert "Line 3" in page and "Members is a whole number from 1 to 50." in page
    assert count() == 0


def test_the_template_reads_back_with_valid_values(app, world, client, auth):
    auth.login(world.users.officer.email)
    response = client.get("/officer/assessments/template.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.data.startswith("\ufeff".encode())
    with english_request(app):
        [(line, values)] = read_rows(response.data, assessments.IMPORT_COLUMNS)
        checked = assessments.check_values(
            dict(
                values,
                annual_income=values["annual_income_baht"],
                consent_on=values["consent_date"],
            ),
            TODAY,
        )
    assert list(values) == list(assessments.IMPORT_COLUMNS)
    assert (checked.assessed_on, checked.poverty_class) == (date(2025, 3, 15), "difficult")
