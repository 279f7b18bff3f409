"""Products and variants: create, edit, archive; prices in baht parsed exactly to satang."""

import pytest
from sqlalchemy import select

from marketplace.catalog.service import CatalogError, parse_price
from marketplace.models import Product, Variant
from marketplace.models.accounts import AuditLog


@pytest.mark.parametrize(
    ("text", "satang"),
    [
        ("1,250.50", 125050),
        ("1250.5", 125050),
        ("45", 4500),
        (" ฿1,000 ", 100000),
        ("0.01", 1),
        ("1,234,567.89", 123456789),
        ("0.1", 10),
        ("19.99", 1999),
    ],
)
def test_parse_price_is_exact(app, text, satang):
    with app.test_request_context():
        assert parse_price(text) == satang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "-5",
        "0",
        "0.00",
        "1.255",
        "abc",
        "1,25.00",
        "1e3",
        "NaN",
        "Infinity",
        "1..2",
        "١٢",
        "99999999999",
        "1,2345",
        "12\x00.5.5",
    ],
)
def test_parse_price_refuses_bad_input(app, text):
    with app.test_request_context(), pytest.raises(CatalogError) as caught:
        parse_price(text)
    assert caught.value.field == "price"


def _product_data(**changes):
    data = {
        "name_th": "ข้าวเหนียวดำ",
        "name_en": "Black sticky rice",
        "summary_th": "สรุป",
        "summary_en": "Summary",
        "description_th": "รายละเอียด",
        "description_en": "Description",
        "category_id": "",
        "status": "draft",
    }
    data.update(changes)
    return data


def test_staff_create_and_edit_a_product(office, db):
    office.login("staff")
    response = office.post(office.url("/products/new"), _product_data())
    assert response.status_code == 303
    product = db.session.scalars(select(Product)).one()
    assert product.group_id == office.a.id and product.status == "draft"
    assert product.slug == "black-sticky-rice"
    html = office.client.get(office.url("/products")).get_data(as_text=True)
    assert "Black sticky rice" in html and "Draft" in html
    response = office.post(
        office.url(f"/products/{product.id}/edit"),
        _product_data(name_en="Black rice", status="active"),
    )
    assert response.status_code == 303
    db.session.refresh(product)
    assert product.name_en == "Black rice" and product.status == "active"
    assert product.slug == "black-sticky-rice"  # links and QR codes keep working


def test_product_without_thai_name_is_refused(office, db):
    office.login("leader")
    response = office.post(office.url("/products/new"), _product_data(name_th="  \x01 "))
    assert response.status_code == 400
    assert db.session.scalars(select(Product)).first() is None


def test_bad_status_and_category_are_refused(office, db):
    office.login("leader")
    assert office.post(office.url("/products/new"), _product_data(status="x")).status_code == 400
    response = office.post(office.url("/products/new"), _product_data(category_id="999999999999"))
    assert response.status_code == 400
    assert "Choose a category." in response.get_data(as_text=True)


def test_very_long_text_and_nul_bytes_never_500(office, db):
    office.login("leader")
    response = office.post(
        office.url("/products/new"),
        _product_data(name_th="ข" * 150 + "\x00", description_th="ก" * 19_000 + "\x00"),
    )
    assert response.status_code == 400  # a NUL refuses the form (request_guard), saving nothing
    assert db.session.scalars(select(Product)).first() is None
    response = office.post(
        office.url("/products/new"),
        _product_data(name_th="ข" * 150 + "\x01", description_th="ก" * 19_000 + "\x02"),
    )
    assert response.status_code == 303
    product = db.session.scalars(select(Product)).one()
    assert "\x01" not in product.name_th and "\x02" not in product.description_th
    response = office.post(office.url("/products/new"), _product_data(name_th="x" * 5000))
    assert response.status_code == 400


def test_archive_and_unarchive(office, make, db):
    product = make.product(group=office.a)
    db.session.commit()
    office.login("staff")
    assert office.post(office.url(f"/products/{product.id}/archive")).status_code == 303
    db.session.refresh(product)
    assert product.status == "archived"
    assert "Archived" in office.client.get(office.url("/products")).get_data(as_text=True)
    assert office.post(office.url(f"/products/{product.id}/unarchive")).status_code == 303
    db.session.refresh(product)
    assert product.status == "draft"


def _variant_data(**changes):
    data = {
        "label_th": "1 กก.",
        "label_en": "1 kg",
        "sku": "bsr-1kg",
        "price": "1,250.50",
        "weight_grams": "1000",
        "is_active": "y",
    }
    data.update(changes)
    return data


def test_create_and_edit_a_variant_with_audited_price(office, make, db):
    product = make.product(group=office.a, variants=0)
    db.session.commit()
    office.login("staff")
    response = office.post(office.url(f"/products/{product.id}/variants/new"), _variant_data())
    assert response.status_code == 303
    variant = db.session.scalars(select(Variant)).one()
    assert (variant.sku, variant.price_satang, variant.weight_grams) == ("BSR-1KG", 125050, 1000)
    page = office.client.get(office.url(f"/variants/{variant.id}/edit")).get_data(as_text=True)
    assert 'value="1,250.50"' in page
    response = office.post(
        office.url(f"/variants/{variant.id}/edit"), _variant_data(price="99.90", is_active="")
    )
    assert response.status_code == 303
    db.session.refresh(variant)
    assert variant.price_satang == 9990 and not variant.is_active
    rows = db.session.scalars(
        select(AuditLog).where(AuditLog.action == "variant.price_changed").order_by(AuditLog.id)
    ).all()
    assert (
        len(rows) == 2 and '"old": 125050' in rows[1].details and '"new": 9990' in rows[1].details
    )


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("-10", "The price must be more than zero."),
        ("0", "The price must be more than zero."),
        ("1.234", "A price has at most two decimals (satang)."),
        ("ten baht", "Enter the price as a number of baht, e.g. 1,250.50."),
    ],
)
def test_bad_prices_show_a_message_and_change_nothing(office, make, db, price, message):
    product = make.product(group=office.a, variants=1, price_satang=5000)
    variant = product.variants[0]
    db.session.commit()
    office.login("leader")
    response = office.post(
        office.url(f"/products/{product.id}/variants/new"), _variant_data(price=price)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    response = office.post(
        office.url(f"/variants/{variant.id}/edit"), _variant_data(sku=variant.sku, price=price)
    )
    assert response.status_code == 400
    db.session.refresh(variant)
    assert variant.price_satang == 5000
    assert len(db.session.scalars(select(Variant)).all()) == 1


def test_duplicate_sku_is_a_clear_error(office, make, db):
    other = make.product(group=office.b)
    taken = other.variants[0].sku
    product = make.product(group=office.a, variants=0)
    db.session.commit()
    office.login("leader")
    response = office.post(
        office.url(f"/products/{product.id}/variants/new"), _variant_data(sku=taken.lower())
    )
    assert response.status_code == 400
    assert f"The SKU {taken} is already used" in response.get_data(as_text=True)


def test_another_groups_ids_are_404(office, make, db):
    other = make.product(group=office.b)
    variant = other.variants[0]
    db.session.commit()
    office.login("leader")
    assert office.client.get(office.url(f"/products/{other.id}")).status_code == 404
    assert office.client.get(office.url(f"/products/{other.id}/edit")).status_code == 404
    assert office.client.get(office.url(f"/variants/{variant.id}/edit")).status_code == 404
    assert office.post(office.url(f"/products/{other.id}/archive")).status_code == 404
    response = office.post(office.url(f"/variants/{variant.id}/edit"), _variant_data(price="1"))
    assert response.status_code == 404
    response = office.post(office.url(f"/products/{other.id}/edit"), _product_data())
    assert response.status_code == 404
    db.session.refresh(other)
    assert other.status == "active" and variant.price_satang != 100


@pytest.mark.parametrize(
    "path",
    [
        "/products/99999999999999999999",
        "/products/99999999999999999999/edit",
        "/variants/2147483648/edit",
        "/products/abc",
        "/products/-1",
        "/lots/99999999999999999999",
        "/claims/99999999999999999999",
        "/evidence/99999999999999999999",
    ],
)
def test_huge_or_odd_ids_are_404(office, path):
    office.login("leader")
    assert office.client.get(office.url(path)).status_code == 404
