"""What procedures cite, read against the registry: the "cited but unknown" list and, for the
procedure page, the registry entry each citation means (a provincial symbol: the citing agency's
province, see qmsdocs.legal.provincial)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.db import session
from qmsdocs.docx.citations import canonical_symbol
from qmsdocs.legal import provincial
from qmsdocs.legal.models import LegalAlias, LegalDocument
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion


@dataclass
class UnknownCitation:
    key: str
    symbol: str
    procedures: int
    # Provinces whose document of this number the registry has, when none could be chosen.
    candidates: list[str] = field(default_factory=list)


def _unknown_cited_keys():
    """Citation keys of current versions that no registry entry, symbol alias or provincial number has."""
    known = (select(LegalDocument.key)
             .union(select(LegalAlias.key).where(LegalAlias.is_symbol.is_(True)),
                    select(LegalDocument.citation_key).where(LegalDocument.province.is_not(None))))
    return (select(Citation.key).join(Procedure, Procedure.current_version_id == Citation.version_id)
            .where(Procedure.status == "active", Citation.key.not_in(known)))


def unknown_citations_count() -> int:
    """How many entries `unknown_citations` lists: a COUNT for the plain keys, not their rows."""
    keys = _unknown_cited_keys().distinct().subquery()
    return (session.scalar(select(func.count()).select_from(keys)) or 0) + len(_unresolved_provincial())


def unknown_citations(limit: int | None = None) -> list[UnknownCitation]:
    """Keys cited by current versions that match nothing in the registry, most cited first; and
    provincial symbols whose citing agency's province has no entry, or that several could mean."""
    query = (
        _unknown_cited_keys().add_columns(func.min(Citation.symbol), func.count(func.distinct(Procedure.id)))
        .group_by(Citation.key)
    )
    found = [UnknownCitation(key, canonical_symbol(symbol) or symbol, count)
             for key, symbol, count in session.execute(query)]
    found += _unresolved_provincial()
    found.sort(key=lambda u: (-u.procedures, u.key))
    return found[:limit] if limit else found


def _unresolved_provincial() -> list[UnknownCitation]:
    candidates: dict[str, dict[str, int]] = defaultdict(dict)
    for document_id, key, province in session.execute(
            select(LegalDocument.id, LegalDocument.citation_key, LegalDocument.province)
            .where(LegalDocument.province.is_not(None))):
        candidates[key][province] = document_id
    if not candidates:
        return []
    rows = session.execute(
        select(Citation.key, Citation.symbol, Procedure.id, Agency.province, Agency.former_province,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at)
        .join(ProcedureVersion, ProcedureVersion.id == Citation.version_id)
        .join(Procedure, Procedure.current_version_id == Citation.version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active", Citation.key.in_(list(candidates))))
    unresolved: dict[str, tuple[str, set[int]]] = {}
    for key, symbol, procedure_id, province, former, issued_on, uploaded_at in rows:
        day = issued_on or uploaded_at.date()
        if provincial.resolve(candidates[key], province, former, day) is None:
            unresolved.setdefault(key, (canonical_symbol(symbol) or symbol, set()))[1].add(procedure_id)
    return [UnknownCitation(key, symbol, len(ids), sorted(candidates[key]))
            for key, (symbol, ids) in unresolved.items()]


@dataclass
class CitedEntry:
    """How one citation of a version reads against the registry (for the procedure page)."""

    symbol: str
    articles: list[str]
    document: LegalDocument | None
    candidates: list[str]


def cited_entries(version: ProcedureVersion) -> list[CitedEntry]:
    """Each symbol a version cites, with the registry entry it resolves to (the agency's own province
    for a provincial symbol) or the provinces it could mean."""
    procedure = version.procedure
    agency = procedure.agency
    day = version.doc_issued_on or version.uploaded_at.date()
    entries: dict[str, CitedEntry] = {}
    for citation in version.citations:
        entry = entries.get(citation.key)
        if entry is None:
            document, candidates = _resolve_citation(citation.key, agency, day)
            entry = entries[citation.key] = CitedEntry(citation.symbol, [], document, candidates)
        for article in (citation.articles or "").split(","):
            if article and article not in entry.articles:
                entry.articles.append(article)
    return list(entries.values())


def _resolve_citation(key: str, agency: Agency, day: date) -> tuple[LegalDocument | None, list[str]]:
    document = session.scalar(select(LegalDocument).where(LegalDocument.key == key))
    if document is not None:
        return document, []
    alias = session.scalar(select(LegalAlias).where(LegalAlias.key == key))
    if alias is not None:
        return alias.document, []
    local = {d.province: d for d in session.scalars(select(LegalDocument).where(
        LegalDocument.citation_key == key, LegalDocument.province.is_not(None)))}
    chosen = provincial.resolve({name: d.id for name, d in local.items()}, agency.province, agency.former_province,
                                day)
    if chosen is not None:
        return session.get(LegalDocument, chosen), []
    return None, sorted(local)
