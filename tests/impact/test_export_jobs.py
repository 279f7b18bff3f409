"""Area exports of household rows written by a job: same file, private, progress shown.

Without Redis the job runs in the process once the response has gone out, so a
request for a large area's export answers with the progress page, and the
export is ready by the next request.
"""

import io
import json
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from marketplace.extensions import db as _db
from marketplace.impact import export_jobs
from marketplace.models import AreaExport, AuditLog, ExportStatus, User

from .. import factories
from .report_fixtures import by_product_world, scenario

QUERY = "?from=2025-12-01&to=2026-11-30"


@pytest.fixture
def world(db):
    scenario()
    by_product_world()
    factories.make_user("admin@example.com", admin=True, locale="en")
    factories.make_user("officer@example.com", officer_areas=["57"], locale="en")
    factories.make_user("other@example.com", officer_areas=["57"], locale="en")
    _db.session.commit()


def _streamed(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "attachment" in response.headers["Content-Disposition"]
    return response.get_data()


def _through_job(client, app, path):
    """Ask for an export with every area large enough for a job; the export row, and the file."""
    app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = 1
    try:
        response = client.get(path)
    finally:
        app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = export_jobs.DEFAULT_MIN_HOUSEHOLDS
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/", 1)[1]
    queued = client.get(f"/reports/exports/{token}").get_data(as_text=True)
    assert 'http-equiv="refresh"' in queued and "Waiting to start" in queued
    response.close()  # the response has gone out: the job runs (no Redis: in this process)
    _db.session.expire_all()
    export = _db.session.scalar(select(AreaExport).where(AreaExport.token == token))
    assert export.status == ExportStatus.READY, export.error
    page = client.get(f"/reports/exports/{token}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert f"/reports/exports/{token}/download" in html
    with client.get(f"/reports/exports/{token}/download") as download:
        assert download.status_code == 200
        assert export.filename in download.headers["Content-Disposition"]
        return export, download.get_data()


def _sheets(data):
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book}
    book.close()
    return rows


@pytest.mark.parametrize("codes", [("57",), ("57", "5705")])
def test_the_jobs_files_equal_the_streamed_exports(app, client, auth, world, codes):
    auth.login("officer@example.com")
    base = "/reports/area/" + "/".join(codes) + "/"
    csv_now = _streamed(client, base + "export.csv" + QUERY)
    xlsx_now = _streamed(client, base + "export.xlsx" + QUERY)
    export, csv_job = _through_job(client, app, base + "export.csv" + QUERY)
    assert csv_job == csv_now
    assert export.rows_done == export.rows_total == len(csv_now.splitlines()) - 1
    _export, xlsx_job = _through_job(client, app, base + "export.xlsx" + QUERY)
    assert _sheets(xlsx_job) == _sheets(xlsx_now)


def test_downloads_are_audited_and_only_for_who_asked_or_an_admin(app, client, auth, world):
    auth.login("officer@example.com")
    export, _data = _through_job(client, app, "/reports/area/57/export.csv" + QUERY)
    audits = _db.session.scalars(
        select(AuditLog).where(AuditLog.action == "report.exported").order_by(AuditLog.id)
    ).all()
    details = json.loads(audits[-1].details)
    assert (details["area"], details["format"], details["households"]) == ("57", "csv", True)
    # Asking again within the hour finds the same export.
    app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = 1
    again = client.get("/reports/area/57/export.csv" + QUERY)
    app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = export_jobs.DEFAULT_MIN_HOUSEHOLDS
    assert again.headers["Location"].endswith(f"/reports/exports/{export.token}")
    auth.logout()
    auth.login("other@example.com")  # an officer of the same area, who did not ask
    assert client.get(f"/reports/exports/{export.token}").status_code == 404
    assert client.get(f"/reports/exports/{export.token}/download").status_code == 404
    assert client.get("/reports/exports/no-such-export").status_code == 404
    auth.logout()
    auth.login("admin@example.com")
    assert client.get(f"/reports/exports/{export.token}").status_code == 200
    with client.get(f"/reports/exports/{export.token}/download") as download:
        assert download.status_code == 200


def _export(status, **fields):
    user = _db.session.scalar(select(User).where(User.email == "officer@example.com"))
    export = AreaExport(
        token=f"t-{status}",
        user_id=user.id,
        province_code="57",
        date_from=date(2025, 12, 1),
        date_to=date(2026, 11, 30),
        fmt="xlsx",
        language="en",
        status=status,
        rows_total=23_582,
        filename="uplift-57.xlsx",
        **fields,
    )
    _db.session.add(export)
    _db.session.commit()
    return export


def test_the_progress_page_in_each_state(client, auth, world):
    auth.login("officer@example.com")
    _export(ExportStatus.QUEUED)
    _export(ExportStatus.RUNNING, rows_done=11_791)
    _export(ExportStatus.FAILED, error="OperationalError: gone")
    queued = client.get("/reports/exports/t-queued").get_data(as_text=True)
    assert 'http-equiv="refresh"' in queued and "Waiting to start" in queued
    assert "0 of 23,582 household rows written (0%)" in queued
    running = client.get("/reports/exports/t-running").get_data(as_text=True)
    assert 'http-equiv="refresh"' in running and "Writing the file" in running
    assert "11,791 of 23,582 household rows written (50%)" in running
    assert '<progress max="23582" value="11791">' in running
    assert "/download" not in running
    failed = client.get("/reports/exports/t-failed").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in failed and "could not be written" in failed
    assert "OperationalError" not in failed  # the error is for admins' logs, not the page
    assert "/reports/area/57/export.xlsx" in failed
    for token in ("t-queued", "t-running", "t-failed"):
        assert client.get(f"/reports/exports/{token}/download").status_code == 404


def test_a_failing_export_is_marked_failed(app, world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    export = _export(ExportStatus.QUEUED)
    monkeypatch.setattr(export_jobs, "write_file", broken)
    with pytest.raises(RuntimeError):
        export_jobs.run(export.id)
    _db.session.expire_all()
    export = _db.session.get(AreaExport, export.id)
    assert export.status == ExportStatus.FAILED
    assert "disk full" in export.error
