"""Property-based checks of the ledger: every split adds up, refunds undo, replays post nothing.

The pure split is checked with many examples; the path through the database
(checkout, mark_paid, refunds) with fewer, so the file runs in seconds.
"""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from marketplace.extensions import db
from marketplace.impact import ledger
from marketplace.impact.ledger import GROUP_FUND, PLATFORM, Part
from marketplace.models import (
    ContributionRole,
    LedgerEntry,
    Lot,
    Refund,
    RefundLine,
    ShareRule,
    ShareRulePart,
)
from marketplace.orders import service

from .. import factories
from .conftest import by_account, total

ROLES = ContributionRole.ALL


@st.composite
def rules(draw):
    """(parts, platform fee bp): percents and the fee within 100 %, any fixed amounts."""
    roles = draw(st.lists(st.sampled_from(ROLES), min_size=1, max_size=len(ROLES), unique=True))
    fee = draw(st.integers(0, 2000))
    room = 10_000 - fee
    parts = []
    for role in roles:
        if draw(st.booleans()):
            value = draw(st.integers(1, max(1, room)))
            if value > room:
                continue
            room -= value
            parts.append(Part(role, "percent", value))
        else:
            parts.append(Part(role, "per_unit", draw(st.integers(1, 50_000))))
    return parts, fee


@settings(max_examples=600, deadline=None)
@given(
    rule=rules(),
    net=st.integers(0, 10**9),
    units=st.integers(1, 500),
    present=st.sets(st.sampled_from(ROLES)),
)
def test_split_portion_always_adds_up_and_never_goes_negative(rule, net, units, present):
    parts, fee = rule
    amounts = ledger.split_portion(net, units, parts, fee, roles_present=present)
    assert sum(amounts.values()) == net
    assert all(amount >= 0 for amount in amounts.values())
    assert set(amounts) - {GROUP_FUND, PLATFORM} <= present
    # Percent parts are never cut: each is its exact share, give or take one satang.
    for part in parts:
        if part.basis == "percent" and part.role in present:
            assert abs(amounts[part.role] - net * part.value / 10_000) < 1


@settings(max_examples=600, deadline=None)
@given(
    total_=st.integers(0, 10**12), weights=st.lists(st.integers(0, 10**6), min_size=1, max_size=20)
)
def test_largest_remainder_is_exact_and_close(total_, weights):
    parts = ledger.largest_remainder(total_, weights)
    assert sum(parts) == total_
    whole = sum(weights)
    if whole:
        for part, weight in zip(parts, weights, strict=True):
            assert abs(part - total_ * weight / whole) < 1 + 1e-6


@settings(max_examples=400, deadline=None)
@given(
    posted=st.lists(st.integers(0, 100_000), min_size=1, max_size=8),
    cuts=st.lists(st.floats(0, 1), min_size=1, max_size=5),
)
def test_successive_refunds_never_over_reverse(posted, cuts):
    """The incremental rule of `post_refund_reversals`, on plain numbers."""
    remaining = list(posted)
    for cut in cuts:
        amount = min(int(sum(posted) * cut), sum(remaining))
        if amount <= 0:
            continue
        shares = ledger.largest_remainder(amount, remaining)
        remaining = [r - s for r, s in zip(remaining, shares, strict=True)]
        assert all(r >= 0 for r in remaining)
    final = ledger.largest_remainder(sum(remaining), remaining) if sum(remaining) else remaining
    assert [r - s for r, s in zip(remaining, final, strict=True)] == [0] * len(posted)


# -- through the database ------------------------------------------------------------------------


def _clean():
    """Hypothesis reuses the test's database: empty the tables this test fills."""
    db.session.rollback()
    # On the connection: the session refuses to delete ledger entries and share rules.
    connection = db.session.connection()
    for model in (LedgerEntry, RefundLine, Refund, ShareRulePart, ShareRule):
        connection.execute(delete(model))
    db.session.commit()


@st.composite
def sales(draw):
    """A product's price, lots with makers, a rule, and lines (quantity, discount)."""
    price = draw(st.integers(1, 500_000))
    lots = draw(
        st.lists(
            st.lists(
                st.tuples(st.sampled_from(ROLES), st.integers(0, 3), st.integers(1, 1000)),
                max_size=5,
            ),
            min_size=1,
            max_size=3,
        )
    )
    rule = draw(st.none() | rules())
    quantities = draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
    discounts = [draw(st.floats(0, 1)) for _ in quantities]
    return price, lots, rule, quantities, discounts


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sale=sales())
def test_paid_orders_add_up_refunds_undo_and_replays_post_nothing(db, sale):
    price, lot_specs, rule, quantities, discounts = sale
    _clean()
    group = factories.make_group()
    product = factories.make_product(group=group, price_satang=price, stock=None)
    variant = product.variants[0]
    households = [factories.make_household(group) for _ in range(4)]
    units_needed = sum(quantities)
    for index, makers in enumerate(lot_specs):
        # Small lots, so that lines are split across them.
        lot = factories.make_lot(variant, quantity=max(1, units_needed // len(lot_specs)) + index)
        seen = set()
        for role, who, quantity in makers:
            if (role, who) not in seen:
                seen.add((role, who))
                factories.make_contribution(lot, households[who], role=role, quantity=quantity)
    db.session.execute(
        Lot.__table__.update()
        .where(Lot.id == lot.id)
        .values(quantity=units_needed + 10, available=units_needed + 10)
    )
    if rule is not None:
        parts, fee = rule
        db.session.add(
            ShareRule(
                group_id=group.id,
                product_id=product.id,
                version=1,
                effective_from=datetime(2020, 1, 1, tzinfo=UTC),
                platform_fee_bp=fee,
                parts=[ShareRulePart(role=p.role, basis=p.basis, value=p.value) for p in parts],
            )
        )
    db.session.flush()

    orders = []
    for quantity, discount in zip(quantities, discounts, strict=True):
        order = factories.make_order({variant: quantity})
        line = order.lines[0]
        line.discount_satang = int(line.gross_satang * discount)
        db.session.flush()
        orders.append(order)
    before = {h.id: total(household_id=h.id) for h in households}
    # Pay in reverse order, each twice, and post once more by hand.
    for order in reversed(orders):
        payment = service.new_payment(order, "transfer")
        assert service.mark_paid(order, payment)
        assert not service.mark_paid(order, service.new_payment(order, "transfer"))
        assert ledger.post_order_shares(order) == []
    for order in orders:
        line = order.lines[0]
        assert sum(by_account(line.id).values()) == line.net_satang
    assert total() == sum(o.lines[0].net_satang for o in orders)

    # Refund every line in two parts: everything goes back to what it was.
    for order in orders:
        line = order.lines[0]
        first = line.net_satang // 3
        for amount in (first, line.net_satang - first):
            if amount:
                refund = Refund(
                    order=order,
                    fulfilment=order.fulfilments[0],
                    amount_satang=amount,
                    method="transfer",
                )
                refund.lines.append(RefundLine(line=line, amount_satang=amount))
                db.session.add(refund)
                db.session.flush()
                ledger.post_refund_reversals(refund)
                assert ledger.post_refund_reversals(refund) == []
        assert all(value == 0 for value in by_account(line.id).values())
    assert {h.id: total(household_id=h.id) for h in households} == before
    assert total() == 0


# -- discounts: the households' share stays whole -------------------------------------------


def _line(price, quantity, lots, discount=0, shared=False):
    """A stand-in for a paid OrderLine: what `ledger.line_share_entries` reads."""
    from types import SimpleNamespace

    units = ledger.largest_remainder(quantity, [1] * len(lots))
    allocations = [
        SimpleNamespace(lot_id=lot_id, quantity=n)
        for lot_id, n in zip(lots, units, strict=True)
        if n
    ]
    gross = price * quantity
    return SimpleNamespace(
        id=1,
        allocations=allocations,
        gross_satang=gross,
        discount_satang=discount,
        net_satang=gross - discount,
        households_share_discount=shared,
        quantity=quantity,
    )


def _households(entries):
    return sorted(
        (e.lot_id, e.household_id, e.role, e.amount_satang)
        for e in entries
        if e.account == "household"
    )


@st.composite
def carts(draw):
    """Lines (price, quantity, lot count, makers per lot), a rule, and a code's discount."""
    rule = draw(rules())
    lines = draw(
        st.lists(
            st.tuples(
                st.integers(1, 200_000),
                st.integers(1, 12),
                st.integers(1, 3),
            ),
            min_size=1,
            max_size=5,
        )
    )
    makers = draw(
        st.lists(
            st.tuples(st.sampled_from(ROLES), st.integers(1, 4), st.integers(1, 500)),
            min_size=0,
            max_size=6,
        )
    )
    kind = draw(st.sampled_from(["percent", "amount"]))
    value = draw(st.integers(1, 10_000)) if kind == "percent" else draw(st.integers(1, 10**7))
    return rule, lines, makers, kind, value


@settings(max_examples=400, deadline=None)
@given(cart=carts(), shared=st.booleans())
def test_discounted_lines_add_up_and_households_keep_their_share(app, cart, shared):
    """For random carts, rules and codes: every paid line's entries add up to its discounted
    net; under the default (households do not share the discount) each household gets, to
    the satang, what it would have got at full price."""
    from types import SimpleNamespace

    from marketplace.marketing import discounts

    (parts, fee), specs, makers, kind, value = cart
    rule = SimpleNamespace(id=1, parts=parts, platform_fee_bp=fee)
    grosses = [price * quantity for price, quantity, _ in specs]
    wanted = sum(grosses) * value // 10_000 if kind == "percent" else min(value, sum(grosses))
    limits = (
        grosses
        if shared
        else [
            discounts.discount_room(price * quantity, quantity, rule)
            for price, quantity, _ in specs
        ]
    )
    amounts = discounts.split_discount(wanted, grosses, limits)
    assert sum(amounts) <= wanted
    assert all(0 <= a <= limit for a, limit in zip(amounts, limits, strict=True))

    lot_id = 0
    for (price, quantity, lot_count), discount in zip(specs, amounts, strict=True):
        lots = list(range(lot_id + 1, lot_id + 1 + lot_count))
        lot_id += lot_count
        contributors = {lot: {role: [(who, q)] for role, who, q in makers} for lot in lots}
        with_discount = _line(price, quantity, lots, discount, shared)
        full_price = _line(price, quantity, lots, 0, shared)
        entries = ledger.line_share_entries(with_discount, contributors, rule, None, 1)
        assert sum(e.amount_satang for e in entries) == with_discount.net_satang
        assert all(e.amount_satang > 0 for e in entries)
        if not shared:
            before = ledger.line_share_entries(full_price, contributors, rule, None, 1)
            assert _households(entries) == _households(before)
