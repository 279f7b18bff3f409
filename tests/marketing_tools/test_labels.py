"""QR lot labels: every QR on a printed sheet decodes to the lot, the Thai text reads back,
nothing overflows a label, and only the group's members print them."""

import re
from datetime import date

import pypdfium2 as pdfium
import pytest
import zxingcpp
from sqlalchemy import select

from marketplace.marketing import labels
from marketplace.models import Product, ProductStatus

THAI_NAME = "ข้าวเหนียวดำอินทรีย์ปลูกที่ดอยงาม"
LOT_URL = "http://127.0.0.1:5000/lot/{code}?utm_source=label&utm_medium=qr"


@pytest.fixture
def rice(db, make, office):
    """Black sticky rice of group A with a 1 kg lot harvested on 1 Dec 2025."""
    product = make.product(
        group=office.a,
        name_th=THAI_NAME,
        name_en="Organic black sticky rice from Doi Ngam",
        stock=None,
        fda_number="5710123450001",
        shelf_life_days=60,
    )
    variant = product.variants[0]
    variant.label_th = "1 กก."
    variant.label_en = "1 kg"
    lot = make.lot(variant, quantity=400, code="HP-2568-12-01", produced_on=date(2025, 12, 1))
    db.session.commit()
    return lot


def _pages(pdf_bytes, dpi=300):
    document = pdfium.PdfDocument(pdf_bytes)
    try:
        for index in range(len(document)):
            page = document[index]
            text_page = page.get_textpage()
            text = text_page.get_text_range()
            image = page.render(scale=dpi / 72).to_pil()
            size = page.get_size()
            text_page.close()
            page.close()
            yield size, text, image
    finally:
        document.close()


def _decoded(image):
    return sorted(
        result.text
        for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    )


def _run(lot, group, sheet="a4-3x8", count=24, **kwargs):
    return labels.check_run(group, lot.id, sheet, count, **kwargs)


def test_a_sheet_of_24_decodes_every_qr_and_reads_back_the_thai(rice, office):
    pdf = labels.render_labels(_run(rice, office.a, with_price=True))
    pages = list(_pages(pdf))
    assert len(pages) == 1
    (width, height), text, image = pages[0]
    assert round(width / 72 * 25.4) == 210 and round(height / 72 * 25.4) == 297
    url = LOT_URL.format(code=rice.code)
    assert _decoded(image) == [url] * 24
    # The text reads back as typed: shaping moved no mark out of its word.
    flat = re.sub(r"\s+", "", text)
    for expected in (
        THAI_NAME,
        "ปริมาณสุทธิ1กก.",
        "ล็อตHP-2568-12-01",
        "เก็บเกี่ยวเมื่อ1ธ.ค.2568",
        "ควรบริโภคก่อน30ม.ค.2569",  # 60 days: to the day
        "เลขอย.57-1-01234-5-0001",
        "กลุ่มหอมแผ่นดิน",
        "จ.เชียงราย57120",
        "฿120",
    ):
        assert flat.count(expected) == 24, expected


@pytest.mark.parametrize(
    ("sheet", "page_mm", "per_page"),
    [
        ("a4-3x7", (210, 297), 21),
        ("a4-2x5", (210, 297), 10),
        ("roll-50x30", (50, 30), 1),
        ("roll-40x30", (40, 30), 1),
    ],
)
def test_every_stock_prints_its_grid_with_readable_qr_codes(rice, office, sheet, page_mm, per_page):
    count = per_page + 1 if per_page > 1 else 3
    pages = list(_pages(labels.render_labels(_run(rice, office.a, sheet, count)), dpi=600))
    assert len(pages) == 2 if per_page > 1 else count
    url = LOT_URL.format(code=rice.code)
    decoded = []
    for (width, height), _, image in pages:
        assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == page_mm
        decoded += _decoded(image)
    assert decoded == [url] * count


def test_skipped_positions_stay_blank(rice, office):
    pages = list(_pages(labels.render_labels(_run(rice, office.a, count=3, skip=21))))
    assert len(pages) == 1
    _, text, image = pages[0]
    assert len(_decoded(image)) == 3
    # The last row only: the first 21 positions are left for the part-used sheet.
    top_half = image.crop((0, 0, image.width, image.height * 7 // 8))
    assert top_half.getextrema() == ((255, 255), (255, 255), (255, 255))


def test_english_labels_and_month_precision_for_long_shelf_life(rice, office, db):
    rice.variant.product.shelf_life_days = 365
    db.session.commit()
    content = labels.label_content(rice, "en")
    assert content.made == "Harvested Dec 2025"
    assert content.best_before == "Best before Dec 2026"
    assert content.fda == "FDA no. 57-1-01234-5-0001"
    thai = labels.label_content(rice, "th")
    assert thai.best_before == "ควรบริโภคก่อน ธ.ค. 2569"
    assert thai.price == ""


def test_no_shelf_life_no_fda_number_prints_neither(rice, office, db):
    product = rice.variant.product
    product.shelf_life_days = None
    product.fda_number = ""
    db.session.commit()
    content = labels.label_content(rice, "th")
    assert content.best_before == "" and content.fda == ""
    assert content.made == "เก็บเกี่ยวเมื่อ 1 ธ.ค. 2568"


def test_long_text_shrinks_then_ends_at_a_word_inside_the_label(rice, office, db):
    product = rice.variant.product
    product.name_th = ("ข้าวเหนียวดำอินทรีย์ " * 9).strip()  # 197 of the 200 a name may have
    office.a.name_th = "วิสาหกิจชุมชนกลุ่มผู้ปลูกข้าวอินทรีย์บ้านดอยงามหมู่ห้า " * 3
    db.session.commit()
    cut_somewhere = False
    for sheet in labels.SHEET_FORMATS.values():
        pdf = labels._new_pdf(sheet)
        content = labels.label_content(rice, "th", with_price=True)
        try:
            lines = labels.lay_out_label(pdf, sheet, content)
            width = labels._text_width(sheet)
            assert sum(line.height for line in lines) <= labels._text_height(sheet) + 1e-6
            for line in lines:
                pdf.set_font("Sarabun", "B" if line.bold else "", line.size)
                assert pdf.get_string_width(line.text) <= width + 1e-6, (sheet.code, line.text)
        finally:
            labels.close_fonts(pdf)
        texts = [line.text for line in lines]
        # The essentials always print in full.
        assert content.lot_code in texts and content.best_before in texts
        # The name's lines break between words only; cut, its last line ends with "…".
        name = product.name_th.replace(" ", "")
        boundaries, position = set(), 0
        for word in labels.words(name):
            position += len(word)
            boundaries.add(position)
        name_lines = [t.replace(" ", "") for t in texts[: texts.index(content.net_quantity)]]
        if "".join(name_lines) != name:
            assert name_lines[-1].endswith("…"), sheet.code
        cut_somewhere = cut_somewhere or any(text.endswith("…") for text in texts)
        printed = 0
        for text in name_lines:
            printed += len(text.removesuffix("…"))
            assert name.startswith("".join(name_lines)[:printed].replace("…", ""))
            assert printed in boundaries, (sheet.code, text)
    assert cut_somewhere  # the small stock could not hold it all


def test_ellipsis_never_splits_a_thai_mark_from_its_letter():
    text = "น้ำผึ้งป่าที่ดี"
    marks = re.compile(r"[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]")
    for width in range(1, len(text) + 2):
        cut = labels.ellipsize(text, width, len)
        assert len(cut) <= max(width, 1)
        kept = cut.removesuffix("…")
        assert text.startswith(kept)
        if kept != text:
            assert cut.endswith("…")
            assert not marks.match(text[len(kept)]), (width, cut)


# -- through the office --------------------------------------------------------------------------


def _labels_path(group, lot):
    return f"/office/{group.slug}/lots/{lot.id}/labels"


@pytest.mark.parametrize("who", ["leader", "staff", "admin"])
def test_members_download_the_pdf(rice, office, client, who):
    office.login(who)
    path = _labels_path(office.a, rice)
    page = client.get(path)
    assert page.status_code == 200
    assert "HP-2568-12-01" in page.get_data(as_text=True)
    response = office.post(
        path, {"sheet": "roll-50x30", "count": "2", "skip": "0", "language": "th"}
    )
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "labels-HP-2568-12-01-roll-50x30.pdf" in response.headers["Content-Disposition"]
    assert len(list(_pages(response.data, dpi=72))) == 2


@pytest.mark.parametrize(
    ("who", "status"), [("other_leader", 403), ("buyer", 403), ("officer", 403)]
)
def test_people_outside_the_group_print_nothing(rice, office, client, who, status):
    office.login(who)
    assert client.get(_labels_path(office.a, rice)).status_code == status


def test_anonymous_is_sent_to_sign_in(rice, client):
    response = client.get(f"/office/hom-phaendin/lots/{rice.id}/labels")
    assert response.status_code in (302, 303)
    assert "/account/sign-in" in response.headers["Location"]


def test_another_groups_lot_or_an_archived_product_is_404(rice, office, client, make, db):
    other = make.product(group=office.b).variants[0].lots[0]
    db.session.commit()
    office.login("leader")
    assert client.get(_labels_path(office.a, other)).status_code == 404
    assert client.get("/office/hom-phaendin/lots/999999/labels").status_code == 404
    product = db.session.scalars(select(Product).where(Product.id == rice.variant.product_id)).one()
    product.status = ProductStatus.ARCHIVED
    db.session.commit()
    path = _labels_path(office.a, rice)
    assert client.get(path).status_code == 404
    token_page = f"/office/{office.a.slug}/lots/{rice.id}"
    assert office.post(path, {"sheet": "a4-3x8", "count": "1"}, page=token_page).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"count": "501"}, "At most 500 labels per run"),
        ({"count": "0"}, "Print at least one label"),
        ({"count": "-3"}, "Enter how many labels to print"),
        ({"count": "many"}, "Enter how many labels to print"),
        ({"count": "9" * 40}, "Field cannot be longer"),
        ({"skip": "24"}, "between 0 and 23 labels"),
        ({"skip": "x"}, "Enter how many labels are already used"),
        ({"sheet": "a3-9x9"}, "Choose a label stock"),
        ({"language": "fr"}, "Choose the labels"),
    ],
)
def test_bad_requests_get_a_message_not_a_pdf(rice, office, client, data, message):
    user = office.login("leader")
    user.locale = "en"
    from marketplace.extensions import db

    db.session.commit()
    path = _labels_path(office.a, rice)
    form = {"sheet": "a4-3x8", "count": "24", "skip": "0", "language": "th", **data}
    response = office.post(path, form)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert message in response.get_data(as_text=True)


def test_a_draft_products_lot_is_refused_with_a_message(rice, office, client, db):
    rice.variant.product.status = ProductStatus.DRAFT
    db.session.commit()
    office.login("leader")
    response = office.post(
        _labels_path(office.a, rice), {"sheet": "a4-3x8", "count": "3", "language": "th"}
    )
    assert response.status_code == 400
    assert "ฉบับร่าง" in response.get_data(as_text=True)


def test_the_pdf_downloads_through_a_real_server(rice, office, visitor):
    visitor.sign_in("leader@example.com")
    path = _labels_path(office.a, rice)
    status, headers, body = visitor.post(
        path, {"sheet": "a4-3x7", "count": "21", "skip": "0", "language": "en", "with_price": "y"}
    )
    assert status == 200
    assert headers["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF-")
    ((_, text, image),) = list(_pages(body))
    assert len(_decoded(image)) == 21
    assert "Organic black sticky rice" in re.sub(r"\s+", " ", text)


def test_the_packing_slip_carries_each_lots_qr(rice, office, client, db):
    import base64
    import io

    from PIL import Image

    from tests import factories

    order = factories.make_order({rice.variant: 2}, payment_method="transfer", paid=True)
    db.session.commit()
    part = next(f for f in order.fulfilments if f.group_id == office.a.id)
    office.login("staff")
    html = client.get(f"/office/hom-phaendin/orders/{part.id}/packing-slip").get_data(as_text=True)
    uris = re.findall(r'<img src="data:image/png;base64,([^"]+)"', html)
    assert len(uris) == 1
    image = Image.open(io.BytesIO(base64.b64decode(uris[0])))
    assert _decoded(image.convert("RGB")) == [LOT_URL.format(code=rice.code)]
    assert "style=" not in html


@pytest.mark.parametrize(
    ("fda", "shelf", "stored", "error"),
    [
        ("57-1-01234-5-0001", "60", ("5710123450001", 60), None),
        ("๕๗๑๐๑๒๓๔๕๐๐๐๑", "", ("5710123450001", None), None),
        ("", "365", ("", 365), None),
        ("571012345000", "", None, "An FDA number (เลข อย.) has 13 digits"),
        ("57101234500012", "", None, "An FDA number (เลข อย.) has 13 digits"),
        ("57-1-01234-5-000X", "", None, "An FDA number (เลข อย.) has 13 digits"),
        ("", "0", None, "Enter the shelf life as a whole number of days"),
        ("", "1.5", None, "Enter the shelf life as a whole number of days"),
        ("", "99999", None, "Enter the shelf life as a whole number of days"),
    ],
)
def test_the_product_form_takes_the_fda_number_and_shelf_life(
    rice, office, client, db, fda, shelf, stored, error
):
    user = office.login("leader")
    user.locale = "en"
    db.session.commit()
    product = rice.variant.product
    path = f"/office/hom-phaendin/products/{product.id}/edit"
    response = office.post(
        path,
        {
            "name_th": product.name_th,
            "name_en": product.name_en,
            "category_id": "",
            "status": "active",
            "fda_number": fda,
            "shelf_life_days": shelf,
        },
    )
    db.session.expire_all()
    if error:
        assert response.status_code == 400
        assert error in response.get_data(as_text=True)
        assert (product.fda_number, product.shelf_life_days) == ("5710123450001", 60)
    else:
        assert response.status_code == 303
        assert (product.fda_number, product.shelf_life_days) == stored
        form = client.get(path).get_data(as_text=True)
        assert f'value="{stored[0]}"' in form
