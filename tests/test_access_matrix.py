"""Back-office routes refuse whoever has no business there, whatever the URL holds.

Rows that need no objects: anonymous visitors are sent to sign in, buyers get
403, on every route of the admin, office and officer blueprints. The group,
officer and admin rows with real objects live beside each area's tests.
"""

import pytest

from .test_csrf import _sample_value

BACK_OFFICE = ("admin", "office", "officer")


def back_office_routes(app):
    """(endpoint, method, path) for every back-office rule, with sample URL values."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in BACK_OFFICE:
            continue
        values = {name: _sample_value(rule._converters[name]) for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            routes.append((rule.endpoint, method, path))
    return routes


def _send(client, method, path):
    if method == "GET":
        return client.get(path)
    # A real token, so the answer comes from the access rules and not from CSRF.
    from .conftest import csrf_token

    return client.post(path, data={"csrf_token": csrf_token(client, "/account/reset")})


def test_every_blueprint_is_covered(app):
    blueprints = {endpoint.split(".")[0] for endpoint, _, _ in back_office_routes(app)}
    assert set(BACK_OFFICE) <= blueprints


def test_anonymous_visitors_are_sent_to_sign_in(app, client):
    for endpoint, method, path in back_office_routes(app):
        response = _send(client, method, path)
        assert response.status_code in (302, 303), (endpoint, method, path, response.status_code)
        assert "/account/sign-in" in response.headers["Location"], (endpoint, path)


@pytest.mark.parametrize("officer", [False, True], ids=["buyer", "officer-without-group"])
def test_buyers_are_refused(app, client, make_user, auth, officer):
    make_user(email="buyer@example.org", officer_areas=["57"] if officer else ())
    auth.login("buyer@example.org")
    for endpoint, method, path in back_office_routes(app):
        if officer and endpoint.startswith("officer."):
            continue
        response = _send(client, method, path)
        assert response.status_code == 403, (endpoint, method, path, response.status_code)
