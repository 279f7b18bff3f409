"""Helpers for the ledger and share-rule tests: a rule saved through the service, sums."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.impact import share_rules
from marketplace.models import LedgerAccount, LedgerEntry

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def save_rule(group, product, parts, fee="0", variant=None, now=LONG_AGO):
    """Save a rule: parts as {role: "60%" | "5"} (percent or baht per unit)."""
    rows = []
    for role, text in parts.items():
        basis = "percent" if text.endswith("%") else "per_unit"
        rows.append({"role": role, "basis": basis, "value": text.rstrip("%")})
    return share_rules.save_rule(
        group,
        product.id,
        {"parts": rows, "platform_fee": fee},
        variant_id=variant.id if variant is not None else None,
        now=now,
    )


def entries(**conditions):
    """Ledger entries matching column=value conditions, in id order."""
    query = select(LedgerEntry).order_by(LedgerEntry.id)
    for name, value in conditions.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return db.session.scalars(query).all()


def total(**conditions):
    """The sum of the amounts of matching entries (0 when none)."""
    query = select(func.coalesce(func.sum(LedgerEntry.amount_satang), 0))
    for name, value in conditions.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return int(db.session.scalar(query))


def by_account(line_id):
    """{("household", id) | "group_fund" | "platform": satang} posted for one order line."""
    result = {}
    for entry in entries(order_line_id=line_id):
        key = (
            ("household", entry.household_id)
            if entry.account == LedgerAccount.HOUSEHOLD
            else entry.account
        )
        result[key] = result.get(key, 0) + entry.amount_satang
    return result


@pytest.fixture
def rule():
    """`rule(group, product, {"grower": "60%"}, fee="3")` saves a rule in force since 2020."""
    return save_rule
