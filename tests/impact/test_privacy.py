"""PDPA: who sees a household's personal data and assessments, the access export, erasure."""

import html
import json

import pytest
from sqlalchemy import func, select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db
from marketplace.impact import privacy
from marketplace.models import (
    Household,
    HouseholdAssessment,
    HouseholdPersonal,
    LedgerEntry,
    LotContribution,
)

from ..conftest import csrf_token
from . import privacy_world
from .privacy_world import (
    CONSENT_NOTE_A1,
    NAME_A1,
    PHONE_A1,
    REF_A1,
    audit_rows,
    english_request,
)

INCOME_MARK = "43,210"  # the distinctive assessed income of add_assessment, in baht


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def world(app, db):
    world = privacy_world.build()
    privacy_world.add_ledger(world)
    privacy_world.add_assessment(world.a1)
    yield world
    privacy_world.search_index_back_on(app)


def office(world, path=""):
    return f"/office/{world.group_a.slug}/households{path}"


def export_json(response):
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    return json.loads(response.get_data(as_text=True))


def aggregates():
    """What reports add up: ledger sums by group and account, assessments, contributions."""
    ledger = db.session.execute(
        select(
            LedgerEntry.group_id,
            LedgerEntry.account,
            LedgerEntry.household_id,
            func.sum(LedgerEntry.amount_satang),
            func.count(),
        )
        .group_by(LedgerEntry.group_id, LedgerEntry.account, LedgerEntry.household_id)
        .order_by(LedgerEntry.group_id, LedgerEntry.account, LedgerEntry.household_id)
    ).all()
    assessed = db.session.execute(
        select(
            HouseholdAssessment.household_id,
            HouseholdAssessment.assessed_on,
            HouseholdAssessment.members,
            HouseholdAssessment.annual_income_satang,
            HouseholdAssessment.poverty_class,
            HouseholdAssessment.deprived_income,
        ).order_by(HouseholdAssessment.id)
    ).all()
    contributed = db.session.execute(
        select(
            LotContribution.household_id, LotContribution.lot_id, LotContribution.quantity
        ).order_by(LotContribution.id)
    ).all()
    codes = db.session.scalars(select(Household.code).order_by(Household.code)).all()
    db.session.rollback()
    return [tuple(r) for r in ledger], [tuple(r) for r in assessed], contributed, codes


# -- the leader's side -----------------------------------------------------------------------


def test_the_leaders_export_has_name_contributions_and_payments_of_their_group(client, auth, world):
    auth.login(world.users.leader_a.email)
    data = export_json(client.get(office(world, f"/{world.a1.id}/export.json")))
    assert data["format"] == privacy.EXPORT_FORMAT and data["scope"] == "group"
    assert data["household"]["code"] == "HH-A1"
    assert data["personal_data"]["head_name"] == NAME_A1
    assert data["personal_data"]["phone"] == PHONE_A1
    assert data["personal_data"]["consent_on"] == "2025-01-15"
    assert data["personal_data"]["consent_note"] == CONSENT_NOTE_A1
    assert "keyed one-way hash" in data["personal_data"]["registry_reference"]
    # Only group A: not B's lot, not B's payment, not that A1 also supplies B.
    assert [g["slug"] for g in data["groups"]] == ["hom"]
    assert [(c["lot"], c["quantity"], c["role"]) for c in data["contributions"]] == [
        ("LOT-A-2568", 40, "grower")
    ]
    assert [(e["kind"], e["amount_satang"]) for e in data["ledger_entries"]] == [
        ("sale_share", 12_345),
        ("payout", -10_000),
    ]
    assert data["ledger_totals"] == {
        "earned_satang": 12_345,
        "paid_out_satang": 10_000,
        "balance_satang": 2_345,
    }
    # A leader never sees assessments.
    assert "assessments" not in data
    text = json.dumps(data)
    assert "4321000" not in text and "struggling" not in text and "chili" not in text
    assert REF_A1 not in text
    [row] = audit_rows(AuditAction.HOUSEHOLD_EXPORTED)
    assert (row.actor_id, row.subject_id) == (world.users.leader_a.id, world.a1.id)
    assert '"scope": "group"' in row.details and NAME_A1 not in row.details


def test_a_leader_never_sees_assessments_on_any_office_page(client, auth, world):
    auth.login(world.users.leader_a.email)
    pages = [
        office(world),
        office(world, f"/{world.a1.id}/edit"),
        office(world, f"/{world.a1.id}/erase"),
        office(world, f"/{world.a1.id}/export.json"),
        f"/office/{world.group_a.slug}/",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        for mark in (INCOME_MARK, "43210", "4321000", "Struggling", "อยู่ลำบาก", "Poverty class"):
            assert mark not in text, (path, mark)


def test_a_leader_reaches_no_other_groups_household(client, auth, world):
    auth.login(world.users.leader_b.email)
    own = f"/office/{world.group_b.slug}/households"
    # A2 supplies only A: under B's own pages it does not exist.
    for path in (f"{own}/{world.a2.id}/export.json", f"{own}/{world.a2.id}/erase"):
        assert client.get(path).status_code == 404, path
    response = client.post(
        f"{own}/{world.a2.id}/erase",
        data={"csrf_token": csrf_token(client, own), "confirm": "HH-A2"},
    )
    assert response.status_code == 404
    # And A's pages are closed to B's leader altogether.
    assert client.get(office(world, f"/{world.a2.id}/export.json")).status_code == 403
    assert db.session.get(Household, world.a2.id).erased_at is None
    assert audit_rows(AuditAction.HOUSEHOLD_EXPORTED) == []


@pytest.mark.parametrize("who", ["staff_a", "admin", "officer"])
def test_only_the_own_leader_exports_or_erases_from_the_office(client, auth, world, who):
    auth.login(getattr(world.users, who).email)
    token = csrf_token(client, "/account/reset")
    assert client.get(office(world, f"/{world.a1.id}/export.json")).status_code == 403
    assert client.get(office(world, f"/{world.a1.id}/erase")).status_code == 403
    response = client.post(
        office(world, f"/{world.a1.id}/erase"), data={"csrf_token": token, "confirm": "HH-A1"}
    )
    assert response.status_code == 403
    assert db.session.get(HouseholdPersonal, world.a1.id) is not None
    assert audit_rows(AuditAction.HOUSEHOLD_EXPORTED) == []


# -- the officer's side ----------------------------------------------------------------------


def test_the_officers_export_has_everything_including_assessments(client, auth, world):
    auth.login(world.users.officer.email)
    data = export_json(client.get(f"/officer/households/{world.a1.id}/export.json"))
    assert data["scope"] == "area"
    assert data["personal_data"]["head_name"] == NAME_A1
    assert [g["slug"] for g in data["groups"]] == ["chili", "hom"]
    assert sorted(c["lot"] for c in data["contributions"]) == ["LOT-A-2568", "LOT-B-2568"]
    assert sorted(e["amount_satang"] for e in data["ledger_entries"]) == [-10_000, 12_345, 77_777]
    assert data["ledger_totals"]["balance_satang"] == 12_345 - 10_000 + 77_777
    [assessment] = data["assessments"]
    assert assessment["annual_income_satang"] == 4_321_000
    assert assessment["poverty_class"] == "struggling"
    assert assessment["deprived"] == {
        "health": False,
        "living": False,
        "education": False,
        "income": True,
        "access": False,
    }
    assert REF_A1 not in json.dumps(data)
    [row] = audit_rows(AuditAction.HOUSEHOLD_EXPORTED)
    assert (row.actor_id, row.subject_id) == (world.users.officer.id, world.a1.id)
    assert '"scope": "area"' in row.details


def test_the_export_is_valid_json_with_every_section(app, world):
    with english_request(app):
        data = privacy.household_export(world.a1)
    text = privacy.export_bytes(data).decode("utf-8")
    assert json.loads(text) == data
    assert set(data) == {
        "format",
        "generated_at",
        "scope",
        "notes",
        "household",
        "personal_data",
        "groups",
        "contributions",
        "ledger_entries",
        "ledger_totals",
        "assessments",
    }
    assert "บ้านดอยงาม" in text  # Thai kept readable, not \\u-escaped


def test_an_empty_ledger_exports_as_an_empty_list(app, world):
    with english_request(app):
        data = privacy.household_export(world.a2)
    assert data["ledger_entries"] == [] and data["assessments"] == []
    assert data["ledger_totals"] == {"earned_satang": 0, "paid_out_satang": 0, "balance_satang": 0}


@pytest.mark.parametrize("who", ["officer_district", "officer_b"])
def test_an_officer_never_sees_another_areas_households(client, auth, world, who):
    auth.login(getattr(world.users, who).email)
    for path in (
        f"/officer/households/{world.a1.id}",
        f"/officer/households/{world.a1.id}/export.json",
        f"/officer/households/{world.a1.id}/assessments/new",
    ):
        assert client.get(path).status_code == 404, path
    listing = client.get("/officer/households").get_data(as_text=True)
    assert "HH-A1" not in listing and NAME_A1 not in listing
    seen = audit_rows(AuditAction.HOUSEHOLD_PERSONAL_VIEWED) + audit_rows(
        AuditAction.HOUSEHOLD_EXPORTED
    )
    assert [r for r in seen if r.subject_id in (world.a1.id, world.a2.id)] == []


# -- every personal-data view is audited --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "action"),
    [
        ("leader_a", "/office/hom/households", AuditAction.HOUSEHOLD_PERSONAL_VIEWED),
        ("leader_a", "/office/hom/households/{a1}/edit", AuditAction.HOUSEHOLD_PERSONAL_VIEWED),
        ("leader_a", "/office/hom/households/{a1}/export.json", AuditAction.HOUSEHOLD_EXPORTED),
        ("officer", "/officer/households", AuditAction.HOUSEHOLD_PERSONAL_VIEWED),
        ("officer", "/officer/households/{a1}", AuditAction.HOUSEHOLD_PERSONAL_VIEWED),
        ("officer", "/officer/households/{a1}/export.json", AuditAction.HOUSEHOLD_EXPORTED),
    ],
)
def test_every_personal_data_view_leaves_an_audit_row(client, auth, world, who, path, action):
    user = getattr(world.users, who)
    auth.login(user.email)
    response = client.get(path.format(a1=world.a1.id))
    assert response.status_code == 200
    assert NAME_A1 in response.get_data(as_text=True)
    rows = [r for r in audit_rows(action) if r.subject_id == world.a1.id]
    assert [(r.actor_id, r.subject_type) for r in rows] == [(user.id, "household")]


def test_staff_see_no_names_and_leave_no_personal_data_audit(client, auth, world):
    auth.login(world.users.staff_a.email)
    page = client.get(office(world)).get_data(as_text=True)
    assert "HH-A1" in page and NAME_A1 not in page
    assert audit_rows(AuditAction.HOUSEHOLD_PERSONAL_VIEWED) == []


# -- erasure -------------------------------------------------------------------------------------


def erase(client, world, confirm="HH-A1", household=None):
    household = household or world.a1
    path = office(world, f"/{household.id}/erase")
    return client.post(path, data={"csrf_token": csrf_token(client, path), "confirm": confirm})


def test_erasure_needs_the_code_typed_in(client, auth, world):
    auth.login(world.users.leader_a.email)
    page = client.get(office(world, f"/{world.a1.id}/erase")).get_data(as_text=True)
    assert "cannot be undone" in page
    for confirm in ("", "HH-A2", "yes"):
        response = erase(client, world, confirm=confirm)
        assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Type the household's code, HH-A1, to confirm." in page
    assert db.session.get(HouseholdPersonal, world.a1.id).head_name == NAME_A1
    assert audit_rows(AuditAction.HOUSEHOLD_ERASED) == []


def test_erasure_removes_personal_data_and_keeps_ledger_and_aggregates(client, auth, world):
    before = aggregates()
    auth.login(world.users.leader_a.email)
    response = erase(client, world, confirm="hh-a1")  # any case
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/office/hom/households")

    household = db.session.get(Household, world.a1.id)
    assert household.erased_at is not None and household.code == "HH-A1"
    assert db.session.get(HouseholdPersonal, world.a1.id) is None
    assert aggregates() == before
    # Free-text consent notes could name someone: blanked; the numbers stay.
    [assessment] = db.session.scalars(select(HouseholdAssessment)).all()
    assert (assessment.consent_note, assessment.annual_income_satang) == ("", 4_321_000)
    # Nothing of the person is left in the whole database (the other households are intact).
    stored = privacy_world.database_text()
    for mark in (NAME_A1, PHONE_A1, CONSENT_NOTE_A1, "Somsri"):
        assert mark not in stored, mark
    with english_request(client.application):
        digest = privacy_world.household_domain.registry_hash(REF_A1)
    assert digest not in stored
    assert "Malee Srisuk" in stored
    [row] = audit_rows(AuditAction.HOUSEHOLD_ERASED)
    assert (row.actor_id, row.subject_id) == (world.users.leader_a.id, world.a1.id)
    assert NAME_A1 not in row.details


def test_after_erasure_no_page_or_export_shows_the_name(client, auth, world):
    auth.login(world.users.leader_a.email)
    assert erase(client, world).status_code == 303
    pages = [office(world), office(world, f"/{world.a1.id}/export.json")]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200
        assert NAME_A1 not in response.get_data(as_text=True), path
    listing = client.get(office(world)).get_data(as_text=True)
    assert "erased" in listing
    assert client.get(office(world, f"/{world.a1.id}/edit")).status_code == 404
    data = export_json(client.get(office(world, f"/{world.a1.id}/export.json")))
    assert data["personal_data"] is None and data["household"]["erased_at"]
    assert len(data["ledger_entries"]) == 2

    def viewed_a1():
        rows = audit_rows(AuditAction.HOUSEHOLD_PERSONAL_VIEWED)
        return [r for r in rows if r.subject_id == world.a1.id]

    seen_before = len(viewed_a1())
    auth.login(world.users.officer.email)
    for path in (
        "/officer/households",
        f"/officer/households/{world.a1.id}",
        f"/officer/households/{world.a1.id}/export.json",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert NAME_A1 not in response.get_data(as_text=True), path
    # The household stays in reports by its code, and its assessment numbers stay visible.
    page = client.get(f"/officer/households/{world.a1.id}").get_data(as_text=True)
    assert "HH-A1" in page and "฿43,210" in page
    # Viewing an erased household writes no personal-data audit row: there is none to see.
    assert len(viewed_a1()) == seen_before


def test_erasure_is_idempotent(client, auth, world):
    auth.login(world.users.leader_a.email)
    assert erase(client, world).status_code == 303
    state = aggregates()
    erased_at = db.session.get(Household, world.a1.id).erased_at
    response = erase(client, world)
    assert response.status_code == 303
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "was already erased" in follow
    assert aggregates() == state
    assert db.session.get(Household, world.a1.id).erased_at == erased_at
    assert len(audit_rows(AuditAction.HOUSEHOLD_ERASED)) == 1
    # The domain function answers the same.
    with english_request(client.application):
        household, erased = privacy.erase_group_household(world.group_a, world.a1.id, "HH-A1")
    assert erased is False and household.erased_at == erased_at


def test_an_erased_household_is_no_longer_edited_or_assessed(client, auth, world):
    auth.login(world.users.leader_a.email)
    assert erase(client, world).status_code == 303
    auth.login(world.users.officer.email)
    path = f"/officer/households/{world.a1.id}/assessments/new"
    assert client.get(path).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(HouseholdAssessment)) == 1


def test_erasing_one_household_leaves_the_others(client, auth, world):
    auth.login(world.users.leader_a.email)
    assert erase(client, world, confirm="HH-A2", household=world.a2).status_code == 303
    assert db.session.get(HouseholdPersonal, world.a1.id).head_name == NAME_A1
    assert db.session.get(HouseholdPersonal, world.a2.id) is None
    assert db.session.get(HouseholdPersonal, world.b1.id) is not None


def test_the_erase_domain_function_works_without_a_request(app, world):
    """Erasure is plain domain code: usable from a command, no request needed."""
    assert privacy.erase(world.a1) is True
    db.session.commit()
    assert privacy.erase(world.a1) is False
    assert db.session.get(Household, world.a1.id).erased_at is not None
    assert db.session.get(HouseholdPersonal, world.a1.id) is None
