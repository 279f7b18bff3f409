"""Per-household figures for a period, worked out in SQL: the CTEs every report is built on."""

from __future__ import annotations

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
    true,
    union_all,
)
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import Household
from ...models.households import HouseholdAssessment, PovertyClass
from ...models.ledger import LedgerAccount, LedgerEntry, LedgerKind
from ..summaries import household_income, income_rows
from .periods import Period, month_end, month_key
from .scope import check_area

LOW_INCOME_CLASSES = (PovertyClass.STRUGGLING, PovertyClass.DIFFICULT)


SALE_KINDS = (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)


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


def _monthly_cte(period, household_condition, group_id=None):
    """(household id, month key, amount): each household's value-chain income per month.

    Read from the monthly summary (whole months) and the ledger (partial months).
    """
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


def household_ctes(period, household_condition, group_id=None):
    """The CTEs behind every report: `base` (areas and assessments) and `per_household`."""
    line, _basic = thresholds()
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
            latest, and_(latest.household_id == Household.id, latest.assessed_on == dates.c.last_on)
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


def _months_above_cte(period, household_condition, base, monthly, line):
    """(household id, months above): months in which the assessment in force, plus that
    month's value-chain income, puts the household at or above the line (module docstring)."""
    month_rows = [
        select(
            literal(month_key(first), Integer).label("month"),
            literal(month_end(first, period), Date).label("month_end"),
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
                in_force.c.household_id == base.c.household_id, in_force.c.month == months.c.month
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
    _monthly, ph = household_ctes(period, condition)
    result = db.session.execute(
        select(ph).order_by(ph.c.code),
        execution_options={"yield_per": batch_size, "stream_results": True},
    )
    try:
        for row in result:
            yield row_figures(row, period)
    finally:
        result.close()
