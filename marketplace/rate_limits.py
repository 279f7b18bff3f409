"""Rate limits: Flask-Limiter skips the routes no limit applies to.

Flask-Limiter works out, on every request, which limits apply: the route's
own (`@limiter.limit`), its blueprint's, the default, application and meta
limits. Most routes (every storefront page) have none at all, and on a cached
page that work was a noticeable share of the request. `no_limit_applies`, a
request filter, answers "none" for such a route, so the limiter stops there.
Any limit that could reach a route keeps it checked as before: its own or its
blueprint's, or a default, application, meta or in-memory-fallback limit
configured for the whole app. The answer is worked out once per endpoint and
app; limits are declared when the app is built, not while it serves.
"""

from flask import current_app, request
from flask_limiter.util import get_qualified_name

from .extensions import limiter

EXTENSION = "limit_free_endpoints"
APP_WIDE = ("RATELIMIT_DEFAULT", "RATELIMIT_APPLICATION", "RATELIMIT_META")


def _limits_apply(app, endpoint, blueprint):
    if any(app.config.get(name) for name in APP_WIDE):
        return True
    if app.config.get("RATELIMIT_IN_MEMORY_FALLBACK"):
        return True
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        return True
    view = app.view_functions.get(endpoint)
    if view is None or manager.decorated_limits(get_qualified_name(view)):
        return True
    if manager.has_hints(endpoint):
        return True
    return bool(blueprint and manager.blueprint_limits(app, blueprint))


@limiter.request_filter
def no_limit_applies():
    """True (nothing to count) when no rate limit at all can apply to this request's route."""
    endpoint = request.endpoint
    if not endpoint:
        return False
    app = current_app._get_current_object()
    known = app.extensions.setdefault(EXTENSION, {})
    free = known.get(endpoint)
    if free is None:
        free = not _limits_apply(app, endpoint, request.blueprint)
        known[endpoint] = free
    return free
