"""Bulk product import from CSV in the group back office: all rows or none, lines listed."""

import io

import pytest
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.models import Product, Variant
from marketplace.models.accounts import AuditLog

IMPORT = "/products/import"
HEADER = (
    "product_slug,name_th,name_en,summary_th,summary_en,description_th,description_en,"
    "category,status,variant_label_th,variant_label_en,sku,price_baht,weight_grams\r\n"
)


@pytest.fixture
def shop(office, make):
    """Office groups A and B, a rice category, and group B's product `taken` with SKU TAKEN-1."""
    rice = make.category(slug="rice", name_en="Rice")
    taken = make.product(group=office.b, slug="taken", variants=0)
    make.variant(taken, sku="TAKEN-1")
    _db.session.commit()
    office.rice = rice
    return office


def upload(office, content):
    return office.post(
        office.url(IMPORT),
        {"file": (io.BytesIO(content), "products.csv")},
        content_type="multipart/form-data",
    )


def product_count():
    return _db.session.scalar(select(func.count(Product.id)))


def variant_count():
    return _db.session.scalar(select(func.count(Variant.id)))


GOOD_ROWS = [
    "khao-hom,ข้าวหอมมะลิ,Jasmine rice,ข้าวใหม่,New rice,,,rice,active,1 กก.,1 kg,rice-1kg,85,1000",
    "khao-hom,ข้าวหอมมะลิ,Jasmine rice,ข้าวใหม่,New rice,,,rice,active,5 กก.,5 kg,RICE-5KG,"
    '"1,250.50",5000',
    "prik-haeng,พริกแห้ง,,,,,,,,100 ก.,,CHILI-100G,0.75,",
]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["lf", "crlf"])
def test_good_file_creates_products_and_sizes(shop, bom, newline):
    shop.login("leader")
    text = HEADER + "\r\n".join(GOOD_ROWS) + "\r\n"
    response = upload(shop, bom + text.replace("\r\n", newline).encode())
    assert response.status_code == 303
    assert response.headers["Location"].endswith(shop.url("/products"))
    _db.session.expire_all()
    rice = _db.session.scalar(select(Product).where(Product.slug == "khao-hom"))
    chili = _db.session.scalar(select(Product).where(Product.slug == "prik-haeng"))
    assert rice.group == shop.a and chili.group == shop.a
    assert (rice.name_th, rice.name_en, rice.summary_en) == (
        "ข้าวหอมมะลิ",
        "Jasmine rice",
        "New rice",
    )
    assert rice.category == shop.rice and chili.category is None
    assert (rice.status, chili.status) == ("active", "draft")
    assert [(v.sku, v.label_th, v.price_satang, v.weight_grams) for v in rice.variants] == [
        ("RICE-1KG", "1 กก.", 8500, 1000),
        ("RICE-5KG", "5 กก.", 125050, 5000),
    ]
    assert [(v.sku, v.price_satang, v.weight_grams, v.is_active) for v in chili.variants] == [
        ("CHILI-100G", 75, 0, True)
    ]
    page = shop.client.get(shop.url("/products")).get_data(as_text=True)
    assert "Products imported: 2; sizes: 3." in page
    # Each new price is audited, as when a size is added by hand.
    prices = _db.session.scalars(
        select(AuditLog).where(AuditLog.action == "variant.price_changed")
    ).all()
    assert len(prices) == 3


def test_every_bad_row_is_listed_and_nothing_is_imported(shop):
    shop.login("leader")
    rows = [
        "good,ดี,,,,,,rice,draft,1 กก.,,GOOD-1,10,",  # 2: fine
        "Bad Slug!,ดี,,,,,,,,1 กก.,,BAD-2,10,",  # 3: slug
        "no-name,,,,,,,,,1 กก.,,BAD-3,10,",  # 4: no Thai name
        "no-cat,ดี,,,,,,fruit,,1 กก.,,BAD-4,10,",  # 5: unknown category
        "archived,ดี,,,,,,,archived,1 กก.,,BAD-5,10,",  # 6: status
        "good,ดี,Other name,,,,,rice,draft,2 กก.,,GOOD-2,20,",  # 7: disagrees with line 2
        "bad-price,ดี,,,,,,,,1 กก.,,BAD-7,abc,",  # 8: price not a number
        "bad-price-2,ดี,,,,,,,,1 กก.,,BAD-8,1.005,",  # 9: three decimals
        "bad-price-3,ดี,,,,,,,,1 กก.,,BAD-9,0,",  # 10: zero
        "bad-sku,ดี,,,,,,,,1 กก.,,BAD SKU,10,",  # 11: SKU format
        "good,ดี,,,,,,rice,draft,3 กก.,,GOOD-1,30,",  # 12: SKU also on line 2
        "sku-taken,ดี,,,,,,,,1 กก.,,taken-1,10,",  # 13: SKU used in the DB
        "taken,ดี,,,,,,,,1 กก.,,BAD-13,10,",  # 14: slug of group B's product
        "no-label,ดี,,,,,,,,,,BAD-14,10,",  # 15: no size label
        "bad-weight,ดี,,,,,,,,1 กก.,,BAD-15,10,heavy",  # 16: weight
        "good,ดี,,,,,,rice,draft,4 กก.,,GOOD-4,40,",  # 17: fine
    ]
    response = upload(shop, (HEADER + "\r\n".join(rows) + "\r\n").encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was imported" in html
    for line in range(3, 17):
        assert f"Line {line}:" in html, line
    assert "Line 2:" not in html and "Line 17:" not in html
    for fragment in (
        "A product slug is up to 80 lowercase letters",
        "Enter the product&#39;s name in Thai.",
        "There is no category fruit. The categories are: rice.",
        "The status is one of: draft, active.",
        "The product good has other values in name_en than on line 2",
        "Enter the price as a number of baht",
        "A price has at most two decimals",
        "The price must be more than zero.",
        "A SKU has up to 40 letters",
        "The SKU GOOD-1 is also on line 2.",
        "The SKU TAKEN-1 is already used",
        "The product slug taken is already used",
        "Enter the size or weight in Thai",
        "Enter the weight in grams",
    ):
        assert fragment in html, fragment
    assert product_count() == 1 and variant_count() == 1


def test_duplicate_sku_in_file_and_in_database(shop):
    shop.login("leader")
    rows = ["a-1,ก,,,,,,,,1 กก.,,DUP-1,10,", "a-2,ข,,,,,,,,1 กก.,,dup-1,10,"]
    response = upload(shop, (HEADER + "\r\n".join(rows) + "\r\n").encode())
    assert response.status_code == 400
    assert "Line 3: The SKU DUP-1 is also on line 2." in response.get_data(as_text=True)

    response = upload(shop, (HEADER + "a-3,ค,,,,,,,,1 กก.,,TAKEN-1,10,\r\n").encode())
    assert response.status_code == 400
    assert "Line 2: The SKU TAKEN-1 is already used" in response.get_data(as_text=True)
    assert product_count() == 1 and variant_count() == 1


def test_unknown_category(shop):
    shop.login("leader")
    response = upload(shop, (HEADER + "a-1,ก,,,,,,fruit,,1 กก.,,A-1,10,\r\n").encode())
    assert response.status_code == 400
    assert "Line 2: There is no category fruit." in response.get_data(as_text=True)
    assert product_count() == 1


def test_rows_of_one_product_must_agree(shop):
    shop.login("leader")
    rows = [
        "a-1,ก,A,,,,,rice,draft,1 กก.,,A-1,10,",
        "a-1,ก,A,,,,,rice,draft,2 กก.,,A-2,20,",
        "a-1,ก,A,,,,,,active,3 กก.,,A-3,30,",
    ]
    response = upload(shop, (HEADER + "\r\n".join(rows) + "\r\n").encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 4: The product a-1 has other values in category, status than on line 2" in html
    assert "Line 3:" not in html
    assert product_count() == 1


def test_slug_of_another_groups_product_is_a_duplicate(shop):
    shop.login("leader")
    response = upload(shop, (HEADER + "taken,ก,,,,,,,,1 กก.,,A-1,10,\r\n").encode())
    assert response.status_code == 400
    assert "Line 2: The product slug taken is already used" in response.get_data(as_text=True)
    assert product_count() == 1 and variant_count() == 1


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        ((HEADER + "a-1,ข้าว,,,,,,,,1 กก.,,A-1,10,\r\n").encode("tis-620"), "not UTF-8"),
        ((HEADER + "a-1,ข้าว,,,,,,,,1 กก.,,A-1,10,\r\n").encode("utf-16"), "not UTF-8"),
        ("product_slug,name_th\r\na-1,ก\r\n".encode(), "Missing columns: variant_label_th, sku"),
        (HEADER.encode(), "The file has a header but no rows."),
        (b"", "The file is empty."),
        (
            (HEADER + "a-1,ก,,,,,,,,1 กก.,,A-1,10,\r\n" * 501).encode(),
            "more than 500 rows",
        ),
    ],
    ids=["tis-620", "utf-16", "missing-columns", "no-rows", "empty", "too-many-rows"],
)
def test_bad_files_are_refused_clearly(shop, content, fragment):
    shop.login("leader")
    response = upload(shop, content)
    assert response.status_code == 400
    assert fragment in response.get_data(as_text=True)
    assert product_count() == 1


def test_too_large_file_is_refused(shop, monkeypatch):
    # A smaller limit keeps the upload in memory (the test client spools big bodies to disk).
    from marketplace.catalog import product_import

    monkeypatch.setattr(product_import, "IMPORT_MAX_BYTES", 20_000)
    shop.login("leader")
    response = upload(shop, HEADER.encode() + b"a-1,x,,,,,,,,1,,A-1,10," + b"x" * 30_000)
    assert response.status_code == 400
    assert "too large: at most 19 KB" in response.get_data(as_text=True)
    assert product_count() == 1


def test_staff_and_other_groups_are_refused(shop):
    shop.login("staff")
    assert shop.client.get(shop.url(IMPORT)).status_code == 403
    assert shop.client.get(shop.url("/products/template.csv")).status_code == 403
    response = upload(shop, (HEADER + "a-1,ก,,,,,,,,1 กก.,,A-1,10,\r\n").encode())
    assert response.status_code == 403
    assert "products/import" not in shop.client.get(shop.url("/products")).get_data(as_text=True)
    shop.login("other_leader")
    assert shop.client.get(shop.url(IMPORT)).status_code == 403
    assert product_count() == 1


def test_leader_sees_the_link_and_the_page(shop):
    shop.login("leader")
    products = shop.client.get(shop.url("/products")).get_data(as_text=True)
    assert shop.url(IMPORT) in products
    page = shop.client.get(shop.url(IMPORT))
    assert page.status_code == 200
    assert "Categories: rice." in page.get_data(as_text=True)


def test_csrf_is_required(shop):
    shop.login("leader")
    content = (HEADER + "a-1,ก,,,,,,,,1 กก.,,A-1,10,\r\n").encode()
    for data in ({}, {"csrf_token": "not-a-token"}):
        response = shop.client.post(
            shop.url(IMPORT),
            data={**data, "file": (io.BytesIO(content), "products.csv")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400
    assert product_count() == 1


def test_import_without_file_is_a_clear_message(shop):
    shop.login("leader")
    response = shop.post(shop.url(IMPORT), {})
    assert response.status_code == 400
    assert "Choose a CSV file." in response.get_data(as_text=True)


def test_template_has_bom_and_header_and_imports_as_is(shop):
    shop.login("leader")
    response = shop.client.get(shop.url("/products/template.csv"))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    assert response.data.decode("utf-8-sig").split("\r\n")[0] + "\r\n" == HEADER
    assert upload(shop, response.data).status_code == 303
    assert product_count() == 2 and variant_count() == 3
    prices = _db.session.scalars(
        select(Variant.price_satang).join(Product).where(Product.group_id == shop.a.id)
    ).all()
    assert sorted(prices) == [8500, 125050]


@pytest.mark.parametrize(
    ("row", "fragment"),
    [
        ("taken,ก,,,,,,,,1 กก.,,A-1,10,", "Line 2: The product slug taken is already used"),
        ("a-1,ก,,,,,,,,1 กก.,,TAKEN-1,10,", "Line 2: The SKU TAKEN-1 is already used"),
    ],
    ids=["slug", "sku"],
)
def test_slug_or_sku_taken_meanwhile_is_a_row_error(shop, monkeypatch, row, fragment):
    # Another request takes the slug or SKU between the checks and the writes.
    from marketplace.catalog import product_import

    monkeypatch.setattr(product_import, "_taken", lambda column, values: set())
    shop.login("leader")
    response = upload(shop, (HEADER + row + "\r\n").encode())
    assert response.status_code == 400
    assert fragment in response.get_data(as_text=True)
    assert product_count() == 1 and variant_count() == 1


def test_imported_products_on_sale_are_found_by_search(shop):
    from marketplace.catalog import search

    shop.login("leader")
    assert upload(shop, (HEADER + "\r\n".join(GOOD_ROWS) + "\r\n").encode()).status_code == 303
    rice = _db.session.scalar(select(Product).where(Product.slug == "khao-hom"))
    assert rice.id in search.query("Jasmine").product_ids
