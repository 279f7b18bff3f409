"""The monthly sums the reports read always equal the ledger they summarise.

Random postings (paid orders, refunds in parts, raw material, wages, adjustments,
payouts, a sale without a lot) at random dates: after each, the summary equals
a recomputation from the ledger, and the income of any period read through
`summaries.income_rows` (whole months from the summary, partial ones from the
ledger) equals the ledger's own sums for that period, with and without the
households (`GroupMonth`).
"""

import contextlib
import importlib.util
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import and_, delete, func, literal, select, text
from sqlalchemy.orm import Session

from marketplace.extensions import db
from marketplace.impact import ledger, summaries
from marketplace.impact.reports import Period
from marketplace.models import (
    AssessmentSpan,
    GroupMonth,
    HouseholdAssessment,
    HouseholdMonth,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
    LedgerMonth,
    Refund,
    RefundLine,
    ShareRule,
    ShareRulePart,
)
from marketplace.orders import service

from .. import factories

FIRST_DAY = date(2025, 1, 1)
DAYS = 800  # a little over two years of dates


def _clean():
    """Hypothesis reuses the test's database: empty the tables this test fills."""
    db.session.rollback()
    connection = db.session.connection()
    for model in (
        LedgerMonth,
        GroupMonth,
        HouseholdMonth,
        LedgerEntry,
        RefundLine,
        Refund,
        ShareRulePart,
        ShareRule,
    ):
        connection.execute(delete(model))
    db.session.commit()


def _world():
    group = factories.make_group()
    product = factories.make_product(group=group, price_satang=12_345, stock=None)
    variant = product.variants[0]
    lot = factories.make_lot(variant, quantity=10_000)
    households = [factories.make_household(group) for _ in range(3)]
    factories.make_contribution(lot, households[0], role="grower", quantity=7)
    factories.make_contribution(lot, households[1], role="grower", quantity=3)
    db.session.add(
        ShareRule(
            group_id=group.id,
            product_id=product.id,
            version=1,
            effective_from=datetime(2020, 1, 1, tzinfo=UTC),
            platform_fee_bp=500,
            parts=[ShareRulePart(role="grower", basis="percent", value=6000)],
        )
    )
    db.session.flush()
    return group, variant, households


def _day(offset):
    return FIRST_DAY + timedelta(days=offset)


operations = st.one_of(
    st.tuples(st.just("sale"), st.integers(1, 5), st.integers(0, DAYS)),
    st.tuples(st.just("refund"), st.integers(0, 10), st.floats(0, 1), st.integers(0, DAYS)),
    st.tuples(
        st.just("record"),
        st.sampled_from(["raw_material", "wage", "adjustment", "payout"]),
        st.integers(0, 2),
        st.integers(-50_000, 500_000),
        st.integers(0, DAYS),
    ),
    st.tuples(st.just("lineless"), st.integers(1, 90_000), st.integers(0, DAYS)),
)


@st.composite
def periods(draw):
    start = draw(st.integers(0, DAYS))
    length = draw(st.integers(0, 400))
    return _day(start), _day(min(DAYS, start + length))


def _apply(operation, world, orders):
    group, variant, households = world
    kind = operation[0]
    if kind == "sale":
        _, quantity, offset = operation
        order = factories.make_order({variant: quantity})
        # The shares count for the day of the payment: paid on a chosen day.
        paid_at = datetime.combine(_day(offset), time(5), tzinfo=UTC)
        service.mark_paid(order, service.new_payment(order, "transfer"), at=paid_at)
        orders.append(order)
    elif kind == "refund" and orders:
        _, which, cut, offset = operation
        order = orders[which % len(orders)]
        line = order.lines[0]
        amount = int(line.net_satang * cut)
        if amount:
            refund = Refund(
                order=order,
                fulfilment=order.fulfilments[0],
                amount_satang=amount,
                method="transfer",
                created_at=datetime.combine(_day(offset), time(5), tzinfo=UTC),
            )
            refund.lines.append(RefundLine(line=line, amount_satang=amount))
            db.session.add(refund)
            db.session.flush()
            ledger.post_refund_reversals(refund)
    elif kind == "record":
        _, entry_kind, who, amount, offset = operation
        if amount == 0 or (amount < 0 and entry_kind != "adjustment"):
            return
        fields = dict(
            kind=entry_kind,
            household_id=str(households[who].id),
            occurred_on=_day(offset).isoformat(),
            amount=f"{amount / 100:.2f}",
            description="ปรับยอด",
            quantity="2" if entry_kind == "raw_material" else "",
            unit="kg",
            unit_price=f"{abs(amount) / 100:.2f}",
        )
        # A payout above the balance, say, posts nothing.
        with contextlib.suppress(ledger.LedgerError):
            ledger.record_entry(group, fields, today=_day(DAYS))
    elif kind == "lineless" and orders:
        # A sale share of a line that took no lot: its product is the order line's.
        _, amount, offset = operation
        db.session.add(
            LedgerEntry(
                account=LedgerAccount.GROUP_FUND,
                kind=LedgerKind.SALE_SHARE,
                group_id=group.id,
                amount_satang=amount,
                occurred_on=_day(offset),
                order_line_id=orders[0].lines[0].id,
            )
        )
        db.session.flush()


def _by_key(rows):
    result = {}
    for row in rows:
        key = tuple(row[:6])
        result[key] = result.get(key, 0) + int(row[6])
    return result


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(operations, min_size=1, max_size=10), period=periods())
def test_the_monthly_sums_always_equal_the_ledger(db, steps, period):
    _clean()
    world = _world()
    orders = []
    for step in steps:
        _apply(step, world, orders)
        assert summaries.differences() == (0, [])
    start, end = period
    income = summaries.income_rows(Period(start, end))
    read = _by_key(
        db.session.execute(
            select(*(income.c[name] for name in summaries.KEY_COLUMNS), income.c.amount)
        ).all()
    )
    expected = _by_key(
        db.session.execute(
            summaries.ledger_sums(
                and_(
                    LedgerEntry.kind.in_(LedgerKind.INCOME),
                    LedgerEntry.occurred_on >= start,
                    LedgerEntry.occurred_on <= end,
                )
            )
        ).all()
    )
    assert read == expected
    # The groups' sums: the same without the household.
    groups = summaries.income_rows(Period(start, end), households=False)
    read = _by_key(
        db.session.execute(
            select(literal(0), *(groups.c[name] for name in summaries.GROUP_KEYS), groups.c.amount)
        ).all()
    )
    without_households = {}
    for key, amount in expected.items():
        key = (0, *key[1:])
        without_households[key] = without_households.get(key, 0) + amount
    assert read == without_households
    db.session.commit()


def test_postings_in_one_month_add_up_in_one_row(make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    grower = make.household(group)
    make.contribution(product.variants[0].lots[0], grower, quantity=1)
    rule(group, product, {"grower": "50%"})
    for _ in range(3):
        make.order({product.variants[0]: 1}, paid=True)
    rows = db.session.scalars(
        select(LedgerMonth).where(LedgerMonth.household_id == grower.id)
    ).all()
    assert len(rows) == 1
    assert (rows[0].flow, rows[0].product_id, rows[0].entries) == ("sale", product.id, 3)
    assert rows[0].amount_satang == 3 * 6000


def _tamper():
    db.session.connection().execute(
        LedgerMonth.__table__.update().values(amount_satang=LedgerMonth.amount_satang + 1)
    )
    db.session.commit()


def test_the_command_checks_and_rebuilds(app, make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    rule(group, product, {"grower": "50%"})
    make.order({product.variants[0]: 2}, paid=True)
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "summaries", "--check"])
    assert result.exit_code == 0, result.output
    assert "0 summary row(s) differ" in result.output
    _tamper()
    result = runner.invoke(args=["ledger", "summaries", "--check"])
    assert result.exit_code == 1
    assert "differ from the ledger" in result.output and "only in stored" in result.output
    result = runner.invoke(args=["ledger", "summaries"])
    assert result.exit_code == 0, result.output
    assert "they match it" in result.output
    assert summaries.differences() == (0, [])


def test_the_migration_backfills_what_the_ledger_adds_up_to(make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    rule(group, product, {"grower": "50%"}, fee="3")
    make.order({product.variants[0]: 2}, paid=True)
    before = db.session.scalar(select(func.count()).select_from(LedgerMonth))
    assert before
    path = next(Path("migrations/versions").glob("*_ledger_month_summaries.py"))
    spec = importlib.util.spec_from_file_location("ledger_month_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()
    connection.execute(delete(LedgerMonth))
    dialect = connection.dialect.name
    connection.execute(text(migration.BACKFILL.format(month=migration.MONTH[dialect])))
    assert db.session.scalar(select(func.count()).select_from(LedgerMonth)) == before
    assert summaries.differences() == (0, [])


def test_a_household_that_moves_takes_its_monthly_income_to_its_new_area(make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    grower = make.household(group)
    make.contribution(product.variants[0].lots[0], grower, quantity=1)
    rule(group, product, {"grower": "50%"})
    make.order({product.variants[0]: 1}, paid=True)
    db.session.commit()
    (row,) = db.session.scalars(
        select(HouseholdMonth).where(HouseholdMonth.household_id == grower.id)
    ).all()
    assert (row.province_code, row.district_code, row.amount_satang) == ("57", "5705", 6000)
    grower.province_code, grower.district_code, grower.subdistrict_code = "58", "5801", "580101"
    db.session.commit()
    db.session.expire_all()
    row = db.session.get(HouseholdMonth, (grower.id, row.month))
    assert (row.province_code, row.district_code, row.subdistrict_code) == ("58", "5801", "580101")
    assert summaries.differences() == (0, [])


def test_the_check_finds_a_household_month_that_differs(app, make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    rule(group, product, {"grower": "50%"})
    make.order({product.variants[0]: 2}, paid=True)
    db.session.connection().execute(HouseholdMonth.__table__.update().values(province_code="58"))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "summaries", "--check"])
    assert result.exit_code == 1
    assert "only in stored household_month" in result.output
    assert "only in ledger (household_month)" in result.output
    result = runner.invoke(args=["ledger", "summaries"])
    assert result.exit_code == 0, result.output
    assert summaries.differences() == (0, [])


def test_the_household_month_migration_backfills_what_the_ledger_adds_up_to(make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=2)
    rule(group, product, {"grower": "50%"}, fee="3")
    make.order({product.variants[0]: 2}, paid=True)
    before = db.session.scalar(select(func.count()).select_from(HouseholdMonth))
    assert before == 2
    path = next(Path("migrations/versions").glob("*_household_month.py"))
    spec = importlib.util.spec_from_file_location("household_month_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()
    connection.execute(delete(HouseholdMonth))
    dialect = connection.dialect.name
    connection.execute(text(migration.BACKFILL.format(month=migration.MONTH[dialect])))
    assert db.session.scalar(select(func.count()).select_from(HouseholdMonth)) == before
    assert summaries.differences() == (0, [])


def test_the_check_finds_a_group_month_that_differs(app, make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    rule(group, product, {"grower": "50%"}, fee="3")
    make.order({product.variants[0]: 2}, paid=True)
    rows = db.session.scalars(select(GroupMonth).where(GroupMonth.group_id == group.id)).all()
    # The households' part, the platform's fee and the group fund's rest.
    assert {(row.account, row.flow, row.product_id) for row in rows} == {
        (LedgerAccount.HOUSEHOLD, "sale", product.id),
        (LedgerAccount.PLATFORM, "sale", product.id),
        (LedgerAccount.GROUP_FUND, "sale", product.id),
    }
    db.session.connection().execute(
        GroupMonth.__table__.update().values(amount_satang=GroupMonth.amount_satang + 1)
    )
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "summaries", "--check"])
    assert result.exit_code == 1
    assert "only in stored group_month" in result.output
    assert "only in ledger (group_month)" in result.output
    result = runner.invoke(args=["ledger", "summaries"])
    assert result.exit_code == 0, result.output
    assert summaries.differences() == (0, [])


def test_the_group_month_migration_backfills_what_the_ledger_adds_up_to(make, rule):
    group = make.group()
    product = make.product(group=group, stock=50)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=1)
    make.contribution(product.variants[0].lots[0], make.household(group), quantity=2)
    rule(group, product, {"grower": "50%"}, fee="3")
    make.order({product.variants[0]: 2}, paid=True)
    before = db.session.scalar(select(func.count()).select_from(GroupMonth))
    assert before == 3
    path = next(Path("migrations/versions").glob("*_group_month.py"))
    spec = importlib.util.spec_from_file_location("group_month_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()
    connection.execute(delete(GroupMonth))
    connection.execute(text(migration.BACKFILL))
    assert db.session.scalar(select(func.count()).select_from(GroupMonth)) == before
    assert summaries.differences() == (0, [])


def _assess(household, on, members=3, income=90_000_00, poverty_class="getting_by"):
    db.session.add(
        HouseholdAssessment(
            household_id=household.id,
            assessed_on=on,
            members=members,
            annual_income_satang=income,
            poverty_class=poverty_class,
        )
    )
    db.session.flush()


def _spans(household):
    return [
        (span.assessed_on, span.until_on, span.is_first, span.members, span.district_code)
        for span in db.session.scalars(
            select(AssessmentSpan)
            .where(AssessmentSpan.household_id == household.id)
            .order_by(AssessmentSpan.assessed_on)
        )
    ]


def test_assessment_spans_follow_each_assessment_and_move_with_the_household(make):
    household = make.household(make.group())
    _assess(household, date(2025, 10, 1))
    assert _spans(household) == [(date(2025, 10, 1), None, 1, 3, "5705")]
    _assess(household, date(2026, 10, 1), members=4)
    # One assessed between the two: the first ends at it, it ends at the last.
    _assess(household, date(2026, 3, 1), members=5)
    assert _spans(household) == [
        (date(2025, 10, 1), date(2026, 3, 1), 1, 3, "5705"),
        (date(2026, 3, 1), date(2026, 10, 1), 0, 5, "5705"),
        (date(2026, 10, 1), None, 0, 4, "5705"),
    ]
    # An earlier one becomes the first.
    _assess(household, date(2025, 1, 1), members=2)
    assert [span[:3] for span in _spans(household)][:2] == [
        (date(2025, 1, 1), date(2025, 10, 1), 1),
        (date(2025, 10, 1), date(2026, 3, 1), 0),
    ]
    household.province_code, household.district_code, household.subdistrict_code = (
        "58",
        "5801",
        "580101",
    )
    db.session.commit()
    db.session.expire_all()
    assert {span[4] for span in _spans(household)} == {"5801"}
    assessment = db.session.scalar(
        select(HouseholdAssessment).where(HouseholdAssessment.assessed_on == date(2026, 3, 1))
    )
    db.session.delete(assessment)
    db.session.commit()
    assert [span[:2] for span in _spans(household)] == [
        (date(2025, 1, 1), date(2025, 10, 1)),
        (date(2025, 10, 1), date(2026, 10, 1)),
        (date(2026, 10, 1), None),
    ]
    assert summaries.differences() == (0, [])


def test_the_check_finds_an_assessment_span_that_differs(app, make):
    household = make.household(make.group())
    _assess(household, date(2025, 10, 1))
    _assess(household, date(2026, 10, 1))
    db.session.connection().execute(AssessmentSpan.__table__.update().values(until_on=None))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["ledger", "summaries", "--check"])
    assert result.exit_code == 1
    assert "only in stored assessment_span" in result.output
    assert "only in assessments (assessment_span)" in result.output
    result = runner.invoke(args=["ledger", "summaries"])
    assert result.exit_code == 0, result.output
    assert summaries.differences() == (0, [])


def test_the_assessment_span_migration_backfills_what_the_assessments_work_out_to(make):
    for count in range(1, 4):
        household = make.household(make.group())
        for on in (date(2025, 10, 1), date(2026, 4, 1), date(2026, 10, 1))[:count]:
            _assess(household, on)
    before = db.session.scalar(select(func.count()).select_from(AssessmentSpan))
    assert before == 6
    path = next(Path("migrations/versions").glob("*_assessment_span.py"))
    spec = importlib.util.spec_from_file_location("assessment_span_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    connection = db.session.connection()
    connection.execute(delete(AssessmentSpan))
    connection.execute(text(migration.BACKFILL))
    assert db.session.scalar(select(func.count()).select_from(AssessmentSpan)) == before
    assert summaries.differences() == (0, [])


def test_two_transactions_adding_assessments_to_one_household_do_not_deadlock(app, make):
    """Adding an assessment takes a key-share lock on its household (the foreign key):
    the lock the spans take must not conflict with it, or two transactions each adding
    one to the same household deadlock (PostgreSQL; SQLite writes one at a time)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks: PostgreSQL only")
    household = make.household(make.group())
    db.session.commit()
    household_id = household.id

    def assessment(on):
        return HouseholdAssessment(
            household_id=household_id,
            assessed_on=on,
            members=3,
            annual_income_satang=90_000_00,
            poverty_class="getting_by",
        )

    SPAN_SOURCE_COLUMNS = {
        "household_id",
        "assessed_on",
        "members",
        "annual_income_satang",
        "poverty_class",
    }
    errors = []
    first = Session(bind=db.engine)
    second = Session(bind=db.engine)
    try:
        # The first transaction has inserted an assessment, its spans not yet worked out
        # (the moment between a flush's INSERT and its after_flush; any row that refers
        # to the household, a ledger entry or a contribution, takes the same lock) ...
        values = {
            column.key: getattr(assessment(date(2025, 1, 1)), column.key)
            for column in HouseholdAssessment.__table__.columns
            if column.key in SPAN_SOURCE_COLUMNS
        }
        first.execute(HouseholdAssessment.__table__.insert().values(values))

        def add_second():
            try:
                with app.app_context():
                    second.add(assessment(date(2025, 6, 1)))
                    second.flush()
                    second.commit()
            except Exception as error:  # noqa: BLE001  (reported below)
                second.rollback()
                errors.append(error)

        worker = threading.Thread(target=add_second, daemon=True)
        worker.start()
        worker.join(1.5)  # the second adds its own (a key-share lock) and works its spans out
        # ... and adds another in a later flush of the same transaction.
        try:
            first.add(assessment(date(2026, 1, 1)))
            first.flush()
            first.commit()
        except Exception as error:  # noqa: BLE001
            first.rollback()
            errors.append(error)
        worker.join(10)
        assert not worker.is_alive()
    finally:
        first.close()
        second.close()
    assert errors == []
    db.session.expire_all()
    assert [span[:2] for span in _spans(household)] == [
        (date(2025, 1, 1), date(2025, 6, 1)),
        (date(2025, 6, 1), date(2026, 1, 1)),
        (date(2026, 1, 1), None),
    ]
    assert summaries.differences() == (0, [])
