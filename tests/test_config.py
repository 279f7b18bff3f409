"""Configuration comes from the environment, with safe defaults in the instance folder."""

import os
import stat
from types import SimpleNamespace

import pytest
import sqlalchemy
from sqlalchemy import text

from marketplace import config as settings
from marketplace import create_app
from marketplace.config import Config
from marketplace.database import SQLITE_BUSY_TIMEOUT_MS

CONFIG_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "UPLOAD_FOLDER",
    "SEARCH_INDEX_FOLDER",
    "SESSION_COOKIE_SECURE",
    "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET",
    "STRIPE_API_BASE",
    "MAIL_SERVER",
    "MAIL_FROM",
    "MAIL_PORT",
    "MAIL_USE_TLS",
    "MAIL_USE_SSL",
    "MAIL_USERNAME",
    "MAIL_PASSWORD",
    "RATELIMIT_STORAGE_URI",
    "HOUSEHOLD_HASH_KEY",
    "PROXY_FIX_HOPS",
    "FLASK_DEBUG",
    "SEARCH_BACKEND",
    "SEARCH_POPULAR_MAX_AGE",
    "SEARCH_WARM_UP",
)


@pytest.fixture
def clean_env(monkeypatch):
    """No configuration variable from the surrounding shell leaks into a test."""
    for name in CONFIG_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_database_url_is_read_from_the_environment(clean_env, tmp_path):
    url = "postgresql+psycopg://shop@db.example/marketplace"
    clean_env.setenv("DATABASE_URL", url)
    configured = Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI
    assert configured == url


def test_default_database_is_sqlite_in_the_instance_folder(clean_env, tmp_path):
    configured = Config(str(tmp_path)).SQLALCHEMY_DATABASE_URI
    assert configured == f"sqlite:///{tmp_path / 'marketplace.db'}"


def test_files_and_index_default_to_the_instance_folder(clean_env, tmp_path):
    config = Config(str(tmp_path))
    folders = (config.UPLOAD_FOLDER, config.SEARCH_INDEX_FOLDER)
    assert folders == (str(tmp_path / "uploads"), str(tmp_path / "search-index"))
    clean_env.setenv("UPLOAD_FOLDER", "/srv/uploads")
    clean_env.setenv("SEARCH_INDEX_FOLDER", "/srv/index")
    config = Config(str(tmp_path))
    assert (config.UPLOAD_FOLDER, config.SEARCH_INDEX_FOLDER) == ("/srv/uploads", "/srv/index")


def test_app_uses_the_instance_folder_from_the_environment(clean_env, tmp_path):
    instance = tmp_path / "instance"
    clean_env.setenv("MARKETPLACE_INSTANCE", str(instance))
    app = create_app()
    assert app.instance_path == str(instance)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'marketplace.db'}"
    assert (instance / "secret_key").exists()


def test_secret_key_is_created_once_and_kept_in_the_instance_folder(clean_env, tmp_path):
    first = Config(str(tmp_path)).SECRET_KEY
    second = Config(str(tmp_path)).SECRET_KEY
    assert first == second
    assert len(first) >= 32
    path = tmp_path / "secret_key"
    assert path.read_text().strip() == first
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_secret_key_from_the_environment_wins(clean_env, tmp_path):
    clean_env.setenv("SECRET_KEY", "from-the-environment")
    assert Config(str(tmp_path)).SECRET_KEY == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, False), ("1", True), ("true", True), ("On", True), ("0", False), ("no", False)],
)
def test_session_cookie_secure(clean_env, tmp_path, value, expected):
    if value is not None:
        clean_env.setenv("SESSION_COOKIE_SECURE", value)
    config = Config(str(tmp_path))
    assert config.SESSION_COOKIE_SECURE is expected
    assert config.REMEMBER_COOKIE_SECURE is expected


def test_stripe_and_mail_settings(clean_env, tmp_path):
    clean_env.setenv("STRIPE_SECRET_KEY", "sk_live_x")
    clean_env.setenv("STRIPE_WEBHOOK_SECRET", "whsec_x")
    clean_env.setenv("MAIL_SERVER", "smtp.example")
    clean_env.setenv("MAIL_FROM", "shop@example")
    config = Config(str(tmp_path))
    assert (config.STRIPE_SECRET_KEY, config.STRIPE_WEBHOOK_SECRET) == ("sk_live_x", "whsec_x")
    assert (config.MAIL_SERVER, config.MAIL_FROM) == ("smtp.example", "shop@example")


def test_test_config_reads_test_database_url(clean_env, tmp_path):
    clean_env.delenv("TEST_DATABASE_URL", raising=False)
    configured = settings.TestConfig(str(tmp_path)).SQLALCHEMY_DATABASE_URI
    assert configured == f"sqlite:///{tmp_path / 'test.db'}"
    clean_env.setenv("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/test")
    config = settings.TestConfig(str(tmp_path))
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://postgres@127.0.0.1/test"
    assert config.STRIPE_SECRET_KEY.startswith("sk_test_")


def _pragmas(connection):
    return {
        name: connection.execute(text(f"PRAGMA {name}")).scalar()
        for name in ("journal_mode", "foreign_keys", "busy_timeout")
    }


EXPECTED_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": SQLITE_BUSY_TIMEOUT_MS,
}


def test_app_sqlite_connections_have_wal_foreign_keys_and_busy_timeout(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite connection settings; this run uses " + db.engine.dialect.name)
    with db.engine.connect() as connection:
        assert _pragmas(connection) == EXPECTED_PRAGMAS
    assert _pragmas(db.session.connection()) == EXPECTED_PRAGMAS


def test_every_sqlite_engine_gets_the_settings(tmp_path):
    """Engines made outside the app (Alembic's, a script's) are configured too."""
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with engine.connect() as connection:
            assert _pragmas(connection) == EXPECTED_PRAGMAS
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("url", "setting", "expected"),
    [
        ("", "", "whoosh"),
        ("postgresql+psycopg://u@h/db", "", "postgresql"),
        ("postgresql+psycopg://u@h/db", "whoosh", "whoosh"),
        ("", "Whoosh", "whoosh"),
    ],
)
def test_search_backend_follows_the_database_unless_set(
    clean_env, tmp_path, url, setting, expected
):
    from marketplace.catalog.search import choose_backend

    if url:
        clean_env.setenv("DATABASE_URL", url)
    clean_env.setenv("SEARCH_BACKEND", setting)
    config = Config(str(tmp_path))
    app = SimpleNamespace(config={k: getattr(config, k) for k in dir(config) if k.isupper()})
    assert choose_backend(app) == expected


@pytest.mark.parametrize("setting", ["elastic", "postgresql"])
def test_a_search_backend_that_cannot_work_stops_the_start(clean_env, tmp_path, setting):
    from marketplace.catalog.search import choose_backend

    clean_env.setenv("SEARCH_BACKEND", setting)
    config = Config(str(tmp_path))
    app = SimpleNamespace(config={k: getattr(config, k) for k in dir(config) if k.isupper()})
    with pytest.raises(RuntimeError):
        choose_backend(app)
