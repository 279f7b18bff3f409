"""The area report's SQL against a plain computation from the rows, on random data.

Random households in three districts of Chiang Rai and one of Mae Hong Son,
random assessments (none to three, some after the period), random ledger entries
of every kind and account (sales with and without a lot, reversals, raw
material, wages, payouts, the group fund, the platform) of two groups, and a
random period that may start and end inside a month (so both the monthly sums
and the ledger are read). The figures are then worked out here, household by
household, straight from the definitions in `impact.reports` (the assessment in
force found by scanning the household's assessments), and compared with what
the reports compute in SQL: every household's figures, the area report's rows
and total before suppression, and the sales of the area's groups with the
households they paid (by row, by product, in total, for an admin and for an
officer of one district). Run on SQLite and on PostgreSQL (TEST_DATABASE_URL).
"""

import random
from datetime import date, timedelta

import pytest

from marketplace.extensions import db
from marketplace.impact import reports
from marketplace.impact.reports import Period
from marketplace.impact.reports.figures import LOW_INCOME_CLASSES, thresholds
from marketplace.impact.reports.sales import sales_detail
from marketplace.impact.summaries import month_last_day
from marketplace.models import (
    Household,
    HouseholdAssessment,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
    Lot,
    OrderLine,
    ProducerGroup,
)
from marketplace.models.households import PovertyClass
from tests import factories

from .report_fixtures import order_line

PLACES = [
    dict(province_code="57", district_code="5705", subdistrict_code="570505"),
    dict(province_code="57", district_code="5705", subdistrict_code="570501"),
    dict(province_code="57", district_code="5701", subdistrict_code="570101"),
    dict(province_code="58", district_code="5801", subdistrict_code="580101"),
]
FIRST = date(2025, 6, 1)


def _day(rng, days=700):
    return FIRST + timedelta(days=rng.randrange(days))


def _world(rng):
    """Two groups of Chiang Rai, households, assessments and entries; returns the groups."""
    groups = [factories.make_group(**PLACES[0]), factories.make_group(**PLACES[2])]
    products = {}
    for group in groups:
        for _ in range(2):
            product = factories.make_product(group=group, stock=None)
            line = order_line(group, product.variants[0])
            lot = factories.make_lot(product.variants[0])
            products.setdefault(group.id, []).append((product, line, lot))
    households = [
        factories.make_household(rng.choice(groups), **rng.choice(PLACES)) for _ in range(28)
    ]
    for household in households:
        for on in sorted({_day(rng) for _ in range(rng.choice((0, 1, 1, 2, 3)))}):
            members = rng.randint(1, 6)
            db.session.add(
                HouseholdAssessment(
                    household_id=household.id,
                    assessed_on=on,
                    members=members,
                    # Around the line, so crossings and months above both happen.
                    annual_income_satang=rng.randint(10_000, 70_000) * 100 * members,
                    poverty_class=rng.choice(PovertyClass.ALL),
                )
            )
    kinds = [*LedgerKind.ALL, LedgerKind.SALE_SHARE, LedgerKind.SALE_SHARE]
    for _ in range(220):
        group = rng.choice(groups)
        _product, line, lot = rng.choice(products[group.id])
        kind = rng.choice(kinds)
        is_sale = kind in (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)
        account = rng.choice(
            [LedgerAccount.HOUSEHOLD] * 4 + [LedgerAccount.GROUP_FUND, LedgerAccount.PLATFORM]
        )
        amount = rng.randint(1, 3_000) * 100
        if kind in (LedgerKind.REVERSAL, LedgerKind.PAYOUT) or rng.random() < 0.05:
            amount = -amount
        db.session.add(
            LedgerEntry(
                account=account,
                kind=kind,
                group_id=group.id,
                household_id=(
                    rng.choice(households).id if account == LedgerAccount.HOUSEHOLD else None
                ),
                amount_satang=amount,
                occurred_on=_day(rng),
                order_line_id=line.id if is_sale else None,
                lot_id=lot.id if is_sale and rng.random() < 0.5 else None,
            )
        )
    db.session.commit()
    return groups


def _period(rng):
    start = _day(rng, 300)
    if rng.random() < 0.5:
        start = start.replace(day=1)
    end = start + timedelta(days=rng.randint(20, 400))
    if rng.random() < 0.5:
        end = month_last_day(end.replace(day=1))
    return Period(start, end)


# -- the plain computation ---------------------------------------------------------------------


def _expected_households(period, province):
    """{household id: dict of figures} for the province's households, from the rows."""
    line, _basic = thresholds()
    entries = db.session.query(LedgerEntry).all()
    result = {}
    for household in db.session.query(Household).all():
        if household.province_code != province:
            continue
        surveys = sorted(
            (a for a in household.assessments if a.assessed_on <= period.end),
            key=lambda a: a.assessed_on,
        )
        before = [a for a in surveys if a.assessed_on <= period.start]
        baseline = before[-1] if before else (surveys[0] if surveys else None)
        latest = surveys[-1] if surveys else None
        monthly = {}
        for entry in entries:
            if (
                entry.household_id == household.id
                and entry.account == LedgerAccount.HOUSEHOLD
                and entry.kind in LedgerKind.INCOME
                and period.start <= entry.occurred_on <= period.end
            ):
                key = (entry.occurred_on.year, entry.occurred_on.month)
                monthly[key] = monthly.get(key, 0) + entry.amount_satang
        above = 0
        if baseline is not None:
            for first in period.months:
                month_end = min(month_last_day(first), period.end)
                in_force = [a for a in surveys if a.assessed_on <= month_end]
                survey = in_force[-1] if in_force else baseline
                income = monthly.get((first.year, first.month), 0)
                if survey.annual_income_satang + 12 * income >= 12 * line * survey.members:
                    above += 1
        result[household.id] = dict(
            household=household,
            baseline=baseline,
            latest=latest,
            income=sum(monthly.values()),
            months_with_income=len(monthly),
            months_above=above,
        )
    return result


def _counts(figures, period):
    """The counts of one report row, from the households' figures."""
    line, _basic = thresholds()
    n = period.month_count
    counts = dict.fromkeys(
        (
            "households",
            "reached",
            "income",
            "assessed",
            "reassessed",
            "crossed",
            "lifted",
            "below_at_baseline",
            "low_income_reached",
        ),
        0,
    )
    for f in figures:
        base, latest, income = f["baseline"], f["latest"], f["income"]
        below = base is not None and base.annual_income_satang < 12 * line * base.members
        change = base is not None and latest.assessed_on > base.assessed_on
        counts["households"] += 1
        counts["reached"] += income > 0
        counts["income"] += income
        counts["assessed"] += base is not None
        counts["reassessed"] += change
        counts["crossed"] += (
            change and below and latest.annual_income_satang >= 12 * line * latest.members
        )
        counts["lifted"] += below and (
            base.annual_income_satang * n + income * 12 >= 12 * line * base.members * n
        )
        counts["below_at_baseline"] += below
        counts["low_income_reached"] += income > 0 and (
            below or (base is not None and base.poverty_class in LOW_INCOME_CLASSES)
        )
    return counts


def _expected_sales(period, province, viewer):
    """Money by (district, account, sale), revenue and households' part by product, and the
    households paid (contributors, paid, outside, income contributors) by district, product
    and in total, from the ledger entries of the province's groups."""
    from marketplace.accounts import access

    groups = {g.id: g for g in db.session.query(ProducerGroup).all() if g.province_code == province}
    money, revenue, to_households = {}, {}, {}
    per_key, per_product, per_total = {}, {}, {}
    for entry in db.session.query(LedgerEntry).all():
        group = groups.get(entry.group_id)
        if (
            group is None
            or entry.kind not in LedgerKind.INCOME
            or not period.start <= entry.occurred_on <= period.end
        ):
            continue
        sale = entry.kind in (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL)
        key = group.district_code
        money[(key, entry.account, sale)] = (
            money.get((key, entry.account, sale), 0) + entry.amount_satang
        )
        product = None
        if sale:
            if entry.lot_id is not None:
                variant = db.session.get(Lot, entry.lot_id).variant
            else:
                variant = db.session.get(OrderLine, entry.order_line_id).variant
            product = str(variant.product_id)
            revenue[product] = revenue.get(product, 0) + entry.amount_satang
        household = db.session.get(Household, entry.household_id) if entry.household_id else None
        if household is None:
            continue
        if product is not None:
            to_households[product] = to_households.get(product, 0) + entry.amount_satang
        outside = viewer is not None and not access.officer_covers(
            viewer, household.province_code, household.district_code
        )
        for table, name, counted in (
            (per_key, key, True),
            (per_product, product, product is not None),
            (per_total, "", True),
        ):
            if not counted:
                continue
            sums = table.setdefault((name, household.id), [0, 0, outside])
            sums[0] += entry.amount_satang if sale else 0
            sums[1] += entry.amount_satang

    def paid(table, with_income=True):
        result = {}
        for (name, _household), (net_sale, income, outside) in table.items():
            counts = result.setdefault(name, [0, 0, 0, 0])
            counts[0] += net_sale != 0
            counts[1] += net_sale > 0
            counts[2] += net_sale != 0 and outside
            counts[3] += with_income and income != 0
        return result

    return (
        {k: v for k, v in money.items()},
        revenue,
        to_households,
        paid(per_key),
        paid(per_product, with_income=False),
        paid(per_total).get("", [0, 0, 0, 0]),
    )


def _found_paid(counts):
    return [counts.contributors, counts.paid, counts.outside, counts.income_contributors]


@pytest.mark.parametrize("seed", range(4))
def test_reports_match_a_plain_computation_on_random_data(db, make_user, seed):
    rng = random.Random(seed)
    _world(rng)
    officer = make_user("officer@example.com", officer_areas=[("57", "5705")])
    for _ in range(3):
        period = _period(rng)
        dates = dict(date_from=period.start, date_to=period.end)
        expected = _expected_households(period, "57")

        # Every household's figures.
        found = {f.household_id: f for f in reports.iter_household_figures("57", **dates)}
        assert set(found) == set(expected)
        for household_id, want in expected.items():
            got = found[household_id]
            base, latest = want["baseline"], want["latest"]
            assert got.baseline_on == (base.assessed_on if base else None)
            assert got.baseline_members == (base.members if base else None)
            assert got.baseline_income == (base.annual_income_satang if base else None)
            assert got.baseline_class == (base.poverty_class if base else None)
            assert got.latest_on == (latest.assessed_on if latest else None)
            assert got.latest_income == (latest.annual_income_satang if latest else None)
            assert got.income == want["income"]
            assert got.months_with_income == want["months_with_income"]
            assert got.months_above == want["months_above"], (household_id, period)

        # The area report's rows and total, before small cells are hidden.
        report = reports.area_report("57", **dates)
        by_district = {}
        for want in expected.values():
            by_district.setdefault(want["household"].district_code, []).append(want)
        assert {row.key: row.raw for row in report.rows} == {
            key: _counts(rows, period) for key, rows in by_district.items()
        }
        assert report.total.raw == _counts(expected.values(), period)

        # The sales of the province's groups and the households they paid.
        for viewer in (None, officer):
            money, revenue, to_households, by_key, by_product, total = _expected_sales(
                period, "57", viewer
            )
            detail = sales_detail(
                period,
                ProducerGroup.province_code == "57",
                viewer,
                ProducerGroup.district_code,
            )
            sales, sales_total, other = detail.money
            want_sales, want_total, want_other = {}, {}, 0
            for (key, account, sale), amount in money.items():
                if sale:
                    want_sales.setdefault(key, {})
                    want_sales[key][account] = want_sales[key].get(account, 0) + amount
                    want_total[account] = want_total.get(account, 0) + amount
                elif account == LedgerAccount.HOUSEHOLD:
                    want_other += amount
            assert (sales, sales_total, other) == (want_sales, want_total, want_other)
            assert {str(p.product_id): p.revenue for p in detail.products} == revenue
            assert {str(p.product_id): p.to_households for p in detail.products} == {
                product: to_households.get(product, 0) for product in revenue
            }
            assert {k: _found_paid(v) for k, v in detail.by_key.items() if any(_found_paid(v))} == {
                k: v for k, v in by_key.items() if any(v)
            }
            assert {
                k: _found_paid(v) for k, v in detail.by_product.items() if any(_found_paid(v))
            } == {k: v for k, v in by_product.items() if any(v)}
            assert _found_paid(detail.total) == total
        db.session.rollback()
