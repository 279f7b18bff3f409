"""Discount codes: checking, per-line amounts, holding and using, limits, households' share."""

from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.marketing import discounts
from marketplace.marketing.discounts import DiscountError
from marketplace.models import (
    ClaimKind,
    ContributionRole,
    DiscountCode,
    DiscountKind,
    DiscountRedemption,
    DiscountStatus,
    LedgerAccount,
    LedgerEntry,
    OrderStatus,
    RedemptionStatus,
    ShareRule,
    ShareRulePart,
)
from marketplace.orders import checkout, refunds, service


@pytest.fixture(autouse=True)
def english(app):
    """Messages in English, so the tests can read them."""
    with force_locale("en"):
        yield


def _code(group, text="RICE10", **fields):
    values = dict(kind=DiscountKind.PERCENT, value_bp=1000)
    values.update(fields)
    code = DiscountCode(code=text, group_id=getattr(group, "id", None), **values)
    db.session.add(code)
    db.session.flush()
    return code


def _rule(group, product, household_bp=6000, fee_bp=500):
    rule = ShareRule(
        group_id=group.id,
        product_id=product.id,
        version=1,
        effective_from=datetime(2020, 1, 1, tzinfo=UTC),
        platform_fee_bp=fee_bp,
        parts=[ShareRulePart(role=ContributionRole.GROWER, basis="percent", value=household_bp)],
    )
    db.session.add(rule)
    db.session.flush()
    return rule


@pytest.fixture
def rice(make):
    """A group selling rice at ฿120 (shipping ฿50) with a 60 % growers' rule, and a household."""
    group = make.group(shipping_flat_satang=5000, shipping_per_kg_satang=0)
    product = make.product(group=group, price_satang=12000, stock=None)
    variant = product.variants[0]
    lot = make.lot(variant, quantity=100)
    household = make.household(group)
    make.contribution(lot, household, role=ContributionRole.GROWER, quantity=10)
    _rule(group, product)
    return group, product, variant, household


def _household_income(household):
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_satang), 0)).where(
            LedgerEntry.household_id == household.id
        )
    )


@pytest.mark.parametrize(
    "typed",
    ["", "ab", "x" * 21, "ข้าวหอม10", "RICE🍚10", "RICE\x0010", "a" * 10_000, "-RICE10", None, 5],
)
def test_malformed_codes_are_refused(typed):
    with pytest.raises(DiscountError):
        discounts.normalize_code(typed)


def test_codes_are_case_insensitive(db, rice):
    group = rice[0]
    code = _code(group)
    assert discounts.find_code("  rice10 ") is code
    with pytest.raises(DiscountError, match="no discount code"):
        discounts.find_code("RICE11")


def test_a_percent_code_discounts_the_lines_and_holds_then_uses_one(make, rice):
    group, product, variant, household = rice
    code = _code(group)
    order = make.order({variant: 3}, discount_code="rice10")
    line = order.lines[0]
    assert line.discount_satang == 3600  # 10 % of ฿360
    assert order.discount_satang == 3600
    assert order.total_satang == 36000 - 3600 + 5000
    assert order.fulfilments[0].total_satang == order.total_satang
    redemption = discounts.redemption_of(order)
    assert redemption.status == RedemptionStatus.HELD
    db.session.refresh(code)
    assert (code.uses_held, code.uses_used) == (1, 0)

    service.mark_paid(order, service.new_payment(order, "transfer"))
    db.session.refresh(code)
    assert redemption.status == RedemptionStatus.USED
    assert (code.uses_held, code.uses_used) == (0, 1)
    # The growers' 60 % is of the full ฿360: the discount came out of the fund and the fee.
    assert _household_income(household) == 21600
    entries = db.session.scalars(select(LedgerEntry).where(LedgerEntry.order_line_id == line.id))
    assert sum(e.amount_satang for e in entries) == line.net_satang


def test_when_households_share_the_discount_every_share_shrinks(make, rice):
    group, product, variant, household = rice
    _code(group, households_share_discount=True)
    order = make.order({variant: 3}, discount_code="RICE10", paid=True)
    assert order.lines[0].households_share_discount
    assert _household_income(household) == 19440  # 60 % of ฿324


def test_a_discount_never_takes_the_households_share(make, rice):
    group, product, variant, household = rice
    _code(group, kind=DiscountKind.AMOUNT, value_bp=0, amount_satang=1_000_000)
    order = make.order({variant: 1}, discount_code="RICE10", paid=True)
    line = order.lines[0]
    assert 0 < line.discount_satang <= 12000 - 7200  # the growers' ฿72 stays whole
    assert line.net_satang >= 7200
    assert _household_income(household) == 7200


def test_a_shared_amount_never_goes_below_zero(make, rice):
    group, product, variant, household = rice
    _code(
        group,
        kind=DiscountKind.AMOUNT,
        value_bp=0,
        amount_satang=1_000_000,
        households_share_discount=True,
    )
    order = make.order({variant: 2}, discount_code="RICE10")
    assert order.lines[0].net_satang == 0
    assert order.total_satang == 5000  # the shipping
    assert order.total_satang >= 0


def test_per_line_discounts_add_up_exactly(make, rice):
    group, product, variant, household = rice
    other = make.variant(product, price_satang=3333)
    make.lot(other, quantity=50)
    _code(group, value_bp=1700, households_share_discount=True)
    order = make.order({variant: 1, other: 7}, discount_code="RICE10")
    gross = 12000 + 7 * 3333
    assert sum(line.discount_satang for line in order.lines) == gross * 1700 // 10_000
    assert order.discount_satang == gross * 1700 // 10_000


def test_free_shipping_leaves_the_lines_alone(make, rice):
    group, product, variant, household = rice
    _code(group, "SHIPFREE", kind=DiscountKind.FREE_SHIPPING, value_bp=0)
    order = make.order({variant: 2}, discount_code="shipfree")
    assert all(line.discount_satang == 0 for line in order.lines)
    assert order.discount_satang == 0
    assert order.shipping_satang == 0
    assert order.total_satang == 24000
    assert discounts.redemption_of(order).shipping_discount_satang == 5000


def test_a_group_code_touches_only_that_groups_lines(make, rice):
    group, product, variant, household = rice
    other_group = make.group(shipping_flat_satang=0)
    other = make.product(group=other_group, price_satang=10000, stock=10).variants[0]
    _code(group, households_share_discount=True)
    order = make.order({variant: 1, other: 1}, discount_code="RICE10")
    discounted = {line.variant_id: line.discount_satang for line in order.lines}
    assert discounted == {variant.id: 1200, other.id: 0}


@pytest.mark.parametrize(
    "setup, message",
    [
        (dict(status=DiscountStatus.ENDED), "has ended"),
        (dict(status=DiscountStatus.PAUSED), "paused"),
        (dict(ends_at=datetime(2020, 1, 1, tzinfo=UTC)), "has ended"),
        (dict(starts_at=datetime(2099, 1, 1, tzinfo=UTC)), "cannot be used yet"),
        (dict(min_spend_satang=50000), "at least"),
        (dict(max_uses=1, uses_used=1), "used up"),
    ],
)
def test_a_code_that_cannot_be_used_places_nothing(make, rice, setup, message):
    group, product, variant, household = rice
    _code(group, **setup)
    with pytest.raises(checkout.CheckoutError, match=message):
        make.order({variant: 1}, discount_code="RICE10")
    db.session.rollback()
    assert db.session.scalar(select(func.count(DiscountRedemption.id))) == 0


def test_another_groups_code_is_refused(make, rice):
    group, product, variant, household = rice
    _code(make.group(), "OTHER10")
    with pytest.raises(checkout.CheckoutError, match="is for products of"):
        make.order({variant: 1}, discount_code="OTHER10")


def test_expiry_cancel_and_failed_payment_give_the_hold_back(make, rice):
    group, product, variant, household = rice
    code = _code(group, max_uses=3)
    orders = [make.order({variant: 1}, discount_code="RICE10") for _ in range(3)]
    db.session.commit()
    with pytest.raises(checkout.CheckoutError, match="used up"):
        make.order({variant: 1}, discount_code="RICE10")
    db.session.rollback()
    later = datetime.now(UTC) + timedelta(days=30)
    assert service.expire_order(orders[0], now=later)
    service.cancel_order(orders[1])
    service.mark_payment_failed(orders[2], service.new_payment(orders[2], "transfer"))
    db.session.refresh(code)
    assert (code.uses_held, code.uses_used) == (0, 0)
    assert {discounts.redemption_of(o).status for o in orders} == {RedemptionStatus.RELEASED}
    make.order({variant: 1}, discount_code="RICE10")  # the uses are there again


def test_a_full_refund_gives_the_use_back(make, rice):
    group, product, variant, household = rice
    code = _code(group, max_uses=1)
    order = make.order({variant: 2}, discount_code="RICE10", paid=True)
    refunds.refund_fulfilment(group, order.fulfilments[0].id, {order.lines[0].id: "1"})
    db.session.refresh(code)
    assert code.uses_used == 1  # a part refund keeps the use
    refunds.refund_fulfilment(group, order.fulfilments[0].id, everything=True)
    db.session.refresh(code)
    assert order.status == OrderStatus.REFUNDED
    assert (code.uses_held, code.uses_used) == (0, 0)
    assert discounts.redemption_of(order).status == RedemptionStatus.RETURNED
    # Reversed exactly: the household and every account back to zero.
    assert _household_income(household) == 0
    assert db.session.scalar(select(func.sum(LedgerEntry.amount_satang))) == 0


def test_a_late_payment_takes_the_code_again_or_leaves_the_order_closed(make, rice):
    group, product, variant, household = rice
    code = _code(group, max_uses=1)
    order = make.order({variant: 1}, discount_code="RICE10")
    later = datetime.now(UTC) + timedelta(days=30)
    service.expire_order(order, now=later)
    assert service.mark_paid(order, service.new_payment(order, "transfer"))
    db.session.refresh(code)
    assert (code.uses_held, code.uses_used) == (0, 1)

    second = _code(group, "RICE20", max_uses=1)
    late = make.order({variant: 1}, discount_code="RICE20")
    service.expire_order(late, now=later)
    make.order({variant: 1}, discount_code="RICE20", email="other@example.com")
    assert not service.mark_paid(late, service.new_payment(late, "transfer"))
    assert late.status == OrderStatus.EXPIRED
    db.session.refresh(second)
    assert (second.uses_held, second.uses_used) == (1, 0)


def test_per_buyer_limits_see_through_a_new_spelling(make, rice):
    group, product, variant, household = rice
    _code(group, max_uses_per_buyer=1)
    make.order({variant: 1}, discount_code="RICE10", email="Somchai.J@gmail.com")
    db.session.commit()
    for email, phone in [
        ("somchaij+again@gmail.com", "0899999999"),
        ("other@example.com", "+66 81 234 5678"),
    ]:
        with pytest.raises(checkout.CheckoutError, match="already used"):
            make.order({variant: 1}, discount_code="RICE10", email=email, phone=phone)
        db.session.rollback()
    make.order({variant: 1}, discount_code="RICE10", email="new@example.com", phone="0899999999")


def test_first_order_only(make, rice):
    group, product, variant, household = rice
    _code(group, first_order_only=True)
    make.order({variant: 1}, paid=True)
    db.session.commit()
    with pytest.raises(checkout.CheckoutError, match="first order"):
        make.order({variant: 1}, discount_code="RICE10")
    db.session.rollback()
    make.order({variant: 1}, discount_code="RICE10", email="new@example.com", phone="0899999999")


def test_only_lots_with_a_verified_claim(make, rice):
    group, product, variant, household = rice
    _code(group, claim_kind=ClaimKind.ORGANIC_THAILAND, households_share_discount=True)
    db.session.commit()
    with pytest.raises(checkout.CheckoutError, match="does not apply"):
        make.order({variant: 1}, discount_code="RICE10")
    db.session.rollback()
    lot = variant.lots[0]
    make.claim(lot, kind=ClaimKind.ORGANIC_THAILAND)
    order = make.order({variant: 1}, discount_code="RICE10")
    assert order.lines[0].discount_satang == 1200


def test_a_market_code_and_its_stats(make, rice):
    group, product, variant, household = rice
    code = _code(None, "MARKET5", value_bp=500)
    order = make.order({variant: 2}, discount_code="market5", paid=True)
    stats = discounts.code_stats(code)
    assert stats.used == 1
    assert stats.revenue_satang == order.total_satang
    assert stats.discount_satang == 1200
    assert stats.households_satang == _household_income(household) == 14400


def test_batches_are_unique_single_use(db, rice):
    group = rice[0]
    values = discounts.check_values({"kind": "percent", "percent": "10"}, group)
    batch = discounts.generate_batch(group, 50, "fair", values)
    codes = discounts.batch_codes(group, batch)
    assert len({c.code for c in codes}) == 50
    assert all(c.max_uses == 1 and c.code.startswith("FAIR-") for c in codes)
    assert all(5 <= len(c.code) <= 20 for c in codes)


def test_ledger_split_is_unchanged_without_a_discount(make, rice):
    group, product, variant, household = rice
    make.order({variant: 3}, paid=True)
    assert _household_income(household) == 21600
    assert (
        db.session.scalar(
            select(func.sum(LedgerEntry.amount_satang)).where(
                LedgerEntry.account != LedgerAccount.HOUSEHOLD
            )
        )
        == 36000 - 21600
    )


@pytest.mark.parametrize("shared", [False, True])
def test_the_checkouts_money_split_follows_the_discount(make, rice, shared):
    from marketplace.orders import checkout as checkout_domain
    from marketplace.shop.order_views import _money_split

    group, product, variant, household = rice
    code = _code(group, households_share_discount=shared)
    the_quote = checkout_domain.quote({variant.id: 3})
    applied = discounts.evaluate(code, the_quote)
    rows = {row.key: row.satang for row in _money_split(the_quote, applied)}
    assert rows["households"] + rows["group_fund"] + rows["platform"] == 36000 - 3600
    assert rows["households"] == (19440 if shared else 21600)
    assert rows["shipping"] == 5000


def test_pages_and_mails_name_the_code_and_the_shipping_it_waived(app, client, make, rice):
    """The buyer's order page and mails, and the office order, say which code took what off."""
    from marketplace.models import OutboxMail
    from marketplace.orders.service import order_token

    group, product, variant, household = rice
    _code(group)
    _code(group, "SHIPFREE", kind=DiscountKind.FREE_SHIPPING, value_bp=0)
    percent = make.order({variant: 3}, discount_code="rice10", locale="en")
    free = make.order({variant: 2}, discount_code="shipfree", locale="en", email="b@example.com")
    for order in (percent, free):
        service.mark_paid(order, service.new_payment(order, "transfer"))
    db.session.commit()

    assert discounts.order_discount(percent).code == "RICE10"
    page = client.get(f"/orders/{percent.reference}?token={order_token(percent)}&lang=en").get_data(
        as_text=True
    )
    assert "Discount code RICE10</dt><dd>−฿36</dd>" in page
    assert "(฿36 off)" in page
    page = client.get(f"/orders/{free.reference}?token={order_token(free)}&lang=en").get_data(
        as_text=True
    )
    assert "Free with code SHIPFREE" in page
    assert "Shipping waived by code SHIPFREE</dt><dd>−฿50</dd>" in page

    mails = {
        m.to_address: m.body
        for m in db.session.scalars(select(OutboxMail).where(OutboxMail.kind == "order_paid"))
    }
    assert "Discount code RICE10: −฿36" in mails[percent.email]
    assert "Shipping  Free with code SHIPFREE" in mails[free.email]
    assert "Shipping waived by code SHIPFREE: −฿50" in mails[free.email]
