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
lots of the products on the page). Claims are not either: whether a verified
claim covers a product depends on today's date, so the claim filter reads the
claims of that kind through their indexes (`queries.covered_products`).

`rebuild()` (the `flask catalog listing` command, and the migration's backfill)
recomputes both tables from the catalog; `differences()` compares them with it.
"""

from sqlalchemy import and_, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from .. import derived
from ..extensions import db
from ..models import (
    CatalogCount,
    CatalogListing,
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

# The attributes whose change can move a product onto, off or across the listing.
_PRODUCT_FIELDS = ("status", "group_id", "category_id", "created_at")
_VARIANT_FIELDS = ("product_id", "is_active", "price_satang")
_GROUP_FIELDS = ("is_active", "province_code")


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


def count_rows(listing):
    """SELECT the count rows (COUNT_KEY, products) of a listing table or subquery."""
    key = [listing.c[name] for name in COUNT_KEY]
    return select(*key, func.count().label("products")).group_by(*key)


# -- keeping them up ---------------------------------------------------------------------------


def _changed(obj, fields):
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


def touched(session):
    """(product ids, group ids) whose listing rows this flush may have changed."""
    products, groups = set(), set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Product):
            products.add(obj.id)
        elif isinstance(obj, Variant):
            products.add(obj.product_id)
    for obj in session.dirty:
        if isinstance(obj, Product) and _changed(obj, _PRODUCT_FIELDS):
            products.add(obj.id)
        elif isinstance(obj, Variant) and _changed(obj, _VARIANT_FIELDS):
            products.add(obj.product_id)
            products.update(inspect(obj).attrs.product_id.history.deleted or ())
        elif isinstance(obj, ProducerGroup) and _changed(obj, _GROUP_FIELDS):
            groups.add(obj.id)
    products.discard(None)
    return products, groups


def refresh(connection, product_ids=(), group_ids=()):
    """Recompute the listing rows of these products (and every product of these groups).

    Rows that changed are replaced and their counts moved; returns how many changed.
    """
    ids = set(product_ids)
    if group_ids:
        ids.update(
            connection.execute(
                select(Product.id).where(Product.group_id.in_(sorted(group_ids)))
            ).scalars()
        )
    if not ids:
        return 0
    ids = sorted(ids)
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
    """The listing and counts follow every catalog write, in the same transaction."""
    products, groups = touched(session)
    if products or groups:
        refresh(session.connection(), products, groups)


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
    return listed + counted


def differences(session=None, limit=20):
    """(number of rows that differ, up to `limit` of them) between both tables and the catalog.

    Each row: ("stored" | "catalog", "listing" | "count", *columns).
    """
    connection = (session or db.session).connection()
    listing, counts = CatalogListing.__table__, CatalogCount.__table__
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
    )
    total, sample = 0, []
    for table, stored, found in pairs:
        count, rows = derived.differences(connection, stored, found, limit, found_side="catalog")
        total += count
        sample += [(row[0], table, *row[1:]) for row in rows]
    return total, sample[:limit]
