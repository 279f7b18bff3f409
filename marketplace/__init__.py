"""The marketplace application factory: reads like a table of contents."""

import logging
import os
from pathlib import Path

from flask import Flask, render_template, request

from . import (
    database,  # noqa: F401  (registers connection settings)
    request_guard,
)
from .config import Config, check_production_settings
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .session_cookie import SessionCookie
from .storage import StorageError


def create_app(config=None):
    """Build the app; `config` is a Config class (default: Config from the environment)."""
    instance_path = os.environ.get("MARKETPLACE_INSTANCE") or None
    app = Flask(
        __name__,
        instance_path=instance_path,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    config_class = config or Config
    app.config.from_object(config_class(app.instance_path))
    check_production_settings(app)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    request_guard.init_app(app)  # NUL-free URL converters: before any blueprint adds a route
    register_blueprints(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    return app


def register_extensions(app):
    """Bind the unbound extensions to this app."""
    # `jobs` hooks its after-commit listener onto every Session now: imported first inside
    # a commit (the outbox queues mail there), adding a listener to the list SQLAlchemy
    # is walking failed that commit with "deque mutated during iteration".
    from . import accounts, jobs, models, rate_limits, storage  # noqa: F401  (they register on import)
    from .catalog import cache as page_cache
    from .catalog import listing  # noqa: F401  (keeps the storefront's listing up at each write)
    from .i18n import select_locale
    from .mail import outbox
    from .marketing import visits

    app.session_interface = SessionCookie()  # Flask's signed cookie, serializer built once
    db.init_app(app)
    storage.init_app(app)  # uploads: the instance folder, or an S3 bucket
    migrate.init_app(
        app,
        db,
        directory=str(Path(app.root_path).parent / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    csrf.init_app(app)
    page_cache.init_app(app)
    visits.init_app(app)  # page views counted per day and source, nobody tracked
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    login_manager.init_app(app)
    limiter.init_app(app)
    rate_limits.init_app(app)  # its hooks do nothing on routes no limit can reach
    accounts.init_app(app)  # sign-in page, refusals (403 / redirect to sign in)
    outbox.init_app(app)  # mail is a row of its transaction, sent only after it commits


def register_blueprints(app):
    """The storefront, search, media, share cards, accounts, admin, office, officers, feeds."""
    from .accounts.views import blueprint as accounts_views
    from .admin.views import blueprint as admin
    from .marketing.feed_views import blueprint as feeds
    from .marketing.views import blueprint as marketing
    from .media import blueprint as media
    from .office import blueprint as office
    from .officer.views import blueprint as officer
    from .orders.views import blueprint as payments
    from .reports import blueprint as reports
    from .shop.search import blueprint as search
    from .shop.views import blueprint as shop

    app.register_blueprint(shop)
    app.register_blueprint(search)
    app.register_blueprint(media)
    app.register_blueprint(marketing)  # share-card images
    app.register_blueprint(accounts_views)
    app.register_blueprint(admin)
    app.register_blueprint(office)
    app.register_blueprint(officer)
    app.register_blueprint(reports)
    app.register_blueprint(payments)  # Stripe's webhook
    app.register_blueprint(feeds)  # product feeds, sitemap.xml, robots.txt


def register_template_helpers(app):
    """Formatting filters and helpers every template may use."""
    from . import areas, i18n
    from .accounts import audit_text
    from .catalog import images
    from .impact.reports import suppression
    from .marketing.cards import public_url

    app.add_template_filter(i18n.format_baht, "baht")
    app.add_template_filter(i18n.format_date, "date")
    app.add_template_filter(i18n.format_month, "month")
    app.add_template_filter(i18n.format_datetime, "datetime")
    app.add_template_filter(i18n.unit_label, "unit")
    app.add_template_global(i18n.localized, "localized")
    app.add_template_global(i18n.current_language, "current_language")
    app.add_template_global(areas.place_parts, "place_parts")
    app.add_template_global(areas.postal_lines, "postal_lines")
    app.add_template_global(images.image_srcset, "image_srcset")
    app.add_template_global(images.image_url, "image_url")
    app.add_template_global(public_url, "public_url")
    app.add_template_global(audit_text.describe_entries, "describe_audit")
    # Public pages count households only from SUPPRESS_BELOW up, like reports and cards.
    app.add_template_global(suppression.is_small, "small_count")
    app.add_template_global(suppression.SUPPRESS_BELOW, "suppress_below")


def register_errorhandlers(app):
    """Error pages in the user's language."""

    def render_error(error):
        code = getattr(error, "code", 500) or 500
        if code >= 500:
            # The page itself reads the database (the signed-in user, for the
            # language); a transaction aborted by the error would fail it too.
            db.session.rollback()
        template = f"errors/{code}.html"
        if code not in (400, 403, 404, 405, 413, 429, 500):
            template = "errors/generic.html"
        return render_template(template, error=error, code=code), code

    for code in (400, 403, 404, 405, 413, 429, 500):
        app.register_error_handler(code, render_error)

    def render_storage_error(error):
        # The bucket did not answer (or refused): not the person's fault, nothing changed
        # (the transaction rolls back), and worth another try in a few minutes.
        logging.getLogger(__name__).warning("object storage unavailable: %s", error)
        db.session.rollback()
        response = app.make_response((render_template("errors/503.html", code=503), 503))
        response.headers["Retry-After"] = "120"
        response.headers["Cache-Control"] = "no-store"
        return response

    app.register_error_handler(StorageError, render_storage_error)


def register_security_headers(app):
    """Headers that every response carries: no sniffing, no framing, assets from us only."""

    @app.after_request
    def add_headers(response):
        from .orders.payments import checkout_origins
        from .storage import public_file_origins

        # The pay button's POST is answered with a redirect to Stripe's hosted page, and
        # Chromium applies form-action to that redirect too: Stripe's origin must be listed.
        form_action = " ".join(["'self'", *checkout_origins()])
        img_src = " ".join(["'self'", "data:", *public_file_origins()])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            f"default-src 'self'; img-src {img_src}; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; base-uri 'self'; form-action " + form_action,
        )
        if request.is_secure:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response


def register_commands(app):
    """`flask --app marketplace …` commands."""
    from .cli import register

    register(app)
