"""A leader adds a product photo on a phone in Thai: a placeholder until its sizes exist.

The app runs from a thread (tests/browser/conftest.py) without a queue, so the
photo_sizes job runs in that thread after the upload's response; the test holds
it until it has looked at the pending pages, then lets it run. Every page must
fit 360 px, show Thai, load every picture it shows and raise no script error.
It runs twice: photos in the instance folder, and in a bucket whose public address
(S3_PUBLIC_URL) the pages link, as production serves them: there the browser loads
the photo from the bucket's origin, which the page's Content-Security-Policy must allow.
"""

import threading
import time

import pytest

from marketplace import jobs
from tests.factories import DEFAULT_PASSWORD, make_group, make_product, make_user
from tests.office.pictures import picture

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LEADER = "leader-photo@example.com"
PENDING_ALT = "กำลังเตรียมรูปภาพ"

# Every picture on the page has loaded (a broken one has no natural width).
BROKEN_IMAGES = """() => [...document.images]
    .filter(img => img.complete && img.naturalWidth === 0).map(img => img.src)"""


def _fits_and_loads(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url
    assert page.evaluate("document.documentElement.lang") == "th"
    assert page.evaluate(BROKEN_IMAGES) == []


@pytest.mark.parametrize("store", ["instance folder", "public bucket"])
def test_a_new_photo_shows_a_placeholder_until_its_sizes_exist(
    store, request, db, live_server, browser, monkeypatch, tmp_path
):
    from playwright.sync_api import expect

    public = request.getfixturevalue("public_bucket") if store == "public bucket" else None

    group = make_group(slug="doi-ngam-photos")
    product = make_product(group=group, slug="khao-niao-dam-photo", name_th="ข้าวเหนียวดำดอยงาม")
    make_user(LEADER, memberships=[(group, "leader")])
    db.session.commit()
    office_url = f"/office/{group.slug}/products/{product.id}"
    shop_url = f"/products/{product.slug}"

    release, started = threading.Event(), threading.Event()
    make_sizes = jobs.TASKS["photo_sizes"]

    def held(*args):
        started.set()
        release.wait(60)
        return make_sizes(*args)

    monkeypatch.setitem(jobs.TASKS, "photo_sizes", held)
    photo = tmp_path / "rice.jpg"
    photo.write_bytes(picture("JPEG", size=(1200, 900)))

    context = browser.new_context(viewport=PHONE, locale="th-TH", base_url=live_server)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto("/account/sign-in")
        page.locator("#email").fill(LEADER)
        page.locator("#password").fill(DEFAULT_PASSWORD)
        page.locator("form.form button[type=submit]").click()
        page.wait_for_load_state()

        page.goto(office_url)
        page.locator("input[type=file]").set_input_files(str(photo))
        page.get_by_role("button", name="อัปโหลดรูปภาพ").click()
        page.wait_for_load_state()
        assert started.wait(30), "the photo_sizes job never started"

        # Pending: the office and the shop show the placeholder, with Thai words.
        page.goto(office_url)
        pending = page.locator("img.photo-pending")
        expect(pending).to_be_visible()
        expect(pending).to_have_attribute("alt", PENDING_ALT)
        _fits_and_loads(page)
        page.screenshot(path=str(tmp_path / "office-pending.png"), full_page=True)
        page.goto(shop_url)
        expect(page.locator("img.photo-pending").first).to_be_visible()
        _fits_and_loads(page)
        page.screenshot(path=str(tmp_path / "product-pending.png"), full_page=True)

        # The job runs: within the page cache's version TTL the photo replaces the box.
        release.set()
        deadline = time.monotonic() + 30
        while page.locator("img.photo-pending").count() and time.monotonic() < deadline:
            time.sleep(0.5)
            page.goto(shop_url)
        assert page.locator("img.photo-pending").count() == 0, "still a placeholder"
        photo_img = page.locator("img[src*='/products/']").first
        expect(photo_img).to_be_visible()
        page.wait_for_load_state("networkidle")
        assert photo_img.evaluate("img => img.naturalWidth") > 0
        if public:  # loaded from the bucket's address, not through the app
            assert photo_img.evaluate("img => img.currentSrc").startswith(public + "/products/")
        _fits_and_loads(page)
        page.goto(office_url)
        assert page.locator("img.photo-pending").count() == 0
        _fits_and_loads(page)
        assert errors == []
    finally:
        release.set()
        context.close()
