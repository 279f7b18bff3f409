"""What the report pages say: the group headline explained, months above the line by survey."""

from datetime import date

from .. import factories
from .report_fixtures import PHAN, assess, entry

QUERY = "?from=2025-12-01&to=2026-11-30"


def test_group_headline_shows_what_was_paid_to_households(client, auth, db):
    """Raw material and wages make "paid to households" larger than sales: the page says so."""
    group = factories.make_group(name_en="Hom Phaendin", **PHAN)
    household = factories.make_household(group, **PHAN)
    entry(group, date(2026, 3, 5), 1_000, household)  # sale share
    entry(group, date(2026, 3, 5), 200)  # group fund: sales revenue 1,200
    entry(group, date(2026, 4, 1), 5_000, household, kind="raw_material")
    entry(group, date(2026, 4, 2), 700, household, kind="wage")
    factories.make_user("admin@example.com", admin=True, locale="en")
    db.session.commit()
    auth.login("admin@example.com")
    html = client.get(f"/reports/groups/{group.id}{QUERY}").get_data(as_text=True)
    breakdown = html[html.index('class="income-breakdown"') :]
    breakdown = breakdown[: breakdown.index("</section>")]
    assert "Their shares of sales (less refunds): <strong>฿1,000" in breakdown
    assert "Raw material bought: <strong>฿5,000" in breakdown
    assert "Wages: <strong>฿700" in breakdown
    assert "Total paid to households: <strong>฿6,700" in breakdown
    assert "can be more than the sales" in breakdown


def test_household_page_counts_months_by_the_survey_in_force(client, auth, db):
    """Reassessed above the line in May: May to November are above it (the page showed 0)."""
    group = factories.make_group(**PHAN)
    household = factories.make_household(group, **PHAN)
    assess(household, date(2025, 6, 1), 4, 96_000, "difficult")
    assess(household, date(2026, 5, 20), 4, 180_000, "getting_by")
    factories.make_user("officer@example.com", officer_areas=["57"], locale="en")
    db.session.commit()
    auth.login("officer@example.com")
    html = client.get(f"/reports/households/{household.id}{QUERY}").get_data(as_text=True)
    assert "<strong>7 / 12</strong> months above the poverty line" in html
