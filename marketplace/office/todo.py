"""What a group has to do now, for the top of its office home: a few counting statements.

Each item is a count with the page where the work is done. The order counts come
from the same SQL stage expression as the orders page's tabs, so the home and
the lists never disagree.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, case, func, select

from ..catalog.queries import today as today_local
from ..extensions import db
from ..models.catalog import Claim, ClaimStatus, Lot, Product, ProductStatus, Variant
from ..orders import fulfilment as orders

# A size on sale with this many units or fewer left is low on stock (0: sold out).
LOW_STOCK_UNITS = 5
# A verified claim ending within this many days needs renewing; a rejection this
# recent still needs an answer (a new claim or better evidence).
CLAIM_NOTICE_DAYS = 30
# How many low sizes are named on the home page (the rest are counted).
LOW_STOCK_SHOWN = 5


@dataclass
class LowStock:
    """One size on sale that is running out."""

    product_id: int
    name_th: str
    name_en: str
    label_th: str
    label_en: str
    available: int


@dataclass
class Todo:
    """The counts the office home shows; `empty` when nothing waits."""

    slips: int = 0
    to_pack: int = 0
    to_ship: int = 0
    money_back: int = 0
    low_stock: list = field(default_factory=list)
    low_stock_count: int = 0
    claims_expiring: int = 0
    claims_rejected: int = 0

    @property
    def empty(self):
        """True when nothing needs doing."""
        return not (
            self.slips
            or self.to_pack
            or self.to_ship
            or self.money_back
            or self.low_stock_count
            or self.claims_expiring
            or self.claims_rejected
        )


def _claim_counts(group, today, now):
    """(verified claims ending soon, recent rejections) of the group, its products and lots."""
    from ..catalog.service import _group_claim_condition

    soon = today + timedelta(days=CLAIM_NOTICE_DAYS)
    since = now - timedelta(days=CLAIM_NOTICE_DAYS)
    expiring = and_(
        Claim.status == ClaimStatus.VERIFIED,
        Claim.valid_until.is_not(None),
        Claim.valid_until >= today,
        Claim.valid_until <= soon,
    )
    rejected = and_(Claim.status == ClaimStatus.REJECTED, Claim.verified_at >= since)
    row = db.session.execute(
        select(
            func.coalesce(func.sum(case((expiring, 1), else_=0)), 0),
            func.coalesce(func.sum(case((rejected, 1), else_=0)), 0),
        ).where(_group_claim_condition(group))
    ).one()
    return int(row[0]), int(row[1])


def _low_stock(group):
    """Sizes on sale with LOW_STOCK_UNITS or fewer left, fewest first: (shown, how many)."""
    left = func.coalesce(func.sum(Lot.available), 0)
    rows = db.session.execute(
        select(
            Product.id,
            Product.name_th,
            Product.name_en,
            Variant.label_th,
            Variant.label_en,
            left.label("available"),
            func.count().over().label("total"),
        )
        .join(Variant, Variant.product_id == Product.id)
        .outerjoin(Lot, Lot.variant_id == Variant.id)
        .where(
            Product.group_id == group.id,
            Product.status == ProductStatus.ACTIVE,
            Variant.is_active.is_(True),
        )
        .group_by(Product.id, Variant.id)
        .having(left <= LOW_STOCK_UNITS)
        .order_by(left, Product.name_th, Variant.position, Variant.id)
        .limit(LOW_STOCK_SHOWN)
    ).all()
    shown = [LowStock(*row[:6]) for row in rows]
    return shown, (rows[0].total if rows else 0)


def group_todo(group, today=None, now=None):
    """What the group has to do now: slips, packing, shipping, refunds, stock and claims."""
    today = today or today_local()
    now = now or datetime.now(UTC)
    tabs = orders.tab_counts(group)
    low, low_count = _low_stock(group)
    expiring, rejected = _claim_counts(group, today, now)
    return Todo(
        slips=tabs[orders.Tab.SLIPS],
        to_pack=tabs[orders.Tab.TO_PACK],
        to_ship=tabs[orders.Tab.PACKED],
        money_back=orders.late_payment_count(group) or 0,
        low_stock=low,
        low_stock_count=low_count,
        claims_expiring=expiring,
        claims_rejected=rejected,
    )
