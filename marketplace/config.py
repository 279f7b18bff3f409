"""Configuration read from the environment, with a TestConfig for the suite."""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _instance_secret(instance_path):
    """A secret key kept in the instance folder, so a fresh demo needs no setup.

    Several gunicorn workers read the same file, so sessions stay valid across
    workers and restarts. Production sets SECRET_KEY in the environment.
    """
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        key = secrets.token_hex(32)
        handle.write(key)
    return key


def engine_options(url):
    """Pool settings: a server database gets its connections checked before use.

    A SQLite file cannot drop a connection, so the extra round trip is skipped there.
    """
    if url.startswith("sqlite"):
        return {}
    options = {"pool_pre_ping": True}
    if url.startswith("postgresql"):
        # JIT compiling cost seconds on report queries whose row estimates run high,
        # and never paid back on this workload's short statements (bench_reports).
        options["connect_args"] = {"options": "-c jit=off"}
    return options


class Config:
    """Settings for a running marketplace; every value can come from the environment."""

    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    LANGUAGES = ("th", "en")
    CATALOG_PAGE_SIZE = 24
    PAGE_CACHE_ENABLED = True
    PAGE_CACHE_SIZE = 256
    # Addresses per sitemap file before sitemap.xml becomes an index (the protocol's limit).
    SITEMAP_MAX_URLS = 50_000
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024
    IMAGE_MAX_PIXELS = 40_000_000
    IMAGE_SIZES = (320, 800, 1600)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    TESTING = False
    # Accounts: scrypt with N=2**17, r=8, p=1 (about 128 MiB and a few hundred ms per hash).
    PASSWORD_HASH_METHOD = "scrypt:131072:8:1"  # noqa: S105  (a method, not a secret)
    PASSWORD_MIN_LENGTH = 12
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    PASSWORD_RESET_MAX_AGE = 60 * 60
    INVITATION_MAX_AGE = 7 * 24 * 60 * 60
    # Rate limits (Flask-Limiter strings); failed sign-ins count, successful ones do not.
    SIGN_IN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    SIGN_IN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    ACCOUNT_FORM_LIMIT_PER_ADDRESS = "10 per hour"  # sign-up and reset requests
    RESET_LIMIT_PER_ACCOUNT = "3 per hour"
    # Registry numbers tried on "a household of another group" that match nothing.
    HOUSEHOLD_LINK_LIMIT_PER_ACCOUNT = "10 per hour"
    # Discount codes tried at the cart (or by link) that cannot be used: guessing
    # a batch's single-use codes one by one is slowed down; codes that work do not count.
    DISCOUNT_CODE_LIMIT_PER_ADDRESS = "20 per 10 minutes"
    RATELIMIT_HEADERS_ENABLED = False

    def __init__(self, instance_path):
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret(instance_path)
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL") or (
            "sqlite:///" + str(Path(instance_path) / "marketplace.db")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or str(Path(instance_path) / "uploads")
        # Shared file storage for several hosts: an S3-compatible bucket (storage.py).
        self.S3_BUCKET = os.environ.get("S3_BUCKET", "")
        self.S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
        self.S3_REGION = os.environ.get("S3_REGION", "")
        self.S3_PUBLIC_URL = os.environ.get("S3_PUBLIC_URL", "")
        # A bucket that hangs must fail a request well inside the web server's timeout.
        self.S3_CONNECT_TIMEOUT = float(os.environ.get("S3_CONNECT_TIMEOUT") or 3)
        self.S3_READ_TIMEOUT = float(os.environ.get("S3_READ_TIMEOUT") or 10)
        self.S3_MAX_ATTEMPTS = int(os.environ.get("S3_MAX_ATTEMPTS") or 2)
        self.SEARCH_INDEX_FOLDER = os.environ.get("SEARCH_INDEX_FOLDER") or str(
            Path(instance_path) / "search-index"
        )
        # Search: "whoosh" or "postgresql"; empty chooses by DATABASE_URL (catalog/search).
        self.SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "")
        self.SEARCH_POPULAR_MAX_AGE = float(os.environ.get("SEARCH_POPULAR_MAX_AGE") or 30)
        if os.environ.get("SEARCH_BUILD_WORKERS"):
            self.SEARCH_BUILD_WORKERS = int(os.environ["SEARCH_BUILD_WORKERS"])
        if "SEARCH_WARM_UP" in os.environ:
            self.SEARCH_WARM_UP = _bool("SEARCH_WARM_UP", True)
        secure = _bool("SESSION_COOKIE_SECURE", False)
        self.SESSION_COOKIE_SECURE = secure
        self.REMEMBER_COOKIE_SECURE = secure
        # Key for the keyed hash of household registry references; SECRET_KEY when unset.
        self.HOUSEHOLD_HASH_KEY = os.environ.get("HOUSEHOLD_HASH_KEY", "")
        self.STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
        self.STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
        self.STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
        # How long an unpaid order holds its stock: Stripe's Checkout Session lives as
        # long (30 minutes is Stripe's shortest); a transfer or cash on pickup longer.
        self.ORDER_HOLD_MINUTES = int(os.environ.get("ORDER_HOLD_MINUTES") or 30)
        self.TRANSFER_HOLD_HOURS = int(os.environ.get("TRANSFER_HOLD_HOURS") or 24)
        self.PICKUP_HOLD_DAYS = int(os.environ.get("PICKUP_HOLD_DAYS") or 7)
        # The platform's own account for transfers from carts of several groups; without
        # it, a transfer is offered only when the cart is from one group (to its account).
        self.PLATFORM_PAYEE_NAME = os.environ.get("PLATFORM_PAYEE_NAME", "")
        self.PLATFORM_PROMPTPAY_ID = os.environ.get("PLATFORM_PROMPTPAY_ID", "")
        self.PLATFORM_BANK = os.environ.get("PLATFORM_BANK", "")
        self.PLATFORM_BANK_ACCOUNT_NO = os.environ.get("PLATFORM_BANK_ACCOUNT_NO", "")
        # Poverty line (NESDC 2024: 3,078 baht per person per month) and the basic-needs
        # income threshold (baht per person per year), both in satang, for the reports.
        self.POVERTY_LINE_SATANG_PER_MONTH = int(
            os.environ.get("POVERTY_LINE_SATANG_PER_MONTH") or 3_078_00
        )
        self.BASIC_NEEDS_SATANG_PER_YEAR = int(
            os.environ.get("BASIC_NEEDS_SATANG_PER_YEAR") or 38_000_00
        )
        # PostgreSQL memory for sorting and grouping in a report's transaction (SET LOCAL
        # work_mem): a province's households are grouped several ways at once, and the
        # server's default (4MB) sends those to disk. Empty: the server's setting.
        self.REPORT_WORK_MEM = os.environ.get("REPORT_WORK_MEM", "64MB")
        # Where mailed links point; the demo's address unless set.
        self.PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "no-reply@localhost")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT") or 587)
        self.MAIL_USE_TLS = _bool("MAIL_USE_TLS", True)
        self.MAIL_USE_SSL = _bool("MAIL_USE_SSL", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_FROM_NAME = os.environ.get("MAIL_FROM_NAME", "")
        # The outbox (marketplace/mail): SMTP timeout, retries with doubling waits, and how
        # long a sender's claim on a mail lasts before another may take it over.
        self.MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT") or 10)
        self.MAIL_RETRY_SECONDS = int(os.environ.get("MAIL_RETRY_SECONDS") or 60)
        self.MAIL_RETRY_MAX_SECONDS = int(os.environ.get("MAIL_RETRY_MAX_SECONDS") or 6 * 3600)
        self.MAIL_MAX_ATTEMPTS = int(os.environ.get("MAIL_MAX_ATTEMPTS") or 12)
        self.MAIL_CLAIM_TIMEOUT_SECONDS = int(os.environ.get("MAIL_CLAIM_TIMEOUT_SECONDS") or 900)
        # Send in the process once the transaction commits; off leaves it to `flask mail send`.
        self.MAIL_SEND_AFTER_COMMIT = _bool("MAIL_SEND_AFTER_COMMIT", True)
        # One process: "memory://". Several gunicorn workers or hosts must share
        # counters, e.g. "redis://host:6379" (see marketplace/extensions.py).
        # Redis for what several workers and hosts share: the job queue (jobs.py) and,
        # unless RATELIMIT_STORAGE_URI says otherwise, the rate-limit counters.
        self.REDIS_URL = os.environ.get("REDIS_URL", "")
        # The RQ queue's name: sites (or test runs) sharing one Redis each use their own.
        self.JOBS_QUEUE = os.environ.get("JOBS_QUEUE") or "marketplace"
        # Area exports with at least this many household rows are written by a job
        # (impact/export_jobs.py); smaller ones are sent within the request.
        self.EXPORT_JOB_MIN_HOUSEHOLDS = int(os.environ.get("EXPORT_JOB_MIN_HOUSEHOLDS", "2000"))
        # Days an export's file is kept after it was written (then `expire_exports`
        # removes it; the progress page offers to make it again).
        self.EXPORT_KEEP_DAYS = int(os.environ.get("EXPORT_KEEP_DAYS") or 7)
        # A worker stops an export job after this many seconds (RQ's default is 180 s;
        # every province's households take minutes to write).
        self.EXPORT_JOB_TIMEOUT = int(os.environ.get("EXPORT_JOB_TIMEOUT") or 3600)
        self.RATELIMIT_STORAGE_URI = (
            os.environ.get("RATELIMIT_STORAGE_URI") or self.REDIS_URL or "memory://"
        )
        # Shared storage unreachable (Redis down): count in this worker's memory until it
        # answers again, and log it, rather than failing the request or dropping the limit.
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        # Seconds before the dead store is tried again (doubling with each failed try)
        # and the longest wait between tries (marketplace/limiter.py).
        self.RATELIMIT_RETRY_SECONDS = float(os.environ.get("RATELIMIT_RETRY_SECONDS") or 1)
        self.RATELIMIT_RETRY_MAX_SECONDS = float(
            os.environ.get("RATELIMIT_RETRY_MAX_SECONDS") or 10
        )
        self.RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
        # Page views without tracking people (marketing/visits.py): on or off, how often each
        # worker writes its counts, and the Redis key prefix of the day's salt and seen-set.
        self.PAGE_VIEWS_ENABLED = _bool("PAGE_VIEWS_ENABLED", True)
        self.PAGE_VIEWS_FLUSH_SECONDS = float(os.environ.get("PAGE_VIEWS_FLUSH_SECONDS") or 5)
        self.PAGE_VIEWS_REDIS_PREFIX = os.environ.get("PAGE_VIEWS_REDIS_PREFIX") or "pv:"
        # The sales dashboard keeps the rows of months that have ended this long (seconds).
        self.SALES_DASHBOARD_CACHE_SECONDS = int(
            os.environ.get("SALES_DASHBOARD_CACHE_SECONDS") or 3600
        )
        # Behind a reverse proxy: how many proxies to trust for the client's address,
        # scheme and host (werkzeug's ProxyFix); 0 trusts none.
        self.PROXY_FIX_HOPS = int(os.environ.get("PROXY_FIX_HOPS") or 0)
        self.EXPLICIT_KEYS = {
            name: bool(os.environ.get(name)) for name in ("SECRET_KEY", "HOUSEHOLD_HASH_KEY")
        }


def check_production_settings(app):
    """Refuse to start a production app on PostgreSQL without explicit shared keys, or
    over HTTPS without its public https address (check_public_address).

    Each host of a PostgreSQL deployment would otherwise generate its own secret key
    (sessions valid on one host only) and hash household registry numbers with it, so the
    same household registered through two hosts would silently become two.
    """
    if app.debug or app.testing:
        return
    check_public_address(app)
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    missing = [name for name, given in app.config["EXPLICIT_KEYS"].items() if not given]
    if missing:
        raise RuntimeError(
            "Refusing to start on PostgreSQL without "
            + " and ".join(missing)
            + " in the environment: every worker and host must share them (sessions, and "
            "the keyed hash of household registry numbers). Set each to a long random "
            "value, e.g. `python3 -c 'import secrets; print(secrets.token_hex(32))'`, the "
            "same on every host."
        )


def check_public_address(app):
    """Refuse to start over HTTPS (SESSION_COOKIE_SECURE on) without an https PUBLIC_BASE_URL.

    Mailed links, share links, feeds, the sitemap and the QR codes printed on labels and
    share cards are built on PUBLIC_BASE_URL, never on the request: left at the demo's
    http://127.0.0.1:5000, every one of them would point nowhere (a printed label for good).
    """
    if not app.config["SESSION_COOKIE_SECURE"]:
        return
    base = app.config["PUBLIC_BASE_URL"]
    parts = urlsplit(base)
    if parts.scheme != "https" or not parts.hostname:
        raise RuntimeError(
            f"Refusing to start with SESSION_COOKIE_SECURE on and PUBLIC_BASE_URL={base!r}: "
            "mailed links, share links, feeds, the sitemap and printed QR codes are built on "
            "PUBLIC_BASE_URL. Set it to the site's public https:// address, e.g. "
            "PUBLIC_BASE_URL=https://market.example.org, the same on every host."
        )


class TestConfig(Config):
    """Settings for the test suite: a throwaway SQLite file unless TEST_DATABASE_URL is set."""

    __test__ = False  # not a pytest test class, despite its name
    TESTING = True
    WTF_CSRF_ENABLED = True

    def __init__(self, instance_path):
        super().__init__(instance_path)
        self.SECRET_KEY = "test-secret-key"  # noqa: S105
        self.SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL") or (
            "sqlite:///" + str(Path(instance_path) / "test.db")
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # A throwaway test database need not wait for each commit to reach disk.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {
                "options": "-c jit=off -c synchronous_commit=off"
            }
        self.UPLOAD_FOLDER = str(Path(instance_path) / "uploads")
        self.S3_BUCKET = ""  # tests that want a bucket set it themselves
        self.REDIS_URL = ""  # tests that want a queue set it themselves
        self.SEARCH_INDEX_FOLDER = str(Path(instance_path) / "search-index")
        self.STRIPE_SECRET_KEY = "sk_test_fake"  # noqa: S105
        self.STRIPE_WEBHOOK_SECRET = "whsec_test_fake"  # noqa: S105
        # Cheaper hashing keeps the suite fast; production keeps N=2**17 (tested).
        self.PASSWORD_HASH_METHOD = "scrypt:16384:8:1"  # noqa: S105
        self.MAIL_SERVER = ""
        self.RATELIMIT_STORAGE_URI = "memory://"
        # Counted page views stay in memory until a test flushes them (visits.flush).
        self.PAGE_VIEWS_FLUSH_SECONDS = 0
        self.SALES_DASHBOARD_CACHE_SECONDS = 0  # a test that wants it sets it
