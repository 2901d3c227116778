"""The administrators' view of the background work: each kind of job, who runs it, its lag."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required

from qmsdocs.auth.permissions import require_admin

bp = Blueprint("jobs", __name__)


@bp.get("/system")
@login_required
def system_page():
    require_admin(current_user)
    from qmsdocs.jobs import get_worker

    worker = get_worker()
    rows = worker.report()
    for row in rows:
        for key in ("last_run_at", "last_success_at"):
            row[key] = datetime.fromtimestamp(row[key], timezone.utc).replace(tzinfo=None) if row[key] else None
    return render_template("jobs/system.html", rows=rows, mode=current_app.config["WORKER"],
                           running_here=worker.running, pid=os.getpid())
