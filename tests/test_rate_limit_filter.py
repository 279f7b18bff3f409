"""Flask-Limiter skips routes no limit can reach; every route with a limit is still counted."""

import pytest
from flask import g

from marketplace import rate_limits
from marketplace.extensions import limiter

LIMITED = {
    "accounts.sign_in",
    "accounts.sign_up",
    "accounts.reset_request",
    "office.household_link",
    "shop.cart_code",
    "shop.code_link",
}


def _free(app, endpoint):
    blueprint = endpoint.rpartition(".")[0] or None
    return not rate_limits._limits_apply(app, endpoint, blueprint)


def test_every_route_with_its_own_limit_is_checked_and_pages_are_not(app):
    with app.app_context():
        limited = {
            rule.endpoint for rule in app.url_map.iter_rules() if not _free(app, rule.endpoint)
        }
    assert limited == LIMITED
    assert rate_limits.no_limit_applies in limiter._request_filters


@pytest.mark.parametrize("setting", rate_limits.APP_WIDE + ("RATELIMIT_IN_MEMORY_FALLBACK",))
def test_a_limit_for_the_whole_app_reaches_every_page(app, monkeypatch, setting):
    monkeypatch.setitem(app.config, setting, "100 per minute")
    monkeypatch.setitem(app.extensions, rate_limits.EXTENSION, {})
    with app.test_request_context("/products"):
        assert not rate_limits.no_limit_applies()
    with app.app_context():
        assert not _free(app, "shop.product")


def test_pages_without_limits_are_skipped(app, monkeypatch):
    monkeypatch.setitem(app.extensions, rate_limits.EXTENSION, {})
    with app.test_request_context("/products"):
        assert rate_limits.no_limit_applies()
    with app.test_request_context("/account/sign-in", method="POST"):
        assert not rate_limits.no_limit_applies()


def test_sign_in_is_still_limited_after_pages_were_skipped(client, auth, make_user, db, app):
    make_user("buyer@example.com")
    db.session.commit()
    for _ in range(3):
        assert client.get("/products").status_code == 200
    allowed = int(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"].split()[0])
    for _ in range(allowed):
        assert auth.login("buyer@example.com", "definitely wrong").status_code == 200
    assert auth.login("buyer@example.com", "definitely wrong").status_code == 429


def test_the_limiter_hooks_are_skipped_only_on_free_routes(app, monkeypatch):
    monkeypatch.setitem(app.extensions, rate_limits.EXTENSION, {})
    with app.test_request_context("/products"):
        assert app.preprocess_request() is None
        assert g.get(rate_limits._SKIPPED)
    with app.test_request_context("/account/sign-in"):  # a limited route: checked as before
        g.pop(
            rate_limits._SKIPPED, None
        )  # g outlives the request when the test holds an app context
        app.preprocess_request()
        assert not g.get(rate_limits._SKIPPED)
