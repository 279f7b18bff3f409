"""The order page: who may open it, cancelling, expiry on access, transfer slips, history."""

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.i18n import format_baht
from marketplace.models import OrderStatus, Payment, PaymentStatus
from marketplace.orders import promptpay, service, slips, states, stock

from ..office.pictures import jpeg_with_gps_and_rotation, picture, png_bomb_header
from .buying import english, html, post, stripe_stub

__all__ = ["english", "stripe_stub"]  # the fixtures, used by name
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def order(make):
    """A guest's unpaid transfer order of 2 units (5 in stock)."""
    product = make.product(stock=5)
    placed = make.order({product.variants[0]: 2})
    db.session.commit()
    placed.variant_id = product.variants[0].id
    return placed


def _page(order, **values):
    token = service.order_token(order)
    query = "&".join(f"{k}={v}" for k, v in {"token": token, **values}.items())
    return f"/orders/{order.reference}?{query}"


def _send_slip(client, order, data, name="slip.jpg", token=True):
    fields = {"slip": (io.BytesIO(data), name)}
    if token:
        fields["token"] = service.order_token(order)
    return post(
        client,
        f"/orders/{order.reference}/slip",
        fields,
        page=_page(order),
        content_type="multipart/form-data",
    )


@pytest.fixture
def new_slip_files(app):
    """The slip files written since the test began (the upload folder lives for the session)."""
    folder = Path(app.config["UPLOAD_FOLDER"]) / "slips"

    def files():
        return set(folder.glob("*")) if folder.exists() else set()

    before = files()
    return lambda: sorted(files() - before)


# -- who may see it ------------------------------------------------------------------------


def test_the_mailed_link_opens_the_order(client, order):
    response = client.get(_page(order))
    assert response.status_code == 200
    assert order.reference in html(response)
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("token", ["", "nonsense", "eyJvIjoiTVAtWFhYWC1YWFhYIn0.abc"])
def test_a_missing_or_bad_token_is_404(client, order, token):
    assert client.get(f"/orders/{order.reference}?token={token}").status_code == 404


def test_a_token_for_another_order_is_404(client, make, order):
    other = make.order({make.product(stock=3).variants[0]: 1})
    db.session.commit()
    token = service.order_token(other)
    assert client.get(f"/orders/{order.reference}?token={token}").status_code == 404
    assert client.get("/orders/MP-NONE-NONE?token=x").status_code == 404
    assert client.get("/orders/" + "A" * 500).status_code == 404


def test_the_owner_signed_in_needs_no_token_and_strangers_get_404(client, auth, make, make_user):
    owner = make_user("owner@example.com")
    make_user("stranger@example.com")
    placed = make.order({make.product(stock=3).variants[0]: 1}, user=owner)
    db.session.commit()
    path = f"/orders/{placed.reference}"
    assert client.get(path).status_code == 404
    auth.login("owner@example.com")
    assert client.get(path).status_code == 200
    auth.logout()
    auth.login("stranger@example.com")
    assert client.get(path).status_code == 404
    assert client.get(path + "/slip").status_code == 404
    response = post(client, path + "/cancel", page="/cart")
    assert response.status_code == 404
    assert placed.status == OrderStatus.PENDING_PAYMENT


# -- cancel and expiry ---------------------------------------------------------------------


def test_cancel_while_unpaid_gives_the_stock_back(client, order, outbox):
    assert stock.variant_available(order.variant_id) == 3
    token = service.order_token(order)
    response = post(client, f"/orders/{order.reference}/cancel", {"token": token}, page="/cart")
    assert response.status_code == 303
    assert f"token={token}" in response.headers["Location"]
    db.session.refresh(order)
    assert order.status == OrderStatus.CANCELLED
    assert stock.variant_available(order.variant_id) == 5
    assert "cancelled" in html(client.get(_page(order)))
    assert [m.to for m in outbox] == ["buyer@example.com"]
    # Twice is harmless.
    post(client, f"/orders/{order.reference}/cancel", {"token": token}, page="/cart")
    assert stock.variant_available(order.variant_id) == 5


def test_cancel_without_the_token_is_404(client, order):
    response = post(client, f"/orders/{order.reference}/cancel", page="/cart")
    assert response.status_code == 404
    assert order.status == OrderStatus.PENDING_PAYMENT


def test_a_paid_order_cannot_be_cancelled_by_the_buyer(client, make):
    placed = make.order({make.product(stock=3).variants[0]: 1}, paid=True)
    db.session.commit()
    page = html(client.get(_page(placed)))
    assert "Cancel this order" not in page
    token = service.order_token(placed)
    response = post(client, f"/orders/{placed.reference}/cancel", {"token": token}, page="/cart")
    assert response.status_code == 303
    db.session.refresh(placed)
    assert placed.status == OrderStatus.PAID
    assert "can no longer be cancelled" in html(client.get(_page(placed)))


def test_an_overdue_order_expires_when_its_page_is_opened(client, order):
    order.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    page = html(client.get(_page(order)))
    db.session.refresh(order)
    assert order.status == OrderStatus.EXPIRED
    assert "went back on sale" in page
    assert stock.variant_available(order.variant_id) == 5


# -- paying --------------------------------------------------------------------------------


def test_pay_now_reopens_the_stripe_page(client, make, stripe_stub):
    placed = make.order({make.product(stock=3).variants[0]: 1}, payment_method="stripe")
    db.session.commit()
    assert "Pay now" in html(client.get(_page(placed)))
    token = service.order_token(placed)
    for _ in range(2):
        response = post(client, f"/orders/{placed.reference}/pay", {"token": token}, page="/cart")
        assert response.status_code == 303
        assert response.headers["Location"].startswith("https://checkout.stripe.test/")
    assert stripe_stub.calls == [placed.reference] * 2


def test_pay_now_on_a_transfer_order_changes_nothing(client, order, stripe_stub):
    token = service.order_token(order)
    response = post(client, f"/orders/{order.reference}/pay", {"token": token}, page="/cart")
    assert response.status_code == 303
    assert "/orders/" in response.headers["Location"]
    assert stripe_stub.calls == []


def test_transfer_instructions_name_the_groups_account(client, make):
    group = make.group(
        promptpay_id="0812345678",
        payout_bank="ธ.ก.ส.",
        payout_account_name="กลุ่มหอมแผ่นดิน",
        payout_account_no="020-1-23456-7",
    )
    placed = make.order({make.product(group=group, stock=3).variants[0]: 1})
    db.session.commit()
    page = html(client.get(_page(placed)))
    for text in ("0812345678", "ธ.ก.ส.", "กลุ่มหอมแผ่นดิน", "020-1-23456-7", "Send the slip"):
        assert text in page


def test_the_transfer_page_shows_a_promptpay_qr_of_the_exact_amount(client, make):
    group = make.group(
        promptpay_id="0812345678", phone="0531234567", line_id="@ourgroup", shipping_flat_satang=0
    )
    product = make.product(group=group, stock=3, price_satang=12_350)
    placed = make.order({product.variants[0]: 2})
    db.session.commit()
    page = html(client.get(_page(placed)))
    assert placed.total_satang == 24_700
    assert "Transfer exactly ฿247 to" in page
    assert "@ourgroup" in page and "0531234567" in page  # whom to ask
    token = service.order_token(placed)
    match = re.search(r'<img src="(/orders/[^"]+/promptpay\.svg[^"]*)"', page)
    assert match, "no QR on the page"
    response = client.get(match.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.get_data().startswith(b"<svg")
    # The QR carries exactly this payload (checked against published references elsewhere).
    assert slips.promptpay_payload(placed) == promptpay.payload("0812345678", 24_700)
    # Only with the token; never for a stranger.
    assert client.get(f"/orders/{placed.reference}/promptpay.svg").status_code == 404
    bad = f"/orders/{placed.reference}/promptpay.svg?token={token}&part=abc"
    assert client.get(bad).status_code == 404


def test_no_qr_without_a_promptpay_id_but_the_contacts_are_shown(client, make):
    group = make.group(promptpay_id="", payout_account_no="", phone="0531234567")
    placed = make.order({make.product(group=group, stock=3).variants[0]: 1})
    db.session.commit()
    page = html(client.get(_page(placed)))
    assert "promptpay.svg" not in page
    assert "please contact it for its account details" in page and "0531234567" in page
    token = service.order_token(placed)
    assert client.get(f"/orders/{placed.reference}/promptpay.svg?token={token}").status_code == 404


def test_no_qr_once_the_order_is_paid(client, make):
    group = make.group(promptpay_id="0812345678")
    placed = make.order({make.product(group=group, stock=3).variants[0]: 1})
    db.session.commit()
    service.mark_paid(placed, service.new_payment(placed, "transfer"))
    db.session.commit()
    token = service.order_token(placed)
    assert client.get(f"/orders/{placed.reference}/promptpay.svg?token={token}").status_code == 404


# -- transfer slips ------------------------------------------------------------------------


def test_a_good_slip_is_stored_privately_without_metadata(new_slip_files, client, order):
    response = _send_slip(client, order, jpeg_with_gps_and_rotation(size=(60, 40)))
    assert response.status_code == 303
    payment = db.session.scalars(select(Payment)).one()
    assert payment.status == PaymentStatus.SUBMITTED
    assert payment.slip_uploaded_at is not None
    files = new_slip_files()
    assert [f.name for f in files] == [f"{payment.slip_key}.jpg"]
    assert slips.slip_bytes(payment) == files[0].read_bytes()
    with Image.open(files[0]) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (40, 60)  # the EXIF rotation applied
        assert not stored.getexif()  # GPS and camera gone
    # The buyer sees it; the public media route does not serve it.
    response = client.get(f"/orders/{order.reference}/slip?token={service.order_token(order)}")
    assert response.status_code == 200
    assert response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert client.get(f"/media/slips/{payment.slip_key}.jpg").status_code == 404
    page = html(client.get(_page(order)))
    assert "waiting for the group" in page
    assert "Cancel this order" not in page


def test_a_submitted_slip_keeps_the_order_from_expiring(client, order):
    _send_slip(client, order, picture("PNG", size=(30, 30)), name="slip.png")
    order.expires_at = datetime.now(UTC) - timedelta(hours=1)
    db.session.commit()
    client.get(_page(order))
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT


NOT_A_PHOTO = "This file is not a photo we can use"
BAD_FILES = [
    pytest.param(b"", "empty.jpg", "Choose a photo of your transfer slip", id="empty"),
    pytest.param(b"%PDF-1.4\n%%EOF\n", "slip.pdf", NOT_A_PHOTO, id="pdf"),
    pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", "slip.svg", NOT_A_PHOTO, id="svg"),
    pytest.param(picture("JPEG", (200, 100))[:300], "half.jpg", NOT_A_PHOTO, id="truncated"),
    pytest.param(picture("GIF", (20, 20)), "slip.gif", NOT_A_PHOTO, id="gif"),
    pytest.param(png_bomb_header(), "bomb.png", "too many pixels", id="bomb"),
]


@pytest.mark.parametrize(("data", "name", "message"), BAD_FILES)
def test_a_bad_slip_gets_a_message_and_stores_nothing(
    new_slip_files, client, order, data, name, message
):
    response = _send_slip(client, order, data, name=name)
    assert response.status_code == 400
    assert message in html(response)
    assert db.session.scalars(select(Payment)).first() is None
    assert new_slip_files() == []


def test_a_slip_without_a_file_field_gets_a_message(client, order):
    token = service.order_token(order)
    response = post(client, f"/orders/{order.reference}/slip", {"token": token}, page="/cart")
    assert response.status_code == 400
    assert "Choose a photo of your transfer slip" in html(response)


def test_an_upload_over_the_size_limit_is_413(app, new_slip_files, client, order, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 50_000)
    response = _send_slip(client, order, b"\xff\xd8" + b"0" * 60_000)
    assert response.status_code == 413
    assert new_slip_files() == []


def test_a_rejected_slip_can_be_replaced(new_slip_files, client, order):
    _send_slip(client, order, picture("JPEG", size=(50, 50)))
    payment = db.session.scalars(select(Payment)).one()
    first_key = payment.slip_key
    states.change_payment(payment, PaymentStatus.REJECTED)
    payment.decision_note = "ยอดเงินไม่ตรง"
    db.session.commit()
    page = html(client.get(_page(order)))
    assert "ยอดเงินไม่ตรง" in page
    assert "Send a new slip" in page

    response = _send_slip(client, order, picture("PNG", size=(50, 50)), name="again.png")
    assert response.status_code == 303
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUBMITTED
    assert payment.slip_key != first_key
    assert payment.decision_note == ""
    assert [f.name for f in new_slip_files()] == [f"{payment.slip_key}.jpg"]  # old one gone
    assert db.session.scalars(select(Payment)).all() == [payment]


def test_no_slip_for_a_stripe_or_closed_order(new_slip_files, client, make):
    by_card = make.order({make.product(stock=3).variants[0]: 1}, payment_method="stripe")
    db.session.commit()
    response = _send_slip(client, by_card, picture())
    assert response.status_code == 400
    assert "not paid by transfer" in html(response)
    closed = make.order({make.product(stock=3).variants[0]: 1})
    service.cancel_order(closed)
    db.session.commit()
    response = _send_slip(client, closed, picture())
    assert response.status_code == 400
    assert "no longer waiting for a payment" in html(response)
    assert new_slip_files() == []


def test_a_stored_slip_is_removed_when_the_transaction_rolls_back(new_slip_files, order):
    slips.submit_slip(order, picture())
    assert len(new_slip_files()) == 1
    db.session.rollback()
    assert new_slip_files() == []


# -- history -------------------------------------------------------------------------------


def test_history_lists_the_buyers_own_orders(client, auth, make, make_user):
    buyer = make_user("buyer2@example.com")
    product = make.product(stock=10)
    mine = [make.order({product.variants[0]: 1}, user=buyer) for _ in range(2)]
    theirs = make.order({product.variants[0]: 1})
    db.session.commit()
    response = client.get("/account/orders")
    assert response.status_code == 302
    assert "/account/sign-in" in response.headers["Location"]
    auth.login("buyer2@example.com")
    page = html(client.get("/account/orders"))
    for placed in mine:
        assert placed.reference in page
    assert theirs.reference not in page
    assert 'href="/account/orders"' in page  # in the header


def test_history_closes_overdue_orders_on_sight(client, auth, make, make_user):
    """As the order page does: an unpaid order past its hold is shown (and is) expired."""
    buyer = make_user("late@example.com")
    buyer.locale = "en"
    product = make.product(stock=5)
    overdue = make.order({product.variants[0]: 3}, user=buyer)
    waiting = make.order({product.variants[0]: 1}, user=buyer)
    overdue.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert stock.variant_available(product.variants[0].id) == 1
    auth.login("late@example.com")
    page = html(client.get("/account/orders"))
    db.session.expire_all()
    assert overdue.status == OrderStatus.EXPIRED
    assert waiting.status == OrderStatus.PENDING_PAYMENT
    assert stock.variant_available(product.variants[0].id) == 4
    row = page[page.index(overdue.reference) :].split("</li>")[0]
    assert "Expired" in row and "Waiting for payment" not in row


def test_an_empty_history(client, auth, make_user):
    make_user("new@example.com").locale = "en"
    db.session.commit()
    auth.login("new@example.com")
    assert "You have not ordered anything yet." in html(client.get("/account/orders"))


def test_the_placed_mail_tells_where_to_transfer(make, outbox):
    from marketplace.orders import notify

    group = make.group(promptpay_id="0812345678", payout_account_name="กลุ่มหอมแผ่นดิน")
    placed = make.order({make.product(group=group, stock=3).variants[0]: 1})
    notify.order_placed(placed)
    db.session.commit()
    body = outbox[0].body
    assert "0812345678" in body and "กลุ่มหอมแผ่นดิน" in body
    assert f"/orders/{placed.reference}?token=" in body


def test_back_from_stripe_the_page_says_the_payment_is_being_confirmed(client, make):
    placed = make.order({make.product(stock=3).variants[0]: 1}, payment_method="stripe")
    db.session.commit()
    page = html(client.get(_page(placed, checkout="success")))
    assert "waiting for the payment service to confirm" in page
    page = html(client.get(_page(placed, checkout="cancel")))
    assert "You left the payment page" in page


# -- an order paid part by part ------------------------------------------------------------


@pytest.fixture
def per_part(make):
    """An unpaid transfer order of two groups, each with a PromptPay id: paid part by part."""
    first = make.group(promptpay_id="0812345678", line_id="@first")
    second = make.group(promptpay_id="0993505000428", payout_account_no="020100000042")
    rice = make.product(group=first, stock=5, price_satang=12000)
    chili = make.product(group=second, stock=5, price_satang=8500)
    placed = make.order({rice.variants[0]: 1, chili.variants[0]: 2})
    db.session.commit()
    assert placed.paid_per_part
    return placed


def _send_part_slip(client, order, part, data=None):
    return post(
        client,
        f"/orders/{order.reference}/slip",
        {
            "token": service.order_token(order),
            "part": str(part.id),
            f"part{part.id}-slip": (io.BytesIO(data or picture()), "slip.jpg"),
        },
        page=_page(order),
        content_type="multipart/form-data",
    )


def test_the_order_page_shows_each_parts_qr_and_slip_form(client, per_part):
    page = html(client.get(_page(per_part)))
    assert "Your order comes from 2 groups" in page
    for part in per_part.fulfilments:
        assert f'id="pay-part-{part.id}"' in page
        assert f"part={part.id}" in page  # its own QR
        assert f'name="part" value="{part.id}"' in page  # its own slip form
        assert f"Transfer exactly {format_baht(part.total_satang)} to:" in page
        token = service.order_token(per_part)
        qr = client.get(f"/orders/{per_part.reference}/promptpay.svg?token={token}&part={part.id}")
        assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert "0812345678" in page and "0993505000428" in page and "020100000042" in page
    # No QR of the whole amount: nobody can pay it to one account.
    token = service.order_token(per_part)
    assert (
        client.get(f"/orders/{per_part.reference}/promptpay.svg?token={token}").status_code == 404
    )


def test_a_slip_for_one_part_waits_for_that_group_only(client, per_part):
    first, second = per_part.fulfilments
    response = _send_part_slip(client, per_part, first)
    assert response.status_code == 303
    db.session.expire_all()
    [payment] = per_part.payments
    assert payment.fulfilment_id == first.id and payment.status == PaymentStatus.SUBMITTED
    assert payment.amount_satang == first.total_satang
    page = html(client.get(_page(per_part)))
    assert page.count("slip-state-submitted") == 1
    token = service.order_token(per_part)
    own = client.get(f"/orders/{per_part.reference}/slip?token={token}&part={first.id}")
    assert own.status_code == 200 and own.mimetype == "image/jpeg"
    other = client.get(f"/orders/{per_part.reference}/slip?token={token}&part={second.id}")
    assert other.status_code == 404


def test_a_slip_without_its_part_or_for_a_stranger_part_changes_nothing(client, make, per_part):
    response = _send_slip(client, per_part, picture())  # no `part`
    assert response.status_code == 400
    assert "Choose the group whose transfer this slip shows." in html(response)
    other = make.order({make.product(stock=2).variants[0]: 1})
    db.session.commit()
    response = _send_part_slip(client, per_part, other.fulfilments[0])
    assert response.status_code == 404
    db.session.expire_all()
    assert per_part.payments == []


def test_a_bad_slip_for_a_part_says_so_at_the_top_and_at_the_field(client, per_part):
    part = per_part.fulfilments[0]
    response = _send_part_slip(client, per_part, part, data=b"not a picture")
    assert response.status_code == 400
    page = html(response)
    top = page.index('class="form-errors"')
    assert top < page.index(f'id="pay-part-{part.id}"')
    db.session.expire_all()
    assert per_part.payments == []


def test_a_paid_part_and_an_expired_part_read_as_such(client, per_part):
    first, second = per_part.fulfilments
    payment = service.new_payment(per_part, "transfer", first)
    service.mark_paid(per_part, payment)
    db.session.commit()
    service.sweep_expired(datetime.now(UTC) + timedelta(days=2))
    page = html(client.get(_page(per_part)))
    assert f"Paid {format_baht(first.total_satang)} on" in page
    assert "We did not receive this part's payment in time" in page
    assert "promptpay.svg" not in page and 'name="part"' not in page


def test_a_second_payment_of_a_paid_order_is_shown_as_money_to_give_back(client, make):
    placed = make.order({make.product(stock=3).variants[0]: 1}, paid=True)
    db.session.commit()
    again = service.new_payment(placed, "transfer")
    assert service.mark_paid(placed, again) is False
    db.session.commit()
    assert again.surplus and again.status == PaymentStatus.SUCCEEDED
    page = html(client.get(_page(placed)))
    assert "We received a second payment of" in page


def test_the_placed_mail_of_an_order_paid_part_by_part_names_each_groups_account(per_part, outbox):
    from marketplace.orders import notify

    notify.order_placed(per_part)
    db.session.commit()
    body = outbox[0].body
    for part in per_part.fulfilments:
        assert f"{part.group.name_th}: โอนเงิน {format_baht(part.total_satang)} พอดี" in body
    assert "0812345678" in body and "0993505000428" in body and "@first" in body
