"""Connection settings every database connection gets, whichever engine opens it."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, _record):
    """WAL, enforced foreign keys and a busy timeout on every SQLite connection.

    WAL lets readers work while one writer writes, which several gunicorn
    workers sharing one file need; the busy timeout makes a writer wait its
    turn instead of failing with "database is locked".
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def begin_write(session):
    """Make sure the session's transaction holds the database's write lock from here on.

    On SQLite, a transaction that started by reading and then writes can fail at
    once with "database is locked" when another writer committed in between (the
    busy timeout does not apply to that case). So a checkout starts its
    transaction with `BEGIN IMMEDIATE`, which waits its turn for the write lock
    and then reads what is really there. When the connection is already inside a
    transaction that has written, it holds the lock already and nothing is done.
    PostgreSQL needs nothing here: its conditional UPDATEs wait on row locks.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.driver_connection
    if not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
