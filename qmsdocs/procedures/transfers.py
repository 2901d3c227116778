"""Handing an agency's procedures to its successor when the agencies area reorganizes it.

The agencies area announces the hand-over with `events.procedures_handed_over`; this receiver
moves each procedure (versions untouched, code kept unless the successor already uses it) or
retires it when there is no successor, and announces the moves with one `events.procedures_moved`.
"""

from __future__ import annotations

from sqlalchemy import insert, select

from qmsdocs import events
from qmsdocs.agencies.models import Agency, AgencyChange, ProcedureTransfer
from qmsdocs.audit.services import record, record_many
from qmsdocs.db import session, utcnow
from qmsdocs.errors import InvalidInput
from qmsdocs.procedures.models import Procedure


def _free_code(code: str, taken: set[str], source: Agency) -> str:
    """The procedure's code in its new agency: kept unless the successor already uses it."""
    if code not in taken:
        return code
    base = f"{code}-{source.code}"[:64]
    candidate, n = base, 2
    while candidate in taken:
        suffix = f"-{n}"
        candidate = base[: 64 - len(suffix)] + suffix
        n += 1
    return candidate


def _check_assignment(source: Agency, procedures: list[Procedure], assignment: dict) -> None:
    own_codes = {procedure.code for procedure in procedures}
    for procedure_code in assignment:
        if procedure_code not in own_codes:
            raise InvalidInput(f"Cơ quan '{source.code}' không có quy trình mã '{procedure_code}'.",
                               code="invalid_assignment")


def _retire(procedure: Procedure, source: Agency, reason: str, actor) -> dict:
    if procedure.status == "active":
        procedure.status = "retired"
        procedure.retired_at = utcnow()
        procedure.retired_reason = reason
    record(actor, "procedure.retire", "procedure", procedure.id, agency_id=source.id, reason=reason)
    events.procedure_changed.send(procedure)
    return {"procedure_id": procedure.id, "from_agency_id": source.id, "to_agency_id": None,
            "code_before": procedure.code, "code_after": procedure.code, "outcome": "retired"}


def _move(procedure: Procedure, source: Agency, target: Agency, taken: set[str], reason: str,
          moves: list, audit: list) -> dict:
    code_before, new_code = procedure.code, _free_code(procedure.code, taken, source)
    taken.add(new_code)
    procedure.agency_id = target.id
    procedure.agency = target
    procedure.code = new_code
    procedure.updated_at = utcnow()
    # Flushed and audited once per hand-over (a district hands on hundreds of procedures).
    audit.append((procedure.id, target.id, {"from_agency": source.code, "to_agency": target.code,
                                            "code_before": code_before, "code_after": new_code}))
    events.procedure_changed.send(procedure)
    if procedure.status == "active":
        moves.append((procedure, f"{reason} Quy trình chuyển từ {source.name} sang {target.name}; "
                                 "cần rà soát lại tên cơ quan, thẩm quyền và biểu mẫu."))
    return {"procedure_id": procedure.id, "from_agency_id": source.id, "to_agency_id": target.id,
            "code_before": code_before, "code_after": new_code, "outcome": "moved"}


def _record_transfers(change: AgencyChange, rows: list[dict]) -> list[ProcedureTransfer]:
    """One insert for the hand-over's transfers (ORM objects would be one statement each on SQLite)."""
    if not rows:
        return []
    session.flush()  # the change's id
    order = {row["procedure_id"]: index for index, row in enumerate(rows)}
    transfers = list(session.scalars(insert(ProcedureTransfer).returning(ProcedureTransfer),
                                     [{**row, "change_id": change.id} for row in rows]))
    session.expire(change, ["transfers"])
    return sorted(transfers, key=lambda transfer: order[transfer.procedure_id])


def on_procedures_handed_over(source: Agency, *, change: AgencyChange, assignment: dict, default: Agency | None,
                              reason: str, actor) -> list[ProcedureTransfer]:
    """Move (or retire) each of the source's procedures; those assigned to the source itself stay."""
    procedures = list(session.scalars(select(Procedure).where(Procedure.agency_id == source.id)
                                      .order_by(Procedure.code)))
    _check_assignment(source, procedures, assignment)
    rows, moves, audit = [], [], []
    taken_by_agency: dict[int, set[str]] = {}
    for procedure in procedures:
        target = assignment.get(procedure.code, default)
        if target is source:
            continue
        if target is None:
            rows.append(_retire(procedure, source, reason, actor))
            continue
        if target.id not in taken_by_agency:
            taken_by_agency[target.id] = set(session.scalars(select(Procedure.code)
                                                             .where(Procedure.agency_id == target.id)))
        rows.append(_move(procedure, source, target, taken_by_agency[target.id], reason, moves, audit))
    transfers = _record_transfers(change, rows)
    record_many(actor, "procedure.move", "procedure", audit)
    if moves:
        events.procedures_moved.send(source, moves=moves, actor=actor)
    return transfers
