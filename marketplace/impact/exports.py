"""Area report exports: CSV streamed row by row, XLSX written in openpyxl's write-only mode.

Both carry pseudonymous household codes only: no name, phone or registry
reference is ever read here. The CSV is one row per household (for officers'
own analysis), or with `table=products` the area's by-product rows. The XLSX
holds the suppressed summary, the by-product table, the transition matrix,
the monthly trend, the IRIS+ sheet for funders and, unless `households=False`,
the same household rows; with `households=False` it holds aggregates only and
can go to a funder as it is. The XLSX speaks the reader's language, its
household sheet included (headings, yes/no, poverty classes); the CSV keeps
machine-readable column names and codes.

Memory stays flat however large the area: household rows come from the
database in batches (`reports.iter_household_figures`), the CSV is yielded
line by line, and the write-only workbook streams rows to a temporary file.
"""

import io
from decimal import Decimal

from flask_babel import gettext, lazy_gettext
from openpyxl import Workbook
from openpyxl.styles import Font

from ..accounts.audit import AuditAction, audit
from ..csv_export import SafeWriter, neutralise
from ..models.households import PovertyClass
from . import reports

PROGRESS_EVERY = 500  # household rows between two calls of a progress callback

EXPORT_COLUMNS = (
    "household_code",
    "province_code",
    "district_code",
    "subdistrict_code",
    "reached",
    "value_chain_income_baht",
    "annualised_value_chain_income_baht",
    "months_with_income",
    "months_above_poverty_line",
    "months_in_period",
    "baseline_date",
    "baseline_members",
    "baseline_annual_income_baht",
    "baseline_class",
    "baseline_income_per_person_month_baht",
    "latest_date",
    "latest_members",
    "latest_annual_income_baht",
    "latest_class",
    "latest_income_per_person_month_baht",
    "estimated_income_per_person_month_baht",
    "estimated_above_poverty_line",
    "estimated_above_basic_needs",
    "crossed_poverty_line_assessed",
    "lifted_above_poverty_line_estimated",
    "low_income",
)

# IRIS+ (GIIN) metrics and how this marketplace computes them for an area and period:
# (id, name, unit, definition); names and definitions in the reader's language.
IRIS_METRICS = (
    (
        "PI7852",
        lazy_gettext("Payments to supplier individuals"),
        "THB",
        lazy_gettext(
            "Value-chain income paid to the area's households in the period: sale shares, "
            "raw material bought from them, wages and adjustments, less refund reversals "
            "(payouts are not counted again)."
        ),
    ),
    (
        "PI8632",
        lazy_gettext("Percent smallholder sourcing payments"),
        "%",
        lazy_gettext(
            "Of the money the area's producer groups paid for sourcing and sales in the period "
            "(net sales revenue over every account, plus raw material, wages and adjustments "
            "paid to households), the percentage that went to member households. Every "
            "supplying household is a smallholder village household."
        ),
    ),
    (
        "PI7318",
        lazy_gettext("Client households: low income"),
        lazy_gettext("households"),
        lazy_gettext(
            "Households reached (value-chain income above zero in the period) whose baseline "
            "assessment classes them struggling or difficult, or whose baseline income per "
            "person is below the poverty line."
        ),
    ),
)

# The by-product table of an area (CSV columns; the XLSX sheet has them in words).
PRODUCT_COLUMNS = (
    "product_id",
    "product",
    "group_id",
    "group",
    "sales_revenue_baht",
    "sales_to_households_baht",
    "households_paid",
)


def _baht(satang):
    if satang is None:
        return None
    if reports.is_suppressed(satang):
        return str(satang)
    return Decimal(int(satang)) / 100


def _flag(value):
    if value is None:
        return None
    return "yes" if value else "no"


def household_row(figures):
    """One export row (EXPORT_COLUMNS) for a household's figures."""
    f = figures
    return [
        f.code,
        f.province_code,
        f.district_code,
        f.subdistrict_code,
        _flag(f.reached),
        _baht(f.income),
        _baht(f.annualised_income),
        f.months_with_income,
        f.months_above_line,
        f.month_count,
        f.baseline_on,
        f.baseline_members,
        _baht(f.baseline_income),
        f.baseline_class,
        _baht(f.baseline_per_person_month),
        f.latest_on,
        f.latest_members,
        _baht(f.latest_income),
        f.latest_class,
        _baht(f.latest_per_person_month),
        _baht(f.estimated_per_person_month),
        _flag(f.estimated_above_line),
        _flag(f.estimated_above_basic_needs),
        _flag(f.crossed_line),
        _flag(f.lifted_above_line),
        _flag(f.low_income),
    ]


def iter_export_rows(
    province_code,
    district_code=None,
    subdistrict_code=None,
    *,
    date_from,
    date_to,
    viewer=None,
):
    """The header, then one row per household of the area, by code, streamed."""
    yield list(EXPORT_COLUMNS)
    for figures in reports.iter_household_figures(
        province_code,
        district_code,
        subdistrict_code,
        date_from=date_from,
        date_to=date_to,
        viewer=viewer,
    ):
        yield household_row(figures)


def product_row(product):
    """One row (PRODUCT_COLUMNS) of the area's by-product table."""
    return [
        product.product_id,
        product.name,
        product.group_id,
        product.group_name,
        _baht(product.revenue),
        _baht(product.to_households),
        _count(product.households),
    ]


def iter_product_rows(
    province_code,
    district_code=None,
    subdistrict_code=None,
    *,
    date_from,
    date_to,
    viewer=None,
):
    """The header, then the area's by-product rows (small cells as "<5")."""
    report = reports.area_report(
        province_code,
        district_code,
        subdistrict_code,
        date_from=date_from,
        date_to=date_to,
        viewer=viewer,
    )
    yield list(PRODUCT_COLUMNS)
    for product in report.products:
        yield product_row(product)


def _count(value):
    return str(value) if reports.is_suppressed(value) else value


def iter_csv(rows):
    """CSV text, one line at a time, for a streamed response or a file (cells made safe)."""
    buffer = io.StringIO()
    writer = SafeWriter(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _cell(value):
    """An XLSX cell value: numbers stay numbers, "<5" stays text, no text becomes a formula."""
    if value is None:
        return None
    if reports.is_suppressed(value):
        return str(value)
    if isinstance(value, str):
        # openpyxl stores text starting with "=" as a formula; group names are typed by people.
        return neutralise(value)
    return value


def _class_name(value):
    names = {
        PovertyClass.STRUGGLING: gettext("Struggling"),
        PovertyClass.DIFFICULT: gettext("Difficult"),
        PovertyClass.GETTING_BY: gettext("Getting by"),
        PovertyClass.WELL_OFF: gettext("Well off"),
    }
    return names.get(value, value)


# The household sheet of the XLSX in the reader's language: a heading per EXPORT_COLUMNS
# column (the CSV keeps the machine-readable names).
HOUSEHOLD_HEADINGS = {
    "household_code": lazy_gettext("Household code"),
    "province_code": lazy_gettext("Province code"),
    "district_code": lazy_gettext("District code"),
    "subdistrict_code": lazy_gettext("Subdistrict code"),
    "reached": lazy_gettext("Reached"),
    "value_chain_income_baht": lazy_gettext("Value-chain income (baht)"),
    "annualised_value_chain_income_baht": lazy_gettext(
        "Value-chain income a year at this pace (baht)"
    ),
    "months_with_income": lazy_gettext("Months with income"),
    "months_above_poverty_line": lazy_gettext("Months above the line"),
    "months_in_period": lazy_gettext("Months in the period"),
    "baseline_date": lazy_gettext("Baseline assessment date"),
    "baseline_members": lazy_gettext("Members at baseline"),
    "baseline_annual_income_baht": lazy_gettext("Annual income at baseline (baht)"),
    "baseline_class": lazy_gettext("Baseline class"),
    "baseline_income_per_person_month_baht": lazy_gettext(
        "Income per person per month at baseline (baht)"
    ),
    "latest_date": lazy_gettext("Latest assessment date"),
    "latest_members": lazy_gettext("Members at the latest assessment"),
    "latest_annual_income_baht": lazy_gettext("Annual income at the latest assessment (baht)"),
    "latest_class": lazy_gettext("Latest class"),
    "latest_income_per_person_month_baht": lazy_gettext(
        "Income per person per month at the latest assessment (baht)"
    ),
    "estimated_income_per_person_month_baht": lazy_gettext(
        "Estimated income per person per month (baht)"
    ),
    "estimated_above_poverty_line": lazy_gettext("Above the poverty line (estimated)"),
    "estimated_above_basic_needs": lazy_gettext("Above basic needs (estimated)"),
    "crossed_poverty_line_assessed": lazy_gettext("Crossed the line (assessed)"),
    "lifted_above_poverty_line_estimated": lazy_gettext("Lifted (estimated)"),
    "low_income": lazy_gettext("Low income"),
}
_CLASS_COLUMNS = {"baseline_class", "latest_class"}


def household_headings():
    """The household sheet's header row in the current language."""
    return [str(HOUSEHOLD_HEADINGS[column]) for column in EXPORT_COLUMNS]


def localized_household_row(row):
    """An export row (EXPORT_COLUMNS) for the XLSX: yes/no and poverty classes in words."""
    words = {"yes": gettext("Yes"), "no": gettext("No")}
    cells = []
    for column, value in zip(EXPORT_COLUMNS, row, strict=True):
        if column in _CLASS_COLUMNS and value:
            value = _class_name(value)
        elif value in words:
            value = words[value]
        cells.append(_cell(value))
    return cells


def sheet_title(text):
    """A worksheet name Excel accepts: no []:*?/\\ and at most 31 characters."""
    title = "".join(" " if char in "[]:*?/\\" else char for char in str(text)).strip()
    return title[:31] or "Sheet"


def write_xlsx(
    target,
    province_code,
    district_code=None,
    subdistrict_code=None,
    *,
    date_from,
    date_to,
    viewer=None,
    households=True,
    progress=None,
):
    """Write the area workbook to `target` (a path or a binary file); returns the report.

    `progress(rows)`, when given, is called every PROGRESS_EVERY household rows
    written (the export job shows it).

    Sheet names, headings and the IRIS+ metric names are in the current
    language (the viewer's, or Thai on the command line). The household rows
    keep the machine-readable column names of the CSV, so both read alike.
    """
    report = reports.area_report(
        province_code,
        district_code,
        subdistrict_code,
        date_from=date_from,
        date_to=date_to,
        viewer=viewer,
    )
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def header(sheet, values):
        sheet.append([_styled(sheet, str(value), bold) for value in values])

    summary = book.create_sheet(sheet_title(gettext("Summary")))
    summary.append([gettext("Income-uplift report"), report.total.name])
    summary.append([gettext("Area codes"), "/".join(c for c in report.codes if c)])
    summary.append([gettext("Period"), report.period.start, report.period.end])
    summary.append(
        [gettext("Poverty line (baht per person per month)"), _baht(report.poverty_line)]
    )
    summary.append([gettext("Basic needs (baht per person per year)"), _baht(report.basic_needs)])
    summary.append([gettext("Cells counting fewer than 5 households are shown as <5."), None])
    summary.append([gettext("Amounts are in baht."), None])
    summary.append([])
    header(summary, summary_headings())
    for row in [*report.rows, report.total]:
        summary.append(summary_row(row))

    products = book.create_sheet(sheet_title(gettext("By product")))
    header(
        products,
        [
            gettext("Product"),
            gettext("Group"),
            gettext("Sales revenue"),
            gettext("To households"),
            gettext("Households paid"),
        ],
    )
    for product in report.products:
        products.append(
            [
                _cell(product.name),
                _cell(product.group_name),
                _cell(_baht(product.revenue)),
                _cell(_baht(product.to_households)),
                _cell(product.households),
            ]
        )
    products.append(
        [
            gettext("Total"),
            None,
            _cell(_baht(report.total.revenue)),
            _cell(_baht(report.total.sales_to_households)),
            None,
        ]
    )

    transitions = book.create_sheet(sheet_title(gettext("Poverty class")))
    transitions.append(
        [gettext("Households by poverty class: baseline (rows) × latest assessment (columns)")]
    )
    header(transitions, ["", *(_class_name(c) for c in PovertyClass.ALL), gettext("Total")])
    for baseline in PovertyClass.ALL:
        transitions.append(
            [
                _class_name(baseline),
                *(_cell(report.transitions[(baseline, latest)]) for latest in PovertyClass.ALL),
                _cell(report.transition_rows[baseline]),
            ]
        )
    transitions.append(
        [
            gettext("Total"),
            *(_cell(report.transition_cols[latest]) for latest in PovertyClass.ALL),
            _cell(report.transition_total),
        ]
    )

    monthly = book.create_sheet(sheet_title(gettext("By month")))
    header(
        monthly,
        [gettext("Month"), gettext("Paid to households"), gettext("Households with income")],
    )
    for first, amount, count in report.months:
        monthly.append([first.strftime("%Y-%m"), _cell(_baht(amount)), _cell(count)])

    iris = book.create_sheet("IRIS+")
    header(
        iris, ["IRIS+", gettext("Metric"), gettext("Value"), gettext("Unit"), gettext("Definition")]
    )
    for metric_id, name, unit, definition in IRIS_METRICS:
        value = report.iris[metric_id]
        if metric_id == "PI7852":
            value = _baht(value)
        iris.append([metric_id, str(name), _cell(value), str(unit), str(definition)])
    iris.append([])
    iris.append(
        [gettext("Period"), f"{report.period.start:%Y-%m-%d} – {report.period.end:%Y-%m-%d}"]
    )
    iris.append([gettext("Households reached"), _cell(report.iris["reached"])])

    if households:
        sheet = book.create_sheet(sheet_title(gettext("Households")))
        rows = iter_export_rows(
            province_code,
            district_code,
            subdistrict_code,
            date_from=date_from,
            date_to=date_to,
            viewer=viewer,
        )
        next(rows)  # the CSV's column names; the sheet has headings a person reads
        header(sheet, household_headings())
        for count, row in enumerate(rows, 1):
            sheet.append(localized_household_row(row))
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)

    book.save(target)
    return report


def summary_headings():
    """The headings of a Summary sheet's rows (areas or groups, and the total)."""
    return [
        gettext("Code"),
        gettext("Name"),
        gettext("Households"),
        gettext("Reached"),
        gettext("Paid to households"),
        gettext("Assessed"),
        gettext("Reassessed"),
        gettext("Crossed the line"),
        gettext("Lifted (estimated)"),
        gettext("Below the line at baseline"),
        gettext("Low-income reached"),
        gettext("Group sales"),
        gettext("To households"),
    ]


def summary_row(row, key=None):
    """One AreaRow as a Summary sheet row, small cells as "<5"."""
    return [
        key or row.key or gettext("Total"),
        _cell(row.name),
        *(_cell(getattr(row, name)) for name in ("households", "reached")),
        _cell(_baht(row.income)),
        *(
            _cell(getattr(row, name))
            for name in (
                "assessed",
                "reassessed",
                "crossed",
                "lifted",
                "below_at_baseline",
                "low_income_reached",
            )
        ),
        _cell(_baht(row.revenue)),
        _cell(_baht(row.sales_to_households)),
    ]


def write_all_areas_xlsx(target, provinces, *, date_from, date_to, viewer=None, progress=None):
    """The workbook of every province (admins): a Summary sheet with each province's totals
    (its area report's, small cells hidden) and a Households sheet with every household
    of every province, province by province (write-only mode: memory stays flat)."""
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    summary = book.create_sheet(sheet_title(gettext("Summary")))
    summary.append([gettext("Income-uplift report"), gettext("All provinces")])
    summary.append([gettext("Period"), date_from, date_to])
    summary.append([gettext("Cells counting fewer than 5 households are shown as <5."), None])
    summary.append([gettext("Amounts are in baht."), None])
    summary.append([])
    summary.append([_styled(summary, str(value), bold) for value in summary_headings()])
    for code in provinces:
        report = reports.area_report(code, date_from=date_from, date_to=date_to, viewer=viewer)
        summary.append(summary_row(report.total, key=code))
    sheet = book.create_sheet(sheet_title(gettext("Households")))
    sheet.append([_styled(sheet, str(value), bold) for value in household_headings()])
    count = 0
    for code in provinces:
        rows = iter_export_rows(code, date_from=date_from, date_to=date_to, viewer=viewer)
        next(rows)
        for row in rows:
            sheet.append(localized_household_row(row))
            count += 1
            if progress is not None and count % PROGRESS_EVERY == 0:
                progress(count)
    book.save(target)


def _styled(sheet, value, font):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.font = font
    return cell


def export_filename(codes, date_from, date_to, fmt, table="households"):
    """A download name such as uplift-57-5705_2025-12-01_2026-11-30.xlsx.

    The by-product CSV ends in _products: uplift-57_2025-12-01_2026-11-30_products.csv.
    """
    area = "-".join(code for code in codes if code) or "all"
    suffix = "_products" if table == "products" else ""
    return f"uplift-{area}_{date_from:%Y-%m-%d}_{date_to:%Y-%m-%d}{suffix}.{fmt}"


def audit_export(codes, date_from, date_to, fmt, via="web", households=True, table=None):
    """Record an export in the audit log (the caller commits)."""
    details = {"table": table} if table else {}
    return audit(
        AuditAction.REPORT_EXPORTED,
        None,
        scope="area",
        area="-".join(code for code in codes if code) or "all",
        date_from=date_from.isoformat(),
        date_to=date_to.isoformat(),
        format=fmt,
        via=via,
        households=households,
        **details,
    )
