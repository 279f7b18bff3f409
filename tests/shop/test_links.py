"""Following every link of the storefront never leads to a server error."""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from marketplace.models import ClaimKind, ClaimStatus

# Pages whose links are followed; links found elsewhere (accounts, search) are only checked.
STOREFRONT = ("/products", "/groups/", "/lot/")


def is_storefront(path):
    """True for the home page and the catalog, product, group and lot pages."""
    return path.split("?")[0] == "/" or path.startswith(STOREFRONT)


@pytest.fixture
def crawl_shop(shop, db, make):
    """The small shop, plus a few more products so the catalog has pages."""
    for i in range(5):
        product = make.product(group=shop["groups"]["karen"], category=shop["categories"]["rice"])
        make.claim(product, kind=ClaimKind.OTOP, status=ClaimStatus.SELF_DECLARED)
        if i % 2:
            make.claim(product.variants[0].lots[0], kind=ClaimKind.GAP)
    db.session.commit()
    return shop


def local_links(html, base):
    """Same-site hrefs of a page, resolved against its URL."""
    links = []
    for href in re.findall(r'href="([^"#]+)"', html):
        href = href.replace("&amp;", "&")
        url = urlsplit(urljoin(base, href))
        if url.netloc not in ("", "localhost"):
            continue
        links.append(url.path + (f"?{url.query}" if url.query else ""))
    return links


@pytest.mark.parametrize("language", ["th", "en"])
def test_no_link_leads_to_a_server_error(app, crawl_shop, client, monkeypatch, language):
    monkeypatch.setitem(app.config, "CATALOG_PAGE_SIZE", 3)
    client.set_cookie("lang", language)
    seen = set()
    queue = deque(["/"])
    statuses = {}
    while queue and len(seen) < 400:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        statuses[path] = response.status_code
        assert response.status_code < 500, path
        if response.mimetype == "text/html" and is_storefront(path):
            for link in local_links(response.get_data(as_text=True), "http://localhost" + path):
                if link not in seen:
                    queue.append(link)
        response.close()
    pages = [p for p in seen if not p.startswith(("/static/", "/media/"))]
    assert any(p.startswith("/lot/") for p in pages)
    assert any(p.startswith("/groups/") for p in pages)
    assert any(p.startswith("/products/") for p in pages)
    assert any("page=2" in p for p in pages)
    broken = {p: s for p, s in statuses.items() if s >= 400 and not p.startswith("/search")}
    assert broken == {}
