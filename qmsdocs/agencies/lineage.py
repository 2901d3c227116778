"""Old codes and names that keep working: an agency's successors, its former names, and lookups by either.

After a reorganization people still type the old code ("UBND-CL") or the old name ("UBND huyện
Càng Long"); the lookups here find the agency it was and the agencies that carry its work now,
so pages can say "trước đây: …" and lead to the successor.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from qmsdocs.agencies.models import Agency, AgencyChange, AgencyChangeParty, ProcedureTransfer
from qmsdocs.db import session
from qmsdocs.text import fold

MAX_DEPTH = 20  # a chain of reorganizations is short; the bound only guards against a damaged history


@dataclass
class Found:
    """An agency found by an old code or name, with the agencies that carry its work now."""

    agency: Agency
    matched: str  # code | name | former_name
    former_name: str | None = None
    successors: list[Agency] = field(default_factory=list)

    @property
    def note(self) -> str:
        was = self.former_name or self.agency.name
        if self.agency.active and self.matched == "former_name":
            return f"{self.agency.name} (trước đây: {was})"
        if self.successors:
            names = ", ".join(f"{a.name} ({a.code})" for a in self.successors)
            return f"{was} ({self.agency.code}) nay là {names}"
        return f"{was} ({self.agency.code})"


def direct_successors(agency: Agency) -> list[Agency]:
    """The agencies that took over from it in the reorganizations where it was a predecessor."""
    changes = select(AgencyChangeParty.change_id).where(AgencyChangeParty.agency_id == agency.id,
                                                        AgencyChangeParty.role == "predecessor")
    return list(session.scalars(
        select(Agency).join(AgencyChangeParty, AgencyChangeParty.agency_id == Agency.id)
        .join(AgencyChange, AgencyChange.id == AgencyChangeParty.change_id)
        .where(AgencyChangeParty.change_id.in_(changes), AgencyChangeParty.role == "successor")
        .order_by(AgencyChange.effective_on, AgencyChangeParty.id)).unique())


def current_successors(agency: Agency) -> list[Agency]:
    """The active agencies its work went to, following later reorganizations too (empty while it is active)."""
    if agency.active:
        return []
    found: list[Agency] = []
    frontier, seen = [agency], {agency.id}
    for _ in range(MAX_DEPTH):
        following = []
        for item in frontier:
            for successor in direct_successors(item):
                if successor.id in seen:
                    continue
                seen.add(successor.id)
                (found if successor.active else following).append(successor)
        if not following:
            break
        frontier = following
    return found


def predecessors(agency: Agency) -> list[Agency]:
    """The agencies that were merged or split into it."""
    changes = select(AgencyChangeParty.change_id).where(AgencyChangeParty.agency_id == agency.id,
                                                        AgencyChangeParty.role == "successor")
    return list(session.scalars(
        select(Agency).join(AgencyChangeParty, AgencyChangeParty.agency_id == Agency.id)
        .where(AgencyChangeParty.change_id.in_(changes), AgencyChangeParty.role == "predecessor")
        .order_by(Agency.code)).unique())


def former_names(agency: Agency) -> list[str]:
    """Names it went by before a rename, oldest first."""
    names = session.scalars(
        select(AgencyChangeParty.name_before).join(AgencyChange)
        .where(AgencyChangeParty.agency_id == agency.id, AgencyChangeParty.name_before.is_not(None),
               AgencyChangeParty.name_before != agency.name)
        .order_by(AgencyChange.effective_on))
    return list(dict.fromkeys(names))


def find_by_old_code_or_name(text: str) -> list[Found]:
    """Agencies a code or a name (current or former) names, each with its successors now."""
    text = (text or "").strip()
    if not text or len(text) > 255:
        return []
    results: dict[int, Found] = {}
    by_code = session.scalar(select(Agency).where(Agency.code == text))
    if by_code is not None:
        results[by_code.id] = Found(by_code, "code")
    folded = fold(text)
    parties = session.execute(
        select(AgencyChangeParty.agency_id, AgencyChangeParty.name_before)
        .where(AgencyChangeParty.name_before.is_not(None))).all()
    for agency_id, name in parties:
        if agency_id not in results and fold(name) == folded:
            agency = session.get(Agency, agency_id)
            results[agency_id] = Found(agency, "former_name", former_name=name)
    if not results:
        for agency in session.scalars(select(Agency).where(Agency.active.is_(False))):
            if fold(agency.name) == folded:
                results[agency.id] = Found(agency, "name")
    for found in results.values():
        found.successors = current_successors(found.agency)
    return list(results.values())


def transfers_from(agency_code: str, procedure_code: str | None = None) -> list[ProcedureTransfer]:
    """The procedures handed on from an old agency code (optionally one old procedure code), oldest first."""
    stmt = (select(ProcedureTransfer).join(Agency, Agency.id == ProcedureTransfer.from_agency_id)
            .join(AgencyChange, AgencyChange.id == ProcedureTransfer.change_id)
            .where(Agency.code == agency_code).order_by(AgencyChange.effective_on, ProcedureTransfer.id))
    if procedure_code:
        stmt = stmt.where(ProcedureTransfer.code_before == procedure_code)
    return list(session.scalars(stmt))


def transfers_from_code(procedure_code: str, limit: int = 10) -> list[ProcedureTransfer]:
    """Moves of procedures whose code before the move was this one, latest first."""
    if not procedure_code or len(procedure_code) > 64:
        return []
    return list(session.scalars(
        select(ProcedureTransfer).where(ProcedureTransfer.code_before == procedure_code,
                                        ProcedureTransfer.outcome == "moved",
                                        ProcedureTransfer.code_after != procedure_code)
        .order_by(ProcedureTransfer.id.desc()).limit(limit)))
