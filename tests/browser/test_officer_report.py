"""Browser journey: an officer reads the income report from province down to one household.

Drives Debian's chromium through pytest-playwright against the app served from
a thread (tests/browser/conftest.py): sign in, open the area report, drill down
province → district → subdistrict → group → household, download the XLSX and
check it opens with openpyxl and carries the IRIS+ sheet.
"""

import re

import openpyxl
import pytest

from tests.factories import DEFAULT_PASSWORD, make_user
from tests.impact.report_fixtures import scenario

pytestmark = pytest.mark.browser


def _sign_in(page, email):
    page.goto("/account/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def test_officer_drills_down_and_downloads_the_xlsx(db, live_server, page, tmp_path):
    from playwright.sync_api import expect

    s = scenario()
    make_user("officer@example.com", officer_areas=["57"], locale="en")
    db.session.commit()
    group_id, household_id = s.group.id, s.h1.id
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    _sign_in(page, "officer@example.com")
    page.goto("/reports/")
    page.get_by_role("link", name="Chiang Rai").click()
    expect(page.locator("h1")).to_have_text("Income report: Chiang Rai")
    page.locator("#period-from").fill("2025-12-01")
    page.locator("#period-to").fill("2026-11-30")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"from=2025-12-01&to=2026-11-30"))
    expect(page.locator("svg.report-chart")).to_be_visible()

    page.locator("table.data-table").first.get_by_role("link", name="Phan").click()
    expect(page.locator("h1")).to_have_text("Income report: Phan")
    page.locator("table.data-table").first.get_by_role("link", name="Doi Ngam").click()
    expect(page.locator("h1")).to_have_text("Income report: Doi Ngam")

    page.locator("table.data-table").first.get_by_role("link", name="Hom Phaendin").click()
    expect(page).to_have_url(re.compile(rf"/reports/groups/{group_id}\?"))
    expect(page.locator("h1")).to_have_text("Income report: Hom Phaendin")
    expect(page.get_by_role("cell", name="Black sticky rice")).to_be_visible()

    page.get_by_role("link", name="57-00001").click()
    expect(page).to_have_url(re.compile(rf"/reports/households/{household_id}\?"))
    expect(page.locator("h1")).to_have_text("Household 57-00001")
    expect(page.locator(".stats")).to_contain_text("3 / 12")
    expect(page.locator("svg.report-chart")).to_be_visible()

    page.go_back()
    page.go_back()  # the subdistrict's area report
    expect(page.locator("h1")).to_have_text("Income report: Doi Ngam")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    download = download_info.value
    assert download.suggested_filename == "uplift-57-5705-570505_2025-12-01_2026-11-30.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    book = openpyxl.load_workbook(path, read_only=True)
    assert "IRIS+" in book.sheetnames
    metrics = [row[0] for row in book["IRIS+"].iter_rows(values_only=True) if row]
    assert {"PI7852", "PI8632", "PI7318"} <= set(metrics)
    codes = [row[0] for row in book["Households"].iter_rows(values_only=True)][1:]
    book.close()
    assert codes == ["57-00001", "57-00002", "57-00003"]
    assert problems == []
