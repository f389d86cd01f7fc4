"""Per-connection settings for SQLite, and how its transactions begin.

Several gunicorn workers share one SQLite file. A transaction that reads and then
writes ("deferred") must upgrade its lock when it writes; when another connection
wrote in between, SQLite answers "database is locked" at once, whatever the busy
timeout. So transactions that may write begin with ``BEGIN IMMEDIATE``, which takes
the write lock up front and waits (busy_timeout) for it instead. Read-only requests
(GET/HEAD/OPTIONS outside the API) begin deferred, so readers never queue behind
writers (WAL). pysqlite's own transaction handling is switched off for this, as
SQLAlchemy's documentation recommends; it also makes SAVEPOINTs reliable.
"""

from contextlib import contextmanager

import sqlalchemy as sa

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def register_sqlite_pragmas(engine: sa.Engine, cache_mb: int = 64) -> None:
    """``cache_mb``: each connection's page cache (SQLite's default is 2 MiB). Pages stay cached
    between transactions while the file is unchanged; with 2 MiB, a report reading a few thousand
    rows from the table (the dashboard's loss reasons) fetched most pages from the OS again."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute(f"PRAGMA cache_size=-{int(cache_mb) * 1024}")  # negative: KiB
        if _is_file_database(engine):
            cursor.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if may_write() else "BEGIN")


def may_write() -> bool:
    """False only inside a read-only web request; CLI commands, scripts and tests may write."""
    from flask import g, has_app_context, has_request_context, request

    if has_app_context() and g.get("sqlite_deferred"):
        return False
    if not has_request_context():
        return True
    return request.method not in READ_ONLY_METHODS or request.path.startswith("/api/")


@contextmanager
def deferred_reads():
    """Long reads before a write (rendering a PDF) without holding SQLite's write lock.

    Ends the current transaction (it must hold no pending change), runs the block in a
    deferred one, and ends that too, so the write that follows begins IMMEDIATE. Objects
    loaded before are expired and reload on access. No-op on other databases."""
    from flask import g

    from .extensions import db

    if db.engine.dialect.name != "sqlite":
        yield
        return
    db.session.commit()
    g.sqlite_deferred = True
    try:
        yield
    finally:
        db.session.commit()
        g.sqlite_deferred = False


def _is_file_database(engine: sa.Engine) -> bool:
    database = engine.url.database
    return bool(database) and database != ":memory:" and not database.startswith("file::memory:")
