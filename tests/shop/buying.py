"""Helpers for the cart, checkout and order page tests: posting forms, a stand-in for Stripe."""

import re
from types import SimpleNamespace

import pytest

from marketplace.orders import payments
from tests.conftest import csrf_token
from tests.factories import BUYER_ADDRESS

CONTACT = dict(email="somchai@example.com", name="สมชาย ใจดี", phone="081 234 5678")


def post(client, path, data=None, page="/cart", **kwargs):
    """POST a form with a fresh CSRF token read from `page`."""
    values = {"csrf_token": csrf_token(client, page), **(data or {})}
    return client.post(path, data=values, **kwargs)


def add(client, variant, quantity=1):
    """Put a variant in the client's cart through the real route."""
    variant_id = getattr(variant, "id", variant)
    return post(client, "/cart/add", {"variant_id": variant_id, "quantity": quantity})


def checkout_form(**overrides):
    """A complete checkout form: contact, Chiang Rai address, transfer."""
    data = {**CONTACT, **BUYER_ADDRESS, "payment_method": "transfer", "note": ""}
    data.update(overrides)
    return data


def place(client, **overrides):
    """Post the checkout form; returns the response."""
    return post(client, "/checkout", checkout_form(**overrides))


def html(response):
    return response.get_data(as_text=True)


def order_link(response):
    """The order page path a checkout redirected to."""
    location = response.headers["Location"]
    assert re.search(r"/orders/MP-[A-Z0-9]{4}-[A-Z0-9]{4}", location), location
    return location


@pytest.fixture
def stripe_stub(monkeypatch):
    """Stand in for Stripe in `orders.payments`: configured, start_checkout records its calls."""
    calls = []
    stub = SimpleNamespace(configured=True, calls=calls)

    def start_checkout(order):
        calls.append(order.reference)
        return f"https://checkout.stripe.test/c/{order.reference}"

    stub.start_checkout = start_checkout
    monkeypatch.setattr(payments, "is_configured", lambda: stub.configured)
    monkeypatch.setattr(payments, "start_checkout", lambda order: stub.start_checkout(order))
    return stub


@pytest.fixture
def english(client):
    """Pages in English, so messages can be checked whatever the Thai catalog says."""
    client.set_cookie("lang", "en")
    return client
