"""The cart: add, change, remove, the limits, bad input, stock shown, and sign-in keeps it."""

import re

import pytest

from marketplace.extensions import db
from marketplace.models import ProductStatus
from marketplace.orders.checkout import MAX_CART_LINES

from .buying import add, english, html, post

__all__ = ["english"]  # the fixture, used by name
pytestmark = pytest.mark.usefixtures("english")


def _cart(client):
    with client.session_transaction() as session:
        return dict(session.get("cart", {}))


def _header_count(page):
    match = re.search(r'<span class="cart-count">([^<]*)</span>', page)
    assert match, "no cart link in the header"
    return match.group(1)


def test_add_update_remove(client, make):
    product = make.product(stock=10, price_satang=9000)
    variant = product.variants[0]
    db.session.commit()

    response = add(client, variant, 2)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")
    assert _cart(client) == {str(variant.id): 2}

    add(client, variant, 1)
    page = html(client.get("/cart"))
    assert product.name_en in page
    assert "฿270" in page  # 3 × ฿90
    assert _header_count(page) == "3"

    response = post(client, "/cart/update", {"variant_id": variant.id, "quantity": "5"})
    assert response.status_code == 303
    assert _cart(client) == {str(variant.id): 5}

    response = post(client, "/cart/update", {"variant_id": variant.id, "quantity": "0"})
    assert response.status_code == 303
    assert _cart(client) == {}

    add(client, variant, 1)
    response = post(client, "/cart/remove", {"variant_id": variant.id})
    assert response.status_code == 303
    assert _cart(client) == {}
    assert _header_count(html(client.get("/cart"))) == ""


def test_adding_goes_back_to_a_local_next_only(client, make):
    product = make.product(stock=5)
    db.session.commit()
    data = {"variant_id": product.variants[0].id, "quantity": "1"}
    response = post(client, "/cart/add", {**data, "next": f"/products/{product.slug}"})
    assert response.headers["Location"].endswith(f"/products/{product.slug}")
    response = post(client, "/cart/add", {**data, "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/cart")


def test_adding_more_than_in_stock_is_capped_with_a_message(client, make):
    product = make.product(stock=3)
    variant = product.variants[0]
    db.session.commit()
    add(client, variant, 2)
    response = add(client, variant, 5)
    assert response.status_code == 303
    assert _cart(client) == {str(variant.id): 3}
    assert "as many as we can sell you" in html(client.get("/cart"))


BAD_QUANTITIES = ["abc", "-1", "0", "1e9", "2.5", "1000000000", "99999999999999999999", "100", ""]


@pytest.mark.parametrize("quantity", BAD_QUANTITIES)
def test_a_bad_quantity_gets_a_message_and_changes_nothing(client, make, quantity):
    product = make.product(stock=500)
    variant = product.variants[0]
    db.session.commit()
    add(client, variant, 1)
    for path in ("/cart/add", "/cart/update"):
        if (path, quantity) in (("/cart/update", "0"), ("/cart/add", "")):
            continue  # 0 removes the line there; a bare "add" button adds one
        response = post(client, path, {"variant_id": variant.id, "quantity": quantity})
        assert response.status_code == 400, (path, quantity)
        page = html(response)
        assert "Choose a quantity from" in page or "whole number" in page
    assert _cart(client) == {str(variant.id): 1}


@pytest.mark.parametrize("variant_id", ["abc", "-1", "0", "999999", "9" * 30, "", "1; DROP"])
def test_an_unknown_variant_gets_a_message(client, make, variant_id):
    make.product(stock=5)
    db.session.commit()
    for path in ("/cart/add", "/cart/update", "/cart/remove"):
        response = post(client, path, {"variant_id": variant_id, "quantity": "1"})
        if path == "/cart/remove" and response.status_code == 303:
            continue  # removing what is not there is harmless
        assert response.status_code == 400, (path, variant_id)
        assert "not for sale" in html(response) or "not in your cart" in html(response)
    assert _cart(client) == {}


def test_a_product_off_sale_or_sold_out_cannot_be_added(client, make):
    hidden = make.product(stock=5, status=ProductStatus.DRAFT)
    sold_out = make.product(stock=0)
    db.session.commit()
    response = add(client, hidden.variants[0], 1)
    assert response.status_code == 400
    assert "This product is not for sale." in html(response)
    response = add(client, sold_out.variants[0], 1)
    assert response.status_code == 400
    assert "sold out" in html(response)
    assert _cart(client) == {}


def test_the_cart_holds_a_limited_number_of_lines(client, make):
    product = make.product(stock=5)
    db.session.commit()
    with client.session_transaction() as session:
        session["cart"] = {str(100_000 + i): 1 for i in range(MAX_CART_LINES)}
    response = add(client, product.variants[0], 1)
    assert response.status_code == 400
    assert f"at most {MAX_CART_LINES}" in html(response)


def test_a_tampered_cart_cookie_shows_what_makes_sense(client, make):
    product = make.product(stock=5)
    db.session.commit()
    variant_id = str(product.variants[0].id)
    with client.session_transaction() as session:
        session["cart"] = {"x": 1, variant_id: 2, "7": 10**9, "8": "3", "9": True, "10": -4}
    response = client.get("/cart")
    assert response.status_code == 200
    assert product.name_en in html(response)
    assert _header_count(html(response)) == "2"
    with client.session_transaction() as session:
        session["cart"] = ["not", "a", "dict"]
    assert client.get("/cart").status_code == 200


def test_lines_are_grouped_by_producer_group_with_their_stock(client, make):
    rice = make.product(stock=8)
    chili = make.product(stock=4)
    db.session.commit()
    add(client, rice.variants[0], 1)
    add(client, chili.variants[0], 2)
    page = html(client.get("/cart"))
    assert page.count('class="cart-group"') == 2
    assert rice.group.name_en in page and chili.group.name_en in page
    assert "8 left" in page and "4 left" in page


def test_several_groups_without_card_or_platform_account_check_out_as_one_order(
    app, client, make, monkeypatch
):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")  # the default: no Stripe
    rice = make.product(stock=8)
    chili = make.product(stock=4)
    db.session.commit()
    add(client, rice.variants[0], 1)
    page = html(client.get("/cart"))
    assert "you transfer each group its own part" not in page and 'href="/checkout"' in page
    add(client, chili.variants[0], 1)
    page = html(client.get("/cart"))
    assert "one group at a time" not in page
    assert "you transfer each group its own part" in page and 'href="/checkout"' in page
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    page = html(client.get("/cart"))
    assert "you transfer each group its own part" not in page and 'href="/checkout"' in page


def test_lines_no_longer_for_sale_or_beyond_stock_are_flagged(client, make):
    gone = make.product(stock=5)
    short = make.product(stock=5)
    db.session.commit()
    add(client, gone.variants[0], 1)
    add(client, short.variants[0], 4)
    gone.status = ProductStatus.ARCHIVED
    short.variants[0].lots[0].available = 2
    db.session.commit()
    page = html(client.get("/cart"))
    assert "No longer for sale" in page
    assert "Only 2 left" in page
    assert 'href="/checkout"' not in page
    response = client.get("/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")


def test_the_cart_survives_signing_in_and_out(client, auth, make, make_user):
    make_user("buyer@example.com")
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 2)
    response = auth.login("buyer@example.com")
    assert response.status_code in (302, 303)
    assert _cart(client) == {str(product.variants[0].id): 2}
    assert _header_count(html(client.get("/cart"))) == "2"


def test_the_cart_count_is_not_baked_into_cached_pages(app, make):
    product = make.product(stock=5)
    db.session.commit()
    path = f"/products/{product.slug}"
    shopper, other = app.test_client(), app.test_client()
    shopper.set_cookie("lang", "en")
    other.set_cookie("lang", "en")
    add(shopper, product.variants[0], 3)
    assert _header_count(html(shopper.get(path))) == "3"
    assert _header_count(html(other.get(path))) == ""  # the page the shopper cached
    assert _header_count(html(shopper.get(path))) == "3"
    assert "cart-count\x1f" not in html(other.get(path))


def test_the_product_page_has_an_add_to_cart_form_per_variant_in_stock(client, make):
    product = make.product(variants=2, stock=5)
    sold_out = make.product(stock=0)
    db.session.commit()
    page = html(client.get(f"/products/{product.slug}"))
    assert page.count('action="/cart/add"') == 2
    for variant in product.variants:
        assert f'name="variant_id" value="{variant.id}"' in page
    assert 'action="/cart/add"' not in html(client.get(f"/products/{sold_out.slug}"))
