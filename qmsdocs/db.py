"""Database engine and the per-request session.

One session per application context; services `add` and `flush`, and the request's
single commit point (see `qmsdocs.api` and the web views) commits or rolls back.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import MetaData, create_engine, event
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


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Take control of transactions so BEGIN IMMEDIATE below serializes writers cleanly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    """Writers queue on the database lock instead of failing with 'database is locked'.

    A deferred transaction that reads and then writes cannot wait for the lock in WAL
    mode; it fails at once. So anything but a read-only request takes the lock up front.
    """
    read_only = _reading_only.get() or (has_request_context() and request.method in ("GET", "HEAD", "OPTIONS"))
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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
    engine = make_engine(app.config["DATABASE_URL"])
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
