"""Producer groups as the admin sets them up: create, edit, and invite their members.

(Products, lots and the rest of a group's back office come with the group
back office; they use `accounts.access` for the same rules.)
"""

import re

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .. import areas
from ..extensions import db
from ..models.accounts import GroupMembership, MembershipRole, User
from ..models.catalog import GroupKind, ProducerGroup
from .audit import AuditAction, audit
from .errors import AccountError
from .service import clean_text, is_valid_email, normalize_email, send_invitation

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The fields an admin sets on a group; everything else is the group's own business.
GROUP_FIELDS = (
    "name_th",
    "name_en",
    "slug",
    "kind",
    "registration_no",
    "village",
    "moo",
    "province_code",
    "district_code",
    "subdistrict_code",
    "phone",
    "email",
    "line_id",
    "is_active",
)


def check_place(province_code, district_code, subdistrict_code):
    """The postal code of a consistent province → district → subdistrict, or AccountError."""
    province = areas.province(province_code)
    if province is None:
        raise AccountError(gettext("Choose a province."), field="province_code")
    district = areas.district(district_code)
    if district is None or district.province_code != province.code:
        raise AccountError(
            gettext("Choose a district of the chosen province."), field="district_code"
        )
    subdistrict = areas.subdistrict(subdistrict_code)
    if subdistrict is None or subdistrict.district_code != district.code:
        raise AccountError(
            gettext("Choose a subdistrict of the chosen district."), field="subdistrict_code"
        )
    return subdistrict.postal_codes[0] if subdistrict.postal_codes else ""


def _clean(fields):
    values = {key: fields[key] for key in GROUP_FIELDS if key in fields}
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = clean_text(value)
    if not values.get("name_th"):
        raise AccountError(gettext("Enter the group's name in Thai."), field="name_th")
    slug = values.get("slug", "").lower()
    if not SLUG.match(slug) or len(slug) > 80:
        raise AccountError(
            gettext("Use lower-case letters, digits and single hyphens, e.g. hom-phaendin."),
            field="slug",
        )
    values["slug"] = slug
    if values.get("kind") not in GroupKind.ALL:
        raise AccountError(gettext("Choose the kind of group."), field="kind")
    if values["kind"] == GroupKind.COMMUNITY_ENTERPRISE and not values.get("registration_no"):
        raise AccountError(
            gettext("A community enterprise needs its registration number."),
            field="registration_no",
        )
    moo = values.get("moo")
    if moo is not None and not 1 <= moo <= 99:
        raise AccountError(gettext("Moo is a number from 1 to 99."), field="moo")
    email = values.get("email")
    if email:
        values["email"] = normalize_email(email)
        if not is_valid_email(values["email"]):
            raise AccountError(gettext("Enter a valid email address."), field="email")
    values["postal_code"] = check_place(
        values.get("province_code"), values.get("district_code"), values.get("subdistrict_code")
    )
    return values


def _slug_taken(slug, group=None):
    query = select(ProducerGroup.id).where(ProducerGroup.slug == slug)
    if group is not None:
        query = query.where(ProducerGroup.id != group.id)
    return db.session.scalar(query) is not None


def _save(group, values):
    if _slug_taken(values["slug"], group):
        raise AccountError(gettext("Another group already uses this address."), field="slug")
    try:
        with db.session.begin_nested():
            for key, value in values.items():
                setattr(group, key, value)
            db.session.add(group)
    except IntegrityError as error:
        raise AccountError(
            gettext("Another group already uses this address."), field="slug"
        ) from error


def create_group(**fields):
    """A new producer group from the admin's form values."""
    values = _clean(fields)
    values.setdefault("is_active", True)
    group = ProducerGroup()
    _save(group, values)
    audit(AuditAction.GROUP_CREATED, group, slug=group.slug)
    return group


def update_group(group, **fields):
    """Change a group's name, kind, registration, address or contact."""
    values = _clean(fields)
    changed = sorted(k for k, v in values.items() if getattr(group, k) != v)
    # Refresh group state if the save fails half-way (nested savepoint rolled back).
    try:
        _save(group, values)
    except AccountError:
        db.session.refresh(group)
        raise
    if changed:
        audit(AuditAction.GROUP_UPDATED, group, fields=changed)
    return group


def group_members(group):
    """The memberships of a group, leaders first."""
    return db.session.scalars(
        select(GroupMembership)
        .where(GroupMembership.group_id == group.id)
        .join(GroupMembership.user)
        .order_by(GroupMembership.role, User.email)
    ).all()


def invite_member(group, email, role=MembershipRole.LEADER, name=""):
    """Add the person with this email to `group` in `role` and mail them an invitation.

    Creates the account (with no usable password) if there is none; the mail
    then carries a link to choose a password, valid for 7 days. Returns
    (membership, mail): the invitation's outbox row, sent after the commit.
    """
    email = normalize_email(email)
    if not is_valid_email(email):
        raise AccountError(gettext("Enter a valid email address."), field="email")
    if role not in MembershipRole.ALL:
        raise AccountError(gettext("Choose a role."), field="role")
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=clean_text(name, 120), password_hash="")
        db.session.add(user)
        db.session.flush()
    elif not user.active:
        raise AccountError(
            gettext("This account is deactivated; reactivate it first."), field="email"
        )
    membership = db.session.scalar(
        select(GroupMembership).where(
            GroupMembership.user_id == user.id, GroupMembership.group_id == group.id
        )
    )
    if membership is None:
        membership = GroupMembership(user=user, group=group, role=role)
        db.session.add(membership)
        db.session.flush()
        audit(AuditAction.MEMBERSHIP_ADDED, user, group_id=group.id, role=role)
    elif membership.role != role:
        audit(
            AuditAction.MEMBERSHIP_CHANGED,
            user,
            group_id=group.id,
            role=role,
            previous_role=membership.role,
        )
        membership.role = role
        db.session.flush()
    mail = send_invitation(user, group, role)
    return membership, mail


def remove_membership(group, membership_id):
    """Take a member out of a group."""
    membership = next((m for m in group_members(group) if m.id == membership_id), None)
    if membership is None or membership.group_id != group.id:
        raise AccountError(gettext("This person is not a member of this group."))
    user, role = membership.user, membership.role
    user.memberships.remove(membership)  # delete-orphan: the row goes at flush
    db.session.flush()
    audit(AuditAction.MEMBERSHIP_REMOVED, user, group_id=group.id, role=role)
