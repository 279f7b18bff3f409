"""The storefront's listing and its counts, kept up in the transaction of every catalog write.

`CatalogListing` holds one row per product on the storefront (active, of an
active group, with an active variant): its group, category, province, creation
time and lowest price, which is everything the catalog page filters and sorts
by, under indexes that hold a page's ids. `CatalogCount` holds, per province,
group and category, how many listed products there are: the catalog's facets
and totals are sums of these few rows, never a count over the products.

Keeping them up
---------------
Every flush that creates, edits, archives, publishes or deletes a product,
adds or changes a variant (its price, whether it is offered), or changes a
group's province or whether it is shown, recomputes the listing rows of the
products it touched (`after_flush` below), in the same transaction: the rows
that changed are replaced and the counts get the difference (an upsert that
adds to the stored count: concurrent writers never lose each other's). Those
flushes also take the catalog state row's lock first (`cache.bump_catalog_version`),
so two catalog writes never compute the same product's rows at once.

Stock is not part of either table: a checkout, a cancelled order or a restock
changes lots only and never writes here (the page's "in stock" comes from the
lots of the products on the page).

`CatalogClaim` holds one row per verified claim and listed product it covers
(its own, its lots', its group's) with the claim's kind and dates: the claim
filter and the claim-kind facet read these rows under their (kind, valid_until,
valid_from) index, comparing the dates with today's, so a claim that expired
stops counting on its last day without any write. Its rows follow every flush
that touches a claim (by claim) and every listing refresh (by product).

`rebuild()` (the `flask catalog listing` command, and the migrations' backfill)
recomputes the three tables from the catalog; `differences()` compares them with it.
"""

from datetime import date

from sqlalchemy import Date, and_, delete, event, func, insert, inspect, literal, select, union_all
from sqlalchemy.orm import Session

from .. import derived
from ..extensions import db
from ..models import (
    CatalogClaim,
    CatalogCount,
    CatalogListing,
    Claim,
    ClaimStatus,
    Lot,
    ProducerGroup,
    Product,
    ProductStatus,
    Variant,
)

LISTING_COLUMNS = (
    "product_id",
    "group_id",
    "category_id",
    "province_code",
    "created_at",
    "min_price",
)
COUNT_KEY = ("province_code", "group_id", "category_id")
CLAIM_COLUMNS = ("claim_id", "product_id", "kind", "valid_from", "valid_until")
# A claim with no start or no end date is stored with these: the index compares dates only.
FIRST_DAY = date(1, 1, 1)
LAST_DAY = date(9999, 12, 31)

# The attributes whose change can move a product onto, off or across the listing.
_PRODUCT_FIELDS = ("status", "group_id", "category_id", "created_at")
_VARIANT_FIELDS = ("product_id", "is_active", "price_satang")
_GROUP_FIELDS = ("is_active", "province_code")
_CLAIM_FIELDS = ("kind", "status", "valid_from", "valid_until", "product_id", "lot_id", "group_id")
_LOT_FIELDS = ("variant_id",)


def visible_condition():
    """SQL condition on Product joined to ProducerGroup: shown on the storefront."""
    return and_(
        Product.status == ProductStatus.ACTIVE,
        ProducerGroup.is_active.is_(True),
    )


def listing_rows(where=None):
    """SELECT the listing rows the catalog holds now (LISTING_COLUMNS), optionally some only."""
    statement = (
        select(
            Product.id.label("product_id"),
            Product.group_id.label("group_id"),
            func.coalesce(Product.category_id, 0).label("category_id"),
            ProducerGroup.province_code.label("province_code"),
            Product.created_at.label("created_at"),
            func.min(Variant.price_satang).label("min_price"),
        )
        .join(ProducerGroup, ProducerGroup.id == Product.group_id)
        .join(Variant, and_(Variant.product_id == Product.id, Variant.is_active.is_(True)))
        .where(visible_condition())
        .group_by(
            Product.id,
            Product.group_id,
            Product.category_id,
            ProducerGroup.province_code,
            Product.created_at,
        )
    )
    if where is not None:
        statement = statement.where(where)
    return statement


def claim_rows(claim_ids=None, product_ids=None):
    """SELECT the claim rows (CLAIM_COLUMNS) the catalog holds now, optionally some only.

    Verified claims and the listed products they cover: a product's own, its
    lots' (through their variant) and its group's. `claim_ids` and `product_ids`
    narrow it to those claims or those products.
    """
    listing = CatalogListing.__table__
    columns = (
        Claim.id.label("claim_id"),
        listing.c.product_id.label("product_id"),
        Claim.kind.label("kind"),
        func.coalesce(Claim.valid_from, literal(FIRST_DAY, Date)).label("valid_from"),
        func.coalesce(Claim.valid_until, literal(LAST_DAY, Date)).label("valid_until"),
    )
    conditions = [Claim.status == ClaimStatus.VERIFIED]
    if claim_ids is not None:
        conditions.append(Claim.id.in_(sorted(claim_ids)))
    if product_ids is not None:
        conditions.append(listing.c.product_id.in_(sorted(product_ids)))
    own = (
        select(*columns)
        .select_from(Claim)
        .join(listing, listing.c.product_id == Claim.product_id)
        .where(*conditions)
    )
    of_lots = (
        select(*columns)
        .select_from(Claim)
        .join(Lot, Lot.id == Claim.lot_id)
        .join(Variant, Variant.id == Lot.variant_id)
        .join(listing, listing.c.product_id == Variant.product_id)
        .where(*conditions)
    )
    of_groups = (
        select(*columns)
        .select_from(Claim)
        .join(listing, listing.c.group_id == Claim.group_id)
        .where(*conditions)
    )
    return union_all(own, of_lots, of_groups)


def count_rows(listing):
    """SELECT the count rows (COUNT_KEY, products) of a listing table or subquery."""
    key = [listing.c[name] for name in COUNT_KEY]
    return select(*key, func.count().label("products")).group_by(*key)


# -- keeping them up ---------------------------------------------------------------------------


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def touched(session):
    """(product, group, claim, lot ids) whose derived rows this flush may have changed."""
    products, groups, claims, lots = set(), set(), set(), set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, Variant):
            products.add(obj.product_id)
        elif isinstance(obj, Claim):
            claims.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Product) and _changed(obj, _PRODUCT_FIELDS):
            products.add(obj.id)
        elif isinstance(obj, Variant) and _changed(obj, _VARIANT_FIELDS):
            products.add(obj.product_id)
            products.update(inspect(obj).attrs.product_id.history.deleted or ())
        elif isinstance(obj, ProducerGroup) and _changed(obj, _GROUP_FIELDS):
            groups.add(obj.id)
        elif isinstance(obj, Claim) and _changed(obj, _CLAIM_FIELDS):
            claims.add(obj.id)
        elif isinstance(obj, Lot) and _changed(obj, _LOT_FIELDS):
            lots.add(obj.id)
    for found in (products, claims, lots):
        found.discard(None)
    return products, groups, claims, lots


def _with_groups_products(connection, product_ids, group_ids):
    ids = set(product_ids)
    if group_ids:
        ids.update(
            connection.execute(
                select(Product.id).where(Product.group_id.in_(sorted(group_ids)))
            ).scalars()
        )
    return ids


def refresh_claims(connection, claim_ids=(), product_ids=()):
    """Recompute the claim rows of these claims, then of these products (after their listing)."""
    table = CatalogClaim.__table__
    for column, ids, narrowed in (
        (table.c.claim_id, sorted(claim_ids), "claim_ids"),
        (table.c.product_id, sorted(product_ids), "product_ids"),
    ):
        if ids:
            connection.execute(delete(table).where(column.in_(ids)))
            connection.execute(
                insert(table).from_select(list(CLAIM_COLUMNS), claim_rows(**{narrowed: ids}))
            )


def refresh(connection, product_ids=(), group_ids=()):
    """Recompute the listing rows of these products (and every product of these groups).

    Rows that changed are replaced and their counts moved; returns how many changed.
    """
    ids = sorted(_with_groups_products(connection, product_ids, group_ids))
    if not ids:
        return 0
    listing = CatalogListing.__table__
    stored = select(*(listing.c[name] for name in LISTING_COLUMNS))
    old = {
        row[0]: tuple(row)
        for row in connection.execute(stored.where(listing.c.product_id.in_(ids)))
    }
    new = {row[0]: tuple(row) for row in connection.execute(listing_rows(Product.id.in_(ids)))}
    changed = [i for i in ids if old.get(i) != new.get(i)]
    if not changed:
        return 0
    deltas = {}
    for product_id in changed:
        for rows, step in ((old, -1), (new, 1)):
            if product_id in rows:
                row = dict(zip(LISTING_COLUMNS, rows[product_id], strict=True))
                key = tuple(row[name] for name in COUNT_KEY)
                deltas[key] = deltas.get(key, 0) + step
    gone = [i for i in changed if i in old]
    if gone:
        connection.execute(delete(listing).where(listing.c.product_id.in_(gone)))
    added = [dict(zip(LISTING_COLUMNS, new[i], strict=True)) for i in changed if i in new]
    if added:
        connection.execute(insert(listing), added)
    counts = CatalogCount.__table__
    moves = [  # in key order, so two writers never wait on each other's rows crosswise
        dict(zip(COUNT_KEY, key, strict=True), products=delta)
        for key, delta in sorted(deltas.items())
        if delta
    ]
    if moves:
        connection.execute(
            derived.adding_upsert(connection, counts, COUNT_KEY, ["products"]), moves
        )
        connection.execute(
            delete(counts).where(
                counts.c.products == 0,
                counts.c.group_id.in_(sorted({move["group_id"] for move in moves})),
            )
        )
    return len(changed)


@event.listens_for(Session, "after_flush")
def _keep_listing_up(session, _flush_context):
    """The listing, counts and claim rows follow every catalog write, in the same transaction."""
    products, groups, claims, lots = touched(session)
    if not (products or groups or claims or lots):
        return
    connection = session.connection()
    if products or groups:
        refresh(connection, products, groups)
    if lots:  # a lot moved to another variant: its claims now cover another product
        claims = claims | set(
            connection.execute(select(Claim.id).where(Claim.lot_id.in_(sorted(lots)))).scalars()
        )
    refresh_claims(connection, claims, _with_groups_products(connection, products, groups))


# -- rebuilding and checking -------------------------------------------------------------------


def rebuild(session=None):
    """Replace the listing and the counts by what the catalog holds; returns the rows written."""
    connection = (session or db.session).connection()
    listed = derived.replace_rows(
        connection, CatalogListing.__table__, LISTING_COLUMNS, listing_rows()
    )
    counted = derived.replace_rows(
        connection,
        CatalogCount.__table__,
        [*COUNT_KEY, "products"],
        count_rows(CatalogListing.__table__),
    )
    claimed = derived.replace_rows(connection, CatalogClaim.__table__, CLAIM_COLUMNS, claim_rows())
    return listed + counted + claimed


def differences(session=None, limit=20):
    """(number of rows that differ, up to `limit` of them) between the tables and the catalog.

    Each row: ("stored" | "catalog", "listing" | "count" | "claim", *columns).
    """
    connection = (session or db.session).connection()
    listing, counts = CatalogListing.__table__, CatalogCount.__table__
    claims, claimed = CatalogClaim.__table__, claim_rows().subquery()
    pairs = (
        (
            "listing",
            select(*(listing.c[name] for name in LISTING_COLUMNS)),
            listing_rows(),
        ),
        (
            "count",
            select(*(counts.c[name] for name in (*COUNT_KEY, "products"))),
            count_rows(listing_rows().subquery()),
        ),
        (
            "claim",
            select(*(claims.c[name] for name in CLAIM_COLUMNS)),
            select(*claimed.c),
        ),
    )
    total, sample = 0, []
    for table, stored, found in pairs:
        count, rows = derived.differences(connection, stored, found, limit, found_side="catalog")
        total += count
        sample += [(row[0], table, *row[1:]) for row in rows]
    return total, sample[:limit]
