"""A group's orders in the office: lists, pack → ship → deliver, slips, cash, shipping settings."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import (
    DeliveryMethod,
    FulfilmentStatus,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
)
from marketplace.models.accounts import AuditLog
from marketplace.orders import slips
from marketplace.orders.fulfilment import Tab, stage

from .. import factories
from .order_helpers import a_product, available, paid_order, pending_order, slip_order
from .pictures import picture


@pytest.fixture
def shop(office):
    """Group A ships for ฿50 a parcel; a product of A with 10 units in stock."""
    office.a.shipping_flat_satang = 5000
    product = a_product(office.a)
    db.session.commit()
    office.variant = product.variants[0]
    return office


def _part(order, group):
    return next(f for f in order.fulfilments if f.group_id == group.id)


def _order_url(shop, fulfilment, action="", group=None):
    return shop.url(f"/orders/{fulfilment.id}{action}", group=group or shop.a)


def _audit_actions():
    return [row.action for row in db.session.scalars(select(AuditLog).order_by(AuditLog.id))]


# -- lists --------------------------------------------------------------------------------


def test_the_office_list_says_what_waits_in_each_of_the_member_s_groups(shop):
    """ "My groups" shows a waiting slip and an order to pack, each linking to its tab."""
    slip_order(shop.variant)
    paid_order(shop.variant)
    shop.login("leader")
    html = shop.client.get("/office/").get_data(as_text=True)
    slug = shop.a.slug
    assert f'href="/office/{slug}/orders?tab=slips">1 transfer slip to check</a>' in html
    assert f'href="/office/{slug}/orders?tab=to_pack">1 order to pack</a>' in html
    shop.login("other_leader")  # group B: nothing waits, nothing said
    html = shop.client.get("/office/").get_data(as_text=True)
    assert "to check" not in html and "to pack" not in html


def test_a_paid_order_waits_in_to_pack_and_moves_through_the_tabs(shop):
    order = paid_order(shop.variant)
    part = _part(order, shop.a)
    shop.login("staff")
    page = shop.client.get(shop.url("/orders"))
    assert page.status_code == 200
    assert order.reference in page.get_data(as_text=True)
    assert order.reference not in shop.client.get(shop.url("/orders?tab=shipped")).get_data(
        as_text=True
    )
    shop.post(_order_url(shop, part, "/pack"))
    html = shop.client.get(shop.url("/orders?tab=packed")).get_data(as_text=True)
    assert order.reference in html
    assert order.reference not in shop.client.get(shop.url("/orders")).get_data(as_text=True)


def test_the_lists_survive_odd_arguments(shop):
    paid_order(shop.variant)
    shop.login("leader")
    for query in ("?tab=nonsense", "?page=-4", "?page=99999999999", "?tab=closed&page=abc"):
        assert shop.client.get(shop.url("/orders" + query)).status_code == 200


def test_tabs_count_each_stage(shop):
    paid_order(shop.variant)
    pending_order(shop.variant)
    slip_order(shop.variant)
    shop.login("leader")
    html = shop.client.get(shop.url("/orders")).get_data(as_text=True)
    assert "To pack" in html and "Slips to confirm" in html
    from marketplace.orders.fulfilment import tab_counts

    counts = tab_counts(shop.a)
    assert counts[Tab.TO_PACK] == 1
    assert counts[Tab.AWAITING_PAYMENT] == 1
    assert counts[Tab.SLIPS] == 1


def test_an_overdue_order_is_closed_when_the_list_is_opened(shop):
    order = pending_order(shop.variant, quantity=3)
    order.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    assert available(shop.variant) == 7
    shop.login("leader")
    html = shop.client.get(shop.url("/orders?tab=awaiting_payment")).get_data(as_text=True)
    assert order.reference not in html
    db.session.refresh(order)
    assert order.status == OrderStatus.EXPIRED
    assert available(shop.variant) == 10


def test_leader_of_another_group_never_sees_the_order(shop):
    order = paid_order(shop.variant)
    part = _part(order, shop.a)
    shop.login("other_leader")
    assert shop.client.get(shop.url("/orders")).status_code == 403
    assert shop.client.get(_order_url(shop, part)).status_code == 403
    # Under their own group's address, A's part does not exist.
    for action in ("", "/packing-slip", "/slip", "/refund"):
        assert shop.client.get(_order_url(shop, part, action, group=shop.b)).status_code == 404
    for action in ("/pack", "/ship", "/deliver", "/slip/confirm", "/slip/reject", "/refund"):
        response = shop.post(_order_url(shop, part, action, group=shop.b), {"carrier": "Kerry"})
        assert response.status_code == 404, action
    own = shop.client.get(shop.url("/orders", group=shop.b)).get_data(as_text=True)
    assert order.reference not in own
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.PAID


def test_a_huge_id_is_a_404_not_a_crash(shop):
    shop.login("leader")
    assert shop.client.get(shop.url("/orders/99999999999")).status_code == 404
    assert shop.post(shop.url("/orders/99999999999/pack")).status_code == 404


# -- pack, ship, deliver -----------------------------------------------------------------


def test_staff_pack_ship_and_deliver_and_the_buyer_is_told(shop, outbox):
    order = paid_order(shop.variant)
    part = _part(order, shop.a)
    outbox.clear()
    shop.login("staff")
    assert shop.post(_order_url(shop, part, "/pack")).status_code == 303
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.PACKED and part.packed_at is not None

    response = shop.post(
        _order_url(shop, part, "/ship"), {"carrier": "Thailand Post", "tracking_no": "EF123TH"}
    )
    assert response.status_code == 303
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.SHIPPED
    assert (part.carrier, part.tracking_no) == ("Thailand Post", "EF123TH")
    assert [m.to for m in outbox] == ["buyer@example.com"]
    assert "EF123TH" in outbox[0].body and "Thailand Post" in outbox[0].body

    assert shop.post(_order_url(shop, part, "/deliver")).status_code == 303
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.DELIVERED and part.delivered_at is not None
    assert stage(part) == Tab.DELIVERED
    assert _audit_actions().count("fulfilment.changed") == 3


def test_shipping_straight_from_paid_is_allowed(shop):
    part = _part(paid_order(shop.variant), shop.a)
    shop.login("staff")
    shop.post(_order_url(shop, part, "/ship"), {"carrier": "Kerry", "tracking_no": "KE123"})
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.SHIPPED and part.packed_at is not None


def test_shipping_needs_a_carrier_and_a_tracking_number(shop, outbox):
    part = _part(paid_order(shop.variant), shop.a)
    outbox.clear()
    shop.login("staff")
    response = shop.post(_order_url(shop, part, "/ship"), {"carrier": "  ", "tracking_no": "X"})
    assert response.status_code == 400
    assert "Enter the carrier" in response.get_data(as_text=True)
    response = shop.post(_order_url(shop, part, "/ship"), {"carrier": "K" * 61})
    assert response.status_code == 400
    for tracking in ("", "   ", "\t"):
        response = shop.post(
            _order_url(shop, part, "/ship"), {"carrier": "Kerry", "tracking_no": tracking}
        )
        assert response.status_code == 400, repr(tracking)
        page = response.get_data(as_text=True)
        assert "Enter the tracking number" in page
        assert 'id="tracking_no-error"' in page
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.PAID and part.carrier == ""
    assert outbox == []


def _refused(shop, part, action, data=None):
    before = (part.status, part.packed_at, part.shipped_at, part.delivered_at)
    response = shop.post(_order_url(shop, part, action), data or {"carrier": "Kerry"})
    assert response.status_code == 303
    page = shop.client.get(response.headers["Location"]).get_data(as_text=True)
    db.session.refresh(part)
    assert (part.status, part.packed_at, part.shipped_at, part.delivered_at) == before
    return page


def test_transitions_the_table_refuses_change_nothing(shop, outbox):
    shop.login("staff")
    part = _part(paid_order(shop.variant), shop.a)
    # A shipped part is delivered by the carrier, not handed over before it leaves.
    assert "cannot be marked delivered" in _refused(shop, part, "/deliver")
    shop.post(_order_url(shop, part, "/pack"))
    assert "cannot be marked packed" in _refused(shop, part, "/pack")
    shop.post(_order_url(shop, part, "/ship"), {"carrier": "Kerry", "tracking_no": "KE1"})
    assert "cannot be marked shipped" in _refused(shop, part, "/ship")
    assert "cannot be marked packed" in _refused(shop, part, "/pack")

    cancelled = pending_order(shop.variant)
    from marketplace.orders import service

    service.cancel_order(cancelled)
    db.session.commit()
    closed = _part(cancelled, shop.a)
    outbox.clear()
    assert "cannot be marked shipped" in _refused(shop, closed, "/ship")
    assert "cannot be marked packed" in _refused(shop, closed, "/pack")
    assert "cannot be marked delivered" in _refused(shop, closed, "/deliver")
    assert outbox == []
    unpaid = _part(pending_order(shop.variant), shop.a)
    assert "cannot be marked shipped" in _refused(shop, unpaid, "/ship")


def test_the_order_page_shows_the_buyer_and_the_next_step(shop):
    part = _part(paid_order(shop.variant), shop.a)
    shop.login("staff")
    html = shop.client.get(_order_url(shop, part)).get_data(as_text=True)
    assert "สมชาย ใจดี" in html and "0812345678" in html and "57120" in html
    assert "Mark packed" in html and "Mark shipped" in html
    assert "/refund" not in html  # staff do not refund


def test_packing_slip_shows_the_address_and_what_to_pack(shop):
    order = paid_order(shop.variant, quantity=3)
    part = _part(order, shop.a)
    shop.login("staff")
    response = shop.client.get(_order_url(shop, part, "/packing-slip"))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "สมชาย ใจดี" in html and "0812345678" in html
    assert "99 หมู่ 5 ถนนพหลโยธิน" in html and "57120" in html
    assert "Doi Ngam" in html or "ดอยงาม" in html
    assert shop.variant.sku in html and order.reference in html
    assert "css/print.css" in html and "style=" not in html and "<script>" not in html


def test_packing_slip_names_sender_and_recipient_not_a_date_range(shop):
    """ "From"/"To" on a slip are the sender and the recipient (pgettext), not "since"/"until"."""
    order = paid_order(shop.variant)
    part = _part(order, shop.a)
    shop.login("staff").locale = "th"
    db.session.commit()
    html = shop.client.get(_order_url(shop, part, "/packing-slip")).get_data(as_text=True)
    assert '<p class="packing-slip-label">ผู้ส่ง</p>' in html
    assert '<p class="packing-slip-label">ผู้รับ</p>' in html
    assert "ตั้งแต่" not in html
    detail = shop.client.get(_order_url(shop, part)).get_data(as_text=True)
    assert "<dt>ที่อยู่</dt>" in detail and "ที่อยู่ IP" not in detail


def test_addresses_read_as_thai_post_writes_them(shop):
    """In Thai the area is "ต.ดอยงาม อ.พาน" / "จ.เชียงราย 57120", not "ดอยงาม, พาน"."""
    order = paid_order(shop.variant)
    part = _part(order, shop.a)
    staff = shop.login("staff")
    staff.locale = "th"
    db.session.commit()
    for suffix in ("/packing-slip", ""):
        html = shop.client.get(_order_url(shop, part, suffix)).get_data(as_text=True)
        assert "ต.ดอยงาม อ.พาน" in html and "จ.เชียงราย 57120" in html
        assert "ดอยงาม, พาน" not in html
    staff.locale = "en"
    db.session.commit()
    html = shop.client.get(_order_url(shop, part, "/packing-slip")).get_data(as_text=True)
    assert "Doi Ngam, Phan" in html and "Chiang Rai 57120" in html


# -- pickup and cash -----------------------------------------------------------------------


@pytest.fixture
def pickup(shop):
    shop.a.offers_pickup = True
    shop.a.ships = False
    db.session.commit()
    return shop


def test_cash_on_pickup_is_confirmed_by_the_leader_then_handed_over(pickup, outbox):
    order = pending_order(
        pickup.variant,
        method=PaymentMethod.CASH_ON_PICKUP,
        delivery={pickup.a.id: DeliveryMethod.PICKUP},
    )
    part = _part(order, pickup.a)
    assert part.delivery_method == DeliveryMethod.PICKUP
    pickup.login("staff")
    assert pickup.post(_order_url(pickup, part, "/cash-received")).status_code == 403
    pickup.login("leader")
    outbox.clear()
    assert pickup.post(_order_url(pickup, part, "/cash-received")).status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    assert [p.method for p in order.payments] == [PaymentMethod.CASH_ON_PICKUP]
    assert order.payments[0].decided_by_id == pickup.people["leader"].id
    assert [m.to for m in outbox].count("buyer@example.com") == 1
    # Again: refused with a message, nothing changes.
    response = pickup.post(_order_url(pickup, part, "/cash-received"))
    assert response.status_code == 303
    assert len(order.payments) == 1

    html = pickup.client.get(_order_url(pickup, part)).get_data(as_text=True)
    assert "Mark handed over" in html and "Mark shipped" not in html
    assert "cannot be marked shipped" not in _refused(pickup, part, "/ship")
    pickup.post(_order_url(pickup, part, "/pack"))
    pickup.post(_order_url(pickup, part, "/deliver"))
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.DELIVERED


def test_cash_is_refused_for_an_order_paid_otherwise(shop):
    part = _part(paid_order(shop.variant), shop.a)
    shop.login("leader")
    page = _refused(shop, part, "/cash-received")
    assert "not waiting for cash" in page


# -- transfer slips -----------------------------------------------------------------------


def test_leader_confirms_a_slip_and_the_order_is_paid_with_one_mail(shop, outbox):
    order = slip_order(shop.variant)
    part = _part(order, shop.a)
    shop.login("leader")
    html = shop.client.get(_order_url(shop, part)).get_data(as_text=True)
    assert "Yes, the money arrived" in html
    slip = shop.client.get(_order_url(shop, part, "/slip"))
    assert slip.status_code == 200 and slip.mimetype == "image/jpeg"
    assert slip.headers["Cache-Control"] == "private, no-store"
    outbox.clear()
    response = shop.post(_order_url(shop, part, "/slip/confirm"))
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    payment = order.payments[0]
    assert payment.status == PaymentStatus.SUCCEEDED
    assert payment.decided_by_id == shop.people["leader"].id
    assert [m.to for m in outbox].count("buyer@example.com") == 1
    assert "payment.slip_confirmed" in _audit_actions()
    # A second click: a message, no second mail.
    _refused(shop, part, "/slip/confirm")
    assert [m.to for m in outbox].count("buyer@example.com") == 1


def test_staff_neither_see_nor_decide_slips(shop):
    part = _part(slip_order(shop.variant), shop.a)
    shop.login("staff")
    assert shop.client.get(_order_url(shop, part, "/slip")).status_code == 403
    assert shop.post(_order_url(shop, part, "/slip/confirm")).status_code == 403
    assert shop.post(_order_url(shop, part, "/slip/reject"), {"reason": "x"}).status_code == 403
    db.session.refresh(part)
    assert part.status == FulfilmentStatus.PENDING_PAYMENT


def test_a_rejected_slip_lets_the_buyer_upload_again(shop, outbox):
    order = slip_order(shop.variant)
    part = _part(order, shop.a)
    order.expires_at = datetime.now(UTC) - timedelta(hours=1)  # the hold ran out meanwhile
    db.session.commit()
    shop.login("leader")
    response = shop.post(_order_url(shop, part, "/slip/reject"), {"reason": "  "})
    assert response.status_code == 400
    assert "Say why the slip is rejected" in response.get_data(as_text=True)
    db.session.refresh(order)
    assert order.payments[0].status == PaymentStatus.SUBMITTED

    outbox.clear()
    response = shop.post(
        _order_url(shop, part, "/slip/reject"), {"reason": "No transfer of ฿170 arrived."}
    )
    assert response.status_code == 303
    db.session.expire_all()
    payment = order.payments[0]
    assert payment.status == PaymentStatus.REJECTED
    assert payment.decision_note == "No transfer of ฿170 arrived."
    assert [m.to for m in outbox] == ["buyer@example.com"]
    assert "No transfer of ฿170 arrived." in outbox[0].body
    # The buyer has a fresh hold, so the order does not expire under them.
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert shop.client.get(shop.url("/orders")).status_code == 200
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT
    assert slips.can_submit(order)
    slips.submit_slip(order, picture())
    db.session.commit()
    assert payment.status == PaymentStatus.SUBMITTED
    assert stage(part) == Tab.SLIPS


def test_a_slip_of_a_several_group_order_is_for_an_admin(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    other = a_product(shop.b)
    order = factories.make_order({shop.variant: 1, other.variants[0]: 1})
    slips.submit_slip(order, picture())
    db.session.commit()
    part = _part(order, shop.a)
    shop.login("leader")
    html = shop.client.get(_order_url(shop, part)).get_data(as_text=True)
    assert "an admin confirms" in html and "Yes, the money arrived" not in html
    assert shop.client.get(_order_url(shop, part, "/slip")).status_code == 404
    assert "an admin confirms it" in _refused(shop, part, "/slip/confirm")
    _refused(shop, part, "/slip/reject", {"reason": "no"})
    db.session.refresh(order)
    assert order.status == OrderStatus.PENDING_PAYMENT

    shop.login("admin")
    listing = shop.client.get("/admin/transfers").get_data(as_text=True)
    payment = order.payments[0]
    assert order.reference in listing
    assert shop.client.get(f"/admin/transfers/{payment.id}/slip").status_code == 200
    response = shop.post(f"/admin/transfers/{payment.id}/confirm", page="/admin/transfers")
    assert response.status_code == 303
    db.session.refresh(order)
    assert order.status == OrderStatus.PAID
    assert order.reference not in shop.client.get("/admin/transfers").get_data(as_text=True)


def test_without_a_platform_account_each_leader_confirms_their_part(shop):
    other = a_product(shop.b)
    order = factories.make_order({shop.variant: 1, other.variants[0]: 1})
    part = _part(order, shop.a)
    slips.submit_slip(order, picture(), part)
    db.session.commit()
    assert order.paid_per_part
    shop.login("admin")
    listing = shop.client.get("/admin/transfers").get_data(as_text=True)
    assert order.reference not in listing  # not the platform's money
    shop.login("leader")
    html = shop.client.get(_order_url(shop, part)).get_data(as_text=True)
    assert "an admin confirms" not in html and "Yes, the money arrived" in html
    assert shop.client.get(_order_url(shop, part, "/slip")).status_code == 200
    response = shop.post(_order_url(shop, part, "/slip/confirm"), page=_order_url(shop, part))
    assert response.status_code == 303
    db.session.refresh(order)
    db.session.refresh(part)
    assert part.status == "paid" and order.status == OrderStatus.PENDING_PAYMENT


def test_an_admin_rejects_a_platform_transfer_with_a_reason(shop, app, monkeypatch, outbox):
    monkeypatch.setitem(app.config, "PLATFORM_BANK_ACCOUNT_NO", "0201234567")
    other = a_product(shop.b)
    order = factories.make_order({shop.variant: 1, other.variants[0]: 1})
    payment = slips.submit_slip(order, picture())
    single = slip_order(shop.variant)  # one group's slip: not the admin's to decide
    db.session.commit()
    shop.login("admin")
    assert shop.client.get(f"/admin/transfers/{single.payments[0].id}/slip").status_code == 404
    assert shop.post(f"/admin/transfers/{single.payments[0].id}/confirm").status_code == 404
    response = shop.post(f"/admin/transfers/{payment.id}/reject", {"reason": ""})
    assert response.status_code == 303
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.SUBMITTED
    outbox.clear()
    shop.post(f"/admin/transfers/{payment.id}/reject", {"reason": "Amount differs"})
    db.session.refresh(payment)
    assert payment.status == PaymentStatus.REJECTED
    assert [m.to for m in outbox] == ["buyer@example.com"]


# -- shipping settings ---------------------------------------------------------------------


def _profile(**changes):
    data = {
        "story_th": "เรื่องของเรา",
        "story_en": "Our story",
        "village": "บ้านดอยงาม",
        "moo": "5",
        "province_code": "57",
        "district_code": "5705",
        "subdistrict_code": "570505",
        "shipping_section": "1",
        "ships": "y",
        "shipping_flat": "45.50",
        "shipping_per_kg": "0",
        "offers_pickup": "y",
        "pickup_note_th": "รับที่ศาลาหมู่บ้าน",
        "pickup_note_en": "At the village hall",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_leader_sets_shipping_and_pickup_on_the_profile(shop):
    shop.login("leader")
    form = shop.client.get(shop.url("/profile")).get_data(as_text=True)
    assert 'name="shipping_flat"' in form and 'value="50"' in form
    response = shop.post(shop.url("/profile"), _profile())
    assert response.status_code == 303
    db.session.refresh(shop.a)
    group = shop.a
    assert (group.ships, group.offers_pickup) == (True, True)
    assert (group.shipping_flat_satang, group.shipping_per_kg_satang) == (4550, 0)
    assert group.pickup_note_en == "At the village hall"
    assert "group.shipping_changed" in _audit_actions()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shipping_flat": "abc"}, "Enter the fee as a number of baht"),
        ({"shipping_per_kg": "-5"}, "Enter the fee as a number of baht"),
        ({"shipping_per_kg": "1.555"}, "Enter the fee as a number of baht"),
        ({"shipping_flat": "20000"}, "at most ฿10,000"),
        ({"ships": None, "offers_pickup": None}, "Offer shipping, pickup"),
    ],
)
def test_bad_shipping_settings_change_nothing(shop, changes, message):
    shop.login("leader")
    response = shop.post(shop.url("/profile"), _profile(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    db.session.refresh(shop.a)
    assert shop.a.shipping_flat_satang == 5000 and shop.a.ships is True
    assert shop.a.story_en == "The group's story"


def test_a_profile_post_without_the_shipping_fieldset_leaves_shipping_alone(shop):
    shop.login("leader")
    data = _profile(shipping_section=None, ships=None, offers_pickup=None)
    assert shop.post(shop.url("/profile"), data).status_code == 303
    db.session.refresh(shop.a)
    assert shop.a.ships is True and shop.a.shipping_flat_satang == 5000


def test_staff_cannot_change_shipping(shop):
    shop.login("staff")
    assert shop.post(shop.url("/profile"), _profile()).status_code == 403


def test_the_order_pages_render_in_thai(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    part = _part(paid_order(shop.variant), shop.a)
    slip_part = _part(slip_order(shop.variant), shop.a)
    other = a_product(shop.b)
    shared = factories.make_order({shop.variant: 1, other.variants[0]: 1})
    slips.submit_slip(shared, picture())
    db.session.commit()
    shop.client.set_cookie("lang", "th")
    shop.login("admin")
    paths = [shop.url("/orders"), "/admin/transfers"]
    paths += [shop.url(f"/orders?tab={tab}") for tab in Tab.ALL]
    for fulfilment in (part, slip_part, _part(shared, shop.a)):
        paths += [_order_url(shop, fulfilment, a) for a in ("", "/packing-slip", "/refund")]
    for path in paths:
        response = shop.client.get(path)
        assert response.status_code == 200, path
        assert 'lang="th"' in response.get_data(as_text=True)
