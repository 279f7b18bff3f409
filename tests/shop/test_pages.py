"""Every storefront page renders in Thai and English with the right localized names."""

import re

import pytest

from .conftest import html_lang, translated

LANGUAGES = ("th", "en")


@pytest.mark.parametrize("language", LANGUAGES)
def test_home_shows_featured_products_groups_and_categories(shop, get_page, language):
    _, html = get_page("/", language)
    assert html_lang(html) == language
    if language == "th":
        assert "ข้าวเหนียวดำ" in html
        assert "กลุ่มหอมแผ่นดิน" in html
        assert "ข้าว" in html and "ผ้าทอ" in html
    else:
        assert "Black sticky rice" in html
        assert "Hom Phaendin group" in html
        assert "Woven goods" in html
    assert "/products/black-sticky-rice" in html
    assert "/groups/hom-phaendin" in html
    assert "/products?category=rice" in html


def test_home_without_featured_products_shows_newest(db, make, get_page):
    make.product(name_th="สินค้าใหม่", is_featured=False)
    db.session.commit()
    _, html = get_page("/")
    assert "สินค้าใหม่" in html


def test_home_on_an_empty_shop(get_page):
    get_page("/")


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_lists_visible_products(shop, get_page, language):
    _, html = get_page("/products", language)
    assert html_lang(html) == language
    names = {
        "th": ("ข้าวเหนียวดำ", "พรมเช็ดเท้าทอมือ", "พริกกะเหรี่ยงแห้ง", "เชียงราย", "แม่ฮ่องสอน"),
        "en": ("Black sticky rice", "Hand-woven doormat", "Dried Karen chili", "Chiang Rai"),
    }[language]
    for name in names:
        assert name in html
    assert "฿90" in html and "฿250" in html


def test_catalog_card_has_responsive_picture(app, db, make, get_page, tmp_path):
    from marketplace.models import ProductImage

    product = make.product(name_th="ข้าวมีรูป")
    db.session.add(
        ProductImage(
            product=product,
            key="a" * 32,
            width=1600,
            height=1200,
            alt_th="ข้าวในกระสอบ",
            alt_en="Rice in a sack",
        )
    )
    db.session.commit()
    _, html = get_page("/products")
    assert "<picture" in html
    assert 'type="image/webp"' in html
    assert "/media/products/" + "a" * 32 + "/320.webp 320w" in html
    assert 'width="1600" height="1200"' in html
    assert 'loading="lazy"' in html
    assert 'alt="ข้าวในกระสอบ"' in html
    _, html = get_page("/products", "en")
    assert 'alt="Rice in a sack"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_card_shows_stock_state(shop, get_page, app, language):
    _, html = get_page("/products", language)
    assert translated(app, language, "Out of stock") in html
    assert translated(app, language, "In stock") in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_product_page(shop, get_page, language):
    _, html = get_page("/products/black-sticky-rice", language)
    assert html_lang(html) == language
    if language == "th":
        assert "ข้าวเหนียวดำ" in html
        assert "ดอยงาม" in html and "พาน" in html and "เชียงราย" in html
        assert "10 ธ.ค. 2568" in html
    else:
        assert "Black sticky rice" in html
        assert "Doi Ngam" in html and "Phan" in html and "Chiang Rai" in html
        assert "10 Dec 2025" in html
    assert 'id="provenance"' in html
    # The current lot is the oldest with units left; its own village shows.
    assert "บ้านดอยงามเหนือ" in html
    assert "/lot/LOT-RICE-NOW" in html
    assert "/groups/hom-phaendin" in html
    assert "฿90" in html


def test_product_page_shows_newest_lot_when_sold_out(db, make, get_page):
    from datetime import date

    product = make.product(slug="sold-out", stock=None)
    variant = product.variants[0]
    make.lot(variant, code="LOT-A", available=0, produced_on=date(2025, 1, 5))
    make.lot(variant, code="LOT-B", available=0, produced_on=date(2025, 6, 5))
    db.session.commit()
    _, html = get_page("/products/sold-out", "en")
    assert "/lot/LOT-B" in html
    assert "5 Jun 2025" in html
    assert "Out of stock" in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_group_page(shop, get_page, language, app):
    _, html = get_page("/groups/hom-phaendin", language)
    assert html_lang(html) == language
    name = {"th": "กลุ่มหอมแผ่นดิน", "en": "Hom Phaendin group"}[language]
    story = {"th": "กลุ่มปลูกข้าวเหนียวดำ", "en": "We grow black sticky rice"}[language]
    assert name in html and story in html
    assert "5705-0001" in html
    assert translated(app, language, "Community enterprise") in html
    assert "/products/black-sticky-rice" in html and "/products/woven-mat" in html
    assert "/products/karen-chili" not in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_lot_page(shop, get_page, language, app):
    _, html = get_page("/lot/LOT-RICE-NOW", language)
    assert html_lang(html) == language
    product = {"th": "ข้าวเหนียวดำ", "en": "Black sticky rice"}[language]
    group = {"th": "กลุ่มหอมแผ่นดิน", "en": "Hom Phaendin group"}[language]
    assert product in html and group in html
    assert 'id="provenance"' in html
    assert {"th": "10 ธ.ค. 2568", "en": "10 Dec 2025"}[language] in html
    assert translated(app, language, "Harvested") in html
    assert "/products/black-sticky-rice" in html
    # Claims covering the lot, the product and the group.
    assert translated(app, language, "Chemical-free") in html
    assert translated(app, language, "PGS organic") in html


def test_lot_page_of_archived_product_still_answers(shop, db, get_page):
    shop["products"]["sticky"].status = "archived"
    db.session.commit()
    _, html = get_page("/lot/LOT-RICE-NOW", "en")
    assert "/products/black-sticky-rice" not in html
    assert "Black sticky rice" in html


def test_lot_of_draft_product_is_not_found(shop, db, get_page):
    shop["products"]["sticky"].status = "draft"
    db.session.commit()
    get_page("/lot/LOT-RICE-NOW", "en", status=404)


def test_production_lot_says_made(shop, get_page, app):
    _, html = get_page("/lot/" + shop["lots"]["mat"].code, "en")
    assert "Made" in html
    assert "Production batch" in html


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "path", ["/products/no-such-thing", "/groups/no-such-group", "/lot/NO-SUCH-LOT", "/nowhere"]
)
def test_unknown_pages_are_404_in_the_users_language(shop, get_page, app, language, path):
    _, html = get_page(path, language, status=404)
    assert html_lang(html) == language
    assert translated(app, language, "Page not found") in html


def test_hidden_products_and_groups_are_404(shop, db, get_page):
    shop["products"]["chili"].status = "draft"
    shop["groups"]["hom"].is_active = False
    db.session.commit()
    get_page("/products/karen-chili", status=404)
    get_page("/products/black-sticky-rice", status=404)
    get_page("/groups/hom-phaendin", status=404)
    _, html = get_page("/products")
    assert "ข้าวเหนียวดำ" not in html and "พริกกะเหรี่ยงแห้ง" not in html


def test_method_not_allowed_page(client, app):
    client.set_cookie("lang", "en")
    response = client.get("/language")
    assert response.status_code == 405
    assert translated(app, "en", "Not allowed here") in response.get_data(as_text=True)


def test_pages_carry_no_inline_script_or_style(shop, get_page):
    for path in ("/", "/products", "/products/black-sticky-rice", "/groups/hom-phaendin"):
        _, html = get_page(path)
        # Search engines' data is not script nor a resource: canonical and hreflang links are
        # absolute by definition, and JSON-LD is data the browser never runs (CSP allows it).
        html = re.sub(r'<link rel="(canonical|alternate)"[^>]*>', "", html)
        html = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", html)
        assert "style=" not in html
        assert "<style" not in html
        assert "<script>" not in html
        assert "<script " not in html or all('src="/' in tag for tag in html.split("<script ")[1:])
        # Open Graph tags name the site's public address, and share buttons are links
        # (navigations, not assets) to LINE and Facebook: nothing else points off-site.
        body = re.sub(r'<meta (property|name)="(og|twitter):[^>]*>', "", html)
        body = re.sub(r'href="https://(social-plugins\.line\.me|www\.facebook\.com)/', "", body)
        body = re.sub(r'data-share-url="[^"]*"', "", body)
        assert "http://" not in body.replace('xmlns="http://', "")
        assert 'href="https://' not in body.split("<footer")[0]
        assert 'src="https://' not in html


def test_base_layout_is_accessible(shop, get_page):
    _, html = get_page("/")
    assert 'class="skip-link" href="#content"' in html
    assert '<label class="visually-hidden" for="site-search">' in html
    assert 'id="site-search"' in html and 'name="q"' in html
    assert 'action="/search"' in html
    assert "GeoThai" in html and "CC BY 4.0" in html
    assert 'name="viewport"' in html


@pytest.mark.parametrize("language", LANGUAGES)
def test_server_error_page_survives_a_broken_database_session(
    app, db, client, monkeypatch, language, make_user, auth
):
    from sqlalchemy import text

    from marketplace.catalog import queries

    make_user("buyer@example.com", locale=language)
    db.session.commit()
    auth.login("buyer@example.com")

    def broken(*args, **kwargs):
        db.session.execute(text("SELECT * FROM no_such_table"))

    monkeypatch.setattr(queries, "home_page", broken)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client.set_cookie("lang", language)
    response = client.get("/")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert html_lang(html) == language
    assert translated(app, language, "Something went wrong") in html
    db.session.rollback()
