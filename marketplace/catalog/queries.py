"""Read queries for the storefront: each page's data in a fixed number of SQL statements.

Every function here takes plain values and returns plain dataclasses holding
ORM rows whose relationships the page needs are already loaded, so rendering
a page never triggers a lazy load. Prices and stock come from aggregate
subqueries, claims for a page of products from one query: the number of
statements does not grow with the number of products shown.

A product is *visible* on the storefront when it is ACTIVE, its group is
active and it has at least one active variant (something to buy).
"""

from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, distinct, exists, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db
from ..models import (
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    ProductStatus,
    Variant,
)
from .claims import present_claims, verified_kinds

SORTS = ("newest", "price_asc", "price_desc")
DEFAULT_SORT = "newest"
HOME_FEATURED_LIMIT = 8


@dataclass(frozen=True)
class CatalogFilters:
    """What the buyer asked the catalog for; empty strings mean "any"."""

    category: str = ""
    province: str = ""
    group: str = ""
    claim: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1

    def args(self, **changes):
        """The non-default values as URL query arguments, with `changes` applied."""
        values = replace(self, **changes)
        args = {
            name: getattr(values, name)
            for name in ("category", "province", "group", "claim")
            if getattr(values, name)
        }
        if values.sort != DEFAULT_SORT:
            args["sort"] = values.sort
        if values.page != 1:
            args["page"] = values.page
        return args

    @property
    def active(self):
        """True when any filter (not the sort) narrows the catalog."""
        return bool(self.category or self.province or self.group or self.claim)


@dataclass(frozen=True)
class ProductCard:
    """What a product tile shows: the product (group and images loaded), price, stock, badges."""

    product: Product
    min_price: int
    stock: int
    verified_kinds: tuple = ()

    @property
    def in_stock(self):
        """True when at least one unit of an active variant is available."""
        return self.stock > 0

    @property
    def image(self):
        """The first photo, or None."""
        return self.product.images[0] if self.product.images else None


@dataclass(frozen=True)
class CategoryCount:
    """A category with the number of visible products on its shelf."""

    category: Category
    count: int


@dataclass(frozen=True)
class Facets:
    """The values the catalog filters can take, each with at least one visible product."""

    categories: list = field(default_factory=list)
    provinces: list = field(default_factory=list)
    groups: list = field(default_factory=list)
    claim_kinds: list = field(default_factory=list)


@dataclass(frozen=True)
class CatalogPage:
    """One page of the catalog and everything needed to draw its filters and pager."""

    cards: list
    total: int
    page: int
    pages: int
    filters: CatalogFilters
    facets: Facets


@dataclass(frozen=True)
class HomePage:
    """The front page: featured groups and products, and the shelves."""

    groups: list
    cards: list
    categories: list


@dataclass(frozen=True)
class VariantOffer:
    """A variant with its stock (sum of its lots' available units) and current lot."""

    variant: Variant
    stock: int
    current_lot: Lot | None

    @property
    def in_stock(self):
        """True when a unit can be sold."""
        return self.stock > 0


@dataclass(frozen=True)
class ProductPage:
    """Everything the product page shows."""

    product: Product
    offers: list
    current_lot: Lot | None
    place: object
    claims: list
    verified_kinds: list
    households: int

    @property
    def min_price(self):
        """The lowest price among active variants, or None."""
        return min((o.variant.price_satang for o in self.offers), default=None)

    @property
    def in_stock(self):
        """True when any variant can be sold."""
        return any(o.in_stock for o in self.offers)


@dataclass(frozen=True)
class GroupPage:
    """Everything the group page shows."""

    group: ProducerGroup
    cards: list
    claims: list
    verified_kinds: list
    households: int


@dataclass(frozen=True)
class LotPage:
    """Everything the public lot page (the QR code's target) shows."""

    lot: Lot
    product: Product
    group: ProducerGroup
    place: object
    claims: list
    verified_kinds: list
    households: int
    roles: list
    product_listed: bool
    group_listed: bool


def today():
    """Today's date, as Claim.effective_status sees it."""
    return date.today()


# -- building blocks -------------------------------------------------------------------------


def verified_now(on):
    """SQL condition: the claim is verified and inside its validity dates on `on`.

    Mirrors Claim.is_verified(), so SQL filters and the badges agree.
    """
    return and_(
        Claim.status == ClaimStatus.VERIFIED,
        or_(Claim.valid_from.is_(None), Claim.valid_from <= on),
        or_(Claim.valid_until.is_(None), Claim.valid_until >= on),
    )


def _visible_condition():
    """SQL condition on Product joined to ProducerGroup: shown on the storefront."""
    return and_(
        Product.status == ProductStatus.ACTIVE,
        ProducerGroup.is_active.is_(True),
    )


def _price_subquery():
    """Lowest active variant price per product; products without one do not appear."""
    return (
        select(Variant.product_id, func.min(Variant.price_satang).label("min_price"))
        .where(Variant.is_active.is_(True))
        .group_by(Variant.product_id)
        .subquery("price")
    )


def _stock_subquery():
    """Units available per product, across its active variants' lots."""
    return (
        select(Variant.product_id, func.sum(Lot.available).label("stock"))
        .join(Lot, Lot.variant_id == Variant.id)
        .where(Variant.is_active.is_(True))
        .group_by(Variant.product_id)
        .subquery("stock")
    )


def _visible_product_ids():
    """A SELECT of the ids of every visible product."""
    price = _price_subquery()
    return (
        select(Product.id)
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .join(price, price.c.product_id == Product.id)
        .where(_visible_condition())
    )


def _card_statement():
    """Visible products with their lowest price and stock, group and images eagerly loaded."""
    price = _price_subquery()
    stock = _stock_subquery()
    statement = (
        select(
            Product,
            price.c.min_price,
            func.coalesce(stock.c.stock, 0).label("stock"),
        )
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .join(price, price.c.product_id == Product.id)
        .outerjoin(stock, stock.c.product_id == Product.id)
        .where(_visible_condition())
        .options(contains_eager(Product.group), selectinload(Product.images))
    )
    return statement, price


def _claim_covers_product(kind, on):
    """SQL condition on Product: a verified claim of `kind` covers it, its group or a lot."""
    lot_ids = (
        select(Lot.id)
        .join(Variant, Lot.variant_id == Variant.id)
        .where(Variant.product_id == Product.id)
        .correlate(Product)
    )
    return exists(
        select(Claim.id)
        .where(
            Claim.kind == kind,
            verified_now(on),
            or_(
                Claim.product_id == Product.id,
                Claim.group_id == Product.group_id,
                Claim.lot_id.in_(lot_ids),
            ),
        )
        .correlate(Product)
    )


def _verified_kinds_by_product(products, on):
    """{product id: tuple of verified claim kinds} for these products, in one query."""
    if not products:
        return {}
    ids = [p.id for p in products]
    group_ids = sorted({p.group_id for p in products})
    rows = db.session.execute(
        select(
            Claim.kind,
            Claim.product_id,
            Claim.group_id,
            Variant.product_id.label("lot_product_id"),
        )
        .outerjoin(Lot, Claim.lot_id == Lot.id)
        .outerjoin(Variant, Lot.variant_id == Variant.id)
        .where(
            verified_now(on),
            or_(
                Claim.product_id.in_(ids),
                Claim.group_id.in_(group_ids),
                Variant.product_id.in_(ids),
            ),
        )
    ).all()
    by_group = {}
    for product in products:
        by_group.setdefault(product.group_id, []).append(product.id)
    kinds = {product_id: set() for product_id in ids}
    for kind, product_id, group_id, lot_product_id in rows:
        targets = []
        if product_id is not None:
            targets = [product_id]
        elif lot_product_id is not None:
            targets = [lot_product_id]
        elif group_id is not None:
            targets = by_group.get(group_id, [])
        for target in targets:
            if target in kinds:
                kinds[target].add(kind)
    return {product_id: tuple(sorted(found)) for product_id, found in kinds.items()}


def verified_kinds_of(products, on=None):
    """{product id: verified claim kinds} of these products (own, group's, lots'), one query."""
    return _verified_kinds_by_product(products, on or today())


def _cards(statement, on):
    """Run a card statement and attach each product's verified claim kinds."""
    rows = db.session.execute(statement).all()
    products = [row[0] for row in rows]
    kinds = _verified_kinds_by_product(products, on)
    return [
        ProductCard(
            product=product,
            min_price=min_price,
            stock=int(stock or 0),
            verified_kinds=kinds.get(product.id, ()),
        )
        for product, min_price, stock in rows
    ]


def _households_count(condition):
    """Distinct households among lot contributions matching `condition` (a Lot/Variant clause).

    Counts ids only: no household row, and never household_personal, is read.
    """
    return (
        db.session.scalar(
            select(func.count(distinct(LotContribution.household_id)))
            .join(Lot, LotContribution.lot_id == Lot.id)
            .join(Variant, Lot.variant_id == Variant.id)
            .where(condition)
        )
        or 0
    )


def current_lot(lots):
    """The lot being sold now: the oldest with units left, else the newest; None if no lots."""
    lots = list(lots)
    if not lots:
        return None
    available = [lot for lot in lots if lot.available > 0]
    if available:
        return min(available, key=lambda lot: (lot.produced_on, lot.id))
    return max(lots, key=lambda lot: (lot.produced_on, lot.id))


def _place_of(lot, group):
    """Where something was grown or made: the lot's place, else its group's."""
    if lot is not None and lot.province_code:
        return lot
    return group


# -- facets ----------------------------------------------------------------------------------


def categories_with_counts():
    """Categories that hold visible products, in shelf order, with their product counts."""
    visible = _visible_product_ids().subquery()
    rows = db.session.execute(
        select(Category, func.count(Product.id))
        .join(Product, Product.category_id == Category.id)
        .join(visible, visible.c.id == Product.id)
        .group_by(Category.id)
        .order_by(Category.position, Category.name_th, Category.id)
    ).all()
    return [CategoryCount(category=category, count=count) for category, count in rows]


def catalog_facets(on):
    """Every value the catalog filters can take, in four queries."""
    visible = _visible_product_ids()
    provinces = db.session.scalars(
        select(ProducerGroup.province_code)
        .distinct()
        .join(Product, Product.group_id == ProducerGroup.id)
        .where(Product.id.in_(visible), ProducerGroup.province_code != "")
        .order_by(ProducerGroup.province_code)
    ).all()
    groups = db.session.scalars(
        select(ProducerGroup)
        .where(
            ProducerGroup.id.in_(
                select(Product.group_id).where(Product.id.in_(_visible_product_ids()))
            )
        )
        .order_by(ProducerGroup.name_th, ProducerGroup.id)
    ).all()
    lot_ids = (
        select(Lot.id)
        .join(Variant, Lot.variant_id == Variant.id)
        .where(Variant.product_id.in_(_visible_product_ids()))
    )
    found = set(
        db.session.scalars(
            select(Claim.kind)
            .distinct()
            .where(
                verified_now(on),
                or_(
                    Claim.product_id.in_(_visible_product_ids()),
                    Claim.group_id.in_(
                        select(Product.group_id).where(Product.id.in_(_visible_product_ids()))
                    ),
                    Claim.lot_id.in_(lot_ids),
                ),
            )
        ).all()
    )
    claim_kinds = [kind for kind in ClaimKind.ALL if kind in found]
    return Facets(
        categories=categories_with_counts(),
        provinces=list(provinces),
        groups=list(groups),
        claim_kinds=claim_kinds,
    )


def _known_filters(filters, facets):
    """The filters with every value the catalog does not offer dropped (never an error)."""
    category_slugs = {c.category.slug for c in facets.categories}
    group_slugs = {g.slug for g in facets.groups}
    return replace(
        filters,
        category=filters.category if filters.category in category_slugs else "",
        province=filters.province if filters.province in facets.provinces else "",
        group=filters.group if filters.group in group_slugs else "",
        claim=filters.claim if filters.claim in facets.claim_kinds else "",
        sort=filters.sort if filters.sort in SORTS else DEFAULT_SORT,
    )


# -- pages -----------------------------------------------------------------------------------


def catalog_page(filters, page_size, on=None):
    """One page of visible products matching `filters`, with facets, in a fixed number of queries.

    Unknown filter values are ignored and an out-of-range page is clamped, so
    no address a buyer can type makes this fail.
    """
    on = on or today()
    facets = catalog_facets(on)
    filters = _known_filters(filters, facets)

    statement, price = _card_statement()
    if filters.category:
        category = next(
            c.category for c in facets.categories if c.category.slug == filters.category
        )
        statement = statement.where(Product.category_id == category.id)
    if filters.province:
        statement = statement.where(ProducerGroup.province_code == filters.province)
    if filters.group:
        group = next(g for g in facets.groups if g.slug == filters.group)
        statement = statement.where(Product.group_id == group.id)
    if filters.claim:
        statement = statement.where(_claim_covers_product(filters.claim, on))

    total = db.session.scalar(
        select(func.count()).select_from(
            statement.with_only_columns(Product.id).options().order_by(None).subquery()
        )
    )
    pages = max(1, -(-total // page_size))
    page = min(max(1, filters.page), pages)
    filters = replace(filters, page=page)

    if filters.sort == "price_asc":
        order = (price.c.min_price.asc(), Product.id.asc())
    elif filters.sort == "price_desc":
        order = (price.c.min_price.desc(), Product.id.desc())
    else:
        order = (Product.created_at.desc(), Product.id.desc())
    statement = statement.order_by(*order).limit(page_size).offset((page - 1) * page_size)
    cards = _cards(statement, on) if total else []
    return CatalogPage(
        cards=cards, total=total, page=page, pages=pages, filters=filters, facets=facets
    )


def home_page(on=None, limit=HOME_FEATURED_LIMIT):
    """Featured groups and products (newest products when none is featured), and the shelves."""
    on = on or today()
    groups = db.session.scalars(
        select(ProducerGroup)
        .where(ProducerGroup.is_active.is_(True), ProducerGroup.is_featured.is_(True))
        .order_by(ProducerGroup.name_th, ProducerGroup.id)
        .limit(limit)
    ).all()
    statement, _ = _card_statement()
    newest = (Product.created_at.desc(), Product.id.desc())
    cards = _cards(
        statement.where(Product.is_featured.is_(True)).order_by(*newest).limit(limit), on
    )
    if not cards:
        cards = _cards(statement.order_by(*newest).limit(limit), on)
    return HomePage(groups=list(groups), cards=cards, categories=categories_with_counts())


def product_page(slug, on=None):
    """The visible product with this slug and everything its page shows, or None."""
    on = on or today()
    product = db.session.scalars(
        select(Product)
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .where(Product.slug == slug, _visible_condition())
        .options(
            contains_eager(Product.group),
            # Joined, not selected apart: a selectin load of one many-to-one row is skipped
            # or not depending on what the session still holds, so its cost varied.
            joinedload(Product.category),
            selectinload(Product.images),
            selectinload(Product.variants).selectinload(Variant.lots),
        )
    ).first()
    if product is None:
        return None
    offers = []
    for variant in product.variants:
        if not variant.is_active:
            continue
        stock = sum(lot.available for lot in variant.lots)
        offers.append(
            VariantOffer(variant=variant, stock=stock, current_lot=current_lot(variant.lots))
        )
    lot = current_lot(lot for offer in offers for lot in offer.variant.lots)
    current_lot_ids = sorted({o.current_lot.id for o in offers if o.current_lot is not None})
    claims = db.session.scalars(
        select(Claim)
        .where(
            or_(
                Claim.product_id == product.id,
                Claim.group_id == product.group_id,
                Claim.lot_id.in_(current_lot_ids),
            )
        )
        .options(selectinload(Claim.lot))
        .order_by(Claim.id)
    ).all()
    views = present_claims(claims, on)
    households = _households_count(Variant.product_id == product.id)
    return ProductPage(
        product=product,
        offers=offers,
        current_lot=lot,
        place=_place_of(lot, product.group),
        claims=views,
        verified_kinds=verified_kinds(views),
        households=households,
    )


def group_page(slug, on=None):
    """The active group with this slug, its visible products and claims, or None."""
    on = on or today()
    group = db.session.scalars(
        select(ProducerGroup).where(ProducerGroup.slug == slug, ProducerGroup.is_active.is_(True))
    ).first()
    if group is None:
        return None
    statement, _ = _card_statement()
    cards = _cards(
        statement.where(Product.group_id == group.id).order_by(
            Product.created_at.desc(), Product.id.desc()
        ),
        on,
    )
    claims = db.session.scalars(
        select(Claim).where(Claim.group_id == group.id).order_by(Claim.id)
    ).all()
    views = present_claims(claims, on)
    households = _households_count(
        Variant.product_id.in_(select(Product.id).where(Product.group_id == group.id))
    )
    return GroupPage(
        group=group,
        cards=cards,
        claims=views,
        verified_kinds=verified_kinds(views),
        households=households,
    )


def lot_page(code, on=None):
    """The lot with this code and what its public page shows, or None.

    A lot page outlives its listing: the QR code stays on packages after a
    product is archived or its group paused, so only lots of draft products
    (never published) are hidden. `product_listed` and `group_listed` say
    whether linking to the product and group pages makes sense.
    """
    on = on or today()
    lot = db.session.scalars(
        select(Lot)
        .join(Variant, Lot.variant_id == Variant.id)
        .join(Product, Variant.product_id == Product.id)
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .where(Lot.code == code, Product.status != ProductStatus.DRAFT)
        .options(
            contains_eager(Lot.variant)
            .contains_eager(Variant.product)
            .contains_eager(Product.group)
        )
    ).first()
    if lot is None:
        return None
    product = lot.variant.product
    group = product.group
    claims = db.session.scalars(
        select(Claim)
        .where(
            or_(
                Claim.lot_id == lot.id,
                Claim.product_id == product.id,
                Claim.group_id == group.id,
            )
        )
        .order_by(Claim.id)
    ).all()
    views = present_claims(claims, on)
    roles = db.session.execute(
        select(LotContribution.role, func.count(distinct(LotContribution.household_id)))
        .where(LotContribution.lot_id == lot.id)
        .group_by(LotContribution.role)
        .order_by(LotContribution.role)
    ).all()
    households = _households_count(Lot.id == lot.id)
    return LotPage(
        lot=lot,
        product=product,
        group=group,
        place=_place_of(lot, group),
        claims=views,
        verified_kinds=verified_kinds(views),
        households=households,
        roles=[(role, count) for role, count in roles],
        product_listed=product.status == ProductStatus.ACTIVE and group.is_active,
        group_listed=group.is_active,
    )
