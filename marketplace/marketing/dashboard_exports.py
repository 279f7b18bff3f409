"""The sales dashboard's downloads: each table as CSV, all of them as one XLSX workbook.

Headings and channel names are in the viewer's language; amounts are baht with
two decimals (numbers in the workbook), conversion a percentage with one
decimal. The CSV starts with a byte-order mark so a spreadsheet reads Thai.
"""

import io
from decimal import Decimal

from flask_babel import gettext
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from ..csv_export import SafeWriter, neutralise
from ..impact.exports import sheet_title
from ..impact.reports import is_suppressed
from .dashboard import CHANNEL_LABELS

TABLES = ("months", "products", "sources", "lots")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _baht(satang):
    return (Decimal(satang) / 100).quantize(Decimal("0.01"))


def _percent(fraction):
    return None if fraction is None else round(fraction * 100, 1)


def table_title(table):
    """The name of a table, in the current language."""
    return {
        "months": gettext("By month"),
        "products": gettext("By product"),
        "sources": gettext("By source"),
        "lots": gettext("Label scans by lot"),
    }[table]


def table_rows(dashboard, table):
    """[headings, *rows] of one table of the dashboard, in the current language."""
    if table == "months":
        head = [
            gettext("Month"),
            gettext("Revenue (baht)"),
            gettext("Orders"),
            gettext("Average order (baht)"),
            gettext("Units"),
        ]
        return [head] + [
            [m.first.strftime("%Y-%m"), _baht(m.revenue), m.orders, _baht(m.average), m.units]
            for m in dashboard.months
        ]
    if table == "products":
        head = [
            gettext("Product"),
            gettext("Revenue (baht)"),
            gettext("Orders"),
            gettext("Units"),
            gettext("Page views"),
            gettext("Visits"),
            gettext("Conversion (%)"),
        ]
        return [head] + [
            [r.name, _baht(r.revenue), r.orders, r.units, r.views, r.visits, _percent(r.conversion)]
            for r in dashboard.products
        ]
    if table == "sources":
        head = [
            gettext("Channel"),
            gettext("Source"),
            gettext("Medium"),
            gettext("Campaign"),
            gettext("Revenue (baht)"),
            gettext("Orders"),
            gettext("Units"),
        ]
        return [head] + [
            [
                str(CHANNEL_LABELS[r.channel]),
                r.source,
                r.medium,
                r.campaign,
                _baht(r.revenue),
                r.orders,
                r.units,
            ]
            for r in dashboard.sources
        ]
    if table == "lots":
        head = [
            gettext("Lot"),
            gettext("Product"),
            gettext("Label scans"),
            gettext("Page views"),
            gettext("Visits"),
        ]
        return [head] + [[r.code, r.product, r.scans, r.views, r.visits] for r in dashboard.lots]
    raise KeyError(table)


def csv_bytes(dashboard, table):
    """One table as CSV (UTF-8 with a byte-order mark), every cell made safe."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    SafeWriter(buffer).writerows(table_rows(dashboard, table))
    return buffer.getvalue().encode("utf-8")


def _summary_rows(dashboard):
    def count(value):
        return str(value) if is_suppressed(value) else value

    total = dashboard.total
    return [
        [gettext("Group"), dashboard.group.name_th, dashboard.group.name_en],
        [gettext("Period"), dashboard.period.start, dashboard.period.end],
        [gettext("Revenue (baht)"), _baht(total.revenue)],
        [gettext("Orders"), total.orders],
        [gettext("Average order (baht)"), _baht(total.average)],
        [gettext("Units"), total.units],
        [gettext("Visits"), dashboard.visits],
        [gettext("Page views"), dashboard.views],
        [gettext("Households paid this month"), count(dashboard.households_month)],
        [gettext("Households paid this year"), count(dashboard.households_year)],
        [gettext("Amounts are in baht."), None],
    ]


def xlsx_bytes(dashboard):
    """The summary and every table, one sheet each, in the current language."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def write(sheet, rows, header=True):
        for index, row in enumerate(rows):
            if header and index == 0:
                cells = []
                for value in row:
                    cell = WriteOnlyCell(sheet, value=str(value))
                    cell.font = bold
                    cells.append(cell)
                sheet.append(cells)
            else:
                sheet.append([_safe(value) for value in row])

    write(book.create_sheet(sheet_title(gettext("Summary"))), _summary_rows(dashboard), False)
    for table in TABLES:
        write(book.create_sheet(sheet_title(table_title(table))), table_rows(dashboard, table))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _safe(value):
    """Numbers and dates stay what they are; text never becomes a formula."""
    if isinstance(value, str):
        return neutralise(value)
    return value


def filename(dashboard, suffix):
    """sales-<group>-<from>-<to>.<suffix>"""
    period = dashboard.period
    return f"sales-{dashboard.group.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{suffix}"
