"""The impact receipt: from the posted ledger, small groups uncounted, refunds, mail, card."""

import io

import pytest
import zxingcpp
from PIL import Image

from marketplace.extensions import db
from marketplace.impact import receipts
from marketplace.marketing import cards
from marketplace.orders import refunds, service

BASE = "http://127.0.0.1:5000"


@pytest.fixture
def world(make, rule):
    """Two groups. Rice (฿100, growers 60 %, fee 3 %) from 5 growers of 10 kg each;
    mats (฿250, weavers 50 %) from 2 weavers of 1 and 3 pieces."""
    rice_group = make.group(name_en="Hom Phaendin", name_th="หอมแผ่นดิน")
    rice = make.product(group=rice_group, price_satang=10000, stock=None, name_en="Black rice")
    rice_lot = make.lot(rice.variants[0], quantity=50)
    growers = [make.household(rice_group) for _ in range(5)]
    for grower in growers:
        make.contribution(rice_lot, grower, role="grower", quantity=10)
    rule(rice_group, rice, {"grower": "60%"}, fee="3")
    make.claim(rice_lot)  # verified chemical-free, on the lot
    make.claim(rice_lot, kind="organic_thailand", status="revoked")

    mat_group = make.group(
        name_en="Mat weavers",
        subdistrict_code="570501",
        district_code="5705",
        province_code="57",
    )
    mats = make.product(group=mat_group, price_satang=25000, stock=None, name_en="Doormat")
    mat_lot = make.lot(mats.variants[0], quantity=20)
    weavers = [make.household(mat_group), make.household(mat_group)]
    make.contribution(mat_lot, weavers[0], role="weaver", quantity=1, unit="pieces")
    make.contribution(mat_lot, weavers[1], role="weaver", quantity=3, unit="pieces")
    rule(mat_group, mats, {"weaver": "50%"})
    db.session.commit()
    return dict(rice=rice, rice_lot=rice_lot, mats=mats, mat_lot=mat_lot, growers=growers)


def by_group(receipt):
    """(rice group's part, mat group's part) of a receipt."""
    parts = {part.group.name_en: part for part in receipt.groups}
    return parts["Hom Phaendin"], parts["Mat weavers"]


def receipt_of(app, order, language="en"):
    with app.test_request_context():
        return receipts.order_receipt(order, language)


def test_figures_are_the_posted_ledger_by_hand(app, make, world):
    """2 rice (฿200): growers 60 % = ฿120 among 5. 1 mat (฿250): weavers 50 % = ฿125 among 2."""
    order = make.order({world["rice"].variants[0]: 2, world["mats"].variants[0]: 1}, paid=True)
    receipt = receipt_of(app, order)
    rice, mats = by_group(receipt)
    assert rice.to_households_satang == 12000 and rice.to_households_baht == 120
    assert rice.households == 5
    assert rice.place == "Doi Ngam, Phan, Chiang Rai"
    assert [item.lot.code for item in rice.lots] == [world["rice_lot"].code]
    assert [view.kind for view in rice.lots[0].claims] == ["chemical_free"]  # not the revoked
    # The weavers' group paid 2 households: below the threshold, no count, and no total count.
    assert mats.to_households_satang == 12500 and mats.households is None
    assert receipt.households is None
    assert receipt.to_households_baht == 245
    assert not receipt.refunded


def test_amounts_are_rounded_to_the_baht_and_the_total_adds_the_rounded_lines(app, make, rule):
    group = make.group()
    product = make.product(group=group, price_satang=3333, stock=None)
    lot = make.lot(product.variants[0], quantity=10)
    for _ in range(5):
        make.contribution(lot, make.household(group))
    rule(group, product, {"grower": "55%"})
    order = make.order({product.variants[0]: 1}, paid=True)
    receipt = receipt_of(app, order)
    # 55 % of ฿33.33 is 1833.15 → 1833 satang posted; shown as ฿18.
    assert receipt.groups[0].to_households_satang == 1833
    assert receipt.to_households_baht == 18
    assert receipt.households == 5
    assert receipts.rounded_baht(150) == 2 and receipts.rounded_baht(149) == 1


def test_an_unpaid_order_has_no_receipt(app, make, world):
    order = make.order({world["rice"].variants[0]: 1})
    assert receipt_of(app, order) is None


@pytest.fixture
def stripe_refunds(monkeypatch):
    """Stripe's refund call answered with a refund id (the whole order is paid by card)."""
    from marketplace.orders import payments

    monkeypatch.setattr(payments, "refund", lambda payment, amount, key: f"re_{key}")


def test_a_refunded_part_updates_the_receipt(app, make, world, stripe_refunds):
    order = make.order(
        {world["rice"].variants[0]: 2, world["mats"].variants[0]: 1},
        paid=True,
        payment_method="stripe",
    )
    db.session.commit()
    rice_part, mat_part = sorted(order.fulfilments, key=lambda f: f.group.name_en != "Hom Phaendin")
    rice_line = rice_part.lines[0]
    refunds.refund_fulfilment(rice_part.group, rice_part.id, {rice_line.id: "1"})
    refunds.refund_fulfilment(mat_part.group, mat_part.id, everything=True)
    db.session.commit()
    receipt = receipt_of(app, order)
    rice, mats = by_group(receipt)
    # Half the rice came back: the growers keep ฿60, still 5 households.
    assert rice.to_households_satang == 6000 and rice.refunded_satang == 6000
    assert rice.households == 5
    assert mats.to_households_satang == 0 and mats.households == 0
    assert receipt.refunded
    assert receipt.households == 5
    assert receipt.to_households_baht == 60


def test_the_paid_mail_carries_the_receipt_and_the_refund_mail_the_updated_one(
    app, make, world, outbox
):
    order = make.order({world["rice"].variants[0]: 2}, paid=True, locale="en")
    db.session.commit()
    paid = [m for m in outbox if m.kind == "order_paid"]
    assert len(paid) == 1
    body = paid[0].body
    assert "Your order paid ฿120 to 5 households in Doi Ngam, Phan, Chiang Rai." in body
    assert world["rice_lot"].code in body
    assert "Chemical-free" in body or "chemical" in body.lower()
    part = order.fulfilments[0]
    refunds.refund_fulfilment(part.group, part.id, {part.lines[0].id: "1"})
    db.session.commit()
    refund_mail = [m for m in outbox if m.kind == "refund_made"][-1]
    assert "Your order paid ฿60 to 5 households" in refund_mail.body


def test_the_paid_mail_in_thai_hides_a_small_groups_count(app, make, world, outbox):
    make.order({world["mats"].variants[0]: 1}, paid=True, locale="th")
    db.session.commit()
    body = next(m for m in outbox if m.kind == "order_paid").body
    assert "฿125" in body
    assert "2 ครัวเรือน" not in body and " 2 households" not in body


def _order_page(client, order, language="en"):
    client.set_cookie("lang", language)
    token = service.order_token(order)
    return client.get(f"/orders/{order.reference}?token={token}")


def test_the_order_page_shows_the_receipt_and_links_its_private_card(app, client, make, world):
    order = make.order({world["rice"].variants[0]: 2}, paid=True)
    db.session.commit()
    response = _order_page(client, order)
    html = response.get_data(as_text=True)
    assert "Your order paid ฿120 to 5 households in Doi Ngam, Phan, Chiang Rai." in html
    token = service.order_token(order)
    card = f"/orders/{order.reference}/impact-card/1080x1080/en.jpg"
    assert card in html
    # The card needs the order's link: without it (or with another order's) it is 404.
    assert client.get(card).status_code == 404
    other = make.order({world["rice"].variants[0]: 1}, paid=True)
    db.session.commit()
    assert client.get(f"{card}?token={service.order_token(other)}").status_code == 404
    shown = client.get(f"{card}?token={token}")
    assert shown.status_code == 200
    assert shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "private, no-store"
    assert Image.open(io.BytesIO(shown.data)).size == (1080, 1080)


def test_an_unpaid_order_has_no_receipt_and_no_card(client, make, world):
    order = make.order({world["rice"].variants[0]: 1})
    db.session.commit()
    html = _order_page(client, order).get_data(as_text=True)
    assert "impact-card" not in html
    token = service.order_token(order)
    url = f"/orders/{order.reference}/impact-card/1200x630/th.jpg?token={token}"
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("size", ["1200x630", "1080x1080", "1080x1920", "bad", "1x1"])
def test_card_sizes_and_bad_sizes(client, make, world, size):
    order = make.order({world["rice"].variants[0]: 1}, paid=True)
    db.session.commit()
    token = service.order_token(order)
    response = client.get(f"/orders/{order.reference}/impact-card/{size}/th.jpg?token={token}")
    if size in cards.SIZES:
        assert response.status_code == 200
        width, height = (int(n) for n in size.split("x"))
        assert Image.open(io.BytesIO(response.data)).size == (width, height)
    else:
        assert response.status_code == 404
    bad_lang = client.get(f"/orders/{order.reference}/impact-card/1200x630/xx.jpg?token={token}")
    assert bad_lang.status_code == 404


def test_the_card_shows_aggregates_only_and_its_qr_opens_the_group(app, make, world):
    order = make.order({world["rice"].variants[0]: 2, world["mats"].variants[0]: 1}, paid=True)
    receipt = receipt_of(app, order, "en")
    with app.test_request_context():
        content = cards.receipt_content(receipt, "en")
        jpeg = cards.draw_card(content, "1200x630")
    shown = " ".join(str(value) for value in content.shown().values())
    # No count: the weavers' group paid fewer households than the threshold.
    assert content.title == "This order paid ฿245 to the households who made it"
    assert "Doi Ngam, Phan, Chiang Rai" in content.place
    assert order.reference not in shown
    for household in world["growers"]:
        assert household.code not in shown
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(jpeg)).convert("L"))
    assert found[0].text.startswith(f"{BASE}/groups/")
    assert "utm_campaign=receipt_card" in found[0].text


def test_thai_on_the_receipt_card_is_shaped_by_raqm(app, make, world):
    """The title's first line matches a Raqm rendering, not a basic-layout one."""
    from PIL import ImageDraw, ImageFont

    from marketplace.fonts import font_path

    order = make.order({world["rice"].variants[0]: 2}, paid=True)
    receipt = receipt_of(app, order, "th")
    with app.test_request_context():
        content = cards.receipt_content(receipt, "th")
        jpeg = cards.draw_card(content, "1080x1080")
        layout = cards.LAYOUTS["1080x1080"]
        title = cards._fit_blocks(content, layout)[0].paragraph
    assert Image.open(io.BytesIO(jpeg)).size == (1080, 1080)
    x, y, width, _ = layout.text
    on_card = Image.open(io.BytesIO(jpeg)).convert("L").crop((x, y, x + width, y + title.leading))

    def rendered(engine):
        face = ImageFont.truetype(str(font_path("bold")), title.face.size, layout_engine=engine)
        image = Image.new("RGB", (width, title.leading), cards.PAPER)
        ImageDraw.Draw(image).text((0, 0), title.lines[0], font=face, fill=cards.INK)
        return image.convert("L")

    raqm, basic = rendered(ImageFont.Layout.RAQM), rendered(ImageFont.Layout.BASIC)
    where = [
        i
        for i, (r, b) in enumerate(zip(raqm.tobytes(), basic.tobytes(), strict=True))
        if abs(r - b) > 96
    ]
    assert len(where) > 20

    def distance(image):
        data, pixels = image.tobytes(), on_card.tobytes()
        return sum(abs(data[i] - pixels[i]) for i in where) / len(where)

    assert distance(raqm) < 20
    assert distance(basic) > 3 * distance(raqm)
