"""`flask report uplift`: valid CSV and XLSX files, clear errors, an audit row."""

import csv
import io

import openpyxl
from flask_babel import force_locale, gettext
from sqlalchemy import select

from marketplace.accounts.audit import AuditAction
from marketplace.extensions import db as _db
from marketplace.models import AuditLog

from .report_fixtures import scenario

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
    assert book.sheetnames == ["Summary", "Transitions", "Monthly", "IRIS+", "Households"]
    assert len(list(book["Households"].iter_rows(values_only=True))) == 6
    book.close()
    summary = tmp_path / "funder.xlsx"
    result = runner.invoke(
        args=[*ARGS, "--format", "xlsx", "--output", str(summary), "--summary-only"]
    )
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(summary, read_only=True)
    assert "Households" not in book.sheetnames
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
