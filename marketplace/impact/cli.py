"""`flask report …`: income-uplift reports for officers and funders."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import exports, reports

report_cli = AppGroup("report", help="Income-uplift reports (CSV or XLSX).")


@report_cli.command("uplift")
@click.option("--province", required=True, help="Province code, e.g. 57 (Chiang Rai).")
@click.option("--district", default=None, help="District code, e.g. 5705.")
@click.option("--subdistrict", default=None, help="Subdistrict code, e.g. 570505.")
@click.option("--from", "date_from", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "date_to", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write; CSV goes to standard output without it, XLSX needs it "
    "(default: a name from the area and period).",
)
@click.option(
    "--summary-only",
    is_flag=True,
    help="XLSX without the household rows: aggregates only, small cells suppressed.",
)
def report_uplift(province, district, subdistrict, date_from, date_to, fmt, output, summary_only):
    """Export an area's income-uplift report: one row per household (pseudonymous codes)."""
    date_from, date_to = date_from.date(), date_to.date()
    codes = (province, district, subdistrict)
    try:
        reports.check_area(None, *codes)
        reports.Period(date_from, date_to)
    except reports.ReportNotFound:
        raise click.BadParameter(
            "no such area (check the codes)", param_hint="--province"
        ) from None
    except reports.PeriodError as error:
        raise click.BadParameter(error.message, param_hint="--from/--to") from None

    if fmt == "csv":
        rows = exports.iter_export_rows(*codes, date_from=date_from, date_to=date_to)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                for chunk in exports.iter_csv(rows):
                    handle.write(chunk)
        else:
            for chunk in exports.iter_csv(rows):
                click.echo(chunk, nl=False)
    else:
        output = output or exports.export_filename(codes, date_from, date_to, "xlsx")
        exports.write_xlsx(
            output,
            *codes,
            date_from=date_from,
            date_to=date_to,
            households=not summary_only,
        )
    exports.audit_export(
        codes, date_from, date_to, fmt, via="cli", households=not (summary_only and fmt == "xlsx")
    )
    db.session.commit()
    if output:
        click.echo(f"wrote {output}", err=True)
