"""The access rules in marketplace/accounts/access.py, one role at a time."""

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts import access
from marketplace.accounts.access import NotAllowed, NotSignedIn
from marketplace.models import Household
from marketplace.models.accounts import GroupMembership

ANONYMOUS = AnonymousUserMixin()


def test_require_admin(make_user):
    admin = make_user(admin=True)
    buyer = make_user()
    assert access.require_admin(admin) is admin
    with pytest.raises(NotSignedIn):
        access.require_admin(ANONYMOUS)
    with pytest.raises(NotAllowed) as refused:
        access.require_admin(buyer)
    assert not isinstance(refused.value, NotSignedIn)


def test_an_inactive_admin_is_nobody(make_user):
    with pytest.raises(NotSignedIn):
        access.require_admin(make_user(admin=True, active=False))


def test_officer_covers_whole_provinces_and_single_districts(make_user):
    officer = make_user(officer_areas=["57", ("58", "5801")])
    assert access.officer_covers(officer, "57", "5705")
    assert access.officer_covers(officer, "57")
    assert access.officer_covers(officer, "58", "5801")
    assert not access.officer_covers(officer, "58", "5802")
    assert not access.officer_covers(officer, "58")
    assert not access.officer_covers(officer, "50", "5001")
    assert not access.officer_covers(officer, "", "")


def test_officer_rules_need_the_flag_and_an_area(make_user):
    flag_only = make_user()
    flag_only.is_officer = True
    revoked = make_user(officer_areas=["57"])
    revoked.is_officer = False
    admin = make_user(admin=True)
    for user in (flag_only, revoked, admin, ANONYMOUS):
        assert not access.officer_covers(user, "57", "5705")
    with pytest.raises(NotAllowed):
        access.require_officer(flag_only)
    with pytest.raises(NotAllowed):
        access.require_officer(admin)  # admins are not officers by default
    officer = make_user(officer_areas=["57"])
    assert access.require_officer(officer) is officer
    assert access.require_officer_covers("57", "5705", user=officer) is officer
    with pytest.raises(NotAllowed):
        access.require_officer_covers("50", user=officer)


def test_officer_area_filter_scopes_queries(make_user, make, db):
    inside = make.household(province_code="57", district_code="5705")
    district = make.household(province_code="58", district_code="5801")
    make.household(province_code="58", district_code="5802")
    make.household(province_code="50", district_code="5001")
    officer = make_user(officer_areas=["57", ("58", "5801")])
    found = db.session.scalars(
        select(Household).where(access.officer_area_filter(officer, Household))
    ).all()
    assert {h.id for h in found} == {inside.id, district.id}
    buyer = make_user()
    assert (
        db.session.scalars(
            select(Household).where(access.officer_area_filter(buyer, Household))
        ).all()
        == []
    )


def test_group_roles(make_user, make):
    group, other_group = make.group(), make.group()
    leader = make_user(memberships=[(group, "leader")])
    staff = make_user(memberships=[(group, "staff")])
    outsider = make_user(memberships=[(other_group, "leader")])
    admin = make_user(admin=True)
    assert access.can_manage_group(leader, group)
    assert access.can_manage_group(staff, group)
    assert access.can_manage_group(admin, group)
    assert not access.can_manage_group(outsider, group)
    assert not access.can_manage_group(ANONYMOUS, group)
    assert not access.can_manage_group(staff, group, roles=("leader",))
    assert access.require_group_member(group, roles=("leader",), user=leader) is leader
    with pytest.raises(NotAllowed):
        access.require_group_member(group, roles=("leader",), user=staff)
    with pytest.raises(NotSignedIn):
        access.require_group_member(group, user=ANONYMOUS)
    assert access.membership(staff, group).role == "staff"
    assert access.managed_group_ids(outsider) == [other_group.id]
    assert access.require_any_group_member(staff) is staff
    with pytest.raises(NotAllowed):
        access.require_any_group_member(make_user())


def test_an_inactive_member_can_do_nothing(make_user, make):
    group = make.group()
    leader = make_user(memberships=[(group, "leader")], active=False)
    assert not access.can_manage_group(leader, group)


def test_one_membership_per_user_and_group(make_user, make, db):
    group = make.group()
    user = make_user(memberships=[(group, "leader")])
    db.session.add(GroupMembership(user=user, group=group, role="staff"))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_membership_role_is_checked_by_the_database(make_user, make, db):
    group = make.group()
    user = make_user()
    db.session.add(GroupMembership(user=user, group=group, role="owner"))
    with pytest.raises(IntegrityError):
        db.session.flush()
