"""Recording audit events inside the caller's transaction, so they commit or vanish with it."""

from __future__ import annotations

from qmsdocs.audit.models import AuditEvent
from qmsdocs.db import session


def record(actor, action: str, obj_type: str, obj_id: int | None, *, agency_id: int | None = None, **details) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "username", None) or "system",
        action=action,
        object_type=obj_type,
        object_id=obj_id,
        agency_id=agency_id,
        details=details,
    )
    session.add(event)
    return event


def events_for(obj_type: str, obj_id: int, limit: int = 200) -> list[AuditEvent]:
    from sqlalchemy import select

    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == obj_type, AuditEvent.object_id == obj_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
