"""Background jobs: work taken off the request path (search outbox now; mail, scheduled dates later).

Areas register kinds of job (`register(JobKind(...))`); each process has one `Worker`,
started as a thread with the app (`QMSDOCS_WORKER=thread`, the default) or run in the
foreground by `qms worker` (`QMSDOCS_WORKER=off` on the web servers). One runner per kind at
a time, elected by a lock; requests only wake it after their commit.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, has_app_context

from qmsdocs.jobs.registry import Busy, JobKind, register, registered_kinds
from qmsdocs.jobs.worker import Worker

__all__ = ["Busy", "JobKind", "register", "registered_kinds", "wake", "get_worker", "drain"]

MODES = ("thread", "off")


def get_worker(app: Flask | None = None) -> Worker:
    return (app or current_app).extensions["qmsdocs.worker"]


def wake() -> None:
    """After a commit that left work for the jobs: the local worker runs now, others at their next poll."""
    if has_app_context():
        worker = current_app.extensions.get("qmsdocs.worker")
        if worker is not None:
            worker.wake()


def drain(app: Flask) -> int:
    """Run every kind of job until nothing is due; for tests and commands that need the result now."""
    return get_worker(app).drain()


def _configure(app: Flask) -> None:
    app.config.setdefault("WORKER", os.environ.get("QMSDOCS_WORKER", "thread"))
    app.config.setdefault("WORKER_POLL_SECONDS", float(os.environ.get("QMSDOCS_WORKER_POLL_SECONDS", "1")))
    app.config.setdefault("WORKER_TAKEOVER_SECONDS", float(os.environ.get("QMSDOCS_WORKER_TAKEOVER_SECONDS", "2")))
    mode = str(app.config["WORKER"]).strip().lower()
    if mode not in MODES:
        raise RuntimeError(
            f"QMSDOCS_WORKER='{mode}' không hợp lệ: chọn thread hoặc off. (Unknown worker mode; use thread or off.)"
        )
    app.config["WORKER"] = mode


def init_app(app: Flask) -> None:
    from qmsdocs.jobs import cli, routes  # noqa: F401 - cli registers `qms worker`

    _configure(app)
    worker = app.extensions["qmsdocs.worker"] = Worker(app)
    app.register_blueprint(routes.bp)
    if app.config["WORKER"] == "thread":
        # Started by the first request, not here: commands (`flask qms ...`) build the app too,
        # and a server that forks after loading the app needs the thread in each child.
        @app.before_request
        def _start_worker():
            if not worker.running:
                worker.start()
