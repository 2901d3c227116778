"""Catalog operations: look-ups, creation, import and linking of TTHC to procedures."""

from __future__ import annotations

from sqlalchemy import select

from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.db import session


def admin_procedure_names(codes: list[str]) -> dict[str, str]:
    """Code → name of the catalogued TTHC among `codes`; unknown codes are left out."""
    wanted = {code.strip() for code in codes if code and code.strip()}
    if not wanted:
        return {}
    rows = session.execute(
        select(AdminProcedure.code, AdminProcedure.name).where(AdminProcedure.code.in_(sorted(wanted)))
    )
    return {code: name for code, name in rows}
