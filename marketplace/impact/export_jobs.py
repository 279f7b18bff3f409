"""Area exports with household rows, written by a job and downloaded when ready.

The household rows of a large area take a while to write (a whole province is
tens of thousands of rows; all of them about a minute), longer than a web
worker should hold a request. So an export of household rows (the CSV, and the
XLSX with its Households sheet) of an area with at least
`EXPORT_JOB_MIN_HOUSEHOLDS` households is an `AreaExport` row and a queued task
(`jobs.run_after_commit("area_export", id)`: the RQ worker with Redis, this
process after the response without). The task writes the file exactly as the
streamed download would (`exports.iter_export_rows`/`iter_csv`, or `write_xlsx`
in openpyxl's write-only mode: memory stays flat), in the language of the
person who asked and with their view of the area, counting the rows it has
written, and puts it in the file store under `exports/<token>/` (private).

Smaller areas, the by-product CSV and the totals-only XLSX are still sent
within the request, as before: they are quick, and the file is the same either
way. The one rule: household rows of an area at or above the threshold go
through a job.

The person who asked (or an admin) follows the export at
/reports/exports/<token>, which refreshes itself until the file is ready, and
downloads it from there; each download is audited like any report export.
Asking again for the same export within an hour finds the one under way.

The file is streamed into the store (`storage().put_file`: a temporary file renamed
into place, or a multipart upload), never read whole into memory. It is kept for
EXPORT_KEEP_DAYS days after it was written: the periodic `expire_exports` task
removes older files and marks their exports expired; the progress page then says
so and offers to make the file again.

Admins can also export every province at once (`ALL_AREAS`, no province on the
row): a Summary sheet of each province's totals and every household's row, always
through a job (about 235,000 rows at registry scale).
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from .. import areas
from ..accounts import access
from ..extensions import db
from ..models import AreaExport, ExportStatus, Household
from ..storage import storage
from . import exports, reports
from .reports.figures import household_condition

log = logging.getLogger(__name__)

PROGRESS_EVERY = exports.PROGRESS_EVERY
REUSE_WITHIN = timedelta(hours=1)
STORAGE_PREFIX = "exports"
DEFAULT_MIN_HOUSEHOLDS = 2_000
DEFAULT_KEEP_DAYS = 7
ALL_AREAS = (None, None, None)  # the codes of an export of every province


class ExportNotFound(LookupError):
    """No such export for this viewer (the view answers 404)."""


def area_households(codes):
    """The number of households of an area (its rows in the export); every province's for
    ALL_AREAS."""
    if codes == ALL_AREAS:
        return households_of(all_provinces())
    condition = household_condition(*codes)
    return db.session.scalar(select(func.count()).select_from(Household).where(condition))


def all_provinces():
    """The codes of every province with households (those the all-areas export covers)."""
    codes = db.session.scalars(
        select(Household.province_code).distinct().order_by(Household.province_code)
    ).all()
    return [code for code in codes if areas.province(code) is not None]


def households_of(provinces):
    """The number of households of these provinces."""
    return db.session.scalar(
        select(func.count()).select_from(Household).where(Household.province_code.in_(provinces))
    )


def keep_days():
    """How many days an export's file is kept after it was written."""
    return int(current_app.config.get("EXPORT_KEEP_DAYS", DEFAULT_KEEP_DAYS))


def job_for(households):
    """True when this many household rows are written by a job."""
    threshold = current_app.config.get("EXPORT_JOB_MIN_HOUSEHOLDS", DEFAULT_MIN_HOUSEHOLDS)
    return households >= int(threshold)


def needs_job(codes):
    """True when the area's household rows are many enough to be written by a job."""
    return job_for(area_households(codes))


def request_export(viewer, codes, date_from, date_to, fmt, language, now=None):
    """The export of these household rows: one under way or ready (asked within the hour by
    the same person), or a new one queued once the caller commits."""
    now = now or datetime.now(UTC)
    province, district, subdistrict = codes
    same = select(AreaExport).where(
        AreaExport.user_id == viewer.id,
        AreaExport.province_code.is_(None)
        if province is None
        else AreaExport.province_code == province,
        AreaExport.district_code.is_(None)
        if district is None
        else AreaExport.district_code == district,
        AreaExport.subdistrict_code.is_(None)
        if subdistrict is None
        else AreaExport.subdistrict_code == subdistrict,
        AreaExport.date_from == date_from,
        AreaExport.date_to == date_to,
        AreaExport.fmt == fmt,
        AreaExport.language == language,
        AreaExport.status != ExportStatus.FAILED,
        AreaExport.created_at >= now - REUSE_WITHIN,
    )
    same = same.where(AreaExport.status != ExportStatus.EXPIRED)
    existing = db.session.scalars(same.order_by(AreaExport.id.desc()).limit(1)).first()
    if existing is not None:
        return existing
    export = AreaExport(
        token=secrets.token_urlsafe(16),
        user_id=viewer.id,
        province_code=province,
        district_code=district,
        subdistrict_code=subdistrict,
        date_from=date_from,
        date_to=date_to,
        fmt=fmt,
        language=language,
        rows_total=area_households(codes),
        filename=exports.export_filename(codes, date_from, date_to, fmt),
        created_at=now,
    )
    db.session.add(export)
    db.session.flush()
    from .. import jobs

    jobs.run_after_commit("area_export", export.id)
    return export


def get_export(viewer, token):
    """The export if the viewer may see it: the person who asked, or an admin.

    An officer must still cover the area (their areas may have changed since).
    """
    if not isinstance(token, str) or not 0 < len(token) <= 32:
        raise ExportNotFound()
    export = db.session.scalar(select(AreaExport).where(AreaExport.token == token))
    if export is None:
        raise ExportNotFound()
    if access.is_admin(viewer):
        return export
    if export.user_id != viewer.id or export.all_areas:
        raise ExportNotFound()
    try:
        reports.check_area(viewer, *export.codes)
    except reports.ReportNotFound:
        raise ExportNotFound() from None
    return export


# -- the task ---------------------------------------------------------------------------------


def _progress(export_id):
    """A callback that records rows written, on a connection of its own (committed at once,
    so the progress page sees it while the export's own reading goes on)."""

    def record(rows):
        with db.engine.begin() as connection:
            connection.execute(
                update(AreaExport).where(AreaExport.id == export_id).values(rows_done=rows)
            )

    return record


def write_file(export, handle, progress):
    """Write the export's file to a binary `handle`, calling `progress(rows)` as it goes."""
    viewer = export.user
    period = dict(date_from=export.date_from, date_to=export.date_to, viewer=viewer)
    if export.all_areas:
        exports.write_all_areas_xlsx(handle, all_provinces(), progress=progress, **period)
        return
    if export.fmt == "xlsx":
        exports.write_xlsx(handle, *export.codes, households=True, progress=progress, **period)
        return

    def counted(rows):
        for count, row in enumerate(rows):
            yield row
            if count and count % PROGRESS_EVERY == 0:
                progress(count)

    for text in exports.iter_csv(counted(exports.iter_export_rows(*export.codes, **period))):
        handle.write(text.encode("utf-8"))


def run(export_id):
    """The `area_export` task: write the file, store it, mark the export ready (or failed)."""
    export = db.session.get(AreaExport, export_id)
    if export is None or export.status == ExportStatus.READY:
        return None
    export.status = ExportStatus.RUNNING
    export.started_at = datetime.now(UTC)
    export.rows_done = 0
    export.error = ""
    db.session.commit()
    with tempfile.TemporaryDirectory(prefix="area-export-") as folder:
        path = Path(folder, export.filename)
        try:
            with force_locale(export.language), path.open("wb") as handle:
                write_file(export, handle, _progress(export.id))
            key = f"{STORAGE_PREFIX}/{export.token}/{export.filename}"
            size = path.stat().st_size
            # Streamed into the store: neither the job nor the page holds the whole file.
            with path.open("rb") as written:
                storage().put_file(key, written, content_type=content_type(export.fmt))
        except Exception as error:
            db.session.rollback()
            export = db.session.get(AreaExport, export_id)
            export.status = ExportStatus.FAILED
            export.error = f"{type(error).__name__}: {error}"[:300]
            export.finished_at = datetime.now(UTC)
            db.session.commit()
            log.exception("Area export %s failed", export_id)
            raise
    db.session.rollback()  # the reading transaction: nothing to keep
    export = db.session.get(AreaExport, export_id)
    export.storage_key = key
    export.size_bytes = size
    export.status = ExportStatus.READY
    export.rows_done = export.rows_total
    export.finished_at = datetime.now(UTC)
    db.session.commit()
    return export.rows_total


def expire_exports(now=None):
    """Remove the files of exports written more than EXPORT_KEEP_DAYS days ago and mark
    those exports expired (the periodic task); returns how many expired.

    Failed exports older than that are marked expired too (they have no file), so
    their page offers to make the file again rather than to retry an old failure.
    """
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=keep_days())
    old = db.session.scalars(
        select(AreaExport)
        .where(
            AreaExport.status.in_((ExportStatus.READY, ExportStatus.FAILED)),
            func.coalesce(AreaExport.finished_at, AreaExport.created_at) < cutoff,
        )
        .order_by(AreaExport.id)
    ).all()
    store = storage()
    for export in old:
        # The whole folder: a file and anything a crashed attempt left beside it.
        store.delete_prefix(f"{STORAGE_PREFIX}/{export.token}")
        export.status = ExportStatus.EXPIRED
        export.storage_key = None
    db.session.commit()
    return len(old)


def content_type(fmt):
    """The download's content type."""
    if fmt == "xlsx":
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "text/csv; charset=utf-8"
