"""Evaluating the rules: for one procedure, one change, one document, or everything.

All paths decide through `reconcile`, which applies the pure rules of `qmsdocs.alerts.rules`
to facts read by `qmsdocs.alerts.facts` and writes through `qmsdocs.alerts.store`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from qmsdocs.alerts import rules
from qmsdocs.alerts.facts import (
    Registry,
    VersionFacts,
    facts_from_rows,
    findings,
    last_reviews,
    load_citations,
    version_facts_query,
    versions_citing,
)
from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert
from qmsdocs.alerts.store import History, active_alerts, open_findings, resolve, sync_open_counts
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session
from qmsdocs.clock import local_today
from qmsdocs.legal import lapse
from qmsdocs.legal.models import LegalChange, LegalDocument
from qmsdocs.legal.services import apply_due_changes, index_name_citations
from qmsdocs.procedures.models import Procedure, ProcedureVersion


def _condition_gone_reason(alert: Alert, facts: VersionFacts | None, registry: Registry, today: date,
                           *, new_version: bool) -> str:
    if facts is None:
        return "Quy trình không còn phiên bản hiện hành hoặc đã bị bãi bỏ."
    if alert.cause.startswith("lapse:"):
        document = registry.documents.get(alert.legal_document_id)
        symbol = document.symbol if document else ""
        if alert.legal_document_id not in facts.cited:
            return f"Phiên bản hiện hành không còn viện dẫn văn bản {symbol}."
        return f"Danh mục không còn ghi văn bản {symbol} hết hiệu lực cùng văn bản mà nó quy định chi tiết."
    if alert.rule == "legal_change" and alert.legal_change_id is not None:
        for change in registry.changes_by_document.get(alert.legal_document_id, ()):
            if change.id == alert.legal_change_id:
                document = registry.documents.get(change.document_id)
                reason = rules.change_resolution(change, facts.cited, facts.reference_date,
                                                 document.symbol if document else "")
                if reason:
                    return reason
    if alert.rule == "not_in_force":
        document = registry.documents.get(alert.legal_document_id)
        if document is not None and alert.legal_document_id not in facts.cited:
            return f"Phiên bản hiện hành không còn viện dẫn văn bản {document.symbol}."
        if document is not None:
            return f"Văn bản {document.symbol} nay ở tình trạng “{rules.STATUS_LABELS.get(document.status)}”."
    if alert.rule == "review_overdue":
        return "Đã có phiên bản mới." if new_version else "Đã ghi nhận rà soát định kỳ."
    return "Nguyên nhân cảnh báo không còn."


def reconcile(procedure_ids: Iterable[int] | None, *, today: date | None = None, actor=None,
              new_version_of: Iterable[int] = ()) -> tuple[int, int]:
    """Make the stored alerts of these procedures (None: every procedure) what the rules say now.

    Every path goes through here, so open alerts are always a function of the current versions,
    the registry, the recorded reviews and today's date, whatever happened before. Returns
    (opened, resolved).
    """
    today = today or local_today()
    new_version_of = set(new_version_of)
    query = version_facts_query()
    if procedure_ids is None:
        facts = facts_from_rows(session.execute(query))
        load_citations(facts, every_current=True)
        active = active_alerts()
        registry = Registry.load()
        reviews = last_reviews()
    else:
        wanted_ids = set(procedure_ids)
        facts = {}
        for batch in _batches(wanted_ids):
            facts.update(facts_from_rows(session.execute(query.where(Procedure.id.in_(batch)))))
        load_citations(facts)
        active = active_alerts(wanted_ids)
        documents = {doc for f in facts.values() for doc in f.cited}
        documents |= {a.legal_document_id for a in active if a.legal_document_id is not None}
        registry = Registry.load(documents)
        reviews = last_reviews(wanted_ids)
    by_procedure: dict[int, VersionFacts | None] = {f.procedure_id: f for f in facts.values()}
    for alert in active:
        by_procedure.setdefault(alert.procedure_id, None)
    agency_of, retired = {}, set()
    for batch in _batches(set(by_procedure)):
        for procedure_id, agency_id, status in session.execute(
                select(Procedure.id, Procedure.agency_id, Procedure.status).where(Procedure.id.in_(batch))):
            agency_of[procedure_id] = agency_id
            if status != "active":
                retired.add(procedure_id)

    rows = []
    wanted: dict[int, dict[str, rules.Finding]] = defaultdict(dict)
    for procedure_id, version in by_procedure.items():
        if version is None:
            continue
        for finding in findings(version, registry, reviews.get(procedure_id), today):
            wanted[procedure_id][finding.cause] = finding
            rows.append((procedure_id, version.agency_id, version.version_id, finding))
    resolved = 0
    for alert in active:
        version = by_procedure.get(alert.procedure_id)
        agency_id = agency_of.get(alert.procedure_id)
        new_version = alert.procedure_id in new_version_of
        finding = wanted[alert.procedure_id].get(alert.cause) if version is not None else None
        # A retired procedure needs no alerts; an active one without a current version keeps the
        # event-raised ones (a move asks for a review whether or not a version exists yet).
        if alert.procedure_id in retired or (alert.rule in rules.CONDITION_RULES and finding is None):
            _resolve_gone(alert, version, registry, today, new_version, actor, agency_id)
            resolved += 1
        elif new_version and alert.rule in rules.REVIEW_RULES:
            resolve(alert, "Đã có phiên bản mới.", actor=actor, agency_id=agency_id)
            resolved += 1
        elif finding is not None:
            _refresh(alert, finding)
    opened = open_findings(rows, actor=actor, history=History.load(by_procedure))
    sync_open_counts(by_procedure)
    return len(opened), resolved


def _batches(ids: set[int], size: int = 500):
    items = sorted(ids)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _resolve_gone(alert, version, registry, today, new_version, actor, agency_id) -> None:
    reason = _condition_gone_reason(alert, version, registry, today, new_version=new_version)
    resolve(alert, reason, actor=actor, agency_id=agency_id)


def _refresh(alert: Alert, finding: rules.Finding) -> None:
    """An alert still standing follows its finding: upcoming until the day comes, the article rank."""
    if alert.upcoming != finding.upcoming:
        alert.upcoming = finding.upcoming
    if alert.cites_touched_article != finding.cites_touched_article:
        alert.cites_touched_article = finding.cites_touched_article
        alert.message = finding.message


# ---------------------------------------------------------------- evaluation entry points

def evaluate_procedure(procedure: Procedure, *, actor=None, today: date | None = None,
                       new_version: bool = False) -> int:
    """Re-evaluate one procedure (after a new current version, a review, a retirement); returns alerts opened."""
    opened, _ = reconcile([procedure.id], today=today, actor=actor,
                          new_version_of=[procedure.id] if new_version else ())
    return opened


def procedures_citing(document_ids: Iterable[int]) -> set[int]:
    """Active procedures whose current version may cite one of the documents, or with an alert about one."""
    ids = set(document_ids)
    if not ids:
        return set()
    found = set(session.scalars(select(Procedure.id).where(
        Procedure.status == "active", Procedure.current_version_id.in_(versions_citing(ids)))))
    found |= set(session.scalars(select(Alert.procedure_id).where(
        Alert.legal_document_id.in_(ids), Alert.status.in_(ACTIVE_STATUSES))))
    return found


def _related_documents(document_ids: Iterable[int]) -> set[int]:
    """The documents and those detailing or guiding them, transitively: they lapse together."""
    children, _own, _set_at = lapse.load_graph()
    return lapse.descendants(children, document_ids)


def evaluate_change(change: LegalChange, *, actor=None, today: date | None = None) -> int:
    """After a change is recorded: re-evaluate every procedure citing the document or what details it."""
    roots = {change.document_id} | ({change.by_document_id} if change.by_document_id else set())
    opened, _ = reconcile(procedures_citing(_related_documents(roots)), today=today, actor=actor)
    return opened


def evaluate_document(document: LegalDocument, *, actor=None, today: date | None = None) -> int:
    """After a document is registered or edited (status, aliases, province): re-evaluate its citers."""
    session.flush()
    related = _related_documents({document.id})
    related |= set(session.scalars(select(LegalChange.document_id).where(LegalChange.by_document_id == document.id)))
    opened, _ = reconcile(procedures_citing(related), today=today, actor=actor)
    return opened


@dataclass
class EvaluationReport:
    procedures: int = 0
    opened: int = 0
    resolved: int = 0
    took_effect: int = 0
    statuses_updated: int = 0

    def line(self) -> str:
        return (f"Đã đánh giá {self.procedures} quy trình: mở {self.opened} cảnh báo, tự giải quyết {self.resolved}, "
                f"{self.took_effect} cảnh báo sắp hiệu lực nay đã có hiệu lực, "
                f"cập nhật tình trạng {self.statuses_updated} văn bản.")


def evaluate_all(*, actor=None, today: date | None = None) -> EvaluationReport:
    """Full re-evaluation of every rule (run daily, e.g. by cron): idempotent."""
    today = today or local_today()
    report = EvaluationReport()
    report.statuses_updated = apply_due_changes(today=today, actor=actor)
    report.took_effect = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.upcoming.is_(True), Alert.effective_on <= today, Alert.status.in_(ACTIVE_STATUSES))) or 0
    report.procedures = session.scalar(select(func.count()).select_from(Procedure).where(
        Procedure.status == "active", Procedure.current_version_id.is_not(None))) or 0
    report.opened, report.resolved = reconcile(None, today=today, actor=actor)
    return report


# ---------------------------------------------------------------- signal receivers

def on_version_became_current(version: ProcedureVersion, previous: ProcedureVersion | None = None, **_kw) -> None:
    """A new current version: index names it cites, resolve what it fixes, open what it raises."""
    index_name_citations(version)
    evaluate_procedure(version.procedure, actor=SYSTEM, new_version=True)


def on_procedure_changed(procedure: Procedure, **_kw) -> None:
    """A retired procedure needs no alerts: they resolve."""
    if procedure.status == "retired" and procedure.open_alerts:
        evaluate_procedure(procedure, actor=SYSTEM)


def on_legal_change_recorded(change: LegalChange, **kw) -> int:
    """The registry recorded a change: open the alerts it causes."""
    return evaluate_change(change, actor=kw.get("actor"))


def on_legal_document_changed(document: LegalDocument, **kw) -> int:
    """A document was registered or edited: re-evaluate its citers."""
    return evaluate_document(document, actor=kw.get("actor"))
