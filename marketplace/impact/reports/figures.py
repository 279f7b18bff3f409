"""Per-household figures for a period, worked out in SQL: the CTEs every report is built on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    union_all,
)

from ...extensions import db
from ...models import Household
from ...models.households import AssessmentSpan, HouseholdAssessment, PovertyClass
from ...models.ledger import LedgerAccount, LedgerEntry, LedgerKind
from ..summaries import AREA_COLUMNS, area_income_rows, household_income, income_rows
from .periods import Period, month_end, month_key
from .scope import check_area

LOW_INCOME_CLASSES = (PovertyClass.STRUGGLING, PovertyClass.DIFFICULT)


SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)


WORK_MEM = re.compile(r"[1-9][0-9]{0,6}(kB|MB|GB)")


def report_memory():
    """Let the report's transaction sort and group in memory (PostgreSQL `SET LOCAL work_mem`
    to REPORT_WORK_MEM); nothing elsewhere, or when it is empty or not a size."""
    setting = current_app.config.get("REPORT_WORK_MEM") or ""
    if db.session.get_bind().dialect.name != "postgresql" or not WORK_MEM.fullmatch(setting):
        return
    # A checked size, not user input: SET takes no bound parameters.
    db.session.execute(text(f"SET LOCAL work_mem = '{setting}'"))


def thresholds():
    config = current_app.config
    return int(config["POVERTY_LINE_SATANG_PER_MONTH"]), int(config["BASIC_NEEDS_SATANG_PER_YEAR"])


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


def household_condition(province_code=None, district_code=None, subdistrict_code=None):
    conditions = []
    if province_code:
        conditions.append(Household.province_code == province_code)
    if district_code:
        conditions.append(Household.district_code == district_code)
    if subdistrict_code:
        conditions.append(Household.subdistrict_code == subdistrict_code)
    return and_(*conditions) if conditions else literal(True)


def income_entries(period, group_id=None):
    conditions = [
        LedgerEntry.account == LedgerAccount.HOUSEHOLD,
        LedgerEntry.kind.in_(LedgerKind.INCOME),
        LedgerEntry.occurred_on >= period.start,
        LedgerEntry.occurred_on <= period.end,
    ]
    if group_id is not None:
        conditions.append(LedgerEntry.group_id == group_id)
    return and_(*conditions)


def _monthly_cte(period, household_condition, group_id=None, area=None):
    """(household id, month key, amount): each household's value-chain income per month.

    Read from the monthly summary (whole months) and the ledger (partial months).
    For an area (`area`: its province, district and subdistrict codes) and every
    group, from the households' monthly income filed under their area
    (`summaries.area_income_rows`): one row per household and month already.
    """
    if area is not None and group_id is None:
        income = area_income_rows(period, area, household_condition)
        return select(
            income.c.household_id.label("household_id"),
            income.c.month.label("month"),
            income.c.amount.label("amount"),
        ).cte("monthly")
    income = income_rows(period, group_id)
    return (
        select(
            income.c.household_id.label("household_id"),
            income.c.month.label("month"),
            func.sum(income.c.amount).label("amount"),
        )
        .select_from(income)
        .join(Household, Household.id == income.c.household_id)
        .where(household_income(income), household_condition)
        .group_by(income.c.household_id, income.c.month)
        .cte("monthly")
    )


def _assessment_spans(household_condition, area=None):
    """(household id, assessed on, until, first, members, income, class): each assessment of
    the area's households with the date of the household's next one (None for the last).

    An assessment is in force from its date until the next one's, so the assessment
    in force on a day is the one span that holds it: a range test on one row, where
    finding it took the latest of the household's assessments dated on or before
    the day (a GROUP BY per household and month). `first` is 1 for the household's
    earliest assessment (the baseline when none is dated on or before the period's start).

    For an area (`area`: its province, district and subdistrict codes), read from the
    spans kept up at each assessment, filed under the household's area
    (`AssessmentSpan`): one range of its area index.
    """
    if area is not None:
        span = AssessmentSpan.__table__.c
        return (
            select(
                span.household_id.label("household_id"),
                span.assessed_on.label("assessed_on"),
                span.until_on.label("until_on"),
                span.is_first.label("first"),
                cast(span.members, BigInteger).label("members"),
                span.income.label("income"),
                span.poverty_class.label("poverty_class"),
            )
            .where(
                *(span[name] == code for name, code in zip(AREA_COLUMNS, area, strict=True) if code)
            )
            .cte("assessment_spans")
        )
    order = (HouseholdAssessment.assessed_on,)
    household = HouseholdAssessment.household_id
    return (
        select(
            household.label("household_id"),
            HouseholdAssessment.assessed_on.label("assessed_on"),
            func.lead(HouseholdAssessment.assessed_on)
            .over(partition_by=household, order_by=order)
            .label("until_on"),
            case(
                (func.row_number().over(partition_by=household, order_by=order) == 1, 1),
                else_=0,
            ).label("first"),
            cast(HouseholdAssessment.members, BigInteger).label("members"),
            HouseholdAssessment.annual_income_satang.label("income"),
            HouseholdAssessment.poverty_class.label("poverty_class"),
        )
        .join(Household, Household.id == household)
        .where(household_condition)
        .cte("assessment_spans")
    )


def _holds(span, day):
    """SQL: the span is in force on `day` (a date or a date column)."""
    return and_(span.c.assessed_on <= day, or_(span.c.until_on.is_(None), span.c.until_on > day))


def household_ctes(period, household_condition, group_id=None, area=None):
    """The CTEs behind every report: `base` (areas and assessments) and `per_household`.

    The baseline is the assessment in force on the period's first day, or, when
    the household's first assessment comes later (within the period), that one;
    the latest, the one in force on its last day (`_assessment_spans`).
    """
    line, _basic = thresholds()
    spans = _assessment_spans(household_condition, area if group_id is None else None)
    baseline = spans.alias("baseline")
    latest = spans.alias("latest")
    base = (
        select(
            Household.id.label("household_id"),
            Household.code.label("code"),
            Household.province_code.label("province_code"),
            Household.district_code.label("district_code"),
            Household.subdistrict_code.label("subdistrict_code"),
            baseline.c.assessed_on.label("baseline_on"),
            baseline.c.members.label("baseline_members"),
            baseline.c.income.label("baseline_income"),
            baseline.c.poverty_class.label("baseline_class"),
            latest.c.assessed_on.label("latest_on"),
            latest.c.members.label("latest_members"),
            latest.c.income.label("latest_income"),
            latest.c.poverty_class.label("latest_class"),
        )
        .select_from(Household)
        .outerjoin(
            baseline,
            and_(
                baseline.c.household_id == Household.id,
                baseline.c.assessed_on <= period.end,
                or_(
                    _holds(baseline, period.start),
                    and_(baseline.c.first == 1, baseline.c.assessed_on > period.start),
                ),
            ),
        )
        .outerjoin(latest, and_(latest.c.household_id == Household.id, _holds(latest, period.end)))
        .where(household_condition)
        .cte("base")
    )
    monthly = _monthly_cte(period, household_condition, group_id, area)
    sums = (
        select(
            monthly.c.household_id.label("household_id"),
            func.sum(monthly.c.amount).label("income"),
            func.count().label("months_with_income"),
        )
        .group_by(monthly.c.household_id)
        .cte("household_sums")
    )
    above = _months_above_cte(period, base, spans, monthly, line)
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


def _months_above_cte(period, base, spans, monthly, line):
    """(household id, months above): months in which the assessment in force, plus that
    month's value-chain income, puts the household at or above the line (module docstring).

    The assessment in force in a month is the span holding the month's last day (or
    the period's end); before the household's first assessment, that first one (the
    baseline then). Households without a baseline have no months above.
    """
    month_rows = [
        select(
            literal(month_key(first), Integer).label("month"),
            literal(month_end(first, period), Date).label("month_end"),
        )
        for first in period.months
    ]
    months = (union_all(*month_rows) if len(month_rows) > 1 else month_rows[0]).cte("months")
    in_force = and_(
        or_(spans.c.assessed_on <= months.c.month_end, spans.c.first == 1),
        or_(spans.c.until_on.is_(None), spans.c.until_on > months.c.month_end),
    )
    month_income = func.coalesce(monthly.c.amount, 0)
    return (
        select(spans.c.household_id.label("household_id"), func.count().label("months_above"))
        .select_from(spans)
        .join(months, in_force)
        .join(
            base,
            and_(base.c.household_id == spans.c.household_id, base.c.baseline_on.is_not(None)),
        )
        .outerjoin(
            monthly,
            and_(monthly.c.household_id == spans.c.household_id, monthly.c.month == months.c.month),
        )
        .where(spans.c.income + 12 * month_income >= 12 * line * spans.c.members)
        .group_by(spans.c.household_id)
        .cte("months_above")
    )


def row_figures(row, period):
    line, basic = thresholds()
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


def summary_counters(ph, period):
    """SQL aggregates over the `per_household` CTE: the counts every summary row shows."""
    line, _basic = thresholds()
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
    condition = household_condition(
        province.code,
        district.code if district else None,
        subdistrict.code if subdistrict else None,
    )
    codes = (province.code, district and district.code, subdistrict and subdistrict.code)
    report_memory()
    _monthly, ph = household_ctes(period, condition, area=codes)
    result = db.session.execute(
        select(ph).order_by(ph.c.code),
        execution_options={"yield_per": batch_size, "stream_results": True},
    )
    try:
        for row in result:
            yield row_figures(row, period)
    finally:
        result.close()
