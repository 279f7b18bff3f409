"""The household income ledger: sale shares posted at payment, reversals, other income, balances.

How a paid line divides (`post_order_shares`):

1. The line's net amount (price × quantity − discount) is split between the
   lots its units came from, by units (largest remainder). A discount the
   households do not share (`OrderLine.households_share_discount` false, the
   default for a discount code) is different: the undiscounted amount is split
   as below, then the discount is taken from the group fund and platform fee
   entries in proportion (`_take_discount`), so each household's per-unit share
   is what it would have been at full price.
2. For each lot's portion, the share rule in force when the order was paid
   (`share_rules.rule_in_force`: a variant's own rule beats its product's)
   gives each role a part: a percent of the portion, or a fixed amount per
   unit. The platform fee is a percent of the portion. Where percents, fee and
   fixed parts together would exceed the portion (a discount made the sale
   cheaper than the fixed amounts), the fixed parts are scaled down
   proportionally to what the percents leave. The group fund takes the rest.
3. A role with no contributor in the lot goes to the group fund. **A product
   with no share rule at all posts everything to the group fund**: the money
   stays with the group, which can still pay households by hand (wages,
   raw-material purchases), and nothing is attributed to a household by guess.
4. Amounts are kept exact (fractions) until one largest-remainder rounding over
   all accounts of the portion, then each role's satang are split among its
   contributors by their contribution quantity, again by largest remainder. So
   households + group fund + platform == the line's net amount, to the satang.

Entries with zero satang are not written. Every automatic entry has a unique
`posting_key` (sale:<line>:<lot>:…, rev:<refund line>:<entry>); a line or refund
line that already has entries is skipped, and the unique key is the last guard,
so a replayed payment or refund posts nothing.

Refunds (`post_refund_reversals`) take back, per refund line, the refunded
amount from the line's sale entries in proportion to what each still holds
(largest remainder): never more than was posted, and a full refund brings
every account back to exactly zero for that line.

Every entry flushed is also added to its month's sums (`summaries.LedgerMonth`,
in the same transaction), which the area and group reports read.

Leaders also record other value-chain income and payouts (`record_entry`):
raw material bought from a household, wages, adjustments (income), payouts
(money handed over, negative). A household's balance is everything earned
minus everything paid out, within one group's books.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from flask_babel import gettext
from sqlalchemy import case, func, select

from ..accounts.audit import AuditAction, audit
from ..accounts.service import clean_text
from ..database import begin_write
from ..extensions import db
from ..i18n import BANGKOK, NotADate, bangkok_today, parse_ymd
from ..models import (
    FulfilmentStatus,
    Household,
    LedgerAccount,
    LedgerEntry,
    LedgerKind,
    LotContribution,
    OrderStatus,
    ShareBasis,
)
from . import households as household_domain
from . import summaries  # noqa: F401  (keeps the monthly sums up at each posting)

GROUP_FUND = "_group_fund"
PLATFORM = "_platform"
PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PARTLY_REFUNDED, OrderStatus.REFUNDED)
# A part that was paid (whatever became of it since): its lines are posted.
PAID_PART_STATUSES = (
    FulfilmentStatus.PAID,
    FulfilmentStatus.PACKED,
    FulfilmentStatus.SHIPPED,
    FulfilmentStatus.DELIVERED,
    FulfilmentStatus.PARTLY_REFUNDED,
    FulfilmentStatus.REFUNDED,
)


# -- pure arithmetic -----------------------------------------------------------------------


def largest_remainder(total, weights):
    """Split the integer `total` (≥ 0) in proportion to `weights`; the parts add up to it exactly.

    Weights may be ints or Fractions (≥ 0). Each part is the floor of its exact
    share; the satang left over go one each to the largest remainders, ties to
    the earlier weight. All weights zero: everything to the first.
    """
    weights = [Fraction(w) for w in weights]
    if not weights:
        raise ValueError("nothing to split between")
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("largest_remainder splits non-negative amounts by non-negative weights")
    whole = sum(weights)
    if whole == 0:
        return [total] + [0] * (len(weights) - 1)
    exact = [total * w / whole for w in weights]
    return round_exact(exact)


def round_exact(exact):
    """Integers for exact non-negative amounts whose sum is an integer, keeping that sum."""
    floors = [int(x) for x in exact]  # int() floors non-negative Fractions
    left = int(sum(exact)) - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


@dataclass(frozen=True)
class Part:
    """One role's part of a rule, as plain values: basis and value (bp or satang per unit)."""

    role: str
    basis: str
    value: int


def split_portion(net, units, parts, platform_fee_bp, roles_present=None):
    """{role | GROUP_FUND | PLATFORM: satang} for `units` sold for `net` satang under a rule.

    `parts` are `Part`s (or ShareRulePart rows); `roles_present`, when given,
    names the roles with a contributor: the others' parts go to the group fund.
    The values add up to `net` exactly.
    """
    if net < 0 or units < 0:
        raise ValueError("a portion is never negative")
    exact = {}
    percent_total = Fraction(0)
    fixed = {}
    for part in parts:
        if part.basis == ShareBasis.PERCENT:
            amount = Fraction(net * part.value, 10_000)
            exact[part.role] = exact.get(part.role, 0) + amount
            percent_total += amount
        else:
            fixed[part.role] = fixed.get(part.role, 0) + part.value * units
    platform = Fraction(net * platform_fee_bp, 10_000)
    room = net - percent_total - platform
    if room < 0:  # rules are validated; this only guards odd data
        raise ValueError("percent parts and the platform fee exceed the net amount")
    fixed_total = sum(fixed.values())
    scale = Fraction(1) if fixed_total <= room else Fraction(room) / fixed_total
    for role, amount in fixed.items():
        exact[role] = exact.get(role, 0) + amount * scale
    fund = net - sum(exact.values()) - platform
    if roles_present is not None:
        for role in list(exact):
            if role not in roles_present:
                fund += exact.pop(role)
    keys = [*exact, PLATFORM, GROUP_FUND]
    rounded = round_exact([*exact.values(), platform, fund])
    return dict(zip(keys, rounded, strict=True))


def split_line_by_lots(net, allocations):
    """[(lot_id, units, net satang)] for a line's allocations [(lot_id, units)], by units."""
    amounts = largest_remainder(net, [units for _, units in allocations])
    return [
        (lot_id, units, amount)
        for (lot_id, units), amount in zip(allocations, amounts, strict=True)
    ]


# -- posting sales ---------------------------------------------------------------------------


def bangkok_date(moment):
    """The calendar day in Thailand of a stored moment (SQLite gives back naive UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(BANGKOK).date()


def _contributors(lot_ids):
    """{lot_id: {role: [(household_id, quantity)]}} for the lots, in one query."""
    result = defaultdict(lambda: defaultdict(list))
    if not lot_ids:
        return result
    rows = db.session.execute(
        select(
            LotContribution.lot_id,
            LotContribution.role,
            LotContribution.household_id,
            LotContribution.quantity,
        )
        .where(LotContribution.lot_id.in_(lot_ids))
        .order_by(LotContribution.lot_id, LotContribution.role, LotContribution.household_id)
    ).all()
    for lot_id, role, household_id, quantity in rows:
        result[lot_id][role].append((household_id, quantity))
    return result


def _posted_line_ids(line_ids):
    if not line_ids:
        return set()
    return set(
        db.session.scalars(
            select(LedgerEntry.order_line_id)
            .where(
                LedgerEntry.order_line_id.in_(line_ids),
                LedgerEntry.kind == LedgerKind.SALE_SHARE,
            )
            .distinct()
        )
    )


def line_share_entries(line, lot_contributors, rule, occurred_on, group_id):
    """The unsaved LedgerEntry rows for one paid line (zero amounts left out)."""
    allocations = [(a.lot_id, a.quantity) for a in line.allocations] or [(None, line.quantity)]
    parts = list(rule.parts) if rule is not None else []
    fee = rule.platform_fee_bp if rule is not None else 0
    common = dict(
        kind=LedgerKind.SALE_SHARE,
        group_id=group_id,
        occurred_on=occurred_on,
        order_line_id=line.id,
        share_rule_id=rule.id if rule is not None else None,
    )
    entries = []
    # A discount that households do not share (the default): the shares are worked out on
    # the undiscounted price, then the discount comes out of the fund and fee (`_take_discount`).
    protected = bool(line.discount_satang) and not line.households_share_discount
    amount_split = line.gross_satang if protected else line.net_satang
    for lot_id, units, net in split_line_by_lots(amount_split, allocations):
        by_role = lot_contributors.get(lot_id, {}) if lot_id is not None else {}
        amounts = split_portion(net, units, parts, fee, roles_present=set(by_role))
        key = f"sale:{line.id}:{lot_id or 0}"
        for role, amount in amounts.items():
            if role in (GROUP_FUND, PLATFORM) or amount == 0:
                continue
            makers = by_role[role]
            shares = largest_remainder(amount, [quantity for _, quantity in makers])
            for (household_id, _), share in zip(makers, shares, strict=True):
                if share:
                    entries.append(
                        LedgerEntry(
                            account=LedgerAccount.HOUSEHOLD,
                            household_id=household_id,
                            lot_id=lot_id,
                            role=role,
                            amount_satang=share,
                            posting_key=f"{key}:hh:{household_id}:{role}",
                            **common,
                        )
                    )
        for name, account in (
            (GROUP_FUND, LedgerAccount.GROUP_FUND),
            (PLATFORM, LedgerAccount.PLATFORM),
        ):
            if amounts[name]:
                entries.append(
                    LedgerEntry(
                        account=account,
                        lot_id=lot_id,
                        amount_satang=amounts[name],
                        posting_key=f"{key}:{account}",
                        **common,
                    )
                )
    if protected:
        entries = _take_discount(entries, line.discount_satang)
    return entries


def _take_discount(entries, discount):
    """Take a line's discount off its entries worked out on the undiscounted price.

    The group fund and platform entries give it up first, in proportion to what
    they hold (largest remainder: no entry goes below zero); only a discount larger
    than both together (a rule changed after the order was placed) reaches the
    households, again in proportion. Entries left at zero are dropped.
    """
    bearers = [e for e in entries if e.account != LedgerAccount.HOUSEHOLD]
    households = [e for e in entries if e.account == LedgerAccount.HOUSEHOLD]
    left = discount
    for group in (bearers, households):
        held = sum(e.amount_satang for e in group)
        take = min(left, held)
        if take <= 0:
            continue
        for entry, cut in zip(
            group, largest_remainder(take, [e.amount_satang for e in group]), strict=True
        ):
            entry.amount_satang -= cut
        left -= take
    return [e for e in entries if e.amount_satang]


def post_order_shares(order):
    """Post the shares of every line of a paid order; lines posted before are skipped.

    Called by `orders.service.mark_paid` once the order is paid; flushes, returns
    the new entries (an empty list when everything was posted already).
    """
    if order.status not in PAID_STATUSES or order.paid_at is None:
        return []
    # Only the parts that were paid: of an order paid part by part, a part that
    # expired unpaid sold nothing (its own payment posts it, if it comes later).
    lines = [
        line
        for fulfilment in order.fulfilments
        if fulfilment.status in PAID_PART_STATUSES
        for line in fulfilment.lines
    ]
    return _post_lines(lines, order.paid_at)


def post_fulfilment_shares(fulfilment):
    """Post the shares of one paid part (an order paid part by part); lines posted before
    are skipped, so the whole order's posting later adds nothing twice.

    The part's own payment time decides the date and the share rule in force.
    Flushes and returns the new entries.
    """
    if fulfilment.status not in PAID_PART_STATUSES or fulfilment.paid_at is None:
        return []
    return _post_lines(list(fulfilment.lines), fulfilment.paid_at)


def _post_lines(lines, paid_at):
    from .share_rules import rules_in_force

    done = _posted_line_ids([line.id for line in lines])
    todo = [line for line in lines if line.id not in done]
    if not todo:
        return []
    occurred_on = bangkok_date(paid_at)
    contributors = _contributors({a.lot_id for line in todo for a in line.allocations})
    rules = rules_in_force({line.variant_id for line in todo}, paid_at)
    entries = []
    for line in todo:
        entries += line_share_entries(
            line,
            contributors,
            rules.get(line.variant_id),
            occurred_on,
            line.fulfilment.group_id,
        )
    db.session.add_all(entries)
    db.session.flush()
    return entries


# -- refunds -------------------------------------------------------------------------------


def post_refund_reversals(refund):
    """Post reversals for every line of a refund; refund lines reversed before are skipped.

    Each refund line takes its amount back from the line's sale entries, in
    proportion to what each still holds after earlier refunds. Flushes and
    returns the new entries.
    """
    occurred_on = bangkok_date(refund.created_at or datetime.now(UTC))
    entries = []
    for refund_line in refund.lines:
        if refund_line.id is None:
            db.session.flush()
        taken = db.session.scalar(
            select(LedgerEntry.id).where(LedgerEntry.refund_line_id == refund_line.id).limit(1)
        )
        if taken is not None:
            continue
        entries += _reverse_line(refund_line, occurred_on)
    db.session.add_all(entries)
    db.session.flush()
    return entries


def _reverse_line(refund_line, occurred_on):
    line_id = refund_line.line_id
    sales = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.order_line_id == line_id, LedgerEntry.kind == LedgerKind.SALE_SHARE)
        .order_by(LedgerEntry.id)
    ).all()
    if not sales:
        return []
    reversed_so_far = dict(
        db.session.execute(
            select(LedgerEntry.posting_key, LedgerEntry.amount_satang).where(
                LedgerEntry.order_line_id == line_id, LedgerEntry.kind == LedgerKind.REVERSAL
            )
        ).all()
    )
    taken_back = defaultdict(int)
    for key, amount in reversed_so_far.items():
        taken_back[int(key.rsplit(":", 1)[1])] += -amount
    remaining = [entry.amount_satang - taken_back[entry.id] for entry in sales]
    amount = min(refund_line.amount_satang, sum(remaining))
    if amount <= 0:
        return []
    shares = largest_remainder(amount, remaining)
    entries = []
    for entry, share in zip(sales, shares, strict=True):
        if share:
            entries.append(
                LedgerEntry(
                    account=entry.account,
                    kind=LedgerKind.REVERSAL,
                    group_id=entry.group_id,
                    household_id=entry.household_id,
                    amount_satang=-share,
                    occurred_on=occurred_on,
                    order_line_id=line_id,
                    refund_line_id=refund_line.id,
                    lot_id=entry.lot_id,
                    share_rule_id=entry.share_rule_id,
                    role=entry.role,
                    posting_key=f"rev:{refund_line.id}:{entry.id}",
                )
            )
    return entries


# -- other value-chain income and payouts ----------------------------------------------------

RECORDED_KINDS = (
    LedgerKind.RAW_MATERIAL,
    LedgerKind.WAGE,
    LedgerKind.PAYOUT,
    LedgerKind.ADJUSTMENT,
)
MAX_ENTRY_SATANG = 10_000_000_00  # ten million baht: more is a typing mistake
_NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?$")


class LedgerError(Exception):
    """A recorded entry's value is wrong; `field` names the form field when there is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


def _decimal(text, field, message):
    raw = clean_text(text or "", 40).replace(" ", "").replace("฿", "")
    if not raw or not _NUMBER.fullmatch(raw):
        raise LedgerError(message, field=field)
    try:
        return Decimal(raw.replace(",", ""))
    except InvalidOperation:
        raise LedgerError(message, field=field) from None


def parse_baht(text, field="amount", allow_negative=False):
    """Baht as typed ("1,250.50") → satang; LedgerError unless positive (or signed if allowed)."""
    value = _decimal(text, field, gettext("Enter an amount in baht, e.g. 1,250.50."))
    if value.as_tuple().exponent < -2:
        raise LedgerError(gettext("An amount has at most two decimals (satang)."), field=field)
    satang = int(value * 100)
    if satang == 0 or (satang < 0 and not allow_negative):
        raise LedgerError(gettext("The amount must be more than zero."), field=field)
    if abs(satang) > MAX_ENTRY_SATANG:
        raise LedgerError(gettext("This amount is too high."), field=field)
    return satang


def parse_quantity(text, field="quantity"):
    """A positive quantity with at most three decimals (40, 12.5 kg)."""
    value = _decimal(text, field, gettext("Enter the quantity as a number, e.g. 40 or 12.5."))
    if value <= 0:
        raise LedgerError(gettext("The quantity must be more than zero."), field=field)
    if value.as_tuple().exponent < -3:
        raise LedgerError(gettext("A quantity has at most three decimals."), field=field)
    if value >= 1_000_000_000:
        raise LedgerError(gettext("This quantity is too large."), field=field)
    return value


def parse_entry_date(text, today):
    """A date from YYYY-MM-DD (Buddhist-era years accepted), not in the future."""
    text = clean_text(text or "", 20)
    if not text:
        return today
    try:
        result = parse_ymd(text)
    except NotADate as error:
        if error.shape:
            message = gettext("Write the date as YYYY-MM-DD, e.g. 2568-01-15 or 2025-01-15.")
        else:
            message = gettext("%(value)s is not a real date.", value=text)
        raise LedgerError(message, field="occurred_on") from None
    if result > today:
        raise LedgerError(gettext("The date cannot be in the future."), field="occurred_on")
    if result.year < 2000:
        raise LedgerError(gettext("The date is too far back."), field="occurred_on")
    return result


def record_entry(group, fields, user=None, today=None):
    """Record raw material bought, a wage, a payout or an adjustment for a household of `group`.

    `fields` (plain strings): kind, household_id, occurred_on, quantity, unit,
    unit_price (baht) for raw material (the amount is quantity × price);
    amount (baht) for wages, payouts and adjustments (an adjustment may be
    negative); description (required for adjustments). A payout may not take
    a household's balance below zero. Audited; flushes; returns the entry.
    """
    today = today or bangkok_today()
    kind = fields.get("kind") or ""
    if kind not in RECORDED_KINDS:
        raise LedgerError(gettext("Choose what kind of entry this is."), field="kind")
    try:
        household_id = int(fields.get("household_id") or 0)
    except (TypeError, ValueError):
        household_id = 0
    try:
        household = household_domain.get_group_household(group, household_id)
    except household_domain.HouseholdNotFound:
        raise LedgerError(
            gettext("Choose a household of this group."), field="household_id"
        ) from None
    if household.erased_at is not None:
        raise LedgerError(
            gettext("This household's personal data was erased; nothing more is recorded for it."),
            field="household_id",
        )
    occurred_on = parse_entry_date(fields.get("occurred_on"), today)
    description = clean_text(fields.get("description") or "")
    if len(description) > 300:
        raise LedgerError(gettext("The description is too long."), field="description")
    unit = clean_text(fields.get("unit") or "")
    if len(unit) > 16:
        raise LedgerError(gettext("The unit is at most 16 letters, e.g. kg."), field="unit")
    quantity = unit_price = None
    if kind == LedgerKind.RAW_MATERIAL:
        quantity = parse_quantity(fields.get("quantity"))
        if not unit:
            raise LedgerError(gettext("Enter the unit, e.g. kg."), field="unit")
        unit_price = parse_baht(fields.get("unit_price"), field="unit_price")
        amount = int((quantity * unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        if amount > MAX_ENTRY_SATANG:
            raise LedgerError(gettext("This amount is too high."), field="quantity")
    else:
        amount = parse_baht(fields.get("amount"), allow_negative=kind == LedgerKind.ADJUSTMENT)
        if (fields.get("quantity") or "").strip():
            quantity = parse_quantity(fields.get("quantity"))
        if kind == LedgerKind.ADJUSTMENT and not description:
            raise LedgerError(gettext("Say why the adjustment is made."), field="description")
        if kind == LedgerKind.PAYOUT:
            # Two payouts at once must not both see the same balance: take the write
            # lock (SQLite) or the household's row lock (PostgreSQL) before reading it.
            begin_write(db.session)
            db.session.execute(
                select(Household.id).where(Household.id == household.id).with_for_update()
            )
            available = household_balance(group, household)["balance"]
            if amount > available:
                raise LedgerError(
                    gettext(
                        "The payout is more than the household's balance (%(balance)s).",
                        balance=_baht(available),
                    ),
                    field="amount",
                )
            amount = -amount
    entry = LedgerEntry(
        account=LedgerAccount.HOUSEHOLD,
        kind=kind,
        group_id=group.id,
        household_id=household.id,
        amount_satang=amount,
        occurred_on=occurred_on,
        quantity=quantity,
        unit=unit,
        unit_price_satang=unit_price,
        description=description,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(entry)
    db.session.flush()
    audit(
        AuditAction.LEDGER_ENTRY_RECORDED,
        entry,
        kind=kind,
        household=household.code,
        group=group.slug,
        amount=amount,
    )
    return entry


def _baht(satang):
    from ..i18n import format_baht

    return format_baht(satang)


# -- reading: balances and statements ----------------------------------------------------------


def _sums(*conditions):
    """earned, paid out (positive) and balance over household entries matching `conditions`."""
    earned = func.coalesce(
        func.sum(case((LedgerEntry.kind != LedgerKind.PAYOUT, LedgerEntry.amount_satang), else_=0)),
        0,
    )
    paid = func.coalesce(
        func.sum(
            case((LedgerEntry.kind == LedgerKind.PAYOUT, -LedgerEntry.amount_satang), else_=0)
        ),
        0,
    )
    return select(earned, paid).where(LedgerEntry.account == LedgerAccount.HOUSEHOLD, *conditions)


def household_balance(group, household):
    """{'earned', 'paid_out', 'balance'} in satang: the household's money in `group`'s books."""
    earned, paid = db.session.execute(
        _sums(LedgerEntry.group_id == group.id, LedgerEntry.household_id == household.id)
    ).one()
    return {"earned": int(earned), "paid_out": int(paid), "balance": int(earned) - int(paid)}


def household_statement(group, household):
    """The household's entries in `group`'s books, oldest first, each with the balance after it."""
    entries = db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.account == LedgerAccount.HOUSEHOLD,
            LedgerEntry.group_id == group.id,
            LedgerEntry.household_id == household.id,
        )
        .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
    ).all()
    rows, balance = [], 0
    for entry in entries:
        balance += entry.amount_satang
        rows.append((entry, balance))
    return rows


def household_balances(group):
    """[(household_id, earned, paid_out, balance)] for every household with entries in `group`."""
    earned = func.coalesce(
        func.sum(case((LedgerEntry.kind != LedgerKind.PAYOUT, LedgerEntry.amount_satang), else_=0)),
        0,
    )
    paid = func.coalesce(
        func.sum(
            case((LedgerEntry.kind == LedgerKind.PAYOUT, -LedgerEntry.amount_satang), else_=0)
        ),
        0,
    )
    rows = db.session.execute(
        select(LedgerEntry.household_id, earned, paid)
        .where(LedgerEntry.account == LedgerAccount.HOUSEHOLD, LedgerEntry.group_id == group.id)
        .group_by(LedgerEntry.household_id)
    ).all()
    return {hid: (int(e), int(p), int(e) - int(p)) for hid, e, p in rows}


@dataclass
class MonthTotals:
    """One month of a group's books, in satang."""

    month: date
    households_sales: int = 0  # sale shares less reversals
    households_other: int = 0  # raw material, wages, adjustments
    payouts: int = 0  # paid out to households (positive)
    group_fund: int = 0
    platform: int = 0

    @property
    def households_income(self):
        return self.households_sales + self.households_other


def group_months(group):
    """[MonthTotals] for every month with entries in `group`'s books, newest first."""
    year = func.extract("year", LedgerEntry.occurred_on)
    month = func.extract("month", LedgerEntry.occurred_on)
    rows = db.session.execute(
        select(
            year, month, LedgerEntry.account, LedgerEntry.kind, func.sum(LedgerEntry.amount_satang)
        )
        .where(LedgerEntry.group_id == group.id)
        .group_by(year, month, LedgerEntry.account, LedgerEntry.kind)
    ).all()
    months = {}
    for y, m, account, kind, total in rows:
        key = date(int(y), int(m), 1)
        totals = months.setdefault(key, MonthTotals(key))
        total = int(total or 0)
        if account == LedgerAccount.GROUP_FUND:
            totals.group_fund += total
        elif account == LedgerAccount.PLATFORM:
            totals.platform += total
        elif kind in (LedgerKind.SALE_SHARE, LedgerKind.REVERSAL):
            totals.households_sales += total
        elif kind == LedgerKind.PAYOUT:
            totals.payouts -= total
        else:
            totals.households_other += total
    return [months[key] for key in sorted(months, reverse=True)]


def month_entries(group, month):
    """Every entry of `group`'s books in the month starting on `month`, by day."""
    end = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return db.session.scalars(
        select(LedgerEntry)
        .where(
            LedgerEntry.group_id == group.id,
            LedgerEntry.occurred_on >= month,
            LedgerEntry.occurred_on < end,
        )
        .order_by(LedgerEntry.occurred_on, LedgerEntry.id)
    ).all()
