"""Facts the alert rules read from the database: current versions, what they cite, the registry.

Affected procedures are found through the indexed citation keys of CURRENT versions
(`citations.key`, plus the name index of the legal registry), never by rescanning text.
A provincial symbol (QĐ-UBND …) counts as citing the registry entry of the citing agency's
province (qmsdocs.legal.provincial); articles cited with a symbol are kept for article-level rules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts import rules
from qmsdocs.alerts.models import ProcedureReview
from qmsdocs.alerts.rules import ChangeFacts, DocumentFacts, Finding
from qmsdocs.db import session
from qmsdocs.clock import local_time
from qmsdocs.legal import lapse, provincial
from qmsdocs.legal.models import ALERTING_CHANGES, LegalAlias, LegalChange, LegalDocument, NameCitation
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion

CHUNK = 500


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


@dataclass
class VersionFacts:
    procedure_id: int
    agency_id: int
    version_id: int
    reference_date: date
    review_interval: int
    # The version's own date (Ngày ban hành, else the upload day): which province's documents it means.
    version_date: date | None = None
    province: str | None = None
    former_province: str | None = None
    # Registered documents cited -> the articles cited with them (empty: the document as a whole).
    cited: dict[int, frozenset[str]] = field(default_factory=dict)


def version_facts_query():
    return (
        select(Procedure.id, Procedure.agency_id, Procedure.current_version_id, ProcedureVersion.number,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at, ProcedureVersion.decided_at,
               func.coalesce(Procedure.review_interval_months, Agency.review_interval_months, 12),
               Agency.province, Agency.former_province)
        .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active")
    )


def facts_from_rows(rows) -> dict[int, VersionFacts]:
    facts = {}
    for (procedure_id, agency_id, version_id, number, issued_on, uploaded_at, decided_at, interval,
         province, former_province) in rows:
        uploaded_on = _local_day(uploaded_at)
        reference = rules.version_reference_date(
            number, issued_on, uploaded_on, _local_day(decided_at) if decided_at else None)
        facts[version_id] = VersionFacts(procedure_id, agency_id, version_id, reference, interval,
                                         issued_on or uploaded_on, province, former_province)
    return facts


def _local_day(moment: datetime) -> date:
    return local_time(moment).date()


def load_citations(facts: dict[int, VersionFacts], *, every_current: bool = False) -> None:
    """Fill `cited` of each version: by symbol, by another symbol, by name, or a provincial symbol.

    With `every_current`, the versions are all current ones and are read in one pass (full evaluation).
    """
    cited: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    if every_current:
        _add_citations(cited, facts, select(Procedure.current_version_id).where(
            Procedure.status == "active", Procedure.current_version_id.is_not(None)))
    else:
        for batch in chunks(facts):
            _add_citations(cited, facts, batch)
    for version_id, version_facts in facts.items():
        version_facts.cited = {doc: frozenset(articles) for doc, articles in cited.get(version_id, {}).items()}


def _articles(text: str | None) -> set[str]:
    return {a for a in (text or "").split(",") if a}


def _add_citations(cited, facts: dict[int, VersionFacts], versions) -> None:
    """Add to `cited` the documents cited by `versions` (ids, or a subquery of ids)."""
    by_key = (select(Citation.version_id, LegalDocument.id, Citation.articles)
              .join(LegalDocument, LegalDocument.key == Citation.key).where(Citation.version_id.in_(versions)))
    by_alias = (select(Citation.version_id, LegalAlias.document_id, Citation.articles)
                .join(LegalAlias, LegalAlias.key == Citation.key).where(Citation.version_id.in_(versions)))
    for query in (by_key, by_alias):
        for version_id, document_id, articles in session.execute(query):
            cited[version_id][document_id] |= _articles(articles)
    for version_id, document_id in session.execute(
            select(NameCitation.version_id, NameCitation.document_id).where(NameCitation.version_id.in_(versions))):
        cited[version_id].setdefault(document_id, set())  # by name: the document as a whole
    _add_provincial(cited, facts, versions)


def _add_provincial(cited, facts: dict[int, VersionFacts], versions) -> None:
    """Provincial symbols: the registry entry of the citing agency's province, when exactly one fits."""
    local = select(LegalDocument.citation_key).where(LegalDocument.province.is_not(None))
    rows = session.execute(select(Citation.version_id, Citation.key, Citation.articles)
                           .where(Citation.version_id.in_(versions), Citation.key.in_(local))).all()
    if not rows:
        return
    candidates: dict[str, dict[str, int]] = defaultdict(dict)
    for document_id, key, province in session.execute(
            select(LegalDocument.id, LegalDocument.citation_key, LegalDocument.province)
            .where(LegalDocument.citation_key.in_({row[1] for row in rows}), LegalDocument.province.is_not(None))):
        candidates[key][province] = document_id
    for version_id, key, articles in rows:
        version = facts.get(version_id)
        if version is None:
            continue
        document_id = provincial.resolve(candidates[key], version.province, version.former_province,
                                         version.version_date)
        if document_id is not None:
            cited[version_id][document_id] |= _articles(articles)


def versions_citing(document_ids: Iterable[int]):
    """A subquery of version ids that may cite the documents (a superset for provincial ones)."""
    ids = list(document_ids)
    keys = (select(LegalDocument.key).where(LegalDocument.id.in_(ids))
            .union(select(LegalDocument.citation_key).where(LegalDocument.id.in_(ids)),
                   select(LegalAlias.key).where(LegalAlias.document_id.in_(ids), LegalAlias.is_symbol.is_(True))))
    return (select(Citation.version_id).where(Citation.key.in_(keys))
            .union(select(NameCitation.version_id).where(NameCitation.document_id.in_(ids))))


@dataclass
class Registry:
    documents: dict[int, DocumentFacts]
    changes_by_document: dict[int, list[ChangeFacts]]
    # Documents lapsing with the document they detail or guide (qmsdocs.legal.lapse).
    lapses: dict[int, lapse.Lapse] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._changes = {c.id: c for changes in self.changes_by_document.values() for c in changes}

    @classmethod
    def load(cls, document_ids: Iterable[int] | None = None) -> Registry:
        lapses = lapse.current_lapses()
        wanted = None if document_ids is None else set(document_ids)
        if wanted is not None:
            for document_id in list(wanted):
                found = lapses.get(document_id)
                if found:
                    wanted |= {found.parent_id, found.root_document_id}
        doc_query = select(LegalDocument.id, LegalDocument.symbol, LegalDocument.status, LegalDocument.effective_on,
                           LegalDocument.doc_type)
        by_document = LegalDocument.__table__.alias("by_document")
        change_query = (
            select(LegalChange.id, LegalChange.document_id, LegalChange.kind, LegalChange.by_document_id,
                   by_document.c.symbol, LegalChange.effective_on, LegalChange.articles)
            .outerjoin(by_document, by_document.c.id == LegalChange.by_document_id)
            .where(LegalChange.kind.in_(ALERTING_CHANGES))
            .order_by(LegalChange.effective_on, LegalChange.id)
        )
        documents: dict[int, DocumentFacts] = {}
        changes: dict[int, list[ChangeFacts]] = defaultdict(list)
        batches = [None] if wanted is None else list(chunks(wanted))
        for batch in batches:
            docs = doc_query if batch is None else doc_query.where(LegalDocument.id.in_(batch))
            chs = change_query if batch is None else change_query.where(LegalChange.document_id.in_(batch))
            for row in session.execute(docs):
                documents[row[0]] = DocumentFacts(*row)
            for *row, articles in session.execute(chs):
                changes[row[1]].append(ChangeFacts(*row, articles=tuple(_articles(articles))))
        return cls(documents, changes, lapses)

    def change(self, change_id: int) -> ChangeFacts | None:
        return self._changes.get(change_id)


def last_reviews(procedure_ids: Iterable[int] | None = None) -> dict[int, date]:
    query = select(ProcedureReview.procedure_id, func.max(ProcedureReview.reviewed_on)).group_by(
        ProcedureReview.procedure_id)
    if procedure_ids is None:
        return dict(session.execute(query).all())
    reviews = {}
    for batch in chunks(procedure_ids):
        reviews.update(session.execute(query.where(ProcedureReview.procedure_id.in_(batch))).all())
    return reviews


def findings(facts: VersionFacts, registry: Registry, last_review: date | None, today: date) -> list[Finding]:
    """What rules (a), (b) and (c) say about one current version."""
    found = []
    for document_id in sorted(facts.cited):
        document = registry.documents.get(document_id)
        if document is None:
            continue
        for change in registry.changes_by_document.get(document_id, ()):
            finding = rules.change_finding(change, document, facts.cited, facts.reference_date, today)
            if finding:
                found.append(finding)
        lapsed = registry.lapses.get(document_id)
        if lapsed is not None:
            finding = rules.lapse_finding(document, lapsed, registry.documents.get(lapsed.parent_id),
                                          registry.documents.get(lapsed.root_document_id),
                                          registry.change(lapsed.root_change_id), today)
            if finding:
                found.append(finding)
        finding = rules.not_in_force_finding(document, today)
        if finding:
            found.append(finding)
    basis = max(filter(None, (facts.reference_date, last_review)))
    finding = rules.review_finding(basis, facts.review_interval, today)
    if finding:
        found.append(finding)
    return found
