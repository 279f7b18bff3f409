"""Who gets into /admin: anonymous → sign in, others → 403, admins → 200; CSRF on POST."""

import re

import pytest

from marketplace.mail import queue_mail

from ..accounts.helpers import post_form

ADMIN_PAGES = [
    "/admin/",
    "/admin/users",
    "/admin/users?q=example&page=2",
    "/admin/users/{user}",
    "/admin/groups",
    "/admin/groups/new",
    "/admin/groups/{group}",
    "/admin/groups/{group}/edit",
    "/admin/audit",
    "/admin/audit?action=sign_in&actor=admin%40example.com&date_from=2025-01-01&date_to=2030-01-01",
    "/admin/outbox",
    "/admin/outbox?status=held&q=someone&page=2",
    "/admin/outbox/{mail}",
]


@pytest.fixture
def ids(make_user, make, db):
    user = make_user("someone@example.com")
    group = make.group()
    mail = queue_mail(user.email, "Hello", "A link: http://127.0.0.1:5000/account/sign-in")
    db.session.commit()
    return {"user": user.id, "group": group.id, "mail": mail.id}


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, ids, page):
    path = page.format(**ids)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in?next=/admin/")


@pytest.mark.parametrize(
    "roles",
    [
        {},
        {"officer_areas": ["57"]},
        {"memberships": "leader"},
    ],
    ids=["buyer", "officer", "leader"],
)
def test_non_admins_get_403(client, auth, make_user, make, db, ids, roles):
    if roles.get("memberships"):
        roles = {"memberships": [(make.group(), roles["memberships"])]}
    make_user("someone-else@example.com", **roles)
    db.session.commit()
    auth.login("someone-else@example.com")
    for page in ADMIN_PAGES:
        assert client.get(page.format(**ids)).status_code == 403, page


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admins_get_in(client, admin, ids, page):
    response = client.get(page.format(**ids))
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


def test_an_admin_who_is_deactivated_is_out(client, admin, db):
    admin.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_missing_objects_are_404(client, admin):
    assert client.get("/admin/users/999").status_code == 404
    assert client.get("/admin/groups/999").status_code == 404
    assert (
        post_form(client, "/admin/users/999/admin", {"value": "1"}, page="/admin/").status_code
        == 404
    )


def _admin_post_rules(app):
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.") and "POST" in rule.methods
    ]
    assert len(rules) >= 9
    return rules


def test_every_admin_post_refuses_a_missing_csrf_token(app, client, admin, make, make_user, db):
    group = make.group()
    member = make_user("member@example.com", memberships=[(group, "leader")], officer_areas=["57"])
    db.session.commit()
    values = {
        "user_id": member.id,
        "group_id": group.id,
        "area_id": member.officer_areas[0].id,
        "membership_id": member.memberships[0].id,
        "payment_id": 1,  # a transfer slip: the token is refused before any lookup
        "job_id": "a-job",
        "mail_id": 1,  # an outbox mail: the same
        "code_id": 1,  # a market discount code: the same
    }
    for rule in _admin_post_rules(app):
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
        response = client.post(path, data={"value": "0", "email": "x@example.com"})
        assert response.status_code == 400, path
    db.session.refresh(member)
    assert member.active and member.is_officer and member.memberships and member.officer_areas


def test_every_admin_post_refuses_a_wrong_csrf_token(app, client, admin, make, db):
    group = make.group()
    db.session.commit()
    response = client.post(
        f"/admin/groups/{group.id}/invite",
        data={"csrf_token": "forged", "email": "x@example.com", "role": "leader"},
    )
    assert response.status_code == 400


def test_admin_posts_refuse_anonymous_and_buyers(client, auth, make_user, make, db):
    target = make_user("target@example.com")
    make_user("buyer@example.com")
    db.session.commit()
    # Anonymous, with a valid token from a public page: sent to sign in, nothing changes.
    response = post_form(
        client, f"/admin/users/{target.id}/admin", {"value": "1"}, page="/account/reset"
    )
    assert response.status_code == 302
    auth.login("buyer@example.com")
    response = post_form(
        client, f"/admin/users/{target.id}/admin", {"value": "1"}, page="/account/reset"
    )
    assert response.status_code == 403
    db.session.refresh(target)
    assert not target.is_admin
