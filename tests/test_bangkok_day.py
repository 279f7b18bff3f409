"""Dates are Thailand's: from 17:00 UTC the server's own date is a day behind.

The first-use journey failed every evening: a sale paid at 00:30 in Bangkok
is posted under Bangkok's date, but the report's default period ended on the
server's (UTC) date, the day before, and the officer saw no sales. Every
"today" in the app comes from `i18n.bangkok_today` (ruff's DTZ011 refuses
`date.today()`); these tests hold the clock at 00:30 in Bangkok.
"""

from datetime import UTC, date, datetime

import pytest

from marketplace import i18n
from marketplace.models import ClaimKind, ClaimStatus

from . import factories
from .impact.report_fixtures import PHAN, entry

# 30 Nov 2026 17:30 UTC is 1 Dec 2026 00:30 in Bangkok.
AT = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)
BANGKOK_DAY = date(2026, 12, 1)


class _Clock(datetime):
    """`datetime` whose now() is AT (the class i18n reads the time through)."""

    @classmethod
    def now(cls, tz=None):
        return AT.astimezone(tz) if tz is not None else AT.replace(tzinfo=None)


@pytest.fixture
def after_bangkok_midnight(monkeypatch):
    monkeypatch.setattr(i18n, "datetime", _Clock)
    return AT


def test_bangkok_today_turns_at_bangkok_midnight():
    assert i18n.bangkok_today(datetime(2026, 11, 30, 16, 59, tzinfo=UTC)) == date(2026, 11, 30)
    assert i18n.bangkok_today(datetime(2026, 11, 30, 17, 0, tzinfo=UTC)) == BANGKOK_DAY
    assert i18n.bangkok_today(AT) == BANGKOK_DAY


def test_report_default_period_ends_on_bangkok_today(after_bangkok_midnight):
    from marketplace.reports.views import default_period

    assert default_period() == (date(2026, 1, 1), BANGKOK_DAY)


def test_a_sale_just_after_bangkok_midnight_is_in_the_default_report(
    client, auth, db, after_bangkok_midnight
):
    """The sale is posted under 1 Dec (Bangkok); the page with no period shows it."""
    group = factories.make_group(name_en="Hom Phaendin", **PHAN)
    household = factories.make_household(group, **PHAN)
    entry(group, BANGKOK_DAY, 1_234, household)
    factories.make_user("admin@example.com", admin=True, locale="en")
    db.session.commit()
    auth.login("admin@example.com")
    html = client.get(f"/reports/groups/{group.id}").get_data(as_text=True)
    assert "Their shares of sales (less refunds): <strong>฿1,234" in html


def test_a_claim_ending_yesterday_in_bangkok_has_expired(db, after_bangkok_midnight):
    """Valid until 30 Nov: still the 30th on the server's clock, but 1 Dec in Thailand."""
    group = factories.make_group(**PHAN)
    claim = factories.make_claim(
        group, kind=ClaimKind.CHEMICAL_FREE, valid_until=date(2026, 11, 30)
    )
    assert claim.effective_status() == ClaimStatus.EXPIRED
    running = factories.make_claim(group, kind=ClaimKind.HANDMADE, valid_until=BANGKOK_DAY)
    assert running.effective_status() == ClaimStatus.VERIFIED


def test_a_moment_shown_as_a_date_is_its_day_in_bangkok():
    """An order placed at 00:30 in Bangkok is dated that day, not the UTC day before."""
    assert i18n.format_date(AT, "en") == "1 Dec 2026"
    assert i18n.format_date(AT.replace(tzinfo=None), "th") == "1 ธ.ค. 2569"  # SQLite's naive UTC
    assert i18n.format_date(date(2026, 11, 30), "en") == "30 Nov 2026"
