"""Evaluating the rules: for one procedure, one change, one document, or everything.

All paths decide through `reconcile`, which applies the pure rules of `qmsdocs.alerts.rules`
to facts read by `qmsdocs.alerts.facts` and writes through `qmsdocs.alerts.store`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from qmsdocs.alerts import rules
from qmsdocs.alerts.facts import (
    Registry,
    VersionFacts,
    all_current_citations,
    cited_documents,
    facts_from_rows,
    findings,
    last_reviews,
    version_facts_query,
    versions_citing,
    versions_citing_among,
)
from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert
from qmsdocs.alerts.rules import ChangeFacts, DocumentFacts
from qmsdocs.alerts.store import active_alerts, open_findings, resolve, sync_open_counts
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session
from qmsdocs.i18n import local_today
from qmsdocs.legal.models import ALERTING_CHANGES, LegalChange, LegalDocument
from qmsdocs.legal.services import apply_due_changes, index_name_citations
from qmsdocs.procedures.models import Procedure, ProcedureVersion


def _condition_gone_reason(alert: Alert, facts: VersionFacts | None, registry: Registry, today: date,
                           *, new_version: bool) -> str:
    if facts is None:
        return "Quy trình không còn phiên bản hiện hành hoặc đã bị bãi bỏ."
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


def reconcile(facts_by_procedure: dict[int, VersionFacts | None], registry: Registry, reviews: dict[int, date],
               today: date, *, actor=None, new_version_of: set[int] = frozenset(),
               agency_of: dict[int, int] | None = None) -> tuple[int, int]:
    """Open what the rules find for these procedures and resolve active alerts whose cause is gone."""
    procedure_ids = list(facts_by_procedure)
    rows = []
    wanted: dict[int, set[str]] = defaultdict(set)
    for procedure_id, facts in facts_by_procedure.items():
        if facts is None:
            continue
        for finding in findings(facts, registry, reviews.get(procedure_id), today):
            wanted[procedure_id].add(finding.cause)
            rows.append((procedure_id, facts.agency_id, facts.version_id, finding))
    resolved = 0
    for alert in active_alerts(procedure_ids):
        facts = facts_by_procedure.get(alert.procedure_id)
        agency_id = facts.agency_id if facts else (agency_of or {}).get(alert.procedure_id)
        new_version = alert.procedure_id in new_version_of
        if facts is None:
            resolve(alert, _condition_gone_reason(alert, None, registry, today, new_version=False),
                     actor=actor, agency_id=agency_id)
            resolved += 1
        elif alert.rule in rules.CONDITION_RULES and alert.cause not in wanted[alert.procedure_id]:
            resolve(alert, _condition_gone_reason(alert, facts, registry, today, new_version=new_version),
                     actor=actor, agency_id=agency_id)
            resolved += 1
        elif new_version and alert.rule in rules.REVIEW_RULES:
            resolve(alert, "Đã có phiên bản mới.", actor=actor, agency_id=agency_id)
            resolved += 1
    opened = open_findings(rows, actor=actor)
    sync_open_counts(procedure_ids)
    return len(opened), resolved


# ---------------------------------------------------------------- evaluation entry points

def evaluate_procedure(procedure: Procedure, *, actor=None, today: date | None = None,
                       new_version: bool = False) -> int:
    """Re-evaluate one procedure (after a new current version, a review, a retirement); returns alerts opened."""
    today = today or local_today()
    facts_by_procedure: dict[int, VersionFacts | None] = {procedure.id: None}
    registry = Registry({}, {})
    if procedure.status == "active" and procedure.current_version_id is not None:
        rows = session.execute(version_facts_query().where(Procedure.id == procedure.id)).all()
        facts = facts_from_rows(rows)
        for version_facts in facts.values():
            version_facts.cited = cited_documents([version_facts.version_id]).get(version_facts.version_id, set())
            facts_by_procedure[procedure.id] = version_facts
            registry = Registry.load(version_facts.cited | alert_documents([procedure.id]))
    opened, _ = reconcile(facts_by_procedure, registry, last_reviews([procedure.id]), today, actor=actor,
                           new_version_of={procedure.id} if new_version else set(),
                           agency_of={procedure.id: procedure.agency_id})
    return opened


def alert_documents(procedure_ids: list[int]) -> set[int]:
    return set(session.scalars(select(Alert.legal_document_id).where(
        Alert.procedure_id.in_(procedure_ids), Alert.status.in_(ACTIVE_STATUSES),
        Alert.legal_document_id.is_not(None))))


def affected_facts(document_id: int) -> dict[int, VersionFacts]:
    """Current versions of active procedures citing the document, found through indexed keys."""
    rows = session.execute(version_facts_query().where(Procedure.current_version_id.in_(versions_citing(document_id))))
    return facts_from_rows(rows)


def evaluate_change(change: LegalChange, *, actor=None, today: date | None = None) -> int:
    """Rule (a) for one recorded change: open alerts on every current version citing the document."""
    today = today or local_today()
    if change.kind not in ALERTING_CHANGES:
        return 0
    facts = affected_facts(change.document_id)
    if not facts:
        return 0
    by_citing = versions_citing_among(change.by_document_id, facts) if change.by_document_id else set()
    document = session.get(LegalDocument, change.document_id)
    change_facts = ChangeFacts(change.id, change.document_id, change.kind, change.by_document_id,
                               change.by_document.symbol if change.by_document else None, change.effective_on)
    document_facts = DocumentFacts(document.id, document.symbol, document.status, document.effective_on)
    rows = []
    for version_id, version_facts in facts.items():
        cited = {change.document_id} | ({change.by_document_id} if version_id in by_citing else set())
        finding = rules.change_finding(change_facts, document_facts, cited, version_facts.reference_date, today)
        if finding:
            rows.append((version_facts.procedure_id, version_facts.agency_id, version_id, finding))
    opened = open_findings(rows, actor=actor)
    sync_open_counts(alert.procedure_id for alert in opened)
    return len(opened)


def evaluate_document(document: LegalDocument, *, actor=None, today: date | None = None) -> int:
    """After a document is registered or edited (status, aliases): rules (a) and (b) for its citers."""
    today = today or local_today()
    session.flush()
    facts = affected_facts(document.id)
    document_facts = DocumentFacts(document.id, document.symbol, document.status, document.effective_on)
    finding = rules.not_in_force_finding(document_facts, today)
    rows = [(f.procedure_id, f.agency_id, f.version_id, finding) for f in facts.values()] if finding else []
    opened = len(open_findings(rows, actor=actor))
    touched = {f.procedure_id for f in facts.values()}
    stale = session.scalars(select(Alert).options(selectinload(Alert.procedure)).where(
        Alert.rule == "not_in_force", Alert.legal_document_id == document.id,
        Alert.status.in_(ACTIVE_STATUSES)))
    for alert in stale:
        if finding is None or alert.cause != finding.cause:
            reason = (f"Văn bản {document.symbol} nay ở tình trạng “{document.status_label}”."
                      if alert.procedure_id in touched or finding is None else
                      f"Phiên bản hiện hành không còn viện dẫn văn bản {document.symbol}.")
            resolve(alert, reason, actor=actor)
            touched.add(alert.procedure_id)
    sync_open_counts(touched)
    for change in document.changes:
        opened += evaluate_change(change, actor=actor, today=today)
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
    report.took_effect = session.execute(
        update(Alert).where(Alert.upcoming.is_(True), Alert.effective_on <= today,
                            Alert.status.in_(ACTIVE_STATUSES)).values(upcoming=False)
    ).rowcount or 0
    facts = facts_from_rows(session.execute(version_facts_query()))
    cited = all_current_citations()
    for version_id, version_facts in facts.items():
        version_facts.cited = cited.get(version_id, set())
    facts_by_procedure: dict[int, VersionFacts | None] = {f.procedure_id: f for f in facts.values()}
    # Procedures with active alerts but no current version any more (retired): their alerts resolve.
    for procedure_id, agency_id in session.execute(
            select(Alert.procedure_id, Procedure.agency_id).join(Procedure, Procedure.id == Alert.procedure_id)
            .where(Alert.status.in_(ACTIVE_STATUSES)).distinct()):
        facts_by_procedure.setdefault(procedure_id, None)
    agency_of = dict(session.execute(select(Procedure.id, Procedure.agency_id)).all())
    report.procedures = len(facts)
    report.opened, report.resolved = reconcile(facts_by_procedure, Registry.load(), last_reviews(), today,
                                                actor=actor, agency_of=agency_of)
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


def on_legal_change_recorded(change: LegalChange, **_kw) -> int:
    """The registry recorded a change: open the alerts it causes."""
    return evaluate_change(change, actor=_kw.get("actor"))


def on_legal_document_changed(document: LegalDocument, **_kw) -> int:
    """A document was registered or edited: re-evaluate its citers."""
    return evaluate_document(document, actor=_kw.get("actor"))
