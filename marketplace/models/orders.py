"""Orders, their per-group fulfilments, lines, lot allocations, payments, refunds, Stripe events.

An `Order` is what a buyer places in one checkout. It splits into one
`Fulfilment` per producer group (each group packs and ships its own part).
Each `OrderLine` belongs to one fulfilment and records the price the server
charged; its `LineAllocation` rows say which lots the units were reserved
from (oldest first), which is how a sale reaches the households that made it.

Money is integer satang. Status changes go through `marketplace/orders/states.py`,
which holds the table of allowed transitions; nothing else writes `status`.
"""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db
from .accounts import utcnow


class OrderStatus:
    """Where an order as a whole stands."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    ALL = (PENDING_PAYMENT, PAID, CANCELLED, EXPIRED, PARTLY_REFUNDED, REFUNDED)
    # Stock is held for these; the others have either taken it for good or given it back.
    HOLDING_STOCK = (PENDING_PAYMENT,)


class FulfilmentStatus:
    """Where one group's part of an order stands."""

    PENDING_PAYMENT = "pending_payment"
    PAID = "paid"  # to pack
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    PARTLY_REFUNDED = "partly_refunded"
    REFUNDED = "refunded"
    ALL = (
        PENDING_PAYMENT,
        PAID,
        PACKED,
        SHIPPED,
        DELIVERED,
        CANCELLED,
        EXPIRED,
        PARTLY_REFUNDED,
        REFUNDED,
    )


class PaymentMethod:
    """How the buyer pays: through Stripe (card, PromptPay QR) or offline."""

    STRIPE = "stripe"
    TRANSFER = "transfer"  # bank or PromptPay transfer with a slip photo
    CASH_ON_PICKUP = "cash_on_pickup"
    ALL = (STRIPE, TRANSFER, CASH_ON_PICKUP)
    OFFLINE = (TRANSFER, CASH_ON_PICKUP)


class PaymentStatus:
    """Where one payment attempt stands."""

    PENDING = "pending"  # waiting for the buyer (Stripe page open, transfer not yet made)
    SUBMITTED = "submitted"  # a transfer slip is waiting for the leader
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REJECTED = "rejected"  # a slip the leader did not accept
    CANCELLED = "cancelled"
    ALL = (PENDING, SUBMITTED, SUCCEEDED, FAILED, REJECTED, CANCELLED)


class DeliveryMethod:
    """How a group hands over its part: shipped by a carrier or picked up at the group."""

    SHIP = "ship"
    PICKUP = "pickup"
    ALL = (SHIP, PICKUP)


class Order(db.Model):
    """One checkout: contact, address, totals, and where payment stands."""

    __tablename__ = "order"

    id = db.Column(db.Integer, primary_key=True)
    # Public reference shown to buyers and sent to Stripe as client_reference_id.
    reference = db.Column(db.String(24), nullable=False, unique=True)
    # The one-time key of the checkout form that placed it (`orders.checkout`): the same
    # form posted again (a double click, a retry) finds this order instead of placing another.
    checkout_key = db.Column(db.String(64), unique=True)
    user_id = db.Column(db.ForeignKey("user.id"), index=True)
    status = db.Column(db.String(20), nullable=False, default=OrderStatus.PENDING_PAYMENT)
    payment_method = db.Column(db.String(20), nullable=False)
    locale = db.Column(db.String(5), nullable=False, default="th")

    email = db.Column(db.String(254), nullable=False)
    name = db.Column(db.String(120), nullable=False)
    phone = db.Column(db.String(20), nullable=False)
    address_line = db.Column(db.String(300), nullable=False, default="")
    subdistrict_code = db.Column(db.String(6), nullable=False, default="")
    district_code = db.Column(db.String(4), nullable=False, default="")
    province_code = db.Column(db.String(2), nullable=False, default="")
    postal_code = db.Column(db.String(5), nullable=False, default="")
    note = db.Column(db.String(500), nullable=False, default="")

    subtotal_satang = db.Column(db.BigInteger, nullable=False)
    discount_satang = db.Column(db.BigInteger, nullable=False, default=0)
    shipping_satang = db.Column(db.BigInteger, nullable=False, default=0)
    total_satang = db.Column(db.BigInteger, nullable=False)
    refunded_satang = db.Column(db.BigInteger, nullable=False, default=0)
    currency = db.Column(db.String(3), nullable=False, default="thb")

    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # Until when the reserved stock is held for an unpaid order.
    expires_at = db.Column(db.DateTime(timezone=True), nullable=False)
    paid_at = db.Column(db.DateTime(timezone=True))
    closed_at = db.Column(db.DateTime(timezone=True))  # cancelled or expired
    # Paid part by part: a transfer to each group's own account, one payment per
    # fulfilment, each confirmed by that group's leader (a cart of several groups with
    # no platform account). Each part then holds, expires and is paid on its own.
    paid_per_part = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # Where the buyer came from (marketing/visits.py): the UTM tags of the visit that led
    # to the order, or the other site's domain; all empty for a direct visit.
    utm_source = db.Column(db.String(40), nullable=False, default="", server_default="")
    utm_medium = db.Column(db.String(40), nullable=False, default="", server_default="")
    utm_campaign = db.Column(db.String(60), nullable=False, default="", server_default="")
    referrer = db.Column(db.String(100), nullable=False, default="", server_default="")

    user = db.relationship("User")
    fulfilments = db.relationship(
        "Fulfilment", back_populates="order", order_by="Fulfilment.id", cascade="all"
    )
    payments = db.relationship(
        "Payment", back_populates="order", order_by="Payment.id", cascade="all"
    )
    refunds = db.relationship("Refund", back_populates="order", order_by="Refund.id")

    __table_args__ = (
        CheckConstraint(f"status IN {OrderStatus.ALL!r}", name="status"),
        CheckConstraint(f"payment_method IN {PaymentMethod.ALL!r}", name="payment_method"),
        CheckConstraint("subtotal_satang >= 0", name="subtotal_not_negative"),
        CheckConstraint("total_satang >= 0", name="total_not_negative"),
        CheckConstraint(
            "refunded_satang >= 0 AND refunded_satang <= total_satang", name="refund_within_total"
        ),
        Index("ix_order_status_expires_at", "status", "expires_at"),
        # The sales dashboard reads this month's paid orders live (marketing/dashboard.py).
        Index("ix_order_paid_at", "paid_at"),
    )

    @property
    def lines(self):
        """Every line of every fulfilment, in order."""
        return [line for fulfilment in self.fulfilments for line in fulfilment.lines]

    def __repr__(self):
        return f"<Order {self.reference} {self.status}>"


class Fulfilment(db.Model):
    """One group's part of an order: its lines, its delivery, its own status."""

    __tablename__ = "fulfilment"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.ForeignKey("order.id"), nullable=False, index=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False, index=True)
    status = db.Column(db.String(20), nullable=False, default=FulfilmentStatus.PENDING_PAYMENT)
    delivery_method = db.Column(db.String(10), nullable=False, default=DeliveryMethod.SHIP)
    subtotal_satang = db.Column(db.BigInteger, nullable=False)
    shipping_satang = db.Column(db.BigInteger, nullable=False, default=0)
    refunded_satang = db.Column(db.BigInteger, nullable=False, default=0)
    weight_grams = db.Column(db.Integer, nullable=False, default=0)
    carrier = db.Column(db.String(60), nullable=False, default="")
    tracking_no = db.Column(db.String(60), nullable=False, default="")
    packed_at = db.Column(db.DateTime(timezone=True))
    shipped_at = db.Column(db.DateTime(timezone=True))
    delivered_at = db.Column(db.DateTime(timezone=True))
    # Only for an order paid part by part: until when this part's stock is held, and
    # when its own payment arrived (the order's `paid_at` is when the last part was paid).
    expires_at = db.Column(db.DateTime(timezone=True))
    paid_at = db.Column(db.DateTime(timezone=True))

    order = db.relationship("Order", back_populates="fulfilments")
    group = db.relationship("ProducerGroup")
    lines = db.relationship(
        "OrderLine", back_populates="fulfilment", order_by="OrderLine.id", cascade="all"
    )

    __table_args__ = (
        UniqueConstraint("order_id", "group_id", name="uq_fulfilment_order_group"),
        CheckConstraint(f"status IN {FulfilmentStatus.ALL!r}", name="status"),
        CheckConstraint(f"delivery_method IN {DeliveryMethod.ALL!r}", name="delivery_method"),
        Index("ix_fulfilment_group_status", "group_id", "status"),
        # A part paid on its own: the sales dashboard's live month, per group.
        Index("ix_fulfilment_group_paid_at", "group_id", "paid_at"),
    )

    @property
    def total_satang(self):
        """What the buyer pays for this part: its lines' net amounts plus shipping."""
        return sum(line.net_satang for line in self.lines) + self.shipping_satang


class OrderLine(db.Model):
    """One variant in a fulfilment, at the price the server charged when the order was placed."""

    __tablename__ = "order_line"

    id = db.Column(db.Integer, primary_key=True)
    fulfilment_id = db.Column(db.ForeignKey("fulfilment.id"), nullable=False, index=True)
    variant_id = db.Column(db.ForeignKey("variant.id"), nullable=False, index=True)
    # Names as they were when sold, in both languages, so old orders read true.
    product_name_th = db.Column(db.String(200), nullable=False)
    product_name_en = db.Column(db.String(200), nullable=False, default="")
    variant_label_th = db.Column(db.String(120), nullable=False)
    variant_label_en = db.Column(db.String(120), nullable=False, default="")
    sku = db.Column(db.String(40), nullable=False)
    unit_price_satang = db.Column(db.Integer, nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    discount_satang = db.Column(db.BigInteger, nullable=False, default=0)
    # Set from the discount code: False (the default) keeps the households' per-unit share
    # whole and takes the discount from the group fund and platform fee (`impact.ledger`).
    households_share_discount = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    refunded_quantity = db.Column(db.Integer, nullable=False, default=0)
    refunded_satang = db.Column(db.BigInteger, nullable=False, default=0)

    fulfilment = db.relationship("Fulfilment", back_populates="lines")
    variant = db.relationship("Variant")
    allocations = db.relationship(
        "LineAllocation", back_populates="line", order_by="LineAllocation.id", cascade="all"
    )

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price_satang >= 0", name="price_not_negative"),
        CheckConstraint(
            "discount_satang >= 0 AND discount_satang <= unit_price_satang * quantity",
            name="discount_within_gross",
        ),
        CheckConstraint(
            "refunded_quantity >= 0 AND refunded_quantity <= quantity", name="refund_qty_in_range"
        ),
        CheckConstraint("refunded_satang >= 0", name="refunded_not_negative"),
    )

    @property
    def gross_satang(self):
        return self.unit_price_satang * self.quantity

    @property
    def net_satang(self):
        """What the buyer pays for this line: the amount the ledger divides among households."""
        return self.gross_satang - self.discount_satang


class LineAllocation(db.Model):
    """Units of one order line reserved from one lot."""

    __tablename__ = "line_allocation"

    id = db.Column(db.Integer, primary_key=True)
    line_id = db.Column(db.ForeignKey("order_line.id"), nullable=False, index=True)
    lot_id = db.Column(db.ForeignKey("lot.id"), nullable=False, index=True)
    quantity = db.Column(db.Integer, nullable=False)
    # Units given back to the lot (expiry, cancellation, a refund that restocks).
    released_quantity = db.Column(db.Integer, nullable=False, default=0)

    line = db.relationship("OrderLine", back_populates="allocations")
    lot = db.relationship("Lot")

    __table_args__ = (
        UniqueConstraint("line_id", "lot_id", name="uq_allocation_line_lot"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "released_quantity >= 0 AND released_quantity <= quantity", name="released_in_range"
        ),
    )

    @property
    def held_quantity(self):
        return self.quantity - self.released_quantity


class Payment(db.Model):
    """One attempt to pay an order: a Stripe Checkout Session, a transfer slip, or cash."""

    __tablename__ = "payment"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.ForeignKey("order.id"), nullable=False, index=True)
    method = db.Column(db.String(20), nullable=False)
    status = db.Column(db.String(12), nullable=False, default=PaymentStatus.PENDING)
    amount_satang = db.Column(db.BigInteger, nullable=False)
    currency = db.Column(db.String(3), nullable=False, default="thb")
    stripe_session_id = db.Column(db.String(255), unique=True)
    stripe_payment_intent_id = db.Column(db.String(255), index=True)
    checkout_url = db.Column(db.String(2000), nullable=False, default="")
    # Transfer slip: a photo stored like product photos (server-chosen key), private.
    slip_key = db.Column(db.String(64), unique=True)
    slip_uploaded_at = db.Column(db.DateTime(timezone=True))
    decided_by_id = db.Column(db.ForeignKey("user.id"))
    decided_at = db.Column(db.DateTime(timezone=True))
    decision_note = db.Column(db.String(300), nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    succeeded_at = db.Column(db.DateTime(timezone=True))
    # The part this payment pays, for an order paid part by part; None: the whole order.
    fulfilment_id = db.Column(db.ForeignKey("fulfilment.id"), index=True)
    # Money that came for an order (or part) another payment had already paid: it is
    # kept, shown to the group as money to give back, and given back in full.
    surplus = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    given_back_at = db.Column(db.DateTime(timezone=True))
    given_back_by_id = db.Column(db.ForeignKey("user.id"))
    # Stripe's refund id when a surplus payment went back through Stripe.
    given_back_refund_id = db.Column(db.String(255), unique=True)
    # Set when the order closed and its Stripe session must be expired, cleared once
    # Stripe has answered: the order-expiry sweep retries what is still set.
    stripe_expiry_due_at = db.Column(db.DateTime(timezone=True), index=True)

    order = db.relationship("Order", back_populates="payments")
    fulfilment = db.relationship("Fulfilment")
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    given_back_by = db.relationship("User", foreign_keys=[given_back_by_id])

    __table_args__ = (
        CheckConstraint(f"method IN {PaymentMethod.ALL!r}", name="method"),
        CheckConstraint(f"status IN {PaymentStatus.ALL!r}", name="status"),
        CheckConstraint("amount_satang >= 0", name="amount_not_negative"),
    )


class Refund(db.Model):
    """Money given back for some lines of one fulfilment; Stripe's refund id when through Stripe."""

    __tablename__ = "refund"

    id = db.Column(db.Integer, primary_key=True)
    order_id = db.Column(db.ForeignKey("order.id"), nullable=False, index=True)
    fulfilment_id = db.Column(db.ForeignKey("fulfilment.id"), nullable=False, index=True)
    amount_satang = db.Column(db.BigInteger, nullable=False)
    shipping_satang = db.Column(db.BigInteger, nullable=False, default=0)
    reason = db.Column(db.String(300), nullable=False, default="")
    restock = db.Column(db.Boolean, nullable=False, default=False)
    method = db.Column(db.String(20), nullable=False)
    stripe_refund_id = db.Column(db.String(255), unique=True)
    created_by_id = db.Column(db.ForeignKey("user.id"))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    order = db.relationship("Order", back_populates="refunds")
    fulfilment = db.relationship("Fulfilment")
    created_by = db.relationship("User")
    lines = db.relationship("RefundLine", back_populates="refund", order_by="RefundLine.id")

    __table_args__ = (
        CheckConstraint("amount_satang > 0", name="amount_positive"),
        CheckConstraint("shipping_satang >= 0", name="shipping_not_negative"),
    )


class RefundLine(db.Model):
    """How much of one order line a refund gave back: units and satang."""

    __tablename__ = "refund_line"

    id = db.Column(db.Integer, primary_key=True)
    refund_id = db.Column(db.ForeignKey("refund.id"), nullable=False, index=True)
    line_id = db.Column(db.ForeignKey("order_line.id"), nullable=False, index=True)
    quantity = db.Column(db.Integer, nullable=False, default=0)
    amount_satang = db.Column(db.BigInteger, nullable=False)

    refund = db.relationship("Refund", back_populates="lines")
    line = db.relationship("OrderLine")

    __table_args__ = (
        UniqueConstraint("refund_id", "line_id", name="uq_refund_line"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint("amount_satang >= 0", name="amount_not_negative"),
    )


class StripeEvent(db.Model):
    """A Stripe webhook event, stored once by its id: a redelivery finds it and does nothing."""

    __tablename__ = "stripe_event"

    id = db.Column(db.Integer, primary_key=True)
    event_id = db.Column(db.String(255), nullable=False, unique=True)
    type = db.Column(db.String(80), nullable=False)
    order_id = db.Column(db.ForeignKey("order.id"), index=True)
    # What handling the event did: applied, ignored (and why), or refused (and why).
    outcome = db.Column(db.String(40), nullable=False, default="")
    detail = db.Column(db.String(500), nullable=False, default="")
    received_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
