"""Share links with UTM tags, Open Graph and Twitter tags on public pages, the office page."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from marketplace.extensions import db
from marketplace.models import ProductStatus

BASE = "http://127.0.0.1:5000"


def meta(html):
    """{property or name: content} of the page's meta tags."""
    found = {}
    for key, value in re.findall(r'<meta (?:property|name)="([^"]+)" content="([^"]*)"', html):
        found[key] = unescape(value)
    return found


def page(client, path, language="th"):
    client.set_cookie("lang", language)
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "locale", "alternate"), [("th", "th_TH", "en_US"), ("en", "en_US", "th_TH")]
)
def test_product_lot_and_group_pages_carry_open_graph_and_twitter_tags(
    client, world, language, locale, alternate
):
    for path, kind in (
        ("/products/black-sticky-rice", "product"),
        (f"/lot/{world.lot.code}", "lot"),
        ("/groups/hom-phaendin", "group"),
    ):
        tags = meta(page(client, path, language))
        assert tags["og:url"] == BASE + path
        assert tags["og:locale"] == locale and tags["og:locale:alternate"] == alternate
        assert tags["og:title"] and tags["og:description"]
        assert tags["og:image"].startswith(f"{BASE}/cards/{kind}/")
        assert f"/1200x630/{language}/" in tags["og:image"]
        assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
        assert tags["twitter:card"] == "summary_large_image"
        assert tags["twitter:image"] == tags["og:image"]
        image = client.get(tags["og:image"][len(BASE) :])
        assert image.status_code == 200 and image.mimetype == "image/jpeg"


def test_every_other_public_page_has_open_graph_tags_too(client, world):
    for path in ("/", "/products", "/search?q=rice", "/account/sign-in"):
        tags = meta(page(client, path, "en"))
        assert tags["og:url"] == BASE + urlsplit(path).path
        assert tags["og:title"] and tags["og:locale"] == "en_US"
        assert tags["twitter:card"] == "summary"


def test_lot_page_of_an_archived_product_keeps_tags_but_links_no_card(client, world):
    world.product.status = ProductStatus.ARCHIVED
    db.session.commit()
    tags = meta(page(client, f"/lot/{world.lot.code}", "th"))
    assert "og:image" not in tags and tags["og:title"]


def test_share_links_carry_utm_tags(client, world):
    html = page(client, "/products/black-sticky-rice", "en")
    line = unescape(re.search(r'class="share-button share-line" href="([^"]+)"', html).group(1))
    assert line.startswith("https://social-plugins.line.me/lineit/share?url=")
    shared = parse_qs(urlsplit(line).query)["url"][0]
    assert shared == (
        f"{BASE}/products/black-sticky-rice"
        "?utm_source=line&utm_medium=social&utm_campaign=product_share"
    )
    facebook = unescape(
        re.search(r'class="share-button share-facebook" href="([^"]+)"', html).group(1)
    )
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert "utm_source=facebook" in parse_qs(urlsplit(facebook).query)["u"][0]
    copy = unescape(re.search(r'data-share-url="([^"]+)"', html).group(1))
    assert copy.endswith("?utm_source=share&utm_medium=link&utm_campaign=product_share")
    assert 'src="/static/js/share.js"' in html


def test_cached_page_follows_a_revoked_claim_in_both_languages(client, world):
    path = "/products/black-sticky-rice"
    before = {lang: meta(page(client, path, lang)) for lang in ("th", "en")}
    again = {lang: meta(page(client, path, lang)) for lang in ("th", "en")}
    assert before == again
    assert before["th"]["og:image"] != before["en"]["og:image"]
    world.claim.status = "revoked"
    db.session.commit()
    for lang in ("th", "en"):
        after = meta(page(client, "/products/black-sticky-rice", lang))
        assert after["og:image"] != before[lang]["og:image"]


def test_no_household_code_on_shared_pages_tags(client, world):
    html = page(client, f"/lot/{world.lot.code}", "en")
    for household in world.households:
        assert household.code not in html
