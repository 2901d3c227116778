"""The search area's parts of `GET /healthz`: the index answers, and the outbox is not stuck."""

from __future__ import annotations

from flask import current_app

from qmsdocs.db import session
from qmsdocs.search.backend import Filters
from qmsdocs.search.indexer import get_backend, outbox_lag_seconds


def check_search_index() -> dict:
    """A search that matches nothing still opens every reader of the index."""
    backend = get_backend()
    backend.search([], Filters(agency="healthz-no-such-agency"), offset=0, limit=1, include_history=False)
    session.rollback()
    return {"backend": backend.name}


def check_outbox() -> dict:
    """How long the oldest change has waited for the index; over the limit the worker is stuck or absent."""
    lag = round(outbox_lag_seconds(), 1)
    limit = float(current_app.config["HEALTH_MAX_LAG_SECONDS"])
    if lag > limit:
        return {"ok": False, "lag_seconds": lag,
                "error": f"oldest change waiting {lag:.0f}s for the search index (limit {limit:.0f}s)"}
    return {"lag_seconds": lag}
