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
from sqlalchemy import func, select

from marketplace.extensions import db as _db
from marketplace.impact import export_jobs
from marketplace.models import AreaExport, AuditLog, ExportStatus, Household, User

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


def test_the_file_is_streamed_into_the_store_not_read_whole(app, client, auth, world, monkeypatch):
    from marketplace.storage import LocalStorage

    def whole(*args, **kwargs):
        raise AssertionError("the export's file went to the store in one piece")

    monkeypatch.setattr(LocalStorage, "put", whole)
    monkeypatch.setattr(type(export_jobs.Path()), "read_bytes", whole)
    auth.login("officer@example.com")
    export, data = _through_job(client, app, "/reports/area/57/export.xlsx" + QUERY)
    assert export.size_bytes == len(data) > 0


def test_old_files_expire_and_the_page_offers_to_make_them_again(app, client, auth, world):
    from datetime import UTC, datetime, timedelta

    from marketplace import jobs
    from marketplace.storage import storage

    assert jobs.PERIODIC["expire_exports"] > 0 and "expire_exports" in jobs.TASKS
    auth.login("officer@example.com")
    export, _data = _through_job(client, app, "/reports/area/57/export.csv" + QUERY)
    key = export.storage_key
    assert storage().exists(key)
    ready = client.get(f"/reports/exports/{export.token}").get_data(as_text=True)
    assert "The file is kept for 7 days after it is written." in ready
    # Within the days it is kept: nothing happens.
    assert export_jobs.expire_exports(now=datetime.now(UTC) + timedelta(days=6)) == 0
    assert jobs.run_task("expire_exports") == 0
    app.config["EXPORT_KEEP_DAYS"] = 2
    try:
        assert export_jobs.expire_exports(now=datetime.now(UTC) + timedelta(days=3)) == 1
        _db.session.expire_all()
        export = _db.session.get(AreaExport, export.id)
        assert (export.status, export.storage_key) == (ExportStatus.EXPIRED, None)
        assert not storage().exists(key)
        page = client.get(f"/reports/exports/{export.token}").get_data(as_text=True)
        assert "This file has expired." in page
        assert "Export files are removed 2 days after they are written." in page
        assert 'http-equiv="refresh"' not in page
        assert f"/reports/exports/{export.token}/download" not in page
        assert "/reports/area/57/export.csv?from=2025-12-01&amp;to=2026-11-30" in page
        # An old download link leads to the page that says so.
        download = client.get(f"/reports/exports/{export.token}/download")
        assert download.status_code == 303
        assert download.headers["Location"].endswith(f"/reports/exports/{export.token}")
        # Making it again is a new export, not the expired one.
        app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = 1
        again = client.get("/reports/area/57/export.csv" + QUERY)
        assert again.status_code == 303
        assert not again.headers["Location"].endswith(export.token)
    finally:
        app.config["EXPORT_KEEP_DAYS"] = 7
        app.config["EXPORT_JOB_MIN_HOUSEHOLDS"] = export_jobs.DEFAULT_MIN_HOUSEHOLDS


def test_the_expired_page_in_thai(client, auth, world):
    _export(ExportStatus.EXPIRED)
    auth.login("officer@example.com")
    user = _db.session.scalar(select(User).where(User.email == "officer@example.com"))
    user.locale = "th"
    _db.session.commit()
    page = client.get("/reports/exports/t-expired").get_data(as_text=True)
    assert "ไฟล์นี้หมดอายุแล้ว" in page
    assert "/reports/area/57/export.xlsx" in page


def test_every_province_in_one_workbook_through_a_job(app, client, auth, world):
    auth.login("officer@example.com")
    assert client.get("/reports/exports/all.xlsx" + QUERY).status_code == 404
    assert "/reports/exports/all.xlsx" not in client.get("/reports/").get_data(as_text=True)
    auth.logout()
    auth.login("admin@example.com")
    assert "/reports/exports/all.xlsx" in client.get("/reports/").get_data(as_text=True)
    response = client.get("/reports/exports/all.xlsx" + QUERY)
    assert response.status_code == 303
    token = response.headers["Location"].rsplit("/", 1)[1]
    response.close()
    _db.session.expire_all()
    export = _db.session.scalar(select(AreaExport).where(AreaExport.token == token))
    assert export.status == ExportStatus.READY, export.error
    assert export.all_areas and export.filename.startswith("uplift-all_")
    page = client.get(f"/reports/exports/{token}").get_data(as_text=True)
    assert "Export: All provinces" in page
    with client.get(f"/reports/exports/{token}/download") as download:
        sheets = _sheets(download.get_data())
    codes = {row[0] for row in sheets["Households"][1:]}
    households = _db.session.scalar(select(func.count()).select_from(Household))
    assert len(sheets["Households"]) - 1 == households == export.rows_total
    # Both provinces' households, and each province's totals on the summary.
    summary = {row[0]: row for row in sheets["Summary"] if row and row[0] in ("57", "58")}
    assert set(summary) == {"57", "58"}
    assert len(codes) == households
    auth.logout()
    auth.login("officer@example.com")
    assert client.get(f"/reports/exports/{token}").status_code == 404


def test_a_download_with_the_store_down_says_so_and_is_not_audited(
    client, auth, world, s3_bucket, store_down
):
    """In a bucket, the download is a signed link: asked for only once the file is there."""
    auth.login("officer@example.com")
    ready = _export(ExportStatus.READY, storage_key="exports/t-ready/uplift-57.xlsx")
    audited = _db.session.scalar(select(func.count()).select_from(AuditLog))
    missing = client.get(f"/reports/exports/{ready.token}/download")
    assert missing.status_code == 404  # the file is not in the bucket: no dead link
    store_down()
    response = client.get(f"/reports/exports/{ready.token}/download")
    assert response.status_code == 503
    assert "Files cannot be reached right now" in response.get_data(as_text=True)
    assert _db.session.scalar(select(func.count()).select_from(AuditLog)) == audited
