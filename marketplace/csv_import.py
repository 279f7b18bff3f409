"""Reading spreadsheet CSV uploads: all or nothing, every problem listed with its line.

Spreadsheets export UTF-8 with or without a byte-order mark and with CRLF line
ends; both are accepted. The caller gets either every row (as dicts keyed by
the header's column names) or a `CsvImportError` carrying every problem found,
so a file with one bad row imports nothing and the person sees all the lines
to fix at once. Domain code checks the values of each row and reports its own
problems the same way (`CsvProblem(line, message)`).
"""

import csv
import io
from dataclasses import dataclass

from flask_babel import gettext

from .csv_export import SafeWriter

BOM = "\ufeff"
DEFAULT_MAX_BYTES = 512 * 1024
DEFAULT_MAX_ROWS = 2000
# Listing more problems than this helps nobody; the first ones show what is wrong.
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class CsvProblem:
    """One thing wrong with an uploaded file; `line` is 0 for the file as a whole."""

    line: int
    message: str


class CsvImportError(Exception):
    """The file cannot be imported; `problems` lists why, line by line."""

    def __init__(self, problems):
        super().__init__("CSV import failed")
        self.problems = list(problems)[:MAX_PROBLEMS]


def _file_error(message):
    return CsvImportError([CsvProblem(0, message)])


def decode(data, max_bytes=DEFAULT_MAX_BYTES):
    """The text of an uploaded file: UTF-8, with or without a BOM, within `max_bytes`."""
    if len(data) > max_bytes:
        raise _file_error(
            gettext(
                "The file is too large: at most %(kb)d KB, please split it.",
                kb=max_bytes // 1024,
            )
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise _file_error(
            gettext(
                "The file is not UTF-8 text. In your spreadsheet choose "
                "“Save as / Download → CSV UTF-8”, then upload it again."
            )
        ) from None
    if text.startswith(BOM):
        text = text[1:]
    if "\x00" in text:
        raise _file_error(gettext("The file is not a CSV text file."))
    return text


def read_rows(
    data,
    columns,
    required=(),
    max_bytes=DEFAULT_MAX_BYTES,
    max_rows=DEFAULT_MAX_ROWS,
):
    """[(line number, {column: stripped text})] for every non-blank row of a CSV upload.

    `columns` are the names the header may use (in any order); `required` must
    all be present. Raises CsvImportError listing every problem with the file's
    shape; the values themselves are the caller's to check.
    """
    text = decode(data, max_bytes)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise _file_error(gettext("The file is empty."))
        names = [name.strip().lower() for name in header]
        problems = []
        unknown = [name for name in names if name and name not in columns]
        if unknown:
            problems.append(
                CsvProblem(
                    1,
                    gettext(
                        "Unknown columns: %(names)s. The columns are: %(expected)s.",
                        names=", ".join(unknown),
                        expected=", ".join(columns),
                    ),
                )
            )
        missing = [name for name in required if name not in names]
        if missing:
            problems.append(
                CsvProblem(1, gettext("Missing columns: %(names)s.", names=", ".join(missing)))
            )
        duplicated = sorted({name for name in names if name and names.count(name) > 1})
        if duplicated:
            problems.append(
                CsvProblem(
                    1,
                    gettext("Columns given twice: %(names)s.", names=", ".join(duplicated)),
                )
            )
        if problems:
            raise CsvImportError(problems)

        rows = []
        for cells in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise _file_error(
                    gettext("The file has more than %(n)d rows; please split it.", n=max_rows)
                )
            if len(cells) > len(names) and any(c.strip() for c in cells[len(names) :]):
                problems.append(
                    CsvProblem(
                        line,
                        gettext(
                            "This row has %(found)d cells but the header has %(expected)d.",
                            found=len(cells),
                            expected=len(names),
                        ),
                    )
                )
                continue
            cells = cells + [""] * (len(names) - len(cells))
            rows.append((line, {n: c.strip() for n, c in zip(names, cells, strict=False) if n}))
    except csv.Error:
        raise _file_error(
            gettext("The file could not be read as CSV near line %(line)d.", line=reader.line_num)
        ) from None
    if problems:
        raise CsvImportError(problems)
    if not rows:
        raise _file_error(gettext("The file has a header but no rows."))
    return rows


def template_bytes(columns, example_rows=()):
    """A CSV template as spreadsheets open it: UTF-8 with a BOM, CRLF line ends."""
    out = io.StringIO(newline="")
    writer = SafeWriter(out)  # the example row may carry the group's own words
    writer.writerow(columns)
    for row in example_rows:
        writer.writerow(row)
    return (BOM + out.getvalue()).encode("utf-8")
