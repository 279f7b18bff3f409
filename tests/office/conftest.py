"""Two groups with their leaders and staff, a buyer, an officer and an admin, pages in English."""

from types import SimpleNamespace

import pytest

from .. import factories
from ..accounts.helpers import token_of


@pytest.fixture(autouse=True)
def english(client):
    """Anonymous pages in English (the language cookie)."""
    client.set_cookie("lang", "en")
    return client


@pytest.fixture
def office(db, auth, client):
    """Groups A and B, their people, and `office.login(who)` / `office.post(path, data)`."""
    group_a = factories.make_group(slug="hom-phaendin")
    group_b = factories.make_group(slug="karen-chili", province_code="58", district_code="5801")

    def user(email, **kwargs):
        return factories.make_user(email, locale="en", **kwargs)

    people = {
        "leader": user("leader@example.com", memberships=[(group_a, "leader")]),
        "staff": user("staff@example.com", memberships=[(group_a, "staff")]),
        "other_leader": user("leader-b@example.com", memberships=[(group_b, "leader")]),
        "buyer": user("buyer@example.com"),
        "officer": user("officer@example.com", officer_areas=["57"]),
        "far_officer": user("far-officer@example.com", officer_areas=["50"]),
        "admin": user("admin@example.com", admin=True),
    }
    db.session.commit()

    def login(who):
        if who == "anonymous":
            return None
        response = auth.login(people[who].email)
        assert response.status_code == 303, who
        return people[who]

    def post(path, data=None, page="/", **kwargs):
        token = token_of(client, page)
        return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)

    def url(path, group=group_a):
        return f"/office/{group.slug}{path}"

    return SimpleNamespace(
        a=group_a, b=group_b, people=people, login=login, post=post, url=url, client=client
    )
