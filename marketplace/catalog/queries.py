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
from functools import cache

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from ..extensions import db
from ..i18n import bangkok_today
from ..models import (
    CatalogClaim,
    CatalogCount,
    CatalogListing,
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    Lot,
    LotContribution,
    ProducerGroup,
    Product,
    ProductImage,
    ProductStatus,
    Variant,
)
from .claims import present_claims, verified_kinds
from .listing import visible_condition

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


@dataclass(frozen=True, slots=True)
class ListedGroup:
    """The group of a catalog card: what the card shows of it."""

    id: int
    slug: str
    name_th: str
    name_en: str
    province_code: str


@dataclass(frozen=True, slots=True)
class ListedImage:
    """A product's first photo, as a catalog card draws it (`macros/images.html`)."""

    id: int
    key: str
    width: int
    height: int
    alt_th: str
    alt_en: str
    sizes_pending: bool


@dataclass(frozen=True, slots=True)
class ListedProduct:
    """A catalog card's product: plain columns, no ORM object (`_catalog_cards`)."""

    id: int
    slug: str
    name_th: str
    name_en: str
    group_id: int
    group: ListedGroup
    images: tuple = ()


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
    return bangkok_today()


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
    return visible_condition()


LISTING = CatalogListing.__table__
COUNTS = CatalogCount.__table__
CLAIMS = CatalogClaim.__table__
NEWEST = (LISTING.c.created_at.desc(), LISTING.c.product_id.desc())
ORDERS = {
    "newest": NEWEST,
    "price_asc": (LISTING.c.min_price.asc(), LISTING.c.product_id.asc()),
    "price_desc": (LISTING.c.min_price.desc(), LISTING.c.product_id.desc()),
}


def _in_force(on):
    """SQL condition on the claim rows (`CatalogClaim`): the claim is valid on `on`."""
    return and_(CLAIMS.c.valid_until >= on, CLAIMS.c.valid_from <= on)


def covered_products(kind, on):
    """A SELECT of the ids of listed products a verified claim of `kind` covers on `on`.

    Its own claims, its lots' and its group's, from the claim rows kept with the
    listing (`listing.claim_rows`) under their (kind, valid_until, valid_from)
    index. May repeat an id; meant for `IN`.
    """
    return select(CLAIMS.c.product_id).where(CLAIMS.c.kind == kind, _in_force(on))


def _verified_kinds_by_product(products, on):
    """{product id: tuple of verified claim kinds} for these products, in one query.

    Three indexed parts (the products' own claims, their groups', their lots'),
    so only the claims of these products are read.
    """
    if not products:
        return {}
    ids = [p.id for p in products]
    group_ids = sorted({p.group_id for p in products})
    none = cast(null(), Integer)  # typed: PostgreSQL must know what the NULL is
    rows = db.session.execute(
        union_all(
            select(Claim.kind, Claim.product_id, none, none).where(
                verified_now(on), Claim.product_id.in_(ids)
            ),
            select(Claim.kind, none, Claim.group_id, none).where(
                verified_now(on), Claim.group_id.in_(group_ids)
            ),
            select(Claim.kind, none, none, Variant.product_id)
            .join(Lot, Claim.lot_id == Lot.id)
            .join(Variant, Lot.variant_id == Variant.id)
            .where(verified_now(on), Variant.product_id.in_(ids)),
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


def _cards(ids, on):
    """The product cards of these listed products, in this order, in a fixed number of queries.

    Price from the listing, stock summed over the lots of these products only.
    """
    ids = list(ids)
    if not ids:
        return []
    stock = (
        select(Variant.product_id, func.sum(Lot.available).label("stock"))
        .join(Lot, Lot.variant_id == Variant.id)
        .where(Variant.is_active.is_(True), Variant.product_id.in_(ids))
        .group_by(Variant.product_id)
        .subquery("stock")
    )
    rows = db.session.execute(
        select(Product, LISTING.c.min_price, func.coalesce(stock.c.stock, 0))
        .join(LISTING, LISTING.c.product_id == Product.id)
        .join(ProducerGroup, Product.group_id == ProducerGroup.id)
        .outerjoin(stock, stock.c.product_id == Product.id)
        .where(Product.id.in_(ids))
        .options(contains_eager(Product.group), selectinload(Product.images))
    ).all()
    position = {product_id: index for index, product_id in enumerate(ids)}
    rows.sort(key=lambda row: position[row[0].id])
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


def _listed_ids(statement):
    """The product ids a SELECT of listing ids returns."""
    return db.session.scalars(statement).all()


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
    """Categories that hold visible products, in shelf order, with their product counts.

    Sums of the count rows (`listing`), not a count of the products.
    """
    rows = db.session.execute(
        select(Category, func.sum(COUNTS.c.products))
        .join(COUNTS, COUNTS.c.category_id == Category.id)
        .group_by(Category.id)
        .having(func.sum(COUNTS.c.products) > 0)
        .order_by(Category.position, Category.name_th, Category.id)
    ).all()
    return [CategoryCount(category=category, count=int(count)) for category, count in rows]


def _covers_a_listed_product(kind, on):
    """SQL condition: a verified claim of `kind` covers a listed product on `on`.

    One probe of the claim rows' index, stopping at the first row in force.
    """
    return exists(select(CLAIMS.c.product_id).where(CLAIMS.c.kind == kind, _in_force(on)))


@dataclass(frozen=True, slots=True)
class FacetCategory:
    """A category as the catalog's filter offers it."""

    id: int
    slug: str
    name_th: str
    name_en: str
    position: int


@dataclass(frozen=True, slots=True)
class FacetGroup:
    """A producer group as the catalog's filter offers it."""

    id: int
    slug: str
    name_th: str
    name_en: str


FACET_CATEGORY, FACET_PROVINCE, FACET_GROUP, FACET_CLAIM = range(4)


@cache
def _facets_statement():
    """Every facet of the catalog in one statement, for the date bound as `on`.

    Rows (facet, id, slug, name_th, name_en, position, products), in each facet's
    order: categories with their counts and provinces and groups from the count
    rows; claim kinds by probes of the claims of each kind
    (`_covers_a_listed_product`). Built once: its shape never changes, and building
    it is most of its cost; one round trip instead of four.
    """
    on = bindparam("on", type_=Date)
    no_id = cast(null(), Integer)
    empty = literal("", String)
    facet = lambda n: literal(n, Integer).label("facet")  # noqa: E731
    total = func.sum(COUNTS.c.products)
    categories = (
        select(
            facet(FACET_CATEGORY),
            Category.id,
            Category.slug,
            Category.name_th,
            Category.name_en,
            Category.position,
            cast(total, Integer),
        )
        .join(COUNTS, COUNTS.c.category_id == Category.id)
        .group_by(Category.id, Category.slug, Category.name_th, Category.name_en)
        .having(total > 0)
    )
    provinces = (
        select(
            facet(FACET_PROVINCE),
            no_id,
            COUNTS.c.province_code,
            empty,
            empty,
            literal(0, Integer),
            no_id,
        )
        .where(COUNTS.c.province_code != "", COUNTS.c.products > 0)
        .group_by(COUNTS.c.province_code)
    )
    groups = select(
        facet(FACET_GROUP),
        ProducerGroup.id,
        ProducerGroup.slug,
        ProducerGroup.name_th,
        ProducerGroup.name_en,
        literal(0, Integer),
        no_id,
    ).where(ProducerGroup.id.in_(select(COUNTS.c.group_id).where(COUNTS.c.products > 0)))
    kinds = [
        select(
            facet(FACET_CLAIM),
            no_id,
            literal(kind, String),
            empty,
            empty,
            literal(0, Integer),
            no_id,
        ).where(_covers_a_listed_product(kind, on))
        for kind in ClaimKind.ALL
    ]
    rows = union_all(categories, provinces, groups, *kinds).subquery("facets")
    columns = rows.c
    return select(*columns).order_by(columns[0], columns[5], columns[3], columns[1], columns[2])


def catalog_facets(on):
    """Every value the catalog filters can take, in one statement (`_facets_statement`).

    Categories, provinces and groups from the count rows; claim kinds by
    probes of the claims of each kind.
    """
    facets = Facets()
    found_kinds = set()
    for row in db.session.execute(_facets_statement(), {"on": on}):
        which, id_, slug, name_th, name_en, position, products = row
        if which == FACET_CATEGORY:
            category = FacetCategory(id_, slug, name_th, name_en, position)
            facets.categories.append(CategoryCount(category=category, count=int(products)))
        elif which == FACET_PROVINCE:
            facets.provinces.append(slug)
        elif which == FACET_GROUP:
            facets.groups.append(FacetGroup(id_, slug, name_th, name_en))
        else:
            found_kinds.add(slug)
    facets.claim_kinds.extend(kind for kind in ClaimKind.ALL if kind in found_kinds)
    return facets


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


# The columns a page is sorted by, per sort: (column of the listing, descending?).
SORT_KEYS = {
    "newest": (("created_at", True), ("product_id", True)),
    "price_asc": (("min_price", False), ("product_id", False)),
    "price_desc": (("min_price", True), ("product_id", True)),
}


def _sorted_by(source, sort):
    return [
        source.c[name].desc() if descending else source.c[name].asc()
        for name, descending in SORT_KEYS[sort]
    ]


@cache
def _catalog_statement(category, province, group, claim, sort):
    """The statement giving a catalog page's total and cards, for this shape of filters.

    Built once per shape (which filters are set, the sort), with every value bound:
    `category_id`, `province`, `group_id`, `kind`, `on`, `limit`, `offset`. One row
    per card, each with the total; a single row of NULLs beside the total when the
    page is empty, so the total comes back either way. Without a claim filter the
    total is a sum of count rows and the page's ids come from the listing's index;
    with one, the covered listed products are found once (a CTE used twice, so
    materialized) and both the count and the page read them.
    """
    conditions = {LISTING: [], COUNTS: []}
    for table in conditions:
        if category:
            conditions[table].append(table.c.category_id == bindparam("category_id"))
        if province:
            conditions[table].append(table.c.province_code == bindparam("province"))
        if group:
            conditions[table].append(table.c.group_id == bindparam("group_id"))
    columns = (LISTING.c.product_id, LISTING.c.created_at, LISTING.c.min_price)
    if claim:
        on = bindparam("on", type_=Date)
        source = (
            select(*columns)
            .where(
                *conditions[LISTING],
                LISTING.c.product_id.in_(covered_products(bindparam("kind"), on)),
            )
            .cte("matching")
        )
        total = select(func.count()).select_from(source).scalar_subquery()
        rows = select(*source.c)
    else:
        source = LISTING
        total = select(func.coalesce(func.sum(COUNTS.c.products), 0)).where(*conditions[COUNTS])
        total = total.scalar_subquery()
        rows = select(*columns).where(*conditions[LISTING])
    page = (
        rows.order_by(*_sorted_by(source, sort))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
        .subquery("page")
    )
    stock = (
        select(func.coalesce(func.sum(Lot.available), 0))
        .select_from(Lot)
        .join(Variant, Variant.id == Lot.variant_id)
        .where(Variant.product_id == Product.id, Variant.is_active.is_(True))
        .correlate(Product)
        .scalar_subquery()
    )
    first_image = (
        select(ProductImage.id)
        .where(ProductImage.product_id == Product.id)
        .order_by(ProductImage.position, ProductImage.id)
        .limit(1)
        .correlate(Product)
        .scalar_subquery()
    )
    cards = (
        select(
            page.c.product_id,
            page.c.created_at,
            page.c.min_price,
            Product.slug,
            Product.name_th,
            Product.name_en,
            Product.group_id,
            ProducerGroup.slug.label("group_slug"),
            ProducerGroup.name_th.label("group_name_th"),
            ProducerGroup.name_en.label("group_name_en"),
            ProducerGroup.province_code,
            stock.label("stock"),
            ProductImage.id.label("image_id"),
            ProductImage.key.label("image_key"),
            ProductImage.width.label("image_width"),
            ProductImage.height.label("image_height"),
            ProductImage.alt_th.label("image_alt_th"),
            ProductImage.alt_en.label("image_alt_en"),
            ProductImage.sizes_pending.label("image_pending"),
        )
        .select_from(page)
        .join(Product, Product.id == page.c.product_id)
        .join(ProducerGroup, ProducerGroup.id == Product.group_id)
        .outerjoin(ProductImage, ProductImage.id == first_image)
        .subquery("cards")
    )
    totals = select(total.label("total")).subquery("totals")
    return (
        select(totals.c.total, *cards.c)
        .select_from(totals.outerjoin(cards, true()))
        .order_by(*_sorted_by(cards, sort))
    )


def _listed_product(row):
    image = ()
    if row.image_id is not None:
        image = (
            ListedImage(
                id=row.image_id,
                key=row.image_key,
                width=row.image_width,
                height=row.image_height,
                alt_th=row.image_alt_th,
                alt_en=row.image_alt_en,
                sizes_pending=bool(row.image_pending),
            ),
        )
    return ListedProduct(
        id=row.product_id,
        slug=row.slug,
        name_th=row.name_th,
        name_en=row.name_en,
        group_id=row.group_id,
        group=ListedGroup(
            id=row.group_id,
            slug=row.group_slug,
            name_th=row.group_name_th,
            name_en=row.group_name_en,
            province_code=row.province_code,
        ),
        images=image,
    )


def catalog_page(filters, page_size, on=None):
    """One page of visible products matching `filters`, with facets, in a fixed number of queries.

    Unknown filter values are ignored and an out-of-range page is clamped, so
    no address a buyer can type makes this fail. The total and the cards come
    from one statement (`_catalog_statement`) of plain columns, no ORM objects;
    the cards' verified claim kinds from one more.
    """
    on = on or today()
    facets = catalog_facets(on)
    filters = _known_filters(filters, facets)
    values = {"on": on, "kind": filters.claim, "province": filters.province}
    if filters.category:
        values["category_id"] = next(
            c.category.id for c in facets.categories if c.category.slug == filters.category
        )
    if filters.group:
        values["group_id"] = next(g.id for g in facets.groups if g.slug == filters.group)
    statement = _catalog_statement(
        bool(filters.category),
        bool(filters.province),
        bool(filters.group),
        bool(filters.claim),
        filters.sort,
    )
    page = max(1, filters.page)
    while True:
        rows = db.session.execute(
            statement, {**values, "limit": page_size, "offset": (page - 1) * page_size}
        ).all()
        total = int(rows[0].total or 0)
        pages = max(1, -(-total // page_size))
        if page <= pages:
            break
        page = pages  # past the last page: show the last one
    filters = replace(filters, page=page)
    rows = [row for row in rows if row.product_id is not None]
    products = [_listed_product(row) for row in rows]
    kinds = _verified_kinds_by_product(products, on)
    cards = [
        ProductCard(
            product=product,
            min_price=row.min_price,
            stock=int(row.stock or 0),
            verified_kinds=kinds.get(product.id, ()),
        )
        for product, row in zip(products, rows, strict=True)
    ]
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
    newest = select(LISTING.c.product_id).order_by(*NEWEST).limit(limit)
    ids = _listed_ids(
        newest.join(Product, Product.id == LISTING.c.product_id).where(
            Product.is_featured.is_(True)
        )
    )
    cards = _cards(ids or _listed_ids(newest), on)
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
    cards = _cards(
        _listed_ids(
            select(LISTING.c.product_id).where(LISTING.c.group_id == group.id).order_by(*NEWEST)
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
