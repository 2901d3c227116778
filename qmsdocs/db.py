"""Database engine and the per-request session.

One session per application context; services `add` and `flush`, and the request's
single commit point (`qmsdocs.http`) commits or rolls back.

Write transactions are kept short. The whole request body is read before the database is
touched (`qmsdocs.http`), credentials are looked up in a read transaction of their own
(`credential_reads`), and only then does a writing request open its write transaction
(SQLite `BEGIN IMMEDIATE`, which queues on the lock for at most `LOCK_TIMEOUT_SECONDS`).
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import MetaData, create_engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from werkzeug.local import LocalProxy

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


log = logging.getLogger(__name__)

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# Threads of one server process may each hold a connection while they work; connections are
# taken only after the request body has been read, so a slow client never holds one.
# SQLite connections are cheap; PostgreSQL's are counted against max_connections (100 by
# default) across every process of every server.
SQLITE_POOL = {"pool_size": 8, "max_overflow": 56}
POSTGRES_POOL = {"pool_size": 5, "max_overflow": 15}


def make_engine(url: str, *, lock_timeout_seconds: float = 10) -> Engine:
    """SQLite in WAL mode, writers queueing on the lock for at most `lock_timeout_seconds`."""
    lock_timeout_ms = int(lock_timeout_seconds * 1000)
    if url.startswith("sqlite"):
        pool = {**SQLITE_POOL, "pool_timeout": lock_timeout_seconds} if ":memory:" not in url else {}
        engine = create_engine(url, connect_args={"timeout": lock_timeout_seconds, "check_same_thread": False},
                               **pool)

        def pragmas(dbapi_connection, _record) -> None:
            # Take control of transactions so BEGIN IMMEDIATE below serializes writers cleanly.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={lock_timeout_ms}")
            cursor.close()

        event.listen(engine, "connect", pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        engine.info_lock_timeout_ms = lock_timeout_ms  # type: ignore[attr-defined]
        return engine
    engine = create_engine(url, pool_pre_ping=True, **POSTGRES_POOL, pool_timeout=lock_timeout_seconds)

    def lock_timeout(dbapi_connection, _record) -> None:
        # Row locks (SELECT ... FOR UPDATE) wait at most as long as SQLite's writers do.
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET lock_timeout = {lock_timeout_ms}")
        dbapi_connection.commit()

    event.listen(engine, "connect", lock_timeout)
    return engine


def _sqlite_begin(connection) -> None:
    """Writers queue on the database lock instead of failing with 'database is locked'.

    A deferred transaction that reads and then writes cannot wait for the lock in WAL
    mode; it fails at once. So a request that may write takes the lock up front, when it
    starts its work; reads (safe methods, and the credential look-up of any request) never
    take it.
    """
    read_only = _reading_only.get() or (
        has_request_context() and (request.method in SAFE_METHODS or g.get("credential_reads", False)))
    if read_only:
        connection.exec_driver_sql("BEGIN")
        return
    _begin_immediate(connection)


def _begin_immediate(connection) -> None:
    """Take the write lock, trying again every few milliseconds until the lock timeout.

    SQLite's own busy handler sleeps longer and longer between tries (100 ms after the first
    few), so a writer that has waited a while keeps losing the lock to newcomers, and under a
    steady stream of uploads a few wait for seconds. Short even tries keep the waiters equal.
    """
    raw = connection.connection.driver_connection
    timeout_ms = getattr(connection.engine, "info_lock_timeout_ms", 10000)
    deadline = time.monotonic() + timeout_ms / 1000
    raw.execute("PRAGMA busy_timeout=0")
    try:
        while time.monotonic() < deadline:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) and "busy" not in str(error):
                    break
            time.sleep(random.uniform(0.001, 0.004))
        # The last try goes through SQLAlchemy, so a timeout raises the usual "database is locked".
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout={timeout_ms}")


def _sqlite_value(value):
    """Datetimes as SQLAlchemy stores them in SQLite, so comparisons stay textual and exact."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(value, datetime) else value


@contextmanager
def credential_reads():
    """Look up who is asking in a read transaction that ends before the request's work starts.

    So a writing request takes the write lock only once its body has been read and its
    sender is known, and holds it only while it works.
    """
    g.credential_reads = True
    try:
        yield
    finally:
        g.credential_reads = False
        db_session = g.get("db_session")
        if db_session is not None and not (db_session.new or db_session.dirty or db_session.deleted):
            # Nothing was written: ending the read transaction only releases the snapshot.
            # A commit, not a rollback, so the user just loaded is not expired (and reloaded).
            db_session.commit()


@contextmanager
def before_writing():
    """The part of a writing request that needs no write lock: reads in a read transaction
    ended at the block's end, and work outside any transaction (reading an uploaded file).

    On SQLite a writing request otherwise takes the write lock with its first query, and every
    other writer of every server process waits while it parses. Objects read inside are
    expired at the end, so the write transaction that follows reads them afresh.
    """
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)
        db_session = g.get("db_session")
        if db_session is not None:
            if db_session.new or db_session.dirty or db_session.deleted:
                db_session.rollback()  # nothing may be written here; a bug, not the user's input
            else:
                db_session.commit()
            db_session.expire_all()


def write_aside(sql: str, params: dict, *, wait_seconds: float = 0.25) -> bool:
    """A small bookkeeping write in its own short transaction, outside the request's.

    It gives up (returning False) rather than wait for a busy database: the bookkeeping it
    does (a token's last use) must never slow down or fail the request it belongs to.
    """
    engine = get_engine()
    try:
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                cursor.execute(f"PRAGMA busy_timeout={int(wait_seconds * 1000)}")
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    cursor.execute(sql, {key: _sqlite_value(value) for key, value in params.items()})
                    cursor.execute("COMMIT")
                finally:
                    if raw.in_transaction:
                        cursor.execute("ROLLBACK")
                    cursor.execute(f"PRAGMA busy_timeout={getattr(engine, 'info_lock_timeout_ms', 10000)}")
            finally:
                raw.close()
        else:
            with engine.begin() as connection:
                connection.exec_driver_sql(f"SET LOCAL lock_timeout = {int(wait_seconds * 1000)}")
                connection.execute(text(sql), params)
        return True
    except (DBAPIError, sqlite3.Error) as error:
        log.info("bookkeeping write skipped: %s", error)
        return False


_reading_only: ContextVar[bool] = ContextVar("qmsdocs_reading_only", default=False)


@contextmanager
def reading_only():
    """Transactions begun inside only read (background work): they must not take SQLite's write lock."""
    token = _reading_only.set(True)
    try:
        yield
    finally:
        _reading_only.reset(token)


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], lock_timeout_seconds=app.config.get("LOCK_TIMEOUT_SECONDS", 10))
    app.extensions["qmsdocs.engine"] = engine
    app.extensions["qmsdocs.sessionmaker"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    return current_app.extensions["qmsdocs.engine"]


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["qmsdocs.sessionmaker"]()
    return g.db_session


def _close_session(_exc) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


session: Session = LocalProxy(get_session)  # type: ignore[assignment]
