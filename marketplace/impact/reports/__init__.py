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

The package, by concern: `periods`, `suppression` (small cells), `scope` (who may
read which report), `figures` (the per-household SQL every report is built on),
`household`, `group`, `area` and `sales` (the area's sales and the households
they paid). What callers use is imported here.
"""

from .area import AreaReport, AreaRow, area_report
from .figures import HouseholdFigures, iter_household_figures
from .group import GroupReport, ProductRow, group_report
from .household import HouseholdReport, household_report
from .periods import Period, PeriodError, month_key, parse_date
from .sales import AreaProductRow
from .scope import ReportNotFound, check_area, get_group, get_household
from .suppression import SUPPRESS_BELOW, SUPPRESSED, is_small, is_suppressed, suppressed_cells

__all__ = [
    "AreaProductRow",
    "AreaReport",
    "AreaRow",
    "GroupReport",
    "HouseholdFigures",
    "HouseholdReport",
    "Period",
    "PeriodError",
    "ProductRow",
    "ReportNotFound",
    "SUPPRESSED",
    "SUPPRESS_BELOW",
    "area_report",
    "check_area",
    "get_group",
    "get_household",
    "group_report",
    "household_report",
    "is_small",
    "is_suppressed",
    "iter_household_figures",
    "month_key",
    "parse_date",
    "suppressed_cells",
]
