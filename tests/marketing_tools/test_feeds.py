"""Product feeds: Google's RSS has every required attribute on every item, Meta's CSV its
columns; only what can be bought today is listed; both stream through a real server."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from marketplace.marketing import feeds
from marketplace.models import ClaimKind, ClaimStatus, ProductImage, ProductStatus
from tests.factories import make_user

G = "{http://base.google.com/ns/1.0}"
GOOGLE_REQUIRED = (
    "id",
    "title",
    "description",
    "link",
    "image_link",
    "availability",
    "price",
    "brand",
    "condition",
    "identifier_exists",
)
BASE = "http://127.0.0.1:5000"


def _photo(db, product, n=1):
    image = ProductImage(product=product, key=f"feedphoto{product.id}x{n}", width=1600, height=1200)
    db.session.add(image)
    db.session.flush()
    return image


@pytest.fixture
def market(db, make):
    """Two groups: rice in two sizes (one sold out), a mat; a draft, an archived and a
    photo-less product, and a paused group's product, none of which may appear."""
    rice_group = make.group(
        slug="hom-phaendin", name_th="กลุ่มหอมแผ่นดิน", name_en="Hom Phaendin group"
    )
    chili_group = make.group(
        slug="karen-chili", name_th="กลุ่มพริกกะเหรี่ยง", name_en="Karen chili group"
    )
    paused = make.group(slug="paused", is_active=False)
    rice = make.product(
        group=rice_group,
        name_th="ข้าวเหนียวดำ",
        name_en="Black sticky rice",
        description_th="ข้าวเหนียวดำ <ปลูก> & เก็บเกี่ยว\x0b ที่ดอยงาม",
        variants=2,
        price_satang=15000,
    )
    rice.variants[0].sku = "BSR-1KG"
    rice.variants[1].sku = "BSR-5KG"
    rice.variants[1].lots[0].available = 0  # sold out
    mat = make.product(
        group=chili_group,
        name_th="พรมเช็ดเท้า",
        name_en='=HYPERLINK("x")',
        description_en="-2+3 woven",
        price_satang=25050,
    )
    hidden = [
        make.product(group=rice_group, status=ProductStatus.DRAFT),
        make.product(group=rice_group, status=ProductStatus.ARCHIVED),
        make.product(group=paused),
    ]
    no_photo = make.product(group=rice_group, name_en="No photo yet")
    for product in (rice, mat, *hidden):
        _photo(db, product)
    make.claim(rice, kind=ClaimKind.CHEMICAL_FREE, status=ClaimStatus.VERIFIED)
    make.claim(rice_group, kind=ClaimKind.OTOP, status=ClaimStatus.VERIFIED)
    make.claim(rice, kind=ClaimKind.ORGANIC_THAILAND, status=ClaimStatus.REVOKED)
    db.session.commit()
    return {"rice": rice, "mat": mat, "no_photo": no_photo, "rice_group": rice_group}


def _items(xml_bytes):
    root = ET.fromstring(xml_bytes)  # noqa: S314 (our own feed)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    for tag in ("title", "link", "description"):
        assert channel.find(tag).text
    return [
        {child.tag.removeprefix(G): child.text for child in item}
        for item in channel.findall("item")
    ]


def test_google_feed_lists_each_size_in_stock_with_every_required_attribute(market, client):
    response = client.get("/feeds/google-merchant.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    items = _items(response.data)
    for item in items:
        for attribute in GOOGLE_REQUIRED:
            assert item.get(attribute), (item, attribute)
        assert item["availability"] == "in_stock"
        assert item["condition"] == "new"
        assert item["identifier_exists"] == "no"
    by_id = {item["id"]: item for item in items}
    assert sorted(by_id) == sorted(["BSR-1KG", market["mat"].variants[0].sku])
    rice = by_id["BSR-1KG"]
    assert rice["price"] == "150.00 THB"
    assert rice["brand"] == "กลุ่มหอมแผ่นดิน"
    assert rice["title"].startswith("ข้าวเหนียวดำ ")
    # Escaped, and the vertical tab XML forbids is gone.
    assert rice["description"] == "ข้าวเหนียวดำ <ปลูก> & เก็บเกี่ยว ที่ดอยงาม"
    # Tagged, so the group's dashboard counts the visits and orders the feed brings.
    assert rice["link"] == (
        f"{BASE}/products/{market['rice'].slug}"
        "?utm_source=google&utm_medium=feed&utm_campaign=product_feed"
    )
    assert rice["image_link"].startswith(f"{BASE}/media/products/feedphoto")
    assert rice["item_group_id"] == f"P{market['rice'].id}"
    # Verified and unexpired only: the group's OTOP counts, the revoked organic claim does not.
    assert rice["custom_label_0"] == "chemical_free,otop"
    assert by_id[market["mat"].variants[0].sku]["price"] == "250.50 THB"


def test_group_feed_in_english_and_unknown_group_404(market, client):
    items = _items(client.get("/feeds/hom-phaendin/google-merchant.xml?lang=en").data)
    assert [item["id"] for item in items] == ["BSR-1KG"]
    assert items[0]["title"].startswith("Black sticky rice")
    assert items[0]["brand"] == "Hom Phaendin group"
    assert items[0]["link"].endswith("&lang=en")
    for path in (
        "/feeds/nobody/google-merchant.xml",
        "/feeds/paused/meta-catalog.csv",
        "/feeds/%3Cx%3E/meta-catalog.csv",
    ):
        assert client.get(path).status_code == 404


def test_meta_csv_has_its_columns_and_no_formula(market, client):
    response = client.get("/feeds/meta-catalog.csv?lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    for column in (
        "id",
        "title",
        "description",
        "availability",
        "condition",
        "price",
        "link",
        "image_link",
        "brand",
    ):
        assert all(row[column] for row in rows), column
    by_id = {row["id"]: row for row in rows}
    mat = by_id[market["mat"].variants[0].sku]
    assert mat["title"].startswith("'=HYPERLINK")
    assert mat["description"] == "'-2+3 woven"
    assert mat["availability"] == "in stock"
    assert mat["price"] == "250.50 THB"
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), value


def test_feed_gaps_name_products_left_out(market):
    gaps = dict((p.id, why) for p, why in feeds.feed_gaps(market["rice_group"]))
    assert gaps == {market["no_photo"].id: "photo"}


def test_photo_addresses_are_absolute_wherever_photos_live(app):
    with app.test_request_context():
        assert feeds.absolute("/media/products/a/800.jpg") == f"{BASE}/media/products/a/800.jpg"
        assert feeds.absolute("https://cdn.example.org/a.jpg") == "https://cdn.example.org/a.jpg"
        assert feeds.absolute("//cdn.example.org/a.jpg") == "https://cdn.example.org/a.jpg"


def test_csv_cell_and_xml_text():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert feeds.csv_cell(text) == "'" + text
    assert feeds.csv_cell("ข้าว 1 กก.") == "ข้าว 1 กก."
    assert feeds.xml_text("a<b>&c\x00\x1f\ufffe") == "a&lt;b&gt;&amp;c"
    assert feeds.feed_price(15000) == "150.00 THB"
    assert feeds.feed_price(5) == "0.05 THB"


def test_many_products_stream_in_batches(db, make, client, monkeypatch):
    monkeypatch.setattr(feeds, "BATCH", 3)
    group = make.group()
    for _ in range(8):
        _photo(db, make.product(group=group))
    db.session.commit()
    assert len(_items(client.get("/feeds/google-merchant.xml").data)) == 8


def test_both_feeds_stream_through_a_real_server(market, visitor):
    response = visitor.stream("/feeds/google-merchant.xml")
    with response:
        assert response.headers["Content-Type"].startswith("application/xml")
        # Streamed: no Content-Length, sent in chunks as the items are made.
        assert response.headers.get("Content-Length") is None
        first = response.read(50)
        rest = response.read()
    assert len(_items(first + rest)) == 2
    status, headers, body = visitor.get("/feeds/karen-chili/meta-catalog.csv")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert rows[0][:3] == ["id", "title", "description"] and len(rows) == 2


def test_the_office_feeds_page_gives_the_addresses_and_what_is_left_out(db, make, client, auth):
    group = make.group(slug="hom-phaendin")
    other = make.group(slug="karen-chili")
    make.product(group=group, name_th="ผ้าทอมือ", name_en="Hand-woven cloth")
    make_user("staff@example.com", memberships=[(group, "staff")], locale="en")
    make_user("other@example.com", memberships=[(other, "leader")])
    db.session.commit()
    assert client.get("/office/hom-phaendin/feeds").status_code in (302, 303)
    auth.login("other@example.com")
    assert client.get("/office/hom-phaendin/feeds").status_code == 403
    auth.logout()
    auth.login("staff@example.com")
    html = client.get("/office/hom-phaendin/feeds").get_data(as_text=True)
    for path in (
        "google-merchant.xml",
        "google-merchant.xml?lang=en",
        "meta-catalog.csv",
        "meta-catalog.csv?lang=en",
    ):
        assert f'value="{BASE}/feeds/hom-phaendin/{path}"' in html
    assert "Hand-woven cloth" in html and "No photo yet" in html
    assert "/office/hom-phaendin/feeds" in client.get("/office/hom-phaendin/products").get_data(
        as_text=True
    )
