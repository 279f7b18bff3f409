"""Storefront pages run a fixed number of SQL statements whatever the number of products."""

import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from marketplace.models import ClaimKind, ClaimStatus, ProductImage


@pytest.fixture(autouse=True)
def _render_every_time(app, monkeypatch):
    """Count what rendering a page costs, not what the page cache saves."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_ENABLED", False)


@contextmanager
def counting(engine):
    """Count the statements this thread sends to the database inside the block.

    Only this thread's: the test client runs the request here, while other
    threads of the suite (the browser tests' live server, the fake Stripe's
    delayed webhooks) may use the same engine at any moment.
    """
    statements = []
    owner = threading.get_ident()

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if threading.get_ident() == owner:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def build_catalog(db, make, count):
    """`count` products over several groups and categories, each with images, lots and claims."""
    categories = [make.category() for _ in range(3)]
    groups = [make.group(is_featured=True, province_code=code) for code in ("57", "58", "50")]
    for group in groups:
        make.claim(group, kind=ClaimKind.HANDMADE)
    for i in range(count):
        product = make.product(
            group=groups[i % 3],
            category=categories[i % 3],
            variants=2,
            is_featured=True,
        )
        for position in range(2):
            db.session.add(
                ProductImage(
                    product=product,
                    key=f"{product.id:08d}{position:024d}",
                    width=800,
                    height=600,
                    alt_th="ภาพ",
                    position=position,
                )
            )
        make.claim(product, kind=ClaimKind.GAP)
        lot = product.variants[0].lots[0]
        make.claim(lot, kind=ClaimKind.CHEMICAL_FREE)
        make.claim(lot, kind=ClaimKind.PGS, status=ClaimStatus.PENDING)
        household = make.household(groups[i % 3])
        make.contribution(lot, household)
    db.session.commit()
    return groups


def statements_for(client, db, path):
    """How many statements a GET of `path` runs, from a cold session.

    The request gets an app context (so a database session) of its own: the
    test's session would lend it whichever objects the garbage collector has
    not yet reclaimed, and the count would vary from run to run.
    """
    db.session.commit()
    with client.application.app_context(), counting(db.engine) as statements:
        response = client.get(path)
    assert response.status_code == 200
    LAST_STATEMENTS[path] = list(statements)
    return len(statements), response.get_data(as_text=True)


# The statements of the last GET of each path, to show what differs when a count does.
LAST_STATEMENTS = {}


def _differ(before, after):
    """The statements one list has and the other lacks, for an assertion message."""
    return {
        "only before": [s for s in before if s not in after],
        "only after": [s for s in after if s not in before],
    }


@pytest.mark.parametrize("language", ["th", "en"])
def test_catalog_runs_a_fixed_number_of_queries(app, db, make, client, monkeypatch, language):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 50)
    client.set_cookie("lang", language)
    build_catalog(db, make, 3)
    few, html = statements_for(client, db, "/products")
    assert html.count('class="card product-card"') == 3
    filtered_few, _ = statements_for(client, db, "/products?claim=gap&sort=price_asc")

    db.session.rollback()
    from tests.conftest import _empty_all_tables

    _empty_all_tables()
    build_catalog(db, make, 30)
    many, html = statements_for(client, db, "/products")
    assert html.count('class="card product-card"') == 30
    filtered_many, _ = statements_for(client, db, "/products?claim=gap&sort=price_asc")

    assert few == many
    assert filtered_few == filtered_many
    assert many <= 12


def test_home_and_group_pages_run_a_fixed_number_of_queries(db, make, client):
    groups = build_catalog(db, make, 3)
    home_few, _ = statements_for(client, db, "/")
    group_few, _ = statements_for(client, db, f"/groups/{groups[0].slug}")
    product_slug = groups[0].products[0].slug
    product_few, _ = statements_for(client, db, f"/products/{product_slug}")
    product_few_statements = LAST_STATEMENTS[f"/products/{product_slug}"]

    for _ in range(9):
        product = make.product(group=groups[0], variants=3, is_featured=True)
        make.claim(product.variants[1].lots[0], kind=ClaimKind.GAP)
        make.lot(product.variants[0])
    db.session.commit()
    home_many, _ = statements_for(client, db, "/")
    group_many, _ = statements_for(client, db, f"/groups/{groups[0].slug}")
    assert home_few == home_many
    assert group_few == group_many

    product = groups[0].products[0]
    for variant in product.variants:
        for _ in range(4):
            make.lot(variant)
    db.session.commit()
    product_many, _ = statements_for(client, db, f"/products/{product.slug}")
    assert product_few == product_many, _differ(
        product_few_statements, LAST_STATEMENTS[f"/products/{product.slug}"]
    )
