"""First use, end to end, on a phone in Thai through gunicorn: invite, list, buy, pay, ship, report.

One journey through a server like production (gunicorn, the production Config,
run in a subprocess on the suite's database: the session's SQLite file, or
PostgreSQL from TEST_DATABASE_URL), every step through the real UI of a
360×740 chromium in Thai:

1. the admin invites a leader to a new group; no MAIL_SERVER, so the
   invitation waits in the outbox, where the admin reads its link;
2. the leader accepts, chooses a password and lands in the office; sets the
   group's PromptPay number, adds two member households, a product named in
   Thai only with a photo and a size, a share rule, and a lot the two
   households made;
3. a guest buyer puts that product and one of a second group (prepared by
   the factories) in one cart, and pays each group its own part by PromptPay
   transfer with a slip;
4. each leader confirms their slip, packs, ships and marks their part
   delivered; the buyer's order page shows both parts delivered;
5. an officer of the province downloads every report of every area level in
   CSV and XLSX, and each file has the rows of `flask report uplift` run on
   the same database.

Set SCREENSHOT_DIR to keep the screenshots taken on the way (else a tmp dir).
"""

import csv
import io
import os
import re
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.models.mail import MailStatus, OutboxMail
from tests.factories import (
    DEFAULT_PASSWORD,
    make_category,
    make_contribution,
    make_group,
    make_household,
    make_product,
    make_user,
)
from tests.orders.concurrency_server import GunicornServer, server_env

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
PHONE = {"width": 360, "height": 740}
ADMIN = "admin@example.com"
LEADER = "malee@example.com"
LEADER_PASSWORD = "ข้าวก่ำดอยงาม-2568"  # noqa: S105  (chosen on the invitation page)
OTHER_LEADER = "chili.leader@example.com"
OFFICER = "officer@example.com"
BUYER = "somchai.jaidee@example.com"  # long enough to have pushed a page past 360 px
PRODUCT_TH = "ข้าวก่ำดอยงาม"


# -- the server ------------------------------------------------------------------------------


@pytest.fixture
def server(app, tmp_path):
    """gunicorn (2 workers × 4 threads) on the suite's database, mail held in the outbox."""
    env = server_env(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "instance")
    gunicorn = GunicornServer(env, workers=2, worker_class="gthread", threads=4)
    env["PUBLIC_BASE_URL"] = gunicorn.base_url  # where the invitation's link points
    try:
        yield gunicorn.start()
    finally:
        gunicorn.close()


# -- helpers ---------------------------------------------------------------------------------


def _th(message, **values):
    """`message` as a Thai page shows it (the catalogue of today, not a copy of it)."""
    from flask_babel import force_locale, gettext

    with force_locale("th"):
        return gettext(message, **values)


def _th_n(singular, plural, num, **values):
    from flask_babel import force_locale, ngettext

    with force_locale("th"):
        return ngettext(singular, plural, num, **values)


class Phone:
    """One person's phone: a 360×740 chromium context in Thai, watched for errors."""

    def __init__(self, browser, base_url, shots, user_agent=None):
        # `user_agent`: headless chromium names itself HeadlessChrome, which the page-view
        # counter skips as a bot; a journey that needs its visits counted says it is a phone.
        self.context = browser.new_context(
            viewport=PHONE,
            locale="th-TH",
            base_url=base_url,
            accept_downloads=True,
            **({"user_agent": user_agent} if user_agent else {}),
        )
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.problems = []
        self.shots = shots
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"{self.page.url}: {error}"))
        self.page.on("response", self._response)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"{self.page.url}: {message.text}")

    def _response(self, response):
        if response.status >= 500:
            self.problems.append(f"{response.status} {response.url}")

    def fits(self):
        """The page, once loaded (its styles applied), is no wider than the phone."""
        self.page.wait_for_load_state("load")
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{self.page.url} is {width} px wide"

    def shot(self, name):
        """A full-page screenshot, after checking the page fits."""
        self.fits()
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def sign_in(self, email, password=DEFAULT_PASSWORD):
        page = self.page
        page.goto("/account/sign-in")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state()

    def close(self):
        self.context.close()
        assert self.problems == []


@pytest.fixture
def shots(tmp_path):
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        from pathlib import Path

        return Path(folder)
    (tmp_path / "shots").mkdir()
    return tmp_path / "shots"


def _add_to_cart(page, quantity):
    """On a product page: `quantity` of its first size into the cart; lands on the cart."""
    from playwright.sync_api import expect

    form = page.locator("form.add-to-cart").first
    form.locator("input[name=quantity]").fill(str(quantity))
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/cart$"))


def _fill_checkout(page):
    """Contact and a Thai address (Chiang Rai → Phan → Doi Ngam), to pay by transfer."""
    from playwright.sync_api import expect

    form = page.locator("form.checkout-form")
    expect(form).to_have_class(re.compile(r"\bjs-enhanced\b"))
    form.locator("#email").fill(BUYER)
    form.locator("#name").fill("สมชาย ใจดี")
    form.locator("#phone").fill("081 234 5678")
    form.locator("#address_line").fill("99/1 หมู่ 5 บ้านดอยงาม")
    form.locator("#province_code").select_option("57")
    form.locator("#district_code").select_option("5705")
    form.locator("#subdistrict_code").select_option("570505")
    expect(form.locator("#postal_code")).to_have_value("57120")
    form.locator("#payment-transfer").check()
    expect(form.locator("button[type=submit]")).to_have_count(1)


_AREA_EXPORT = re.compile(r"^/reports/area/(\d+)/(?:(\d+)/)?(?:(\d+)/)?export\.(csv|xlsx)$")


def _cli_export(runner, url_path, query, output):
    """`flask report uplift` for the same area, period and table as a web download."""
    province, district, subdistrict, fmt = _AREA_EXPORT.match(url_path).groups()
    args = ["report", "uplift", "--province", province]
    args += ["--district", district] if district else []
    args += ["--subdistrict", subdistrict] if subdistrict else []
    args += ["--from", query["from"][0], "--to", query["to"][0], "--format", fmt]
    args += ["--table", "products"] if query.get("table") == ["products"] else []
    args += ["--summary-only"] if query.get("summary") == ["1"] else []
    args += ["--output", str(output)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def _csv_rows(path):
    """The rows of a CSV file, which must end with a whole line."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n"), f"{path.name} is cut short"
    return list(csv.reader(io.StringIO(text)))


def _sheet_rows(path):
    """{sheet name: number of rows} of an XLSX file."""
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {sheet.title: sum(1 for _ in sheet.iter_rows()) for sheet in book.worksheets}
    finally:
        book.close()


# -- the data the journey starts from ---------------------------------------------------------


@pytest.fixture
def world(db):
    """What exists before the journey: an admin, a new group with no one in it, a second
    group selling chili paste (with its leader and two households), an officer of Chiang Rai.
    """
    make_user(ADMIN, admin=True)
    make_user(OFFICER, officer_areas=["57"])
    make_category(slug="rice", name_th="ข้าว", name_en="Rice")
    rice_group = make_group(
        slug="khao-kam-doi-ngam",
        name_th="วิสาหกิจชุมชนข้าวก่ำดอยงาม",
        name_en="",
        village="บ้านดอยงาม",
    )
    chili_group = make_group(
        slug="phrik-mae-ao",
        name_th="กลุ่มน้ำพริกแม่อ้อ",
        name_en="Mae O chili group",
        village="บ้านแม่อ้อ",
        moo=3,
        subdistrict_code="570501",
        district_code="5705",
        province_code="57",
        postal_code="57120",
        shipping_flat_satang=4000,
        promptpay_id="0993505030009",
        payout_account_name="กลุ่มน้ำพริกแม่อ้อ",
    )
    chili = make_product(
        group=chili_group,
        slug="nam-phrik-mae-ao",
        name_th="น้ำพริกตาแดงแม่อ้อ",
        name_en="Mae O red chili paste",
        price_satang=8500,
        stock=None,
    )
    from tests.factories import make_lot

    lot = make_lot(chili.variants[0], quantity=20, subdistrict_code="570501")
    for _ in range(2):
        household = make_household(chili_group, subdistrict_code="570501", village="บ้านแม่อ้อ")
        make_contribution(lot, household, quantity=5)
    make_user(OTHER_LEADER, memberships=[(chili_group, "leader")])
    db.session.commit()
    values = {
        "rice_group_id": rice_group.id,
        "rice_slug": rice_group.slug,
        "rice_name": rice_group.name_th,
        "chili_slug": chili_group.slug,
        "chili_product": chili.slug,
        "chili_name": chili.name_th,
        "chili_name_group": chili_group.name_th,
    }
    db.session.rollback()  # hold nothing open: the server writes next
    return values


# -- the journey -----------------------------------------------------------------------------


def test_first_use_on_a_phone_in_thai(db, runner, world, server, browser, shots, tmp_path):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    began = time.monotonic()
    base = server.base_url
    photo = tmp_path / "khao-kam.jpg"
    Image.new("RGB", (1200, 900), (70, 30, 60)).save(photo, "JPEG")
    slip = tmp_path / "slip.jpg"
    Image.new("RGB", (240, 400), (235, 245, 255)).save(slip, "JPEG")

    # 1. The admin invites the leader; the invitation waits in the outbox.
    admin = Phone(browser, base, shots)
    page = admin.page
    admin.sign_in(ADMIN)
    page.goto(f"/admin/groups/{world['rice_group_id']}")
    expect(page.locator("h1")).to_have_text("วิสาหกิจชุมชนข้าวก่ำดอยงาม")
    invite = page.locator("form[action$='/invite']")
    invite.locator("#email").fill(LEADER)
    invite.locator("#name").fill("มาลี ใจงาม")
    invite.locator("#role").select_option("leader")
    invite.get_by_role("button", name=_th("Send invitation")).click()
    # No mail server: the admin is taken to the invitation waiting in the outbox.
    expect(page).to_have_url(re.compile(r"/admin/outbox/\d+$"))
    expect(page.locator(".flashes")).to_contain_text(LEADER)
    page.get_by_role("link", name=_th("Back to the outbox")).click()
    expect(page.locator("h1")).to_have_text(_th("Outbox"))
    mail = page.locator("li.outbox-item").filter(has_text=LEADER)
    expect(mail).to_have_count(1)
    admin.shot("01-admin-outbox")
    mail.locator("a.outbox-subject").click()
    expect(page.locator(".outbox-to")).to_have_text(LEADER)
    link = page.locator("pre.mail-body a[href*='/account/invitation/']")
    expect(link).to_have_count(1)
    invitation = link.get_attribute("href")
    assert invitation.startswith(base + "/account/invitation/")
    admin.shot("02-admin-invitation-mail")
    admin.close()

    # 2. The leader accepts, lands in the office, and lists a product.
    leader = Phone(browser, base, shots)
    page = leader.page
    page.goto(invitation)
    expect(page.locator("h1")).to_have_text(_th("Welcome"))
    page.locator("#password").fill(LEADER_PASSWORD)
    page.locator("#confirm").fill(LEADER_PASSWORD)
    page.get_by_role("button", name=_th("Set my password")).click()
    expect(page).to_have_url(re.compile(rf"/office/{world['rice_slug']}/$"))
    expect(page.locator("h1")).to_contain_text("วิสาหกิจชุมชนข้าวก่ำดอยงาม")
    leader.shot("03-leader-office-home")
    nav = page.get_by_role("navigation", name=_th("Back office"))

    # Payout details: the buyers' transfers go to the group's own PromptPay.
    page.get_by_role("link", name=_th("Group profile and payout details")).click()
    page.locator("#promptpay_id").fill("0812345678")
    page.locator("#payout_account_name").fill("วิสาหกิจชุมชนข้าวก่ำดอยงาม")
    page.locator("#shipping_flat").fill("50")
    page.get_by_role("button", name=_th("Save"), exact=True).click()
    expect(page.locator(".flash-success")).to_be_visible()

    # Two member households, each with its consent recorded.
    for head, registry in (("นางบัวเรียน คำมูล", "5701000000011"), ("นายสมหมาย ดีงาม", "")):
        nav.get_by_role("link", name=_th("Member households")).click()
        page.get_by_role("link", name=_th("Add a household")).click()
        form = page.locator("form.form")
        form.locator("#head_name").fill(head)
        if registry:
            form.locator("#registry_ref").fill(registry)
        form.locator("#village").fill("บ้านดอยงาม")
        form.locator("#moo").fill("5")
        form.locator("#province_code").select_option("57")
        form.locator("#district_code").select_option("5705")
        form.locator("#subdistrict_code").select_option("570505")
        form.locator("#consent_on").fill("2568-11-20")
        form.locator("#consent_note").fill("ลงนามในแบบฟอร์มของกลุ่ม")
        form.get_by_role("button", name=_th("Add household")).click()
        expect(page.locator(".flash-success")).to_be_visible()
    nav.get_by_role("link", name=_th("Member households")).click()
    expect(page.locator("table.data-table tbody tr")).to_have_count(2)
    leader.shot("04-leader-households")

    # A product named in Thai only, a size, a photo.
    nav.get_by_role("link", name=world["rice_name"]).click()
    page.get_by_role("link", name=_th("New product")).click()
    page.locator("#name_th").fill(PRODUCT_TH)
    page.locator("#summary_th").fill("ข้าวเหนียวดำปลูกบนดอย สีม่วงเข้ม หอมนุ่ม")
    page.locator("#category_id").select_option(label="ข้าว / Rice")
    page.locator("#status").select_option("active")
    page.get_by_role("button", name=_th("Create product")).click()
    expect(page.locator("h1")).to_have_text(PRODUCT_TH)
    page.get_by_role("link", name=_th("Add a size")).click()
    page.locator("#label_th").fill("ถุง 1 กก.")
    page.locator("#sku").fill("KK-1KG")
    page.locator("#price").fill("120")
    page.locator("#weight_grams").fill("1000")
    page.get_by_role("button", name=_th("Save size")).click()
    expect(page.locator("h1")).to_have_text(PRODUCT_TH)
    expect(page.get_by_text("KK-1KG")).to_be_visible()
    page.locator("#photo").set_input_files(str(photo))
    page.locator("#alt_th").fill("ข้าวก่ำในถุงผ้า")
    page.get_by_role("button", name=_th("Upload photo")).click()
    expect(page.locator("ul.rows img")).to_have_count(1)
    leader.shot("05-leader-product")
    product_page = page.get_by_role("link", name=_th("See the product's page"))
    product_path = urlsplit(product_page.get_attribute("href")).path

    # The households get 60 % of each sale of it.
    nav.get_by_role("link", name=_th("Share rules")).click()
    page.get_by_role("link", name=_th("Set a rule for all sizes")).click()
    grower = page.locator("fieldset.field-actions", has=page.locator("input[value=grower]"))
    grower.locator("select[name$='-basis']").select_option(label=_th("Percent of the sale"))
    grower.locator("input[name$='-value']").fill("60")
    page.get_by_role("button", name=_th("Save as a new version")).click()
    expect(page.locator(".flash-success")).to_be_visible()

    # A lot the two households made.
    nav.get_by_role("link", name=_th("Lots")).click()
    page.get_by_role("link", name=_th("Record a lot")).first.click()
    form = page.locator("form.form")
    size = form.locator("#variant_id option", has_text=PRODUCT_TH)
    form.locator("#variant_id").select_option(size.get_attribute("value"))
    form.locator("#produced_on").fill("2025-12-10")
    form.locator("#quantity").fill("30")
    for n in range(2):
        row = form.locator(f"#contributions-{n}-household_id")
        row.select_option(index=n + 1)
        form.locator(f"#contributions-{n}-quantity").fill(str(20 + 10 * n))
    leader.shot("06-leader-lot-form")
    form.get_by_role("button", name=_th("Record lot")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    leader.shot("07-leader-lot")

    # The public page shows the product, its photo and its two households.
    page.goto(product_path)
    expect(page.locator("h1")).to_have_text(PRODUCT_TH)
    expect(page.locator("img[src*='/media/products/']").first).to_be_visible()
    leader.shot("08-product-page")
    leader.close()

    # 3. A guest buys from both groups and pays each its own part by PromptPay, with a slip.
    buyer = Phone(browser, base, shots)
    page = buyer.page
    page.goto("/")
    page.locator("#site-search").fill("ข้าวก่ำ")
    page.locator("#site-search").press("Enter")
    found = page.locator(".product-card").filter(
        has=page.get_by_role("heading", name=PRODUCT_TH, exact=True)
    )
    expect(found).to_have_count(1)
    buyer.shot("09-search")
    found.locator("a.card-link").click()
    expect(page).to_have_url(base + product_path)
    _add_to_cart(page, 2)
    page.goto(f"/products/{world['chili_product']}")
    _add_to_cart(page, 1)
    expect(page.locator("section.cart-group")).to_have_count(2)
    buyer.shot("10-cart")
    page.locator(".cart-summary a[href='/checkout']").click()
    expect(page.locator("section.checkout-group")).to_have_count(2)
    _fill_checkout(page)
    buyer.shot("11-checkout-filled")
    page.locator("form.checkout-form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/orders/MP-[A-Z0-9-]+\?token="))
    reference = page.locator("h1").inner_text().split()[-1]
    parts = page.locator("article.part-payment")
    expect(parts).to_have_count(2)
    rice_part = parts.filter(has_text=world["rice_name"])
    chili_part = parts.filter(has_text=world["chili_name_group"])
    # Rice: 2 × ฿120 + ฿50 shipping; chili: ฿85 + ฿40 shipping.
    expect(rice_part).to_contain_text(_th("Part total: %(amount)s", amount="฿290"))
    expect(chili_part).to_contain_text(_th("Part total: %(amount)s", amount="฿125"))
    expect(rice_part.locator(".payee")).to_contain_text("0812345678")
    buyer.shot("12-order-to-pay")
    for part in (rice_part, chili_part):
        expect(part.locator(".promptpay-qr img")).to_be_visible()
        part.locator("input[type=file]").set_input_files(str(slip))
        part.locator("form.slip-form button[type=submit]").click()
        expect(part.locator(".slip-state-submitted")).to_be_visible()
    buyer_url = page.url
    buyer.shot("13-order-slips-sent")
    buyer.close()

    # 4. Each leader sees the slip waiting, confirms it, packs, ships and delivers.
    for email, password, group_name, tracking in (
        (LEADER, LEADER_PASSWORD, world["rice_name"], "EF123456789TH"),
        (OTHER_LEADER, DEFAULT_PASSWORD, world["chili_name_group"], "EF987654321TH"),
    ):
        office = Phone(browser, base, shots)
        page = office.page
        office.sign_in(email, password)
        # The office list says at once that a slip waits in the leader's group.
        page.locator("header a[href='/office/']").click()
        waiting = page.locator("main li", has_text=group_name).get_by_role(
            "link",
            name=_th_n("%(num)d transfer slip to check", "%(num)d transfer slips to check", 1),
        )
        if email == LEADER:
            office.shot("14-leader-office-list")
        waiting.click()
        rows = page.locator("ul.order-rows > li")
        expect(rows).to_have_count(1)
        rows.first.get_by_role("link", name=reference).click()
        expect(page.locator("img.slip-image")).to_be_visible()
        if email == LEADER:
            office.shot("15-leader-slip")
        page.get_by_role("button", name=_th("Yes, the money arrived")).click()
        expect(page.locator(".flash-success")).to_contain_text(reference)
        page.get_by_role("button", name=_th("Mark packed")).click()
        expect(page.locator(".flash-success")).to_be_visible()
        page.locator("#carrier").fill("ไปรษณีย์ไทย")
        page.locator("#tracking_no").fill(tracking)
        page.get_by_role("button", name=_th("Mark shipped and tell the buyer")).click()
        expect(page.locator("main")).to_contain_text(tracking)
        page.get_by_role("button", name=_th("Mark delivered")).click()
        expect(page.locator(".flash-success")).to_be_visible()
        if email == LEADER:
            office.shot("16-leader-order-delivered")
        office.close()

    # The buyer's page: both parts delivered.
    buyer = Phone(browser, base, shots)
    page = buyer.page
    page.goto(buyer_url)
    delivered = page.locator(".order-part .order-status-delivered")
    expect(delivered).to_have_count(2)
    expect(delivered.first).to_have_text(_th("Delivered"))
    expect(page.locator(".order-part").filter(has_text=world["rice_name"])).to_contain_text(
        "EF123456789TH"
    )
    buyer.shot("17-order-delivered")
    buyer.close()

    # No mail was lost: each waits in the outbox (no MAIL_SERVER), the buyer's with the link.
    db.session.rollback()
    mails = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
    assert Counter((m.to_address, m.kind) for m in mails) == {
        (LEADER, "invitation"): 1,
        (BUYER, "order_placed"): 1,
        (BUYER, "order_paid"): 1,
        (LEADER, "slip_to_check"): 1,
        (OTHER_LEADER, "slip_to_check"): 1,
        (LEADER, "fulfilment_to_pack"): 1,
        (OTHER_LEADER, "fulfilment_to_pack"): 1,
        (BUYER, "fulfilment_shipped"): 2,
    }
    assert {m.status for m in mails} == {MailStatus.HELD}
    [placed] = [m for m in mails if m.kind == "order_placed"]
    assert base + urlsplit(buyer_url).path + "?token=" in placed.body
    db.session.rollback()

    # 5. The officer downloads every report of every area level, in CSV and XLSX.
    officer = Phone(browser, base, shots)
    page = officer.page
    officer.sign_in(OFFICER)
    page.locator("header a[href='/reports/']").click()
    expect(page.locator("h1")).to_have_text(_th("Income reports"))
    downloads = {}
    for level, link in (("province", "เชียงราย"), ("district", "พาน"), ("subdistrict", "ดอยงาม")):
        page.locator("main").get_by_role("link", name=link, exact=True).first.click()
        expect(page.locator("h1")).to_have_text(_th("Income report: %(area)s", area=link))
        if level == "province":
            expect(page.locator("table.data-table").nth(1)).to_contain_text(PRODUCT_TH)
        officer.shot(f"{18 + len(downloads) // 4:02d}-officer-report-{level}")
        for button in page.locator(".report-downloads a").all():
            with page.expect_download() as info:
                button.click()
            download = info.value
            assert download.failure() is None
            query = parse_qs(urlsplit(download.url).query)
            path = tmp_path / f"web-{level}-{len(downloads)}-{download.suggested_filename}"
            download.save_as(path)
            downloads[path] = (urlsplit(download.url).path, query)
    assert len(downloads) == 12
    officer.close()

    for path, (url_path, query) in downloads.items():
        cli = tmp_path / f"cli-{path.name}"
        _cli_export(runner, url_path, query, cli)
        if path.suffix == ".csv":
            web_rows, cli_rows = _csv_rows(path), _csv_rows(cli)
            assert len(web_rows) == len(cli_rows), path.name
            assert web_rows == cli_rows, path.name
        else:
            assert _sheet_rows(path) == _sheet_rows(cli), path.name
    # The province's household rows: the rice sale (฿240, 60 % to growers) reached the two
    # households by what they grew (20 and 30 kg); the chili group's two were not paid.
    [province_csv] = [
        p for p, (u, q) in downloads.items() if u.endswith("/57/export.csv") and "table" not in q
    ]
    reached = {row[0]: (row[4], row[5]) for row in _csv_rows(province_csv)[1:]}
    assert sorted(reached.values()) == [("no", "0.00")] * 2 + [("yes", "57.60"), ("yes", "86.40")]
    print(f"journey took {time.monotonic() - began:.1f} s")
