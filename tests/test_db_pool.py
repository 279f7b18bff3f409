"""Pooled PostgreSQL connections: checked by their socket, pinged only when that cannot tell."""

import select
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from marketplace import db_pool
from marketplace.config import engine_options


@pytest.fixture
def engine(app):
    """A one-connection engine on the test database, checked as the app's is."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not db_pool.uses_socket_check(url):
        pytest.skip("the socket check is for PostgreSQL through psycopg 3 (TEST_DATABASE_URL)")
    options = engine_options(url)
    assert options["pool_pre_ping"] is False
    engine = create_engine(url, pool_size=1, max_overflow=0, **options)
    db_pool.install(engine)
    yield engine
    engine.dispose()


def _messages_sent(driver, run, path):
    """The protocol messages the client sent on this psycopg connection while `run()` ran."""
    with open(path, "w") as trace:
        driver.pgconn.trace(trace.fileno())
        try:
            run()
        finally:
            driver.pgconn.untrace()
    rows = [line.split("\t") for line in path.read_text().splitlines()]
    return [row[3] for row in rows if row[1:2] == ["F"]]


def _backend_pid(connection):
    return connection.execute(text("SELECT pg_backend_pid()")).scalar()


def test_a_connection_back_moments_ago_is_used_without_a_round_trip(engine, tmp_path):
    with engine.connect() as connection:
        pid = _backend_pid(connection)
        driver = connection.connection.driver_connection

    def checkout():
        with engine.connect() as again:
            assert again.connection.driver_connection is driver

    assert _messages_sent(driver, checkout, tmp_path / "trace") == []
    with engine.connect() as connection:
        assert _backend_pid(connection) == pid


def test_a_connection_idle_for_long_is_pinged(engine, tmp_path, monkeypatch):
    with engine.connect() as connection:
        driver = connection.connection.driver_connection
    now = time.monotonic
    monkeypatch.setattr(db_pool.time, "monotonic", lambda: now() + 3600)

    def checkout():
        with engine.connect():
            pass

    assert _messages_sent(driver, checkout, tmp_path / "trace") == ["Query"]  # the empty ping


def test_a_connection_the_server_ended_is_replaced_before_use(app, engine):
    """pg_terminate_backend (as a restart would): the next checkout connects afresh."""
    with engine.connect() as connection:
        pid = _backend_pid(connection)
        socket = connection.connection.driver_connection.pgconn.socket
    killer = create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=NullPool)
    with killer.connect() as other:
        assert other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
    assert select.select([socket], [], [], 5)[0]  # the server's goodbye has arrived
    with engine.connect() as connection:  # no error: the dead connection never reached us
        assert _backend_pid(connection) != pid
        assert connection.execute(text("SELECT 1")).scalar() == 1
