"""Checkout journeys in a real browser: a guest pays through the fake Stripe page, or by slip.

Journey 1: a guest finds a chili paste by search and a rice by browsing, from two
groups, checks out with a Thai address, pays on the fake Stripe hosted page (a real
HTTP server whose pay button posts signed webhooks to the app's /stripe/webhook)
and lands on the paid order; each group's leader then sees and ships only their
part, and the buyer's page shows both parts on their way with tracking numbers.
Journey 2: a one-group cart paid by bank transfer: the buyer uploads a slip photo,
the leader confirms it, the buyer's page shows the order paid.

Status is read from the pages' CSS classes (order-status-paid, …), not their Thai
text, so the journeys hold before and after the translation pass. Every page is
watched for console errors and uncaught exceptions (a CSP violation is one).
"""

import os
import re

import pytest
from PIL import Image
from sqlalchemy import func, select

from fakestripe import FakeStripeServer
from marketplace.models import (
    Fulfilment,
    FulfilmentStatus,
    Lot,
    Order,
    OrderStatus,
    PaymentMethod,
)
from marketplace.orders import promptpay
from marketplace.shop.order_views import FULFILMENT_LABELS, ORDER_LABELS
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser

TIMEOUT_MS = 10_000
RICE_LEADER = "rice.leader@example.com"
CHILI_LEADER = "chili.leader@example.com"


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def live_stripe(app, live_server):
    """The fake Stripe as a real server whose webhooks go to the live app, for one test.

    The app's STRIPE_API_BASE points at it and PUBLIC_BASE_URL at the live server
    (so the hosted page sends the buyer back there); both are restored after.
    """
    server = FakeStripeServer(
        webhook_url=live_server + "/stripe/webhook",
        webhook_secret=app.config["STRIPE_WEBHOOK_SECRET"],
        api_key=app.config["STRIPE_SECRET_KEY"],
    ).start()
    changes = {
        "STRIPE_API_BASE": server.url,
        "PUBLIC_BASE_URL": live_server,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }
    missing = object()
    saved = {key: app.config.get(key, missing) for key in changes}
    app.config.update(changes)
    try:
        yield server
    finally:
        for key, value in saved.items():
            if value is missing:
                app.config.pop(key, None)
            else:
                app.config[key] = value
        server.stop()


@pytest.fixture
def two_groups(db, make):
    """Hom Phaendin rice (Chiang Rai) and Karen chili (Mae Hong Son), a leader each; committed.

    Returns plain values (ids, slugs, names), so the test thread holds no rows.
    """
    rice_group = make.group(
        slug="hom-phaendin",
        name_th="กลุ่มหอมแผ่นดิน",
        name_en="Hom Phaendin group",
        shipping_flat_satang=5000,
        promptpay_id="0812345678",
        payout_account_name="กลุ่มหอมแผ่นดิน",
    )
    chili_group = make.group(
        slug="karen-chili",
        name_th="กลุ่มพริกกะเหรี่ยงแม่สะเรียง",
        name_en="Karen chili group",
        village="บ้านแม่สะเรียง",
        subdistrict_code="580401",
        district_code="5804",
        province_code="58",
        postal_code="58110",
        shipping_flat_satang=4000,
        promptpay_id="0993505030009",
        payout_bank="ธ.ก.ส.",
        payout_account_no="020100000071",
        line_id="@karenchili",
    )
    rice = make.product(
        group=rice_group,
        slug="black-sticky-rice",
        name_th="ข้าวเหนียวดำหอมแผ่นดิน",
        name_en="Black sticky rice",
        price_satang=12000,
        stock=10,
    )
    chili = make.product(
        group=chili_group,
        slug="karen-chili-paste",
        name_th="น้ำพริกกะเหรี่ยงแม่สะเรียง",
        name_en="Karen chili paste",
        price_satang=8500,
        stock=6,
    )
    make_user(RICE_LEADER, memberships=[(rice_group, "leader")], locale="en")
    make_user(CHILI_LEADER, memberships=[(chili_group, "leader")], locale="en")
    db.session.commit()
    values = {
        "rice_variant": rice.variants[0].id,
        "chili_variant": chili.variants[0].id,
        "rice_name": rice.name_th,
        "chili_name": chili.name_th,
        "rice_name_en": rice.name_en,
        "chili_name_en": chili.name_en,
    }
    db.session.rollback()  # end the read transaction: the live server writes next
    return values


def _stock(db, variant_id):
    db.session.rollback()  # a fresh look at what the live server wrote
    total = db.session.scalar(select(func.sum(Lot.available)).where(Lot.variant_id == variant_id))
    db.session.rollback()
    return total


def _watch_errors(page):
    """Console errors and uncaught exceptions of a page, as a list that fills as it goes.

    The fake Stripe page has no icon, so Chromium's own request for /favicon.ico
    there is a 404 the shop has nothing to do with: that one is left out.
    """
    problems = []

    def on_console(message):
        if message.type != "error":
            return
        if message.location.get("url", "").endswith("/favicon.ico"):
            return
        problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))
    return problems


def _thai(label):
    """A lazy label as the Thai page shows it (whatever the translations hold today)."""
    from flask_babel import force_locale

    with force_locale("th"):
        return str(label)


def _sign_in(page, email):
    page.goto("/account/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def _add_to_cart(page, quantity=1):
    """On a product page: put `quantity` of its first size in the cart; lands on the cart."""
    from playwright.sync_api import expect

    form = page.locator("form.add-to-cart").first
    form.locator("input[name=quantity]").fill(str(quantity))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cart$"))


def _fill_checkout(page, payment_method):
    """The checkout form: contact, a Thai address chosen province → district → subdistrict."""
    from playwright.sync_api import expect

    form = page.locator("form.checkout-form")
    expect(form).to_have_class(re.compile(r"\bjs-enhanced\b"))
    form.locator("#email").fill("somchai@example.com")
    form.locator("#name").fill("สมชาย ใจดี")
    form.locator("#phone").fill("081 234 5678")
    form.locator("#address_line").fill("99/1 หมู่ 5 บ้านดอยงาม")
    # Chiang Rai → Phan → Doi Ngam; the script fetches each list and fills the postal code.
    form.locator("#province_code").select_option("57")
    form.locator("#district_code").select_option("5705")
    form.locator("#subdistrict_code").select_option("570505")
    expect(form.locator("#postal_code")).to_have_value("57120")
    form.locator(f"#payment-{payment_method}").check()
    # The script removed the no-JS helper buttons: "Place the order" is the one left.
    place = form.locator("button[type=submit]")
    expect(place).to_have_count(1)
    place.click()


def _decode_qr(png):
    """The text of the one QR code in a PNG screenshot."""
    import io

    import zxingcpp

    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    return found.text


def _screenshot(page, name):
    """A full-page screenshot into $SCREENSHOT_DIR (when set), to look at by eye."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _new_page(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


# -- journey 1: two groups, paid through the fake Stripe page --------------------------------


def test_guest_pays_two_groups_by_card_and_each_leader_ships(
    db, two_groups, live_stripe, live_server, page, browser, browser_context_args
):
    from playwright.sync_api import expect

    values = two_groups
    page.set_default_timeout(TIMEOUT_MS)
    problems = _watch_errors(page)

    # Search finds the chili paste.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.locator("#site-search").fill("น้ำพริกกะเหรี่ยง")
    page.locator("#site-search").press("Enter")
    expect(page).to_have_url(re.compile(r"/search"))
    page.get_by_role("link", name=values["chili_name"]).first.click()
    expect(page).to_have_url(live_server + "/products/karen-chili-paste")
    _add_to_cart(page)

    # Browsing the products finds the rice.
    page.goto("/products")
    page.get_by_role("link", name=values["rice_name"]).first.click()
    expect(page).to_have_url(live_server + "/products/black-sticky-rice")
    _add_to_cart(page, quantity=2)

    # The cart shows one part per group.
    expect(page.locator("section.cart-group")).to_have_count(2)
    expect(page.locator(".cart-group").filter(has_text="กลุ่มหอมแผ่นดิน")).to_contain_text(
        values["rice_name"]
    )
    page.locator(".cart-summary a[href='/checkout']").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))
    expect(page.locator("section.checkout-group")).to_have_count(2)

    _fill_checkout(page, "stripe")

    # The fake Stripe page: the amount is the order's total, worked out by the server.
    expect(page).to_have_url(re.compile(re.escape(live_stripe.url) + r"/pay/cs_"))
    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    reference, total = order.reference, order.total_satang
    db.session.rollback()
    # Rice 2 × ฿120 + ฿50 shipping, chili ฿85 + ฿40 shipping.
    assert total == 2 * 12000 + 5000 + 8500 + 4000
    expect(page.locator(".amount")).to_have_attribute("data-amount", str(total))
    page.get_by_role("button", name="Pay by card").click()

    # Back at the shop: the webhook came first, so the order is already paid.
    expect(page).to_have_url(re.compile(rf"/orders/{reference}\?.*checkout=success"))
    expect(page.locator("h1")).to_contain_text(reference)
    status = page.locator("p > .order-status").first
    expect(status).to_have_class(re.compile(r"\border-status-paid\b"))
    expect(status).to_have_text(_thai(ORDER_LABELS[OrderStatus.PAID]))
    expect(page.locator(".order-part .order-status-paid")).to_have_count(2)
    buyer_url = page.url
    assert _stock(db, values["rice_variant"]) == 8
    assert _stock(db, values["chili_variant"]) == 5

    # Each leader sees only their group's part, and ships it.
    shipments = [
        (RICE_LEADER, "hom-phaendin", values["rice_name_en"], values["chili_name_en"], "TH0001"),
        (CHILI_LEADER, "karen-chili", values["chili_name_en"], values["rice_name_en"], "KE0002"),
    ]
    for email, slug, ours, theirs, tracking in shipments:
        context, office = _new_page(browser, browser_context_args)
        office_problems = _watch_errors(office)
        try:
            _sign_in(office, email)
            office.goto(f"/office/{slug}/orders")
            rows = office.locator("ul.order-rows > li")
            expect(rows).to_have_count(1)
            expect(rows.first).to_contain_text(reference)
            rows.first.get_by_role("link", name=reference).click()
            expect(office.locator("h1")).to_contain_text(reference)
            expect(office.locator("main")).to_contain_text(ours)
            expect(office.locator("main")).not_to_contain_text(theirs)
            office.locator("#carrier").fill("Thailand Post")
            office.locator("#tracking_no").fill(tracking)
            office.get_by_role("button", name="Mark shipped and tell the buyer").click()
            expect(office.locator(".flash-success")).to_contain_text("Marked shipped")
            expect(office.locator("main")).to_contain_text(tracking)
        finally:
            context.close()
        assert office_problems == []

    # The buyer's page shows both parts on their way, with their tracking numbers.
    page.goto(buyer_url)
    shipped = page.locator(".order-part .order-status-shipped")
    expect(shipped).to_have_count(2)
    expect(shipped.first).to_have_text(_thai(FULFILMENT_LABELS[FulfilmentStatus.SHIPPED]))
    expect(page.locator(".order-part").filter(has_text="กลุ่มหอมแผ่นดิน")).to_contain_text("TH0001")
    expect(page.locator(".order-part").filter(has_text="กลุ่มพริกกะเหรี่ยง")).to_contain_text("KE0002")

    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID
    assert order.payment_method == PaymentMethod.STRIPE
    assert sorted(f.status for f in order.fulfilments) == [FulfilmentStatus.SHIPPED] * 2
    assert sorted(f.tracking_no for f in order.fulfilments) == ["KE0002", "TH0001"]
    db.session.rollback()
    assert _stock(db, values["rice_variant"]) == 8
    assert _stock(db, values["chili_variant"]) == 5
    assert problems == []


# -- journey 2: one group, paid by transfer slip ---------------------------------------------


def test_guest_pays_by_transfer_slip_and_the_leader_confirms(
    db, two_groups, live_stripe, live_server, page, browser, browser_context_args, tmp_path
):
    from playwright.sync_api import expect

    values = two_groups
    slip_photo = tmp_path / "slip.jpg"
    Image.new("RGB", (240, 400), (235, 245, 255)).save(slip_photo, "JPEG")
    page.set_default_timeout(TIMEOUT_MS)
    problems = _watch_errors(page)

    page.goto("/products/black-sticky-rice")
    _add_to_cart(page)
    page.locator(".cart-summary a[href='/checkout']").click()
    expect(page.locator("section.checkout-group")).to_have_count(1)
    _fill_checkout(page, "transfer")

    # The order page: waiting for the transfer, with the group's PromptPay number.
    expect(page).to_have_url(re.compile(r"/orders/MP-[A-Z0-9-]+\?token="))
    expect(page.locator("p > .order-status").first).to_have_class(
        re.compile(r"\border-status-pending_payment\b")
    )
    expect(page.locator(".payee")).to_contain_text("0812345678")
    db.session.rollback()
    placed = db.session.scalars(select(Order)).one()
    reference, total = placed.reference, placed.total_satang
    db.session.rollback()
    assert _stock(db, values["rice_variant"]) == 9  # held while the buyer transfers
    # The QR the phone shows decodes to the PromptPay payload of exactly the order's total.
    page.set_viewport_size({"width": 360, "height": 740})
    qr = page.locator(".promptpay-qr img")
    expect(qr).to_be_visible()
    assert _decode_qr(qr.screenshot()) == promptpay.payload("0812345678", total)
    _screenshot(page, "transfer-order-page")

    page.locator("#slip").set_input_files(str(slip_photo))
    page.locator("form.slip-form button[type=submit]").click()
    expect(page.locator(".slip-state-submitted")).to_be_visible()
    buyer_url = page.url
    # The slip opens on its own in Chromium's image viewer, under the file's sandbox CSP:
    # that must not refuse the viewer's own styles (console errors, photo not fitted).
    page.locator(".slip-state a").click()
    expect(page).to_have_url(re.compile(r"/orders/MP-[A-Z0-9-]+/slip\?token="))
    expect(page.locator("img")).to_be_visible()
    page.goto(buyer_url)

    context, office = _new_page(browser, browser_context_args)
    office_problems = _watch_errors(office)
    try:
        _sign_in(office, RICE_LEADER)
        office.goto("/office/hom-phaendin/orders?tab=slips")
        rows = office.locator("ul.order-rows > li")
        expect(rows).to_have_count(1)
        rows.first.get_by_role("link", name=reference).click()
        expect(office.locator("img.slip-image")).to_be_visible()
        office.get_by_role("button", name="Yes, the money arrived").click()
        expect(office.locator(".flash-success")).to_contain_text(reference)
    finally:
        context.close()
    assert office_problems == []

    page.goto(buyer_url)
    status = page.locator("p > .order-status").first
    expect(status).to_have_class(re.compile(r"\border-status-paid\b"))
    expect(status).to_have_text(_thai(ORDER_LABELS[OrderStatus.PAID]))
    expect(page.locator(".order-part .order-status-paid")).to_have_count(1)

    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID
    assert order.payment_method == PaymentMethod.TRANSFER
    fulfilments = db.session.scalars(select(Fulfilment)).all()
    assert [f.status for f in fulfilments] == [FulfilmentStatus.PAID]
    db.session.rollback()
    assert _stock(db, values["rice_variant"]) == 9
    assert problems == []


# -- journey 3: two groups, each paid to its own account by transfer, on a phone, in Thai -----


def test_guest_pays_two_groups_each_by_transfer_and_each_leader_confirms(
    db, two_groups, live_server, browser, browser_context_args, tmp_path
):
    """No Stripe, no platform account: one order, one PromptPay QR and one slip per group."""
    from playwright.sync_api import expect

    from marketplace.models import User

    values = two_groups
    for email in (RICE_LEADER, CHILI_LEADER):  # the leaders read their office in Thai too
        db.session.scalar(select(User).where(User.email == email)).locale = "th"
    db.session.commit()
    slip_photo = tmp_path / "slip.jpg"
    Image.new("RGB", (240, 400), (235, 245, 255)).save(slip_photo, "JPEG")
    phone = {**browser_context_args, "viewport": {"width": 360, "height": 740}, "locale": "th-TH"}
    context = browser.new_context(**phone)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = _watch_errors(page)
    try:
        page.goto("/products/black-sticky-rice")
        _add_to_cart(page, 2)
        page.goto("/products/karen-chili-paste")
        _add_to_cart(page)
        # One order for both groups: no "one group at a time" any more.
        page.locator(".cart-summary a[href='/checkout']").click()
        expect(page.locator("section.checkout-group")).to_have_count(2)
        _screenshot(page, "per-part-checkout")
        _fill_checkout(page, "transfer")

        expect(page).to_have_url(re.compile(r"/orders/MP-[A-Z0-9-]+\?token="))
        parts = page.locator("article.part-payment")
        expect(parts).to_have_count(2)
        db.session.rollback()
        order = db.session.scalars(select(Order)).one()
        assert order.paid_per_part
        expected = {
            f.id: promptpay.payload(f.group.promptpay_id, f.total_satang) for f in order.fulfilments
        }
        reference = order.reference
        db.session.rollback()
        assert _stock(db, values["rice_variant"]) == 8 and _stock(db, values["chili_variant"]) == 5
        _screenshot(page, "per-part-order-unpaid")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360

        # Each part: its own QR of exactly its own amount, then its own slip.
        for part_id, payload in expected.items():
            article = page.locator(f"#pay-part-{part_id}")
            qr = article.locator(".promptpay-qr img")
            qr.scroll_into_view_if_needed()
            assert _decode_qr(qr.screenshot()) == payload
            article.locator("input[type=file]").set_input_files(str(slip_photo))
            article.locator("form.slip-form button[type=submit]").click()
            expect(page.locator(f"#pay-part-{part_id} .slip-state-submitted")).to_be_visible()
        buyer_url = page.url
        _screenshot(page, "per-part-order-slips-sent")
    finally:
        context.close()
    assert problems == []

    # Each leader sees only their own part's slip, in Thai on a phone, and confirms it.
    for leader, slug in ((RICE_LEADER, "hom-phaendin"), (CHILI_LEADER, "karen-chili")):
        context = browser.new_context(**phone)
        context.set_default_timeout(TIMEOUT_MS)
        office = context.new_page()
        office_problems = _watch_errors(office)
        try:
            _sign_in(office, leader)
            office.goto(f"/office/{slug}/orders?tab=slips")
            rows = office.locator("ul.order-rows > li")
            expect(rows).to_have_count(1)
            rows.first.get_by_role("link", name=reference).click()
            expect(office.locator("img.slip-image")).to_be_visible()
            _screenshot(office, f"per-part-office-{slug}")
            assert office.evaluate("document.documentElement.scrollWidth") <= 360
            office.locator("form[action$='/slip/confirm'] button[type=submit]").click()
            expect(office.locator(".flash-success")).to_contain_text(reference)
        finally:
            context.close()
        assert office_problems == []

    context = browser.new_context(**phone)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(buyer_url)
        status = page.locator("p > .order-status").first
        expect(status).to_have_class(re.compile(r"\border-status-paid\b"))
        expect(status).to_have_text(_thai(ORDER_LABELS[OrderStatus.PAID]))
        expect(page.locator(".part-payment .order-status-paid")).to_have_count(2)
        _screenshot(page, "per-part-order-paid")
    finally:
        context.close()

    db.session.rollback()
    order = db.session.scalars(select(Order)).one()
    assert order.status == OrderStatus.PAID
    assert sorted(f.status for f in order.fulfilments) == [FulfilmentStatus.PAID] * 2
    assert len({p.fulfilment_id for p in order.payments}) == 2
    db.session.rollback()
    assert _stock(db, values["rice_variant"]) == 8 and _stock(db, values["chili_variant"]) == 5
