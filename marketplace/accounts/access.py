"""The access rules, in one place: who is an admin, an officer, a group member.

Blueprints call a `require_*` function once in `before_request`; domain code
calls the same functions (or the `can_*` / `officer_covers` predicates) for
object-level checks, e.g. "this leader edits only their group's products",
"this officer sees only households in their area". A refusal raises
`NotAllowed` (or `NotSignedIn` for an anonymous visitor), which the app turns
into a 403 page (or a redirect to the sign-in page): see `accounts.init_app`.

Every function takes an optional `user`; without it the signed-in user is used.

Decisions:
- An admin may manage every producer group (support work), so
  `can_manage_group` is true for admins.
- An admin is *not* an officer by virtue of being an admin: household personal
  data and claim decisions need the officer flag and a covering area.
- Inactive users pass no rule (their sessions also stop loading).
"""

from flask_login import current_user
from sqlalchemy import and_, false, or_, select

from ..extensions import db
from ..models.accounts import GroupMembership, MembershipRole

MEMBER_ROLES = MembershipRole.ALL


class NotAllowed(Exception):
    """The user may not do this (HTTP 403)."""


class NotSignedIn(NotAllowed):
    """Nobody is signed in; the visitor should sign in first."""


def _user(user):
    return current_user if user is None else user


def _active(user):
    return bool(user is not None and user.is_authenticated and user.is_active)


def require_signed_in(user=None):
    """The signed-in, active user, or NotSignedIn."""
    user = _user(user)
    if not _active(user):
        raise NotSignedIn()
    return user


def is_admin(user=None):
    """True for an active admin."""
    user = _user(user)
    return _active(user) and bool(user.is_admin)


def require_admin(user=None):
    """The user if they are an admin, otherwise NotSignedIn / NotAllowed."""
    user = require_signed_in(user)
    if not user.is_admin:
        raise NotAllowed()
    return user


def is_officer(user=None):
    """True for an active officer with at least one area."""
    user = _user(user)
    return _active(user) and bool(user.is_officer) and bool(user.officer_areas)


def require_officer(user=None):
    """The user if they are an officer covering some area, otherwise NotAllowed."""
    user = require_signed_in(user)
    if not is_officer(user):
        raise NotAllowed()
    return user


def officer_covers(user, province_code, district_code=None):
    """True if `user` is an officer whose areas include this province (and district).

    An area row without a district covers the whole province; one with a
    district covers only that district.
    """
    if not is_officer(user) or not province_code:
        return False
    for area in user.officer_areas:
        if area.province_code != province_code:
            continue
        if not area.district_code or area.district_code == district_code:
            return True
    return False


def require_officer_covers(province_code, district_code=None, user=None):
    """The user if they are an officer for this area, otherwise NotAllowed."""
    user = require_officer(user)
    if not officer_covers(user, province_code, district_code):
        raise NotAllowed()
    return user


def officer_area_filter(user, place_model):
    """A SQL condition limiting `place_model` rows (anything with PlaceMixin) to the user's areas.

    Use it for lists and reports: `select(Household).where(officer_area_filter(user, Household))`.
    False (no rows) for anyone who is not an officer.
    """
    if not is_officer(user):
        return false()
    conditions = []
    for area in user.officer_areas:
        if area.district_code:
            conditions.append(
                and_(
                    place_model.province_code == area.province_code,
                    place_model.district_code == area.district_code,
                )
            )
        else:
            conditions.append(place_model.province_code == area.province_code)
    return or_(*conditions)


def membership(user, group):
    """The user's GroupMembership in `group`, or None."""
    user = _user(user)
    if not _active(user) or group is None:
        return None
    return db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group.id
        )
    )


def can_manage_group(user, group, roles=MEMBER_ROLES):
    """True if `user` is an admin, or a member of `group` with one of `roles`."""
    user = _user(user)
    if not _active(user) or group is None:
        return False
    if user.is_admin:
        return True
    found = membership(user, group)
    return found is not None and found.role in roles


def require_group_member(group, roles=MEMBER_ROLES, user=None):
    """The user if they may act for `group` in one of `roles` (admins always may)."""
    user = require_signed_in(user)
    if not can_manage_group(user, group, roles):
        raise NotAllowed()
    return user


def require_any_group_member(user=None):
    """The user if they belong to at least one group (for a back office's before_request)."""
    user = require_signed_in(user)
    if not (user.is_admin or user.memberships):
        raise NotAllowed()
    return user


def managed_group_ids(user=None, roles=MEMBER_ROLES):
    """Ids of the groups the user is a member of with one of `roles` (admins: not expanded)."""
    user = _user(user)
    if not _active(user):
        return []
    return [m.group_id for m in user.memberships if m.role in roles]
