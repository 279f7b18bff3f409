"""A discount code's whole life on phones in Thai, through gunicorn: made, shared on LINE, paid.

1. a leader makes a 10 % code for her rice in the office (the households'
   preview shown before saving) and copies its link for LINE;
2. a guest opens that link (`/c/<CODE>?utm_source=line&utm_medium=social…`),
   buys two bags with the code and pays by PromptPay transfer with a slip;
3. the leader confirms the slip; her sales dashboard counts the order under
   LINE and the code's page counts one paid order;
4. the buyer's order page names the code, shows each line's discount and the
   impact receipt: what the order paid the households who grew the rice.

The server, the phones and the checkout form are the first-use journey's.
"""

import re
import time
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from marketplace.models import ContributionRole, ShareRule, ShareRulePart
from tests.browser import test_first_use_journey as journey
from tests.browser.test_first_use_journey import (
    TIMEOUT_MS,
    Phone,
    _add_to_cart,
    _fill_checkout,
    _th,
    _th_n,
)
from tests.factories import (
    make_contribution,
    make_group,
    make_household,
    make_lot,
    make_product,
    make_user,
)

# The first-use journey's fixtures: gunicorn on the suite's database, the screenshots' folder.
server = journey.server
shots = journey.shots

pytestmark = pytest.mark.browser

LEADER = "malee@example.com"
RICE_TH = "ข้าวก่ำดอยงาม"
CODE = "KHAOKAM10"
# An Android phone's Chrome: headless chromium's own name is skipped as a bot by the counter
# of visits, so its campaign tags would never reach the order.
ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"
)


@pytest.fixture
def world(db):
    """Malee's group: rice at ฿120 (shipping ฿50) grown by two households, 60 % to them,
    and chili paste the code must leave alone."""
    group = make_group(
        slug="khao-kam-doi-ngam",
        name_th="วิสาหกิจชุมชนข้าวก่ำดอยงาม",
        name_en="",
        promptpay_id="0812345678",
        payout_account_name="วิสาหกิจชุมชนข้าวก่ำดอยงาม",
        shipping_flat_satang=5000,
        shipping_per_kg_satang=0,
    )
    rice = make_product(
        group=group, slug="khao-kam", name_th=RICE_TH, name_en="", price_satang=12000, stock=None
    )
    lot = make_lot(rice.variants[0], quantity=30)
    for grown in (20, 10):
        make_contribution(lot, make_household(group), ContributionRole.GROWER, quantity=grown)
    make_product(group=group, slug="nam-phrik", name_th="น้ำพริกหนุ่ม", price_satang=6000)
    db.session.add(
        ShareRule(
            group_id=group.id,
            product_id=rice.id,
            version=1,
            effective_from=datetime(2020, 1, 1, tzinfo=UTC),
            platform_fee_bp=500,
            parts=[ShareRulePart(role=ContributionRole.GROWER, basis="percent", value=6000)],
        )
    )
    make_user(LEADER, memberships=[(group, "leader")], locale="th")
    db.session.commit()
    values = {"slug": group.slug, "name": group.name_th, "rice_id": rice.id}
    db.session.rollback()  # hold nothing open: the server writes next
    return values


def test_a_code_shared_on_line_is_paid_and_shows_on_the_dashboard(
    world, server, browser, shots, tmp_path
):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    began = time.monotonic()
    base = server.base_url
    slip = tmp_path / "slip.jpg"
    Image.new("RGB", (240, 400), (235, 245, 255)).save(slip, "JPEG")

    # 1. The leader makes a 10 % code for her rice and copies its link for LINE.
    leader = Phone(browser, base, shots)
    leader.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page = leader.page
    leader.sign_in(LEADER)
    page.goto(f"/office/{world['slug']}/")
    nav = page.get_by_role("navigation", name=_th("Back office"))
    nav.get_by_role("link", name=_th("Discount codes")).click()
    expect(page.locator("h1")).to_have_text(_th("Discount codes"))
    page.get_by_role("link", name=_th("New code")).click()
    form = page.locator("form.form")
    form.locator("#code").fill(CODE.lower())  # typed small: saved in capitals
    expect(form.locator("input[name=kind][value=percent]")).to_be_checked()
    form.locator("#percent").fill("10")
    form.locator(f"input[name=product_ids][value='{world['rice_id']}']").check()
    form.get_by_role("button", name=_th("Show what households get")).click()
    preview = page.locator("section.discount-preview")
    # Households keep ฿72 of a ฿120 bag (60 %) with the code too: ฿12 off comes from the rest.
    expect(preview.locator("li").filter(has_text=RICE_TH)).to_contain_text("฿72 → ")
    expect(preview.locator("li").filter(has_text=RICE_TH).locator("strong").last).to_have_text(
        "฿72"
    )
    leader.shot("d01-leader-code-preview")
    page.get_by_role("button", name=_th("Save the code")).click()
    expect(page.locator("h1")).to_have_text(_th("Code %(code)s", code=CODE))
    expect(page.locator(".share-link code")).to_have_text(f"{base}/c/{CODE}")
    page.get_by_role("button", name=_th("Copy link for LINE")).click()
    expect(page.locator(".share-status")).not_to_be_empty()
    shared = page.evaluate("navigator.clipboard.readText()")
    assert shared.startswith(f"{base}/c/{CODE}?")
    assert parse_qs(urlsplit(shared).query)["utm_source"] == ["line"]
    assert parse_qs(urlsplit(shared).query)["utm_medium"] == ["social"]
    leader.shot("d02-leader-code")
    code_page = page.url
    leader.close()

    # 2. A guest opens the link from LINE, buys two bags with the code, pays by transfer.
    buyer = Phone(browser, base, shots, user_agent=ANDROID_CHROME)
    page = buyer.page
    page.goto(shared)
    expect(page).to_have_url(re.compile(rf"/groups/{world['slug']}\?utm_source=line"))
    expect(page.locator(".flash-success")).to_contain_text(CODE)
    page.get_by_role("link", name=RICE_TH, exact=True).click()
    _add_to_cart(page, 2)
    expect(page.locator("section.discount-code")).to_contain_text(CODE)
    expect(page.locator("section.discount-code")).to_contain_text("-฿24")
    buyer.shot("d03-cart-with-code")
    page.locator(".cart-summary a[href='/checkout']").click()
    _fill_checkout(page)
    page.locator("form.checkout-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/orders/MP-[A-Z0-9-]+\?token="))
    reference = page.locator("h1").inner_text().split()[-1]
    payment = page.locator("section.order-payment")
    # 2 × ฿120 − ฿24 + ฿50 shipping.
    expect(payment).to_contain_text(_th("Amount to pay: %(amount)s", amount="฿266"))
    payment.locator("form.slip-form input[type=file]").set_input_files(str(slip))
    payment.locator("form.slip-form button[type=submit]").click()
    expect(payment.locator(".slip-state-submitted")).to_be_visible()
    buyer_url = page.url
    buyer.close()

    # 3. The leader confirms the slip; the dashboard counts the order under LINE.
    leader = Phone(browser, base, shots)
    page = leader.page
    leader.sign_in(LEADER)
    page.goto(f"/office/{world['slug']}/")
    page.get_by_role(
        "link",
        name=_th_n("%(num)d transfer slip to check", "%(num)d transfer slips to check", 1),
    ).click()
    page.locator("ul.order-rows > li").first.get_by_role("link", name=reference).click()
    expect(page.locator("table.order-lines")).to_contain_text(
        _th("Discount code %(code)s", code=CODE)
    )
    page.get_by_role("button", name=_th("Yes, the money arrived")).click()
    expect(page.locator(".flash-success")).to_contain_text(reference)
    nav = page.get_by_role("navigation", name=_th("Back office"))
    nav.get_by_role("link", name=_th("Sales"), exact=True).click()
    by_source = page.locator("table.data-table").filter(
        has=page.get_by_role("columnheader", name=_th("Source"), exact=True)
    )
    line_row = by_source.first.locator("tbody tr").filter(has_text=_th("LINE"))
    expect(line_row).to_have_count(1)
    expect(line_row.locator("td.num").first).to_have_text("1")
    leader.shot("d04-leader-dashboard")
    page.goto(code_page)
    uses = page.locator("dl.checkout-sums > div").filter(has_text=_th("Paid orders"))
    expect(uses.locator("dd")).to_have_text("1")
    leader.close()

    # 4. The buyer's order page: the code by name, each line's discount, the impact receipt.
    buyer = Phone(browser, base, shots)
    page = buyer.page
    page.goto(buyer_url)
    totals = page.locator("dl.checkout-total")
    expect(totals.locator(".order-discount")).to_contain_text(
        _th("Discount code %(code)s", code=CODE)
    )
    expect(totals.locator(".order-discount dd")).to_have_text("−฿24")
    expect(page.locator(".order-part .checkout-lines")).to_contain_text(
        _th("%(amount)s off", amount="฿24")
    )
    receipt = page.locator("section.impact-receipt")
    expect(receipt).to_be_visible()
    # 60 % of the ฿240 the bags sold for, whole: the discount came out of the fund and fee.
    expect(receipt.locator("p.lead")).to_contain_text("฿144")
    expect(receipt).to_contain_text(world["name"])
    buyer.shot("d05-order-receipt")
    buyer.close()
    print(f"discount journey took {time.monotonic() - began:.1f} s")
