"""`flask report …`: income-uplift reports for officers and funders."""

from flask.cli import AppGroup

report_cli = AppGroup("report", help="Income-uplift reports (CSV or XLSX).")
