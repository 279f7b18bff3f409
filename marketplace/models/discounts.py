"""Discount codes, what they apply to, and their redemptions (held at order time, used when paid).

A `DiscountCode` belongs to one producer group (it discounts only that group's
lines) or, with no group, to the whole market (issued by an admin). Its use
counters `uses_held` and `uses_used` are changed only by conditional UPDATEs in
`marketing/discounts.py`, and the CHECK constraint below refuses any state with
more uses than `max_uses`, so no interleaving of checkouts on any database can
redeem a code more often than allowed.

A `DiscountRedemption` is one order's use of one code (at most one per order):
held when the order is placed, used when it is paid, released when the order
expires, is cancelled or its payment fails, returned when it is refunded in full.
"""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .accounts import utcnow


class DiscountKind:
    """What a code takes off."""

    PERCENT = "percent"  # value_bp of the eligible lines (10000 = 100 %), up to cap_satang
    AMOUNT = "amount"  # amount_satang off the eligible lines
    FREE_SHIPPING = "free_shipping"  # the shipping of the group's part (every part: market code)
    ALL = (PERCENT, AMOUNT, FREE_SHIPPING)


class DiscountStatus:
    """Whether a code may be used now (besides its dates and limits)."""

    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"
    ALL = (ACTIVE, PAUSED, ENDED)


class RedemptionStatus:
    """Where one order's use of a code stands."""

    HELD = "held"  # the order waits for payment
    USED = "used"  # the order was paid
    RELEASED = "released"  # the order expired, was cancelled or its payment failed
    RETURNED = "returned"  # the order was refunded in full
    ALL = (HELD, USED, RELEASED, RETURNED)
    COUNTED = (HELD, USED)


class DiscountCode(db.Model):
    """A code a buyer types (or opens as a link) for a discount, with its conditions."""

    __tablename__ = "discount_code"

    id = db.Column(db.Integer, primary_key=True)
    # Stored upper-case: codes are case-insensitive.
    code = db.Column(db.String(20), nullable=False, unique=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), index=True)  # None: whole market
    kind = db.Column(db.String(16), nullable=False)
    value_bp = db.Column(db.Integer, nullable=False, default=0)
    amount_satang = db.Column(db.BigInteger, nullable=False, default=0)
    cap_satang = db.Column(db.BigInteger)  # a percent code's most; None: no cap
    min_spend_satang = db.Column(db.BigInteger, nullable=False, default=0)
    # Only lots that carry a verified (unexpired) claim of this kind, on the lot or its product.
    claim_kind = db.Column(db.String(32))
    starts_at = db.Column(db.DateTime(timezone=True))
    ends_at = db.Column(db.DateTime(timezone=True))
    max_uses = db.Column(db.Integer)  # None: no limit
    max_uses_per_buyer = db.Column(db.Integer)
    first_order_only = db.Column(db.Boolean, nullable=False, default=False)
    # False (the default): the discount comes out of the group fund and platform fee and the
    # households' per-unit share stays whole. True: every share shrinks with the price.
    households_share_discount = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    status = db.Column(db.String(10), nullable=False, default=DiscountStatus.ACTIVE)
    uses_held = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    uses_used = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    # Codes generated together (e.g. 500 single-use codes for a fair) share a batch name.
    batch = db.Column(db.String(40), nullable=False, default="", server_default="", index=True)
    note = db.Column(db.String(200), nullable=False, default="")
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    group = db.relationship("ProducerGroup")
    targets = db.relationship("DiscountTarget", back_populates="code", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint(f"kind IN {DiscountKind.ALL!r}", name="kind"),
        CheckConstraint(f"status IN {DiscountStatus.ALL!r}", name="status"),
        CheckConstraint("value_bp >= 0 AND value_bp <= 10000", name="value_bp_range"),
        CheckConstraint("amount_satang >= 0", name="amount_not_negative"),
        CheckConstraint("cap_satang IS NULL OR cap_satang > 0", name="cap_positive"),
        CheckConstraint("min_spend_satang >= 0", name="min_spend_not_negative"),
        CheckConstraint("uses_held >= 0 AND uses_used >= 0", name="uses_not_negative"),
        CheckConstraint(
            "max_uses IS NULL OR uses_held + uses_used <= max_uses", name="uses_within_max"
        ),
        CheckConstraint("max_uses IS NULL OR max_uses > 0", name="max_uses_positive"),
        CheckConstraint(
            "max_uses_per_buyer IS NULL OR max_uses_per_buyer > 0",
            name="max_uses_per_buyer_positive",
        ),
    )

    @property
    def uses(self):
        return self.uses_held + self.uses_used

    def __repr__(self):
        return f"<DiscountCode {self.code}>"


class DiscountTarget(db.Model):
    """A product or a category a code is limited to (a code with none applies to every line)."""

    __tablename__ = "discount_target"

    id = db.Column(db.Integer, primary_key=True)
    code_id = db.Column(db.ForeignKey("discount_code.id"), nullable=False, index=True)
    product_id = db.Column(db.ForeignKey("product.id"))
    category_id = db.Column(db.ForeignKey("category.id"))

    code = db.relationship("DiscountCode", back_populates="targets")

    __table_args__ = (
        CheckConstraint("(product_id IS NULL) <> (category_id IS NULL)", name="one_target"),
    )


class DiscountRedemption(db.Model):
    """One order's use of a code, and who used it (for the per-buyer limit)."""

    __tablename__ = "discount_redemption"

    id = db.Column(db.Integer, primary_key=True)
    code_id = db.Column(db.ForeignKey("discount_code.id"), nullable=False)
    order_id = db.Column(db.ForeignKey("order.id"), nullable=False)
    status = db.Column(db.String(10), nullable=False, default=RedemptionStatus.HELD)
    user_id = db.Column(db.ForeignKey("user.id"), index=True)
    # The buyer's e-mail and phone, normalised (lower case, no +tag, no dots for Gmail;
    # a Thai phone as 0XXXXXXXXX), so a changed spelling is still the same buyer.
    email_key = db.Column(db.String(254), nullable=False, index=True)
    phone_key = db.Column(db.String(20), nullable=False, index=True)
    discount_satang = db.Column(db.BigInteger, nullable=False, default=0)
    shipping_discount_satang = db.Column(db.BigInteger, nullable=False, default=0)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    used_at = db.Column(db.DateTime(timezone=True))
    closed_at = db.Column(db.DateTime(timezone=True))

    code = db.relationship("DiscountCode")
    order = db.relationship("Order")

    __table_args__ = (
        UniqueConstraint("order_id", name="uq_discount_redemption_order"),
        CheckConstraint(f"status IN {RedemptionStatus.ALL!r}", name="status"),
        CheckConstraint(
            "discount_satang >= 0 AND shipping_discount_satang >= 0", name="amounts_not_negative"
        ),
        Index("ix_discount_redemption_code_status", "code_id", "status"),
    )
