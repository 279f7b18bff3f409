"""Every CSV the app writes goes through one writer, and no cell it writes starts a formula."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

from marketplace.csv_export import cell_text, starts_formula
from marketplace.impact import exports, households

from .impact.report_fixtures import PERIOD, by_product_world

PACKAGE = Path(__file__).resolve().parents[1] / "marketplace"
# The one place a raw csv.writer may stand, and why.
RAW_WRITERS_ALLOWED = {
    "csv_export.py": "the safe writer itself",
    # Rewrites the header of an uploaded file (Thai headings to column names) before it
    # is parsed; nothing it writes leaves the server.
    "impact/assessments.py": "not an export",
}


def test_cells_that_could_start_a_formula_get_an_apostrophe():
    for text in ('=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"):
        assert starts_formula(text)
        assert cell_text(text) == "'" + text
    assert cell_text("ข้าวเหนียวดำ") == "ข้าวเหนียวดำ"
    assert cell_text("a=b") == "a=b"
    # Numbers stay numbers: a refund's negative amount is not text.
    assert cell_text(Decimal("-12.5")) == "-12.50"
    assert cell_text(-3) == "-3"
    assert cell_text(None) == ""


def test_product_named_like_a_formula_is_written_as_text(db):  # noqa: F811
    group, made = by_product_world()
    made["A"].name_en = made["A"].name_th = '=HYPERLINK("http://evil.example","click")'
    group.name_th = group.name_en = "@group"
    db.session.commit()
    text = "".join(exports.iter_csv(exports.iter_product_rows("57", **PERIOD)))
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [row["product"] for row in rows]
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert {row["group"] for row in rows} == {"'@group"}
    for row in rows:
        assert not any(starts_formula(value) for value in row.values())


def test_household_template_escapes_the_groups_own_words(db, make):
    group = make.group(village="=cmd|' /C calc'!A0")
    data = households.import_template(group).decode("utf-8-sig")
    assert "'=cmd" in data
    for row in csv.reader(io.StringIO(data)):
        assert not any(starts_formula(cell) for cell in row)


def test_no_csv_writer_bypasses_the_safe_one():
    """A new CSV export must use csv_export.SafeWriter (or exports.iter_csv), not csv.writer."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text(encoding="utf-8")):
            found.append(name)
    assert sorted(found) == sorted(RAW_WRITERS_ALLOWED)
