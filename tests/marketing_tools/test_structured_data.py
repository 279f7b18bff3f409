"""Structured data and crawlability: JSON-LD that extruct reads, canonical and hreflang links,
an English address the page cache keeps apart, the sitemap (and its index) and robots.txt."""

import re
import xml.etree.ElementTree as ET

import extruct
import pytest

from marketplace.models import ProductImage

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"
BASE = "http://127.0.0.1:5000"


@pytest.fixture
def rice(db, make):
    """A product on sale in two sizes (one sold out), with a photo, of an active group."""
    group = make.group(
        slug="hom-phaendin",
        name_th="กลุ่มหอมแผ่นดิน",
        name_en="Hom Phaendin group",
        story_th="เรื่องของกลุ่ม </script><script>alert(1)</script>",
    )
    product = make.product(
        group=group,
        slug="black-rice",
        name_th="ข้าวเหนียวดำ",
        name_en="Black sticky rice",
        variants=2,
        price_satang=15000,
    )
    product.variants[1].lots[0].available = 0
    db.session.add(ProductImage(product=product, key="ldphoto", width=1600, height=1200))
    household = make.household(group)
    make.contribution(product.variants[0].lots[0], household)
    db.session.commit()
    return product


def _jsonld(html):
    return extruct.extract(html, base_url=BASE, syntaxes=["json-ld"], uniform=True)["json-ld"]


def test_product_page_json_ld_is_a_product_with_offers_in_thb(rice, client):
    html = client.get("/products/black-rice").get_data(as_text=True)
    (data,) = _jsonld(html)
    assert data["@type"] == "Product"
    assert data["name"] == "ข้าวเหนียวดำ"
    assert data["brand"]["name"] == "กลุ่มหอมแผ่นดิน"
    assert data["image"] == [f"{BASE}/media/products/ldphoto/1600.jpg"]
    assert data["description"]
    offers = {offer["sku"]: offer for offer in data["offers"]}
    first, second = (offers[v.sku] for v in rice.variants)
    assert first["@type"] == "Offer" and first["priceCurrency"] == "THB"
    assert first["price"] == "150.00" and second["price"] == "160.00"
    assert first["availability"] == "https://schema.org/InStock"
    assert second["availability"] == "https://schema.org/OutOfStock"
    assert first["seller"]["name"] == "กลุ่มหอมแผ่นดิน"
    # Nothing about households.
    assert rice.group.households[0].code not in html.split("ld+json", 1)[1].split("</script>")[0]


def test_group_page_json_ld_is_a_local_business_that_cannot_close_its_script(rice, client):
    html = client.get("/groups/hom-phaendin?lang=en").get_data(as_text=True)
    (data,) = _jsonld(html)
    assert set(data["@type"]) == {"Organization", "LocalBusiness"}
    assert data["name"] == "Hom Phaendin group"
    assert data["address"]["addressCountry"] == "TH"
    assert data["address"]["postalCode"] == "57120"
    assert data["address"]["addressRegion"] == "Chiang Rai"
    assert data["url"] == f"{BASE}/groups/hom-phaendin?lang=en"
    # The story's </script> stays inside the JSON string, escaped.
    assert "<script>alert(1)" not in html


def _links(html):
    canonical = re.search(r'<link rel="canonical" href="([^"]+)">', html).group(1)
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    return canonical, alternates


@pytest.mark.parametrize("path", ["/", "/products", "/products/black-rice", "/groups/hom-phaendin"])
def test_public_pages_name_their_canonical_and_language_versions(rice, client, path):
    canonical, alternates = _links(client.get(path).get_data(as_text=True))
    assert canonical == BASE + path
    sep = "&amp;" if "?" in path else "?"
    assert alternates == {
        "th": BASE + path,
        "en": f"{BASE}{path}{sep}lang=en",
        "x-default": BASE + path,
    }
    english = client.get(alternates["en"].replace(BASE, "").replace("&amp;", "&"))
    html = english.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert _links(html)[0] == alternates["en"]


def test_lot_page_and_tracking_arguments_stay_out_of_the_canonical(rice, client):
    code = rice.variants[0].lots[0].code
    html = client.get(f"/lot/{code}?utm_source=label&utm_medium=qr").get_data(as_text=True)
    assert _links(html)[0] == f"{BASE}/lot/{code}"
    html = client.get("/products?sort=price_asc&utm_source=x").get_data(as_text=True)
    assert _links(html)[0] == f"{BASE}/products?sort=price_asc"


def test_cached_pages_keep_the_languages_apart(rice, client, app):
    assert app.config.get("PAGE_CACHE_ENABLED", True)
    for _ in range(2):  # the second round comes from the page cache
        thai = client.get("/products/black-rice").get_data(as_text=True)
        english = client.get("/products/black-rice?lang=en").get_data(as_text=True)
        assert '<html lang="th">' in thai and "Black sticky rice" not in thai.split("<main")[1]
        assert '<html lang="en">' in english and "Black sticky rice" in english


def test_an_unknown_language_argument_is_ignored(rice, client):
    response = client.get("/products/black-rice?lang=xx")
    assert response.status_code == 200
    assert '<html lang="th">' in response.get_data(as_text=True)


def test_choosing_a_language_drops_lang_from_the_address(rice, client):
    from tests.accounts.helpers import token_of

    token = token_of(client, "/products/black-rice?lang=en")
    response = client.post(
        "/language",
        data={"csrf_token": token, "lang": "th", "next": "/products/black-rice?lang=en&x=1"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/products/black-rice?x=1")


def _sitemap(client, path="/sitemap.xml"):
    response = client.get(path)
    assert response.status_code == 200 and response.mimetype == "application/xml"
    return ET.fromstring(response.data)  # noqa: S314 (our own sitemap)


def test_sitemap_lists_home_groups_products_and_lots_in_both_languages(rice, make, db, client):
    from marketplace.models import ProductStatus

    draft = make.product(group=rice.group, slug="draft-thing", status=ProductStatus.DRAFT)
    db.session.commit()
    root = _sitemap(client)
    assert root.tag == f"{SM}urlset"
    urls = {u.find(f"{SM}loc").text: u for u in root.findall(f"{SM}url")}
    lot = rice.variants[0].lots[0].code
    for path in ("/", "/products", "/groups/hom-phaendin", "/products/black-rice", f"/lot/{lot}"):
        assert BASE + path in urls, path
        assert f"{BASE}{path}?lang=en" in urls, path
        entry = urls[BASE + path]
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{SM}lastmod").text)
        langs = {link.get("hreflang") for link in entry.findall(f"{XHTML}link")}
        assert langs == {"th", "en"}
    assert not any("draft-thing" in url for url in urls)
    assert not any(draft.variants[0].lots[0].code in url for url in urls)


def test_sitemap_splits_into_an_index_past_the_limit(rice, make, db, client, app, monkeypatch):
    for _ in range(3):
        make.product(group=rice.group)
    db.session.commit()
    monkeypatch.setitem(app.config, "SITEMAP_MAX_URLS", 5)
    root = _sitemap(client)
    assert root.tag == f"{SM}sitemapindex"
    parts = [s.find(f"{SM}loc").text for s in root.findall(f"{SM}sitemap")]
    # 2 + 1 group + 4 products + 5 lots = 12 pages, 24 addresses: 5 parts of at most 5.
    assert parts == [f"{BASE}/sitemap-{n}.xml" for n in range(1, 6)]
    seen = []
    for part in parts:
        urls = _sitemap(client, part.replace(BASE, "")).findall(f"{SM}url")
        assert 1 <= len(urls) <= 5
        seen += [u.find(f"{SM}loc").text for u in urls]
    assert len(seen) == len(set(seen)) == 24
    for bad in ("/sitemap-0.xml", "/sitemap-6.xml", "/sitemap-99999999999999999999.xml"):
        assert client.get(bad).status_code == 404
    monkeypatch.setitem(app.config, "SITEMAP_MAX_URLS", 50_000)
    assert client.get("/sitemap-1.xml").status_code == 404


def test_robots_txt_closes_back_offices_and_names_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    for path in ("/office/", "/admin/", "/account/", "/cart", "/checkout"):
        assert f"Disallow: {path}\n" in text
    assert f"Sitemap: {BASE}/sitemap.xml" in text
    assert "Disallow: /products" not in text and "Disallow: /media" not in text
