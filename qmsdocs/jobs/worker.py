"""The runner: one thread (or `qms worker`) per process, running every registered kind of job.

Each kind is run by the one worker that holds its lock (see `locks.py`); the others stand by
and try the lock again every few seconds, so when the holder dies another takes over. A step
that fails is retried after a growing pause (backoff); its error stays visible in the state.
Steps are idempotent, so a step cut short by a crash is simply run again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from qmsdocs.db import get_engine, session
from qmsdocs.jobs.locks import lock_for
from qmsdocs.jobs.registry import Busy, JobKind, registered_kinds

log = logging.getLogger(__name__)

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0


def backoff_seconds(failures: int) -> float:
    """1, 2, 4, … seconds after consecutive failures, at most a minute."""
    return min(BACKOFF_MAX_SECONDS, BACKOFF_FIRST_SECONDS * 2 ** max(failures - 1, 0))


@dataclass
class KindState:
    """What one worker knows of one kind of job: shown on the admin page and by /healthz."""

    name: str
    role: str = "idle"  # idle (not started) | runner (holds the lock) | standby (another worker runs it)
    runs: int = 0
    items_done: int = 0
    failures: int = 0  # consecutive
    last_error: str | None = None
    last_run_at: float | None = None
    last_success_at: float | None = None
    retry_at: float = 0.0
    lock: object = field(default=None, repr=False)


class Worker:
    def __init__(self, app: Flask):
        self.app = app
        self.states: dict[str, KindState] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()
        self._tick_lock = threading.Lock()
        self.started_pid: int | None = None

    # Life cycle --------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self.started_pid == os.getpid()

    def start(self) -> None:
        """Start the thread once per process (a forked server process starts its own)."""
        if self.running:
            return
        with self._start_lock:
            if self.running:
                return
            self._stop.clear()
            self.started_pid = os.getpid()
            self._thread = threading.Thread(target=self.run_forever, name="qmsdocs-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None
        self.release_locks()

    def release_locks(self) -> None:
        for state in self.states.values():
            if state.lock is not None:
                state.lock.release()
            state.role = "idle"

    def wake(self) -> None:
        """Something was committed for the jobs: run now rather than at the next poll."""
        self._wake.set()

    def run_forever(self) -> None:
        poll = float(self.app.config["WORKER_POLL_SECONDS"])
        try:
            while not self._stop.is_set():
                try:
                    done = self.tick()
                except Exception:  # noqa: BLE001 - the loop must outlive any one failure
                    log.exception("background worker tick failed")
                    done = 0
                if done:
                    continue
                self._wake.wait(poll)
                self._wake.clear()
        finally:
            self.release_locks()

    # Running -------------------------------------------------------------------------------------

    def _state(self, kind: JobKind) -> KindState:
        state = self.states.get(kind.name)
        if state is None:
            with self.app.app_context():
                lock = lock_for(self.app.config["DATABASE_URL"], get_engine(), self.app.config["DATA_DIR"], kind.name)
            state = self.states[kind.name] = KindState(kind.name, lock=lock)
        return state

    def tick(self, *, force: bool = False) -> int:
        """Run one step of every kind this worker holds the lock of; returns the items done.

        `force` ignores the backoff pause (tests and `drain`).
        """
        done = 0
        with self._tick_lock:
            for kind in registered_kinds():
                state = self._state(kind)
                now = time.time()
                if not force and now < state.retry_at:
                    continue
                try:
                    holds = state.lock.acquire()
                except Exception as error:  # noqa: BLE001 - database unreachable: stand by, retry later
                    state.role, state.last_error = "standby", f"lock: {type(error).__name__}: {error}"
                    state.retry_at = now + float(self.app.config["WORKER_TAKEOVER_SECONDS"])
                    continue
                if not holds:
                    if state.role == "runner":
                        log.warning("worker lost the %s lock; standing by", kind.name)
                    state.role = "standby"
                    state.retry_at = now + float(self.app.config["WORKER_TAKEOVER_SECONDS"])
                    continue
                if state.role != "runner":
                    log.info("worker %s runs %s jobs", os.getpid(), kind.name)
                state.role = "runner"
                done += self._run_step(kind, state)
        return done

    def _run_step(self, kind: JobKind, state: KindState) -> int:
        state.runs += 1
        state.last_run_at = time.time()
        with self.app.app_context():
            try:
                count = int(kind.step() or 0)
                session.commit()
            except Busy as busy:
                session.rollback()
                state.last_error = f"busy: {busy}"[:500]
                state.retry_at = time.time() + BACKOFF_FIRST_SECONDS
                log.info("%s job waits for a busy resource: %s", kind.name, busy)
                return 0
            except Exception as error:  # noqa: BLE001 - recorded, retried with backoff
                session.rollback()
                state.failures += 1
                state.last_error = f"{type(error).__name__}: {error}"[:500]
                state.retry_at = time.time() + backoff_seconds(state.failures)
                log.warning("%s job failed (%d in a row), retry in %.0fs: %s", kind.name, state.failures,
                            state.retry_at - time.time(), state.last_error)
                return 0
        state.failures = 0
        state.last_error = None
        state.retry_at = 0.0
        state.last_success_at = time.time()
        state.items_done += count
        return count

    def drain(self, max_rounds: int = 100) -> int:
        """Run every kind until none has work left (tests and commands that need results now)."""
        total = 0
        for _ in range(max_rounds):
            done = self.tick(force=True)
            total += done
            if not done:
                break
        return total

    # Reporting -----------------------------------------------------------------------------------

    def report(self) -> list[dict]:
        """Each kind's state here, with its lag read from the database (the same for every worker)."""
        rows = []
        for kind in registered_kinds():
            state = self.states.get(kind.name) or KindState(kind.name)
            try:
                lag = kind.lag()
            except Exception:  # noqa: BLE001 - the report must not fail the page that shows it
                session.rollback()
                lag = None
            rows.append({
                "name": kind.name, "title": kind.title, "role": state.role, "runs": state.runs,
                "items_done": state.items_done, "failures": state.failures, "last_error": state.last_error,
                "last_run_at": state.last_run_at, "last_success_at": state.last_success_at,
                "retry_in": max(0.0, state.retry_at - time.time()) if state.failures else 0.0,
                "lag_seconds": lag,
            })
        return rows
