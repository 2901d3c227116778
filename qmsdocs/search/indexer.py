"""Keeping the index true to the database.

1. In the transaction that changes a procedure, a row is added to `search_outbox` (signal
   receivers, plus a flush listener for changes made without a signal: an agency renamed,
   alert counts updated). A rolled-back change leaves neither row nor index entry.
2. After the commit, the request only wakes the background worker (`qmsdocs.jobs`): its
   `search_outbox` job rebuilds those procedures' records under the single writer lock and
   deletes the rows, so an upload answers as soon as its version is committed and Whoosh's
   segment merges happen in the worker, never in a request. Failures are retried with
   backoff and counted on the marks; `/healthz` and the admin page show the lag.
3. A row the worker gave up on (MAX_AUTOMATIC_ATTEMPTS) is reported and applied by
   `qms check --repair`, or by `qms reindex`. Applying a row twice is harmless: records are
   rebuilt from the database.

The writer reads the database only after taking the lock, so of two processes indexing the
same procedure the later one writes the later state: no update is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, delete, event, func, insert, or_, select, update
from sqlalchemy.orm import Session, object_session

from qmsdocs import events, jobs
from qmsdocs.agencies.models import Agency
from qmsdocs.db import reading_only, session, utcnow
from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure, ProcedureVersion
from qmsdocs.search.backend import IndexBusy, SearchBackend
from qmsdocs.search.documents import all_procedure_ids, content_signature, documents_for, procedure_states
from qmsdocs.search.models import SearchOutbox

log = logging.getLogger(__name__)

PENDING = "qmsdocs.search.pending"
# Set when a search saw marks left behind: they are applied once that request's transaction ends.
CATCH_UP = "qmsdocs.search.catch_up"
# Marks noted since the last flush, written together (see _write_marks).
UNWRITTEN = "qmsdocs.search.unwritten"
LOCK_WAIT_SECONDS = 10.0
STALE_MARK_SECONDS = 30
# A mark that failed this often is left to `qms check --repair`, which reports it with its error.
MAX_AUTOMATIC_ATTEMPTS = 5
BATCH = 200


def get_backend() -> SearchBackend:
    return current_app.extensions["qmsdocs.search"]


# 1. Marks, in the writer's transaction ----------------------------------------------------------

def mark(procedure_id: int | None, db: Session | None = None) -> None:
    """Note that this procedure's search records must be rebuilt once the transaction commits."""
    if procedure_id is None:
        return
    db = db if db is not None else session
    pending = db.info.setdefault(PENDING, set())
    if procedure_id in pending:
        return
    pending.add(procedure_id)
    db.info.setdefault(UNWRITTEN, []).append(procedure_id)


def _write_marks(db: Session) -> None:
    """The transaction's new marks in one insert, at each flush and before the commit.

    Not ORM objects: SQLite inserts those one statement (and one RETURNING) each, and a
    reorganization marks tens of thousands of procedures."""
    procedure_ids = db.info.pop(UNWRITTEN, None)
    if procedure_ids:
        with db.no_autoflush:
            db.execute(insert(SearchOutbox), [{"procedure_id": procedure_id} for procedure_id in procedure_ids])


def _session_of(obj) -> Session:
    return object_session(obj) or session


def _on_procedure_changed(procedure: Procedure, **_kwargs) -> None:
    mark(procedure.id, _session_of(procedure))


def _on_version(version: ProcedureVersion, **_kwargs) -> None:
    mark(version.procedure_id or version.procedure.id, _session_of(version))


def _before_flush(db: Session, _context, _instances) -> None:
    """Catch changes made without a signal (alert counts, renamed agencies, TTHC links)."""
    for obj in list(db.dirty):
        if isinstance(obj, Procedure) and db.is_modified(obj, include_collections=False):
            mark(obj.id, db)
        elif isinstance(obj, Agency) and db.is_modified(obj, include_collections=False) and obj.id:
            for procedure_id in db.scalars(select(Procedure.id).where(Procedure.agency_id == obj.id)):
                mark(procedure_id, db)
    for obj in [*db.new, *db.dirty, *db.deleted]:
        if isinstance(obj, ProcedureAdminProcedure):
            procedure_id = obj.procedure_id or (obj.procedure.id if obj.procedure is not None else None)
            mark(procedure_id, db)
    _write_marks(db)


def _after_commit(db: Session) -> None:
    if db.in_nested_transaction():
        # A savepoint was released; the marks wait for the real commit around it.
        return
    procedure_ids = db.info.pop(PENDING, None)
    catch_up = db.info.pop(CATCH_UP, False)
    if procedure_ids or catch_up:
        jobs.wake()


def _after_rollback(db: Session) -> None:
    db.info.pop(PENDING, None)
    db.info.pop(UNWRITTEN, None)
    db.info.pop(CATCH_UP, None)


def connect_signals() -> None:
    events.procedure_changed.connect(_on_procedure_changed, weak=False)
    events.version_added.connect(_on_version, weak=False)
    events.version_became_current.connect(_on_version, weak=False)
    events.version_forms_changed.connect(_on_version, weak=False)


def listen(sessionmaker) -> None:
    event.listen(sessionmaker, "before_flush", _before_flush)
    event.listen(sessionmaker, "before_commit", _write_marks)
    event.listen(sessionmaker, "after_commit", _after_commit)
    event.listen(sessionmaker, "after_rollback", _after_rollback)


# 2. Applying marks: the background worker's job -------------------------------------------------

def apply_pending(limit: int = BATCH) -> int:
    """Worker step: apply the oldest waiting marks; returns the procedures reindexed.

    With an index outside the database (Whoosh) the records are read and written in a
    read-only transaction, and the marks deleted in a short write transaction of their own,
    so uploads are never held behind indexing. Marks written meanwhile stay for the next
    step. A batch that fails is retried one procedure at a time, so that a procedure which
    keeps failing cannot hold up the others; its failures are counted on its marks and, after
    MAX_AUTOMATIC_ATTEMPTS, it is left to `qms check`, which reports it.
    """
    with reading_only():  # polling must not take SQLite's write lock
        procedure_ids = _due_procedure_ids(limit)
        session.rollback()
    if not procedure_ids:
        return 0
    try:
        _apply_now(procedure_ids)
        return len(procedure_ids)
    except IndexBusy as busy:
        session.rollback()
        raise jobs.Busy(str(busy)) from busy
    except Exception as error:
        session.rollback()
        if len(procedure_ids) == 1:
            _count_failure(procedure_ids, error)
            raise
    failed: list[tuple[int, Exception]] = []
    for procedure_id in procedure_ids:
        try:
            _apply_now([procedure_id])
        except IndexBusy as busy:
            session.rollback()
            raise jobs.Busy(str(busy)) from busy
        except Exception as error:  # noqa: BLE001 - counted on the mark, reported after the others
            session.rollback()
            _count_failure([procedure_id], error)
            failed.append((procedure_id, error))
    if failed:
        pid, error = failed[0]
        raise IndexingFailed(f"{len(failed)} procedure(s) could not be indexed, e.g. {pid}: "
                             f"{type(error).__name__}: {error}")
    return len(procedure_ids)


class IndexingFailed(Exception):
    """Some procedures of a batch could not be indexed; the others were."""


def _due_procedure_ids(limit: int) -> list[int]:
    return list(session.scalars(
        select(SearchOutbox.procedure_id).where(SearchOutbox.attempts < MAX_AUTOMATIC_ATTEMPTS)
        .group_by(SearchOutbox.procedure_id).order_by(func.min(SearchOutbox.id)).limit(limit)
    ))


def _apply_now(procedure_ids: list[int]) -> None:
    backend = get_backend()
    if getattr(backend, "rebuild_in_transaction", False):
        # The index is in the database: records and marks change in one transaction.
        _apply_batch(procedure_ids, False, LOCK_WAIT_SECONDS)
        session.commit()
        return
    session.rollback()
    with reading_only():
        mark_ids = _apply_batch(procedure_ids, False, LOCK_WAIT_SECONDS, delete_marks=False)
        session.rollback()
    if mark_ids:
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(mark_ids)))
    session.commit()


def outbox_lag_seconds() -> float:
    """How long the oldest waiting mark has waited (0 when none waits)."""
    oldest = session.scalar(select(func.min(SearchOutbox.created_at)))
    session.rollback()
    if oldest is None:
        return 0.0
    return max(0.0, (utcnow() - oldest).total_seconds())


def is_pending(procedure_id: int) -> bool:
    """The procedure page says "đang cập nhật chỉ mục" while this is true."""
    return session.scalar(select(SearchOutbox.id).where(SearchOutbox.procedure_id == procedure_id).limit(1)) is not None


def register_job() -> None:
    jobs.register(jobs.JobKind("search_outbox", "Cập nhật chỉ mục tìm kiếm", apply_pending, outbox_lag_seconds))


def has_stale_marks() -> bool:
    return session.scalar(select(SearchOutbox.id).where(_stale_condition()).limit(1)) is not None


def _stale_condition():
    """Marks some crashed or busy writer left behind, not yet given up on automatically."""
    return and_(SearchOutbox.created_at < utcnow() - timedelta(seconds=STALE_MARK_SECONDS),
                SearchOutbox.attempts < MAX_AUTOMATIC_ATTEMPTS)


def apply(procedure_ids: Iterable[int] = (), *, include_stale: bool = True, timeout: float = LOCK_WAIT_SECONDS) -> int:
    """Rebuild these procedures' records, and those of marks found stale, in the current session.

    Deletes the marks it applied; the caller commits. Raises IndexBusy when the writer lock
    stays taken longer than `timeout`, and the engine's error otherwise; in both cases the
    marks stay, with the attempt counted.
    """
    wanted = sorted(set(procedure_ids))
    done = 0
    for start in range(0, max(len(wanted), 1), BATCH):
        done += len(_apply_batch(wanted[start: start + BATCH], include_stale and start == 0, timeout))
    return done


def _apply_batch(procedure_ids: list[int], include_stale: bool, timeout: float, *, delete_marks: bool = True):
    """Rebuild the records of these procedures (and of stale marks); returns the marks applied."""
    condition = SearchOutbox.procedure_id.in_(procedure_ids)
    if include_stale:
        condition = or_(condition, _stale_condition())
    backend = get_backend()
    mark_ids: list[int] = []
    targets = list(procedure_ids)
    try:
        with backend.writer(timeout) as writer:
            marks = session.execute(
                select(SearchOutbox.id, SearchOutbox.procedure_id).where(condition).order_by(SearchOutbox.id).limit(
                    BATCH * 5)
            ).all()
            mark_ids = [mark_id for mark_id, _ in marks]
            targets = sorted(set(procedure_ids) | {pid for _, pid in marks})
            if not targets:
                return []
            _write_changed_records(backend, writer, targets)
    except Exception as error:
        error.search_procedure_ids = targets
        raise
    if mark_ids and delete_marks:
        session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(mark_ids)))
        session.flush()
    return mark_ids


def _write_changed_records(backend: SearchBackend, writer, procedure_ids: list[int]) -> None:
    """Only what changed: records whose signature differs from the index's, and records gone.

    A new current version rewrites the current record and adds the previous one to the
    history; the rest of a long history is neither read nor written. A procedure whose stale
    flag alone moved (alerts opened or closed) gets a flag-only update: no text read or analysed.
    """
    states = procedure_states(procedure_ids)
    held = backend.indexed_records(procedure_ids)
    to_write: dict[int, set[str]] = {}
    to_remove: dict[int, set[str]] = {}
    flag_only: dict[int, dict[str, str]] = {}
    for pid in procedure_ids:
        wanted = states[pid].record_signatures() if pid in states else {}
        have = held.get(pid, {})
        to_remove[pid] = set(have) - set(wanted)
        to_write[pid] = set()
        for key, signature in wanted.items():
            if have.get(key) == signature:
                continue
            if key in have and content_signature(have[key]) == content_signature(signature):
                flag_only.setdefault(pid, {})[key] = signature  # only the stale flag moved
            else:
                to_write[pid].add(key)
    records = documents_for(procedure_ids, states, only=to_write)
    for pid in procedure_ids:
        if records[pid] or to_remove[pid]:
            writer.update(pid, records[pid], to_remove[pid])
        if pid in flag_only:
            writer.set_stale(pid, states[pid].stale, flag_only[pid])


def _count_failure(procedure_ids: list[int], error: Exception) -> None:
    """Record the failed attempt on these procedures' marks (the session was just rolled back)."""
    if not procedure_ids or isinstance(error, IndexBusy):
        return
    try:
        session.execute(
            update(SearchOutbox).where(SearchOutbox.procedure_id.in_(procedure_ids))
            .values(attempts=SearchOutbox.attempts + 1, last_error=f"{type(error).__name__}: {error}"[:1000])
        )
        session.commit()
    except Exception:  # noqa: BLE001 - the marks themselves are intact; only the counter is lost
        session.rollback()
        log.warning("could not record the failed indexing attempt", exc_info=True)


def catch_up_after_commit() -> None:
    """Called by a search: marks left behind are the worker's; wake it after this request if any wait."""
    if has_stale_marks():
        session.info[CATCH_UP] = True


def forget_marks() -> None:
    """Drop every waiting mark: only after a full rebuild that nothing ran beside (the demo's)."""
    session.info.pop(UNWRITTEN, None)
    session.execute(delete(SearchOutbox))


def pending_marks(older_than_seconds: int = 0) -> list[tuple[int, int]]:
    """(procedure id, attempts) of marks older than this, one per procedure."""
    cutoff = utcnow() - timedelta(seconds=older_than_seconds)
    rows = session.execute(
        select(SearchOutbox.procedure_id, func.max(SearchOutbox.attempts))
        .where(SearchOutbox.created_at <= cutoff)
        .group_by(SearchOutbox.procedure_id)
    )
    return [(pid, attempts) for pid, attempts in rows]


# 3. Rebuilding everything -----------------------------------------------------------------------

def rebuild(progress: Callable[[int], None] = lambda _n: None, batch: int = 100) -> int:
    """Build a new index from the database and swap it in; returns the number of procedures."""
    backend = get_backend()
    ids = all_procedure_ids()
    separate_reads = not getattr(backend, "rebuild_in_transaction", False)

    def batches():
        for start in range(0, len(ids), batch):
            chunk = ids[start: start + batch]
            records = documents_for(chunk)
            if separate_reads:
                # Short read transactions: writers are not held up while the index builds.
                session.rollback()
            yield [doc for pid in chunk for doc in records[pid]]

    backend.rebuild(batches(), progress)
    return len(ids)
