"""Role × route matrix rows of the sales dashboard (see tests/matrix_rows.py).

The group's leader opens it; staff do not (sales figures are the leader's);
admins open any group's; everybody else is refused.
"""

from .matrix_rows import GROUP_LEADER, OFFICE

EXPECT = {
    ("office.sales_dashboard", "GET"): (OFFICE + "/sales", GROUP_LEADER),
    ("office.sales_dashboard_csv", "GET"): (OFFICE + "/sales.csv", GROUP_LEADER),
    ("office.sales_dashboard_xlsx", "GET"): (OFFICE + "/sales.xlsx", GROUP_LEADER),
}

OBJECT_IDS = []


def add_to_world(group, ids):
    """The dashboard needs nothing beyond the group."""
