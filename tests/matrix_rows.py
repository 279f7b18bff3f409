"""The answers of the role × route matrix, shared by `test_role_matrix.py` and its parts.

A part is a module `tests/matrix_<area>.py` with:

- `EXPECT`: {(endpoint, method): (url template, row)} for its routes, rows from here;
- `OBJECT_IDS`: the names of the ids its URL templates use (e.g. "order");
- `add_to_world(group, ids)`: makes its objects for one group (A or B) and adds their
  ids to `ids`; called after the group's catalog objects exist;
- optionally `DESTRUCTIVE`: endpoints whose allowed empty POST deletes something.

`test_role_matrix.py` finds every part by its file name and merges it in.
"""

BACK_OFFICE = ("admin", "office", "officer", "reports")

ROLES = (
    "anonymous",
    "buyer",
    "staff_a",
    "leader_a",
    "leader_b",
    "officer_other",
    "officer_here",
    "admin",
)

SIGN_IN = "sign-in"  # 302 to /account/sign-in
YES = "yes"  # GET: exactly 200; POST: not a refusal (200, 303 elsewhere, or the form's 400)


def _row(*answers):
    return dict(zip(ROLES, answers, strict=True))


# Columns, as ROLES: anonymous, buyer, staff_a, leader_a, leader_b, officer_other,
# officer_here, admin.
ADMIN_ONLY = _row(SIGN_IN, 403, 403, 403, 403, 403, 403, YES)
ANY_MEMBER = _row(SIGN_IN, 403, YES, YES, YES, 403, 403, YES)
GROUP_MEMBER = _row(SIGN_IN, 403, YES, YES, 403, 403, 403, YES)
GROUP_LEADER = _row(SIGN_IN, 403, 403, YES, 403, 403, 403, YES)
# Household personal data: the group's own leader only, not staff, not admins.
OWN_LEADER = _row(SIGN_IN, 403, 403, YES, 403, 403, 403, 403)
ANY_OFFICER = _row(SIGN_IN, 403, 403, 403, 403, YES, YES, 403)
# A's claim lies in province 57: the officer of province 50 finds nothing there.
AREA_OFFICER = _row(SIGN_IN, 403, 403, 403, 403, 404, YES, 403)

OFFICE = "/office/{slug}"
