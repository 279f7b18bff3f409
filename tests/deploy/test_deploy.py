"""Safe deploys: shared keys required on PostgreSQL, ProxyFix on demand, migrations serialised."""

import os

import pytest
from flask import request

from marketplace import create_app
from marketplace.config import Config

from .hosts import alembic_versions, new_postgresql_database, upgrade_at_once

PG_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A production-like environment: no debug, no keys, an instance folder of its own."""
    for name in (
        "SECRET_KEY",
        "HOUSEHOLD_HASH_KEY",
        "DATABASE_URL",
        "FLASK_DEBUG",
        "SESSION_COOKIE_SECURE",
        "PUBLIC_BASE_URL",
        "PROXY_FIX_HOPS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MARKETPLACE_INSTANCE", str(tmp_path))
    return monkeypatch


def test_postgresql_without_shared_keys_refuses_to_start(production_env):
    production_env.setenv("DATABASE_URL", PG_URL)
    with pytest.raises(RuntimeError, match="SECRET_KEY and HOUSEHOLD_HASH_KEY"):
        create_app(Config)
    production_env.setenv("SECRET_KEY", "s" * 64)
    with pytest.raises(RuntimeError, match="without HOUSEHOLD_HASH_KEY"):
        create_app(Config)
    production_env.setenv("HOUSEHOLD_HASH_KEY", "h" * 64)
    assert create_app(Config).config["SECRET_KEY"] == "s" * 64


def test_sqlite_and_debug_start_without_keys(production_env):
    # The one-command demo: SQLite, a key generated into the instance folder.
    assert create_app(Config).config["SECRET_KEY"]
    production_env.setenv("DATABASE_URL", PG_URL)
    production_env.setenv("FLASK_DEBUG", "1")
    assert create_app(Config).debug


@pytest.mark.parametrize(
    "base", [None, "http://market.example.org", "https://", "market.example.org"]
)
def test_https_without_a_public_https_address_refuses_to_start(production_env, base):
    # Behind the HTTPS proxy every mailed link, feed, sitemap entry and printed QR code
    # is built on PUBLIC_BASE_URL: the demo's http://127.0.0.1:5000 there points nowhere.
    production_env.setenv("SESSION_COOKIE_SECURE", "1")
    if base is not None:
        production_env.setenv("PUBLIC_BASE_URL", base)
    with pytest.raises(RuntimeError, match="SESSION_COOKIE_SECURE on and PUBLIC_BASE_URL="):
        create_app(Config)


def test_https_with_its_public_address_starts(production_env):
    production_env.setenv("SESSION_COOKIE_SECURE", "1")
    production_env.setenv("PUBLIC_BASE_URL", "https://market.example.org")
    assert create_app(Config).config["PUBLIC_BASE_URL"] == "https://market.example.org"
    # Plain HTTP (the demo) and debug mode keep starting on the default address.
    production_env.delenv("SESSION_COOKIE_SECURE")
    production_env.delenv("PUBLIC_BASE_URL")
    assert create_app(Config).config["PUBLIC_BASE_URL"] == "http://127.0.0.1:5000"
    production_env.setenv("SESSION_COOKIE_SECURE", "1")
    production_env.setenv("FLASK_DEBUG", "1")
    assert create_app(Config).debug


def _remote_addr_app():
    app = create_app(Config)
    app.add_url_rule("/_who", "who", lambda: f"{request.remote_addr} {request.scheme}")
    return app


def test_proxy_fix_only_when_configured(production_env):
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    environ = {"REMOTE_ADDR": "10.0.0.2"}
    plain = _remote_addr_app().test_client().get("/_who", headers=headers, environ_base=environ)
    assert plain.get_data(as_text=True) == "10.0.0.2 http"
    production_env.setenv("PROXY_FIX_HOPS", "1")
    behind = _remote_addr_app().test_client().get("/_who", headers=headers, environ_base=environ)
    assert behind.get_data(as_text=True) == "203.0.113.7 https"


@pytest.fixture
def empty_postgresql_database():
    """A new, empty PostgreSQL database beside TEST_DATABASE_URL's; dropped afterwards."""
    with new_postgresql_database("migrate") as url:
        yield url


def test_two_hosts_upgrading_at_once_both_succeed(empty_postgresql_database, tmp_path):
    """Every host runs `flask db upgrade` on deploy; the advisory lock lets them all pass."""
    envs = []
    for host in ("a", "b", "c"):
        env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
        env.update(
            DATABASE_URL=empty_postgresql_database,
            SECRET_KEY="k" * 64,
            HOUSEHOLD_HASH_KEY="h" * 64,
            MARKETPLACE_INSTANCE=str(tmp_path / host),
        )
        envs.append(env)
    results = upgrade_at_once(envs)
    assert [code for code, _ in results] == [0, 0, 0], "\n".join(output for _, output in results)
    assert len(alembic_versions(empty_postgresql_database)) == 1
