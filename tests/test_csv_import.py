"""Shared CSV reading: encodings, line ends, shape problems listed by line."""

import pytest
from flask_babel import force_locale

from marketplace.csv_import import CsvImportError, read_rows, template_bytes

COLUMNS = ("code", "name", "village")


def test_reads_utf8_with_bom_and_crlf(app):
    data = "\ufeffcode,name,village\r\nA1,สมศรี,บ้านดอยงาม\r\n\r\nA2,มาลี,บ้านป่า\r\n".encode()
    with app.test_request_context(), force_locale("en"):
        rows = read_rows(data, COLUMNS, required=("name",))
    assert rows == [
        (2, {"code": "A1", "name": "สมศรี", "village": "บ้านดอยงาม"}),
        (4, {"code": "A2", "name": "มาลี", "village": "บ้านป่า"}),
    ]


def test_reads_utf8_without_bom_and_header_in_any_order(app):
    data = "Village, Name\nบ้านป่า,มาลี\n".encode()
    with app.test_request_context(), force_locale("en"):
        rows = read_rows(data, COLUMNS, required=("name",))
    assert rows == [(2, {"village": "บ้านป่า", "name": "มาลี"})]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("ชื่อ,หมู่บ้าน\n".encode("cp874"), "not UTF-8"),
        (b"", "empty"),
        (b"code,name\n", "no rows"),
        (b"code,nickname\nA,b\n", "Unknown columns: nickname"),
        (b"code,village\nA,b\n", "Missing columns: name"),
        (b"name,name\nA,b\n", "Columns given twice: name"),
        (b"name\n" + b"x" * 2000, "too large"),
        (b"name\n" + b"a\n" * 11, "more than 10 rows"),
    ],
)
def test_file_problems_are_clear(app, data, fragment):
    with app.test_request_context(), force_locale("en"):
        with pytest.raises(CsvImportError) as caught:
            read_rows(data, COLUMNS, required=("name",), max_bytes=1000, max_rows=10)
        assert fragment in " ".join(str(p.message) for p in caught.value.problems)


def test_extra_cells_are_reported_per_line(app):
    data = b"name\nok\nbad,extra\nok\nbad,again\n"
    with app.test_request_context(), pytest.raises(CsvImportError) as caught:
        read_rows(data, COLUMNS, required=("name",))
    assert [p.line for p in caught.value.problems] == [3, 5]


def test_template_has_bom_and_crlf():
    data = template_bytes(("a", "b"), [("ก", "")])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig") == "a,b\r\nก,\r\n"
