"""`flask report uplift`: valid CSV and XLSX files, clear errors, an audit row."""

import csv
import io

import openpyxl
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db as _db
from marketplace.models import AuditLog

from .report_fixtures import by_product_world, scenario

ARGS = ["report", "uplift", "--province", "57", "--from", "2025-12-01", "--to", "2026-11-30"]


def test_csv_to_a_file(runner, db, tmp_path):
    scenario()
    path = tmp_path / "uplift.csv"
    result = runner.invoke(args=[*ARGS, "--format", "csv", "--output", str(path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert [row["household_code"] for row in rows] == [
        "57-00001", "57-00002", "57-00003", "57-00004", "57-00005",
    ]  # fmt: skip
    assert rows[0]["value_chain_income_baht"] == "30000.00"
    (audit,) = _db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.REPORT_EXPORTED)
    ).all()
    assert '"via": "cli"' in audit.details


def test_csv_to_standard_output_for_a_district(runner, db):
    scenario()
    result = runner.invoke(args=[*ARGS, "--district", "5701"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("household_code,")
    assert [line.split(",")[0] for line in lines[1:]] == ["57-00005"]


def test_xlsx(runner, db, tmp_path):
    scenario()
    path = tmp_path / "uplift.xlsx"
    result = runner.invoke(args=[*ARGS, "--format", "xlsx", "--output", str(path)])
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(path, read_only=True)
    # The command speaks Thai, the default language, outside a request.
    with force_locale("th"):
        names = [gettext(n) for n in ("Summary", "By product", "Poverty class", "By month")]
        households = gettext("Households")
    assert book.sheetnames == [*names, "IRIS+", households]
    assert len(list(book[households].iter_rows(values_only=True))) == 6
    book.close()
    summary = tmp_path / "funder.xlsx"
    result = runner.invoke(
        args=[*ARGS, "--format", "xlsx", "--output", str(summary), "--summary-only"]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(summary, read_only=True)
    assert households not in book.sheetnames
    book.close()


def test_bad_area_or_period_is_a_clear_error(runner, db):
    result = runner.invoke(
        args=["report", "uplift", "--province", "99", "--from", "2025-12-01", "--to", "2026-11-30"]
    )
    assert result.exit_code == 2
    assert "no such area" in result.output
    result = runner.invoke(
        args=["report", "uplift", "--province", "57", "--from", "2026-12-01", "--to", "2026-11-30"]
    )
    assert result.exit_code == 2
    # The command speaks Thai, the default language, outside a request.
    with force_locale("th"):
        assert gettext("The period ends before it starts.").rstrip(".") in result.output


def test_buddhist_era_dates(runner, db):
    scenario()
    result = runner.invoke(
        args=["report", "uplift", "--province", "57", "--from", "2568-12-01", "--to", "2569-11-30"]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # 2568-12-01 is 1 Dec 2025 (not the year 2568): H1's 30,000 is in the period.
    assert rows[0]["household_code"] == "57-00001"
    assert rows[0]["value_chain_income_baht"] == "30000.00"
    assert rows[0]["months_in_period"] == "12"
    # 29 February 2567 is 29 February 2024, a leap day.
    result = runner.invoke(
        args=["report", "uplift", "--province", "57", "--from", "2567-02-29", "--to", "2567-03-31"]
    )
    assert result.exit_code == 0, result.output
    assert list(csv.DictReader(io.StringIO(result.stdout)))[0]["months_in_period"] == "2"


def test_a_bad_date_is_a_clear_error(runner, db):
    base = ["report", "uplift", "--province", "57", "--to", "2026-11-30"]
    result = runner.invoke(args=[*base, "--from", "2568-02-30"])
    assert result.exit_code == 2
    assert "--from" in result.output
    with force_locale("th"):
        assert gettext("%(value)s is not a real date.", value="2568-02-30") in result.output
        shape = gettext("Write the date as YYYY-MM-DD, e.g. 2568-01-15 or 2025-01-15.")
    result = runner.invoke(args=[*base, "--from", "1/12/2025"])
    assert result.exit_code == 2
    assert shape in result.output
    assert "Traceback" not in result.output


def test_csv_by_product(runner, db):
    by_product_world()
    result = runner.invoke(args=[*ARGS, "--table", "products"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["sales_revenue_baht"], r["sales_to_households_baht"]) for r in rows] == [
        ("6600.00", "<5"),
        ("4000.00", "<5"),
        ("3850.00", "3500.00"),
    ]
    (audit,) = _db.session.scalars(
        select(AuditLog).where(AuditLog.action == AuditAction.REPORT_EXPORTED)
    ).all()
    assert '"table": "products"' in audit.details
    assert '"households": false' in audit.details
