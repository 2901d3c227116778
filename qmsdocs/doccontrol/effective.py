"""Effective dates (ngày hiệu lực): approved versions waiting for their day become current on it.

Run by the background worker as soon as the day turns, and by the daily run (`qms alerts evaluate`)
before the alert rules read the state, so alerts and search follow without anyone acting.
Idempotent: a version already current, or overtaken by a newer one, is left alone.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.clock import local_today
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.procedures.services import make_current

CHECKED_DAY = "qmsdocs.doccontrol.checked_day"


def due_versions(today: date) -> list[ProcedureVersion]:
    """Per active procedure, the newest approved version whose effective date has come and that never was current."""
    rows = session.scalars(
        select(ProcedureVersion).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(ProcedureVersion.state == "approved", ProcedureVersion.in_force_from.is_(None),
               ProcedureVersion.effective_on.is_not(None), ProcedureVersion.effective_on <= today,
               Procedure.status == "active")
        .order_by(ProcedureVersion.procedure_id, ProcedureVersion.number))
    newest: dict[int, ProcedureVersion] = {}
    for version in rows:
        newest[version.procedure_id] = version
    return list(newest.values())


def bring_due_versions_into_force(today: date | None = None, actor=SYSTEM) -> int:
    """Make current every version whose effective date has come; returns how many did."""
    today = today or local_today()
    done = 0
    for version in due_versions(today):
        procedure = version.procedure
        session.execute(select(Procedure.id).where(Procedure.id == procedure.id).with_for_update())
        session.refresh(procedure, ["current_version_id"])
        current = procedure.current_version
        if current is not None and current.number > version.number:
            continue  # a newer version came into force first; this one never will
        make_current(version, in_force_from=version.effective_on)
        record(actor, "version.in_force", "procedure", procedure.id, agency_id=procedure.agency_id,
               version=version.number, effective_on=version.effective_on.isoformat())
        done += 1
    return done


def on_daily_run(_sender, *, today: date, actor=SYSTEM, **_kw) -> int:
    return bring_due_versions_into_force(today, actor)


def worker_step() -> int:
    """Background step: once per day (Vietnam's calendar) look for versions reaching their date.

    Nothing can fall due during a day it has already looked at: a version approved with today's
    date (or none) becomes current at once, so only the turn of the day brings new work.
    """
    today = local_today()
    if current_app.extensions.get(CHECKED_DAY) == today:
        return 0
    done = bring_due_versions_into_force(today)
    current_app.extensions[CHECKED_DAY] = today
    return done
