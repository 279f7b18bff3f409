"""Admins create and edit producer groups and invite their leaders."""

import time

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from marketplace.accounts import tokens
from marketplace.accounts.audit import AuditAction
from marketplace.accounts.passwords import verify_password
from marketplace.models import ProducerGroup
from marketplace.models.accounts import GroupMembership, User

from ..accounts.helpers import audit_rows, details, link_in, post_form, signed_in_email

NEW_PASSWORD = "my first passphrase"

HOM_PHAENDIN = {
    "name_th": "หอมแผ่นดิน",
    "name_en": "Hom Phaendin",
    "slug": "hom-phaendin",
    "kind": "community_enterprise",
    "registration_no": "5-57-05-05/1-0012",
    "village": "บ้านดอยงาม",
    "moo": "5",
    "province_code": "57",
    "district_code": "5705",
    "subdistrict_code": "570505",
    "phone": "0812345678",
    "email": "Hom@Example.com",
    "line_id": "homphaendin",
    "is_active": "y",
}


def _create(client, **changes):
    return post_form(client, "/admin/groups/new", {**HOM_PHAENDIN, **changes})


def _groups(db):
    return db.session.scalars(select(ProducerGroup)).all()


def test_create_a_group_with_its_postal_code(client, admin, db):
    response = _create(client)
    assert response.status_code == 303
    (group,) = _groups(db)
    assert response.headers["Location"] == f"/admin/groups/{group.id}"
    assert (group.name_th, group.slug, group.kind) == (
        "หอมแผ่นดิน",
        "hom-phaendin",
        "community_enterprise",
    )
    assert (group.province_code, group.district_code, group.subdistrict_code) == (
        "57",
        "5705",
        "570505",
    )
    assert group.postal_code == "57120"
    assert group.moo == 5
    assert group.email == "hom@example.com"
    row = audit_rows(AuditAction.GROUP_CREATED)[0]
    assert (row.actor_id, row.subject_id) == (admin.id, group.id)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"district_code": "5001"}, "district_code", "Choose a district of the chosen province."),
        (
            {"subdistrict_code": "570101"},
            "subdistrict_code",
            "Choose a subdistrict of the chosen district.",
        ),
        ({"province_code": "99"}, "province_code", "Choose a province."),
        ({"slug": "Hom Phaendin!"}, "slug", "Use lower-case letters, digits and single hyphens"),
        ({"registration_no": ""}, "registration_no", "needs its registration number"),
        ({"moo": "abc"}, "moo", "Moo is a number from 1 to 99."),
        ({"moo": "0"}, "moo", "Moo is a number from 1 to 99."),
        ({"kind": "company"}, "kind", "Choose the kind of group."),
        ({"name_th": ""}, "name_th", "This field is required."),
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
    ],
)
def test_bad_group_input_changes_nothing(client, admin, db, changes, field, message):
    response = _create(client, **changes)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    assert _groups(db) == []


def test_slugs_are_unique(client, admin, db, make):
    make.group(slug="hom-phaendin")
    db.session.commit()
    response = _create(client)
    assert response.status_code == 400
    assert "Another group already uses this address." in response.get_data(as_text=True)
    assert len(_groups(db)) == 1


def test_show_districts_refreshes_the_choices_without_saving(client, admin, db):
    response = post_form(client, "/admin/groups/new", {"province_code": "57", "update_areas": "y"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<option value="5705">' in html  # Phan, a district of Chiang Rai
    assert '<option value="5001">' not in html
    assert _groups(db) == []


def test_edit_a_group(client, admin, db, make):
    group = make.group(slug="old-slug", kind="occupational_group", registration_no="")
    db.session.commit()
    page = client.get(f"/admin/groups/{group.id}/edit").get_data(as_text=True)
    assert 'value="old-slug"' in page
    response = post_form(
        client,
        f"/admin/groups/{group.id}/edit",
        {**HOM_PHAENDIN, "slug": "hom-phaendin-2", "subdistrict_code": "570501"},
    )
    assert response.status_code == 303
    db.session.refresh(group)
    assert group.slug == "hom-phaendin-2"
    assert group.subdistrict_code == "570501"
    assert details(audit_rows(AuditAction.GROUP_UPDATED)[0])["fields"]


def test_a_failed_edit_changes_nothing(client, admin, db, make):
    other = make.group(slug="taken")
    group = make.group(slug="mine")
    db.session.commit()
    response = post_form(
        client, f"/admin/groups/{group.id}/edit", {**HOM_PHAENDIN, "slug": "taken"}
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert (group.slug, other.slug) == ("mine", "taken")


# -- invitations ---------------------------------------------------------------------


def _invite(client, group, email, role="leader", name=""):
    return post_form(
        client,
        f"/admin/groups/{group.id}/invite",
        {"email": email, "role": role, "name": name},
        page=f"/admin/groups/{group.id}",
    )


def test_inviting_a_new_leader_creates_the_account_and_mails_a_link(
    app, client, admin, make, db, outbox
):
    group = make.group()
    db.session.commit()
    response = _invite(client, group, " Leader@Example.com ", name="Ms Leader")
    assert response.status_code == 303
    leader = db.session.scalar(select(User).where(User.email == "leader@example.com"))
    assert leader.name == "Ms Leader"
    assert not leader.has_usable_password
    membership = db.session.scalar(
        select(GroupMembership).where(GroupMembership.user_id == leader.id)
    )
    assert (membership.group_id, membership.role) == (group.id, "leader")
    (mail,) = outbox
    assert mail.to == "leader@example.com"
    path = link_in(mail)
    assert path.startswith("/account/invitation/")
    assert [
        r.action for r in audit_rows() if r.action.startswith(("membership", "invitation"))
    ] == [
        AuditAction.MEMBERSHIP_ADDED,
        AuditAction.INVITATION_SENT,
    ]

    # The leader follows the link, in a browser of their own.
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    assert browser.get(path).status_code == 200
    response = post_form(
        browser, path, {"name": "Malee", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 303
    # She lands in her group's office, where the work is.
    assert response.headers["Location"] == f"/office/{group.slug}/"
    assert browser.get(response.headers["Location"]).status_code == 200
    assert signed_in_email(browser) == "leader@example.com"
    db.session.refresh(leader)
    assert verify_password(leader, NEW_PASSWORD)
    assert leader.name == "Malee"
    # The link works once.
    assert browser.get(path).status_code == 400
    assert audit_rows(AuditAction.INVITATION_ACCEPTED)[0].actor_id == leader.id


def test_an_invitation_refuses_a_short_password(app, client, admin, make, db, outbox):
    group = make.group()
    db.session.commit()
    _invite(client, group, "leader@example.com")
    browser = app.test_client()
    browser.set_cookie("lang", "en")
    path = link_in(outbox[0])
    response = post_form(browser, path, {"password": "short", "confirm": "short"})
    assert response.status_code == 200
    assert "Use at least 12 characters." in response.get_data(as_text=True)
    assert browser.get(path).status_code == 200


def test_an_invitation_is_valid_for_seven_days(app, make, make_user, monkeypatch, client):
    invited = make_user("invited@example.com", password=None)
    real = TimestampSigner.get_timestamp
    made = {}
    with app.test_request_context():
        for days in (6, 8):
            seconds = days * 24 * 3600
            monkeypatch.setattr(
                TimestampSigner, "get_timestamp", lambda self, s=seconds: int(time.time()) - s
            )
            made[days] = tokens.make_token(invited, tokens.INVITATION)
        monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    assert client.get(f"/account/invitation/{made[6]}").status_code == 200
    assert client.get(f"/account/invitation/{made[8]}").status_code == 400


def test_inviting_an_existing_user_adds_them_and_mails_no_password_link(
    client, admin, make, make_user, db, outbox
):
    group = make.group()
    existing = make_user("staff@example.com")
    db.session.commit()
    assert _invite(client, group, "staff@example.com", role="staff").status_code == 303
    assert [(m.group_id, m.role) for m in existing.memberships] == [(group.id, "staff")]
    assert link_in(outbox[0]) == "/account/sign-in"
    assert db.session.query(User).count() == 2


def test_inviting_again_changes_the_role(client, admin, make, make_user, db, outbox):
    group = make.group()
    member = make_user("m@example.com", memberships=[(group, "staff")])
    db.session.commit()
    _invite(client, group, "m@example.com", role="leader")
    db.session.refresh(member)
    assert [m.role for m in member.memberships] == ["leader"]
    row = audit_rows(AuditAction.MEMBERSHIP_CHANGED)[0]
    assert details(row) == {"group_id": group.id, "previous_role": "staff", "role": "leader"}


def test_a_bad_invitation_changes_nothing(client, admin, make, make_user, db, outbox):
    group = make.group()
    make_user("gone@example.com", active=False)
    db.session.commit()
    for email in ("not an email", "gone@example.com"):
        response = _invite(client, group, email)
        assert response.status_code == 400
        assert 'id="email-error"' in response.get_data(as_text=True)
    assert _invite(client, group, "x@example.com", role="owner").status_code == 400
    assert outbox == []
    assert db.session.query(GroupMembership).count() == 0


def test_remove_a_member(client, admin, make, make_user, db):
    group = make.group()
    member = make_user("m@example.com", memberships=[(group, "leader")])
    db.session.commit()
    membership_id = member.memberships[0].id
    response = post_form(
        client,
        f"/admin/groups/{group.id}/members/{membership_id}/delete",
        {},
        page=f"/admin/groups/{group.id}",
    )
    assert response.status_code == 303
    assert db.session.query(GroupMembership).count() == 0
    assert audit_rows(AuditAction.MEMBERSHIP_REMOVED)[0].subject_id == member.id


def test_removing_a_member_of_another_group_is_refused(client, admin, make, make_user, db):
    group, other = make.group(), make.group()
    member = make_user("m@example.com", memberships=[(other, "leader")])
    db.session.commit()
    post_form(
        client,
        f"/admin/groups/{group.id}/members/{member.memberships[0].id}/delete",
        {},
        page=f"/admin/groups/{group.id}",
    )
    assert db.session.query(GroupMembership).count() == 1
