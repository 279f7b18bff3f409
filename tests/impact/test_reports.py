"""Report figures against hand-computed fixtures (see report_fixtures.py for the arithmetic)."""

from datetime import date

import pytest

from marketplace.extensions import db as _db
from marketplace.impact import reports
from marketplace.impact.reports import SUPPRESSED, Period, PeriodError, suppressed_cells
from tests import factories

from .report_fixtures import PERIOD, PHAN, assess, baht, by_product_world, entry, scenario


def _figures(**area):
    return {f.code: f for f in reports.iter_household_figures(**area, **PERIOD)}


# -- the period and month bucketing ------------------------------------------------------------


def test_period_months():
    period = Period(date(2025, 12, 1), date(2026, 11, 30))
    assert period.month_count == 12
    assert period.months[0] == date(2025, 12, 1)
    assert period.months[-1] == date(2026, 11, 1)
    assert Period(date(2026, 1, 31), date(2026, 2, 1)).month_count == 2


def test_a_period_that_ends_before_it_starts_is_refused():
    with pytest.raises(PeriodError):
        Period(date(2026, 2, 1), date(2026, 1, 1))
    with pytest.raises(PeriodError):
        Period(date(2020, 1, 1), date(2026, 1, 1))


# -- one household -------------------------------------------------------------------------------


def test_household_uplift_and_crossing(db):
    s = scenario()
    f = _figures(province_code="57")
    assert set(f) == {"57-00001", "57-00002", "57-00003", "57-00004", "57-00005"}

    h1 = f["57-00001"]
    assert (h1.baseline_on, h1.latest_on) == (date(2025, 11, 1), date(2026, 11, 15))
    assert h1.income == baht(30_000)
    assert h1.reached
    assert h1.baseline_per_person_month == baht(2_500)
    assert h1.annualised_income == baht(30_000)
    assert h1.estimated_annual_per_person == baht(37_500)
    assert h1.estimated_above_line is True
    assert h1.estimated_above_basic_needs is False
    assert h1.months_above_line == 3  # Dec, Jan, and Nov by the latest survey (15 Nov)
    assert h1.crossed_line and h1.lifted_above_line and h1.low_income

    h2 = f["57-00002"]
    assert h2.baseline_on == date(2025, 10, 1)
    assert h2.baseline_class == "difficult"
    assert h2.income == baht(5_000)  # the payout is not income
    assert h2.estimated_annual_per_person == baht(32_500)
    assert not h2.lifted_above_line
    assert h2.crossed_line
    assert h2.months_above_line == 3  # Mar, and Oct and Nov by the survey of 1 Oct 2026

    h3 = f["57-00003"]
    assert h3.reached and not h3.has_baseline
    assert h3.months_above_line == 0 and not h3.low_income

    h4 = f["57-00004"]
    assert h4.income == 0 and not h4.reached
    assert h4.baseline_on == h4.latest_on == date(2025, 12, 1)
    assert not h4.has_change
    assert h4.months_above_line == 12

    h5 = f["57-00005"]
    assert (h5.baseline_on, h5.latest_on) == (date(2026, 1, 10), date(2026, 6, 1))
    assert h5.latest_class == "struggling"
    assert h5.income == baht(6_000)
    assert not h5.crossed_line
    assert s.h6.code not in f


def test_household_report_months_and_groups(db):
    s = scenario()
    report = reports.household_report(s.h1.id, **PERIOD)
    assert report.baseline.assessed_on == date(2025, 11, 1)
    assert report.latest.assessed_on == date(2026, 11, 15)
    months = {
        first: (amount, per_person, above) for first, amount, per_person, above in report.months
    }
    assert len(months) == 12
    assert months[date(2025, 12, 1)] == (baht(10_000), baht(5_000), True)
    assert months[date(2026, 1, 1)] == (baht(20_000), baht(7_500), True)
    assert months[date(2026, 2, 1)] == (0, baht(2_500), False)
    # November 2026 is read by the survey of 15 Nov: 160,000 / 4 / 12 = 3,333.33 ≥ 3,078.
    assert months[date(2026, 11, 1)] == (0, 333_333, True)
    assert sum(1 for _a, _p, above in months.values() if above) == report.figures.months_above_line
    assert [(g.id, kind, amount) for g, kind, amount in report.by_group] == [
        (s.group.id, "sale_share", baht(30_000))
    ]

    h2 = reports.household_report(s.h2.id, **PERIOD)
    kinds = {kind: amount for _g, kind, amount in h2.by_group}
    assert kinds == {
        "raw_material": baht(4_000),
        "sale_share": baht(2_000),
        "reversal": baht(-1_000),
    }


def test_months_above_the_line_follow_the_assessment_in_force(db):
    """A household reassessed above the line is above it from that month on (it showed 0)."""
    group = factories.make_group(**PHAN)
    household = factories.make_household(group, **PHAN)
    assess(household, date(2025, 6, 1), 4, 96_000, "difficult")  # 2,000 a person: below
    assess(household, date(2026, 5, 20), 4, 180_000, "getting_by")  # 3,750: above
    entry(group, date(2026, 2, 3), 500, household)
    db.session.commit()
    (figures,) = reports.iter_household_figures("57", **PERIOD)
    assert (figures.baseline_on, figures.latest_on) == (date(2025, 6, 1), date(2026, 5, 20))
    assert figures.months_above_line == 7  # May to November 2026
    report = reports.household_report(household.id, **PERIOD)
    above = [first for first, _amount, _per, is_above in report.months if is_above]
    assert above == [date(2026, month, 1) for month in range(5, 12)]
    assert report.figures.months_above_line == len(above)
    # The same count in the area export and the group report's row.
    (row,) = reports.group_report(group.id, **PERIOD).rows
    assert row.months_above_line == 7


def test_months_above_the_line_counts_quiet_months_only_when_the_baseline_is_above(db):
    group = factories.make_group(**PHAN)
    household = factories.make_household(group, **PHAN)
    # 2 people, 73,872 a year: exactly 3,078 per person per month, on the line.
    assess(household, date(2025, 1, 1), 2, 73_872, "getting_by")
    entry(group, date(2026, 3, 1), -100, household, kind="adjustment")
    db.session.commit()
    (figures,) = reports.iter_household_figures("57", **PERIOD)
    assert figures.months_above_line == 11  # March fell just below
    assert figures.estimated_above_line is False  # the year's income is 100 baht short


# -- group ----------------------------------------------------------------------------------------


def test_group_report(db):
    s = scenario()
    report = reports.group_report(s.group.id, **PERIOD)
    assert report.households == 6
    assert report.reached == 5  # H1, H2, H3, H5, H6
    assert report.income == baht(30_000 + 5_000 + 1_500 + 6_000 + 50_000)
    assert report.revenue == baht(100_000)
    assert report.sales_to_households == baht(88_500)
    assert report.group_fund == baht(10_000)
    assert report.platform == baht(1_500)
    assert report.sales_share == pytest.approx(0.885)
    products = {p.product_id: p for p in report.products}
    assert products[s.p1.id].revenue == baht(89_200)
    assert products[s.p1.id].to_households == baht(80_000)
    assert products[s.p1.id].households == 2
    assert products[s.p2.id].revenue == baht(10_800)
    assert products[s.p2.id].to_households == baht(8_500)
    assert products[s.p2.id].households == 3
    assert report.other_income == [("raw_material", baht(4_000))]
    months = dict((first, amount) for first, amount, _n in report.months)
    assert months[date(2025, 12, 1)] == baht(60_000)
    assert months[date(2026, 4, 1)] == baht(1_000)
    assert [row.code for row in report.rows] == [
        "57-00001", "57-00002", "57-00003", "57-00004", "57-00005", "58-00001",
    ]  # fmt: skip


def test_an_officer_sees_only_the_group_households_of_their_area(db, make_user):
    s = scenario()
    officer = make_user(officer_areas=["58"])
    report = reports.group_report(s.group.id, **PERIOD, viewer=officer)
    assert [row.code for row in report.rows] == ["58-00001"]
    assert report.hidden_households == 5
    stranger = make_user(officer_areas=["50"])
    with pytest.raises(reports.ReportNotFound):
        reports.group_report(s.group.id, **PERIOD, viewer=stranger)


def test_one_hidden_household_hides_every_household_figure_of_the_group(db, make_user):
    s = scenario()
    # A province officer of Chiang Rai: H6 (Mae Hong Son) is the one household hidden.
    # Unsuppressed, income 92,500 less the rows listed (30,000 + 5,000 + 1,500 + 0 +
    # 6,000 = 42,500) would give H6's 50,000 exactly.
    officer = make_user(officer_areas=["57"])
    report = reports.group_report(s.group.id, **PERIOD, viewer=officer)
    assert [row.code for row in report.rows] == [
        "57-00001", "57-00002", "57-00003", "57-00004", "57-00005",
    ]  # fmt: skip
    assert sum(row.income for row in report.rows) == baht(42_500)
    assert report.hidden_households == 1
    assert report.suppressed_for_hidden
    for value in (
        report.households,
        report.reached,
        report.income,
        report.sales_to_households,
        report.group_fund,
        report.platform,
    ):
        assert value is SUPPRESSED
    assert report.sales_share is None
    assert report.revenue == baht(100_000)  # the group's own figure stays
    products = {p.product_id: p for p in report.products}
    assert products[s.p1.id].revenue == baht(89_200)
    assert products[s.p1.id].to_households is SUPPRESSED
    assert products[s.p1.id].households is SUPPRESSED
    assert products[s.p1.id].share is None
    assert products[s.p2.id].to_households is SUPPRESSED
    assert report.other_income == [("raw_material", SUPPRESSED)]
    assert all(amount is SUPPRESSED and n is SUPPRESSED for _f, amount, n in report.months)
    # An admin sees it all.
    admin = make_user(admin=True)
    full = reports.group_report(s.group.id, **PERIOD, viewer=admin)
    assert full.income == baht(92_500) and full.hidden_households == 0
    assert not full.suppressed_for_hidden


def test_hidden_households_that_few_were_paid_hide_the_income(db, make_user):
    s = scenario()
    # Five households are hidden from an officer of Mae Hong Son, but only four of them
    # (H1, H2, H3, H5) were paid: income 92,500 less H6's 50,000 would be their 42,500.
    officer = make_user(officer_areas=["58"])
    report = reports.group_report(s.group.id, **PERIOD, viewer=officer)
    assert report.households == 6  # five hidden: their number may show
    assert report.reached is SUPPRESSED
    assert report.income is SUPPRESSED
    assert report.sales_to_households is SUPPRESSED
    assert report.group_fund is SUPPRESSED and report.platform is SUPPRESSED
    assert report.other_income == [("raw_material", SUPPRESSED)]
    months = {first: (amount, n) for first, amount, n in report.months}
    assert months[date(2025, 12, 1)] == (SUPPRESSED, SUPPRESSED)  # H1 with H6
    assert months[date(2026, 5, 1)] == (0, 0)  # nobody: a zero tells nothing
    products = {p.product_id: p for p in report.products}
    assert products[s.p1.id].to_households is SUPPRESSED  # H1 with H6
    assert products[s.p2.id].to_households is SUPPRESSED  # H2, H3, H5


def _paid_group(officer_rows, hidden_rows, feb=0):
    """A group of Phan with households of Phan (1,000 each) and of Mae Hong Son (2,000 each)."""
    from .report_fixtures import MAE_HONG_SON, order_line

    group = factories.make_group(**PHAN)
    product = factories.make_product(group=group, stock=None)
    line = order_line(group, product.variants[0])
    outside = []
    for n in range(officer_rows + hidden_rows):
        place = PHAN if n < officer_rows else MAE_HONG_SON
        household = factories.make_household(group, **place)
        entry(group, date(2026, 1, 5), 1_000 if n < officer_rows else 2_000, household, line=line)
        if n >= officer_rows:
            outside.append(household)
    for household in outside[:feb]:
        entry(group, date(2026, 2, 5), 300, household, line=line)
    entry(group, date(2026, 1, 5), 1_300, line=line)
    entry(group, date(2026, 1, 5), 200, line=line, account="platform")
    _db.session.commit()
    return group, product


def test_five_hidden_households_paid_leave_the_totals(db, make_user):
    group, product = _paid_group(officer_rows=3, hidden_rows=5)
    officer = make_user(officer_areas=["57"])
    report = reports.group_report(group.id, **PERIOD, viewer=officer)
    assert len(report.rows) == 3 and report.hidden_households == 5
    assert not report.suppressed_for_hidden
    assert report.households == 8
    assert report.reached == 8
    assert report.income == baht(3 * 1_000 + 5 * 2_000)
    assert report.revenue == baht(14_500)
    assert report.sales_to_households == baht(13_000)
    assert (report.group_fund, report.platform) == (baht(1_300), baht(200))
    (row,) = report.products
    assert (row.revenue, row.to_households, row.households) == (baht(14_500), baht(13_000), 8)
    months = {first: (amount, n) for first, amount, n in report.months}
    assert months[date(2026, 1, 1)] == (baht(13_000), 8)


def test_a_month_with_few_hidden_households_is_hidden_with_a_second(db, make_user):
    # One of the five hidden households also earned 300 in February: February less the
    # households listed is its income, so February goes, and January with it (the
    # months add up to the income shown).
    group, _product = _paid_group(officer_rows=3, hidden_rows=5, feb=1)
    officer = make_user(officer_areas=["57"])
    report = reports.group_report(group.id, **PERIOD, viewer=officer)
    months = {first: (amount, n) for first, amount, n in report.months}
    assert months[date(2026, 2, 1)] == (SUPPRESSED, SUPPRESSED)
    assert months[date(2026, 1, 1)] == (SUPPRESSED, SUPPRESSED)
    assert months[date(2026, 3, 1)] == (0, 0)
    assert report.income == baht(13_300)
    assert report.suppressed_for_hidden


# -- area -----------------------------------------------------------------------------------------


def test_a_month_of_few_households_hides_no_empty_month_when_the_total_is_hidden(db):
    """Two households paid in one month: that month and the total read "<5", and every
    other month keeps its zero (nobody earned then; "<5" would say one to four did)."""
    group = factories.make_group(**PHAN)
    for _ in range(2):
        entry(group, date(2026, 3, 5), 1_000, factories.make_household(group, **PHAN))
    _db.session.commit()
    report = reports.area_report("57", **PERIOD)
    assert report.total.reached is SUPPRESSED and report.total.income is SUPPRESSED
    months = {first: (amount, n) for first, amount, n in report.months}
    assert months.pop(date(2026, 3, 1)) == (SUPPRESSED, SUPPRESSED)
    assert set(months.values()) == {(0, 0)}


def test_area_totals_before_suppression(db):
    scenario()
    report = reports.area_report("57", **PERIOD)
    raw = report.total.raw
    assert raw["households"] == 5
    assert raw["reached"] == 4
    assert raw["income"] == baht(30_000 + 5_000 + 1_500 + 6_000)
    assert raw["assessed"] == 4
    assert raw["reassessed"] == 3  # H1, H2, H5
    assert raw["crossed"] == 2  # H1, H2
    assert raw["lifted"] == 1  # H1
    assert raw["below_at_baseline"] == 3  # H1, H2, H5 (100,000 / 5 / 12 = 1,666)
    assert raw["low_income_reached"] == 3
    # Counts from 1 to 4 are shown as "<5", and so is the money of such a count.
    assert report.total.households == 5
    assert report.total.reached is SUPPRESSED
    assert report.total.income is SUPPRESSED
    assert report.total.crossed is SUPPRESSED
    assert report.iris["PI7852"] is SUPPRESSED
    assert report.iris["PI8632"] is SUPPRESSED
    assert report.level == "district"
    by_district = {row.key: row for row in report.rows}
    assert set(by_district) == {"5701", "5705"}
    assert by_district["5705"].raw["households"] == 4
    assert by_district["5701"].raw["income"] == baht(6_000)
    assert by_district["5705"].households is SUPPRESSED
    assert by_district["5701"].households is SUPPRESSED
    # Sales of the groups located in the province (G): all of them.
    assert report.total.revenue == baht(100_000)


def test_district_and_subdistrict_levels(db):
    s = scenario()
    district = reports.area_report("57", "5705", **PERIOD)
    assert district.level == "subdistrict"
    assert {row.key for row in district.rows} == {"570501", "570505"}
    sub = reports.area_report("57", "5705", "570505", **PERIOD)
    assert sub.level == "group"
    (row,) = sub.rows
    assert row.key == str(s.group.id)
    assert row.raw["households"] == 3
    assert row.raw["reached"] == 3
    assert row.raw["income"] == baht(36_500)


def test_unknown_or_mismatched_areas_are_not_found(db):
    for args in (("99",), ("57", "5801"), ("57", "5705", "570101"), ("57", None, "570505")):
        with pytest.raises(reports.ReportNotFound):
            reports.area_report(*args, **PERIOD)


def test_officer_area_scope(db, make_user):
    scenario()
    province_officer = make_user(officer_areas=["57"])
    district_officer = make_user(officer_areas=[("57", "5705")])
    reports.area_report("57", **PERIOD, viewer=province_officer)
    reports.area_report("57", "5705", **PERIOD, viewer=district_officer)
    with pytest.raises(reports.ReportNotFound):
        reports.area_report("57", **PERIOD, viewer=district_officer)
    with pytest.raises(reports.ReportNotFound):
        reports.area_report("57", "5701", **PERIOD, viewer=district_officer)
    with pytest.raises(reports.ReportNotFound):
        reports.area_report("58", **PERIOD, viewer=province_officer)


# -- suppression -------------------------------------------------------------------------------


def test_primary_suppression_keeps_zero_and_five():
    assert suppressed_cells({"a": 0, "b": 1, "c": 4, "d": 5}) == {"b", "c"}


def test_complementary_suppression_hides_a_second_cell_in_a_line():
    cells = {"a": 3, "b": 10, "c": 0, "d": 12, "total": 25}
    assert suppressed_cells(cells, [["a", "b", "c", "d", "total"]]) == {"a", "b"}


def test_complementary_suppression_prefers_non_zero_cells_then_the_total():
    cells = {"a": 3, "b": 0, "total": 3}
    assert suppressed_cells(cells, [["a", "b", "total"]]) == {"a", "total"}


def _transition_households(group, baseline, latest, n):
    for _ in range(n):
        household = factories.make_household(group, **PHAN)
        assess(household, date(2025, 1, 1), 3, 90_000, baseline)
        assess(household, date(2026, 6, 1), 3, 150_000, latest)


def test_transition_matrix_with_complementary_suppression(db):
    group = factories.make_group(**PHAN)
    _transition_households(group, "struggling", "struggling", 5)
    _transition_households(group, "struggling", "getting_by", 6)
    _transition_households(group, "difficult", "difficult", 7)
    _transition_households(group, "difficult", "getting_by", 2)
    db.session.commit()
    report = reports.area_report("57", **PERIOD)
    t = report.transitions
    # (difficult → getting by) = 2 is primary; the rest are hidden so that it cannot be
    # worked out: difficult → difficult (row), struggling → getting by (column), and so on.
    assert t[("difficult", "getting_by")] is SUPPRESSED
    assert t[("difficult", "difficult")] is SUPPRESSED
    assert t[("struggling", "getting_by")] is SUPPRESSED
    assert t[("struggling", "struggling")] is SUPPRESSED
    assert t[("struggling", "difficult")] == 0
    assert report.transition_rows == {
        "struggling": 11,
        "difficult": 9,
        "getting_by": 0,
        "well_off": 0,
    }
    assert report.transition_cols["struggling"] is SUPPRESSED
    assert report.transition_cols["difficult"] is SUPPRESSED
    assert report.transition_cols["getting_by"] == 8
    assert report.transition_total == 20
    # 90,000 / 3 / 12 = 2,500 → 150,000 / 3 / 12 = 4,166: every household crossed.
    assert report.total.crossed == 20


def test_breakdown_rows_get_complementary_suppression(db):
    group = factories.make_group(**PHAN)
    sub_a = dict(PHAN)
    sub_b = dict(PHAN, subdistrict_code="570501")
    sub_c = dict(PHAN, subdistrict_code="570502")
    for place, n in ((sub_a, 12), (sub_b, 3), (sub_c, 7)):
        for _ in range(n):
            household = factories.make_household(group, **place)
            entry(group, date(2026, 1, 5), 100, household)
    db.session.commit()
    report = reports.area_report("57", "5705", **PERIOD)
    rows = {row.key: row for row in report.rows}
    assert rows["570501"].households is SUPPRESSED
    assert rows["570501"].income is SUPPRESSED
    # 3 alone is primary; the district total (22) is shown, so the next smallest goes too.
    assert rows["570502"].households is SUPPRESSED
    assert rows["570502"].income is SUPPRESSED
    assert rows["570505"].households == 12
    assert rows["570505"].income == baht(1_200)
    assert report.total.households == 22
    assert report.total.income == baht(2_200)


def test_monthly_cells_of_few_households_are_suppressed(db):
    group = factories.make_group(**PHAN)
    for n in range(8):
        household = factories.make_household(group, **PHAN)
        entry(group, date(2026, 1, 5), 100, household)
        if n < 2:
            entry(group, date(2026, 2, 5), 100, household)
        if n < 6:
            entry(group, date(2026, 3, 5), 100, household)
    db.session.commit()
    report = reports.area_report("57", **PERIOD)
    months = {first: (amount, n) for first, amount, n in report.months}
    assert months[date(2026, 1, 1)] == (baht(800), 8)
    assert months[date(2026, 2, 1)] == (SUPPRESSED, SUPPRESSED)
    # March is the next smallest non-zero month: hidden so February cannot be derived.
    assert months[date(2026, 3, 1)] == (SUPPRESSED, SUPPRESSED)
    assert months[date(2026, 4, 1)] == (0, 0)


def test_iris_figures(db):
    group = factories.make_group(**PHAN)
    for n in range(6):
        household = factories.make_household(group, **PHAN)
        # Four struggling, two well off with a high income.
        if n < 4:
            assess(household, date(2025, 6, 1), 4, 100_000, "struggling")
        else:
            assess(household, date(2025, 6, 1), 2, 200_000, "well_off")
        entry(group, date(2026, 1, 5), 1_000, household)
    raw_seller = factories.make_household(group, **PHAN)
    assess(raw_seller, date(2025, 6, 1), 1, 20_000, "getting_by")  # income below the line
    entry(group, date(2026, 2, 5), 500, raw_seller, kind="raw_material")
    entry(group, date(2026, 1, 5), 1_400)  # group fund
    entry(group, date(2026, 1, 5), 100, account="platform")
    db.session.commit()
    iris = reports.area_report("57", **PERIOD).iris
    assert iris["PI7852"] == baht(6_500)
    # Households got 6,000 of sales and 500 of raw material out of 7,500 + 500.
    assert iris["PI8632"] == pytest.approx(81.2)
    assert iris["PI7318"] == 5  # four struggling and the raw-material seller below the line
    assert iris["reached"] == 7


def test_group_rows_of_a_subdistrict_get_complementary_suppression(db):
    big = factories.make_group(name_en="Big", **PHAN)
    small = factories.make_group(name_en="Small", **PHAN)
    for group, n in ((big, 12), (small, 3)):
        for _ in range(n):
            household = factories.make_household(group, **PHAN)
            entry(group, date(2026, 1, 5), 100, household)
    _db.session.commit()
    report = reports.area_report("57", "5705", "570505", **PERIOD)
    assert report.level == "group"
    rows = {row.key: row for row in report.rows}
    small_row, big_row = rows[str(small.id)], rows[str(big.id)]
    assert small_row.households is SUPPRESSED
    assert small_row.income is SUPPRESSED
    # The total (15) is shown: 15 less Big's 12 would give Small's 3, so Big goes too.
    assert big_row.raw["households"] == 12
    assert big_row.households is SUPPRESSED
    assert big_row.reached is SUPPRESSED
    assert big_row.income is SUPPRESSED
    assert report.total.households == 15
    assert report.total.income == baht(1_500)


def test_sales_to_households_paid_to_few_are_hidden_with_a_second_row(db):
    from .report_fixtures import SAN_MAKHET

    doi_ngam = factories.make_group(**PHAN)
    san_makhet = factories.make_group(**SAN_MAKHET)
    # Doi Ngam: six households reached, but only three paid from sales (1,000 each);
    # the other three sold raw material (200 each).
    for n in range(6):
        household = factories.make_household(doi_ngam, **PHAN)
        if n < 3:
            entry(doi_ngam, date(2026, 1, 5), 1_000, household)
        else:
            entry(doi_ngam, date(2026, 1, 5), 200, household, kind="raw_material")
    for _ in range(8):
        household = factories.make_household(san_makhet, **SAN_MAKHET)
        entry(san_makhet, date(2026, 1, 5), 500, household)
    _db.session.commit()
    report = reports.area_report("57", "5705", **PERIOD)
    rows = {row.key: row for row in report.rows}
    assert rows["570505"].reached == 6  # the households living there: not small
    assert rows["570505"].revenue == baht(3_000)
    assert rows["570505"].sales_to_households is SUPPRESSED  # three households paid
    assert rows["570505"].sales_share is None
    # The district total is shown, so the next smallest row goes too.
    assert rows["570501"].sales_to_households is SUPPRESSED
    assert rows["570501"].revenue == baht(4_000)
    assert report.total.sales_to_households == baht(3_000 + 4_000)


def test_sales_paid_to_few_households_outside_the_officers_area_are_hidden(db, make_user):
    from .report_fixtures import MAE_HONG_SON, order_line

    group = factories.make_group(**PHAN)
    product = factories.make_product(group=group, stock=None)
    line = order_line(group, product.variants[0])
    for n in range(8):
        household = factories.make_household(group, **(PHAN if n < 6 else MAE_HONG_SON))
        entry(group, date(2026, 1, 5), 1_000, household, line=line)
    _db.session.commit()
    admin = make_user(admin=True)
    full = reports.area_report("57", "5705", **PERIOD, viewer=admin)
    assert full.rows[0].sales_to_households == baht(8_000)
    assert full.total.sales_to_households == baht(8_000)
    assert full.products[0].to_households == baht(8_000)
    # An officer of Phan can read the six households of Phan one by one (group and
    # household reports): 8,000 less their 6,000 would be the two of Mae Hong Son's.
    officer = make_user(officer_areas=[("57", "5705")])
    report = reports.area_report("57", "5705", **PERIOD, viewer=officer)
    assert report.rows[0].reached == 6
    assert report.rows[0].sales_to_households is SUPPRESSED
    assert report.total.sales_to_households is SUPPRESSED
    assert report.products[0].to_households is SUPPRESSED
    assert report.products[0].revenue == baht(8_000)
    assert report.iris["PI8632"] is SUPPRESSED


@pytest.mark.parametrize("with_lots", [False, True])
def test_area_report_by_product(db, with_lots):
    """Products found through the entries' lots or, without one, through their order lines."""
    group, made = by_product_world(with_lots=with_lots)
    report = reports.area_report("57", **PERIOD)
    by_id = {p.product_id: p for p in report.products}
    assert [p.product_id for p in report.products] == [made[k].id for k in ("A", "C", "B")]
    a, b, c = (by_id[made[k].id] for k in ("A", "B", "C"))
    assert (a.revenue, b.revenue, c.revenue) == (baht(6_600), baht(3_850), baht(4_000))
    assert a.group_id == group.id
    # C paid two households: hidden. The products add up to the total shown (13,500),
    # so the next smallest, A (6), goes too; B (7) stays.
    assert c.to_households is SUPPRESSED and c.households is SUPPRESSED
    assert a.to_households is SUPPRESSED and a.households is SUPPRESSED
    assert (b.to_households, b.households) == (baht(3_500), 7)
    assert b.share == pytest.approx(3_500 / 3_850)
    assert report.total.sales_to_households == baht(13_500)
    assert report.total.revenue == baht(14_450)
