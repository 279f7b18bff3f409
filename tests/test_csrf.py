"""Every state-changing route refuses a request that carries no CSRF token."""

import pytest

from marketplace.extensions import csrf

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
# Routes that must take requests without a token, each with the reason.
EXEMPT = {
    "payments.stripe_webhook": "Stripe cannot send our token; a signature on the body stands in",
}


def _sample_value(converter):
    name = type(converter).__name__
    if name == "IntegerConverter":
        return 1
    if name == "FloatConverter":
        return 1.0
    return "x"


def state_changing_routes(app):
    """(endpoint, method, path) for every state-changing rule in the URL map."""
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & STATE_CHANGING):
            values = {name: _sample_value(rule._converters[name]) for name in rule.arguments}
            path = rule.build(values, append_unknown=False)[1]
            routes.append((rule.endpoint, method, path))
    return routes


def test_there_are_state_changing_routes_to_check(app):
    assert len(state_changing_routes(app)) >= 5


def test_no_route_is_exempt_without_a_reason(app):
    # Flask-WTF keeps exempt views as "module.name" strings.
    exempt_views = {
        view if isinstance(view, str) else f"{view.__module__}.{view.__name__}"
        for view in csrf._exempt_views
    }
    exempt_endpoints = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if f"{view.__module__}.{view.__name__}" in exempt_views
    }
    assert exempt_endpoints <= set(EXEMPT), exempt_endpoints - set(EXEMPT)
    assert not csrf._exempt_blueprints


def test_every_state_changing_route_refuses_a_missing_token(app, client):
    for endpoint, method, path in state_changing_routes(app):
        if endpoint in EXEMPT:
            continue
        response = client.open(path, method=method, data={"anything": "1"})
        assert response.status_code == 400, (endpoint, method, path, response.status_code)


@pytest.mark.parametrize("token", ["", "not-a-token", "a" * 5000])
def test_a_bad_token_is_refused_too(app, client, token):
    for endpoint, method, path in state_changing_routes(app):
        if endpoint in EXEMPT:
            continue
        response = client.open(path, method=method, data={"csrf_token": token})
        assert response.status_code == 400, (endpoint, method, path, response.status_code)
