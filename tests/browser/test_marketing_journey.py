"""A leader on a phone (360×740, Thai) gets a share card, a label sheet and a LINE link; og:image.

Drives Debian's chromium through Playwright against the app served from a thread.
"""

import io
import re
from pathlib import Path
from urllib.parse import urlsplit

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from marketplace.catalog import images
from marketplace.extensions import db as _db
from marketplace.storage import storage
from tests.factories import DEFAULT_PASSWORD, make_user

pytestmark = pytest.mark.browser


def _photo():
    image = Image.new("RGB", (1600, 1200), (60, 130, 70))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def phone(browser, live_server):
    """A Thai phone-sized browser context allowed to use the clipboard."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="th-TH",
        base_url=live_server,
        permissions=["clipboard-read", "clipboard-write"],
        accept_downloads=True,
    )
    yield context.new_page()
    context.close()


def test_leader_downloads_a_card_copies_the_line_link_and_the_page_shows_og_image(
    app, db, make, live_server, phone
):
    from playwright.sync_api import expect

    group = make.group(slug="hom-phaendin", name_th="กลุ่มหอมแผ่นดิน")
    product = make.product(
        group=group, slug="black-sticky-rice", name_th="ข้าวเหนียวดำอินทรีย์", price_satang=15000
    )
    with app.test_request_context():
        images.add_product_image(product, _photo())
    make.claim(product, issuer="สำนักงานเกษตรอำเภอพาน")
    make_user("leader@example.com", memberships=[(group, "leader")], locale="th")
    _db.session.commit()
    page = phone
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/account/sign-in")
    page.locator("#email").fill("leader@example.com")
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/office/hom-phaendin/marketing")
    expect(page.locator("h1")).to_have_text("การตลาด")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    item = page.locator("article.share-item", has_text="ข้าวเหนียวดำอินทรีย์").first
    preview = item.locator("img.card-preview")
    preview.scroll_into_view_if_needed()
    assert preview.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1200

    with page.expect_download() as info:
        item.get_by_role("link", name="สตอรี่ (1080×1920)").click()
    download = info.value
    assert download.suggested_filename == "card-black-sticky-rice-1080x1920-th.jpg"
    with Image.open(download.path()) as card:
        assert card.size == (1080, 1920)

    # A sheet of QR labels for the product's lot: the PDF arrives and its codes open the lot.
    lot = product.variants[0].lots[0]
    page.locator(f'a[href="/office/hom-phaendin/lots/{lot.id}/labels"]').click()
    expect(page.locator("h1")).to_contain_text(lot.code)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.locator("#count").fill("6")
    with page.expect_download() as info:
        page.locator("form.form button[type=submit]").click()
    sheet = Path(info.value.path()).read_bytes()
    assert sheet.startswith(b"%PDF")
    pdf = pdfium.PdfDocument(sheet)
    bitmap = pdf[0].render(scale=300 / 72).to_pil()
    codes = {result.text for result in zxingcpp.read_barcodes(bitmap)}
    assert codes == {f"http://127.0.0.1:5000/lot/{lot.code}?utm_source=label&utm_medium=qr"}
    pdf.close()
    page.goto("/office/hom-phaendin/marketing")
    item = page.locator("article.share-item", has_text="ข้าวเหนียวดำอินทรีย์").first

    item.get_by_role("button", name="คัดลอกลิงก์สำหรับ LINE").click()
    expect(item.locator(".share-status")).to_contain_text("คัดลอกลิงก์แล้ว")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == (
        "http://127.0.0.1:5000/products/black-sticky-rice"
        "?utm_source=line&utm_medium=social&utm_campaign=product_share"
    )
    line = item.get_by_role("link", name="LINE").get_attribute("href")
    assert line.startswith("https://social-plugins.line.me/lineit/share?url=")

    page.goto(urlsplit(copied).path + "?" + urlsplit(copied).query)
    og_image = page.locator('meta[property="og:image"]').get_attribute("content")
    assert page.locator('meta[property="og:image:width"]').get_attribute("content") == "1200"
    answer = page.request.get(live_server + urlsplit(og_image).path)
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(answer.body())) as card:
        assert card.size == (1200, 630)
    expect(page.locator(".share-bar .share-copy")).to_be_visible()
    assert re.search(
        r"utm_source=share", page.locator(".share-copy").get_attribute("data-share-url")
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not problems
    with app.app_context():  # leave the session's file store as it was
        storage().delete_prefix(f"products/{product.images[0].key}")
        storage().delete_prefix("cards/")
