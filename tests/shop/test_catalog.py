"""Catalog filters, sorting, paging and malformed input."""

import re
from datetime import timedelta

import pytest

from marketplace.i18n import bangkok_today
from marketplace.models import ClaimKind, ClaimStatus


def product_slugs(html):
    """The product slugs of the grid's cards, in order."""
    grid = html.split('<ul class="grid">', 1)[1] if '<ul class="grid">' in html else ""
    slugs = re.findall(r'<a class="card-link" href="/products/([^"]+)"', grid)
    return slugs


def test_filter_by_category(shop, get_page):
    _, html = get_page("/products?category=rice")
    assert sorted(product_slugs(html)) == ["black-sticky-rice", "karen-chili"]
    _, html = get_page("/products?category=woven")
    assert product_slugs(html) == ["woven-mat"]


def test_filter_by_province(shop, get_page):
    _, html = get_page("/products?province=58")
    assert product_slugs(html) == ["karen-chili"]
    _, html = get_page("/products?province=57")
    assert sorted(product_slugs(html)) == ["black-sticky-rice", "woven-mat"]


def test_filter_by_group(shop, get_page):
    _, html = get_page("/products?group=karen-chili")
    assert product_slugs(html) == ["karen-chili"]


def test_filters_combine(shop, get_page):
    _, html = get_page("/products?group=hom-phaendin&category=rice")
    assert product_slugs(html) == ["black-sticky-rice"]


def test_filter_by_claim_kind_counts_verified_claims_only(shop, get_page):
    # Chemical-free is verified on a lot of the sticky rice: it covers that product only.
    _, html = get_page("/products?claim=chemical_free")
    assert product_slugs(html) == ["black-sticky-rice"]
    # GAP is verified on the chili product.
    _, html = get_page("/products?claim=gap")
    assert product_slugs(html) == ["karen-chili"]
    # PGS is only pending on the group: not offered, and ignored if typed in.
    _, html = get_page("/products")
    assert 'value="pgs"' not in html
    _, html = get_page("/products?claim=pgs")
    assert len(product_slugs(html)) == 3


def test_group_claim_covers_all_its_products(shop, db, make, get_page):
    make.claim(shop["groups"]["hom"], kind=ClaimKind.HANDMADE)
    db.session.commit()
    _, html = get_page("/products?claim=handmade")
    assert sorted(product_slugs(html)) == ["black-sticky-rice", "woven-mat"]


@pytest.mark.parametrize(
    "fields",
    [
        {"valid_until": bangkok_today() - timedelta(days=1)},
        {"valid_from": bangkok_today() + timedelta(days=1)},
        {"status": ClaimStatus.REVOKED},
        {"status": ClaimStatus.SELF_DECLARED},
    ],
)
def test_claim_filter_ignores_claims_that_do_not_hold(db, make, get_page, fields):
    kept = make.product(slug="kept")
    make.product(slug="other")
    make.claim(kept, kind=ClaimKind.Q_MARK, **fields)
    make.claim(kept, kind=ClaimKind.OTOP)
    db.session.commit()
    _, html = get_page("/products?claim=q_mark")
    assert 'value="q_mark"' not in html
    assert sorted(product_slugs(html)) == ["kept", "other"]
    _, html = get_page("/products?claim=otop")
    assert product_slugs(html) == ["kept"]


def test_sorting_by_price_and_newest(shop, get_page):
    _, html = get_page("/products?sort=price_asc")
    assert product_slugs(html) == ["black-sticky-rice", "karen-chili", "woven-mat"]
    _, html = get_page("/products?sort=price_desc")
    assert product_slugs(html) == ["woven-mat", "karen-chili", "black-sticky-rice"]
    _, html = get_page("/products?sort=newest")
    assert product_slugs(html) == ["karen-chili", "woven-mat", "black-sticky-rice"]


def test_price_is_lowest_active_variant(db, make, get_page):
    product = make.product(slug="two-sizes", variants=2, price_satang=30000)
    product.variants[0].is_active = False  # the cheaper one
    make.product(slug="middle", price_satang=30500)
    db.session.commit()
    _, html = get_page("/products?sort=price_asc")
    assert product_slugs(html) == ["middle", "two-sizes"]
    assert "฿310" in html and "฿300<" not in html


def test_products_without_an_active_variant_are_not_listed(db, make, get_page):
    product = make.product(slug="nothing-to-buy")
    product.variants[0].is_active = False
    db.session.commit()
    _, html = get_page("/products")
    assert product_slugs(html) == []


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=0",
        "page=99999999999999999999999",
        "page=2.5",
        "sort=cheapest",
        "sort=",
        "category=nope",
        "province=99",
        "province=%27%3B--",
        "claim=unicorn",
        "category=" + "x" * 5000,
        "page=1&page=2",
        "sort[]=x",
    ],
)
def test_malformed_queries_never_fail(shop, get_page, query):
    _, html = get_page("/products?" + query)
    assert len(product_slugs(html)) == 3


def test_nul_in_a_filter_is_refused_with_a_message(shop, get_page):
    """A NUL never reaches the catalog query (PostgreSQL refuses it): 400, saying why."""
    _, html = get_page("/products?group=%00", status=400)
    assert "NUL" in html


def test_paging(app, db, make, get_page, monkeypatch):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 2)
    for i in range(5):
        make.product(slug=f"p{i}")
    db.session.commit()
    _, first = get_page("/products")
    _, third = get_page("/products?page=3")
    _, beyond = get_page("/products?page=40")
    assert product_slugs(first) == ["p4", "p3"]
    assert product_slugs(third) == ["p0"]
    assert product_slugs(beyond) == ["p0"]
    assert 'href="/products?page=2"' in first
    _, filtered = get_page("/products?sort=price_desc&page=2")
    assert 'href="/products?sort=price_desc&amp;page=3"' in filtered
    assert 'href="/products?sort=price_desc"' in filtered


def test_facets_list_only_what_is_on_sale(shop, db, make, get_page):
    make.category(slug="empty-shelf", name_th="ว่างเปล่า")
    make.group(slug="quiet-group", name_th="กลุ่มเงียบ", province_code="50")
    db.session.commit()
    _, html = get_page("/products")
    assert 'value="rice"' in html and 'value="woven"' in html
    assert 'value="empty-shelf"' not in html
    assert 'value="57"' in html and 'value="58"' in html and 'value="50"' not in html
    assert 'value="hom-phaendin"' in html and 'value="quiet-group"' not in html
    assert 'value="chemical_free"' in html and 'value="gap"' in html


def product_cards(html):
    """{slug: the card's HTML} of the grid."""
    return {
        re.search(r'href="/products/([^"]+)"', card).group(1): card
        for card in re.findall(r'<article class="card product-card">.*?</article>', html, re.S)
    }


@pytest.mark.parametrize("language", ["th", "en"])
def test_catalog_cards_match_the_group_pages_cards(shop, db, make, get_page, language):
    """The catalog draws its cards from plain columns; the group page from ORM objects.

    Both must give the same card: name, group, place, price, stock, badges, and the
    first photo by position (a ready one and one whose sizes are still pending).
    """
    from marketplace.models import ProductImage

    sticky, woven = shop["products"]["sticky"], shop["products"]["mat"]
    for product, pending in ((sticky, False), (woven, True)):
        for position in (2, 0, 1):  # stored out of order: position 0 is the card's
            db.session.add(
                ProductImage(
                    product=product,
                    key=f"{product.id:08d}{position:024d}",
                    width=800 + position,
                    height=600,
                    alt_th=f"ภาพ {position}",
                    alt_en=f"Photo {position}" if position else "",
                    position=position,
                    sizes_pending=pending,
                )
            )
    make.claim(shop["groups"]["hom"], kind=ClaimKind.HANDMADE)
    db.session.commit()
    _, catalog = get_page("/products", language)
    _, group = get_page("/groups/hom-phaendin", language)
    catalog_cards, group_cards = product_cards(catalog), product_cards(group)
    assert set(group_cards) == {"black-sticky-rice", "woven-mat"}
    for slug, card in group_cards.items():
        assert catalog_cards[slug] == card
    assert f"{sticky.id:08d}{0:024d}" in catalog_cards["black-sticky-rice"]
    assert "photo-pending" in catalog_cards["woven-mat"]
