"""Exports: household codes only, hand-computed rows, suppression, the IRIS+ sheet."""

import csv
import io
from datetime import date

import openpyxl
import pytest
from flask_babel import force_locale, gettext

from marketplace.extensions import db as _db
from marketplace.impact import exports
from marketplace.models import HouseholdPersonal

from .. import factories
from .report_fixtures import PERIOD, PHAN, assess, by_product_world, entry, scenario


def _csv(area=("57",)):
    text = "".join(exports.iter_csv(exports.iter_export_rows(*area, **PERIOD)))
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_rows_are_hand_computed(db):
    scenario()
    rows = {row["household_code"]: row for row in _csv()}
    assert list(rows) == ["57-00001", "57-00002", "57-00003", "57-00004", "57-00005"]
    h1 = rows["57-00001"]
    assert h1["reached"] == "yes"
    assert h1["value_chain_income_baht"] == "30000.00"
    assert h1["baseline_date"] == "2025-11-01"
    assert h1["baseline_class"] == "struggling"
    assert h1["baseline_income_per_person_month_baht"] == "2500.00"
    assert h1["latest_class"] == "getting_by"
    assert h1["estimated_income_per_person_month_baht"] == "3125.00"
    assert h1["estimated_above_poverty_line"] == "yes"
    assert h1["estimated_above_basic_needs"] == "no"
    assert h1["months_above_poverty_line"] == "3"
    assert h1["months_in_period"] == "12"
    assert h1["crossed_poverty_line_assessed"] == "yes"
    assert h1["lifted_above_poverty_line_estimated"] == "yes"
    assert h1["low_income"] == "yes"
    h3 = rows["57-00003"]
    assert h3["baseline_date"] == "" and h3["estimated_above_poverty_line"] == ""
    assert list(rows["57-00004"].values())[4:6] == ["no", "0.00"]


def test_exports_carry_codes_and_never_names(db, tmp_path):
    s = scenario()
    s.h1.personal = HouseholdPersonal(
        head_name="Somsri Jaidee", phone="0812345678", consent_on=date(2025, 1, 1)
    )
    _db.session.commit()
    text = "".join(exports.iter_csv(exports.iter_export_rows("57", **PERIOD)))
    assert "57-00001" in text
    assert "Somsri" not in text and "0812345678" not in text
    path = tmp_path / "area.xlsx"
    exports.write_xlsx(path, "57", **PERIOD)
    book = openpyxl.load_workbook(path, read_only=True)
    values = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    book.close()
    assert "57-00001" in values
    assert not any("Somsri" in v or "0812345678" in v for v in values)


def test_xlsx_sheets_suppression_and_iris(db, tmp_path):
    group = factories.make_group(**PHAN)
    for n in range(6):
        household = factories.make_household(group, **PHAN)
        if n < 4:
            assess(household, date(2025, 6, 1), 4, 100_000, "struggling")
        else:
            assess(household, date(2025, 6, 1), 2, 200_000, "well_off")
        entry(group, date(2026, 1, 5), 1_000, household)
    lonely = factories.make_household(group, **dict(PHAN, subdistrict_code="570501"))
    entry(group, date(2026, 2, 5), 500, lonely, kind="raw_material")
    entry(group, date(2026, 1, 5), 1_400)
    entry(group, date(2026, 1, 5), 100, account="platform")
    _db.session.commit()

    path = tmp_path / "area.xlsx"
    exports.write_xlsx(path, "57", "5705", **PERIOD)
    book = openpyxl.load_workbook(path, read_only=True)
    # Outside a request the workbook speaks the default language (Thai).
    names = [gettext(n) for n in ("Summary", "By product", "Poverty class", "By month")]
    assert book.sheetnames == [*names, "IRIS+", gettext("Households")]
    summary_name, _products, _classes, monthly_name = names
    summary = [row for row in book[summary_name].iter_rows(values_only=True)]
    total = gettext("Total")
    by_code = {row[0]: row for row in summary if row and row[0] in ("570501", "570505", total)}
    # 570501 has one household: its count and money are "<5"; 570505 (6) is then the
    # only other row and goes too, or the total would give it away.
    assert by_code["570501"][2:5] == ("<5", "<5", "<5")
    assert by_code["570505"][2:5] == ("<5", "<5", "<5")
    assert by_code[total][2:5] == (7, 7, 6500)
    iris = {row[0]: row for row in book["IRIS+"].iter_rows(values_only=True) if row}
    assert iris["PI7852"][2] == 6500
    assert iris["PI7852"][1] == gettext("Payments to supplier individuals")
    assert iris["PI8632"][2] == pytest.approx(81.2)  # 6,500 of 8,000
    assert iris["PI7318"][2] == "<5"  # four struggling households: a small cell
    monthly = {row[0]: row for row in book[monthly_name].iter_rows(values_only=True)}
    # February: one household; January (6) is the only other non-zero month, so it
    # goes too, or the period's total would give February away.
    assert monthly["2026-02"][1:] == ("<5", "<5")
    assert monthly["2026-01"][1:] == ("<5", "<5")
    assert monthly["2026-03"][1:] == (0, 0)
    households = list(book[gettext("Households")].iter_rows(values_only=True))
    assert households[0][0] == gettext("Household code") == "รหัสครัวเรือน"
    assert len(households) == 8
    book.close()


def test_summary_only_workbook_has_no_household_rows(db, tmp_path):
    scenario()
    path = tmp_path / "funder.xlsx"
    exports.write_xlsx(path, "57", **PERIOD, households=False)
    book = openpyxl.load_workbook(path, read_only=True)
    assert gettext("Households") not in book.sheetnames
    values = [str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row]
    book.close()
    assert not any(v.startswith("57-0") for v in values)


def test_download_over_http(client, auth, db):
    scenario()
    factories.make_user("officer@example.com", officer_areas=["57"])
    _db.session.commit()
    auth.login("officer@example.com")
    response = client.get("/reports/area/57/export.csv?from=2025-12-01&to=2026-11-30")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "uplift-57_2025-12-01_2026-11-30.csv" in response.headers["Content-Disposition"]
    assert response.get_data(as_text=True).splitlines()[0].startswith("household_code,")
    xlsx = client.get("/reports/area/57/export.xlsx?from=2025-12-01&to=2026-11-30")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()), read_only=True)
    assert "IRIS+" in book.sheetnames
    book.close()


def test_text_never_becomes_an_xlsx_formula():
    assert exports._cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert exports._cell("กลุ่มหอมแผ่นดิน") == "กลุ่มหอมแผ่นดิน"
    assert exports._cell(12) == 12


def test_by_product_in_the_xlsx_and_the_csv(db, tmp_path):
    by_product_world()
    path = tmp_path / "area.xlsx"
    exports.write_xlsx(path, "57", **PERIOD, households=False)
    book = openpyxl.load_workbook(path, read_only=True)
    rows = list(book[gettext("By product")].iter_rows(values_only=True))
    book.close()
    assert rows[0] == tuple(
        gettext(n)
        for n in ("Product", "Group", "Sales revenue", "To households", "Households paid")
    )
    # Sorted by revenue: A, C, B (see test_reports.by_product_world for the arithmetic).
    assert [row[2:5] for row in rows[1:]] == [
        (6600, "<5", "<5"),
        (4000, "<5", "<5"),
        (3850, 3500, 7),
        (14450, 13500),  # the total (no count: a household may be paid for two products)
    ]
    text = "".join(exports.iter_csv(exports.iter_product_rows("57", **PERIOD)))
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [
        (r["sales_revenue_baht"], r["sales_to_households_baht"], r["households_paid"])
        for r in lines
    ] == [  # fmt: skip
        ("6600.00", "<5", "<5"),
        ("4000.00", "<5", "<5"),
        ("3850.00", "3500.00", "7"),
    ]


def test_xlsx_speaks_the_viewers_language(client, auth, db):
    scenario()
    factories.make_user("officer@example.com", locale="en", officer_areas=["57"])
    _db.session.commit()
    auth.login("officer@example.com")
    response = client.get("/reports/area/57/export.xlsx?from=2025-12-01&to=2026-11-30")
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    assert book.sheetnames == [
        "Summary", "By product", "Poverty class", "By month", "IRIS+", "Households",
    ]  # fmt: skip
    header = next(book["Summary"].iter_rows(min_row=9, max_row=9, values_only=True))
    iris = {row[0]: row for row in book["IRIS+"].iter_rows(values_only=True) if row}
    book.close()
    assert header[:4] == ("Code", "Name", "Households", "Reached")
    assert iris["PI7852"][1] == "Payments to supplier individuals"
    assert iris["IRIS+"][1:] == ("Metric", "Value", "Unit", "Definition")
    with force_locale("th"):
        assert gettext("Households") != "Households"  # the Thai catalog has it


def test_the_household_sheet_follows_the_viewers_language(client, auth, db):
    """Issue 11: the household sheet had the CSV's English column names and codes."""
    scenario()
    officer = factories.make_user("officer@example.com", locale="th", officer_areas=["57"])
    _db.session.commit()
    auth.login("officer@example.com")

    def sheet():
        response = client.get("/reports/area/57/export.xlsx?from=2025-12-01&to=2026-11-30")
        book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
        rows = list(book[book.sheetnames[-1]].iter_rows(values_only=True))
        book.close()
        return book.sheetnames[-1], rows

    title, rows = sheet()
    header = dict(zip(exports.EXPORT_COLUMNS, rows[0], strict=True))
    assert title == "ครัวเรือน"
    assert header["household_code"] == "รหัสครัวเรือน"
    assert header["baseline_class"] == "ระดับตั้งต้น"
    assert not any(name in rows[0] for name in exports.EXPORT_COLUMNS)
    cells = {value for row in rows[1:] for value in row}
    assert not cells & {"yes", "no", "struggling", "difficult", "getting_by", "well_off"}
    assert cells & {"ใช่", "ไม่ใช่"}
    assert cells & {"อยู่ลำบาก", "อยู่ยาก", "อยู่พอได้", "อยู่ดี"}

    officer.locale = "en"
    _db.session.commit()
    title, rows = sheet()
    assert title == "Households" and rows[0][:2] == ("Household code", "Province code")
    assert {value for row in rows[1:] for value in row} & {"Yes", "No"}
    # The CSV keeps the machine-readable names and codes.
    csv_text = client.get("/reports/area/57/export.csv?from=2025-12-01&to=2026-11-30")
    assert csv_text.get_data(as_text=True).startswith("household_code,province_code,")


def test_sheet_titles_are_ones_excel_accepts():
    assert exports.sheet_title("Sales: by product [2025/26]?") == "Sales  by product  2025 26"
    assert len(exports.sheet_title("x" * 40)) == 31
