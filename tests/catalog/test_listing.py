"""The catalog's counts, facets and pages, read from the listing and its counts, stay exact.

Random catalog changes (products created, moved between categories, archived,
published; variants offered or withdrawn, repriced; groups moved to another
province, paused, shown again; stock sold out and restocked; claims verified,
revoked, expired): after each, the listing and counts equal a recomputation
from the catalog (`listing.differences`), and every filter's total, the facets,
the first page's order in each sort and its cards (in stock, price, verified
claim kinds, group) equal what a direct count over the products (worked out
here in Python) gives.
"""

import importlib.util
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select, text

from marketplace.catalog import listing, queries
from marketplace.catalog.queries import CatalogFilters
from marketplace.catalog.service import adjust_stock
from marketplace.extensions import db
from marketplace.i18n import bangkok_today
from marketplace.models import (
    CatalogClaim,
    CatalogCount,
    CatalogListing,
    Category,
    Claim,
    ClaimKind,
    ClaimStatus,
    Lot,
    ProducerGroup,
    Product,
    ProductStatus,
    StockReason,
    Variant,
)
from marketplace.orders import stock

from .. import factories
from ..conftest import _empty_all_tables

PROVINCES = ("57", "58", "50")
KINDS = (ClaimKind.CHEMICAL_FREE, ClaimKind.ORGANIC_THAILAND, ClaimKind.HANDMADE)
PAGE_SIZE = 4


@pytest.fixture(autouse=True)
def _no_search_indexing(app, monkeypatch):
    """The search index is not under test here: skip its writes after each commit."""
    monkeypatch.setitem(app.extensions["marketplace_search"], "auto_index", False)


def _world():
    categories = [factories.make_category(position=i) for i in range(3)]
    groups = [factories.make_group(province_code=code) for code in PROVINCES]
    for i in range(4):
        factories.make_product(group=groups[i % 3], category=categories[i % 3], stock=5)
    db.session.commit()


def _pick(model, index, *conditions):
    rows = db.session.scalars(select(model).where(*conditions).order_by(model.id)).all()
    return rows[index % len(rows)] if rows else None


def _apply(operation):
    """Carry out one random change through the ORM or the domain functions, then commit."""
    kind, a, b, c = operation
    categories = db.session.scalars(select(Category).order_by(Category.id)).all()
    product = _pick(Product, a)
    if kind == "create":
        group = _pick(ProducerGroup, a)
        category = categories[b % 4] if b % 4 < 3 else None
        made = factories.make_product(
            group=group,
            category=category,
            variants=1 + c % 2,
            price_satang=1000 * (1 + b % 7),
            stock=c % 3 * 2,
            status=(ProductStatus.ACTIVE, ProductStatus.DRAFT)[c % 4 == 3],
        )
        if b % 5 == 4:
            made.variants[0].is_active = False
    elif kind == "category":
        product.category = categories[b % 4] if b % 4 < 3 else None
    elif kind == "status":
        product.status = ProductStatus.ALL[b % 3]
    elif kind == "variant":
        variant = _pick(Variant, b, Variant.product_id == product.id)
        if c % 2:
            variant.is_active = not variant.is_active
        else:
            variant.price_satang = 500 * (1 + c % 11)
    elif kind == "area":
        group = _pick(ProducerGroup, a)
        group.province_code = PROVINCES[b % 3]
    elif kind == "pause":
        group = _pick(ProducerGroup, a)
        group.is_active = not group.is_active
    elif kind == "sell_out":
        lot = _pick(Lot, a, Lot.available > 0)
        if lot is not None:
            stock.reserve(lot.variant_id, lot.available)
    elif kind == "restock":
        lot = _pick(Lot, a)
        group = lot.variant.product.group
        adjust_stock(group, lot.id, 1 + b % 4, StockReason.RETURNED)
    elif kind == "claim":
        lots = [lot for variant in product.variants for lot in variant.lots]
        subject = (product, product.group, lots[0] if lots else product)[b % 3]
        factories.make_claim(subject, kind=KINDS[c % 3], status=ClaimStatus.VERIFIED)
    elif kind == "decide":
        claim = _pick(Claim, a)
        if claim is not None:
            if b % 4 == 0:
                claim.status = ClaimStatus.REVOKED
            elif b % 4 == 1:
                claim.status = ClaimStatus.VERIFIED
            elif b % 4 == 2:  # ends today (still in force) or has ended
                claim.valid_until = bangkok_today() - timedelta(days=c % 3)
                if claim.valid_from is not None and claim.valid_from > claim.valid_until:
                    claim.valid_from = claim.valid_until  # a claim's range stays a range
            else:  # starts today or later
                claim.valid_from = bangkok_today() + timedelta(days=c % 3)
                if claim.valid_until is not None and claim.valid_until < claim.valid_from:
                    claim.valid_until = claim.valid_from
    db.session.commit()


def _expected(today):
    """Everything the catalog should show, from the products themselves."""
    db.session.expire_all()
    listed = []
    for product in db.session.scalars(select(Product).order_by(Product.id)):
        offered = [v for v in product.variants if v.is_active]
        if product.status != ProductStatus.ACTIVE or not product.group.is_active or not offered:
            continue
        lots = [lot for v in product.variants for lot in v.lots]
        claims = [*product.claims, *product.group.claims, *(c for lot in lots for c in lot.claims)]
        listed.append(
            {
                "id": product.id,
                "category": product.category.slug if product.category else "",
                "province": product.group.province_code,
                "group": product.group.slug,
                "kinds": {claim.kind for claim in claims if claim.is_verified(today)},
                "price": min(v.price_satang for v in offered),
                "created": (product.created_at.replace(tzinfo=None), product.id),
                "in_stock": sum(lot.available for v in offered for lot in v.lots) > 0,
            }
        )
    return listed


def _matching(listed, filters):
    return [
        p
        for p in listed
        if (not filters.category or p["category"] == filters.category)
        and (not filters.province or p["province"] == filters.province)
        and (not filters.group or p["group"] == filters.group)
        and (not filters.claim or filters.claim in p["kinds"])
    ]


def _first_page(found, sort):
    if sort == "price_asc":
        ordered = sorted(found, key=lambda p: (p["price"], p["id"]))
    elif sort == "price_desc":
        ordered = sorted(found, key=lambda p: (p["price"], p["id"]), reverse=True)
    else:
        ordered = sorted(found, key=lambda p: p["created"], reverse=True)
    return [
        (p["id"], p["in_stock"], p["price"], tuple(sorted(p["kinds"])), p["group"])
        for p in ordered[:PAGE_SIZE]
    ]


def _check(combination):
    today = bangkok_today()
    assert listing.differences() == (0, [])
    listed = _expected(today)
    facets = queries.catalog_facets(today)
    counts = {}
    for p in listed:
        if p["category"]:
            counts[p["category"]] = counts.get(p["category"], 0) + 1
    assert {c.category.slug: c.count for c in facets.categories} == counts
    assert facets.provinces == sorted({p["province"] for p in listed})
    assert {g.slug for g in facets.groups} == {p["group"] for p in listed}
    assert set(facets.claim_kinds) == set().union(*(p["kinds"] for p in listed))

    wanted = [CatalogFilters(sort=sort) for sort in queries.SORTS]
    wanted += [CatalogFilters(category=slug) for slug in counts]
    wanted += [CatalogFilters(province=code) for code in facets.provinces]
    wanted += [CatalogFilters(group=g.slug) for g in facets.groups]
    wanted += [CatalogFilters(claim=kind) for kind in facets.claim_kinds]
    category, province, claim, sort = combination
    wanted.append(
        CatalogFilters(
            category=sorted(counts)[category % len(counts)] if counts and category < 9 else "",
            province=PROVINCES[province % 3] if province < 6 else "",
            claim=KINDS[claim % 3] if claim < 6 else "",
            sort=queries.SORTS[sort % 3],
        )
    )
    for filters in wanted:
        page = queries.catalog_page(filters, PAGE_SIZE, on=today)
        found = _matching(listed, page.filters)
        assert page.total == len(found), filters
        got = [
            (
                card.product.id,
                card.in_stock,
                card.min_price,
                card.verified_kinds,
                card.product.group.slug,
            )
            for card in page.cards
        ]
        assert got == _first_page(found, page.filters.sort), filters


operations = st.tuples(
    st.sampled_from(
        [
            "create",
            "category",
            "status",
            "variant",
            "area",
            "pause",
            "sell_out",
            "restock",
            "claim",
            "decide",
        ]
    ),
    st.integers(0, 50),
    st.integers(0, 50),
    st.integers(0, 50),
)
combinations = st.tuples(*(st.integers(0, 12) for _ in range(4)))


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(st.tuples(operations, combinations), min_size=1, max_size=10))
def test_counts_facets_and_pages_match_the_catalog_after_every_change(app, steps):
    db.session.rollback()
    _empty_all_tables()
    _world()
    for operation, combination in steps:
        _apply(operation)
        _check(combination)


def test_stock_changes_never_write_the_listing(app, make):
    product = make.product(stock=3)
    db.session.commit()
    written = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if "catalog_listing" in statement or "catalog_count" in statement:
            written.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        lot = product.variants[0].lots[0]
        stock.reserve(lot.variant_id, 3)  # sold out
        db.session.commit()
        adjust_stock(product.group, lot.id, 2, StockReason.RETURNED)  # back in stock
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert written == []
    assert listing.differences() == (0, [])


def test_check_command_finds_and_repairs_differences(app, make, runner):
    group = make.group()
    make.product(group=group)
    make.product(group=group, category=make.category())
    db.session.commit()
    result = runner.invoke(args=["catalog", "listing", "--check"])
    assert result.exit_code == 0, result.output
    assert "0 listing row(s) differ" in result.output

    # A bulk change that bypassed the app: the listing no longer matches.
    connection = db.session.connection()
    connection.execute(CatalogListing.__table__.delete())
    connection.execute(CatalogCount.__table__.update().values(products=7))
    db.session.commit()
    result = runner.invoke(args=["catalog", "listing", "--check"])
    assert result.exit_code == 1
    assert "only in catalog" in result.output and "only in stored" in result.output

    result = runner.invoke(args=["catalog", "listing"])
    assert result.exit_code == 0, result.output
    assert "they match it" in result.output
    assert listing.differences() == (0, [])
    page = queries.catalog_page(CatalogFilters(), PAGE_SIZE)
    assert page.total == 2


@pytest.mark.parametrize("path", ["/products?page=999999", "/products?category=nope&claim=x"])
def test_out_of_range_and_unknown_filters_answer_a_page(app, make, client, path):
    make.product()
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 200
    assert 'class="card product-card"' in response.get_data(as_text=True)


def test_the_migration_backfills_what_the_catalog_holds(app, make):
    paused = make.group(is_active=False)
    make.product(group=paused)
    make.product(category=make.category())
    make.product(status=ProductStatus.DRAFT)
    withdrawn = make.product()
    withdrawn.variants[0].is_active = False
    db.session.commit()
    listed = make.product()
    make.claim(listed, kind=ClaimKind.GAP, valid_until=bangkok_today() + timedelta(days=3))
    make.claim(listed.group, kind=ClaimKind.HANDMADE)
    make.claim(listed.variants[0].lots[0], kind=ClaimKind.CHEMICAL_FREE)
    make.claim(listed, kind=ClaimKind.PGS, status=ClaimStatus.PENDING)
    make.claim(paused, kind=ClaimKind.HANDMADE)
    db.session.commit()
    path = next(Path("migrations/versions").glob("*_catalog_listing_and_counts.py"))
    migration = _migration(path)
    connection = db.session.connection()
    connection.execute(CatalogClaim.__table__.delete())
    connection.execute(CatalogCount.__table__.delete())
    connection.execute(CatalogListing.__table__.delete())
    for statement in migration.BACKFILL:
        connection.execute(text(statement))
    assert db.session.scalar(select(func.count()).select_from(CatalogListing)) == 2
    connection.execute(
        text(_migration(next(Path("migrations/versions").glob("*_catalog_claim_rows.py"))).BACKFILL)
    )
    # the listed product's own claim, its lot's and its group's; not the pending one,
    # nor the paused group's (its product is not listed)
    assert db.session.scalar(select(func.count()).select_from(CatalogClaim)) == 3
    assert listing.differences() == (0, [])


def _migration(path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration
