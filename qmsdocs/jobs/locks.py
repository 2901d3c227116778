"""Who runs a kind of job: one holder of its lock across every process and server.

On the embedded default (SQLite, one machine) the lock is an exclusive `flock` on a file in
the data folder; on PostgreSQL it is a session advisory lock on a connection the worker
keeps open, so servers that share the database but not a disk still elect one runner. Both
vanish with the process that held them: a `kill -9` frees the kind for the next worker.
"""

from __future__ import annotations

import fcntl
import logging
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

log = logging.getLogger(__name__)


class FileLock:
    """An exclusive, non-blocking `flock`; held until released or the process ends."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._handle = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    def acquire(self) -> bool:
        if self._handle is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing releases the lock
            self._handle = None


class AdvisoryLock:
    """A PostgreSQL session advisory lock keyed by the schema and the job kind.

    The schema is part of the key so that deployments (or test runs) sharing one database
    under different schemas do not elect each other's runners.
    """

    def __init__(self, engine: Engine, name: str):
        self.engine = engine
        self.name = name
        self._connection: Connection | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None

    def acquire(self) -> bool:
        if self._connection is not None:
            if self._alive():
                return True
            self._drop()
        connection = self.engine.connect()
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(hashtext(current_schema()), hashtext(:name))"),
                {"name": f"qmsdocs.job:{self.name}"},
            ).scalar()
            connection.commit()
        except Exception:
            connection.invalidate()
            connection.close()
            raise
        if not got:
            connection.close()
            return False
        self._connection = connection
        return True

    def _alive(self) -> bool:
        """The lock lasts as long as its connection: a dropped connection means it is gone."""
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
            return True
        except Exception:  # noqa: BLE001 - any failure means the connection, and the lock, are lost
            log.warning("lost the connection holding the %s job lock", self.name)
            return False

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        try:
            connection.invalidate()
            connection.close()
        except Exception:  # noqa: BLE001 - already broken
            pass

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock_all()"))
            connection.commit()
            connection.close()
        except Exception:  # noqa: BLE001 - closing the session frees the lock anyway
            connection.invalidate()
            connection.close()


def lock_for(database_url: str, engine: Engine, data_dir: Path, name: str):
    if str(database_url).startswith("postgresql"):
        return AdvisoryLock(engine, name)
    return FileLock(Path(data_dir) / "locks" / f"job-{name}.lock")
