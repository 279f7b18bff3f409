"""Checkout: the buyer's details checked, shipping per group, server-side totals, stock held."""

import json
import re

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Order, OrderStatus, PaymentMethod
from marketplace.orders import checkout, payments, stock

from .buying import (
    CONTACT,
    add,
    checkout_form,
    english,
    html,
    order_link,
    place,
    post,
    stripe_stub,
)

__all__ = ["english", "stripe_stub"]  # the fixtures, used by name
pytestmark = pytest.mark.usefixtures("english")


def _orders():
    return db.session.scalars(select(Order)).all()


def _cart(client):
    with client.session_transaction() as session:
        return dict(session.get("cart", {}))


def test_an_empty_cart_goes_back_to_the_cart(client):
    response = client.get("/checkout")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/cart")


def test_a_guest_places_a_transfer_order(client, make, outbox, stripe_stub):
    product = make.product(stock=5, price_satang=9000)
    db.session.commit()
    add(client, product.variants[0], 2)
    page = html(client.get("/checkout"))
    assert "฿180" in page
    response = place(client)
    assert response.status_code == 303
    link = order_link(response)
    assert "token=" in link
    order = _orders()[0]
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert order.payment_method == PaymentMethod.TRANSFER
    assert (order.email, order.phone, order.postal_code) == (
        "somchai@example.com",
        "0812345678",
        "57120",
    )
    assert order.locale == "en"  # the language the buyer ordered in: mails use it
    assert stock.variant_available(product.variants[0].id) == 3
    assert _cart(client) == {}
    assert [m.to for m in outbox] == ["somchai@example.com"]
    assert order.reference in outbox[0].subject
    assert f"/orders/{order.reference}?token=" in outbox[0].body
    assert stripe_stub.calls == []
    assert client.get(link).status_code == 200


def test_stripe_goes_to_the_payment_page(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    response = place(client, payment_method="stripe")
    assert response.status_code == 303
    order = _orders()[0]
    assert response.headers["Location"] == f"https://checkout.stripe.test/c/{order.reference}"
    assert stripe_stub.calls == [order.reference]


def test_stripe_unreachable_keeps_the_order_and_shows_it(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()

    def broken(order):
        raise payments.PaymentError("The card payment service cannot be reached just now.")

    stripe_stub.start_checkout = broken
    add(client, product.variants[0], 1)
    response = place(client, payment_method="stripe")
    assert response.status_code == 303
    link = order_link(response)
    page = html(client.get(link))
    assert "cannot be reached just now" in page
    assert "Pay now" in page
    assert _orders()[0].status == OrderStatus.PENDING_PAYMENT


def test_stripe_is_not_offered_without_keys(client, make, stripe_stub):
    stripe_stub.configured = False
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    assert 'value="stripe"' not in html(client.get("/checkout"))
    response = place(client, payment_method="stripe")
    assert response.status_code == 400
    assert "Choose how you will pay." in html(response)
    assert _orders() == []


def test_a_signed_in_buyer_finds_name_and_email_filled_in(client, auth, make, make_user):
    make_user("nok@example.com", name="นกน้อย")
    product = make.product(stock=5)
    db.session.commit()
    auth.login("nok@example.com")
    add(client, product.variants[0], 1)
    page = html(client.get("/checkout"))
    assert 'value="nok@example.com"' in page
    assert 'value="นกน้อย"' in page
    response = place(client)
    assert response.status_code == 303
    assert "token=" not in response.headers["Location"]  # the owner needs no link token
    assert _orders()[0].user.email == "nok@example.com"


BAD_DETAILS = [
    pytest.param({"email": "not-an-email"}, "email", "Enter a valid email address.", id="email"),
    pytest.param({"name": "   "}, "name", "Enter your name.", id="name"),
    pytest.param({"phone": "12345"}, "phone", "Enter a Thai phone number", id="phone-short"),
    pytest.param({"phone": "+1 555 123 4567"}, "phone", "Enter a Thai phone number", id="phone-us"),
    # A mobile number has 10 digits, a landline 9: one digit short or over is refused.
    pytest.param({"phone": "081234567"}, "phone", "Enter a Thai phone number", id="mobile-9"),
    pytest.param({"phone": "08123456789"}, "phone", "Enter a Thai phone number", id="mobile-11"),
    pytest.param({"phone": "0212345678"}, "phone", "Enter a Thai phone number", id="landline-10"),
    pytest.param({"phone": "05312345"}, "phone", "Enter a Thai phone number", id="landline-8"),
    pytest.param({"phone": "0112345678"}, "phone", "Enter a Thai phone number", id="phone-01"),
    pytest.param({"address_line": ""}, "address_line", "Enter the house number", id="address"),
    pytest.param({"postal_code": "10200"}, "postal_code", "57120", id="postal-code"),
    pytest.param({"postal_code": "abc"}, "postal_code", "57120", id="postal-letters"),
    # Mueang Chiang Mai's subdistrict under Phan district: the place does not hold together.
    pytest.param(
        {"subdistrict_code": "500101"}, "subdistrict_code", "", id="subdistrict-elsewhere"
    ),
    pytest.param({"district_code": "1001"}, "district_code", "", id="district-elsewhere"),
    pytest.param({"province_code": "99"}, "province_code", "", id="no-such-province"),
    pytest.param(
        {"payment_method": "bitcoin"}, "payment_method", "Choose how you will pay", id="pay"
    ),
    pytest.param({"payment_method": "cash_on_pickup"}, "payment_method", "", id="cash-shipped"),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_DETAILS)
def test_bad_details_are_refused_at_their_field(client, make, stripe_stub, change, field, message):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    response = place(client, **change)
    assert response.status_code == 400
    page = html(response)
    assert message in page
    if field != "payment_method":
        assert f'id="{field}-error"' in page, field
    assert _orders() == []
    assert stock.variant_available(product.variants[0].id) == 5
    assert _cart(client)  # the cart is still there


def test_a_plus66_phone_number_is_accepted(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    assert place(client, phone="+66 81-234-5678").status_code == 303
    assert _orders()[0].phone == "0812345678"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("091 234 5678", "0912345678"),
        ("06-1234-5678", "0612345678"),
        ("02 123 4567", "021234567"),
        ("053-123-456", "053123456"),
        ("+66 53 123 456", "053123456"),
    ],
)
def test_thai_mobile_and_landline_numbers_are_accepted(client, make, stripe_stub, typed, stored):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    assert place(client, phone=typed).status_code == 303
    assert _orders()[0].phone == stored


# -- a double click on "Place the order" ---------------------------------------------------


def _checkout_key(page):
    match = re.search(r'name="checkout_key"[^>]*value="([^"]+)"', page)
    assert match, "the checkout page has no one-time key"
    return match.group(1)


def test_the_checkout_page_carries_a_one_time_key_that_survives_a_redisplay(
    client, make, stripe_stub
):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    key = _checkout_key(html(client.get("/checkout")))
    assert checkout.is_checkout_key(key)
    assert _checkout_key(html(client.get("/checkout"))) != key  # a new one per form
    redisplayed = post(client, "/checkout", checkout_form(checkout_key=key, update_quote="y"))
    assert _checkout_key(html(redisplayed)) == key
    refused = place(client, checkout_key=key, phone="12345")
    assert refused.status_code == 400
    assert _checkout_key(html(refused)) == key  # nothing was placed: the key is still free


def test_the_same_checkout_posted_twice_places_one_order(client, make, outbox, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 2)
    key = _checkout_key(html(client.get("/checkout")))
    with client.session_transaction() as session:
        cart_before = dict(session["cart"])

    first = place(client, checkout_key=key)
    assert first.status_code == 303
    # A double click: the second post left with the same cookie, the cart still full.
    with client.session_transaction() as session:
        session["cart"] = cart_before
    second = place(client, checkout_key=key)
    # Then once more after the first answer arrived (the cart is empty by now).
    third = place(client, checkout_key=key)

    assert len(_orders()) == 1
    order = _orders()[0]
    assert order.checkout_key == key
    assert stock.variant_available(product.variants[0].id) == 3  # taken once
    for response in (second, third):
        assert response.status_code == 303
        assert order_link(response) == order_link(first)
    assert _cart(client) == {}
    assert [m.to for m in outbox] == ["somchai@example.com"]  # one confirmation
    assert f"Your order {order.reference} is placed" in html(client.get(order_link(first)))


def test_a_second_post_of_a_stripe_checkout_goes_to_the_same_payment_page(
    client, make, stripe_stub
):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    key = _checkout_key(html(client.get("/checkout")))
    first = place(client, payment_method="stripe", checkout_key=key)
    add(client, product.variants[0], 1)  # the second post still had a cart
    second = place(client, payment_method="stripe", checkout_key=key)
    [order] = _orders()
    url = f"https://checkout.stripe.test/c/{order.reference}"
    assert first.headers["Location"] == second.headers["Location"] == url
    assert stock.variant_available(product.variants[0].id) == 4


def test_two_posts_racing_with_one_key_place_one_order(client, make, stripe_stub, monkeypatch):
    """The post that loses the race meets the unique key at the flush, rolls back, and follows."""
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 2)
    key = _checkout_key(html(client.get("/checkout")))
    with client.session_transaction() as session:
        cart_before = dict(session["cart"])
    first = place(client, checkout_key=key)
    with client.session_transaction() as session:
        session["cart"] = cart_before

    # The second post does not see the first's order before it reserves (as when both
    # run at once on PostgreSQL): only the unique column stops it.
    real_lookup = checkout.order_for_checkout_key
    blind = {"calls": 2}  # the view's check and place_order's check

    def racing_lookup(value):
        if blind["calls"]:
            blind["calls"] -= 1
            return None
        return real_lookup(value)

    monkeypatch.setattr(checkout, "order_for_checkout_key", racing_lookup)
    second = place(client, checkout_key=key)
    assert blind["calls"] == 0
    assert second.status_code == 303
    assert order_link(second) == order_link(first)
    assert len(_orders()) == 1
    assert stock.variant_available(product.variants[0].id) == 3
    assert _cart(client) == {}


def test_a_malformed_checkout_key_is_refused_with_a_message(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    response = place(client, checkout_key="x" * 500)
    assert response.status_code == 400
    page = html(response)
    assert "This form is out of date" in page
    assert checkout.is_checkout_key(_checkout_key(page))  # a fresh key to try again with
    assert _orders() == []
    assert stock.variant_available(product.variants[0].id) == 5


def test_shipping_per_group_and_pickup(client, make, stripe_stub):
    shipper = make.group(shipping_flat_satang=5000, shipping_per_kg_satang=2000)
    pickup = make.group(ships=False, offers_pickup=True, pickup_note_en="At the village hall")
    either = make.group(shipping_flat_satang=4000, offers_pickup=True)
    rice = make.product(group=shipper, stock=10, price_satang=10000)
    rice.variants[0].weight_grams = 1500
    chili = make.product(group=pickup, stock=10, price_satang=5000)
    mat = make.product(group=either, stock=10, price_satang=30000)
    db.session.commit()
    add(client, rice.variants[0], 2)  # 3 kg: 50 + 3 × 20 baht
    add(client, chili.variants[0], 1)
    add(client, mat.variants[0], 1)

    page = html(client.get("/checkout"))
    assert "฿110" in page  # rice's shipping
    assert "At the village hall" in page
    assert f'name="delivery-{either.id}" value="pickup"' in page
    assert f'name="delivery-{pickup.id}" value="pickup"' in page  # the only way: hidden

    stripe_stub.configured = True
    response = place(
        client,
        payment_method="stripe",
        **{f"delivery-{either.id}": "pickup", f"delivery-{shipper.id}": "pickup"},
    )
    assert response.status_code == 303
    order = _orders()[0]
    parts = {f.group_id: f for f in order.fulfilments}
    assert len(parts) == 3
    assert (parts[shipper.id].delivery_method, parts[shipper.id].shipping_satang) == ("ship", 11000)
    assert (parts[pickup.id].delivery_method, parts[pickup.id].shipping_satang) == ("pickup", 0)
    assert (parts[either.id].delivery_method, parts[either.id].shipping_satang) == ("pickup", 0)
    assert order.subtotal_satang == 2 * 10000 + 5000 + 30000
    assert order.total_satang == order.subtotal_satang + 11000
    assert parts[shipper.id].weight_grams == 3000


def test_totals_are_the_servers_whatever_the_form_says(client, make, stripe_stub):
    product = make.product(stock=5, price_satang=12000)
    db.session.commit()
    add(client, product.variants[0], 2)
    response = place(
        client,
        total_satang="1",
        subtotal_satang="1",
        shipping_satang="0",
        price_satang="1",
        unit_price_satang="1",
        quantity="99",
    )
    assert response.status_code == 303
    order = _orders()[0]
    assert order.total_satang == 24000
    assert order.lines[0].unit_price_satang == 12000
    assert order.lines[0].quantity == 2


def test_a_cart_of_two_groups_is_one_order_in_two_parts(client, make, stripe_stub, app):
    first = make.product(stock=5)
    second = make.product(stock=5)
    db.session.commit()
    add(client, first.variants[0], 1)
    add(client, second.variants[0], 3)
    # No platform account: a transfer is still offered, to each group's own account.
    assert 'value="transfer"' in html(client.get("/checkout"))
    response = place(client, payment_method="stripe")
    assert response.status_code == 303
    order = _orders()[0]
    assert sorted(f.group_id for f in order.fulfilments) == sorted(
        [first.group_id, second.group_id]
    )
    assert sorted(len(f.lines) for f in order.fulfilments) == [1, 1]


def test_several_groups_transfer_to_the_platform_when_it_has_an_account(
    client, make, app, monkeypatch, stripe_stub
):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0105555555555")
    monkeypatch.setitem(app.config, "PLATFORM_PAYEE_NAME", "Community Market Co.")
    first = make.product(stock=5)
    second = make.product(stock=5)
    db.session.commit()
    add(client, first.variants[0], 1)
    add(client, second.variants[0], 1)
    response = place(client)
    assert response.status_code == 303
    page = html(client.get(order_link(response)))
    assert "0105555555555" in page and "Community Market Co." in page


def test_cash_on_pickup_when_everything_is_picked_up(client, make, stripe_stub):
    group = make.group(ships=False, offers_pickup=True)
    product = make.product(group=group, stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    response = place(
        client,
        payment_method="cash_on_pickup",
        address_line="",
        province_code="",
        district_code="",
        subdistrict_code="",
        postal_code="",
    )
    assert response.status_code == 303
    order = _orders()[0]
    assert order.payment_method == PaymentMethod.CASH_ON_PICKUP
    assert order.province_code == ""


def test_sold_out_meanwhile_gets_a_409_and_takes_nothing(client, make, stripe_stub):
    scarce = make.product(stock=3, name_en="Jasmine rice")
    plenty = make.product(group=scarce.group, stock=10)
    db.session.commit()
    add(client, plenty.variants[0], 2)
    add(client, scarce.variants[0], 3)
    scarce.variants[0].lots[0].available = 1  # someone else bought two meanwhile
    db.session.commit()
    response = place(client)
    assert response.status_code == 409
    page = html(response)
    assert "Only 1 of Jasmine rice are left" in page
    assert _orders() == []
    assert stock.variant_available(plenty.variants[0].id) == 10
    assert stock.variant_available(scarce.variants[0].id) == 1
    assert _cart(client)


def test_the_area_chooser_works_without_javascript(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    data = checkout_form(district_code="", subdistrict_code="", postal_code="", update_areas="y")
    response = post(client, "/checkout", data)
    assert response.status_code == 200
    page = html(response)
    assert '<option value="5705">' in page  # Phan, a district of Chiang Rai
    data = checkout_form(postal_code="", update_areas="y")
    page = html(post(client, "/checkout", data))
    assert 'value="57120"' in page  # the postal code of Doi Ngam, filled in
    assert _orders() == []


def test_area_options_as_json(client):
    districts = json.loads(client.get("/checkout/areas?province=57").get_data())["options"]
    assert {"code": "5705", "name": "Phan"} in districts
    response = client.get("/checkout/areas?district=5705")
    subdistricts = json.loads(response.get_data())["options"]
    doi_ngam = next(s for s in subdistricts if s["code"] == "570505")
    assert doi_ngam["postal_codes"] == ["57120"]
    assert client.get("/checkout/areas?province=xx").status_code == 404
    assert client.get("/checkout/areas").status_code == 404


def test_the_checkout_page_is_never_cached(client, make, stripe_stub):
    product = make.product(stock=5)
    db.session.commit()
    add(client, product.variants[0], 1)
    response = client.get("/checkout")
    assert response.headers["Cache-Control"] == "private, no-store"
    assert CONTACT["email"] not in html(response)


def test_two_groups_without_card_or_platform_account_are_paid_each_to_its_group(
    client, make, app, monkeypatch
):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    first = make.product(stock=5)
    second = make.product(stock=5)
    db.session.commit()
    add(client, first.variants[0], 1)
    add(client, second.variants[0], 2)
    page = html(client.get("/checkout"))
    assert 'value="transfer"' in page and "Place the order" in page
    assert "You transfer each group its own part" in page
    response = place(client)
    assert response.status_code == 303
    order = _orders()[0]
    assert order.paid_per_part and len(order.fulfilments) == 2
    assert all(f.expires_at is not None for f in order.fulfilments)


def test_errors_are_listed_at_the_top_of_the_checkout(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "")
    add(client, make.product(stock=5).variants[0], 1)
    db.session.commit()
    response = place(client, phone="12")
    assert response.status_code == 400
    page = html(response)
    top = page.index('id="checkout-error"')
    assert top < page.index('id="email"')
    summary = page[top : page.index("</div>", top)]
    assert 'href="#phone"' in summary and "Enter a Thai phone number" in summary
