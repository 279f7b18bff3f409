"""The report period (both ends included), dates typed in either era, and month keys in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from ...i18n import NotADate, parse_ymd

MAX_MONTHS = 60


class PeriodError(ValueError):
    """The period asked for is not usable; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Period:
    """Both ends included; `months` are the first days of the calendar months it touches."""

    start: date
    end: date

    def __post_init__(self):
        from flask_babel import gettext

        if self.start > self.end:
            raise PeriodError(gettext("The period ends before it starts."))
        if self.month_count > MAX_MONTHS:
            raise PeriodError(gettext("A report covers at most five years."))

    @property
    def months(self):
        """First day of each month in the period, in order."""
        result = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(date(year, month, 1))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    @property
    def month_count(self):
        """N: calendar months touched by the period."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1


def parse_date(text):
    """A date typed as YYYY-MM-DD in either era (2568-12-01 or 2025-12-01); None when empty.

    PeriodError, with a message in the user's language, when it is not a date.
    The report pages and `flask report` read their periods through it.
    """
    from flask_babel import gettext

    text = (text or "").strip()
    if not text:
        return None
    try:
        # Converted from the Buddhist era before the calendar is checked: 2567-02-29 exists.
        return parse_ymd(text)
    except NotADate as error:
        if error.shape:
            message = gettext("Write the date as YYYY-MM-DD, e.g. 2568-01-15 or 2025-01-15.")
        else:
            message = gettext("%(value)s is not a real date.", value=text)
        raise PeriodError(message) from None


def month_key(day):
    """The integer a month is bucketed under: 202512 for December 2025."""
    return day.year * 100 + day.month


class _MonthKey(FunctionElement):
    """SQL for `month_key`: the same integer on PostgreSQL and SQLite."""

    type = Integer()
    name = "month_key"
    inherit_cache = True


@compiles(_MonthKey)
def _month_key_sql(element, compiler, **kw):
    # date_trunc is PostgreSQL's, strftime SQLite's; EXTRACT is standard SQL.
    column = compiler.process(next(iter(element.clauses)), **kw)
    return (
        f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 100"
        f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER))"
    )


@compiles(_MonthKey, "sqlite")
def _month_key_sqlite(element, compiler, **kw):
    # SQLite keeps a Date as 'YYYY-MM-DD' text: cutting it is much cheaper than strftime.
    column = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST(substr({column}, 1, 4) || substr({column}, 6, 2) AS INTEGER)"


def sql_month_key(column):
    return _MonthKey(column)


def month_end(first, period):
    """The last day of the month starting on `first`, or the period's end if sooner."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return min(following - timedelta(days=1), period.end)
