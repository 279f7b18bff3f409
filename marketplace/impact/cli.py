"""`flask report …`: income-uplift reports for officers and funders."""

import click
from flask.cli import AppGroup
from flask_babel import gettext

from ..extensions import db
from . import exports, reports

report_cli = AppGroup("report", help="Income-uplift reports (CSV or XLSX).")


@report_cli.command("uplift")
@click.option("--province", required=True, help="Province code, e.g. 57 (Chiang Rai).")
@click.option("--district", default=None, help="District code, e.g. 5705.")
@click.option("--subdistrict", default=None, help="Subdistrict code, e.g. 570505.")
@click.option(
    "--from",
    "date_from",
    required=True,
    help="First day, YYYY-MM-DD; a Buddhist-era year is fine (2568-12-01 = 2025-12-01).",
)
@click.option("--to", "date_to", required=True, help="Last day, YYYY-MM-DD, either era.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option(
    "--table",
    type=click.Choice(["households", "products"]),
    default="households",
    show_default=True,
    help="CSV only: one row per household, or the area's sales by product.",
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
def report_uplift(
    province, district, subdistrict, date_from, date_to, fmt, table, output, summary_only
):
    """Export an area's income-uplift report: one row per household (pseudonymous codes)."""
    # Dates are read here, not by a click type: the messages need the app (its language).
    dates = {}
    for hint, text in (("--from", date_from), ("--to", date_to)):
        try:
            dates[hint] = reports.parse_date(text)
        except reports.PeriodError as error:
            raise click.BadParameter(error.message, param_hint=hint) from None
        if dates[hint] is None:
            message = gettext("Write the date as YYYY-MM-DD, e.g. 2568-01-15 or 2025-01-15.")
            raise click.BadParameter(message, param_hint=hint)
    date_from, date_to = dates["--from"], dates["--to"]
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
    products = fmt == "csv" and table == "products"

    if fmt == "csv":
        if products:
            rows = exports.iter_product_rows(*codes, date_from=date_from, date_to=date_to)
        else:
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
        codes,
        date_from,
        date_to,
        fmt,
        via="cli",
        households=not ((summary_only and fmt == "xlsx") or products),
        table="products" if products else None,
    )
    db.session.commit()
    if output:
        click.echo(f"wrote {output}", err=True)


ledger_cli = AppGroup("ledger", help="The household income ledger's upkeep.")


@ledger_cli.command("summaries")
@click.option("--check", is_flag=True, help="Only compare the monthly sums with the ledger.")
def ledger_summaries(check):
    """Rebuild the monthly sums the reports read from the ledger, and verify them.

    The sums are kept up at each posting; this is for after a bulk import that
    bypassed the app, or to prove they still match. Exits with status 1 when
    they differ (with --check) or still differ after the rebuild.
    """
    from ..derived import check_or_rebuild
    from . import summaries

    check_or_rebuild(
        db.session, "summary", "ledger", summaries.differences, summaries.rebuild, check
    )
