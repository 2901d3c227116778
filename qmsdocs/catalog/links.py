"""Linking procedures to the TTHC they implement: suggestions read from the text, confirmed by people.

A suggestion is stored unconfirmed; confirming makes it a link, rejecting remembers the
refusal so the same suggestion never comes back.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_write
from qmsdocs.catalog.models import AdminProcedure, RejectedLinkSuggestion
from qmsdocs.db import session
from qmsdocs.errors import NotFound
from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure
from qmsdocs.text import fold

# In running text, with no digit or dot around it, so amounts like 1.500.000 do not match.
CODE_IN_TEXT = re.compile(r"(?<![\d.,])\d\.\d{6}(?![\d.,]?\d)")


def suggest_links(version) -> list[str]:
    """TTHC codes a version's text points at: national codes written in it, and catalogued names found in it."""
    procedure = version.procedure
    text = unicodedata.normalize("NFC", version.text or "")
    candidates: list[str] = []
    for code in CODE_IN_TEXT.findall(text):
        if code not in candidates:
            candidates.append(code)
    folded_text = " " + fold(" ".join([procedure.title or "", text])) + " "
    for code, name in session.execute(select(AdminProcedure.code, AdminProcedure.name)
                                      .where(AdminProcedure.status == "active")):
        core = fold(re.sub(r"^\s*thủ tục\s+", "", name, flags=re.IGNORECASE))
        if len(core) >= 12 and f" {core}" in folded_text and code not in candidates:
            candidates.append(code)
    existing = set(session.scalars(select(ProcedureAdminProcedure.code)
                                   .where(ProcedureAdminProcedure.procedure_id == procedure.id)))
    rejected = set(session.scalars(select(RejectedLinkSuggestion.code)
                                   .where(RejectedLinkSuggestion.procedure_id == procedure.id)))
    return [code for code in candidates if code not in existing and code not in rejected]


def record_suggestions(version) -> list[str]:
    """Store suggestions as unconfirmed links (confirmed=False) for a person to confirm or reject."""
    codes = suggest_links(version)
    for code in codes:
        session.add(ProcedureAdminProcedure(procedure_id=version.procedure_id, code=code, confirmed=False))
    if codes:
        session.flush()
        record(None, "procedure.admin_procedures.suggest", "procedure", version.procedure_id,
               agency_id=version.procedure.agency_id, codes=codes, version=version.number)
    return codes


def on_version_became_current(version, previous=None, **_kwargs) -> None:
    record_suggestions(version)


def _link(procedure_id: int, code: str):
    link = session.scalar(select(ProcedureAdminProcedure).where(
        ProcedureAdminProcedure.procedure_id == procedure_id, ProcedureAdminProcedure.code == code))
    if link is None:
        raise NotFound(f"Quy trình này không có liên kết (hay gợi ý) với TTHC mã '{code}'.", code="link_not_found")
    return link


def confirm_link(procedure, code: str, *, actor):
    require_write(actor, procedure.agency_id)
    link = _link(procedure.id, code)
    if not link.confirmed:
        link.confirmed = True
        session.flush()
        record(actor, "procedure.admin_procedure.confirm", "procedure", procedure.id,
               agency_id=procedure.agency_id, code=code)
        events.procedure_changed.send(procedure)
    return link


def reject_link(procedure, code: str, *, actor) -> None:
    """Remove a suggested (or confirmed) link and remember the refusal, so it is not suggested again."""
    require_write(actor, procedure.agency_id)
    link = _link(procedure.id, code)
    was_confirmed = link.confirmed
    procedure.admin_procedures.remove(link)
    session.delete(link)
    if not session.scalar(select(RejectedLinkSuggestion.id).where(
            RejectedLinkSuggestion.procedure_id == procedure.id, RejectedLinkSuggestion.code == code)):
        session.add(RejectedLinkSuggestion(procedure_id=procedure.id, code=code,
                                           rejected_by_id=getattr(actor, "id", None)))
    session.flush()
    record(actor, "procedure.admin_procedure.reject", "procedure", procedure.id, agency_id=procedure.agency_id,
           code=code, was_confirmed=was_confirmed)
    events.procedure_changed.send(procedure)


def pending_suggestions(*, agency_code: str | None = None, limit: int = 500) -> list:
    stmt = (select(ProcedureAdminProcedure).join(Procedure)
            .where(ProcedureAdminProcedure.confirmed.is_(False))
            .options(selectinload(ProcedureAdminProcedure.procedure))
            .order_by(Procedure.agency_id, Procedure.code, ProcedureAdminProcedure.code).limit(limit))
    if agency_code:
        stmt = stmt.join(Agency, Agency.id == Procedure.agency_id).where(Agency.code == agency_code)
    return list(session.scalars(stmt))



def pending_count() -> int:
    """How many suggestions wait for a decision: one COUNT, whatever their number."""
    return session.scalar(select(func.count()).select_from(ProcedureAdminProcedure)
                          .where(ProcedureAdminProcedure.confirmed.is_(False))) or 0


def suggest_for_all_current() -> int:
    """Record suggestions for every active procedure's current version; returns how many were added."""
    procedures = session.scalars(select(Procedure).where(Procedure.status == "active",
                                                         Procedure.current_version_id.is_not(None)))
    return sum(len(record_suggestions(p.current_version)) for p in procedures)
