"""Language choice and the formatting of money, dates and bilingual fields."""

import re
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import current_app, has_request_context, request
from flask_babel import get_locale, pgettext
from flask_login import current_user

LANGUAGE_ARG = "lang"
LOCALE_COOKIE = "lang"

_TH_MONTHS = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip
_EN_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def select_locale():
    """Pick the language: ?lang= in the address, the signed-in user's choice, the cookie, Thai.

    `?lang=en` is the address of a page's English version that search engines
    follow from its hreflang link; it holds for that request only. The page
    cache keys on the language, so it never mixes the two.
    """
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # a CLI command: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get(LANGUAGE_ARG)
    if asked in languages:
        return asked
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages and getattr(current_user, "is_authenticated", False):
        return user_locale
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in languages:
        return cookie
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def without_language_arg(target):
    """A local address without its ?lang= (once a buyer picks a language, the address obeys it)."""
    parts = urlsplit(target)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != LANGUAGE_ARG]
    return urlunsplit(parts._replace(query=urlencode(kept)))


# How the units a person types most are written in each language; stored as typed.
_KILOGRAM = ("kg", "kg.", "กก.", "กก", "กิโลกรัม")


def default_unit():
    """The unit a quantity form starts with, in the page's language: กก. in Thai, kg in English."""
    return pgettext("unit of weight", "kg")


def unit_label(unit):
    """A stored unit as the reader writes it: "kg" reads กก. on a Thai page and back."""
    if unit and unit.strip().lower() in _KILOGRAM:
        return default_unit()
    return unit or ""


def current_language():
    """'th' or 'en' for the request being served."""
    locale = get_locale()
    return locale.language if locale else "th"


def localized(obj, field, language=None):
    """The Thai or English value of a bilingual field, falling back to Thai when empty."""
    language = language or current_language()
    if language != "th":
        value = getattr(obj, f"{field}_{language}", "")
        if value:
            return value
    return getattr(obj, f"{field}_th")


def format_baht(satang):
    """Integer satang as Thai baht: ฿1,250 when whole, ฿1,250.50 otherwise."""
    if satang is None:
        return ""
    satang = int(satang)
    sign = "-" if satang < 0 else ""
    baht, rest = divmod(abs(satang), 100)
    if rest:
        return f"{sign}฿{baht:,}.{rest:02d}"
    return f"{sign}฿{baht:,}"


BANGKOK = timezone(timedelta(hours=7), "ICT")


def format_date(value, language=None):
    """A date as a Thai reader expects it (Buddhist era) or in English.

    12 ธ.ค. 2568 in Thai, 12 Dec 2025 in English.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):  # a moment: its day in Thailand (naive is UTC, as stored)
        value = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(BANGKOK).date()
    if not isinstance(value, date):
        raise TypeError(f"not a date: {value!r}")
    language = language or current_language()
    if language == "th":
        return f"{value.day} {_TH_MONTHS[value.month - 1]} {value.year + 543}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_month(value, language=None):
    """A month and year: ธ.ค. 2568 / Dec 2025."""
    if value is None:
        return ""
    language = language or current_language()
    if language == "th":
        return f"{_TH_MONTHS[value.month - 1]} {value.year + 543}"
    return f"{_EN_MONTHS[value.month - 1]} {value.year}"


def bangkok_today(now=None):
    """Today's date in Thailand, the calendar every date in the marketplace is kept in.

    Sales are posted under the day they happened in Bangkok, claims run to a day
    there, lots are produced on one; the server's own date (UTC on most hosts)
    is a day behind from 17:00 UTC, so nothing asks `date.today()`.
    """
    return (now or datetime.now(UTC)).astimezone(BANGKOK).date()


def format_datetime(value, language=None):
    """A moment in Thailand's time: 12 ธ.ค. 2568 14:05 / 12 Dec 2025 14:05."""
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite gives back naive UTC
        value = value.replace(tzinfo=UTC)
    local = value.astimezone(BANGKOK)
    return f"{format_date(local.date(), language)} {local:%H:%M}"


BUDDHIST_ERA_OFFSET = 543
_YMD = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


class NotADate(ValueError):
    """Text that is not a date: `shape` is True when it is not even written as YYYY-MM-DD."""

    def __init__(self, shape):
        super().__init__("not YYYY-MM-DD" if shape else "no such day")
        self.shape = shape


def calendar_date(year, month, day):
    """A date from its parts; a Buddhist-era year (after 2400, e.g. 2568) is converted."""
    if year > 2400:
        year -= BUDDHIST_ERA_OFFSET
    try:
        return date(year, month, day)
    except ValueError:
        raise NotADate(shape=False) from None


def parse_ymd(text):
    """A date typed as YYYY-MM-DD, in the Buddhist or the Common era, or NotADate."""
    match = _YMD.fullmatch(text)
    if not match:
        raise NotADate(shape=True)
    return calendar_date(*(int(part) for part in match.groups()))
