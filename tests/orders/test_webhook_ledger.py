"""Webhooks and the household ledger: a replayed or reordered payment posts its shares once."""

import itertools

from sqlalchemy import func, select

from fakestripe import events as fake_events
from marketplace.extensions import db
from marketplace.models import LedgerAccount, LedgerEntry, OrderStatus
from marketplace.orders import payments

from ..impact.conftest import save_rule


def _ledger(order):
    """{(account, household id): satang} posted for the order's lines, and the entry count."""
    line_ids = [line.id for line in order.lines]
    rows = db.session.execute(
        select(LedgerEntry.account, LedgerEntry.household_id, LedgerEntry.amount_satang).where(
            LedgerEntry.order_line_id.in_(line_ids)
        )
    ).all()
    sums = {}
    for account, household_id, amount in rows:
        key = (account, household_id)
        sums[key] = sums.get(key, 0) + amount
    return sums, len(rows)


def test_replayed_and_reordered_webhooks_post_the_shares_once(make, fake_stripe):
    group = make.group()
    product = make.product(group=group, price_satang=10000, stock=None)
    variant = product.variants[0]
    lot = make.lot(variant, quantity=100)
    grower, weaver = make.household(group), make.household(group)
    make.contribution(lot, grower, role="grower", quantity=30)
    make.contribution(lot, weaver, role="weaver", quantity=10, unit="pieces")
    save_rule(group, product, {"grower": "50%", "weaver": "7.50"}, fee="3")
    db.session.commit()
    expected = {
        (LedgerAccount.HOUSEHOLD, grower.id): 10000,  # 50 % of ฿200
        (LedgerAccount.HOUSEHOLD, weaver.id): 1500,  # ฿7.50 × 2
        (LedgerAccount.PLATFORM, None): 600,  # 3 %
        (LedgerAccount.GROUP_FUND, None): 7900,  # the rest
    }
    kinds = ("completed_paid", "async_succeeded", "expired")
    for permutation in itertools.permutations(kinds):
        order = make.order({variant: 2}, payment_method="stripe")
        payments.start_checkout(order)
        db.session.commit()
        session_id = fake_stripe.session_id(order)
        session = dict(fake_stripe.sessions[session_id])
        paid = {**session, "status": "complete", "payment_status": "paid", "url": None}
        paid["payment_intent"] = "pi_3ledger"
        built = {
            "completed_paid": fake_events.event("checkout.session.completed", paid),
            "async_succeeded": fake_events.event("checkout.session.async_payment_succeeded", paid),
            "expired": fake_events.event(
                "checkout.session.expired", {**session, "status": "expired", "url": None}
            ),
        }
        sequence = [built[k] for k in permutation]
        # Every event twice, then the whole run again backwards.
        fake_stripe.post_events(sequence, times=2)
        fake_stripe.post_events(sequence[::-1])
        db.session.expire_all()
        assert order.status == OrderStatus.PAID, permutation
        sums, count = _ledger(order)
        assert sums == expected, permutation
        assert count == 4, permutation
    orders = len(list(itertools.permutations(kinds)))
    assert db.session.scalar(select(func.sum(LedgerEntry.amount_satang))) == orders * 20000
