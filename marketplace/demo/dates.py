"""The demo's calendar: the catalogue is written for DATA_TODAY and moved to the day it loads.

`data.py` gives harvests, certificates, surveys and share rules as dates around
6 Dec 2026. Loading on another day moves every one of them by the same number
of whole months (a day past a month's end becomes its last day), so the lots,
the ledger and the open orders always lie in the twelve months before today.
Month names and years in the lots' notes move with them ("October 2026" loaded
in March 2031 reads "July 2031"), in Thai (Buddhist era) and English.
"""

import calendar
import re
from datetime import date, datetime

# The day the catalogue in data.py was written for.
DATA_TODAY = date(2026, 12, 6)

_TH_MONTHS = (
    "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
    "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
)  # fmt: skip
_EN_MONTHS = tuple(calendar.month_name[1:])
_DATES_IN_TEXT = re.compile(
    rf"(?P<th>{'|'.join(_TH_MONTHS)}) (?P<th_year>\d{{4}})"
    rf"|(?P<en>{'|'.join(_EN_MONTHS)}) (?P<en_year>\d{{4}})"
    r"|\b(?P<year>(?:25|20)\d\d)\b"
)


def months_between(start, end):
    """Whole calendar months from `start`'s month to `end`'s (negative when earlier)."""
    return (end.year - start.year) * 12 + end.month - start.month


def add_months(value, months):
    """`value` moved by whole months; a date or an aware datetime, the day clamped."""
    if not months or value is None:
        return value
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def move_text(text, months):
    """Month names and years written in `text` moved by `months` whole months."""
    if not months or not text:
        return text

    def moved(match):
        if match["th"]:
            when = add_months(
                date(int(match["th_year"]) - 543, _TH_MONTHS.index(match["th"]) + 1, 1), months
            )
            return f"{_TH_MONTHS[when.month - 1]} {when.year + 543}"
        if match["en"]:
            when = add_months(
                date(int(match["en_year"]), _EN_MONTHS.index(match["en"]) + 1, 1), months
            )
            return f"{_EN_MONTHS[when.month - 1]} {when.year}"
        year = int(match["year"])
        buddhist = year >= 2500
        # A bare year moves as its middle moves: mid-year plus the months, rounded.
        when = add_months(date(year - 543 if buddhist else year, 7, 1), months)
        return str(when.year + 543 if buddhist else when.year)

    return _DATES_IN_TEXT.sub(moved, text)


class Calendar:
    """Moves the catalogue's dates from DATA_TODAY to `today`."""

    def __init__(self, today):
        self.today = today
        self.months = months_between(DATA_TODAY, today)

    def date(self, value):
        """A date or datetime of the catalogue, moved."""
        if isinstance(value, (date, datetime)):
            return add_months(value, self.months)
        return value

    def text(self, value):
        """A note of the catalogue with its months and years moved."""
        return move_text(value, self.months)
