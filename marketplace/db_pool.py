"""Pooled PostgreSQL connections checked before use, with a round trip only when one can tell.

SQLAlchemy's `pool_pre_ping` sends an empty statement each time a
connection leaves the pool, so every request began with a round trip to the
server before its first statement. Under load a connection goes back to the
pool and out again within milliseconds, and each round trip waits for the
server's backend to get a core (bench_search: one round trip of the four a
search made). Here a connection is checked by its socket instead, which
costs no round trip: a server that ended the connection (a restart,
`pg_terminate_backend`, an idle timeout of its own) has sent its closing
message, so the socket has something to read; psycopg also knows a
connection it saw fail. Only then, or when the connection has been idle in
the pool for more than PING_AFTER_IDLE seconds (long enough for a firewall
or a rebooted server host to have dropped it silently), is it pinged as
`pool_pre_ping` would. A connection that fails the check is replaced by a
fresh one before the request uses it.
"""

import select
import time

from sqlalchemy import event, exc

# A connection idle in the pool for longer than this is pinged (a round trip) before use.
PING_AFTER_IDLE = 10.0

_IDLE_SINCE = "marketplace_idle_since"


def uses_socket_check(url):
    """Whether connections of this database URL are checked here (psycopg 3 on PostgreSQL)."""
    return str(url).startswith("postgresql+psycopg:")


def install(engine, ping_after=PING_AFTER_IDLE):
    """Check the engine's connections as they leave the pool (its pool_pre_ping must be off)."""
    if not uses_socket_check(engine.url) or getattr(engine, "_marketplace_pool_check", False):
        return
    engine._marketplace_pool_check = True
    dialect = engine.dialect

    def checkin(_dbapi_connection, record):
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection, record, _proxy):
        """Raise DisconnectionError (the pool connects afresh) for a connection that is gone."""
        if dbapi_connection.closed or dbapi_connection.broken:
            raise exc.DisconnectionError("the connection was closed")
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:  # new: it has just connected
            return
        if time.monotonic() - since <= ping_after and not _has_input(dbapi_connection):
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"the connection failed its ping: {error}") from error

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


def _has_input(dbapi_connection):
    """Whether the server sent something to an idle connection (a closing error, EOF, a notice)."""
    try:
        readable, _, _ = select.select([dbapi_connection.pgconn.socket], [], [], 0)
    except Exception:  # noqa: BLE001 (no usable socket: the ping will tell)
        return True
    return bool(readable)
