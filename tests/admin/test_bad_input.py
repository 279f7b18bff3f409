"""Odd input never becomes a 500: control characters, huge ids, impossible dates."""

import pytest

from marketplace.models import ProducerGroup
from marketplace.models.accounts import User

from ..accounts.helpers import post_form
from .test_groups import HOM_PHAENDIN

NUL = "\x00"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/users/99999999999999999999",
        "/admin/groups/99999999999999999999",
        "/admin/groups/99999999999999999999/edit",
    ],
)
def test_huge_ids_are_404(client, admin, path):
    assert client.get(path).status_code == 404


def test_huge_ids_in_posts_are_404_or_refused(client, admin, make, db):
    group = make.group()
    db.session.commit()
    big = "99999999999999999999"
    assert (
        post_form(client, f"/admin/users/{big}/admin", {"value": "1"}, page="/admin/").status_code
        == 404
    )
    response = post_form(
        client, f"/admin/groups/{group.id}/members/{big}/delete", {}, page="/admin/"
    )
    assert response.status_code == 303


@pytest.mark.parametrize(
    "query",
    [
        "/admin/audit?date_from=0001-01-01&date_to=9999-12-31",
        "/admin/audit?date_from=2025-13-45",
        "/admin/users?page=-5",
    ],
)
def test_odd_queries_answer_normally(client, admin, query):
    assert client.get(query).status_code == 200


@pytest.mark.parametrize(
    "query",
    ["/admin/users?q=a%00b", "/admin/groups?q=a%00b", "/admin/audit?actor=a%00b%40example.com"],
)
def test_nul_in_a_query_is_refused_with_a_message(client, admin, query):
    response = client.get(query)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_control_characters_in_forms_are_dropped_or_refused(client, admin, db):
    # A NUL is refused for the whole form, before any view (marketplace/request_guard.py).
    response = post_form(
        client, "/admin/groups/new", {**HOM_PHAENDIN, "name_th": f"หอม{NUL}แผ่นดิน", "village": NUL}
    )
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    assert db.session.query(ProducerGroup).count() == 0
    # Other control characters are dropped by the form's own cleaning.
    response = post_form(client, "/admin/groups/new", {**HOM_PHAENDIN, "name_th": "หอม\x01แผ่นดิน"})
    assert response.status_code == 303
    group = db.session.query(ProducerGroup).one()
    assert group.name_th == "หอมแผ่นดิน"
    response = post_form(
        client,
        f"/admin/groups/{group.id}/invite",
        {"email": f"a{NUL}@example.com", "role": "leader"},
        page=f"/admin/groups/{group.id}",
    )
    assert response.status_code == 400
    assert db.session.query(User).count() == 1


def test_control_characters_at_sign_in_and_sign_up(client, auth, db):
    client.get("/account/sign-out")
    auth.logout()
    assert auth.login(f"x{NUL}@example.com", "whatever it is, long").status_code == 400
    assert auth.login("x\x01@example.com", "whatever it is, long").status_code == 200
    response = post_form(
        client,
        "/account/sign-up",
        {
            "name": "Mal\x07ee",
            "email": "malee@example.com",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 303
    assert db.session.query(User).filter_by(email="malee@example.com").one().name == "Malee"
