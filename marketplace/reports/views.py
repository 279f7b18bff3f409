"""The income-uplift reports officers read: area → district → subdistrict → group → household.

Officers see the areas they cover (a household, group or area outside them is
404); admins see all. Reports are pseudonymous: households appear by code. A
household's name shows only to an officer of its area who asks for it, and
that view is audited as personal data, as is every household page that shows
assessments. Every report view and every export goes to the audit log.
"""

import tempfile
from datetime import date
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import areas
from ..accounts import access
from ..accounts.audit import (
    AuditAction,
    audit,
    audit_personal_data_view,
    audit_personal_data_views,
)
from ..extensions import db
from ..i18n import bangkok_today, current_language, format_baht
from ..impact import charts, export_jobs, exports, reports
from ..models import ExportStatus, Household, User
from ..models.households import PovertyClass
from ..storage import storage

blueprint = Blueprint("reports", __name__, url_prefix="/reports")


@blueprint.before_request
def require_officer_or_admin():
    """Officers with an area, and admins (anonymous visitors go to sign in, others get 403)."""
    user = access.require_signed_in()
    if not (access.is_officer(user) or access.is_admin(user)):
        raise access.NotAllowed()


# -- helpers for the templates --------------------------------------------------------------


def _count(value):
    return str(value) if value is not None else ""


def _money(value):
    if value is None:
        return ""
    if reports.is_suppressed(value):
        return str(value)
    return format_baht(value)


def _percent(value):
    if value is None:
        return "–"
    if reports.is_suppressed(value):
        return str(value)
    return f"{value * 100:.1f}%"


def class_names():
    """Poverty class labels in the user's language."""
    return {
        PovertyClass.STRUGGLING: _("Struggling"),
        PovertyClass.DIFFICULT: _("Difficult"),
        PovertyClass.GETTING_BY: _("Getting by"),
        PovertyClass.WELL_OFF: _("Well off"),
    }


def kind_names():
    """Ledger kinds in the user's language."""
    return {
        "sale_share": _("Sale shares"),
        "raw_material": _("Raw material bought"),
        "wage": _("Wages"),
        "adjustment": _("Adjustments"),
        "reversal": _("Refund reversals"),
        "payout": _("Payouts"),
    }


@blueprint.context_processor
def report_helpers():
    """Cell formatting for suppressed counts and money, and class labels."""
    return {
        "show_count": _count,
        "show_money": _money,
        "show_percent": _percent,
        "class_names": class_names(),
        "kind_names": kind_names(),
        "is_suppressed": reports.is_suppressed,
        "area_name": lambda area: areas.area_name(area, current_language()),
    }


# -- the period ----------------------------------------------------------------------------


def default_period(today=None):
    """The twelve months up to today: from the first of the month eleven months back."""
    today = today or bangkok_today()
    month = today.month - 11
    year = today.year
    if month < 1:
        month += 12
        year -= 1
    return date(year, month, 1), today


def period_from_request():
    """(date_from, date_to, error message or None): from ?from=&to=, else the default."""
    start, end = default_period()
    try:
        chosen_from = reports.parse_date(request.args.get("from"))
        chosen_to = reports.parse_date(request.args.get("to"))
        start = chosen_from or start
        end = chosen_to or end
        reports.Period(start, end)
    except reports.PeriodError as error:
        start, end = default_period()
        return start, end, error.message
    return start, end, None


def _period_args(start, end):
    return {"from": start.isoformat(), "to": end.isoformat()}


def _viewer():
    return current_user._get_current_object()


# -- pages ---------------------------------------------------------------------------------


@blueprint.get("/")
def index():
    """The areas the viewer may open: an officer's areas, or every province with households."""
    user = _viewer()
    entries = []
    if access.is_admin(user):
        codes = db.session.scalars(
            select(Household.province_code).distinct().order_by(Household.province_code)
        ).all()
        entries = [(areas.province(code), None) for code in codes if areas.province(code)]
    if access.is_officer(user):
        for area in user.officer_areas:
            pair = (areas.province(area.province_code), areas.district(area.district_code))
            if pair[0] is not None and pair not in entries:
                entries.append(pair)
    start, end = default_period()
    return render_template(
        "reports/index.html",
        entries=entries,
        period_args=_period_args(start, end),
        can_export_all=access.is_admin(user) and bool(entries),
    )


@blueprint.get("/exports/all.xlsx")
def all_areas_export():
    """Admins: the workbook of every province (each province's totals and every household's
    row), always written by a job; answers with its progress page."""
    viewer = _viewer()
    if not access.is_admin(viewer):
        abort(404)
    start, end, error = period_from_request()
    if error:
        back = url_for("reports.index")
        return render_template("reports/export_error.html", message=error, back=back), 400
    export = export_jobs.request_export(
        viewer, export_jobs.ALL_AREAS, start, end, "xlsx", current_language()
    )
    db.session.commit()
    return redirect(url_for("reports.export_status", token=export.token), 303)


def _area_or_404(province, district, subdistrict, start, end):
    try:
        return reports.area_report(
            province, district, subdistrict, date_from=start, date_to=end, viewer=_viewer()
        )
    except reports.ReportNotFound:
        abort(404)


@blueprint.get("/area/<province>/")
@blueprint.get("/area/<province>/<district>/")
@blueprint.get("/area/<province>/<district>/<subdistrict>/")
def area(province, district=None, subdistrict=None):
    """An area's report with its breakdown one level down, transitions and trend."""
    start, end, error = period_from_request()
    report = _area_or_404(province, district, subdistrict, start, end)
    audit(
        AuditAction.REPORT_VIEWED,
        None,
        scope="area",
        area="-".join(c for c in report.codes if c),
        date_from=start.isoformat(),
        date_to=end.isoformat(),
    )
    db.session.commit()
    chart = charts.monthly_income_chart(
        report.months,
        _("Value-chain income of the area's households, by month"),
        current_language(),
    )
    return (
        render_template(
            "reports/area.html",
            report=report,
            chart=chart,
            period_args=_period_args(start, end),
            period_error=error,
            classes=PovertyClass.ALL,
            export_by_job=export_jobs.job_for(report.total.raw["households"]),
        ),
        400 if error else 200,
    )


@blueprint.get("/area/<province>/export.<any(csv, xlsx):fmt>")
@blueprint.get("/area/<province>/<district>/export.<any(csv, xlsx):fmt>")
@blueprint.get("/area/<province>/<district>/<subdistrict>/export.<any(csv, xlsx):fmt>")
def area_export(fmt, province, district=None, subdistrict=None):
    """The area's export: CSV of household rows (streamed), or the XLSX workbook.

    `?table=products` gives the CSV of the area's by-product rows instead.
    A period that cannot be used gets a page saying why (400), not a file.
    Household rows of a large area (`export_jobs.needs_job`) are written by a
    job: this answers with its progress page, which offers the file when ready.
    """
    viewer = _viewer()
    try:
        reports.check_area(viewer, province, district, subdistrict)
    except reports.ReportNotFound:
        abort(404)
    start, end, error = period_from_request()
    if error:
        back = url_for(
            "reports.area", province=province, district=district, subdistrict=subdistrict
        )
        return render_template("reports/export_error.html", message=error, back=back), 400
    codes = (province, district, subdistrict)
    products = fmt == "csv" and request.args.get("table") == "products"
    # Household rows: the CSV unless it is the product table; the XLSX unless ?summary=1.
    households = not products if fmt == "csv" else request.args.get("summary") != "1"
    table = "products" if products else "households"
    if households and export_jobs.needs_job(codes):
        export = export_jobs.request_export(viewer, codes, start, end, fmt, current_language())
        db.session.commit()
        return redirect(url_for("reports.export_status", token=export.token), 303)
    exports.audit_export(
        codes, start, end, fmt, households=households, table="products" if products else None
    )
    db.session.commit()
    name = exports.export_filename(codes, start, end, fmt, table)
    if fmt == "csv":
        iter_rows = exports.iter_product_rows if products else exports.iter_export_rows

        def produce(viewer):
            return exports.iter_csv(iter_rows(*codes, date_from=start, date_to=end, viewer=viewer))

        response = Response(stream_in_own_context(produce), mimetype="text/csv; charset=utf-8")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    # Written to a temporary file (write-only mode keeps memory flat), then streamed from it.
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        with handle:
            exports.write_xlsx(
                handle, *codes, date_from=start, date_to=end, viewer=viewer, households=households
            )
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    response = Response(_stream_file(path), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Content-Length"] = str(path.stat().st_size)
    response.call_on_close(lambda: path.unlink(missing_ok=True))
    return response


def stream_in_own_context(produce):
    """The chunks of `produce(viewer)`, computed while the response is sent, in a context of
    their own: a fresh app context and database session, the viewer reloaded by id, the
    request's language.

    A server sends a streamed body after the view has returned and its app context has
    been torn down, which closes the request's session: the signed-in user and every row it
    loaded are detached by then (stream_with_context does not help: the session is gone and
    Flask-Login still hands out the detached user). So nothing from the request is used.
    """
    app = current_app._get_current_object()
    viewer_id = _viewer().id
    language = current_language()

    def generate():
        with app.app_context(), force_locale(language):
            viewer = db.session.get(User, viewer_id)
            try:
                yield from produce(viewer)
            finally:
                db.session.rollback()  # read only: nothing to keep, nothing held open

    return generate()


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_or_404(token):
    try:
        return export_jobs.get_export(_viewer(), token)
    except export_jobs.ExportNotFound:
        abort(404)


@blueprint.get("/exports/<token>")
def export_status(token):
    """An export written by a job: how far it has got (the page refreshes itself), then the
    download link; once its file has expired, an offer to make it again."""
    export = _export_or_404(token)
    period = _period_args(export.date_from, export.date_to)
    if export.all_areas:
        area_label = _("All provinces")
        again = url_for("reports.all_areas_export", **period)
        back = url_for("reports.index")
    else:
        province, district, subdistrict = reports.check_area(None, *export.codes)
        area_label = areas.area_name(subdistrict or district or province, current_language())
        codes = dict(
            province=export.province_code,
            district=export.district_code,
            subdistrict=export.subdistrict_code,
        )
        again = url_for("reports.area_export", fmt=export.fmt, **codes, **period)
        back = url_for("reports.area", **codes, **period)
    return render_template(
        "reports/export_status.html",
        export=export,
        area_label=area_label,
        statuses=ExportStatus,
        refresh=export.status in (ExportStatus.QUEUED, ExportStatus.RUNNING),
        again=again,
        back=back,
        keep_days=export_jobs.keep_days(),
    )


@blueprint.get("/exports/<token>/download")
def export_download(token):
    """The file of a finished export, to the person who asked or an admin; audited."""
    export = _export_or_404(token)
    if export.status == ExportStatus.EXPIRED:
        # An old link: the page says the file expired and offers to make it again.
        return redirect(url_for("reports.export_status", token=export.token), 303)
    if export.status != ExportStatus.READY or not export.storage_key:
        abort(404)
    store = storage()
    path = store.local_path(export.storage_key)
    # Asked before the audit and the link: a bucket down answers 503 here (the page says
    # so in the reader's language) rather than sending the browser to a dead address.
    if path is None and not store.exists(export.storage_key):
        abort(404)
    exports.audit_export(export.codes, export.date_from, export.date_to, export.fmt)
    db.session.commit()
    if path is None:
        # Object storage: a link valid for a few minutes, given only after the checks above.
        return redirect(store.signed_url(export.storage_key, seconds=300))
    if not path.is_file():
        abort(404)
    # Sent from the file in chunks: the web worker never holds the whole file.
    return send_file(
        path,
        mimetype=export_jobs.content_type(export.fmt),
        as_attachment=True,
        download_name=export.filename,
        max_age=0,
    )


def _stream_file(path, chunk_size=64 * 1024):
    """The file's bytes in chunks, deleting it once sent."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk
    finally:
        path.unlink(missing_ok=True)


@blueprint.get("/groups/<int:group_id>")
def group(group_id):
    """A group's report: households reached, income paid, share of sales, by product."""
    start, end, error = period_from_request()
    try:
        report = reports.group_report(group_id, start, end, viewer=_viewer())
    except reports.ReportNotFound:
        abort(404)
    audit(
        AuditAction.REPORT_VIEWED,
        report.group,
        scope="group",
        date_from=start.isoformat(),
        date_to=end.isoformat(),
    )
    # Each listed household's assessment (its poverty class) is personal data, as on
    # the household's own page.
    audit_personal_data_views(
        [
            (row.household_id, row.code)
            for row in report.rows
            if row.baseline_on is not None or row.latest_on is not None
        ],
        reason="reports.group",
    )
    db.session.commit()
    chart = None
    if not all(reports.is_suppressed(amount) for _first, amount, _n in report.months):
        chart = charts.monthly_income_chart(
            report.months,
            _("Value-chain income paid to households, by month"),
            current_language(),
        )
    return (
        render_template(
            "reports/group.html",
            report=report,
            chart=chart,
            period_args=_period_args(start, end),
            period_error=error,
        ),
        400 if error else 200,
    )


@blueprint.get("/households/<int:household_id>")
def household(household_id):
    """A household's report by its code; its name only for an officer of its area who asks."""
    start, end, error = period_from_request()
    viewer = _viewer()
    try:
        report = reports.household_report(household_id, start, end, viewer=viewer)
    except reports.ReportNotFound:
        abort(404)
    record = report.household
    may_see_name = (
        access.officer_covers(viewer, record.province_code, record.district_code)
        and record.personal is not None
        and record.erased_at is None
    )
    show_name = may_see_name and request.args.get("name") == "1"
    audit(
        AuditAction.REPORT_VIEWED,
        record,
        scope="household",
        code=record.code,
        date_from=start.isoformat(),
        date_to=end.isoformat(),
    )
    if report.baseline is not None or report.latest is not None or show_name:
        audit_personal_data_view(
            record, reason="reports.household.name" if show_name else "reports.household"
        )
    db.session.commit()
    line_label = _("Poverty line")
    if report.figures.has_baseline:
        per_person = [(first, per, n) for first, _amount, per, n in report.months]
        chart = charts.monthly_income_chart(
            per_person,
            _(
                "Income per person per month: the assessment in force plus that month's "
                "value-chain income"
            ),
            current_language(),
            poverty_line=report.poverty_line,
            line_label=line_label,
        )
    else:
        chart = charts.monthly_income_chart(
            [(first, amount) for first, amount, _p, _a in report.months],
            _("Value-chain income by month"),
            current_language(),
        )
    return (
        render_template(
            "reports/household.html",
            report=report,
            f=report.figures,
            chart=chart,
            period_args=_period_args(start, end),
            period_error=error,
            may_see_name=may_see_name,
            head_name=record.personal.head_name if show_name else None,
        ),
        400 if error else 200,
    )
