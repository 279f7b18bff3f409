"""Income-uplift reports: one household, one group, one area; every sum is done in SQL.

The definitions officers and funders read (amounts are integer satang):

- **Period**: `date_from` to `date_to`, both included. `N` is the number of
  calendar months it touches (1 Dec 2025 – 30 Nov 2026 is 12 months).
- **Value-chain income** of a household: the sum of its ledger entries of the
  income kinds (`LedgerKind.INCOME`: sale shares, raw material bought from it,
  wages, adjustments, and reversals, which are negative) dated in the period.
  Payouts are not income: they hand over money already counted.
- **Reached**: a household whose value-chain income in the period is above zero.
- **Baseline assessment**: the household's latest assessment dated on or before
  `date_from`; when there is none, its earliest assessment dated in the period.
  **Latest assessment**: its latest assessment dated on or before `date_to`.
  A household has a *change* to show only when the two are different surveys.
- **Poverty line** `L`: POVERTY_LINE_SATANG_PER_MONTH per person per month
  (NESDC 2024: 3,078 baht). **Basic-needs threshold** `B`:
  BASIC_NEEDS_SATANG_PER_YEAR per person per year.
- **Annualised value-chain income**: period income × 12 / N.
- **Estimated annual income per person**: (baseline annual income + annualised
  value-chain income) / baseline members. It is *above the line* when it is at
  least 12 × L, *above basic needs* when at least B. Integer arithmetic:
  baseline income × N + income × 12 ≥ 12 × L × members × N.
- **Assessment in force** in a month: the household's latest assessment dated
  on or before the month's last day (or the period's end, if sooner); for the
  months before its first assessment, the baseline.
- **Months above the line**: of the N months, those in which (the annual income
  of the assessment in force / 12 + that month's value-chain income) / its
  members ≥ L. A month without value-chain income counts when the assessment in
  force alone is above the line. Without a baseline assessment: none. (This
  once used the baseline for every month, so a household reassessed above the
  line during the period showed 0 months above it.)
- **Crossed the poverty line (assessed)**: baseline and latest are different
  surveys, the baseline's income per person is below the line and the latest's
  is at or above it. **Lifted above the line (estimated)**: the baseline is
  below the line and the estimated annual income per person is above it.
- **Low-income household** (IRIS+ PI7318): a reached household whose baseline
  class is struggling (อยู่ลำบาก) or difficult (อยู่ยาก), or whose baseline
  income per person is below the line.
- **Sales revenue** of a group: the sum of its sale-share and reversal entries
  over every account (households, group fund, platform). Posting divides each
  paid line's net amount exactly, so this is the net amount of its paid lines
  less refunds. **Share that reached households**: the households' part of it.
- **Area**: households are placed by their own area codes; an area's sales
  figures, by product too, are those of the groups located in it.
- **Households paid** from some sales: those whose net sale income from them
  in the period is above zero, wherever they live.
- **Small cells**: in area reports and exports every count of households from
  1 to 4, and every amount earned by such a cell, is shown as "<5" (zero stays:
  it tells nothing about any household). Sales to households (of a row, the
  total or a product) are hidden when 1 to 4 households were paid from them,
  or 1 to 4 of those paid live outside the officer's areas. Where a line of a
  table adds up to a total that is shown, a second cell is suppressed too (the
  smallest), so the first cannot be worked out by subtraction. Household
  reports are not suppressed, and neither are the rows of a group report: they
  list households one by one, by code, to officers of their area (and admins).
  A group report lists only the households of the officer's own area, and
  hides the totals that would give away the others' income (`group_report`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement

from .. import areas
from ..accounts import access
from ..extensions import db
from ..i18n import NotADate, parse_ymd
from ..models import Household, ProducerGroup
from ..models.households import HouseholdAssessment, PovertyClass, household_group
from ..models.ledger import LedgerAccount, LedgerEntry, LedgerKind

SUPPRESS_BELOW = 5
LOW_INCOME_CLASSES = (PovertyClass.STRUGGLING, PovertyClass.DIFFICULT)
SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)
MAX_MONTHS = 60


class ReportNotFound(LookupError):
    """No such area, group or household for this viewer (the view answers 404)."""


class PeriodError(ValueError):
    """The period asked for is not usable; `message` says why, in the user's language."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Suppressed:
    """A small cell: fewer than SUPPRESS_BELOW households, shown as "<5"."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self):
        return f"<{SUPPRESS_BELOW}"

    def __repr__(self):
        return "SUPPRESSED"


SUPPRESSED = Suppressed()


def is_suppressed(value):
    """True for a suppressed cell."""
    return value is SUPPRESSED


# -- the period -----------------------------------------------------------------------------


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


def _sql_month_key(column):
    return _MonthKey(column)


def _thresholds():
    config = current_app.config
    return int(config["POVERTY_LINE_SATANG_PER_MONTH"]), int(config["BASIC_NEEDS_SATANG_PER_YEAR"])


# -- suppression ---------------------------------------------------------------------------


def is_small(count):
    """True for a count of households from 1 to SUPPRESS_BELOW - 1 (zero is not small)."""
    return 0 < count < SUPPRESS_BELOW


def suppressed_cells(cells, lines=(), forced=()):
    """The keys of `cells` ({key: household count}) to hide, primary and complementary.

    Primary: counts from 1 to SUPPRESS_BELOW - 1, and the keys in `forced` (hidden
    for a reason the count does not show). Complementary: each of `lines`
    is a list of keys whose values add up to a total that is shown (the total
    may be one of the keys); a line with exactly one hidden key gets a second,
    its smallest visible non-zero cell, until no line has a single one.
    """
    hidden = {key for key, value in cells.items() if is_small(value)} | set(forced)
    changed = bool(hidden)
    while changed:
        changed = False
        for line in lines:
            if sum(1 for key in line if key in hidden) != 1:
                continue
            visible = [key for key in line if key not in hidden]
            if not visible:
                continue
            pick = min(visible, key=lambda key: (cells[key] == 0, cells[key]))
            hidden.add(pick)
            changed = True
    return hidden


# -- per-household figures, in SQL ------------------------------------------------------------


@dataclass
class HouseholdFigures:
    """One household's figures for a period (see the module docstring for each definition)."""

    household_id: int
    code: str
    province_code: str
    district_code: str
    subdistrict_code: str
    baseline_on: date | None
    baseline_members: int | None
    baseline_income: int | None
    baseline_class: str | None
    latest_on: date | None
    latest_members: int | None
    latest_income: int | None
    latest_class: str | None
    income: int
    months_with_income: int
    months_above: int  # months at or above the line (the assessment in force each month)
    month_count: int
    poverty_line: int
    basic_needs: int

    @property
    def has_baseline(self):
        return self.baseline_on is not None

    @property
    def has_change(self):
        """Baseline and latest are different surveys."""
        return (
            self.has_baseline and self.latest_on is not None and self.latest_on > self.baseline_on
        )

    @property
    def reached(self):
        return self.income > 0

    @property
    def annualised_income(self):
        """Value-chain income × 12 / N (satang, rounded down)."""
        return self.income * 12 // self.month_count

    def _below(self, income, members):
        return income < 12 * self.poverty_line * members

    @property
    def baseline_below_line(self):
        return self.has_baseline and self._below(self.baseline_income, self.baseline_members)

    @property
    def latest_below_line(self):
        if self.latest_on is None:
            return None
        return self._below(self.latest_income, self.latest_members)

    @property
    def baseline_per_person_month(self):
        if not self.has_baseline:
            return None
        return self.baseline_income // (12 * self.baseline_members)

    @property
    def latest_per_person_month(self):
        if self.latest_on is None:
            return None
        return self.latest_income // (12 * self.latest_members)

    @property
    def estimated_annual_per_person(self):
        """(Baseline annual income + annualised value-chain income) / baseline members."""
        if not self.has_baseline:
            return None
        return (self.baseline_income + self.annualised_income) // self.baseline_members

    @property
    def estimated_per_person_month(self):
        value = self.estimated_annual_per_person
        return None if value is None else value // 12

    @property
    def value_chain_per_person_month(self):
        """Value-chain income per person per month of the period (baseline members)."""
        if not self.has_baseline:
            return None
        return self.income // (self.month_count * self.baseline_members)

    @property
    def estimated_above_line(self):
        if not self.has_baseline:
            return None
        n = self.month_count
        return (
            self.baseline_income * n + self.income * 12
            >= 12 * self.poverty_line * self.baseline_members * n
        )

    @property
    def estimated_above_basic_needs(self):
        if not self.has_baseline:
            return None
        n = self.month_count
        return (
            self.baseline_income * n + self.income * 12
            >= self.basic_needs * self.baseline_members * n
        )

    @property
    def months_above_line(self):
        """Months at or above the line, by the assessment in force each month."""
        return self.months_above if self.has_baseline else 0

    @property
    def crossed_line(self):
        """Crossed the poverty line (assessed)."""
        return bool(self.has_change and self.baseline_below_line and not self.latest_below_line)

    @property
    def lifted_above_line(self):
        """Lifted above the line (estimated from value-chain income)."""
        return bool(self.baseline_below_line and self.estimated_above_line)

    @property
    def low_income(self):
        """Low income by the baseline (class or income per person), for IRIS+ PI7318."""
        return bool(self.baseline_class in LOW_INCOME_CLASSES or self.baseline_below_line)


def _household_condition(province_code=None, district_code=None, subdistrict_code=None):
    conditions = []
    if province_code:
        conditions.append(Household.province_code == province_code)
    if district_code:
        conditions.append(Household.district_code == district_code)
    if subdistrict_code:
        conditions.append(Household.subdistrict_code == subdistrict_code)
    return and_(*conditions) if conditions else literal(True)


def _income_entries(period, group_id=None):
    conditions = [
        LedgerEntry.account == LedgerAccount.HOUSEHOLD,
        LedgerEntry.kind.in_(LedgerKind.INCOME),
        LedgerEntry.occurred_on >= period.start,
        LedgerEntry.occurred_on <= period.end,
    ]
    if group_id is not None:
        conditions.append(LedgerEntry.group_id == group_id)
    return and_(*conditions)


def _monthly_cte(period, household_condition, group_id=None):
    """(household id, month key, amount): each household's value-chain income per month."""
    month = _sql_month_key(LedgerEntry.occurred_on)
    return (
        select(
            LedgerEntry.household_id.label("household_id"),
            month.label("month"),
            func.sum(LedgerEntry.amount_satang).label("amount"),
        )
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(_income_entries(period, group_id), household_condition)
        .group_by(LedgerEntry.household_id, month)
        .cte("monthly")
    )


def _household_ctes(period, household_condition, group_id=None):
    """The CTEs behind every report: `base` (areas and assessments) and `per_household`."""
    line, _basic = _thresholds()
    dates = (
        select(
            HouseholdAssessment.household_id.label("household_id"),
            func.max(
                case(
                    (
                        HouseholdAssessment.assessed_on <= period.start,
                        HouseholdAssessment.assessed_on,
                    )
                )
            ).label("before_on"),
            func.min(HouseholdAssessment.assessed_on).label("first_on"),
            func.max(HouseholdAssessment.assessed_on).label("last_on"),
        )
        .join(Household, Household.id == HouseholdAssessment.household_id)
        .where(HouseholdAssessment.assessed_on <= period.end, household_condition)
        .group_by(HouseholdAssessment.household_id)
        .cte("assessment_dates")
    )
    baseline = aliased(HouseholdAssessment, name="baseline")
    latest = aliased(HouseholdAssessment, name="latest")
    base = (
        select(
            Household.id.label("household_id"),
            Household.code.label("code"),
            Household.province_code.label("province_code"),
            Household.district_code.label("district_code"),
            Household.subdistrict_code.label("subdistrict_code"),
            baseline.assessed_on.label("baseline_on"),
            cast(baseline.members, BigInteger).label("baseline_members"),
            baseline.annual_income_satang.label("baseline_income"),
            baseline.poverty_class.label("baseline_class"),
            latest.assessed_on.label("latest_on"),
            cast(latest.members, BigInteger).label("latest_members"),
            latest.annual_income_satang.label("latest_income"),
            latest.poverty_class.label("latest_class"),
        )
        .select_from(Household)
        .outerjoin(dates, dates.c.household_id == Household.id)
        .outerjoin(
            baseline,
            and_(
                baseline.household_id == Household.id,
                baseline.assessed_on == func.coalesce(dates.c.before_on, dates.c.first_on),
            ),
        )
        .outerjoin(
            latest,
            and_(latest.household_id == Household.id, latest.assessed_on == dates.c.last_on),
        )
        .where(household_condition)
        .cte("base")
    )
    monthly = _monthly_cte(period, household_condition, group_id)
    sums = (
        select(
            monthly.c.household_id.label("household_id"),
            func.sum(monthly.c.amount).label("income"),
            func.count().label("months_with_income"),
        )
        .join(base, base.c.household_id == monthly.c.household_id)
        .group_by(monthly.c.household_id)
        .cte("household_sums")
    )
    above = _months_above_cte(period, household_condition, base, monthly, line)
    per_household = (
        select(
            *base.c,
            func.coalesce(sums.c.income, 0).label("income"),
            func.coalesce(sums.c.months_with_income, 0).label("months_with_income"),
            func.coalesce(above.c.months_above, 0).label("months_above"),
        )
        .select_from(base)
        .outerjoin(sums, sums.c.household_id == base.c.household_id)
        .outerjoin(above, above.c.household_id == base.c.household_id)
        .cte("per_household")
    )
    return monthly, per_household


def _month_end(first, period):
    """The last day of the month starting on `first`, or the period's end if sooner."""
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return min(following - timedelta(days=1), period.end)


def _months_above_cte(period, household_condition, base, monthly, line):
    """(household id, months above): months in which the assessment in force, plus that
    month's value-chain income, puts the household at or above the line (module docstring)."""
    month_rows = [
        select(
            literal(month_key(first), Integer).label("month"),
            literal(_month_end(first, period), Date).label("month_end"),
        )
        for first in period.months
    ]
    months = (union_all(*month_rows) if len(month_rows) > 1 else month_rows[0]).cte("months")
    in_force = (
        select(
            HouseholdAssessment.household_id.label("household_id"),
            months.c.month.label("month"),
            func.max(HouseholdAssessment.assessed_on).label("assessed_on"),
        )
        .join(months, HouseholdAssessment.assessed_on <= months.c.month_end)
        .join(Household, Household.id == HouseholdAssessment.household_id)
        .where(household_condition)
        .group_by(HouseholdAssessment.household_id, months.c.month)
        .cte("in_force")
    )
    grid = (
        select(
            base.c.household_id.label("household_id"),
            months.c.month.label("month"),
            func.coalesce(in_force.c.assessed_on, base.c.baseline_on).label("assessed_on"),
        )
        .select_from(base)
        .join(months, true())
        .outerjoin(
            in_force,
            and_(
                in_force.c.household_id == base.c.household_id,
                in_force.c.month == months.c.month,
            ),
        )
        .where(base.c.baseline_on.is_not(None))
        .cte("month_assessment")
    )
    assessment = aliased(HouseholdAssessment, name="in_force_assessment")
    month_income = func.coalesce(monthly.c.amount, 0)
    return (
        select(grid.c.household_id.label("household_id"), func.count().label("months_above"))
        .join(
            assessment,
            and_(
                assessment.household_id == grid.c.household_id,
                assessment.assessed_on == grid.c.assessed_on,
            ),
        )
        .outerjoin(
            monthly,
            and_(monthly.c.household_id == grid.c.household_id, monthly.c.month == grid.c.month),
        )
        .where(
            assessment.annual_income_satang + 12 * month_income
            >= 12 * line * cast(assessment.members, BigInteger)
        )
        .group_by(grid.c.household_id)
        .cte("months_above")
    )


def _figures(row, period):
    line, basic = _thresholds()
    values = row._mapping
    return HouseholdFigures(
        household_id=values["household_id"],
        code=values["code"],
        province_code=values["province_code"],
        district_code=values["district_code"],
        subdistrict_code=values["subdistrict_code"],
        baseline_on=values["baseline_on"],
        baseline_members=values["baseline_members"],
        baseline_income=values["baseline_income"],
        baseline_class=values["baseline_class"],
        latest_on=values["latest_on"],
        latest_members=values["latest_members"],
        latest_income=values["latest_income"],
        latest_class=values["latest_class"],
        income=int(values["income"] or 0),
        months_with_income=int(values["months_with_income"] or 0),
        months_above=int(values["months_above"] or 0),
        month_count=period.month_count,
        poverty_line=line,
        basic_needs=basic,
    )


def _counters(ph, period):
    """SQL aggregates over the `per_household` CTE: the counts every summary row shows."""
    line, _basic = _thresholds()
    n = period.month_count
    has_baseline = ph.c.baseline_on.is_not(None)
    baseline_below = and_(has_baseline, ph.c.baseline_income < 12 * line * ph.c.baseline_members)
    latest_above = ph.c.latest_income >= 12 * line * ph.c.latest_members
    has_change = and_(has_baseline, ph.c.latest_on > ph.c.baseline_on)
    estimated_above = (
        ph.c.baseline_income * n + ph.c.income * 12 >= 12 * line * ph.c.baseline_members * n
    )
    reached = ph.c.income > 0
    low_income = and_(reached, or_(ph.c.baseline_class.in_(LOW_INCOME_CLASSES), baseline_below))

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count().label("households"),
        count_if(reached).label("reached"),
        func.coalesce(func.sum(ph.c.income), 0).label("income"),
        count_if(has_baseline).label("assessed"),
        count_if(has_change).label("reassessed"),
        count_if(and_(has_change, baseline_below, latest_above)).label("crossed"),
        count_if(and_(baseline_below, estimated_above)).label("lifted"),
        count_if(baseline_below).label("below_at_baseline"),
        count_if(low_income).label("low_income_reached"),
    ]


COUNT_FIELDS = (
    "households",
    "reached",
    "assessed",
    "reassessed",
    "crossed",
    "lifted",
    "below_at_baseline",
    "low_income_reached",
)


# -- who may see what ----------------------------------------------------------------------------


def _is_admin(viewer):
    return viewer is None or access.is_admin(viewer)


def check_area(viewer, province_code, district_code=None, subdistrict_code=None):
    """The (province, district, subdistrict) areas if they exist and the viewer covers them.

    `viewer=None` is the command line (sees everything). An officer of one
    district sees that district's reports, not its province's: ReportNotFound.
    """
    province = areas.province(province_code or "")
    district = areas.district(district_code) if district_code else None
    subdistrict = areas.subdistrict(subdistrict_code) if subdistrict_code else None
    if province is None:
        raise ReportNotFound()
    if district_code and (district is None or district.province_code != province.code):
        raise ReportNotFound()
    if subdistrict_code and (
        district is None or subdistrict is None or subdistrict.district_code != district.code
    ):
        raise ReportNotFound()
    if not _is_admin(viewer):
        if district is None:
            covered = any(
                area.province_code == province.code and not area.district_code
                for area in (viewer.officer_areas if access.is_officer(viewer) else ())
            )
        else:
            covered = access.officer_covers(viewer, province.code, district.code)
        if not covered:
            raise ReportNotFound()
    return province, district, subdistrict


def viewer_sees_household(viewer, household_row):
    """True if the viewer may see this household's own row (admins and the CLI: all)."""
    if _is_admin(viewer):
        return True
    return access.officer_covers(viewer, household_row.province_code, household_row.district_code)


def get_group(viewer, group_id):
    """The group if the viewer may read its report, else ReportNotFound.

    Officers: a group located in their area, or one that households of their area supply.
    """
    if not isinstance(group_id, int) or not 0 < group_id < 2**31:
        raise ReportNotFound()
    group = db.session.get(ProducerGroup, group_id)
    if group is None:
        raise ReportNotFound()
    if _is_admin(viewer):
        return group
    if access.officer_covers(viewer, group.province_code, group.district_code):
        return group
    supplied = db.session.scalar(
        select(
            exists()
            .where(household_group.c.group_id == group.id)
            .where(household_group.c.household_id == Household.id)
            .where(access.officer_area_filter(viewer, Household))
        )
    )
    if not supplied:
        raise ReportNotFound()
    return group


def get_household(viewer, household_id):
    """The household if the viewer may read its report (officers: in their area)."""
    if not isinstance(household_id, int) or not 0 < household_id < 2**31:
        raise ReportNotFound()
    household = db.session.get(Household, household_id)
    if household is None or not viewer_sees_household(viewer, household):
        raise ReportNotFound()
    return household


# -- household report ------------------------------------------------------------------------


@dataclass
class HouseholdReport:
    """One household over a period: assessments, monthly income and the uplift figures."""

    household: Household
    period: Period
    figures: HouseholdFigures
    baseline: HouseholdAssessment | None
    latest: HouseholdAssessment | None
    months: list  # [(first day of month, income, income per person per month or None, above)]
    by_group: list  # [(group, kind, amount)]
    poverty_line: int
    basic_needs: int


def household_report(household_id, date_from, date_to, viewer=None):
    """The household report; ReportNotFound when the viewer may not see the household."""
    period = Period(date_from, date_to)
    household = get_household(viewer, household_id)
    line, basic = _thresholds()
    monthly, ph = _household_ctes(period, Household.id == household.id)
    row = db.session.execute(select(ph)).one()
    figures = _figures(row, period)
    amounts = dict(db.session.execute(select(monthly.c.month, monthly.c.amount)).all())
    surveys = db.session.scalars(
        select(HouseholdAssessment)
        .where(
            HouseholdAssessment.household_id == household.id,
            HouseholdAssessment.assessed_on <= period.end,
        )
        .order_by(HouseholdAssessment.assessed_on)
    ).all()
    by_date = {survey.assessed_on: survey for survey in surveys}
    months = []
    for first in period.months:
        amount = int(amounts.get(month_key(first), 0))
        per_person = above = None
        if figures.has_baseline:
            # The assessment in force that month: the latest by its end, else the baseline.
            end = _month_end(first, period)
            dated = [survey for survey in surveys if survey.assessed_on <= end]
            survey = dated[-1] if dated else by_date[figures.baseline_on]
            income, members = survey.annual_income_satang, survey.members
            per_person = (income + 12 * amount) // (12 * members)
            above = income + 12 * amount >= 12 * line * members
        months.append((first, amount, per_person, above))
    by_group = db.session.execute(
        select(LedgerEntry.group_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_satang))
        .where(_income_entries(period), LedgerEntry.household_id == household.id)
        .group_by(LedgerEntry.group_id, LedgerEntry.kind)
        .order_by(LedgerEntry.group_id, LedgerEntry.kind)
    ).all()
    groups = {
        group.id: group
        for group in db.session.scalars(
            select(ProducerGroup).where(ProducerGroup.id.in_({g for g, _k, _a in by_group}))
        )
    }
    assessments = {
        a.assessed_on: a
        for a in db.session.scalars(
            select(HouseholdAssessment).where(
                HouseholdAssessment.household_id == household.id,
                HouseholdAssessment.assessed_on.in_(
                    [d for d in (figures.baseline_on, figures.latest_on) if d is not None]
                ),
            )
        )
    }
    return HouseholdReport(
        household=household,
        period=period,
        figures=figures,
        baseline=assessments.get(figures.baseline_on),
        latest=assessments.get(figures.latest_on),
        months=months,
        by_group=[(groups[gid], kind, int(amount)) for gid, kind, amount in by_group],
        poverty_line=line,
        basic_needs=basic,
    )


# -- group report -----------------------------------------------------------------------------


@dataclass
class ProductRow:
    """One product's sales in the period and the part that reached households.

    `to_households` and `households` are ints, or SUPPRESSED (see `group_report`).
    """

    product_id: int
    name_th: str
    name_en: str
    revenue: int
    to_households: object
    households: object

    @property
    def share(self):
        return _share(self.to_households, self.revenue)


@dataclass
class GroupReport:
    """One group over a period: households reached, income paid, share of sales, by product.

    Figures that include households outside an officer's area may be SUPPRESSED
    (see `group_report`); `revenue` is the group's own and is always shown.
    """

    group: ProducerGroup
    period: Period
    households: object
    reached: object
    income: object
    revenue: int
    sales_to_households: object
    group_fund: object
    platform: object
    products: list
    other_income: list  # [(kind, amount or SUPPRESSED)]
    months: list  # [(first day of month, income, households with income)], either SUPPRESSED
    rows: list  # [HouseholdFigures] the viewer may see
    hidden_households: int  # households of the group outside the viewer's area
    poverty_line: int = 0
    basic_needs: int = 0
    suppressed_for_hidden: bool = False  # some figures hidden to protect those households

    @property
    def sales_share(self):
        return _share(self.sales_to_households, self.revenue)


def _share(part, whole):
    """part / whole as a fraction; None when whole is missing or not positive, or when part
    is SUPPRESSED (a share would give the hidden amount away)."""
    if is_suppressed(part) or not whole or whole <= 0:
        return None
    return part / whole


def _sales_by_account(condition, period):
    rows = db.session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_satang))
        .join(ProducerGroup, ProducerGroup.id == LedgerEntry.group_id)
        .where(
            condition,
            LedgerEntry.kind.in_(SALE_KINDS),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(LedgerEntry.account)
    ).all()
    return {account: int(amount or 0) for account, amount in rows}


def _months_list(period, monthly_rows):
    found = {m: (int(amount or 0), int(count or 0)) for m, amount, count in monthly_rows}
    return [(first, *found.get(month_key(first), (0, 0))) for first in period.months]


def _outside(viewer, place):
    """SQL: true for a place (Household, or columns with its area codes) the viewer may not see."""
    if _is_admin(viewer):
        return false()
    return not_(access.officer_area_filter(viewer, place))


def _hidden_household_cells(hidden, cells, month_keys, kinds, product_ids):
    """Which group-report figures to hide so that households outside the viewer's area stay safe.

    `hidden`: those households' figures; `cells`: for each figure, how many of
    them it includes ("households", "reached", "income", "sales", ("kind", k),
    ("month", key), ("product", id)). Fewer than SUPPRESS_BELOW hidden households:
    every figure that includes households is hidden (even their number would
    tell too much). Otherwise each figure to which 1 to 4 of them contribute is
    hidden, plus complementary cells, as their part of it is the total less the
    households listed: months add up to the income, income kinds to the income,
    products to the sales to households.
    """
    if not hidden:
        return set()
    if len(hidden) < SUPPRESS_BELOW:
        return set(cells)
    forced = {"income"} if is_small(cells["reached"]) else set()
    lines = [
        [*(("month", key) for key in month_keys), "income"],
        ["sales", *(("kind", kind) for kind in kinds), "income"],
        [*(("product", pid) for pid in product_ids), "sales"],
    ]
    return suppressed_cells(cells, lines, forced=forced)


def group_report(group_id, date_from, date_to, viewer=None):
    """The group report; ReportNotFound when the viewer may not see the group.

    An officer sees the rows of their area's households only. The totals also
    count the group's other households, so when those are fewer than
    SUPPRESS_BELOW every figure that includes households (their number, those
    reached, income, sales to households and what follows from it: group fund,
    platform fee, per product, per month) is SUPPRESSED: the totals less the
    rows listed would otherwise give the hidden households' income. With
    SUPPRESS_BELOW or more hidden, a figure is hidden when 1 to 4 of them
    contribute to it (see `_hidden_household_cells`). Admins and the command
    line see everything.
    """
    from ..models import OrderLine, Product, Variant

    period = Period(date_from, date_to)
    group = get_group(viewer, group_id)
    members = select(household_group.c.household_id).where(household_group.c.group_id == group.id)
    condition = or_(
        Household.id.in_(members),
        Household.id.in_(
            select(LedgerEntry.household_id).where(_income_entries(period, group.id)).distinct()
        ),
    )
    monthly, ph = _household_ctes(period, condition, group_id=group.id)
    totals = db.session.execute(select(*_counters(ph, period))).one()._mapping
    rows = [_figures(row, period) for row in db.session.execute(select(ph).order_by(ph.c.code))]
    visible = [row for row in rows if viewer_sees_household(viewer, row)]
    hidden = [row for row in rows if not viewer_sees_household(viewer, row)]
    outside = _outside(viewer, Household)
    sales = _sales_by_account(ProducerGroup.id == group.id, period)
    products = db.session.execute(
        select(
            Product.id,
            Product.name_th,
            Product.name_en,
            func.sum(LedgerEntry.amount_satang),
            func.sum(
                case(
                    (LedgerEntry.account == LedgerAccount.HOUSEHOLD, LedgerEntry.amount_satang),
                    else_=0,
                )
            ),
            func.count(func.distinct(LedgerEntry.household_id)),
            func.count(func.distinct(case((outside, LedgerEntry.household_id)))),
        )
        .join(OrderLine, OrderLine.id == LedgerEntry.order_line_id)
        .join(Variant, Variant.id == OrderLine.variant_id)
        .join(Product, Product.id == Variant.product_id)
        .outerjoin(Household, Household.id == LedgerEntry.household_id)
        .where(
            LedgerEntry.group_id == group.id,
            LedgerEntry.kind.in_(SALE_KINDS),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(Product.id, Product.name_th, Product.name_en)
        .order_by(func.sum(LedgerEntry.amount_satang).desc(), Product.id)
    ).all()
    # Income to households by kind (sale shares and reversals together as "sale"),
    # with how many households outside the viewer's area each includes.
    bucket = case((LedgerEntry.kind.in_(SALE_KINDS), literal("sale")), else_=LedgerEntry.kind)
    by_kind = db.session.execute(
        select(
            bucket.label("bucket"),
            func.sum(LedgerEntry.amount_satang),
            func.count(func.distinct(case((outside, LedgerEntry.household_id)))),
        )
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(_income_entries(period, group.id))
        .group_by(bucket)
        .order_by(bucket)
    ).all()
    other = [(kind, int(amount or 0), int(n or 0)) for kind, amount, n in by_kind if kind != "sale"]
    month_rows = db.session.execute(
        select(
            monthly.c.month,
            func.sum(monthly.c.amount),
            func.sum(case((monthly.c.amount > 0, 1), else_=0)),
            func.sum(case((and_(monthly.c.amount != 0, outside), 1), else_=0)),
        )
        .select_from(monthly)
        .join(Household, Household.id == monthly.c.household_id)
        .group_by(monthly.c.month)
    ).all()
    month_hidden = {m: int(n or 0) for m, _amount, _count, n in month_rows}
    month_keys = [month_key(first) for first in period.months]

    cells = {
        "households": len(hidden),
        "reached": sum(1 for row in hidden if row.reached),
        "income": sum(1 for row in hidden if row.income != 0),
        "sales": next((int(n or 0) for kind, _a, n in by_kind if kind == "sale"), 0),
        **{("kind", kind): n for kind, _amount, n in other},
        **{("month", key): month_hidden.get(key, 0) for key in month_keys},
        **{("product", row[0]): int(row[6] or 0) for row in products},
    }
    suppress = _hidden_household_cells(
        hidden, cells, month_keys, [kind for kind, _a, _n in other], [row[0] for row in products]
    )

    def shown(key, value):
        return SUPPRESSED if key in suppress else value

    months = []
    for first, amount, count in _months_list(period, [r[:3] for r in month_rows]):
        if ("month", month_key(first)) in suppress:
            amount = count = SUPPRESSED
        months.append((first, amount, count))
    sales_hidden = "sales" in suppress
    return GroupReport(
        group=group,
        period=period,
        households=shown("households", int(totals["households"])),
        reached=shown("reached", int(totals["reached"])),
        income=shown("income", int(totals["income"])),
        revenue=sum(sales.values()),
        sales_to_households=shown("sales", sales.get(LedgerAccount.HOUSEHOLD, 0)),
        # Revenue is shown: with it, fund and fee would give the households' part.
        group_fund=SUPPRESSED if sales_hidden else sales.get(LedgerAccount.GROUP_FUND, 0),
        platform=SUPPRESSED if sales_hidden else sales.get(LedgerAccount.PLATFORM, 0),
        products=[
            ProductRow(
                pid,
                name_th,
                name_en,
                int(revenue or 0),
                shown(("product", pid), int(to_hh or 0)),
                shown(("product", pid), int(n or 0)),
            )
            for pid, name_th, name_en, revenue, to_hh, n, _hidden in products
        ],
        other_income=[(kind, shown(("kind", kind), amount)) for kind, amount, _n in other],
        months=months,
        rows=visible,
        hidden_households=len(hidden),
        poverty_line=_thresholds()[0],
        basic_needs=_thresholds()[1],
        suppressed_for_hidden=bool(suppress),
    )


# -- area report ------------------------------------------------------------------------------


@dataclass
class AreaRow:
    """One line of an area's breakdown (a district, a subdistrict or a group), or its total.

    Counts and amounts are ints, or SUPPRESSED where they describe fewer than 5 households.
    """

    key: str
    name: str
    households: object = 0
    reached: object = 0
    income: object = 0
    assessed: object = 0
    reassessed: object = 0
    crossed: object = 0
    lifted: object = 0
    below_at_baseline: object = 0
    low_income_reached: object = 0
    revenue: object = None  # sales of the groups located here
    sales_to_households: object = None
    kind: str = "area"  # area | group
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def sales_share(self):
        return _share(self.sales_to_households, self.revenue)


@dataclass
class AreaProductRow:
    """One product sold by a group located in the area: its sales and the households paid.

    `to_households` and `households` are ints, or SUPPRESSED.
    """

    product_id: int
    name: str
    group_id: int
    group_name: str
    revenue: int
    to_households: object
    households: object  # households whose sale income from it in the period is above zero

    @property
    def share(self):
        return _share(self.to_households, self.revenue)


@dataclass
class PaidCounts:
    """Households paid out of some sales (see `_sales_detail`)."""

    paid: int = 0  # net sale income above zero
    contributors: int = 0  # net sale income not zero (a refund may leave it below)
    outside: int = 0  # contributors outside the viewer's areas
    income_contributors: int = 0  # any value-chain income from these groups, not zero

    def too_few(self):
        """True when the money these households got would describe 1 to 4 of them."""
        return is_small(self.paid) or is_small(self.contributors) or is_small(self.outside)


@dataclass
class AreaReport:
    """An area (province, district or subdistrict) over a period, small cells suppressed."""

    province: object
    district: object
    subdistrict: object
    period: Period
    level: str  # what the rows are: district | subdistrict | group
    rows: list
    total: AreaRow
    transitions: dict  # {(baseline class, latest class): count or SUPPRESSED}
    transition_rows: dict  # {baseline class: total}
    transition_cols: dict  # {latest class: total}
    transition_total: object
    months: list  # [(first day of month, income or SUPPRESSED, households or SUPPRESSED)]
    iris: dict
    poverty_line: int
    basic_needs: int
    products: list = field(default_factory=list)  # [AreaProductRow]

    @property
    def codes(self):
        return (
            self.province.code,
            self.district.code if self.district else None,
            self.subdistrict.code if self.subdistrict else None,
        )


def _area_name(area):
    from ..i18n import current_language

    return areas.area_name(area, current_language())


def _row_names(level, keys):
    if level == "district":
        return {key: _area_name(areas.district(key)) or key for key in keys}
    if level == "subdistrict":
        return {key: _area_name(areas.subdistrict(key)) or key for key in keys}
    from ..i18n import localized

    groups = db.session.scalars(
        select(ProducerGroup).where(ProducerGroup.id.in_([int(k) for k in keys]))
    )
    return {str(group.id): localized(group, "name") for group in groups}


def _suppress_rows(rows, total):
    """Hide small counts in the breakdown (lines: each count column with its total).

    The rows are treated as adding up to the total even where they do not quite
    (a household may supply several groups): hiding a second cell costs little,
    and a lone "<5" next to a total would otherwise be worked out by subtraction.
    """
    cells = {}
    for index, row in enumerate([*rows, total]):
        for name in COUNT_FIELDS:
            cells[(index, name)] = row.raw[name]
    lines = [[(index, name) for index in range(len(rows) + 1)] for name in COUNT_FIELDS]
    hidden = suppressed_cells(cells, lines)
    for index, row in enumerate([*rows, total]):
        for name in COUNT_FIELDS:
            setattr(row, name, SUPPRESSED if (index, name) in hidden else row.raw[name])
        # Money earned by a hidden number of households is hidden with it.
        if (index, "reached") in hidden:
            row.income = SUPPRESSED


def _suppress_sales(rows, total, products, paid_rows, paid_total, paid_products):
    """Hide the sales to households of rows, total and products paid to 1 to 4 households.

    Sales to households are the groups' (wherever the households paid live), so
    they are hidden when the households paid number 1 to 4, when 1 to 4 of them
    live outside the viewer's areas (the viewer could subtract those of their
    own area, listed in group reports), and when the row's own households
    reached number 1 to 4. Rows and total are one line, products and total
    another: a second cell is hidden where one would give the other away.
    """
    cells, forced = {}, set()

    def add(key, counts, reached):
        counts = counts or PaidCounts()
        cells[key] = counts.contributors
        if counts.too_few() or (is_small(reached) and counts.contributors):
            forced.add(key)

    for index, row in enumerate(rows):
        add(("row", index), paid_rows.get(row.key), row.raw["reached"])
    add("total", paid_total, total.raw["reached"])
    for product in products:
        add(("product", product.product_id), paid_products.get(str(product.product_id)), 0)
    lines = [
        [*(("row", index) for index in range(len(rows))), "total"],
        [*(("product", product.product_id) for product in products), "total"],
    ]
    hidden = suppressed_cells(cells, lines, forced=forced)
    for index, row in enumerate(rows):
        if ("row", index) in hidden:
            row.sales_to_households = SUPPRESSED
    if "total" in hidden:
        total.sales_to_households = SUPPRESSED
    for product in products:
        if ("product", product.product_id) in hidden:
            product.to_households = product.households = SUPPRESSED


def _money_sums(rows):
    """(sales by key by account, sales by account, other income to households) from
    (key, account, is sale, amount) tuples."""
    sales, sales_total, other_to_households = {}, {}, 0
    for key, account, is_sale, amount in rows:
        amount = int(amount or 0)
        if is_sale:
            entry = sales.setdefault(str(key), {})
            entry[account] = entry.get(account, 0) + amount
            sales_total[account] = sales_total.get(account, 0) + amount
        elif account == LedgerAccount.HOUSEHOLD:
            other_to_households += amount
    return sales, sales_total, other_to_households


def _group_money(period, group_condition, group_key):
    """Sales, raw material and wages of the groups located in an area, in one pass
    (see `_money_sums`)."""
    is_sale = case((LedgerEntry.kind.in_(SALE_KINDS), 1), else_=0).label("sale")
    rows = db.session.execute(
        select(
            group_key.label("key"),
            LedgerEntry.account,
            is_sale,
            func.sum(LedgerEntry.amount_satang),
        )
        .join(ProducerGroup, ProducerGroup.id == LedgerEntry.group_id)
        .where(
            group_condition,
            LedgerEntry.kind.in_(LedgerKind.INCOME),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(group_key, LedgerEntry.account, is_sale)
    ).all()
    return _money_sums(rows)


@dataclass
class SalesDetail:
    """What `_sales_detail` finds: products, households paid, and the money by key."""

    products: list  # [AreaProductRow]
    by_key: dict  # {key: PaidCounts}
    by_product: dict  # {product id as text: PaidCounts}
    total: PaidCounts
    money: tuple  # `_money_sums` by key


def _sales_detail(period, where, viewer, key):
    """Sales of the groups matching `where`, household by household: products and paid counts.

    Returns (products, paid by key, paid by product, paid in total): the
    AreaProductRow of each product sold (revenue over every account, the part
    paid to households), and PaidCounts by `key` (a group or area column, as
    text), by product id (as text) and for all together.

    One statement. Inside, the entries are summed per key, lot, account and
    household from the covering index on (group, date, account, kind, amount,
    household, lot) alone; outside, each of those sums (not each entry) finds
    its lot's product and, for an officer, where its household lives. The
    counts are added up here, as a household counts once however many keys or
    products paid it. A line that took no lot finds its product through the
    order line.
    """
    from ..i18n import localized
    from ..models import Lot, OrderLine, Product, Variant

    is_sale = LedgerEntry.kind.in_(SALE_KINDS)
    # Labelled once and grouped by the label: PostgreSQL must see the same expressions.
    line_id = case((and_(is_sale, LedgerEntry.lot_id.is_(None)), LedgerEntry.order_line_id)).label(
        "line_id"
    )
    sale = case((is_sale, 1), else_=0).label("sale")
    key = key.label("key")
    sums = (
        select(
            key,
            LedgerEntry.lot_id.label("lot_id"),
            line_id,
            LedgerEntry.account.label("account"),
            LedgerEntry.household_id.label("household_id"),
            sale,
            func.sum(LedgerEntry.amount_satang).label("amount"),
        )
        .select_from(LedgerEntry)
        .join(ProducerGroup, ProducerGroup.id == LedgerEntry.group_id)
        .where(
            where,
            LedgerEntry.kind.in_(LedgerKind.INCOME),
            LedgerEntry.occurred_on >= period.start,
            LedgerEntry.occurred_on <= period.end,
        )
        .group_by(
            key,
            LedgerEntry.lot_id,
            line_id,
            LedgerEntry.account,
            LedgerEntry.household_id,
            sale,
        )
        .subquery()
    )
    officer = not _is_admin(viewer)
    places = (Household.province_code, Household.district_code) if officer else ()
    statement = (
        select(
            sums.c.key,
            Variant.product_id,
            sums.c.line_id,
            sums.c.household_id,
            sums.c.sale,
            func.sum(sums.c.amount),
            sums.c.account,
            *places,
        )
        .select_from(sums)
        .outerjoin(Lot, Lot.id == sums.c.lot_id)
        .outerjoin(Variant, Variant.id == Lot.variant_id)
        # Lots of one product together: fewer rows to read here.
        .group_by(
            sums.c.key,
            Variant.product_id,
            sums.c.line_id,
            sums.c.household_id,
            sums.c.sale,
            sums.c.account,
            *places,
        )
    )
    if officer:
        statement = statement.outerjoin(Household, Household.id == sums.c.household_id)
    # On the connection: plain rows, without the ORM's per-row work (there are many).
    rows = db.session.connection().execute(statement).all()
    lines = {row[2] for row in rows if row[2] is not None}
    line_products = {}
    if lines:
        line_products = dict(
            db.session.execute(
                select(OrderLine.id, Variant.product_id)
                .join(Variant, Variant.id == OrderLine.variant_id)
                .where(OrderLine.id.in_(lines))
            ).all()
        )

    revenue, to_households = {}, {}
    # household id → {key: net sale income}, {product: net sale income}, {key: all income}.
    sale_by_key, sale_by_product, income_by_key = {}, {}, {}
    outside = set()
    money = {}  # (key, account, is sale) → amount, for `_money_sums`
    for row in rows:
        name, product_id, line_id, household, sale, amount, account = row[:7]
        amount = int(amount or 0)
        money_key = (name, account, sale)
        money[money_key] = money.get(money_key, 0) + amount
        name = str(name)
        if line_id is not None:
            product_id = line_products.get(line_id)
        if sale and product_id is not None:
            revenue[product_id] = revenue.get(product_id, 0) + amount
        if household is None:
            continue
        if officer and not access.officer_covers(viewer, row[7], row[8]):
            outside.add(household)
        income = income_by_key.setdefault(household, {})
        income[name] = income.get(name, 0) + amount
        if not sale:
            continue
        by_key = sale_by_key.setdefault(household, {})
        by_key[name] = by_key.get(name, 0) + amount
        if product_id is not None:
            to_households[product_id] = to_households.get(product_id, 0) + amount
            by_product = sale_by_product.setdefault(household, {})
            product_key = str(product_id)
            by_product[product_key] = by_product.get(product_key, 0) + amount

    def counted(amounts_by_household, incomes=None):
        result = {}
        for household, amounts in amounts_by_household.items():
            is_outside = household in outside
            for name, sale in amounts.items():
                counts = result.get(name)
                if counts is None:
                    counts = result[name] = PaidCounts()
                if sale:
                    counts.contributors += 1
                    counts.paid += sale > 0
                    counts.outside += is_outside
        for amounts in (incomes or {}).values():
            for name, income in amounts.items():
                result.setdefault(name, PaidCounts()).income_contributors += income != 0
        return result

    paid_by_key = counted(sale_by_key, income_by_key)
    paid_by_product = counted(sale_by_product)
    paid_total = counted(
        {h: {"": sum(a.values())} for h, a in sale_by_key.items()},
        {h: {"": sum(a.values())} for h, a in income_by_key.items()},
    ).get("", PaidCounts())

    products = []
    if revenue:
        found = {
            product.id: (product, group)
            for product, group in db.session.execute(
                select(Product, ProducerGroup)
                .join(ProducerGroup, ProducerGroup.id == Product.group_id)
                .where(Product.id.in_(list(revenue)))
            )
        }
        for product_id in sorted(revenue, key=lambda pid: (-revenue[pid], pid)):
            product, group = found[product_id]
            products.append(
                AreaProductRow(
                    product_id=product_id,
                    name=localized(product, "name"),
                    group_id=group.id,
                    group_name=localized(group, "name"),
                    revenue=revenue[product_id],
                    to_households=to_households.get(product_id, 0),
                    households=paid_by_product.get(str(product_id), PaidCounts()).paid,
                )
            )
    return SalesDetail(
        products=products,
        by_key=paid_by_key,
        by_product=paid_by_product,
        total=paid_total,
        money=_money_sums((*k, amount) for k, amount in money.items()),
    )


def area_report(
    province_code,
    district_code=None,
    subdistrict_code=None,
    *,
    date_from,
    date_to,
    viewer=None,
):
    """The area report: breakdown one level down, transitions, line crossings, monthly, IRIS+.

    `viewer=None` (the command line, the benchmarks) sees every area; an
    officer sees only areas they cover (ReportNotFound otherwise).

    A fixed number of statements whatever the size of the area: the
    per-household figures grouped by sub-area and class transition (rows,
    totals and the matrix are added up from that in Python: each household is
    in one sub-area), the monthly trend, the sales of the groups located in the
    area, and the households those sales paid (by row, by product, in total).

    By product: the products sold by the groups located in the area, like every
    sales figure of the area report, not the products whose income reached the
    area's households (those would mix in groups elsewhere, whose sales the
    area's rows do not show). So the products add up to the area's sales.
    Each carries its revenue, its part paid to households and the number of
    households paid, small cells suppressed (`_suppress_sales`).
    """
    period = Period(date_from, date_to)
    province, district, subdistrict = check_area(
        viewer, province_code, district_code, subdistrict_code
    )
    line, basic = _thresholds()
    condition = _household_condition(
        province.code,
        district.code if district else None,
        subdistrict.code if subdistrict else None,
    )
    group_condition = and_(
        ProducerGroup.province_code == province.code,
        ProducerGroup.district_code == district.code if district else literal(True),
        ProducerGroup.subdistrict_code == subdistrict.code if subdistrict else literal(True),
    )
    monthly, ph = _household_ctes(period, condition)
    if subdistrict is None:
        level = "subdistrict" if district else "district"
        key_column = ph.c.subdistrict_code if district else ph.c.district_code
        group_key = ProducerGroup.subdistrict_code if district else ProducerGroup.district_code
    else:
        level = "group"
        # One subdistrict: the rows are groups (below); group by a constant column.
        key_column = ph.c.subdistrict_code
        group_key = ProducerGroup.subdistrict_code

    has_change = and_(ph.c.baseline_on.is_not(None), ph.c.latest_on > ph.c.baseline_on)
    moved_from = case((has_change, ph.c.baseline_class)).label("moved_from")
    moved_to = case((has_change, ph.c.latest_class)).label("moved_to")
    # The month table comes with the rows in one statement, so that the households'
    # monthly income (the `monthly` CTE, the costly part) is worked out once.
    counters = _counters(ph, period)
    by_row = select(
        literal("row").label("part"),
        cast(key_column, String).label("key"),
        moved_from,
        moved_to,
        *counters,
    ).group_by(key_column, moved_from, moved_to)
    month_columns = {
        "households": func.count(),
        "income": func.coalesce(func.sum(monthly.c.amount), 0),
    }
    by_month = select(
        literal("month"),
        cast(monthly.c.month, String),
        null(),
        null(),
        *(month_columns.get(column.name, literal(0)) for column in counters),
    ).group_by(monthly.c.month)
    grouped, month_rows = [], []
    for row in db.session.execute(union_all(by_row, by_month)):
        (grouped if row.part == "row" else month_rows).append(row)
    by_key = {}
    total_raw = dict.fromkeys((*COUNT_FIELDS, "income"), 0)
    transition_counts = {}
    for row in grouped:
        values = row._mapping
        sums = by_key.setdefault(str(values["key"]), dict.fromkeys((*COUNT_FIELDS, "income"), 0))
        for name in (*COUNT_FIELDS, "income"):
            sums[name] += int(values[name] or 0)
            total_raw[name] += int(values[name] or 0)
        if values["moved_from"] is not None:
            pair = (values["moved_from"], values["moved_to"])
            transition_counts[pair] = transition_counts.get(pair, 0) + int(values["households"])

    if level == "group":
        breakdown = {str(r["key"]): r for r in _group_breakdown(period, condition)}
        _by_subdistrict, sales_total, other_to_households = _group_money(
            period, group_condition, group_key
        )
        detail = _sales_detail(
            period,
            LedgerEntry.group_id.in_([int(k) for k in breakdown]),
            viewer,
            LedgerEntry.group_id,
        )
        sales = detail.money[0]  # by group, from the same statement
    else:
        breakdown = by_key
        # The sums by sub-area come with the households paid, from the same statement.
        detail = _sales_detail(period, group_condition, viewer, group_key)
        sales, sales_total, other_to_households = detail.money
    products, paid_rows, paid_products, paid_total = (
        detail.products,
        detail.by_key,
        detail.by_product,
        detail.total,
    )
    names = _row_names(level, list(breakdown))
    rows = []
    for key, raw in sorted(breakdown.items()):
        row_sales = sales.get(key) or {}
        rows.append(
            AreaRow(
                key=key,
                name=names.get(key, key),
                kind="group" if level == "group" else "area",
                income=raw["income"],
                revenue=sum(row_sales.values()),
                sales_to_households=row_sales.get(LedgerAccount.HOUSEHOLD, 0),
                raw=raw,
            )
        )
    total = AreaRow(
        key="",
        name=_area_name(subdistrict or district or province),
        income=total_raw["income"],
        revenue=sum(sales_total.values()),
        sales_to_households=sales_total.get(LedgerAccount.HOUSEHOLD, 0),
        raw=total_raw,
    )
    _suppress_rows(rows, total)
    _suppress_sales(rows, total, products, paid_rows, paid_total, paid_products)

    transitions, trans_rows, trans_cols, trans_total = _transitions(transition_counts)
    return AreaReport(
        province=province,
        district=district,
        subdistrict=subdistrict,
        period=period,
        level=level,
        rows=rows,
        total=total,
        transitions=transitions,
        transition_rows=trans_rows,
        transition_cols=trans_cols,
        transition_total=trans_total,
        months=_area_months(
            [(int(row.key), row.income, row.households) for row in month_rows], period
        ),
        iris=_iris(total, sales_total, other_to_households, paid_total),
        poverty_line=line,
        basic_needs=basic,
        products=products,
    )


def _group_breakdown(period, condition):
    """Rows per group for a subdistrict: its households, those reached, and their income."""
    per_group = (
        select(
            LedgerEntry.group_id.label("group_id"),
            LedgerEntry.household_id.label("household_id"),
            func.sum(LedgerEntry.amount_satang).label("income"),
        )
        .join(Household, Household.id == LedgerEntry.household_id)
        .where(_income_entries(period), condition)
        .group_by(LedgerEntry.group_id, LedgerEntry.household_id)
        .subquery()
    )
    earned = db.session.execute(
        select(
            per_group.c.group_id,
            func.sum(case((per_group.c.income > 0, 1), else_=0)),
            func.sum(per_group.c.income),
        ).group_by(per_group.c.group_id)
    ).all()
    members = db.session.execute(
        select(household_group.c.group_id, func.count())
        .join(Household, Household.id == household_group.c.household_id)
        .where(condition)
        .group_by(household_group.c.group_id)
    ).all()
    values = {}
    for group_id, n in members:
        values.setdefault(group_id, dict.fromkeys((*COUNT_FIELDS, "income"), 0))["households"] = n
    for group_id, reached, income in earned:
        row = values.setdefault(group_id, dict.fromkeys((*COUNT_FIELDS, "income"), 0))
        row["reached"] = int(reached or 0)
        row["income"] = int(income or 0)
    return [dict(v, key=k) for k, v in sorted(values.items())]


def _transitions(counts):
    """The poverty-class transition matrix, {(baseline, latest): n}, with its margins suppressed."""
    classes = PovertyClass.ALL
    cells = {(b, latest): counts.get((b, latest), 0) for b in classes for latest in classes}
    for b in classes:
        cells[(b, "*")] = sum(cells[(b, latest)] for latest in classes)
    for latest in classes:
        cells[("*", latest)] = sum(cells[(b, latest)] for b in classes)
    cells[("*", "*")] = sum(cells[(b, "*")] for b in classes)
    lines = [[(b, latest) for latest in (*classes, "*")] for b in (*classes, "*")]
    lines += [[(b, latest) for b in (*classes, "*")] for latest in (*classes, "*")]
    hidden = suppressed_cells(cells, lines)

    def shown(key):
        return SUPPRESSED if key in hidden else cells[key]

    matrix = {(b, latest): shown((b, latest)) for b in classes for latest in classes}
    return (
        matrix,
        {b: shown((b, "*")) for b in classes},
        {latest: shown(("*", latest)) for latest in classes},
        shown(("*", "*")),
    )


def _area_months(rows, period):
    """The month table: (first day, income, households with income), small cells hidden.

    `rows`: (month key, income, households) for the months with income."""
    found = {m: (int(amount or 0), int(n or 0)) for m, amount, n in rows}
    keys = [month_key(first) for first in period.months]
    counts = {key: found.get(key, (0, 0))[1] for key in keys}
    # The period's total is shown, so the months form one line adding up to it.
    hidden = suppressed_cells(counts, [keys])
    result = []
    for first, key in zip(period.months, keys, strict=True):
        amount, n = found.get(key, (0, 0))
        if key in hidden:
            result.append((first, SUPPRESSED, SUPPRESSED))
        else:
            result.append((first, amount, n))
    return result


def _iris(total, sales, other, paid):
    """IRIS+ figures for funders (see `exports.IRIS_METRICS` for the definitions)."""
    to_households = sales.get(LedgerAccount.HOUSEHOLD, 0) + other
    sourcing = sum(sales.values()) + other
    percent = None if sourcing <= 0 else round(100 * to_households / sourcing, 1)
    if (
        is_suppressed(total.reached)
        or is_suppressed(total.sales_to_households)
        or is_small(paid.income_contributors)
    ):
        # With so few households reached or paid, their part of the sales tells their income.
        percent = SUPPRESSED
    return {
        "PI7852": total.income,
        "PI8632": percent,
        "PI7318": total.low_income_reached,
        "reached": total.reached,
    }


# -- streaming rows for exports -----------------------------------------------------------------


def iter_household_figures(
    province_code,
    district_code=None,
    subdistrict_code=None,
    *,
    date_from,
    date_to,
    viewer=None,
    batch_size=1000,
):
    """Every household of the area with its figures, by code, streamed from the database."""
    period = Period(date_from, date_to)
    province, district, subdistrict = check_area(
        viewer, province_code, district_code, subdistrict_code
    )
    condition = _household_condition(
        province.code,
        district.code if district else None,
        subdistrict.code if subdistrict else None,
    )
    _monthly, ph = _household_ctes(period, condition)
    result = db.session.execute(
        select(ph).order_by(ph.c.code),
        execution_options={"yield_per": batch_size, "stream_results": True},
    )
    try:
        for row in result:
            yield _figures(row, period)
    finally:
        result.close()
