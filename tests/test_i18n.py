"""Money and date formatting, and bilingual field fallback."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketplace.i18n import format_baht, format_date, format_month, localized


@pytest.mark.parametrize(
    ("satang", "text"),
    [
        (0, "฿0"),
        (5, "฿0.05"),
        (100, "฿1"),
        (125000, "฿1,250"),
        (125050, "฿1,250.50"),
        (123456789, "฿1,234,567.89"),
        (-125050, "-฿1,250.50"),
    ],
)
def test_format_baht(satang, text):
    assert format_baht(satang) == text


def test_format_baht_none_is_empty():
    assert format_baht(None) == ""


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_baht_round_trips(satang):
    text = format_baht(satang)
    negative = text.startswith("-")
    digits = text.lstrip("-").removeprefix("฿").replace(",", "")
    baht, _, rest = digits.partition(".")
    value = int(baht) * 100 + (int(rest) if rest else 0)
    assert (-value if negative else value) == satang
    assert not rest or len(rest) == 2


def test_dates_in_thai_use_the_buddhist_era():
    assert format_date(date(2025, 12, 5), "th") == "5 ธ.ค. 2568"
    assert format_date(date(2025, 12, 5), "en") == "5 Dec 2025"
    assert format_month(date(2026, 1, 1), "th") == "ม.ค. 2569"
    assert format_month(date(2026, 1, 1), "en") == "Jan 2026"


def test_format_date_refuses_non_dates():
    with pytest.raises(TypeError):
        format_date("2025-12-05", "th")


def test_localized_falls_back_to_thai(make):
    group = make.group(name_th="หอมแผ่นดิน", name_en="")
    assert localized(group, "name", "en") == "หอมแผ่นดิน"
    group.name_en = "Hom Phaendin"
    assert localized(group, "name", "en") == "Hom Phaendin"
    assert localized(group, "name", "th") == "หอมแผ่นดิน"
