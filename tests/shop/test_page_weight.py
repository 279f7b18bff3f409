"""The product page stays light for slow village connections."""

import re
from urllib.parse import urlsplit

LIMIT_BYTES = 100 * 1024


def referenced_assets(html):
    """Stylesheets and scripts a page loads (not images)."""
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    scripts = re.findall(r'<script[^>]* src="([^"]+)"', html)
    return stylesheets + scripts


def test_product_page_html_css_js_under_100_kb(shop, db, make, client):
    # A generous product: long story, several sizes, claims.
    product = shop["products"]["sticky"]
    product.description_th = "ข้าวเหนียวดำปลูกบนดอย " * 200
    for _ in range(4):
        make.lot(make.variant(product))
    db.session.commit()
    response = client.get(f"/products/{product.slug}")
    assert response.status_code == 200
    html = response.get_data()
    assets = referenced_assets(response.get_data(as_text=True))
    assert any(a.endswith(".css") for a in assets)
    total = len(html)
    for asset in assets:
        answer = client.get(urlsplit(asset).path)
        assert answer.status_code == 200, asset
        total += len(answer.get_data())
        answer.close()
    assert total < LIMIT_BYTES, f"product page weighs {total} bytes"
