"""Share rules and the append-only household income ledger.

A `ShareRule` says how the net amount of a sold line divides: a part per
contributing role (percent of net, or a fixed amount per unit), an optional
platform fee (percent of net), and the group fund, which takes what is left.
Rules are versioned: a new rule for the same product (or variant) gets the
next version and an `effective_from`; a sale uses the rule in force when it
was paid. Rules are never edited once saved.

A `LedgerEntry` is one signed amount of money, in satang, to one account: a
household, the group fund, or the platform. Sales post shares, refunds post
reversals, leaders record other value-chain income (raw material bought,
wages) and payouts. Entries are never edited or deleted. `posting_key` makes
automatic postings idempotent: the same payment or refund posted twice finds
its key taken and posts nothing.
"""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, event, text
from sqlalchemy.orm import Session

from ..extensions import db
from .accounts import utcnow


class ShareBasis:
    """How a role's part of a line is measured."""

    PERCENT = "percent"  # basis points of the line's net amount (10000 = 100%)
    PER_UNIT = "per_unit"  # satang per unit sold
    ALL = (PERCENT, PER_UNIT)


class ShareRule(db.Model):
    """One version of how a product's (or one variant's) sales divide."""

    __tablename__ = "share_rule"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False, index=True)
    product_id = db.Column(db.ForeignKey("product.id"), nullable=False, index=True)
    # Empty: the rule covers every variant of the product without a rule of its own.
    variant_id = db.Column(db.ForeignKey("variant.id"), index=True)
    version = db.Column(db.Integer, nullable=False)
    effective_from = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    platform_fee_bp = db.Column(db.Integer, nullable=False, default=0)
    note = db.Column(db.String(300), nullable=False, default="")
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    group = db.relationship("ProducerGroup")
    product = db.relationship("Product")
    variant = db.relationship("Variant")
    created_by = db.relationship("User")
    parts = db.relationship(
        "ShareRulePart", back_populates="rule", order_by="ShareRulePart.id", cascade="all"
    )

    __table_args__ = (
        UniqueConstraint("product_id", "variant_id", "version", name="uq_share_rule_version"),
        # The constraint above lets rows with an empty variant_id repeat (NULL is never
        # equal to NULL), so the product-wide rules get their own partial unique index.
        Index(
            "uq_share_rule_product_version",
            "product_id",
            "version",
            unique=True,
            sqlite_where=text("variant_id IS NULL"),
            postgresql_where=text("variant_id IS NULL"),
        ),
        CheckConstraint(
            "platform_fee_bp >= 0 AND platform_fee_bp <= 10000", name="platform_fee_range"
        ),
        CheckConstraint("version > 0", name="version_positive"),
    )


class ShareRulePart(db.Model):
    """The part of a line that goes to the households in one role (growers, weavers …)."""

    __tablename__ = "share_rule_part"

    id = db.Column(db.Integer, primary_key=True)
    rule_id = db.Column(db.ForeignKey("share_rule.id"), nullable=False, index=True)
    role = db.Column(db.String(16), nullable=False)
    basis = db.Column(db.String(10), nullable=False)
    # Basis points of net for PERCENT; satang per unit for PER_UNIT.
    value = db.Column(db.Integer, nullable=False)

    rule = db.relationship("ShareRule", back_populates="parts")

    __table_args__ = (
        UniqueConstraint("rule_id", "role", name="uq_share_rule_part_role"),
        CheckConstraint(f"basis IN {ShareBasis.ALL!r}", name="basis"),
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("basis <> 'percent' OR value <= 10000", name="percent_range"),
    )


class LedgerAccount:
    """Whose money an entry is."""

    HOUSEHOLD = "household"
    GROUP_FUND = "group_fund"
    PLATFORM = "platform"
    ALL = (HOUSEHOLD, GROUP_FUND, PLATFORM)


class LedgerKind:
    """Why money moved."""

    SALE_SHARE = "sale_share"
    RAW_MATERIAL = "raw_material"  # the group bought raw material from a household
    WAGE = "wage"
    PAYOUT = "payout"  # money handed to the household (negative on its balance)
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"  # a refund taking back a sale share
    ALL = (SALE_SHARE, RAW_MATERIAL, WAGE, PAYOUT, ADJUSTMENT, REVERSAL)
    # Income a household earned through the value chain (reports sum these).
    INCOME = (SALE_SHARE, RAW_MATERIAL, WAGE, ADJUSTMENT, REVERSAL)


class LedgerEntry(db.Model):
    """One signed amount to one account; never edited, never deleted."""

    __tablename__ = "ledger_entry"

    id = db.Column(db.Integer, primary_key=True)
    account = db.Column(db.String(12), nullable=False)
    kind = db.Column(db.String(16), nullable=False)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False)
    household_id = db.Column(db.ForeignKey("household.id"))
    amount_satang = db.Column(db.BigInteger, nullable=False)
    # The day the money counts for (a sale: the day it was paid); reports group by month.
    occurred_on = db.Column(db.Date, nullable=False)
    order_line_id = db.Column(db.ForeignKey("order_line.id"), index=True)
    refund_line_id = db.Column(db.ForeignKey("refund_line.id"), index=True)
    lot_id = db.Column(db.ForeignKey("lot.id"), index=True)
    share_rule_id = db.Column(db.ForeignKey("share_rule.id"))
    role = db.Column(db.String(16), nullable=False, default="")
    # For raw material and wages: what was bought or done, e.g. 40 kg of chili at 80 baht/kg.
    quantity = db.Column(db.Numeric(12, 3))
    unit = db.Column(db.String(16), nullable=False, default="")
    unit_price_satang = db.Column(db.Integer)
    description = db.Column(db.String(300), nullable=False, default="")
    # Unique for automatic postings (sale shares, reversals): posting twice is impossible.
    posting_key = db.Column(db.String(120), unique=True)
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    group = db.relationship("ProducerGroup")
    household = db.relationship("Household")
    lot = db.relationship("Lot")
    share_rule = db.relationship("ShareRule")
    created_by = db.relationship("User")

    __table_args__ = (
        CheckConstraint(f"account IN {LedgerAccount.ALL!r}", name="account"),
        CheckConstraint(f"kind IN {LedgerKind.ALL!r}", name="kind"),
        CheckConstraint(
            "(account = 'household') = (household_id IS NOT NULL)",
            name="household_account_has_household",
        ),
        # Covering indexes: the income reports read a province's entries from the index
        # alone (account, kind and amount included), not row by row from the table.
        Index(
            "ix_ledger_household_date",
            "household_id",
            "occurred_on",
            "account",
            "kind",
            "amount_satang",
        ),
        # With the household and the lot, the area report counts the households each
        # product and sub-area paid from this index alone.
        Index(
            "ix_ledger_group_date",
            "group_id",
            "occurred_on",
            "account",
            "kind",
            "amount_satang",
            "household_id",
            "lot_id",
        ),
    )


class AppendOnlyError(RuntimeError):
    """Code tried to change or delete a ledger entry or a saved share rule."""


APPEND_ONLY_MODELS = (LedgerEntry, ShareRule, ShareRulePart)
APPEND_ONLY_TABLES = frozenset(model.__tablename__ for model in APPEND_ONLY_MODELS)


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_append_only_rows(session, _flush_context, _instances):
    """Ledger entries and share rules are only ever added: a refund posts a reversal,
    a new rule is a new version. A flush that would update or delete one is a bug."""
    for obj in session.deleted:
        if isinstance(obj, APPEND_ONLY_MODELS):
            raise AppendOnlyError(f"{type(obj).__name__} {obj.id} cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, APPEND_ONLY_MODELS) and session.is_modified(
            obj, include_collections=False
        ):
            raise AppendOnlyError(f"{type(obj).__name__} {obj.id} cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes_to_append_only_rows(orm_execute_state):
    """The same for bulk UPDATE and DELETE statements run through the session."""
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    table = getattr(orm_execute_state.statement, "table", None)
    if getattr(table, "name", None) in APPEND_ONLY_TABLES:
        raise AppendOnlyError(f"bulk changes to {table.name} are not allowed")


class LedgerFlow:
    """The ledger kinds as the monthly summary groups them."""

    SALE = "sale"  # sale shares and their reversals
    OTHER = "other"  # raw material bought, wages, adjustments
    PAYOUT = "payout"
    ALL = (SALE, OTHER, PAYOUT)
    INCOME = (SALE, OTHER)  # = LedgerKind.INCOME
    OF_KIND = {
        LedgerKind.SALE_SHARE: SALE,
        LedgerKind.REVERSAL: SALE,
        LedgerKind.RAW_MATERIAL: OTHER,
        LedgerKind.WAGE: OTHER,
        LedgerKind.ADJUSTMENT: OTHER,
        LedgerKind.PAYOUT: PAYOUT,
    }


class LedgerMonth(db.Model):
    """The ledger summed by month, kept up in the transaction of each posting.

    One row per month, group, household (0: the group fund's and the platform's
    entries), account, flow and product (0: none; a sale's product is its lot's,
    or its order line's when it took no lot). The ledger only ever appends, so a
    posting only ever adds to these sums (`impact.summaries`); the reports read
    whole months from here and only the period's partial months from the ledger.
    Derived data, so no foreign keys: `flask ledger summaries` rebuilds it.
    """

    __tablename__ = "ledger_month"

    household_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    month = db.Column(db.Integer, primary_key=True, autoincrement=False)  # 202512
    group_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    account = db.Column(db.String(12), primary_key=True)
    flow = db.Column(db.String(8), primary_key=True)
    product_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    amount_satang = db.Column(db.BigInteger, nullable=False)
    entries = db.Column(db.Integer, nullable=False)

    __table_args__ = (
        CheckConstraint(f"flow IN {LedgerFlow.ALL!r}", name="flow"),
        # The sales of the groups of an area, by month.
        Index(
            "ix_ledger_month_group",
            "group_id",
            "month",
            "account",
            "flow",
            "household_id",
            "product_id",
            "amount_satang",
        ),
    )


class GroupMonth(db.Model):
    """The ledger summed by month and group, without the household: `LedgerMonth` with its
    household rows added together.

    One row per month, group, account, flow and product, kept up in the
    transaction of each posting like `LedgerMonth`. An area report reads the
    money of its groups (sales by account, revenue and the households' part by
    product) from these few rows, and only the households' own rows of
    `LedgerMonth` to count the households paid. Derived data, so no foreign keys:
    `flask ledger summaries` rebuilds it.
    """

    __tablename__ = "group_month"

    group_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    month = db.Column(db.Integer, primary_key=True, autoincrement=False)  # 202512
    account = db.Column(db.String(12), primary_key=True)
    flow = db.Column(db.String(8), primary_key=True)
    product_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    amount_satang = db.Column(db.BigInteger, nullable=False)
    entries = db.Column(db.Integer, nullable=False)

    __table_args__ = (CheckConstraint(f"flow IN {LedgerFlow.ALL!r}", name="flow"),)


class HouseholdMonth(db.Model):
    """Each household's value-chain income by month, filed under the household's area.

    The sum of its income entries (`LedgerKind.INCOME`, the household's own
    account) dated in the month, kept up in the transaction of each posting like
    `LedgerMonth`, and refiled when the household's area codes change. Area
    reports read an area's households' monthly income from here with one range
    of the area index, instead of every household's rows of `LedgerMonth` (one
    per group and product), which they had to find through the household table.
    Derived data, so no foreign keys: `flask ledger summaries` rebuilds it.
    """

    __tablename__ = "household_month"

    household_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    month = db.Column(db.Integer, primary_key=True, autoincrement=False)  # 202512
    province_code = db.Column(db.String(2), nullable=False)
    district_code = db.Column(db.String(4), nullable=False)
    subdistrict_code = db.Column(db.String(6), nullable=False)
    amount_satang = db.Column(db.BigInteger, nullable=False)
    entries = db.Column(db.Integer, nullable=False)

    __table_args__ = (
        # An area's households by month, read without visiting the table.
        Index(
            "ix_household_month_area",
            "province_code",
            "district_code",
            "subdistrict_code",
            "month",
            "household_id",
            "amount_satang",
        ),
    )
