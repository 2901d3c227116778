"""One structured log line per request, with a request id also sent back as `X-Request-Id`.

The line is JSON on the `qmsdocs.request` logger: request id, method, path (without the
query string, which may hold search words), status, duration in milliseconds, user when
signed in, client address. A request id sent by a reverse proxy (`X-Request-Id`, at most 64
safe characters) is kept, so the proxy's and the app's logs can be matched.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from flask import Flask, g, request
from sqlalchemy import inspect as sa_inspect

log = logging.getLogger("qmsdocs.request")

_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def request_id() -> str:
    return g.get("request_id", "")


def _start() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-Id", "")
    g.request_id = offered if _SAFE_ID.match(offered) else uuid.uuid4().hex


def _finish(response):
    started = g.get("request_started")
    if started is None:  # a failure before the first hook ran
        _start()
        started = g.request_started
    response.headers["X-Request-Id"] = g.request_id
    record = {
        "request_id": g.request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
        "user": _user_name(),
        "remote": request.remote_addr,
    }
    log.info(json.dumps(record, ensure_ascii=False))
    return response


def _user_name() -> str | None:
    """The user already loaded by this request, if any: never a query of its own."""
    for key in ("api_user", "_login_user"):
        user = g.get(key)
        # The loaded value only: after a rollback the object is expired, and reading the
        # attribute would query (and, in a writing request, wait for the write lock).
        state = sa_inspect(user, raiseerr=False) if user is not None else None
        name = state.dict.get("username") if state is not None else getattr(user, "username", None)
        if name:
            return name
    return None


def init_app(app: Flask) -> None:
    # First before-request hook, last after-request hook: the duration covers the whole request.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)
