"""The household report: one household's assessments, monthly income and uplift figures."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from ...extensions import db
from ...models import Household, ProducerGroup
from ...models.households import HouseholdAssessment
from ...models.ledger import LedgerEntry
from .figures import HouseholdFigures, household_ctes, income_entries, row_figures, thresholds
from .periods import Period, month_end, month_key
from .scope import get_household


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
    line, basic = thresholds()
    monthly, ph = household_ctes(period, Household.id == household.id)
    row = db.session.execute(select(ph)).one()
    figures = row_figures(row, period)
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
            end = month_end(first, period)
            dated = [survey for survey in surveys if survey.assessed_on <= end]
            survey = dated[-1] if dated else by_date[figures.baseline_on]
            income, members = survey.annual_income_satang, survey.members
            per_person = (income + 12 * amount) // (12 * members)
            above = income + 12 * amount >= 12 * line * members
        months.append((first, amount, per_person, above))
    by_group = db.session.execute(
        select(LedgerEntry.group_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_satang))
        .where(income_entries(period), LedgerEntry.household_id == household.id)
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
