"""QR lot labels: PDF sheets to print and stick on packages, one lot per run.

Each label carries the product and its size (the net quantity), the group and
its address, the lot code, the harvest or production date and the best-before
date (to the day when the product keeps 90 days or less, else month and year),
the Thai FDA number when the product has one, the price when asked for, and a
QR code that opens the lot's public page with `utm_source=label&utm_medium=qr`,
so scans can be counted per lot. Nothing about households is printed.

Drawn with fpdf2 and its HarfBuzz text shaping (uharfbuzz), so Thai tone marks
stack and sara am composes as in print; the font is Sarabun from a PyPI
package (`marketplace.fonts`). Thai has no spaces between words: lines break
at PyThaiNLP word boundaries. Text never leaves its label: the font shrinks
until everything fits, and at the smallest size the product name and the
address are cut at a word and end with "…". Each line is also written as the
PDF's ActualText, so copying or extracting the text gives the Thai as typed,
not the shaped glyphs' order.
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, lru_cache
from urllib.parse import urlencode

import segno
from flask import current_app
from flask_babel import force_locale, gettext
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from .. import areas
from ..catalog.service import NotFound, get_lot
from ..fonts import FAMILY, font_path
from ..i18n import format_baht, format_date, format_month, localized
from ..models import LotKind, ProductStatus

MAX_LABELS = 500
SHORT_SHELF_LIFE_DAYS = 90
PT = 25.4 / 72  # millimetres per point
LINE_SPACING = 1.32  # Thai needs room above for stacked marks and below for sara u
ELLIPSIS = "…"


class LabelError(Exception):
    """A label run that cannot be printed; nothing was made. `field` names the form field."""

    def __init__(self, message, field=None):
        self.message = message
        self.field = field
        super().__init__(str(message))


@dataclass(frozen=True)
class SheetFormat:
    """A sticker sheet or thermal roll: page size, label size, grid and margins, in mm."""

    code: str
    name: object  # a lazy translated string
    page_width: float
    page_height: float
    label_width: float
    label_height: float
    columns: int
    rows: int
    left: float = 0.0
    top: float = 0.0
    gap_x: float = 0.0
    gap_y: float = 0.0
    padding: float = 2.0
    max_font: float = 9.0
    min_font: float = 5.0

    @property
    def per_page(self):
        """Labels on one page (one for a thermal roll)."""
        return self.columns * self.rows

    def origin(self, slot):
        """Top-left corner of the label in position `slot` (0-based, row by row)."""
        row, column = divmod(slot, self.columns)
        return (
            self.left + column * (self.label_width + self.gap_x),
            self.top + row * (self.label_height + self.gap_y),
        )


SHEET_FORMATS = {
    sheet.code: sheet
    for sheet in (
        # 24 per A4 sheet, edge to edge (the common 70 × 37 mm stock).
        SheetFormat(
            "a4-3x8", _l("A4, 24 labels of 70 × 37 mm (3 × 8)"), 210, 297, 70, 37, 3, 8, top=0.5
        ),
        # 21 per A4 sheet with rounded corners (63.5 × 38.1 mm stock).
        SheetFormat(
            "a4-3x7",
            _l("A4, 21 labels of 63.5 × 38.1 mm (3 × 7)"),
            210,
            297,
            63.5,
            38.1,
            3,
            7,
            left=7.2,
            top=15.15,
            gap_x=2.54,
        ),
        # 10 per A4 sheet, large labels for bags and boxes.
        SheetFormat(
            "a4-2x5",
            _l("A4, 10 labels of 105 × 57 mm (2 × 5)"),
            210,
            297,
            105,
            57,
            2,
            5,
            top=6,
            padding=3,
            max_font=12,
        ),
        # Thermal printers print each label of a roll as one page.
        SheetFormat(
            "roll-50x30",
            _l("Thermal roll, 50 × 30 mm"),
            50,
            30,
            50,
            30,
            1,
            1,
            padding=1.5,
            max_font=8,
            min_font=4.5,
        ),
        SheetFormat(
            "roll-40x30",
            _l("Thermal roll, 40 × 30 mm"),
            40,
            30,
            40,
            30,
            1,
            1,
            padding=1.5,
            max_font=8,
            min_font=4.5,
        ),
    )
}
DEFAULT_FORMAT = "a4-3x8"


@dataclass(frozen=True)
class LabelContent:
    """What one lot's labels say, in one language: plain strings, nothing personal."""

    title: str
    net_quantity: str
    group: str
    address: str
    lot_code: str
    made: str
    best_before: str
    fda: str
    price: str
    url: str
    language: str = "th"
    lines: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class LabelRun:
    """A checked request: which lot, how many labels, on what stock, from which position."""

    lot: object
    sheet: SheetFormat
    count: int
    skip: int
    language: str
    with_price: bool


# -- the request ------------------------------------------------------------------------------


def lot_for_labels(group, lot_id):
    """The group's lot to print labels for; NotFound for another group's lot or an archived product.

    A draft product's lot is refused with a message: its QR code would open no page yet.
    """
    lot = get_lot(group, lot_id)
    product = lot.variant.product
    if product.status == ProductStatus.ARCHIVED:
        raise NotFound(lot_id)
    return lot


def check_run(group, lot_id, sheet_code, count, skip=0, language="th", with_price=False):
    """Check a label request's values; a LabelError names the field at fault."""
    lot = lot_for_labels(group, lot_id)
    if lot.variant.product.status == ProductStatus.DRAFT:
        raise LabelError(
            _l("Put the product on sale first: the QR code of a draft product's lot opens no page.")
        )
    sheet = SHEET_FORMATS.get(sheet_code or "")
    if sheet is None:
        raise LabelError(_l("Choose a label stock."), field="sheet")
    count = _whole_number(count, "count", _l("Enter how many labels to print, e.g. 24."))
    if count < 1:
        raise LabelError(_l("Print at least one label."), field="count")
    if count > MAX_LABELS:
        raise LabelError(
            _l("At most %(max)s labels per run: print the rest in another run.", max=MAX_LABELS),
            field="count",
        )
    skip = _whole_number(skip or 0, "skip", _l("Enter how many labels are already used."))
    if not 0 <= skip < sheet.per_page:
        raise LabelError(
            _l(
                "On this stock, between 0 and %(most)s labels can be already used.",
                most=sheet.per_page - 1,
            ),
            field="skip",
        )
    if language not in current_app.config["LANGUAGES"]:
        raise LabelError(_l("Choose the labels' language."), field="language")
    return LabelRun(lot, sheet, count, skip, language, bool(with_price))


def _whole_number(value, field_name, message):
    if isinstance(value, int):
        return value
    text = str(value or "").strip().replace(",", "")
    if not re.fullmatch(r"[0-9]{1,6}", text):
        raise LabelError(message, field=field_name)
    return int(text)


# -- what a label says ---------------------------------------------------------------------------


def lot_label_url(lot):
    """The absolute address the lot's QR code opens, tagged so scans count per lot."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    path = current_app.url_map.bind("localhost").build("shop.lot", {"code": lot.code})
    return f"{base}{path}?{urlencode({'utm_source': 'label', 'utm_medium': 'qr'})}"


def lot_qr_data_uri(lot, scale=6):
    """The lot's QR code as a PNG data: URI (the packing slip prints one per lot)."""
    qr = segno.make(lot_label_url(lot), error="m", micro=False)
    return qr.png_data_uri(scale=scale, border=2)


def format_fda_number(digits):
    """13 digits as printed on Thai food labels: 12-1-23456-1-0001."""
    if len(digits) != 13:
        return digits
    return f"{digits[:2]}-{digits[2]}-{digits[3:8]}-{digits[8]}-{digits[9:]}"


def label_dates(lot, language):
    """(made, best before) as label texts; best before is "" when the product has no shelf life.

    The day is printed when the product keeps 90 days or less; longer-lived
    goods show month and year, as Thai food labels do.
    """
    shelf_life = lot.variant.product.shelf_life_days
    precise = shelf_life is None or shelf_life <= SHORT_SHELF_LIFE_DAYS
    show = format_date if precise else format_month
    made = show(lot.produced_on, language)
    best_before = show(lot.produced_on + timedelta(days=shelf_life), language) if shelf_life else ""
    return made, best_before


def _address(group, language):
    parts = areas.place_parts(group, language)
    village = parts["village"]
    if parts["moo"]:
        village = f"{village} {gettext('Moo %(moo)s', moo=parts['moo'])}".strip()
    if language == "th":
        places = [
            f"ต.{parts['subdistrict']}" if parts["subdistrict"] else "",
            f"อ.{parts['district']}" if parts["district"] else "",
            f"จ.{parts['province']}" if parts["province"] else "",
        ]
    else:
        places = [parts["subdistrict"], parts["district"], parts["province"]]
    text = (
        " ".join(p for p in [village, *places] if p)
        if language == "th"
        else ", ".join(p for p in [village, *places] if p)
    )
    return f"{text} {group.postal_code}".strip()


def label_content(lot, language="th", with_price=False):
    """The texts of a lot's label in `language` (th or en)."""
    variant = lot.variant
    product = variant.product
    group = product.group
    with force_locale(language):
        made, best_before = label_dates(lot, language)
        made_caption = gettext("Harvested") if lot.kind == LotKind.HARVEST else gettext("Made")
        return LabelContent(
            title=localized(product, "name", language),
            net_quantity=gettext(
                "Net quantity %(size)s", size=localized(variant, "label", language)
            ),
            group=localized(group, "name", language),
            address=_address(group, language),
            lot_code=gettext("Lot %(code)s", code=lot.code),
            made=f"{made_caption} {made}",
            best_before=gettext("Best before %(date)s", date=best_before) if best_before else "",
            fda=gettext("FDA no. %(number)s", number=format_fda_number(product.fda_number))
            if product.fda_number
            else "",
            price=format_baht(variant.price_satang) if with_price else "",
            url=lot_label_url(lot),
            language=language,
        )


# -- laying text out ------------------------------------------------------------------------------


@cache
def _thai_words():
    from pythainlp.tokenize import word_tokenize

    return word_tokenize


@lru_cache(maxsize=1024)
def _word_tuple(text):
    return tuple(_split_words(text))


def words(text):
    """`text` cut into words (Thai at PyThaiNLP's newmm boundaries), spaces kept as tokens."""
    return list(_word_tuple(text))


def _split_words(text):
    tokens = []
    for piece in re.split(r"(\s+)", text):
        if not piece:
            continue
        if piece.isspace():
            tokens.append(" ")
        elif re.search(r"[\u0e00-\u0e7f]", piece):
            tokens.extend(t for t in _thai_words()(piece, engine="newmm") if t)
        else:
            tokens.append(piece)
    return tokens


def wrap(text, width, measure):
    """Lines of `text` no wider than `width` by `measure`, broken between words only.

    Returns (lines, fits): `fits` is False when one word alone is wider than the line.
    """
    lines, current, fits = [], "", True
    for word in words(text):
        candidate = current + word
        if current and measure(candidate.rstrip()) > width:
            lines.append(current.rstrip())
            current = "" if word.isspace() else word
        else:
            current = candidate
        if measure(current.strip()) > width:
            fits = False
    if current.strip():
        lines.append(current.strip())
    return [line.strip() for line in lines if line.strip()], fits


def ellipsize(text, width, measure):
    """`text` cut at a word so that it and "…" fit `width` (by letters for one long word)."""
    if measure(text) <= width:
        return text
    tokens = words(text)
    while tokens:
        tokens.pop()
        candidate = "".join(tokens).rstrip()
        if candidate and measure(candidate + ELLIPSIS) <= width:
            return candidate + ELLIPSIS
    # One word longer than the line: cut between characters, never before a mark.
    clusters = re.findall(r".[\u0e31\u0e33-\u0e3a\u0e47-\u0e4e]*", text)
    while clusters:
        clusters.pop()
        candidate = "".join(clusters)
        if measure(candidate + ELLIPSIS) <= width:
            return candidate + ELLIPSIS
    return ELLIPSIS


@dataclass(frozen=True)
class Block:
    """A paragraph of a label: its text, weight, relative size and how far it may be cut."""

    text: str
    bold: bool = False
    scale: float = 1.0
    max_lines: int = 0  # 0: never cut (lot code, dates, FDA number, price)


def _blocks(content):
    blocks = [
        Block(content.title, bold=True, scale=1.15, max_lines=3),
        Block(content.net_quantity),
        Block(content.lot_code, bold=True),
        Block(content.made),
    ]
    if content.best_before:
        blocks.append(Block(content.best_before, bold=True))
    if content.fda:
        blocks.append(Block(content.fda))
    if content.price:
        blocks.append(Block(content.price, bold=True, scale=1.15))
    blocks.append(Block(f"{content.group} {content.address}", scale=0.9, max_lines=4))
    return blocks


@dataclass(frozen=True)
class Line:
    """One laid-out line: text, weight and size in points."""

    text: str
    bold: bool
    size: float

    @property
    def height(self):
        """Its height in mm."""
        return self.size * LINE_SPACING * PT


class _Measure:
    """Shaped text widths in mm, remembered: layout measures the same words at many sizes."""

    def __init__(self, pdf):
        self.pdf = pdf
        self.widths = {}

    def __call__(self, bold, size):
        def measure(text):
            key = (bold, size, text)
            width = self.widths.get(key)
            if width is None:
                self.pdf.set_font(FAMILY, "B" if bold else "", size)
                width = self.widths[key] = self.pdf.get_string_width(text)
            return width

        return measure


def layout(blocks, width, height, sheet, measure):
    """Lines for `blocks` inside width × height mm: the largest size where all fits, else cut.

    From the sheet's largest font down to its smallest in quarter points, the
    first size where every word fits on a line and the lines fit the height
    wins. At the smallest size, the blocks that may be cut (name, address)
    lose lines, the last one ending in "…", until the rest fits.
    """
    size = sheet.max_font
    while size >= sheet.min_font:
        lines, fits = _lines_at(blocks, width, size, measure)
        if fits and sum(line.height for line in lines) <= height:
            return lines
        size -= 0.25
    return _cut_to_fit(blocks, width, height, sheet.min_font, measure)


def _lines_at(blocks, width, size, measure):
    lines, fits = [], True
    for block in blocks:
        block_size = size * block.scale
        wrapped, block_fits = wrap(block.text, width, measure(block.bold, block_size))
        fits = fits and block_fits
        lines.extend(Line(text, block.bold, block_size) for text in wrapped)
    return lines, fits


def _cut_to_fit(blocks, width, height, size, measure):
    laid = []
    for block in blocks:
        block_size = size * block.scale
        fit = measure(block.bold, block_size)
        wrapped, _ = wrap(block.text, width, fit)
        wrapped = [ellipsize(line, width, fit) for line in wrapped]
        laid.append([block, block_size, wrapped])
    line_height = {id(entry): entry[1] * LINE_SPACING * PT for entry in laid}

    def total():
        return sum(line_height[id(entry)] * len(entry[2]) for entry in laid)

    # Cut the address first, then the name, one line at a time, keeping at least one of each.
    for entry in sorted((e for e in laid if e[0].max_lines), key=lambda e: -e[0].max_lines):
        block, block_size, wrapped = entry
        fit = measure(block.bold, block_size)
        limit = block.max_lines
        while (len(wrapped) > limit or total() > height) and len(wrapped) > 1:
            kept = wrapped[: len(wrapped) - 1]
            rest = " ".join(wrapped[len(wrapped) - 1 :])
            kept[-1] = ellipsize(f"{kept[-1]} {rest}", width, fit) if rest else kept[-1]
            entry[2] = wrapped = kept
    lines = [Line(text, entry[0].bold, entry[1]) for entry in laid for text in entry[2]]
    while lines and sum(line.height for line in lines) > height:
        lines.pop()  # only on stock too small for the essentials; never drawn outside
    return lines


# -- drawing --------------------------------------------------------------------------------


def _new_pdf(sheet):
    pdf = FPDF(unit="mm", format=(sheet.page_width, sheet.page_height))
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.add_font(FAMILY, "", str(font_path("regular")))
    pdf.add_font(FAMILY, "B", str(font_path("bold")))
    pdf.set_text_shaping(True)
    pdf.set_creator("marketplace")
    pdf.set_title("QR lot labels")
    return pdf


def close_fonts(pdf):
    """Close the font files fpdf2 keeps open (fontTools reads them lazily) once the PDF is out."""
    for font in pdf.fonts.values():
        ttfont = getattr(font, "ttfont", None)
        if ttfont is not None:
            ttfont.close()


def _actual_text(pdf, text):
    """Open a marked-content span whose ActualText is `text` (closed by _end_actual_text).

    fpdf2 writes shaped glyphs in display order, moving marks after their base;
    readers that honour ActualText (copy, search, screen readers) get the Thai as typed.
    fpdf2 has no public call for marked content, so this writes the operator itself.
    """
    hexed = text.encode("utf-16-be").hex().upper()
    pdf._out(f"/Span <</ActualText <FEFF{hexed}>>> BDC")


def _end_actual_text(pdf):
    pdf._out("EMC")


def _qr_size(sheet):
    inner_height = sheet.label_height - 2 * sheet.padding
    return min(inner_height, sheet.label_width * 0.4)


@dataclass(frozen=True)
class QrShape:
    """A QR code as runs of dark modules: (row, first column, length), and its width in modules."""

    modules: int
    runs: tuple


def qr_shape(url):
    """Encode `url` once per run; every label of the run draws the same shape."""
    qr = segno.make(url, error="m", micro=False)
    border = 2  # the label's own padding and the text gap complete the quiet zone
    matrix = [list(row) for row in qr.matrix_iter(border=border)]
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                runs.append((r, start, c - start))
            else:
                c += 1
    return QrShape(len(matrix), tuple(runs))


def _draw_qr(pdf, shape, x, y, size):
    """The QR shape as vector squares filling size × size mm (quiet zone included)."""
    module = size / shape.modules
    pdf.set_fill_color(0, 0, 0)
    for row, column, length in shape.runs:
        pdf.rect(x + column * module, y + row * module, length * module, module, "F")


def _draw_label(pdf, sheet, x, y, shape, lines):
    qr = _qr_size(sheet)
    pad = sheet.padding
    _draw_qr(pdf, shape, x + sheet.label_width - pad - qr, y + (sheet.label_height - qr) / 2, qr)
    text_width = _text_width(sheet)
    cursor = y + pad
    for line in lines:
        pdf.set_font(FAMILY, "B" if line.bold else "", line.size)
        pdf.set_xy(x + pad, cursor)
        _actual_text(pdf, line.text)
        pdf.cell(text_width, line.height, line.text)
        _end_actual_text(pdf)
        cursor += line.height


def _text_width(sheet):
    return sheet.label_width - 2 * sheet.padding - _qr_size(sheet) - 1.0


def _text_height(sheet):
    return sheet.label_height - 2 * sheet.padding


def lay_out_label(pdf, sheet, content):
    """The lines of one label's text on this stock (the same for every label of the lot)."""
    return layout(_blocks(content), _text_width(sheet), _text_height(sheet), sheet, _Measure(pdf))


def render_labels(run):
    """The PDF (bytes) of a label run: `count` labels, starting after `skip` used positions."""
    sheet = run.sheet
    content = label_content(run.lot, run.language, run.with_price)
    pdf = _new_pdf(sheet)
    try:
        lines = lay_out_label(pdf, sheet, content)
        shape = qr_shape(content.url)
        for position in range(run.skip, run.skip + run.count):
            slot = position % sheet.per_page
            if slot == 0 or position == run.skip:
                pdf.add_page()
            x, y = sheet.origin(slot)
            _draw_label(pdf, sheet, x, y, shape, lines)
        return bytes(pdf.output())
    finally:
        close_fonts(pdf)


def labels_filename(run):
    """A download name such as labels-LOT-00012-a4-3x8.pdf (ASCII only)."""
    code = re.sub(r"[^A-Za-z0-9._-]", "-", run.lot.code)
    return f"labels-{code}-{run.sheet.code}.pdf"


def lots_to_label(group, limit=60):
    """The group's lots in stock of products on sale, newest first: what labels are printed for."""
    from sqlalchemy import select
    from sqlalchemy.orm import joinedload

    from ..extensions import db
    from ..models import Lot, Product, Variant

    return db.session.scalars(
        select(Lot)
        .join(Variant, Lot.variant_id == Variant.id)
        .join(Product, Variant.product_id == Product.id)
        .where(
            Product.group_id == group.id,
            Product.status == ProductStatus.ACTIVE,
            Lot.available > 0,
        )
        .options(joinedload(Lot.variant).joinedload(Variant.product))
        .order_by(Lot.produced_on.desc(), Lot.id.desc())
        .limit(limit)
    ).all()
