"""Every page of the URL map, for every role, fits a 360 px phone in Thai; its images have alt text.

The demo data (`load_demo`, what `flask demo load` writes) plus one account per
role: a buyer with orders and a cart of two groups, the leader and the staff of
Hom Phaendin, an officer of its province and an admin. Every GET route of
`app.url_map` is opened by every role in one chromium, with the URL's
parameters taken from real rows of Hom Phaendin (`PARAMETERS`); a route whose
parameter this file cannot fill fails the test, naming it, so a new route is
never silently left out.

Skipped by rule, not by name: routes without GET, static and media files
(a `path` converter), and downloads (a file extension in the last segment,
such as `export.<fmt>` or `template.csv`, or an answer that is not HTML).
A page a role may not see (403, 404, or a redirect to sign-in) is not checked
for that role; every route must still be checked for at least one role.

A page fails when `document.documentElement.scrollWidth` exceeds the
viewport's width (a table must become cards or scroll inside its own box),
when an `<img>` has no alt attribute (or an empty one on anything but a
decorative asset from /static/), when a product photo was picked from its
srcset much wider than it shows (a wrong `sizes`), when chart text shows
smaller than 11 px, when it is not in Thai, or when it answers 500.
"""

import shutil
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import or_, select
from werkzeug.routing import PathConverter

from marketplace.accounts.service import send_invitation
from marketplace.accounts.tokens import INVITATION, RESET, make_token
from marketplace.catalog import service as catalog_service
from marketplace.demo import load_demo
from marketplace.extensions import db as _db
from marketplace.models import (
    Claim,
    ClaimEvidence,
    Fulfilment,
    Household,
    Lot,
    Order,
    ProducerGroup,
    Product,
    ProductImage,
    Variant,
)
from marketplace.models.accounts import GroupMembership, OfficerArea
from marketplace.orders import slips
from tests.factories import DEFAULT_PASSWORD, make_order, make_user
from tests.office.pictures import PDF, picture

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 360, "height": 740}
HOME_GROUP = "hom-phaendin"
ROLES = ("anonymous", "buyer", "leader", "staff", "officer", "admin")
EMAILS = {
    "buyer": "buyer@example.com",
    "leader": "leader@example.com",
    "staff": "staff@example.com",
    "officer": "officer@example.com",
    "admin": "admin@example.com",
}
# A few routes say more with a query: opened once more with it.
WITH_QUERY = {
    "search.results": ("q=ข้าว",),
    "shop.catalog": ("sort=price",),
    "shop.checkout_areas": ("province=57",),
}

# Photos below the fold load too (the choice from their srcset is checked).
LOAD_LAZY_IMAGES = """
async () => {
  const lazy = Array.from(document.images).filter((img) => img.loading === 'lazy' && !img.complete);
  lazy.forEach((img) => { img.loading = 'eager'; });
  await Promise.all(lazy.map((img) => img.decode().catch(() => null)));
}
"""

# What the page reports about itself: the document's width, the widest
# elements that stick out (first one of each branch) and images without alt text.
MEASURE = r"""
() => {
  const width = window.innerWidth;
  const root = document.documentElement;
  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += '#' + el.id;
    if (el.classList.length) name += '.' + Array.from(el.classList).join('.');
    const parent = el.parentElement;
    let chain = name;
    if (parent && parent !== document.body) {
      let pname = parent.tagName.toLowerCase();
      if (parent.classList.length) pname += '.' + Array.from(parent.classList).join('.');
      chain = pname + ' > ' + name;
    }
    return chain + ' (' + Math.round(el.getBoundingClientRect().right) + ' px)';
  };
  // An element is clipped by a scrolling ancestor, unless it is positioned absolutely
  // against something outside it (then it escapes the box and widens the page).
  const clipped = (el) => {
    let escapes = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const style = getComputedStyle(a);
      if (style.overflowX !== 'visible' && !escapes) return true;
      if (escapes && style.position !== 'static') escapes = false;
    }
    return false;
  };
  const wide = [];
  if (root.scrollWidth > width) {
    for (const el of document.body.querySelectorAll('*')) {
      if (el.getBoundingClientRect().right > width + 0.5 && !clipped(el)) {
        wide.push(describe(el));
        if (wide.length >= 4) break;
      }
    }
  }
  const noAlt = [];
  for (const img of document.images) {
    const alt = img.getAttribute('alt');
    const src = img.getAttribute('src') || '';
    const decorative = src.startsWith('/static/');
    if (alt === null || (alt.trim() === '' && !decorative)) noAlt.push(src);
  }
  // A product photo chosen from its srcset much larger than it shows (`sizes` wrong).
  const oversized = [];
  for (const img of document.images) {
    const chosen = /\/media\/products\/[0-9a-f]+\/(\d+)\.\w+$/.exec(img.currentSrc || '');
    const shown = img.getBoundingClientRect().width * window.devicePixelRatio;
    if (chosen && shown > 0 && Number(chosen[1]) > Math.max(320, 2.5 * shown)) {
      oversized.push([chosen[0], Math.round(shown)]);
    }
  }
  // Chart text as it shows on screen: its font size times the SVG's scale.
  const smallText = [];
  for (const text of document.querySelectorAll('svg text')) {
    const svg = text.ownerSVGElement;
    const scale = svg && svg.getScreenCTM() ? svg.getScreenCTM().a : 1;
    const px = parseFloat(getComputedStyle(text).fontSize) * scale;
    const words = text.textContent.trim();
    if (words && px < 11) smallText.push(words + ' ' + px.toFixed(1) + ' px');
  }
  return {scrollWidth: root.scrollWidth, width, wide, noAlt, lang: root.lang, oversized, smallText};
}
"""


# -- the data ----------------------------------------------------------------------------


def _build_world():
    """Demo data, one account per role and the extra rows some pages need; returns URL values."""
    load_demo()
    group = _db.session.scalar(select(ProducerGroup).filter_by(slug=HOME_GROUP))
    make_user(EMAILS["leader"], name="ผู้นำกลุ่ม", memberships=[(group, "leader")])
    make_user(EMAILS["staff"], name="เจ้าหน้าที่กลุ่ม", memberships=[(group, "staff")])
    make_user(EMAILS["officer"], name="เจ้าหน้าที่พัฒนาชุมชน", officer_areas=[group.province_code])
    make_user(EMAILS["admin"], name="ผู้ดูแลระบบ", admin=True)
    buyer = make_user(EMAILS["buyer"], name="ผู้ซื้อ")
    invited = make_user("invited@example.com", password=None, memberships=[(group, "staff")])
    send_invitation(invited, group, "staff")  # a mail in the outbox, too

    # The buyer owns some of the group's demo orders, so "my orders" and an order page have rows.
    orders = _db.session.scalars(
        select(Order)
        .join(Fulfilment, Fulfilment.order_id == Order.id)
        .where(Fulfilment.group_id == group.id)
        .order_by(Order.id.desc())
        .limit(3)
    ).all()
    for order in orders:
        order.user_id = buyer.id

    # A transfer order of the buyer's with its slip waiting for the leader (and the admin's list).
    # Transfers with their slips waiting: one to the group (its leader decides), and one
    # for a cart of two groups paid to the platform's account (an admin decides).
    variant, other_variant = (_in_stock(group, same) for same in (True, False))
    waiting = make_order({variant: 1}, payment_method="transfer", user=buyer, email=buyer.email)
    slips.submit_slip(waiting, picture(size=(600, 900)))
    to_platform = make_order(
        {variant: 1, other_variant: 1}, payment_method="transfer", user=buyer, email=buyer.email
    )
    platform_payment = slips.submit_slip(to_platform, picture(size=(600, 900)))

    claim = _group_claim(group)
    if not claim.evidence:
        catalog_service.add_claim_evidence(group, claim.id, "certificate.pdf", PDF)
    _db.session.flush()
    values = _values(group, claim, waiting, buyer, invited)
    values["payment_id"] = platform_payment.id
    values.update(_discount_values(group))
    values.update(_export_values(group))
    _db.session.commit()
    return values


def _export_values(group):
    """Area exports the officer asked for: one half written (its page shows the progress),
    one ready, its file in the store (the download is a file, not a page)."""
    from datetime import date

    from marketplace.models import AreaExport, User
    from marketplace.storage import storage

    officer = _first(select(User).where(User.email == EMAILS["officer"]))
    common = dict(
        user_id=officer.id,
        province_code=group.province_code,
        date_from=date(2025, 12, 1),
        date_to=date(2026, 11, 30),
        fmt="csv",
        language="th",
        rows_total=23_582,
        filename="uplift.csv",
    )
    running = AreaExport(token="page-fits-running", status="running", rows_done=11_791, **common)
    ready = AreaExport(
        token="page-fits-ready",
        status="ready",
        rows_done=23_582,
        storage_key="exports/page-fits-ready/uplift.csv",
        **common,
    )
    storage().put(ready.storage_key, b"household_code\n")
    _db.session.add_all([running, ready])
    _db.session.flush()
    return {
        ("reports.export_status", "token"): running.token,
        ("reports.export_download", "token"): ready.token,
    }


def _discount_values(group):
    """A code and a batch of single-use codes of the group, and of the whole market."""
    from marketplace.marketing import discounts

    values = discounts.check_values({"kind": "percent", "percent": "10"}, group)
    code = discounts.create_code(group, "HOMRICE10", values)
    batch = discounts.generate_batch(group, 3, "FAIR", values)
    market = discounts.create_code(
        None, "MARKET5", discounts.check_values({"kind": "free_shipping"})
    )
    market_batch = discounts.generate_batch(None, 3, "MKT", values)
    return {
        ("office.discount_detail", "code_id"): code.id,
        ("office.discount_batch_view", "batch"): batch,
        ("admin.discount_detail", "code_id"): market.id,
        ("admin.discount_batch_view", "batch"): market_batch,
    }


def _in_stock(group, of_group):
    """A size in stock of one of the group's products (or, with of_group false, another's)."""
    owner = Product.group_id == group.id if of_group else Product.group_id != group.id
    return _first(
        select(Variant)
        .join(Product)
        .join(Lot, Lot.variant_id == Variant.id)
        .where(owner, Lot.available > 0)
        .order_by(Variant.id)
    )


def _group_claim(group):
    """A claim of the group still awaiting review (the officer's claim page shows its buttons)."""
    product_ids = select(Product.id).where(Product.group_id == group.id)
    lot_ids = select(Lot.id).join(Variant).where(Variant.product_id.in_(product_ids))
    condition = or_(
        Claim.group_id == group.id, Claim.product_id.in_(product_ids), Claim.lot_id.in_(lot_ids)
    )
    claims = _db.session.scalars(select(Claim).where(condition).order_by(Claim.id)).all()
    pending = [c for c in claims if c.status in ("pending", "self_declared")]
    return (pending or claims)[0]


def _first(statement):
    return _db.session.scalar(statement.limit(1))


def _values(group, claim, order, buyer, invited):
    """Values of the URL map's parameters, all from Hom Phaendin's rows."""
    product = _first(
        select(Product)
        .where(Product.group_id == group.id, Product.images.any())
        .order_by(Product.id)
    )
    variant = _first(select(Variant).where(Variant.product_id == product.id).order_by(Variant.id))
    lot = _first(select(Lot).join(Variant).where(Variant.product_id == product.id).order_by(Lot.id))
    household = _first(select(Household).where(Household.groups.any(ProducerGroup.id == group.id)))
    fulfilment = _first(
        select(Fulfilment).where(Fulfilment.group_id == group.id, Fulfilment.order_id == order.id)
    )
    image = _first(select(ProductImage).where(ProductImage.product_id == product.id))
    membership = _first(select(GroupMembership).where(GroupMembership.group_id == group.id))
    area = _first(select(OfficerArea))
    evidence = _first(select(ClaimEvidence).where(ClaimEvidence.claim_id == claim.id))
    return {
        "group_slug": group.slug,
        "group_id": group.id,
        "product_id": product.id,
        "variant_id": variant.id,
        "lot_id": lot.id,
        "claim_id": claim.id,
        "evidence_id": evidence.id,
        "household_id": household.id,
        "fulfilment_id": fulfilment.id,
        "image_id": image.id,
        "membership_id": membership.id,
        "user_id": buyer.id,
        "area_id": area.id,
        "reference": order.reference,
        "code": lot.code,
        "province": group.province_code,
        "district": group.district_code,
        "subdistrict": group.subdistrict_code,
        # `slug` names a group on the group page and a product on the product page.
        ("shop.group", "slug"): group.slug,
        ("shop.product", "slug"): product.slug,
        ("accounts.accept_invitation", "token"): make_token(invited, INVITATION),
        ("accounts.reset_password", "token"): make_token(buyer, RESET),
    }


# -- the URL map ---------------------------------------------------------------------------


def _is_download_rule(rule):
    """Files, not pages: static and media files, and anything with an extension at its end."""
    if any(isinstance(c, PathConverter) for c in rule._converters.values()):
        return True
    last = rule.rule.rstrip("/").rsplit("/", 1)[-1]
    return "." in last


def _first_row_id(stem):
    """The first id of the table named `stem` (or `…_stem`), for a parameter no value names."""
    for mapper in _db.Model.registry.mappers:
        table = mapper.local_table
        if table.name == stem or table.name.endswith(f"_{stem}"):
            return _db.session.scalar(select(table.c.id).order_by(table.c.id).limit(1))
    return None


def _urls(app, values):
    """(endpoint, url) for every GET route that is a page; fails naming unfillable parameters."""
    urls, unfillable = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or _is_download_rule(rule):
            continue
        arguments = {}
        for name in rule.arguments:
            value = values.get((rule.endpoint, name), values.get(name))
            if value is None and name.endswith("_id"):
                value = _first_row_id(name[: -len("_id")])
            if value is None:
                unfillable.append(f"{rule.rule} ({rule.endpoint}): <{name}>")
            arguments[name] = value
        if any(v is None for v in arguments.values()):
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **arguments)
        urls.append((rule.endpoint, url))
        for query in WITH_QUERY.get(rule.endpoint, ()):
            urls.append((rule.endpoint, f"{url}?{query}"))
    assert not unfillable, (
        "these routes have parameters this test cannot fill; add a value from a real row "
        "to `_values`:\n" + "\n".join(unfillable)
    )
    return urls


# -- the browser ---------------------------------------------------------------------------


def _sign_in(page, email):
    page.goto("/account/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/account/sign-in" not in page.url, f"{email} could not sign in"


def _fill_cart(page):
    """Put one size of a product from each of two groups in the cart, through the product pages."""
    page.goto("/products")
    cards = page.locator(".grid .product-card").evaluate_all(
        """cards => cards.map(card => [
            card.querySelector('a.card-link').href, card.querySelector('.card-group a').href])"""
    )
    groups = set()
    for product, group in cards:
        if group in groups:
            continue
        page.goto(product)
        if not page.locator("form.add-to-cart").count():
            continue
        page.locator("form.add-to-cart button[type=submit]").first.click()
        page.wait_for_load_state()
        groups.add(group)
        if len(groups) == 2:
            return
    raise AssertionError("the catalog has no two groups with stock")


def _open(page, url):
    """Open a page; returns (status, content type, final URL), or None for a download."""
    try:
        response = page.goto(url, wait_until="load")
    except Exception as error:  # chromium turns a file it does not show into a download
        if "Download is starting" in str(error) or "net::ERR_ABORTED" in str(error):
            return None
        raise
    if response is None:
        return None
    return response.status, response.headers.get("content-type", ""), page.url


def _refused(status, final_url, url):
    """The role may not see this page: refused, not found, or sent to sign in."""
    if status in (401, 403, 404):
        return True
    return "/account/sign-in" in final_url and "/account/sign-in" not in url


def _problems(found, before):
    """What is wrong with the page just measured, as short sentences."""
    problems = []
    if found["scrollWidth"] > found["width"]:
        problems.append(
            f"{found['scrollWidth']} px wide on a {found['width']} px phone; "
            f"sticking out: {', '.join(found['wide'])}"
        )
    if found["noAlt"]:
        problems.append(f"images without alt text: {found['noAlt']}")
    # Chromium takes a larger size it already holds from a srcset: only photos
    # fetched for this page say what its `sizes` asked for.
    oversized = [f"{path} for {px} px" for path, px in found["oversized"] if path not in before]
    if oversized:
        problems.append(f"photos larger than they show: {oversized}")
    if found["smallText"]:
        problems.append(f"chart text under 11 px: {found['smallText'][:3]}")
    if found["lang"] != "th":
        problems.append(f"page language is {found['lang']!r}, not Thai")
    return problems


def _visit_all(page, role, urls, live_server, fetched):
    """Open every URL as one role: (failures, {endpoint checked}, {endpoint that is a file}).

    `fetched`: the paths the page has requested so far (kept up to date by the caller).
    """
    failures, checked, downloads = [], set(), set()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for endpoint, url in urls:
        errors.clear()
        before = set(fetched)
        opened = _open(page, url)
        if opened is None:
            downloads.add(endpoint)
            continue
        status, content_type, final_url = opened
        if status >= 500:
            failures.append(f"{role} {url}: answered {status}")
            continue
        if not content_type.startswith("text/html"):  # a file or JSON: not a page
            downloads.add(endpoint)
            continue
        if _refused(status, final_url, url):
            continue
        page.evaluate(LOAD_LAZY_IMAGES)
        problems = _problems(page.evaluate(MEASURE), before)
        if errors:
            problems.append(f"script errors {errors}")
        moved = final_url.rstrip("/") != (live_server + url).rstrip("/")
        where = f"{role} {url}" + (f" (→ {final_url})" if moved else "")
        failures.extend(f"{where}: {problem}" for problem in problems)
        checked.add(endpoint)
    return failures, checked, downloads


@pytest.fixture
def _uploads_left_as_found(app):
    """The demo's photos, slips and evidence are removed again from the session's upload folder."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    before = set(folder.rglob("*"))
    yield
    for path in sorted(set(folder.rglob("*")) - before, key=lambda p: len(p.parts), reverse=True):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


@pytest.mark.usefixtures("_uploads_left_as_found")
def test_every_page_fits_a_phone_for_every_role(app, db, live_server, browser, monkeypatch):
    # The platform's own account: carts of several groups are paid to it (admin pages).
    monkeypatch.setitem(app.config, "PLATFORM_PAYEE_NAME", "ตลาดชุมชน")
    monkeypatch.setitem(app.config, "PLATFORM_PROMPTPAY_ID", "0812345678")
    urls = _urls(app, _build_world())
    failures = []
    checked = defaultdict(set)  # endpoint -> roles that saw it
    downloads = set()
    for role in ROLES:
        context = browser.new_context(
            base_url=live_server, viewport=VIEWPORT, locale="th-TH", device_scale_factor=1
        )
        try:
            page = context.new_page()
            fetched = set()
            page.on(
                "request", lambda request, fetched=fetched: fetched.add(urlsplit(request.url).path)
            )
            if role != "anonymous":
                _sign_in(page, EMAILS[role])
            if role in ("anonymous", "buyer"):
                _fill_cart(page)
            role_failures, role_checked, role_downloads = _visit_all(
                page, role, urls, live_server, fetched
            )
        finally:
            context.close()
        failures.extend(role_failures)
        downloads |= role_downloads
        for endpoint in role_checked:
            checked[endpoint].add(role)

    assert not failures, "pages that do not fit a phone:\n" + "\n".join(failures)
    never = sorted({endpoint for endpoint, _ in urls} - set(checked) - downloads)
    assert not never, f"routes no role could open (check their parameters): {never}"
    # Each role reached its own pages (the sign-in and the data worked).
    assert {"leader", "staff"} <= checked["office.lots"]
    assert "officer" in checked["officer.queue"] and "officer" in checked["reports.area"]
    assert "admin" in checked["admin.audit_log"] and "buyer" in checked["shop.my_orders"]
    assert {"anonymous", "buyer"} <= checked["shop.checkout"]
