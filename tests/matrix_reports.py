"""Role × route matrix rows of the income-uplift reports (see tests/matrix_rows.py).

Officers and admins open reports; nobody else does. Officers see only their
areas: the officer of province 50 gets 404 for group A's area (57), group and
household, and for the exports. Admins see every area, group and household.
An export written by a job is its asker's (another officer of province 57
here): every other officer gets 404 for its page and its file, admins get both.
"""

from datetime import date

from .matrix_rows import ROLES, SIGN_IN, YES

# Columns, as ROLES: anonymous, buyer, staff_a, leader_a, leader_b, officer_other,
# officer_here, admin.
REPORTS_ANY = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, YES, YES, YES), strict=True))
REPORTS_AREA = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, 404, YES, YES), strict=True))
# The workbook of every province: admins only (asking for it answers with its progress page).
ALL_AREAS_EXPORT = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, 404, 404, 303), strict=True))
# Someone else's export: the asker and admins only.
OTHERS_EXPORT = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, 404, 404, YES), strict=True))

EXPECT = {
    ("reports.index", "GET"): ("/reports/", REPORTS_ANY),
    ("reports.area", "GET"): ("/reports/area/{province}/", REPORTS_AREA),
    ("reports.area_export", "GET"): ("/reports/area/{province}/export.xlsx", REPORTS_AREA),
    ("reports.group", "GET"): ("/reports/groups/{group}", REPORTS_AREA),
    ("reports.household", "GET"): ("/reports/households/{household}", REPORTS_AREA),
    ("reports.all_areas_export", "GET"): ("/reports/exports/all.xlsx", ALL_AREAS_EXPORT),
    ("reports.export_status", "GET"): ("/reports/exports/{export_token}", OTHERS_EXPORT),
    ("reports.export_download", "GET"): (
        "/reports/exports/{export_token}/download",
        OTHERS_EXPORT,
    ),
}

OBJECT_IDS = ["province", "export_token"]


def add_to_world(group, ids):
    """The group's province, for the area report's URL, and a finished export of it that
    another officer of the province asked for (its file in the store)."""
    from marketplace.extensions import db
    from marketplace.models import AreaExport, ExportStatus
    from marketplace.storage import storage

    from . import factories

    ids["province"] = group.province_code
    asker = factories.make_user(f"exports-{group.slug}@example.com", officer_areas=["57"])
    key = f"exports/token-{group.slug}/uplift.csv"
    storage().put(key, b"household_code\n")
    export = AreaExport(
        token=f"token-{group.slug}",
        user_id=asker.id,
        province_code=group.province_code,
        date_from=date(2025, 12, 1),
        date_to=date(2026, 11, 30),
        fmt="csv",
        status=ExportStatus.READY,
        filename="uplift.csv",
        storage_key=key,
    )
    db.session.add(export)
    db.session.flush()
    ids["export_token"] = export.token
