"""An invited member who chooses a password lands where their work is: the office."""

from marketplace.accounts import tokens

from .. import factories
from .helpers import post_form

PASSWORD = "my first passphrase"


def _accept(client, user):
    path = f"/account/invitation/{tokens.make_token(user, tokens.INVITATION)}"
    return post_form(client, path, {"name": "Malee", "password": PASSWORD, "confirm": PASSWORD})


def test_a_leader_lands_on_her_group_office_home(client, db):
    group = factories.make_group(slug="hom-phaendin")
    leader = factories.make_user(
        "leader@example.com", password=None, memberships=[(group, "leader")]
    )
    db.session.commit()
    response = _accept(client, leader)
    assert response.status_code == 303
    assert response.headers["Location"] == "/office/hom-phaendin/"
    assert client.get("/office/hom-phaendin/").status_code == 200


def test_a_member_of_two_groups_lands_on_the_office_list(client, db):
    one, two = factories.make_group(slug="one-group"), factories.make_group(slug="two-group")
    staff = factories.make_user(
        "staff@example.com", password=None, memberships=[(one, "staff"), (two, "staff")]
    )
    db.session.commit()
    assert _accept(client, staff).headers["Location"] == "/office/"
