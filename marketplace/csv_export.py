"""The one CSV writer for everything the app exports: no cell can start a formula.

A spreadsheet opening a CSV runs a cell that starts with = + - @ (or a tab or
carriage return before one) as a formula: a product named
`=HYPERLINK("http://…","click")` would become a link in an officer's sheet.
Text cells that start with one of those characters get a leading apostrophe,
as OWASP advises; numbers (int, Decimal, float) are written as numbers, so a
negative amount stays "-12.50". The XLSX writer uses `neutralise` too.
"""

import csv
from decimal import Decimal

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def starts_formula(text):
    """True when a spreadsheet could read this text as a formula."""
    return isinstance(text, str) and text[:1] in FORMULA_LEADS


def neutralise(text):
    """The text with an apostrophe in front when it could start a formula."""
    return "'" + text if starts_formula(text) else text


def cell_text(value):
    """One CSV cell: empty for None, numbers as numbers (2 decimals for Decimal), text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int | float):
        return str(value)
    return neutralise(str(value))


class SafeWriter:
    """csv.writer whose rows pass through `cell_text`: use it for every CSV the app writes."""

    def __init__(self, out, lineterminator="\r\n"):
        self._writer = csv.writer(out, lineterminator=lineterminator)

    def writerow(self, row):
        """Write one row, each cell made safe."""
        return self._writer.writerow([cell_text(value) for value in row])

    def writerows(self, rows):
        """Write many rows."""
        for row in rows:
            self.writerow(row)
