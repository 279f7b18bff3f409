"""Safe deploys: shared keys required on PostgreSQL, ProxyFix on demand, migrations serialised."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from marketplace import create_app
from marketplace.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    """A production-like environment: no debug, no keys, an instance folder of its own."""
    for name in ("SECRET_KEY", "HOUSEHOLD_HASH_KEY", "DATABASE_URL", "FLASK_DEBUG"):
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
    base = os.environ.get("TEST_DATABASE_URL", "")
    if not base.startswith("postgresql"):
        pytest.skip("needs TEST_DATABASE_URL on PostgreSQL")
    name = f"migrate_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_two_hosts_upgrading_at_once_both_succeed(empty_postgresql_database, tmp_path):
    """Every host runs `flask db upgrade` on deploy; the advisory lock lets them all pass."""
    processes = []
    for host in ("a", "b", "c"):
        env = {k: v for k, v in os.environ.items() if k != "TEST_DATABASE_URL"}
        env.update(
            DATABASE_URL=empty_postgresql_database,
            SECRET_KEY="k" * 64,
            HOUSEHOLD_HASH_KEY="h" * 64,
            MARKETPLACE_INSTANCE=str(tmp_path / host),
        )
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "marketplace", "db", "upgrade"],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    assert [process.returncode for process in processes] == [0, 0, 0], "\n".join(outputs)
    engine = create_engine(empty_postgresql_database)
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).all()
    finally:
        engine.dispose()
    assert len(versions) == 1
