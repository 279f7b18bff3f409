"""Who opens which report: officers of the area, admins; 404 outside; every view audited."""

from datetime import date

import pytest
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db as _db
from marketplace.models import AuditLog, Household, HouseholdPersonal

from .. import factories
from .report_fixtures import scenario

PERIOD_QS = "?from=2025-12-01&to=2026-11-30"


@pytest.fixture(autouse=True)
def english(client):
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def world(db):
    s = scenario()
    s.h1.personal = HouseholdPersonal(head_name="Somsri Jaidee", consent_on=date(2025, 1, 1))
    factories.make_user("officer57@example.com", locale="en", officer_areas=["57"])
    factories.make_user("officer58@example.com", locale="en", officer_areas=["58"])
    factories.make_user("phan@example.com", locale="en", officer_areas=[("57", "5705")])
    factories.make_user("admin@example.com", locale="en", admin=True)
    factories.make_user("leader@example.com", memberships=[(s.group, "leader")])
    _db.session.commit()
    return s


def _audits(action):
    return _db.session.scalars(
        select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
    ).all()


def test_officer_of_the_province_reads_area_group_and_household(client, auth, world):
    auth.login("officer57@example.com")
    page = client.get("/reports/area/57/" + PERIOD_QS)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Phan" in html and "Mueang Chiang Rai" in html
    assert '<svg class="report-chart"' in html
    assert client.get("/reports/area/57/5705/" + PERIOD_QS).status_code == 200
    assert client.get("/reports/area/57/5705/570505/" + PERIOD_QS).status_code == 200
    group = client.get(f"/reports/groups/{world.group.id}{PERIOD_QS}").get_data(as_text=True)
    assert "57-00001" in group and "58-00001" not in group  # 58's household is not theirs
    # One household (H6) is hidden: the totals would give its income, so they are "<5".
    assert "Fewer than 5 households of this group live outside your area." in group
    assert "฿92,500" not in group and "฿50,000" not in group and "฿88,500" not in group
    assert "฿100,000" in group  # the group's sales revenue stays
    assert 'class="report-chart"' not in group  # every month hidden: no chart
    household = client.get(f"/reports/households/{world.h1.id}{PERIOD_QS}")
    assert household.status_code == 200
    assert "Somsri" not in household.get_data(as_text=True)  # pseudonymous by default


def test_another_provinces_officer_gets_404(client, auth, world):
    auth.login("officer58@example.com")
    for path in (
        "/reports/area/57/",
        "/reports/area/57/5705/",
        "/reports/area/57/export.csv",
        "/reports/area/57/export.xlsx",
        f"/reports/households/{world.h1.id}",
    ):
        assert client.get(path).status_code == 404, path
    # G supplies-from H6 in 58, so its group page opens, listing only H6.
    group = client.get(f"/reports/groups/{world.group.id}{PERIOD_QS}").get_data(as_text=True)
    assert "58-00001" in group and "57-00001" not in group
    assert "5 households of this group live outside your area" in group
    # Only four of those five were paid: the income is hidden, and the page says why.
    assert "฿92,500" not in group
    assert "fewer than 5 of the households outside your area contributed" in group
    assert client.get(f"/reports/households/{world.h6.id}").status_code == 200


def test_district_officer_sees_their_district_only(client, auth, world):
    auth.login("phan@example.com")
    assert client.get("/reports/area/57/").status_code == 404
    assert client.get("/reports/area/57/5701/").status_code == 404
    assert client.get("/reports/area/57/5705/").status_code == 200
    assert client.get(f"/reports/households/{world.h5.id}").status_code == 404  # Mueang
    index = client.get("/reports/").get_data(as_text=True)
    assert "/reports/area/57/5705/" in index


def test_leaders_and_buyers_are_refused(client, auth, world):
    auth.login("leader@example.com")
    assert client.get("/reports/").status_code == 403
    assert client.get(f"/reports/households/{world.h1.id}").status_code == 403


def test_unknown_ids_and_areas_are_404(client, auth, world):
    auth.login("admin@example.com")
    for path in ("/reports/area/99/", "/reports/area/57/5801/", "/reports/households/999999",
                 "/reports/groups/999999", "/reports/area/57/5705/580101/"):  # fmt: skip
        assert client.get(path).status_code == 404, path


def test_household_view_is_audited_and_the_name_needs_asking(client, auth, world):
    auth.login("officer57@example.com")
    client.get(f"/reports/households/{world.h1.id}{PERIOD_QS}")
    assert len(_audits(AuditAction.REPORT_VIEWED)) == 1
    (personal,) = _audits(AuditAction.HOUSEHOLD_PERSONAL_VIEWED)
    assert personal.subject_id == world.h1.id
    assert "Somsri" not in personal.details
    page = client.get(f"/reports/households/{world.h1.id}{PERIOD_QS}&name=1")
    assert "Somsri Jaidee" in page.get_data(as_text=True)
    reasons = [a.details for a in _audits(AuditAction.HOUSEHOLD_PERSONAL_VIEWED)]
    assert any("reports.household.name" in r for r in reasons)


def test_the_group_page_audits_each_assessed_household_it_lists(client, auth, world):
    auth.login("officer57@example.com")
    page = client.get(f"/reports/groups/{world.group.id}{PERIOD_QS}").get_data(as_text=True)
    viewed = _audits(AuditAction.HOUSEHOLD_PERSONAL_VIEWED)
    assert viewed, "the group page lists assessed households"
    listed = {a.subject_id for a in viewed}
    assert all(a.subject_type == "household" and "reports.group" in a.details for a in viewed)
    codes = {_db.session.get(Household, i).code for i in listed}
    assert all(code in page for code in codes)
    assert world.h3.id not in listed  # no assessment: no personal data shown


def test_admins_see_every_report_but_never_a_name(client, auth, world):
    auth.login("admin@example.com")
    assert client.get("/reports/area/57/").status_code == 200
    assert client.get("/reports/area/58/").status_code == 200
    page = client.get(f"/reports/households/{world.h1.id}?name=1").get_data(as_text=True)
    assert "Somsri" not in page
    index = client.get("/reports/").get_data(as_text=True)
    assert "/reports/area/57/" in index and "/reports/area/58/" in index


def test_a_household_without_assessments_is_not_a_personal_data_view(client, auth, world):
    auth.login("officer57@example.com")
    client.get(f"/reports/households/{world.h3.id}{PERIOD_QS}")
    assert _audits(AuditAction.HOUSEHOLD_PERSONAL_VIEWED) == []
    assert len(_audits(AuditAction.REPORT_VIEWED)) == 1


def test_exports_are_audited(client, auth, world):
    auth.login("officer57@example.com")
    client.get("/reports/area/57/export.csv" + PERIOD_QS).get_data()
    client.get("/reports/area/57/5705/export.xlsx" + PERIOD_QS).get_data()
    rows = _audits(AuditAction.REPORT_EXPORTED)
    assert len(rows) == 2
    assert '"format": "csv"' in rows[0].details and '"area": "57"' in rows[0].details
    assert '"area": "57-5705"' in rows[1].details


@pytest.mark.parametrize(
    "query",
    ["?from=2026-13-01", "?from=2026-02-01&to=2026-01-01", "?from=2010-01-01&to=2026-01-01"],
)
def test_a_bad_period_is_a_clear_400_not_a_500(client, auth, world, query):
    auth.login("officer57@example.com")
    page = client.get("/reports/area/57/" + query)
    assert page.status_code == 400
    assert "Showing the last twelve months instead." in page.get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        export = client.get(f"/reports/area/57/export.{fmt}" + query)
        assert export.status_code == 400
        assert export.mimetype == "text/html"
        html = export.get_data(as_text=True)
        assert "The report could not be exported" in html
        assert 'href="/reports/area/57/"' in html


def test_the_export_says_what_is_wrong_with_the_period(client, auth, world):
    auth.login("officer57@example.com")
    html = client.get("/reports/area/57/export.csv?from=2026-13-01").get_data(as_text=True)
    assert "2026-13-01 is not a real date." in html
    html = client.get("/reports/area/57/export.xlsx?from=2026-02-01&to=2026-01-01").get_data(
        as_text=True
    )
    assert "The period ends before it starts." in html
    html = client.get("/reports/area/57/export.csv?from=1.12.2025").get_data(as_text=True)
    assert "Write the date as YYYY-MM-DD" in html


def test_buddhist_era_dates_are_understood(client, auth, world):
    auth.login("officer57@example.com")
    page = client.get("/reports/area/57/?from=2568-12-01&to=2569-11-30")
    assert page.status_code == 200
    assert "1 Dec 2025" in page.get_data(as_text=True)


def test_a_buddhist_era_leap_day_is_a_date(client, auth, world):
    auth.login("officer57@example.com")
    # 2567 BE is 2024 CE, a leap year: 29 February 2567 exists (2567 CE would have none).
    page = client.get("/reports/area/57/?from=2567-02-29&to=2567-03-31")
    assert page.status_code == 200
    assert "29 Feb 2024" in page.get_data(as_text=True)
    page = client.get("/reports/area/57/?from=2568-02-29&to=2568-03-31")
    assert page.status_code == 400
    assert "2568-02-29 is not a real date." in page.get_data(as_text=True)


def test_the_area_page_has_the_by_product_table(client, auth, world):
    auth.login("admin@example.com")
    html = client.get("/reports/area/57/" + PERIOD_QS).get_data(as_text=True)
    assert "By product" in html and "Households paid" in html
    assert "Black sticky rice" in html and "฿89,200" in html  # P1's revenue
    assert "table=products" in html
    csv_text = client.get("/reports/area/57/export.csv" + PERIOD_QS + "&table=products")
    assert csv_text.status_code == 200
    assert "_products.csv" in csv_text.headers["Content-Disposition"]
    assert csv_text.get_data(as_text=True).startswith("product_id,product,group_id,group,")
