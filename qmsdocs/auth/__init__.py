"""Users, roles, API tokens and the permission rules every route checks."""

from __future__ import annotations


def init_app(app) -> None:
    """Users follow their agency when a reorganization hands its work to a successor."""
    from qmsdocs import events

    events.agency_succeeded.connect(on_agency_succeeded)


def on_agency_succeeded(agency, *, successor, actor=None, **_details) -> None:
    """Every user of a ceased agency now works for its successor."""
    from sqlalchemy import select

    from qmsdocs.audit.services import record
    from qmsdocs.auth.models import User
    from qmsdocs.db import session

    for user in session.scalars(select(User).where(User.agency_id == agency.id)):
        user.agency_id = successor.id
        record(actor, "user.move", "user", user.id, agency_id=successor.id, from_agency=agency.code)
