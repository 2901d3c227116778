"""Facts the alert rules read from the database: current versions, what they cite, the registry.

Affected procedures are found through the indexed citation keys of CURRENT versions
(`citations.key`, plus the name index of the legal registry), never by rescanning text.
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
from qmsdocs.i18n import local_time
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
    cited: set[int] = field(default_factory=set)


def version_facts_query():
    return (
        select(Procedure.id, Procedure.agency_id, Procedure.current_version_id, ProcedureVersion.number,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at, ProcedureVersion.decided_at,
               func.coalesce(Procedure.review_interval_months, Agency.review_interval_months, 12))
        .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active")
    )


def facts_from_rows(rows) -> dict[int, VersionFacts]:
    facts = {}
    for procedure_id, agency_id, version_id, number, issued_on, uploaded_at, decided_at, interval in rows:
        reference = rules.version_reference_date(
            number, issued_on, _local_day(uploaded_at), _local_day(decided_at) if decided_at else None)
        facts[version_id] = VersionFacts(procedure_id, agency_id, version_id, reference, interval)
    return facts


def _local_day(moment: datetime) -> date:
    return local_time(moment).date()


def cited_documents(version_ids: Iterable[int]) -> dict[int, set[int]]:
    """Registered documents each version cites: by symbol, by another symbol, or by name."""
    cited: dict[int, set[int]] = defaultdict(set)
    for batch in chunks(version_ids):
        _add_citations(cited, batch)
    return cited


def all_current_citations() -> dict[int, set[int]]:
    """The same for every current version at once (full re-evaluation)."""
    cited: dict[int, set[int]] = defaultdict(set)
    current = select(Procedure.current_version_id).where(Procedure.status == "active",
                                                         Procedure.current_version_id.is_not(None))
    _add_citations(cited, current)
    return cited


def _add_citations(cited: dict[int, set[int]], versions) -> None:
    """Add to `cited` the documents cited by `versions` (ids, or a subquery of ids)."""
    queries = (
        select(Citation.version_id, LegalDocument.id)
        .join(LegalDocument, LegalDocument.key == Citation.key).where(Citation.version_id.in_(versions)),
        select(Citation.version_id, LegalAlias.document_id)
        .join(LegalAlias, LegalAlias.key == Citation.key).where(Citation.version_id.in_(versions)),
        select(NameCitation.version_id, NameCitation.document_id).where(NameCitation.version_id.in_(versions)),
    )
    for query in queries:
        for version_id, document_id in session.execute(query):
            cited[version_id].add(document_id)


def document_keys(document_id: int) -> list[str]:
    keys = [session.scalar(select(LegalDocument.key).where(LegalDocument.id == document_id))]
    keys += session.scalars(select(LegalAlias.key).where(LegalAlias.document_id == document_id,
                                                         LegalAlias.is_symbol.is_(True)))
    return [key for key in keys if key]


def versions_citing(document_id: int):
    """A subquery of version ids citing the document (indexed keys and names), for IN clauses."""
    keys = document_keys(document_id)
    return (
        select(Citation.version_id).where(Citation.key.in_(keys))
        .union(select(NameCitation.version_id).where(NameCitation.document_id == document_id))
    )


def versions_citing_among(document_id: int, version_ids: Iterable[int]) -> set[int]:
    keys = document_keys(document_id)
    found: set[int] = set()
    for batch in chunks(version_ids):
        found.update(session.scalars(select(Citation.version_id).where(Citation.key.in_(keys),
                                                                       Citation.version_id.in_(batch))))
        found.update(session.scalars(select(NameCitation.version_id).where(NameCitation.document_id == document_id,
                                                                           NameCitation.version_id.in_(batch))))
    return found


@dataclass
class Registry:
    documents: dict[int, DocumentFacts]
    changes_by_document: dict[int, list[ChangeFacts]]

    @classmethod
    def load(cls, document_ids: Iterable[int] | None = None) -> Registry:
        doc_query = select(LegalDocument.id, LegalDocument.symbol, LegalDocument.status, LegalDocument.effective_on)
        by_document = LegalDocument.__table__.alias("by_document")
        change_query = (
            select(LegalChange.id, LegalChange.document_id, LegalChange.kind, LegalChange.by_document_id,
                   by_document.c.symbol, LegalChange.effective_on)
            .outerjoin(by_document, by_document.c.id == LegalChange.by_document_id)
            .where(LegalChange.kind.in_(ALERTING_CHANGES))
            .order_by(LegalChange.effective_on, LegalChange.id)
        )
        documents: dict[int, DocumentFacts] = {}
        changes: dict[int, list[ChangeFacts]] = defaultdict(list)
        batches = [None] if document_ids is None else list(chunks(document_ids))
        for batch in batches:
            docs = doc_query if batch is None else doc_query.where(LegalDocument.id.in_(batch))
            chs = change_query if batch is None else change_query.where(LegalChange.document_id.in_(batch))
            for row in session.execute(docs):
                documents[row[0]] = DocumentFacts(*row)
            for row in session.execute(chs):
                changes[row[1]].append(ChangeFacts(*row))
        return cls(documents, changes)


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
        finding = rules.not_in_force_finding(document, today)
        if finding:
            found.append(finding)
    basis = max(filter(None, (facts.reference_date, last_review)))
    finding = rules.review_finding(basis, facts.review_interval, today)
    if finding:
        found.append(finding)
    return found
