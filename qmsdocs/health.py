"""`GET /healthz` for load balancers and monitoring: no sign-in, no data beyond the service's state.

200 when every part works; 503 naming the failing parts: the database (a `SELECT 1`), the
data folder (a file written, synced and removed), the search index (a search that matches
nothing, which opens every reader) and the search outbox (how long the oldest change has
waited for the index; over QMSDOCS_HEALTH_MAX_LAG_SECONDS the background worker is stuck or
absent).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from pathlib import Path

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text

from qmsdocs.db import get_engine
from qmsdocs.jobs import get_worker

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


def _timed(check) -> dict:
    started = time.perf_counter()
    try:
        result = check() or {}
        result = {"ok": True, **result}
    except Exception as error:  # noqa: BLE001 - a failing part is the answer, not an error
        log.warning("health check %s failed: %s", check.__name__, error)
        result = {"ok": False, "error": f"{type(error).__name__}: {error}"[:300]}
    result["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return result


def check_database() -> dict:
    with get_engine().connect() as connection:
        connection.execute(text("SELECT 1"))
    return {}


def check_data_dir() -> dict:
    data_dir = Path(current_app.config["DATA_DIR"])
    probe = data_dir / f".healthz-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, b"ok")
        os.fsync(fd)
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)
    return {}


CHECKS = {
    "database": check_database,
    "data_dir": check_data_dir,
}


def register_check(name: str, check) -> None:
    """Areas add their own parts (the search index, its outbox); this module imports no area.

    A check returns a dict of figures, with `"ok": False` for a part that works but is
    behind; it raises when the part does not work.
    """
    CHECKS[name] = check


@bp.get("/healthz")
def healthz():
    checks = {name: _timed(check) for name, check in CHECKS.items()}
    failing = [name for name, result in checks.items() if not result["ok"]]
    worker = get_worker()
    body = {
        "status": "ok" if not failing else "failing",
        "failing": failing,
        "checks": checks,
        "worker": {"mode": current_app.config["WORKER"], "running_here": worker.running,
                   "kinds": {name: state.role for name, state in worker.states.items()}},
    }
    response = jsonify(body)
    response.status_code = 200 if not failing else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("HEALTH_MAX_LAG_SECONDS", float(os.environ.get("QMSDOCS_HEALTH_MAX_LAG_SECONDS", "120")))
    app.register_blueprint(bp)
