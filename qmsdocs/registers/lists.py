"""The master lists an auditor asks for (clause 7.5.3 of ISO 9001:2015), per agency or for the province.

- Danh mục tài liệu nội bộ: every procedure with its current revision, dates, status and approver.
- Danh mục tài liệu có nguồn gốc bên ngoài: every legal document the current procedures cite, with
  its status in the legal registry and when the registry entry was last checked.

Each list is read with a fixed number of queries whatever the number of procedures (rows are
joined, citations resolved against the registry in bulk), so the province-wide list stays fast.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.services import get_agency
from qmsdocs.auth.models import User
from qmsdocs.clock import local_time
from qmsdocs.db import session
from qmsdocs.docx.citations import canonical_symbol
from qmsdocs.legal import provincial
from qmsdocs.legal.models import STATUS_LABELS, LegalAlias, LegalDocument, NameCitation
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion
from qmsdocs.registers.models import VersionForm

CHUNK = 400
# Stable codes of a procedure's place in the internal list, and the phrase printed for each.
INTERNAL_STATUS_LABELS = {
    "current": "Đang hiệu lực",
    "not_issued": "Chưa ban hành",
    "retired": "Đã bãi bỏ",
}
UNREGISTERED_LABEL = "Chưa có trong sổ văn bản"


@dataclass
class InternalEntry:
    """Một dòng danh mục tài liệu nội bộ."""

    procedure_id: int
    agency: str
    agency_name: str
    code: str
    title: str
    status: str
    # Lần ban hành printed in the document's header; the version number when the header has none.
    revision: str | None
    version: int | None
    issued_on: date | None
    # The day the version took effect: its approval, or its upload when it needed none.
    effective_on: date | None
    approver: str | None
    forms: int = 0
    retired_on: date | None = None

    @property
    def status_label(self) -> str:
        return INTERNAL_STATUS_LABELS[self.status]

    def as_json(self) -> dict:
        return {
            "procedure_id": self.procedure_id, "agency": self.agency, "agency_name": self.agency_name,
            "code": self.code, "title": self.title, "status": self.status, "status_label": self.status_label,
            "revision": self.revision, "version": self.version, "issued_on": _iso(self.issued_on),
            "effective_on": _iso(self.effective_on), "approver": self.approver, "forms": self.forms,
            "retired_on": _iso(self.retired_on),
        }


@dataclass
class CitingProcedure:
    procedure_id: int
    agency: str
    code: str


@dataclass
class ExternalEntry:
    """Một dòng danh mục tài liệu có nguồn gốc bên ngoài: a registered document, or a symbol the registry lacks."""

    symbol: str
    document_id: int | None
    doc_type: str | None
    title: str | None
    issuer: str | None
    issued_on: date | None
    effective_on: date | None
    status: str | None
    checked_on: date | None
    cited_by: list[CitingProcedure] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status) if self.status else UNREGISTERED_LABEL

    @property
    def registered(self) -> bool:
        return self.document_id is not None

    def as_json(self) -> dict:
        return {
            "symbol": self.symbol, "document_id": self.document_id, "doc_type": self.doc_type,
            "title": self.title, "issuer": self.issuer, "issued_on": _iso(self.issued_on),
            "effective_on": _iso(self.effective_on), "status": self.status, "status_label": self.status_label,
            "checked_on": _iso(self.checked_on),
            "cited_by": [{"procedure_id": c.procedure_id, "agency": c.agency, "code": c.code}
                         for c in self.cited_by],
        }


@dataclass
class MasterList:
    kind: str  # internal | external
    agency: Agency | None  # None: the whole province
    entries: list


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _local_day(moment: datetime | None) -> date | None:
    return local_time(moment).date() if moment else None


def _chunks(values: list) -> Iterator[list]:
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


def _scope(agency_code: str | None) -> Agency | None:
    return get_agency(agency_code) if agency_code else None


def _person(full_name: str | None, login: str | None, recorded_name: str | None) -> str | None:
    """The user's full name, else login; else the name recorded by the service a version came from."""
    return full_name or login or recorded_name


# --- internal -----------------------------------------------------------------------------------

def internal_list(agency_code: str | None = None) -> MasterList:
    agency = _scope(agency_code)
    decider, uploader = aliased(User), aliased(User)
    forms = (select(VersionForm.version_id, func.count().label("forms"))
             .group_by(VersionForm.version_id).subquery())
    # Columns, not entities: a version's text is large and the list needs none of it.
    stmt = (
        select(Procedure.id, Agency.code, Agency.name, Procedure.code, Procedure.title, Procedure.status,
               Procedure.retired_at, ProcedureVersion.number, ProcedureVersion.doc_revision,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at, ProcedureVersion.decided_at,
               ProcedureVersion.in_force_from, ProcedureVersion.decided_by_name, ProcedureVersion.uploaded_by_name,
               decider.full_name, decider.username, uploader.full_name, uploader.username, forms.c.forms)
        .join(Agency, Agency.id == Procedure.agency_id)
        .outerjoin(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .outerjoin(decider, decider.id == ProcedureVersion.decided_by_id)
        .outerjoin(uploader, uploader.id == ProcedureVersion.uploaded_by_id)
        .outerjoin(forms, forms.c.version_id == ProcedureVersion.id)
        .order_by(Agency.code, Procedure.code)
    )
    if agency is not None:
        stmt = stmt.where(Procedure.agency_id == agency.id)
    entries = []
    for (pid, a_code, a_name, code, title, status, retired_at, number, revision, issued_on, uploaded_at,
         decided_at, in_force_from, decided_by_name, uploaded_by_name, decider_name, decider_login, uploader_name,
         uploader_login, form_count) in session.execute(stmt):
        state = "retired" if status == "retired" else ("current" if number else "not_issued")
        entry = InternalEntry(pid, a_code, a_name, code, title, state, None, None, None, None, None,
                              retired_on=_local_day(retired_at))
        if number:
            entry.version = number
            entry.revision = revision or str(number)
            entry.issued_on = issued_on
            # The day it became current (a later effective date waits); older rows: approval or upload.
            entry.effective_on = in_force_from or _local_day(decided_at or uploaded_at)
            entry.approver = (_person(decider_name, decider_login, decided_by_name) if decided_at
                              else _person(uploader_name, uploader_login, uploaded_by_name))
            entry.forms = form_count or 0
        entries.append(entry)
    return MasterList("internal", agency, entries)


# --- external -----------------------------------------------------------------------------------

@dataclass
class _Citing:
    key: str
    symbol: str
    procedure: CitingProcedure
    province: str | None
    former_province: str | None
    day: date


def external_list(agency_code: str | None = None) -> MasterList:
    agency = _scope(agency_code)
    citing = list(_current_citations(agency))
    keys = sorted({c.key for c in citing})
    by_key: dict[str, int] = {}
    local: dict[str, dict[str, int]] = defaultdict(dict)
    for chunk in _chunks(keys):
        by_key.update(session.execute(select(LegalDocument.key, LegalDocument.id)
                                      .where(LegalDocument.key.in_(chunk))).all())
        for key, document_id in session.execute(select(LegalAlias.key, LegalAlias.document_id)
                                                .where(LegalAlias.key.in_(chunk), LegalAlias.is_symbol.is_(True))):
            by_key.setdefault(key, document_id)
        for key, province, document_id in session.execute(
                select(LegalDocument.citation_key, LegalDocument.province, LegalDocument.id)
                .where(LegalDocument.citation_key.in_(chunk), LegalDocument.province.is_not(None))):
            local[key][province] = document_id

    # Keyed by procedure id, so a procedure citing a document several times is listed once.
    cited: dict[int, dict[int, CitingProcedure]] = defaultdict(dict)
    unknown: dict[str, dict[int, CitingProcedure]] = defaultdict(dict)
    unknown_symbols: dict[str, str] = {}
    for c in citing:
        document_id = by_key.get(c.key)
        if document_id is None and c.key in local:
            document_id = provincial.resolve(local[c.key], c.province, c.former_province, c.day)
        if document_id is not None:
            cited[document_id].setdefault(c.procedure.procedure_id, c.procedure)
        else:
            unknown[c.key].setdefault(c.procedure.procedure_id, c.procedure)
            unknown_symbols.setdefault(c.key, c.symbol)
    for document_id, procedure in _name_citations(agency):
        cited[document_id].setdefault(procedure.procedure_id, procedure)

    entries = []
    for chunk in _chunks(sorted(cited)):
        for document in session.scalars(select(LegalDocument).where(LegalDocument.id.in_(chunk))):
            entries.append(ExternalEntry(
                document.symbol, document.id, document.doc_type, document.title, document.issuer,
                document.issued_on, document.effective_on, document.status,
                _local_day(max(filter(None, (document.updated_at, document.status_set_at)))),
                sorted(cited[document.id].values(), key=_procedure_order)))
    entries += [ExternalEntry(canonical_symbol(unknown_symbols[key]) or unknown_symbols[key], None, None, None, None,
                              None, None, None, None, sorted(procedures.values(), key=_procedure_order))
                for key, procedures in unknown.items()]
    # Registered documents first, by type and symbol; then the symbols the registry does not have.
    entries.sort(key=lambda e: (e.document_id is None, e.doc_type or "", e.symbol))
    return MasterList("external", agency, entries)


def _procedure_order(procedure: CitingProcedure) -> tuple[str, str]:
    return procedure.agency, procedure.code


def _current_citations(agency: Agency | None) -> Iterable[_Citing]:
    stmt = (
        select(Citation.key, Citation.symbol, Procedure.id, Procedure.code, Agency.code, Agency.province,
               Agency.former_province, ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at)
        .join(ProcedureVersion, ProcedureVersion.id == Citation.version_id)
        .join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active")
        .order_by(Agency.code, Procedure.code, Citation.id)
    )
    if agency is not None:
        stmt = stmt.where(Procedure.agency_id == agency.id)
    for key, symbol, pid, code, a_code, province, former, issued_on, uploaded_at in session.execute(stmt):
        yield _Citing(key, symbol, CitingProcedure(pid, a_code, code), province, former,
                      issued_on or uploaded_at.date())


def _name_citations(agency: Agency | None) -> Iterable[tuple[int, CitingProcedure]]:
    """Documents a current version cites by name ("Luật Đất đai 2024") rather than by symbol."""
    stmt = (
        select(NameCitation.document_id, Procedure.id, Procedure.code, Agency.code)
        .join(Procedure, Procedure.current_version_id == NameCitation.version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active")
    )
    if agency is not None:
        stmt = stmt.where(Procedure.agency_id == agency.id)
    for document_id, pid, code, a_code in session.execute(stmt):
        yield document_id, CitingProcedure(pid, a_code, code)
