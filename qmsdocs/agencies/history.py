"""An agency's past: its reorganizations and its name, level and kind as they were on a date.

A reorganization never rewrites the past: every party's before/after state is kept in
`AgencyChangeParty`, so reports of a past year show the structure of that year.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from qmsdocs.agencies.kinds import NOT_ASSESSED_KINDS
from qmsdocs.agencies.models import Agency, AgencyChange, AgencyChangeParty
from qmsdocs.db import session
from qmsdocs.text import N_

# Reorganization actions as officials read them.
ACTIONS = {"rename": N_("Đổi tên"), "merge": N_("Hợp nhất, sáp nhập"), "split": N_("Chia tách"), "dissolve": N_("Giải thể")}


@dataclass(frozen=True)
class AgencySnapshot:
    """An agency as it was on a date (name, level, kind, unit type)."""

    id: int
    code: str
    name: str
    level: str
    kind: str | None
    unit_type: str | None
    existed: bool


def agency_as_of(agency: Agency, on: date) -> AgencySnapshot:
    """The agency as it was on `on`: later renames are undone from the recorded history."""
    state = {"name": agency.name, "level": agency.level, "kind": agency.kind, "unit_type": agency.unit_type}
    later = session.scalars(
        select(AgencyChangeParty)
        .join(AgencyChange)
        .where(AgencyChangeParty.agency_id == agency.id, AgencyChange.effective_on > on)
        .order_by(AgencyChange.effective_on.desc(), AgencyChange.id.desc())
    )
    for party in later:
        for attribute in state:
            before = getattr(party, f"{attribute}_before")
            after = getattr(party, f"{attribute}_after")
            if after is not None and before is not None and after != before:
                state[attribute] = before
    existed = (agency.established_on is None or agency.established_on <= on) and (
        agency.dissolved_on is None or agency.dissolved_on > on
    )
    return AgencySnapshot(agency.id, agency.code, state["name"], state["level"], state["kind"],
                          state["unit_type"], existed)


def existing_on(on: date, *, assessed_only: bool = True) -> list[Agency]:
    """Agencies that existed on a date, by their recorded establishment and dissolution dates."""
    stmt = select(Agency).where(
        (Agency.established_on.is_(None)) | (Agency.established_on <= on),
        (Agency.dissolved_on.is_(None)) | (Agency.dissolved_on > on),
    )
    agencies = list(session.scalars(stmt.order_by(Agency.level, Agency.code)))
    # An agency deactivated without a recorded date has no place in any year's structure.
    agencies = [a for a in agencies if a.active or a.dissolved_on is not None]
    if assessed_only:
        agencies = [a for a in agencies if a.kind not in NOT_ASSESSED_KINDS]
    return agencies


def history(agency: Agency) -> list[AgencyChange]:
    """Every reorganization the agency took part in, oldest first."""
    return list(session.scalars(
        select(AgencyChange).join(AgencyChangeParty)
        .where(AgencyChangeParty.agency_id == agency.id)
        .order_by(AgencyChange.effective_on, AgencyChange.id)
    ).unique())


def change_json(change: AgencyChange) -> dict:
    return {
        "id": change.id,
        "action": change.action,
        "action_label": ACTIONS.get(change.action, change.action),
        "effective_on": change.effective_on.isoformat(),
        "decision": change.decision,
        "note": change.note,
        "parties": [{
            "agency": party.agency.code, "role": party.role,
            "name_before": party.name_before, "name_after": party.name_after,
            "level_before": party.level_before, "level_after": party.level_after,
            "kind_before": party.kind_before, "kind_after": party.kind_after,
        } for party in change.parties],
        "procedures": [{
            "id": t.procedure_id, "from": t.from_agency.code, "to": t.to_agency.code if t.to_agency else None,
            "code_before": t.code_before, "code_after": t.code_after, "outcome": t.outcome,
        } for t in change.transfers],
    }


def changes_within(start: date, end: date) -> list[dict]:
    """Reorganizations effective between two dates, each with the agencies before and after it.

    A year cut by a reorganization shows both parts: what ceased on the date and what carried on.
    """
    changes = session.scalars(select(AgencyChange).where(AgencyChange.effective_on >= start,
                                                         AgencyChange.effective_on <= end)
                              .order_by(AgencyChange.effective_on, AgencyChange.id))
    return [{
        "effective_on": change.effective_on.isoformat(),
        "action": change.action,
        "action_label": ACTIONS.get(change.action, change.action),
        "decision": change.decision,
        "before": [{"code": p.agency.code, "name": p.name_before} for p in change.parties
                   if p.role in ("predecessor", "renamed")],
        "after": [{"code": p.agency.code, "name": p.name_after} for p in change.parties
                  if p.role in ("successor", "renamed")],
    } for change in changes]
