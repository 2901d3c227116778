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


def record_many(actor, action: str, obj_type: str, entries) -> None:
    """Record one event per (obj_id, agency_id, details) in one bulk INSERT.

    For thousands of events at once (alerts opened by one legal change): no ORM object per row.
    Events added earlier in the transaction are flushed first, so the order of ids is kept.
    """
    actor_id, actor_name = getattr(actor, "id", None), getattr(actor, "username", None) or "system"
    rows = [{"actor_id": actor_id, "actor_name": actor_name, "action": action, "object_type": obj_type,
             "object_id": obj_id, "agency_id": agency_id, "details": details}
            for obj_id, agency_id, details in entries]
    if rows:
        from sqlalchemy import insert

        session.execute(insert(AuditEvent), rows)


def events_for(obj_type: str, obj_id: int, limit: int = 200) -> list[AuditEvent]:
    from sqlalchemy import select

    stmt = (
        select(AuditEvent)
        .where(AuditEvent.object_type == obj_type, AuditEvent.object_id == obj_id)
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
