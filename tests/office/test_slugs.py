"""Product addresses: readable for Thai-only names, unique, stable on rename; old ones redirect."""

from urllib.parse import quote

from sqlalchemy import select

from marketplace.catalog import slugs
from marketplace.models import Product
from marketplace.models.catalog import ProductSlug

from .test_products import _product_data


def test_slug_text_keeps_thai_letters_and_marks():
    assert slugs.slug_text("ข้าวเหนียวดำ 1 กก.") == "ข้าวเหนียวดำ-1-กก"
    assert slugs.slug_text("น้ำผึ้งป่า (ขวดใหญ่)") == "น้ำผึ้งป่า-ขวดใหญ่"
    assert slugs.slug_text("Black  Sticky—Rice!") == "black-sticky-rice"
    assert slugs.slug_text("ฯ ๆ ?!") == ""
    # Cut at 80 characters, never between a letter and its vowel or tone mark.
    long = slugs.slug_text("ข้าว" * 30)
    assert len(long) <= slugs.MAX_LENGTH and long.endswith("ข้าว")
    assert slugs.base_slug("ข้าวหอม", "") == "ข้าวหอม"
    assert slugs.base_slug("ข้าวหอม", "Jasmine rice") == "jasmine-rice"
    assert slugs.base_slug("???", "") == "product"


def test_thai_only_product_gets_a_readable_unique_address(office, db):
    office.login("leader")
    for _ in range(3):
        response = office.post(office.url("/products/new"), _product_data(name_en="", sku=None))
        assert response.status_code == 303
    found = db.session.scalars(select(Product.slug).order_by(Product.id)).all()
    assert found == ["ข้าวเหนียวดำ", "ข้าวเหนียวดำ-2", "ข้าวเหนียวดำ-3"]
    product = db.session.scalars(select(Product).order_by(Product.id)).first()
    product.status = "active"
    db.session.commit()
    office.client.get("/account/sign-out")
    response = office.client.get("/products/" + quote("ข้าวเหนียวดำ"))
    assert response.status_code == 200
    # The office links to it with a label that says so (it said "view group page").
    office.login("leader")
    html = office.client.get(office.url(f"/products/{product.id}")).get_data(as_text=True)
    assert "See the product&#39;s page" in html or "See the product's page" in html


def test_rename_keeps_the_address(office, db):
    office.login("leader")
    office.post(office.url("/products/new"), _product_data(name_en=""))
    product = db.session.scalars(select(Product)).one()
    office.post(
        office.url(f"/products/{product.id}/edit"),
        _product_data(name_en="", name_th="ข้าวเหนียวดำอินทรีย์"),
    )
    db.session.refresh(product)
    assert product.slug == "ข้าวเหนียวดำ"
    assert db.session.scalars(select(ProductSlug)).first() is None


def test_placeholder_address_becomes_readable_and_the_old_one_redirects(office, make, db, runner):
    old = make.product(group=office.a, slug="product-3f9a1c", name_th="พริกกะเหรี่ยง", name_en="")
    other = make.product(group=office.a, slug="product", name_th="เสื่อกก", name_en="")
    kept = make.product(group=office.a, slug="product-abcdef", name_th="???", name_en="")
    db.session.commit()
    office.login("leader")
    response = office.post(
        office.url(f"/products/{old.id}/edit"),
        _product_data(name_en="", name_th="พริกกะเหรี่ยง", status="active"),
    )
    assert response.status_code == 303
    db.session.refresh(old)
    assert old.slug == "พริกกะเหรี่ยง"
    office.client.get("/account/sign-out")
    response = office.client.get("/products/product-3f9a1c?utm_source=line")
    assert response.status_code == 301
    assert response.headers["Location"] == "/products/" + quote("พริกกะเหรี่ยง") + "?utm_source=line"
    # An old address is never handed to another product.
    assert slugs.unique_slug("x", "product-3f9a1c") == "product-3f9a1c-2"
    # The command does the rest; a name with nothing readable keeps its placeholder.
    result = runner.invoke(args=["catalog", "slugs"])
    assert result.exit_code == 0 and result.output.startswith("1 ")
    db.session.expire_all()
    assert db.session.get(Product, other.id).slug == "เสื่อกก"
    assert db.session.get(Product, kept.id).slug == "product-abcdef"
    assert office.client.get("/products/no-such-thing").status_code == 404
