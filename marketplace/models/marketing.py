"""Daily page-view totals: what the storefront counts without tracking people.

One row per day, page and source: how often the page was opened (`views`) and
by how many different visitors (`visitors`, each counted once per page per
day, under the source of their first view). Nothing here names a person: no
address, no user agent, no hash of them, no cookie id. See marketing/visits.py.
"""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..extensions import db


class PageKind:
    """Which storefront page a row counts."""

    PRODUCT = "product"
    LOT = "lot"
    GROUP = "group"
    ALL = (PRODUCT, LOT, GROUP)


class PageViewDay(db.Model):
    """Views and visitors of one page on one day (Bangkok time) from one source."""

    __tablename__ = "page_view_day"

    id = db.Column(db.Integer, primary_key=True)
    day = db.Column(db.Date, nullable=False)
    kind = db.Column(db.String(8), nullable=False)
    # The page, as "product:12", "lot:7" or "group:3": one key for the unique constraint.
    page_key = db.Column(db.String(24), nullable=False)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False)
    product_id = db.Column(db.ForeignKey("product.id"), index=True)  # product and lot pages
    lot_id = db.Column(db.ForeignKey("lot.id"), index=True)  # lot pages
    # UTM tags of the address, and the domain the visitor came from ("" for none).
    source = db.Column(db.String(40), nullable=False, default="")
    medium = db.Column(db.String(40), nullable=False, default="")
    campaign = db.Column(db.String(60), nullable=False, default="")
    referrer = db.Column(db.String(100), nullable=False, default="")
    views = db.Column(db.Integer, nullable=False, default=0)
    visitors = db.Column(db.Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint(
            "day",
            "page_key",
            "source",
            "medium",
            "campaign",
            "referrer",
            name="uq_page_view_day_page_source",
        ),
        CheckConstraint(f"kind IN {PageKind.ALL!r}", name="kind"),
        CheckConstraint("views >= 0 AND visitors >= 0", name="counts_not_negative"),
        # The dashboard reads one group's rows for a period.
        Index("ix_page_view_day_group_day", "group_id", "day"),
    )
