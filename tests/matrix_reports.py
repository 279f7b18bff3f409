"""Role × route matrix rows of the income-uplift reports (see tests/matrix_rows.py).

Officers and admins open reports; nobody else does. Officers see only their
areas: the officer of province 50 gets 404 for group A's area (57), group and
household, and for the exports. Admins see every area, group and household.
"""

from .matrix_rows import ROLES, SIGN_IN, YES

# Columns, as ROLES: anonymous, buyer, staff_a, leader_a, leader_b, officer_other,
# officer_here, admin.
REPORTS_ANY = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, YES, YES, YES), strict=True))
REPORTS_AREA = dict(zip(ROLES, (SIGN_IN, 403, 403, 403, 403, 404, YES, YES), strict=True))

EXPECT = {
    ("reports.index", "GET"): ("/reports/", REPORTS_ANY),
    ("reports.area", "GET"): ("/reports/area/{province}/", REPORTS_AREA),
    ("reports.area_export", "GET"): ("/reports/area/{province}/export.xlsx", REPORTS_AREA),
    ("reports.group", "GET"): ("/reports/groups/{group}", REPORTS_AREA),
    ("reports.household", "GET"): ("/reports/households/{household}", REPORTS_AREA),
}

OBJECT_IDS = ["province"]


def add_to_world(group, ids):
    """The group's province, for the area report's URL."""
    ids["province"] = group.province_code
