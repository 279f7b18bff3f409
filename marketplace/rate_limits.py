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

Even answered "none", Flask-Limiter still walked its meta limits and built its
request context before the view and looked for deductions and headers after
it. `init_app` wraps those two hooks so that on such a route they do nothing:
the same outcome (no limit, no header), without the walk.
"""

from functools import partial, wraps

from flask import current_app, g, request
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


_SKIPPED = "_rate_limits_skipped"


def _unless_free(check):
    @wraps(check)
    def before_request():
        if no_limit_applies():
            setattr(g, _SKIPPED, True)
            return None
        return check()

    return before_request


def _unless_skipped(inject):
    @wraps(inject)
    def after_request(response):
        if g.get(_SKIPPED):
            return response
        return inject(response)

    return after_request


def init_app(app):
    """Skip Flask-Limiter's before- and after-request hooks on routes no limit can reach."""
    before = app.before_request_funcs.get(None, [])
    for index, function in enumerate(before):
        if function == limiter._check_request_limit:
            before[index] = _unless_free(function)
    after = app.after_request_funcs.get(None, [])
    for index, function in enumerate(after):
        if isinstance(function, partial) and function.args == (limiter,):
            after[index] = _unless_skipped(function)
