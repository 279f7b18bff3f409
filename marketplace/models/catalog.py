"""The catalog side: producer groups, products, variants, lots, claims and images."""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint, false

from ..extensions import db
from ..i18n import bangkok_today
from .accounts import utcnow


class GroupKind:
    """What kind of legal body a producer group is."""

    OCCUPATIONAL = "occupational_group"
    COMMUNITY_ENTERPRISE = "community_enterprise"
    COOPERATIVE = "cooperative"
    ALL = (OCCUPATIONAL, COMMUNITY_ENTERPRISE, COOPERATIVE)


class PlaceMixin:
    """An address inside Thailand by DOPA codes, down to the village (หมู่)."""

    village = db.Column(db.String(120), nullable=False, default="")
    moo = db.Column(db.Integer)
    subdistrict_code = db.Column(db.String(6), nullable=False, default="")
    district_code = db.Column(db.String(4), nullable=False, default="")
    province_code = db.Column(db.String(2), nullable=False, default="", index=True)


class ProducerGroup(PlaceMixin, db.Model):
    """A village producer group or community enterprise that sells on the marketplace."""

    __tablename__ = "producer_group"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name_th = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False, default="")
    story_th = db.Column(db.Text, nullable=False, default="")
    story_en = db.Column(db.Text, nullable=False, default="")
    kind = db.Column(db.String(32), nullable=False, default=GroupKind.COMMUNITY_ENTERPRISE)
    registration_no = db.Column(db.String(40), nullable=False, default="")
    postal_code = db.Column(db.String(5), nullable=False, default="")
    phone = db.Column(db.String(20), nullable=False, default="")
    email = db.Column(db.String(254), nullable=False, default="")
    line_id = db.Column(db.String(60), nullable=False, default="")
    # What the group chose to show on its public page (catalog.group_contact); off until
    # the leader ticks it: a contact given to the platform is not consent to publish it.
    show_phone = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    show_email = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    show_line_id = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    show_map = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    latitude = db.Column(db.Float)  # of the village, for the map link; both or neither
    longitude = db.Column(db.Float)
    payout_bank = db.Column(db.String(80), nullable=False, default="")
    payout_account_name = db.Column(db.String(120), nullable=False, default="")
    payout_account_no = db.Column(db.String(30), nullable=False, default="")
    promptpay_id = db.Column(db.String(20), nullable=False, default="")
    founded_year = db.Column(db.Integer)
    # Delivery: a flat fee per order part plus a rate per started kilogram; pickup at the group.
    ships = db.Column(db.Boolean, nullable=False, default=True)
    shipping_flat_satang = db.Column(db.Integer, nullable=False, default=0)
    shipping_per_kg_satang = db.Column(db.Integer, nullable=False, default=0)
    offers_pickup = db.Column(db.Boolean, nullable=False, default=False)
    pickup_note_th = db.Column(db.String(300), nullable=False, default="")
    pickup_note_en = db.Column(db.String(300), nullable=False, default="")
    is_featured = db.Column(db.Boolean, nullable=False, default=False)
    is_active = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    products = db.relationship("Product", back_populates="group", lazy="select")
    claims = db.relationship(
        "Claim", back_populates="group", primaryjoin="Claim.group_id == ProducerGroup.id"
    )

    __table_args__ = (CheckConstraint(f"kind IN {GroupKind.ALL!r}", name="kind"),)

    def __repr__(self):
        return f"<ProducerGroup {self.slug}>"


class Category(db.Model):
    """A shelf of the storefront: rice, chili and spices, woven goods …"""

    __tablename__ = "category"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(60), nullable=False, unique=True)
    name_th = db.Column(db.String(120), nullable=False)
    name_en = db.Column(db.String(120), nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)


class ProductStatus:
    """Whether a product shows on the storefront."""

    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"
    ALL = (DRAFT, ACTIVE, ARCHIVED)


class Product(db.Model):
    """Something a group sells, in one or more variants (sizes, weights)."""

    __tablename__ = "product"

    id = db.Column(db.Integer, primary_key=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), nullable=False, index=True)
    category_id = db.Column(db.ForeignKey("category.id"), index=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    name_th = db.Column(db.String(200), nullable=False)
    name_en = db.Column(db.String(200), nullable=False, default="")
    summary_th = db.Column(db.String(300), nullable=False, default="")
    summary_en = db.Column(db.String(300), nullable=False, default="")
    description_th = db.Column(db.Text, nullable=False, default="")
    description_en = db.Column(db.Text, nullable=False, default="")
    status = db.Column(db.String(16), nullable=False, default=ProductStatus.ACTIVE)
    is_featured = db.Column(db.Boolean, nullable=False, default=False)
    # The Thai FDA registration number (เลข อย., 13 digits) of food that has one; "" otherwise.
    fda_number = db.Column(db.String(13), nullable=False, default="", server_default="")
    # Days from harvest or production to best-before; None: the label shows no best-before.
    shelf_life_days = db.Column(db.Integer)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    updated_at = db.Column(
        db.DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow
    )

    group = db.relationship("ProducerGroup", back_populates="products")
    category = db.relationship("Category")
    variants = db.relationship(
        "Variant", back_populates="product", order_by="Variant.position, Variant.id"
    )
    images = db.relationship(
        "ProductImage",
        back_populates="product",
        order_by="ProductImage.position, ProductImage.id",
    )
    claims = db.relationship(
        "Claim", back_populates="product", primaryjoin="Claim.product_id == Product.id"
    )

    __table_args__ = (
        CheckConstraint(f"status IN {ProductStatus.ALL!r}", name="status"),
        CheckConstraint(
            "shelf_life_days IS NULL OR shelf_life_days > 0", name="shelf_life_positive"
        ),
        Index("ix_product_status_created", "status", "created_at"),
    )

    def __repr__(self):
        return f"<Product {self.slug}>"


class ProductSlug(db.Model):
    """A slug a product had before: its old address redirects to the current one."""

    __tablename__ = "product_slug"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.ForeignKey("product.id"), nullable=False, index=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    product = db.relationship("Product")


class Variant(db.Model):
    """A sellable size of a product with its own price; stock lives in its lots."""

    __tablename__ = "variant"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.ForeignKey("product.id"), nullable=False, index=True)
    sku = db.Column(db.String(40), nullable=False, unique=True)
    label_th = db.Column(db.String(120), nullable=False)
    label_en = db.Column(db.String(120), nullable=False, default="")
    price_satang = db.Column(db.Integer, nullable=False)
    weight_grams = db.Column(db.Integer, nullable=False, default=0)
    position = db.Column(db.Integer, nullable=False, default=0)
    is_active = db.Column(db.Boolean, nullable=False, default=True)

    product = db.relationship("Product", back_populates="variants")
    lots = db.relationship("Lot", back_populates="variant", order_by="Lot.produced_on, Lot.id")

    __table_args__ = (
        CheckConstraint("price_satang > 0", name="price_positive"),
        CheckConstraint("weight_grams >= 0", name="weight_not_negative"),
    )

    @property
    def stock(self):
        """Units available across this variant's lots."""
        return sum(lot.available for lot in self.lots)


class LotKind:
    """Whether a lot was harvested or made."""

    HARVEST = "harvest"
    PRODUCTION = "production"
    ALL = (HARVEST, PRODUCTION)


class Lot(PlaceMixin, db.Model):
    """One harvest or production batch of one variant: provenance, stock and makers at once."""

    __tablename__ = "lot"

    id = db.Column(db.Integer, primary_key=True)
    code = db.Column(db.String(40), nullable=False, unique=True)
    variant_id = db.Column(db.ForeignKey("variant.id"), nullable=False, index=True)
    kind = db.Column(db.String(16), nullable=False, default=LotKind.HARVEST)
    produced_on = db.Column(db.Date, nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    available = db.Column(db.Integer, nullable=False)
    notes_th = db.Column(db.Text, nullable=False, default="")
    notes_en = db.Column(db.Text, nullable=False, default="")
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    variant = db.relationship("Variant", back_populates="lots")
    contributions = db.relationship(
        "LotContribution", back_populates="lot", cascade="all, delete-orphan"
    )
    claims = db.relationship("Claim", back_populates="lot", primaryjoin="Claim.lot_id == Lot.id")

    __table_args__ = (
        CheckConstraint("available >= 0", name="available_not_negative"),
        CheckConstraint("quantity >= 0", name="quantity_not_negative"),
        CheckConstraint(f"kind IN {LotKind.ALL!r}", name="kind"),
    )

    def __repr__(self):
        return f"<Lot {self.code}>"


class ContributionRole:
    """What a household did for a lot."""

    GROWER = "grower"
    WEAVER = "weaver"
    PROCESSOR = "processor"
    DYER = "dyer"
    PACKER = "packer"
    ALL = (GROWER, WEAVER, PROCESSOR, DYER, PACKER)


class LotContribution(db.Model):
    """How much one household supplied to a lot, and in what role."""

    __tablename__ = "lot_contribution"

    id = db.Column(db.Integer, primary_key=True)
    lot_id = db.Column(db.ForeignKey("lot.id"), nullable=False, index=True)
    household_id = db.Column(db.ForeignKey("household.id"), nullable=False, index=True)
    role = db.Column(db.String(16), nullable=False)
    quantity = db.Column(db.Integer, nullable=False)
    unit = db.Column(db.String(16), nullable=False, default="kg")

    lot = db.relationship("Lot", back_populates="contributions")
    household = db.relationship("Household", back_populates="contributions")

    __table_args__ = (
        UniqueConstraint("lot_id", "household_id", "role", name="uq_lot_contribution_role"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(f"role IN {ContributionRole.ALL!r}", name="role"),
    )


class ProductImage(db.Model):
    """A product photo, stored in several sizes under a server-generated key."""

    __tablename__ = "product_image"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.ForeignKey("product.id"), nullable=False, index=True)
    key = db.Column(db.String(64), nullable=False, unique=True)
    width = db.Column(db.Integer, nullable=False)
    height = db.Column(db.Integer, nullable=False)
    alt_th = db.Column(db.String(300), nullable=False, default="")
    alt_en = db.Column(db.String(300), nullable=False, default="")
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)
    # True from the upload until the `photo_sizes` job has stored every size: until
    # then only the cleaned original exists and pages show a placeholder.
    sizes_pending = db.Column(db.Boolean, nullable=False, default=False, server_default=false())

    product = db.relationship("Product", back_populates="images")


class ClaimKind:
    """What a claim says about the produce."""

    CHEMICAL_FREE = "chemical_free"
    ORGANIC_THAILAND = "organic_thailand"
    PGS = "pgs"
    GAP = "gap"
    Q_MARK = "q_mark"
    HANDMADE = "handmade"
    NATURAL_DYE = "natural_dye"
    OTOP = "otop"
    ALL = (CHEMICAL_FREE, ORGANIC_THAILAND, PGS, GAP, Q_MARK, HANDMADE, NATURAL_DYE, OTOP)


class ClaimStatus:
    """Where a claim stands in review; 'expired' is also derived from the end date."""

    SELF_DECLARED = "self_declared"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ALL = (SELF_DECLARED, PENDING, VERIFIED, REJECTED, REVOKED, EXPIRED)


class Claim(db.Model):
    """A statement about a group, product or lot (chemical-free, organic …) with its evidence."""

    __tablename__ = "claim"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(32), nullable=False, index=True)
    group_id = db.Column(db.ForeignKey("producer_group.id"), index=True)
    product_id = db.Column(db.ForeignKey("product.id"), index=True)
    lot_id = db.Column(db.ForeignKey("lot.id"), index=True)
    certificate_no = db.Column(db.String(80), nullable=False, default="")
    issuer = db.Column(db.String(200), nullable=False, default="")
    valid_from = db.Column(db.Date)
    valid_until = db.Column(db.Date)
    status = db.Column(db.String(16), nullable=False, default=ClaimStatus.SELF_DECLARED)
    details_th = db.Column(db.Text, nullable=False, default="")
    details_en = db.Column(db.Text, nullable=False, default="")
    decision_reason = db.Column(db.Text, nullable=False, default="")
    verified_by_id = db.Column(db.ForeignKey("user.id"))
    verified_at = db.Column(db.DateTime(timezone=True))
    created_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    group = db.relationship("ProducerGroup", back_populates="claims", foreign_keys=[group_id])
    product = db.relationship("Product", back_populates="claims", foreign_keys=[product_id])
    lot = db.relationship("Lot", back_populates="claims", foreign_keys=[lot_id])
    verified_by = db.relationship("User")
    evidence = db.relationship(
        "ClaimEvidence", back_populates="claim", cascade="all, delete-orphan"
    )

    __table_args__ = (
        # A claim is about exactly one subject.
        CheckConstraint(
            "(CASE WHEN group_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN product_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN lot_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_subject",
        ),
        CheckConstraint(f"status IN {ClaimStatus.ALL!r}", name="status"),
        CheckConstraint(f"kind IN {ClaimKind.ALL!r}", name="kind"),
        CheckConstraint(
            "valid_from IS NULL OR valid_until IS NULL OR valid_from <= valid_until",
            name="valid_range",
        ),
    )

    def effective_status(self, today=None):
        """The status a buyer should see today: a verified claim past its end date is expired."""
        today = today or bangkok_today()
        if self.status == ClaimStatus.VERIFIED:
            if self.valid_until is not None and self.valid_until < today:
                return ClaimStatus.EXPIRED
            if self.valid_from is not None and self.valid_from > today:
                return ClaimStatus.PENDING
        return self.status

    def is_verified(self, today=None):
        """True only for a verified claim inside its validity dates: the one that earns a badge."""
        return self.effective_status(today) == ClaimStatus.VERIFIED


class ClaimEvidence(db.Model):
    """A file backing a claim: a lab report, a certificate scan, an inspection photo."""

    __tablename__ = "claim_evidence"

    id = db.Column(db.Integer, primary_key=True)
    claim_id = db.Column(db.ForeignKey("claim.id"), nullable=False, index=True)
    key = db.Column(db.String(64), nullable=False, unique=True)
    original_name = db.Column(db.String(200), nullable=False, default="")
    content_type = db.Column(db.String(60), nullable=False)
    size_bytes = db.Column(db.Integer, nullable=False)
    description = db.Column(db.String(300), nullable=False, default="")
    uploaded_at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    claim = db.relationship("Claim", back_populates="evidence")


class CatalogState(db.Model):
    """One row whose version changes whenever anything a storefront page shows changes.

    Every worker keys its cache of rendered pages on this value, so a change
    committed by any worker, on any host, reaches every page at once.
    """

    __tablename__ = "catalog_state"

    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.String(32), nullable=False)


class CatalogListing(db.Model):
    """A product as the catalog page filters and sorts it: one row per product on the storefront.

    Derived data (`catalog.listing`), kept up in the transaction of every catalog
    write, so no foreign keys: `flask catalog listing` rebuilds it. A product is
    here when it is active, its group is active and it has an active variant
    (`min_price` is the lowest of their prices). Stock is not here: a sale or a
    restock never writes these rows. `category_id` is 0 for none.
    """

    __tablename__ = "catalog_listing"

    product_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    group_id = db.Column(db.Integer, nullable=False)
    category_id = db.Column(db.Integer, nullable=False)
    province_code = db.Column(db.String(2), nullable=False)
    created_at = db.Column(db.DateTime(timezone=True), nullable=False)
    min_price = db.Column(db.Integer, nullable=False)

    # One per filter the catalog offers and sort order it reads a page in, each holding
    # the columns the page's ids come from: a page, even a deep one, is read from an index.
    __table_args__ = (
        Index("ix_catalog_listing_new", "created_at", "product_id"),
        Index("ix_catalog_listing_price", "min_price", "product_id"),
        Index("ix_catalog_listing_category_new", "category_id", "created_at", "product_id"),
        Index("ix_catalog_listing_category_price", "category_id", "min_price", "product_id"),
        Index("ix_catalog_listing_province_new", "province_code", "created_at", "product_id"),
        Index("ix_catalog_listing_province_price", "province_code", "min_price", "product_id"),
        Index("ix_catalog_listing_group_new", "group_id", "created_at", "product_id"),
    )


class CatalogCount(db.Model):
    """How many listed products (`CatalogListing`) one group has in one category: the facets' sums.

    Kept up with the listing, rows of no products removed. The catalog's counts
    and facets (categories, provinces, groups) and its totals without a claim
    filter are sums of these rows, never a count over the products.
    """

    __tablename__ = "catalog_count"

    province_code = db.Column(db.String(2), primary_key=True)
    group_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    category_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    products = db.Column(db.Integer, nullable=False)


class CatalogClaim(db.Model):
    """A verified claim covering a listed product: the claim filter's and facet's rows.

    Derived data (`catalog.listing`), kept up in the transaction of every claim
    and catalog write: one row per verified claim and listed product it covers
    (its own, its lots' and, for a group's claim, each of the group's listed
    products). Whether a claim is in force depends on the day, so the rows keep
    its dates (none stored as the first and last day there is) and the queries
    compare them with today's under the (kind, valid_until, valid_from) index.
    """

    __tablename__ = "catalog_claim"

    claim_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    product_id = db.Column(db.Integer, primary_key=True, autoincrement=False)
    kind = db.Column(db.String(32), nullable=False)
    valid_from = db.Column(db.Date, nullable=False)
    valid_until = db.Column(db.Date, nullable=False)

    __table_args__ = (
        Index("ix_catalog_claim_kind", "kind", "valid_until", "valid_from", "product_id"),
        Index("ix_catalog_claim_product", "product_id"),
    )


class StockReason:
    """Why a lot's available stock was changed by hand."""

    DAMAGED = "damaged"
    COUNT_CORRECTION = "count_correction"
    RETURNED = "returned"
    OTHER = "other"
    ALL = (DAMAGED, COUNT_CORRECTION, RETURNED, OTHER)


class StockAdjustment(db.Model):
    """One hand-made change to a lot's available units, kept as history (never edited)."""

    __tablename__ = "stock_adjustment"

    id = db.Column(db.Integer, primary_key=True)
    lot_id = db.Column(db.ForeignKey("lot.id"), nullable=False, index=True)
    delta = db.Column(db.Integer, nullable=False)
    reason = db.Column(db.String(24), nullable=False)
    note = db.Column(db.String(300), nullable=False, default="")
    user_id = db.Column(db.ForeignKey("user.id"))
    at = db.Column(db.DateTime(timezone=True), nullable=False, default=utcnow)

    lot = db.relationship("Lot")
    user = db.relationship("User")

    __table_args__ = (
        CheckConstraint("delta <> 0", name="delta_not_zero"),
        CheckConstraint(f"reason IN {StockReason.ALL!r}", name="reason"),
    )
