"""Posting paid lines to the household ledger, reversing refunds, recording other income."""

import threading
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import delete, func, select, update

from marketplace.extensions import db
from marketplace.impact import ledger
from marketplace.impact.ledger import GROUP_FUND, PLATFORM, Part
from marketplace.models import (
    AuditLog,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
    OrderStatus,
    Refund,
    RefundLine,
    ShareRule,
)
from marketplace.models.ledger import AppendOnlyError
from marketplace.orders import service

from ..conftest import csrf_token
from .conftest import by_account, entries, total

# -- the arithmetic ---------------------------------------------------------------------------


def test_largest_remainder_adds_up_and_favours_the_largest_remainders():
    assert ledger.largest_remainder(100, [1, 1, 1]) == [34, 33, 33]
    assert ledger.largest_remainder(10, [3, 3, 4]) == [3, 3, 4]
    assert ledger.largest_remainder(1, [3, 3, 4]) == [0, 0, 1]
    assert ledger.largest_remainder(5, [0, 0]) == [5, 0]
    assert ledger.largest_remainder(0, [2, 7]) == [0, 0]
    assert ledger.largest_remainder(7, [Fraction(1, 3), Fraction(2, 3)]) == [2, 5]
    with pytest.raises(ValueError):
        ledger.largest_remainder(-1, [1])


def test_split_portion_by_hand():
    """2 units for ฿200: growers 60 %, packers ฿5/unit, platform 3 %, the fund the rest."""
    parts = [Part("grower", "percent", 6000), Part("packer", "per_unit", 500)]
    assert ledger.split_portion(20000, 2, parts, 300) == {
        "grower": 12000,
        "packer": 1000,
        PLATFORM: 600,
        GROUP_FUND: 6400,
    }
    # Without packers in the lot, their part stays with the group.
    assert ledger.split_portion(20000, 2, parts, 300, roles_present={"grower"}) == {
        "grower": 12000,
        PLATFORM: 600,
        GROUP_FUND: 7400,
    }


def test_fixed_parts_are_scaled_down_when_a_discount_leaves_too_little():
    """฿10 for 2 units: 50 % is ฿5; packers would get ฿10 and weavers ฿5 → scaled to 2:1 of ฿5."""
    parts = [
        Part("grower", "percent", 5000),
        Part("packer", "per_unit", 500),
        Part("weaver", "per_unit", 250),
    ]
    result = ledger.split_portion(1000, 2, parts, 0)
    assert result == {"grower": 500, "packer": 333, "weaver": 167, PLATFORM: 0, GROUP_FUND: 0}
    assert sum(result.values()) == 1000


def test_split_line_by_lots_divides_the_net_by_units():
    assert ledger.split_line_by_lots(1000, [(1, 1), (2, 2)]) == [(1, 1, 333), (2, 2, 667)]


# -- posting a paid order ---------------------------------------------------------------------


@pytest.fixture
def rice(make, rule):
    """฿100 rice: growers 60 %, packers ฿5/unit, platform 3 %; growers of 30 and 10 kg, a packer."""
    group = make.group()
    product = make.product(group=group, price_satang=10000, stock=None)
    variant = product.variants[0]
    lot = make.lot(variant, quantity=50)
    growers = [make.household(group), make.household(group)]
    packer = make.household(group)
    make.contribution(lot, growers[0], role="grower", quantity=30)
    make.contribution(lot, growers[1], role="grower", quantity=10)
    make.contribution(lot, packer, role="packer", quantity=1, unit="pieces")
    rule(group, product, {"grower": "60%", "packer": "5"}, fee="3")
    return dict(
        group=group, product=product, variant=variant, lot=lot, growers=growers, packer=packer
    )


def test_a_paid_line_posts_each_households_share_the_fund_and_the_platform(make, rice):
    order = make.order({rice["variant"]: 2}, paid=True)
    line = order.lines[0]
    g0, g1 = rice["growers"]
    assert by_account(line.id) == {
        ("household", g0.id): 9000,
        ("household", g1.id): 3000,
        ("household", rice["packer"].id): 1000,
        "platform": 600,
        "group_fund": 6400,
    }
    posted = entries(order_line_id=line.id)
    assert {e.kind for e in posted} == {LedgerKind.SALE_SHARE}
    assert {e.group_id for e in posted} == {rice["group"].id}
    assert {e.lot_id for e in posted} == {rice["lot"].id}
    assert {e.role for e in posted if e.household_id} == {"grower", "packer"}
    assert all(e.posting_key for e in posted)
    assert all(e.occurred_on == ledger.bangkok_date(order.paid_at) for e in posted)


def test_posting_twice_or_paying_twice_posts_nothing_new(make, rice):
    order = make.order({rice["variant"]: 3}, paid=True)
    count = len(entries())
    assert ledger.post_order_shares(order) == []
    second = service.new_payment(order, "transfer")
    assert service.mark_paid(order, second) is False
    assert len(entries()) == count
    assert total() == order.lines[0].net_satang


def test_posted_entries_and_saved_rules_can_be_neither_changed_nor_deleted(make, rice):
    """The ledger is append-only: a refund posts a reversal, a new rule is a new version."""
    make.order({rice["variant"]: 1}, paid=True)
    db.session.commit()
    entry = entries()[0]
    saved_rule = db.session.scalars(select(ShareRule)).first()
    for change in (
        lambda: setattr(entry, "amount_satang", entry.amount_satang + 1),
        lambda: db.session.delete(entry),
        lambda: setattr(saved_rule, "platform_fee_bp", 0),
        lambda: setattr(saved_rule.parts[0], "value", 1),
        lambda: db.session.delete(saved_rule.parts[0]),
    ):
        change()
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
    for statement in (
        update(LedgerEntry).values(amount_satang=0),
        delete(LedgerEntry),
        update(ShareRule).values(note="x"),
    ):
        with pytest.raises(AppendOnlyError):
            db.session.execute(statement)
        db.session.rollback()
    assert total() == make_total_of_one_unit(rice)


def make_total_of_one_unit(rice):
    """The net of one unit of the rice fixture: what a paid order of one unit posts."""
    return rice["variant"].price_satang


def test_an_unpaid_order_posts_nothing(make, rice):
    order = make.order({rice["variant"]: 1})
    assert ledger.post_order_shares(order) == []
    assert entries() == []


def test_a_product_without_a_rule_posts_everything_to_the_group_fund(make):
    group = make.group()
    product = make.product(group=group, price_satang=4550, stock=5)
    make.contribution(product.variants[0].lots[0], make.household(group))
    order = make.order({product.variants[0]: 3}, paid=True)
    assert by_account(order.lines[0].id) == {"group_fund": 13650}


def test_roles_without_contributors_in_the_lot_go_to_the_group_fund(make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=10000, stock=5)
    grower = make.household(group)
    make.contribution(product.variants[0].lots[0], grower)
    rule(group, product, {"grower": "50%", "weaver": "20%"})
    order = make.order({product.variants[0]: 1}, paid=True)
    assert by_account(order.lines[0].id) == {("household", grower.id): 5000, "group_fund": 5000}


def test_a_line_from_two_lots_splits_by_units_then_by_each_lots_makers(make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=10000, stock=None)
    variant = product.variants[0]
    old = make.lot(variant, quantity=1, produced_on=date(2025, 1, 1))
    new = make.lot(variant, quantity=9, produced_on=date(2025, 6, 1))
    a, b = make.household(group), make.household(group)
    make.contribution(old, a)
    make.contribution(new, b)
    rule(group, product, {"grower": "70%"})
    order = make.order({variant: 3}, paid=True)
    line = order.lines[0]
    line.discount_satang = 0
    assert by_account(line.id) == {
        ("household", a.id): 7000,
        ("household", b.id): 14000,
        "group_fund": 9000,
    }
    assert {e.lot_id for e in entries(order_line_id=line.id, household_id=b.id)} == {new.id}


def test_a_discount_households_share_shrinks_every_part_and_still_adds_up(make, rice):
    order = make.order({rice["variant"]: 3})
    line = order.lines[0]
    line.discount_satang = 29001  # ฿300 → ฿9.99 for three bags: packers' ฿15 no longer fits
    line.households_share_discount = True  # the group chose so (a setting of its code)
    db.session.flush()
    service.mark_paid(order, service.new_payment(order, "transfer"))
    posted = by_account(line.id)
    assert sum(posted.values()) == 999
    assert "group_fund" not in posted  # zero amounts are not written
    assert posted[("household", rice["packer"].id)] == 370  # all that is left after 63 %


def test_occurred_on_is_the_day_in_thailand(make, rice):
    order = make.order({rice["variant"]: 1})
    late_evening_utc = datetime(2026, 1, 31, 18, 30, tzinfo=UTC)  # 01:30 on 1 Feb in Bangkok
    service.mark_paid(order, service.new_payment(order, "transfer"), at=late_evening_utc)
    assert {e.occurred_on for e in entries()} == {date(2026, 2, 1)}


def test_the_rule_in_force_when_paid_is_used_and_a_variants_own_rule_wins(make, rice, rule):
    group, product, variant = rice["group"], rice["product"], rice["variant"]
    rule(group, product, {"grower": "10%"}, now=datetime(2026, 6, 1, tzinfo=UTC))
    order = make.order({variant: 1})
    service.mark_paid(
        order, service.new_payment(order, "transfer"), at=datetime(2026, 3, 1, tzinfo=UTC)
    )
    assert total(account="household", role="grower") == 6000  # the rule of 2020, not June's

    second = make.order({variant: 1})
    service.mark_paid(
        second, service.new_payment(second, "transfer"), at=datetime(2026, 7, 1, tzinfo=UTC)
    )
    assert total(order_line_id=second.lines[0].id, role="grower") == 1000

    rule(group, product, {"grower": "80%"}, variant=variant, now=datetime(2026, 1, 1, tzinfo=UTC))
    third = make.order({variant: 1})
    service.mark_paid(
        third, service.new_payment(third, "transfer"), at=datetime(2026, 8, 1, tzinfo=UTC)
    )
    assert total(order_line_id=third.lines[0].id, role="grower") == 8000


def test_payment_after_expiry_still_posts_once(make, rice):
    order = make.order({rice["variant"]: 2})
    expires_at = order.expires_at
    if expires_at.tzinfo is None:  # SQLite gives back naive UTC
        expires_at = expires_at.replace(tzinfo=UTC)
    service.expire_order(order, now=expires_at + timedelta(minutes=1))
    assert order.status == OrderStatus.EXPIRED
    assert service.mark_paid(order, service.new_payment(order, "transfer")) is True
    assert total() == 20000
    assert service.mark_paid(order, service.new_payment(order, "transfer")) is False
    assert total() == 20000


# -- refunds ------------------------------------------------------------------------------------


def _refund(order, amounts):
    """A refund of {line: satang} on the first fulfilment, as the refund service makes it."""
    refund = Refund(
        order=order,
        fulfilment=order.fulfilments[0],
        amount_satang=sum(amounts.values()),
        method="transfer",
    )
    db.session.add(refund)
    for line, amount in amounts.items():
        refund.lines.append(RefundLine(line=line, quantity=0, amount_satang=amount))
    db.session.flush()
    return refund


def test_refunds_reverse_in_proportion_and_a_full_refund_returns_to_zero(make, rice):
    order = make.order({rice["variant"]: 2}, paid=True)
    line = order.lines[0]
    first = ledger.post_refund_reversals(_refund(order, {line: 5000}))
    assert {e.kind for e in first} == {LedgerKind.REVERSAL}
    assert sum(e.amount_satang for e in first) == -5000
    assert total() == 15000
    g0 = rice["growers"][0]
    assert total(household_id=g0.id) == 9000 - 2250
    # Replaying the same refund reverses nothing more.
    refund = _refund(order, {line: 7001})
    assert len(ledger.post_refund_reversals(refund)) > 0
    assert ledger.post_refund_reversals(refund) == []
    ledger.post_refund_reversals(_refund(order, {line: 7999}))
    assert total() == 0
    assert {key: value for key, value in by_account(line.id).items() if value} == {}


def test_a_refund_never_takes_back_more_than_was_posted(make, rice):
    order = make.order({rice["variant"]: 1}, paid=True)
    line = order.lines[0]
    ledger.post_refund_reversals(_refund(order, {line: 9000}))
    ledger.post_refund_reversals(_refund(order, {line: 9000}))
    assert total() == 0
    for household in [*rice["growers"], rice["packer"]]:
        assert total(household_id=household.id) == 0


# -- other value-chain income -----------------------------------------------------------------


def _fields(household, **changes):
    values = dict(
        kind="raw_material",
        household_id=str(household.id),
        occurred_on="2569-03-15",
        quantity="40",
        unit="kg",
        unit_price="80",
        amount="",
        description="พริกสด",
    )
    values.update(changes)
    return values


def test_raw_material_bought_from_a_household(make):
    group = make.group()
    household = make.household(group)
    entry = ledger.record_entry(group, _fields(household), today=date(2026, 11, 1))
    assert entry.amount_satang == 320000
    assert entry.occurred_on == date(2026, 3, 15)
    assert (entry.quantity, entry.unit, entry.unit_price_satang) == (40, "kg", 8000)
    assert entry.account == LedgerAccount.HOUSEHOLD and entry.kind == LedgerKind.RAW_MATERIAL
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditLog)
            .where(AuditLog.action == "ledger.entry_recorded")
        )
        == 1
    )
    half = ledger.record_entry(
        group, _fields(household, quantity="12.5", unit_price="33.33"), today=date(2026, 11, 1)
    )
    assert half.amount_satang == 41663  # 416.625 baht, rounded half up to the satang


def test_balance_is_earned_minus_paid_out_and_payouts_cannot_overdraw(make):
    group = make.group()
    household = make.household(group)
    today = date(2026, 11, 1)
    ledger.record_entry(group, _fields(household), today=today)
    ledger.record_entry(group, _fields(household, kind="wage", amount="350"), today=today)
    ledger.record_entry(group, _fields(household, kind="payout", amount="3,000"), today=today)
    assert ledger.household_balance(group, household) == {
        "earned": 355000,
        "paid_out": 300000,
        "balance": 55000,
    }
    with pytest.raises(ledger.LedgerError) as error:
        ledger.record_entry(group, _fields(household, kind="payout", amount="550.01"), today=today)
    assert error.value.field == "amount"
    ledger.record_entry(
        group, _fields(household, kind="adjustment", amount="-50", description="นับผิด"), today=today
    )
    statement = ledger.household_statement(group, household)
    assert [balance for _, balance in statement] == [320000, 355000, 55000, 50000]
    # Another group's books are apart.
    assert ledger.household_balance(make.group(), household)["balance"] == 0


def test_payouts_at_the_same_moment_never_overdraw(app, make):
    """Six leaders' clicks at once, each paying out ฿1,000 of a ฿3,200 balance: three pass."""
    group = make.group()
    household = make.household(group)
    ledger.record_entry(group, _fields(household), today=date(2026, 11, 1))  # 40 kg × ฿80
    db.session.commit()
    group_id, household_id = group.id, household.id
    start = threading.Barrier(6)
    outcomes = []

    def pay_out():
        with app.app_context():  # a request of its own, as in another worker
            mine = db.session.get(type(group), group_id)
            start.wait()
            try:
                ledger.record_entry(
                    mine,
                    _fields(
                        household, household_id=str(household_id), kind="payout", amount="1000"
                    ),
                    today=date(2026, 11, 1),
                )
                db.session.commit()
                outcomes.append("paid")
            except ledger.LedgerError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=pay_out) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["paid"] * 3 + ["refused"] * 3
    db.session.expire_all()
    assert ledger.household_balance(group, household)["balance"] == 20000


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "sale_share"}, "kind"),
        ({"kind": "reversal"}, "kind"),
        ({"household_id": "abc"}, "household_id"),
        ({"quantity": "0"}, "quantity"),
        ({"quantity": "-4"}, "quantity"),
        ({"quantity": "1.0001"}, "quantity"),
        ({"quantity": "forty"}, "quantity"),
        ({"unit": ""}, "unit"),
        ({"unit": "x" * 17}, "unit"),
        ({"unit_price": "0"}, "unit_price"),
        ({"unit_price": "1.234"}, "unit_price"),
        ({"unit_price": "1e9"}, "unit_price"),
        ({"occurred_on": "2027-01-01"}, "occurred_on"),
        ({"occurred_on": "15/03/2569"}, "occurred_on"),
        ({"occurred_on": "2569-02-30"}, "occurred_on"),
        ({"kind": "wage", "amount": ""}, "amount"),
        ({"kind": "wage", "amount": "-5"}, "amount"),
        ({"kind": "wage", "amount": "99999999999"}, "amount"),
        ({"kind": "adjustment", "amount": "5", "description": ""}, "description"),
        ({"description": "x" * 301}, "description"),
    ],
)
def test_bad_entries_are_refused_with_the_field(make, changes, field):
    group = make.group()
    household = make.household(group)
    with pytest.raises(ledger.LedgerError) as error:
        ledger.record_entry(group, _fields(household, **changes), today=date(2026, 11, 1))
    assert error.value.field == field
    assert str(error.value.message)
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_another_groups_household_is_refused(make):
    mine, other = make.group(), make.group()
    stranger = make.household(other)
    with pytest.raises(ledger.LedgerError) as error:
        ledger.record_entry(mine, _fields(stranger), today=date(2026, 11, 1))
    assert error.value.field == "household_id"


def test_group_months_sum_each_account(make, rice):
    group = rice["group"]
    order = make.order({rice["variant"]: 2})
    service.mark_paid(
        order, service.new_payment(order, "transfer"), at=datetime(2026, 3, 10, 5, tzinfo=UTC)
    )
    ledger.record_entry(
        group, _fields(rice["growers"][0], occurred_on="2026-04-02"), today=date(2026, 11, 1)
    )
    months = ledger.group_months(group)
    assert [m.month for m in months] == [date(2026, 4, 1), date(2026, 3, 1)]
    april, march = months
    assert (march.households_sales, march.group_fund, march.platform) == (13000, 6400, 600)
    assert april.households_other == 320000 and april.households_income == 320000
    assert len(ledger.month_entries(group, date(2026, 3, 1))) == 5


# -- the office pages --------------------------------------------------------------------------


@pytest.fixture
def books(make, make_user, auth, client, rice):
    """Rice sold and chili bought; the group's leader, staff and an admin."""
    from marketplace.models import HouseholdPersonal

    group = rice["group"]
    for index, household in enumerate([*rice["growers"], rice["packer"]]):
        db.session.add(HouseholdPersonal(household=household, head_name=f"นางทดสอบ {index}"))
    order = make.order({rice["variant"]: 2})
    service.mark_paid(
        order, service.new_payment(order, "transfer"), at=datetime(2026, 3, 10, 5, tzinfo=UTC)
    )
    make_user("leader@example.com", memberships=[(group, "leader")])
    make_user("staff@example.com", memberships=[(group, "staff")])
    make_user("admin@example.com", admin=True)
    db.session.commit()
    return dict(rice, auth=auth, client=client)


def _audits(reason=None):
    query = select(AuditLog).where(AuditLog.action == "household.personal_viewed")
    rows = db.session.scalars(query).all()
    return [row for row in rows if reason is None or reason in row.details]


def test_the_leader_sees_names_and_every_named_household_is_audited(books):
    client, group = books["client"], books["group"]
    books["auth"].login("leader@example.com")
    page = client.get(f"/office/{group.slug}/ledger?month=2026-03").get_data(as_text=True)
    assert "นางทดสอบ 0" in page and "฿90" in page and "฿64" in page
    assert len(_audits("office.ledger")) == 3
    grower = books["growers"][0]
    statement = client.get(f"/office/{group.slug}/ledger/households/{grower.id}")
    assert statement.status_code == 200
    html = statement.get_data(as_text=True)
    assert "นางทดสอบ 0" in html and grower.code in html and "฿90" in html
    assert len(_audits("office.household_ledger")) == 1


def test_an_admin_sees_codes_only_and_staff_only_the_monthly_totals(books):
    client, group = books["client"], books["group"]
    grower = books["growers"][0]
    books["auth"].login("admin@example.com")
    page = client.get(f"/office/{group.slug}/ledger").get_data(as_text=True)
    assert grower.code in page and "นางทดสอบ" not in page
    html = client.get(f"/office/{group.slug}/ledger/households/{grower.id}").get_data(as_text=True)
    assert grower.code in html and "นางทดสอบ" not in html
    assert _audits() == []
    books["auth"].logout()
    books["auth"].login("staff@example.com")
    page = client.get(f"/office/{group.slug}/ledger").get_data(as_text=True)
    assert "฿130" in page  # households' sales in March
    assert grower.code not in page and "นางทดสอบ" not in page
    assert client.get(f"/office/{group.slug}/ledger/households/{grower.id}").status_code == 403


def test_the_leader_records_a_purchase_and_bad_input_changes_nothing(books):
    client, group = books["client"], books["group"]
    grower = books["growers"][1]
    books["auth"].login("leader@example.com")
    path = f"/office/{group.slug}/ledger/new"
    form = client.get(f"{path}?household={grower.id}").get_data(as_text=True)
    assert "นางทดสอบ 1" in form
    token = csrf_token(client, path)
    data = {"csrf_token": token, **_fields(grower, occurred_on="")}
    count = db.session.scalar(select(func.count()).select_from(LedgerEntry))
    bad = client.post(path, data=dict(data, unit_price="eighty"))
    assert bad.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == count
    assert "Enter an amount in baht" in bad.get_data(as_text=True) or "บาท" in bad.get_data(
        as_text=True
    )
    made = client.post(path, data=data)
    assert made.status_code == 303
    assert made.headers["Location"].endswith(f"/ledger/households/{grower.id}")
    assert total(household_id=grower.id, kind="raw_material") == 320000
    audit_row = db.session.scalar(
        select(AuditLog).where(AuditLog.action == "ledger.entry_recorded")
    )
    assert grower.code in audit_row.details and "นางทดสอบ" not in audit_row.details
