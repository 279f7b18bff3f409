"""The sales dashboard of a group: thin views over marketing/dashboard.py.

Leaders of the group open it (staff do not: sales figures are the leader's),
and admins open any group's through the same address.
"""

from flask import g, make_response, render_template, request
from flask_login import current_user

from ..accounts import access
from ..impact.reports import PeriodError, parse_date
from ..marketing import dashboard as domain
from ..marketing import dashboard_exports as exports
from .blueprint import blueprint, current_group, require_leader


def _dashboard():
    """The dashboard for ?from=&to= (the default period when they do not make one)."""
    require_leader()
    group = current_group()
    error = None
    try:
        date_from = parse_date(request.args.get("from"))
        date_to = parse_date(request.args.get("to"))
        period, error = domain.period_or_default(date_from, date_to)
    except PeriodError as problem:
        period, error = domain.default_period(), problem.message
    return domain.sales_dashboard(group, period.start, period.end), error


@blueprint.context_processor
def _office_is_leader():
    """The group's navigation shows Sales to those who may open it: leaders and admins."""
    group = g.get("office_group")
    allowed = group is not None and access.can_manage_group(current_user, group, ("leader",))
    return {"office_is_leader": allowed}


def _period_args(board):
    return {"from": board.period.start.isoformat(), "to": board.period.end.isoformat()}


@blueprint.get("/<group_slug>/sales")
def sales_dashboard():
    """Revenue, orders, best sellers, sources, page views and label scans of the group."""
    board, error = _dashboard()
    return render_template(
        "office/sales_dashboard.html",
        group=board.group,
        board=board,
        period_args=_period_args(board),
        period_error=error,
        tables=exports.TABLES,
    )


@blueprint.get("/<group_slug>/sales.csv")
def sales_dashboard_csv():
    """One table of the dashboard as CSV (?table=months|products|sources|lots)."""
    table = request.args.get("table", "months")
    if table not in exports.TABLES:
        table = "months"
    board, _error = _dashboard()
    response = make_response(exports.csv_bytes(board, table))
    response.mimetype = "text/csv"
    response.charset = "utf-8"
    name = exports.filename(board, "csv").replace(".csv", f"-{table}.csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@blueprint.get("/<group_slug>/sales.xlsx")
def sales_dashboard_xlsx():
    """Every table of the dashboard in one workbook."""
    board, _error = _dashboard()
    response = make_response(exports.xlsx_bytes(board))
    response.mimetype = exports.XLSX_MIMETYPE
    name = exports.filename(board, "xlsx")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
