"""Back-office journeys in a real browser: a leader lists a product, an officer verifies a claim.

Drives Debian's chromium (/usr/bin/chromium) through pytest-playwright against
the app served from a thread (fixtures in tests/browser/conftest.py). Without chromium
the tests are skipped locally and fail on CI (where CI is set).
"""

import re

import pytest
from PIL import Image
from sqlalchemy import select

from marketplace.models import ClaimStatus, Product
from tests.factories import DEFAULT_PASSWORD, make_category, make_user

pytestmark = pytest.mark.browser


def _sign_in(page, email):
    page.goto("/account/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()


def _watch_errors(page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_leader_lists_a_product_with_photo_and_lot(db, make, live_server, page, tmp_path):
    from playwright.sync_api import expect

    group = make.group(slug="hom-phaendin", name_en="Hom Phaendin group")
    first, second = make.household(group), make.household(group)
    category = make_category(name_en="Rice")
    make_user("leader@example.com", memberships=[(group, "leader")], locale="en")
    db.session.commit()
    household_ids = [str(first.id), str(second.id)]
    category_id = str(category.id)

    photo = tmp_path / "rice.jpg"
    Image.new("RGB", (64, 48), (120, 60, 30)).save(photo, "JPEG")
    problems = _watch_errors(page)

    _sign_in(page, "leader@example.com")
    page.goto("/office/hom-phaendin/products/new")
    page.locator("#name_th").fill("ข้าวก่ำ")
    page.locator("#name_en").fill("Purple rice")
    page.locator("#category_id").select_option(category_id)
    page.locator("#status").select_option("active")
    page.get_by_role("button", name="Create product").click()
    expect(page.locator("h1")).to_have_text("Purple rice")

    page.get_by_role("link", name="Add a size").click()
    page.locator("#label_th").fill("1 กก.")
    page.locator("#label_en").fill("1 kg")
    page.locator("#sku").fill("PR-1KG")
    page.locator("#price").fill("150")
    page.locator("#weight_grams").fill("1000")
    page.get_by_role("button", name="Save size").click()
    expect(page.locator("h1")).to_have_text("Purple rice")
    expect(page.get_by_text("PR-1KG")).to_be_visible()

    page.locator("#photo").set_input_files(str(photo))
    page.locator("#alt_en").fill("A bag of purple rice")
    page.get_by_role("button", name="Upload photo").click()
    expect(page.locator("ul.rows img")).to_have_count(1)

    page.get_by_role("link", name="Record a lot").click()
    page.locator("#produced_on").fill("2025-12-10")
    page.locator("#quantity").fill("20")
    for n, household_id in enumerate(household_ids):
        page.locator(f"#contributions-{n}-household_id").select_option(household_id)
        page.locator(f"#contributions-{n}-quantity").fill("10")
    page.get_by_role("button", name="Record lot").click()
    expect(page.locator(".flash-success")).to_contain_text("recorded")

    db.session.rollback()
    slug = db.session.scalar(select(Product.slug).where(Product.name_en == "Purple rice"))
    page.goto(f"/products/{slug}")
    expect(page.locator("h1")).to_have_text("Purple rice")
    expect(page.locator("img[src*='/media/products/']").first).to_be_visible()
    # Two households: fewer than five are not counted on a public page.
    expect(page.locator("#provenance .households")).to_contain_text("Fewer than 5 households")
    assert problems == []


def test_officer_verifies_a_pending_claim(db, make, live_server, page):
    from playwright.sync_api import expect

    group = make.group(province_code="57")
    product = make.product(group=group, name_en="Black sticky rice")
    claim = make.claim(product, status=ClaimStatus.PENDING, certificate_no="")
    make_user("officer@example.com", officer_areas=["57"], locale="en")
    db.session.commit()
    slug, claim_id = product.slug, claim.id
    problems = _watch_errors(page)

    page.goto(f"/products/{slug}")
    expect(page.locator(".badges .badge-verified")).to_have_count(0)

    _sign_in(page, "officer@example.com")
    page.goto("/officer/")
    page.locator(f"a[href='/officer/claims/{claim_id}']").first.click()
    expect(page).to_have_url(re.compile(rf"/officer/claims/{claim_id}$"))
    page.locator("#valid_from").fill("2025-01-01")
    page.locator("#valid_until").fill("2030-12-31")
    page.locator("#certificate_no").fill("CERT-2025-001")
    page.get_by_role("button", name="Verify claim").click()
    expect(page.get_by_text("Claim verified.")).to_be_visible()

    page.goto(f"/products/{slug}")
    expect(page.locator(".badges .badge-verified")).to_have_count(1)
    expect(page.locator(".badges")).to_contain_text("Verified")
    assert problems == []
