"""Share cards: sizes, QR codes, only verified claims, keyed URLs, Thai shaping, privacy, 404s."""

import io
import re
from datetime import timedelta

import pytest
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from marketplace.extensions import db
from marketplace.fonts import font_path
from marketplace.i18n import bangkok_today
from marketplace.marketing import cards, text
from marketplace.models import ClaimKind, ClaimStatus, ProductStatus
from marketplace.storage import storage

SIZES = {"1200x630": (1200, 630), "1080x1080": (1080, 1080), "1080x1920": (1080, 1920)}
BASE = "http://127.0.0.1:5000"


def decode_qr(png):
    """The text of the one QR code in a PNG."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert len(found) == 1, found
    return found[0].text


def content(app, kind, ref, language):
    with app.test_request_context():
        return cards.card_content(kind, ref, language)


def og_image(html):
    match = re.search(r'<meta property="og:image" content="([^"]+)"', html)
    assert match, "no og:image"
    return match.group(1).replace("&amp;", "&")


@pytest.mark.parametrize("language", ["th", "en"])
@pytest.mark.parametrize("kind", ["product", "lot", "group"])
def test_every_size_in_both_languages_has_its_size_and_a_qr_to_the_page(
    app, client, world, kind, language
):
    ref = {"product": world.product.slug, "lot": world.lot.code, "group": world.group.slug}[kind]
    page = {"product": "/products/", "lot": "/lot/", "group": "/groups/"}[kind] + ref
    for size, dimensions in SIZES.items():
        response = client.get(f"/cards/{kind}/{ref}/{size}/{language}.jpg")
        assert response.status_code == 302
        assert response.headers["Cache-Control"] == "no-cache"
        card = client.get(response.headers["Location"])
        assert card.status_code == 200
        assert card.mimetype == "image/jpeg"
        assert "immutable" in card.headers["Cache-Control"]
        image = Image.open(io.BytesIO(card.data))
        assert image.size == dimensions
        assert decode_qr(card.data) == (
            f"{BASE}{page}?utm_source=card&utm_medium=qr&utm_campaign={kind}_card"
        )


def test_card_shows_only_verified_unexpired_claims_with_their_issuer(app, world, make):
    make.claim(world.product, kind=ClaimKind.GAP, valid_until=bangkok_today() - timedelta(days=1))
    make.claim(world.product, kind=ClaimKind.Q_MARK, status=ClaimStatus.REVOKED)
    make.claim(world.product, kind=ClaimKind.OTOP, status=ClaimStatus.PENDING)
    make.claim(world.product, kind=ClaimKind.HANDMADE, status=ClaimStatus.REJECTED)
    db.session.commit()
    english = content(app, "product", world.product.slug, "en")
    assert english.claims == (("Chemical-free", "verified by สำนักงานเกษตรอำเภอพาน"),)
    thai = content(app, "product", world.product.slug, "th")
    assert len(thai.claims) == 1 and "สำนักงานเกษตรอำเภอพาน" in thai.claims[0][1]
    assert thai.claims[0][0] != "Chemical-free"  # translated


def test_revoked_claim_leaves_the_next_card_and_the_old_url_stops_showing_it(app, client, world):
    client.set_cookie("lang", "en")
    old_url = og_image(client.get("/products/black-sticky-rice").get_data(as_text=True))
    assert old_url.startswith(BASE) and "/1200x630/en/" in old_url
    old_path = old_url[len(BASE) :]
    old_png = client.get(old_path).data
    assert Image.open(io.BytesIO(old_png)).size == (1200, 630)
    assert content(app, "product", world.product.slug, "en").claims

    world.claim.status = ClaimStatus.REVOKED
    db.session.commit()

    new_url = og_image(client.get("/products/black-sticky-rice").get_data(as_text=True))
    assert new_url != old_url  # the (cached) page links a new card
    new_path = new_url[len(BASE) :]
    fresh = client.get(new_path)
    assert fresh.status_code == 200
    current = content(app, "product", world.product.slug, "en")
    assert current.claims == ()
    with app.test_request_context():
        assert fresh.data == cards.draw_card(current, "1200x630")
    assert fresh.data != old_png
    stale = client.get(old_path)
    assert stale.status_code == 302 and stale.headers["Location"] == new_path
    assert stale.headers["Cache-Control"] == "no-cache"


def test_price_change_gives_a_new_key(app, world):
    before = content(app, "product", world.product.slug, "th").key("1200x630")
    world.product.variants[0].price_satang = 17500
    db.session.commit()
    after = content(app, "product", world.product.slug, "th")
    assert after.key("1200x630") != before and "175" in after.price


def test_lot_card_counts_households_only_from_the_reports_threshold(app, world, make):
    lot_content = content(app, "lot", world.lot.code, "en")
    assert lot_content.households == "6 households made this"
    shown = " ".join(str(v) for v in lot_content.shown().values())
    for household in world.households:
        assert household.code not in shown

    small = make.lot(world.product.variants[0], quantity=5)
    for household in world.households[:4]:
        make.contribution(small, household)
    db.session.commit()
    assert content(app, "lot", small.code, "en").households == ""


def test_thai_on_the_card_is_shaped_by_raqm(app, world):
    """The title's first line on the card matches a Raqm rendering, not a basic-layout one."""
    card_content = content(app, "product", world.product.slug, "th")
    assert "น้ำผึ้ง" in card_content.title  # sara am under a tone mark, a stacked mai tho
    with app.test_request_context():
        png = cards.draw_card(card_content, "1200x630")
        layout = cards.LAYOUTS["1200x630"]
        title = cards._fit_blocks(card_content, layout)[0].paragraph
    x, y, width, _ = layout.text
    box = (x, y, x + width, y + title.leading)
    on_card = Image.open(io.BytesIO(png)).convert("RGB").crop(box)

    def rendered(engine):
        face = ImageFont.truetype(str(font_path("bold")), title.face.size, layout_engine=engine)
        image = Image.new("RGB", (width, title.leading), cards.PAPER)
        ImageDraw.Draw(image).text((0, 0), title.lines[0], font=face, fill=cards.INK)
        return image

    raqm = rendered(ImageFont.Layout.RAQM).convert("L")
    basic = rendered(ImageFont.Layout.BASIC).convert("L")
    card = on_card.convert("L")
    # Where the two engines put ink differently (the marks), the card must look like Raqm's.
    # The card is a JPEG, so compare closeness on those pixels, not exact bytes.
    where = [
        i
        for i, (r, b) in enumerate(zip(raqm.tobytes(), basic.tobytes(), strict=True))
        if abs(r - b) > 96
    ]
    assert len(where) > 50  # the engines do differ on this text

    def distance(image):
        data, pixels = image.tobytes(), card.tobytes()
        return sum(abs(data[i] - pixels[i]) for i in where) / len(where)

    assert distance(raqm) < 20
    assert distance(basic) > 4 * distance(raqm)


def test_thai_wraps_between_words_and_fits_its_box(app):
    sentence = "ข้าวเหนียวดำอินทรีย์จากกลุ่มวิสาหกิจชุมชนหอมแผ่นดินบ้านดอยงามตำบลดอยงามอำเภอพาน"
    face = text.font("bold", 48)
    lines = text.wrap(sentence, face, 420)
    assert len(lines) > 2
    boundaries = set()
    position = 0
    for word in text.words(sentence):
        position += len(word)
        boundaries.add(position)
    position = 0
    for line in lines[:-1]:
        position += len(line)
        assert position in boundaries, line
        assert text.text_width(face, line) <= 420
    assert "".join(lines) == sentence

    fitted = text.fit(sentence, "bold", 48, 420, 2)
    assert len(fitted.lines) == 2 and fitted.lines[-1].endswith(text.ELLIPSIS)
    assert all(text.text_width(fitted.face, line) <= 420 for line in fitted.lines)
    assert fitted.lines[-1][:-1] in sentence  # ends at a word, before the ellipsis
    kept = len(fitted.lines[0]) + len(fitted.lines[-1]) - 1
    assert kept in boundaries


def test_long_names_never_leave_their_box(app, world, make):
    world.product.name_th = "ผ้าทอมือย้อมสีธรรมชาติ" * 8
    world.group.name_th = "กลุ่มแม่บ้านเกษตรกรทอผ้า" * 6
    for kind in (ClaimKind.GAP, ClaimKind.OTOP, ClaimKind.HANDMADE, ClaimKind.NATURAL_DYE):
        make.claim(world.product, kind=kind, issuer="หน่วยงานรับรองมาตรฐานสินค้าชุมชน" * 3)
    db.session.commit()
    card_content = content(app, "product", world.product.slug, "th")
    with app.test_request_context():
        for size in SIZES:
            layout = cards.LAYOUTS[size]
            blocks = cards._fit_blocks(card_content, layout)
            assert cards._height(blocks) <= layout.text[3]
            for block in blocks:
                for paragraph in (block.paragraph, block.note):
                    if paragraph is not None:
                        for line in paragraph.lines:
                            assert text.text_width(paragraph.face, line) <= layout.text[2]
            assert Image.open(io.BytesIO(cards.draw_card(card_content, size))).size == SIZES[size]


def test_cards_of_what_is_not_listed_answer_404(client, world, make):
    assert client.get("/cards/product/black-sticky-rice/1200x630/th.jpg").status_code == 302
    for path in (
        "/cards/product/nope/1200x630/th.jpg",
        "/cards/product/black-sticky-rice/999x999/th.jpg",
        "/cards/product/black-sticky-rice/1200x630/fr.jpg",
        "/cards/household/black-sticky-rice/1200x630/th.jpg",
        "/cards/lot/LOT-NONE/1080x1080/en.jpg",
    ):
        assert client.get(path).status_code == 404, path
    # A key that is not (or no longer) the card's leads to the current card, never to a file.
    wrong = client.get("/cards/product/black-sticky-rice/1200x630/th/0123456789abcdef01234567.jpg")
    assert wrong.status_code == 302 and "/1200x630/th/" in wrong.headers["Location"]

    world.product.status = ProductStatus.ARCHIVED
    db.session.commit()
    assert client.get("/cards/product/black-sticky-rice/1200x630/th.jpg").status_code == 404
    lot_path = f"/cards/lot/{world.lot.code}/1200x630/th.jpg"
    assert client.get(lot_path).status_code == 404

    world.product.status = ProductStatus.ACTIVE
    world.group.is_active = False
    db.session.commit()
    assert client.get(lot_path).status_code == 404
    assert client.get("/cards/group/hom-phaendin/1080x1920/en.jpg").status_code == 404


def test_drawn_cards_are_stored_in_the_card_folder_and_reused(app, client, world):
    path = client.get("/cards/group/hom-phaendin/1080x1080/th.jpg").headers["Location"]
    key = path.rsplit("/", 1)[1].removesuffix(".jpg")
    first = client.get(path).data
    with app.test_request_context():
        assert storage().read(f"cards/{key[:2]}/{key}.jpg") == first
    assert client.get(path).data == first


def test_raqm_missing_fails_clearly(monkeypatch):
    monkeypatch.setattr(text.features, "check", lambda name: False)
    with pytest.raises(text.LayoutUnavailable, match="libraqm"):
        text.require_raqm()
