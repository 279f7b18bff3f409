"""A buyer's journey in a real browser: home, a product, its provenance, then English.

Drives Debian's chromium (/usr/bin/chromium) through pytest-playwright against
the app served from a thread. Without chromium the test is skipped locally and
fails on CI (where CI is set), so a missing browser is never silently green.
"""

from datetime import date

import pytest

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A 360 px wide phone, as most buyers use."""
    return {**browser_context_args, "viewport": {"width": 360, "height": 740}}


@pytest.fixture
def journey_shop(db, make):
    """One featured product with a lot, a household and a verified claim, committed."""
    group = make.group(
        slug="hom-phaendin",
        name_th="กลุ่มหอมแผ่นดิน",
        name_en="Hom Phaendin group",
        is_featured=True,
    )
    product = make.product(
        group=group,
        slug="black-sticky-rice",
        name_th="ข้าวเหนียวดำ",
        name_en="Black sticky rice",
        is_featured=True,
        stock=None,
    )
    lot = make.lot(product.variants[0], code="LOT-JOURNEY", produced_on=date(2025, 12, 10))
    make.contribution(lot, make.household(group))
    make.claim(lot)
    db.session.commit()
    return product


def test_buyer_reads_provenance_then_switches_to_english(journey_shop, live_server, page):
    from playwright.sync_api import expect

    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "th")
    page.get_by_role("link", name="ข้าวเหนียวดำ").first.click()

    expect(page).to_have_url(live_server + "/products/black-sticky-rice")
    expect(page.locator("h1")).to_have_text("ข้าวเหนียวดำ")
    provenance = page.locator("#provenance")
    expect(provenance).to_be_visible()
    expect(provenance).to_contain_text("ดอยงาม")
    expect(provenance).to_contain_text("เชียงราย")
    expect(provenance).to_contain_text("10 ธ.ค. 2568")
    # Nothing sticks out sideways on a 360 px phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.get_by_role("button", name="English").click()

    expect(page).to_have_url(live_server + "/products/black-sticky-rice")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Black sticky rice")
    provenance = page.locator("#provenance")
    expect(provenance).to_contain_text("Doi Ngam")
    expect(provenance).to_contain_text("Chiang Rai")
    expect(provenance).to_contain_text("10 Dec 2025")

    # The choice persists: the next page is English too.
    page.get_by_role("link", name="Hom Phaendin group").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert problems == []
