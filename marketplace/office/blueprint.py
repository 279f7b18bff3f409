"""The back-office blueprint where group leaders and staff run their group's shop.

Every group page lives under /office/<group slug>/…; `before_request` lets in
only signed-in members of some group (admins too), then checks the member
belongs to *this* group, so no slug or id in a URL reaches another group.
Object-level checks (this product belongs to this group) stay in the domain.
"""

from flask import Blueprint, abort, current_app, g
from flask_login import current_user
from sqlalchemy import select

from ..accounts import access
from ..accounts.audit import audit_personal_data_view
from ..extensions import db
from ..models import ProducerGroup
from ..models.accounts import MembershipRole

blueprint = Blueprint("office", __name__, url_prefix="/office")


@blueprint.url_value_preprocessor
def _pull_group_slug(endpoint, values):
    g.office_group_slug = (values or {}).pop("group_slug", None)
    g.office_group = None


@blueprint.before_request
def require_member():
    """Members of at least one group get in; a group's pages need membership of that group."""
    access.require_any_group_member()
    slug = g.get("office_group_slug")
    if slug is None:
        return
    group = db.session.execute(
        select(ProducerGroup).where(ProducerGroup.slug == slug)
    ).scalar_one_or_none()
    if group is None:
        abort(404)
    access.require_group_member(group)
    g.office_group = group


@blueprint.url_defaults
def _add_group_slug(endpoint, values):
    """url_for inside a group's pages keeps the group without repeating it."""
    group = g.get("office_group")
    if (
        group is not None
        and "group_slug" not in values
        and current_app.url_map.is_endpoint_expecting(endpoint, "group_slug")
    ):
        values["group_slug"] = group.slug


def current_group():
    """The group whose pages this request is for (already access-checked)."""
    group = g.get("office_group")
    if group is None:
        abort(404)
    return group


def is_leader():
    """True when the signed-in user leads the current group (admins count as leaders)."""
    return access.can_manage_group(current_user, current_group(), roles=("leader",))


def sees_household_names():
    """Only the group's own leaders see household names here: not staff, not admins."""
    found = access.membership(current_user, current_group())
    return found is not None and found.role == MembershipRole.LEADER


def show_household_names(households, reason):
    """Whether this page may name `households`; each one named is written to the audit log."""
    if not sees_household_names():
        return False
    for household in households:
        if household.erased_at is None and household.personal is not None:
            audit_personal_data_view(household, reason=reason)
    return True


def require_leader():
    """Refuse staff where only the leader may act (403)."""
    access.require_group_member(current_group(), roles=("leader",))
