"""Officers' list of households in their area: scoped, names shown, every view audited."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db as _db
from marketplace.models import AuditLog, HouseholdPersonal

from .. import factories


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def setup(db, make):
    group = make.group(slug="hom", name_en="Hom Phaendin")
    near = make.household(group, code="57-00001")
    near.personal = HouseholdPersonal(head_name="Somsri Jaidee", consent_on=date(2025, 1, 1))
    far = make.household(
        None, code="58-00001", province_code="58", district_code="5801", subdistrict_code="580101"
    )
    far.personal = HouseholdPersonal(head_name="Far Away", consent_on=date(2025, 1, 1))
    officer = factories.make_user("officer@example.com", locale="en", officer_areas=["57"])
    other = factories.make_user("other@example.com", locale="en", officer_areas=[("57", "5701")])
    db.session.commit()
    return dict(near=near, far=far, officer=officer, other=other)


def audits():
    return _db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.HOUSEHOLD_PERSONAL_VIEWED)
    ).all()


def test_officer_sees_households_of_area_with_names_and_audit(client, auth, setup):
    auth.login("officer@example.com")
    html = client.get("/officer/households").get_data(as_text=True)
    assert "57-00001" in html and "Somsri Jaidee" in html and "Hom Phaendin" in html
    assert "58-00001" not in html and "Far Away" not in html
    rows = audits()
    assert [(r.subject_id, r.actor_id) for r in rows] == [(setup["near"].id, setup["officer"].id)]


def test_officer_of_other_district_sees_nothing(client, auth, setup):
    auth.login("other@example.com")
    html = client.get("/officer/households").get_data(as_text=True)
    assert "57-00001" not in html and "Somsri" not in html
    assert audits() == []
