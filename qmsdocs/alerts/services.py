"""Opening, resolving and tracking stale-procedure alerts.

Affected procedures are found through the indexed citation keys of CURRENT versions
(`citations.key`, plus the name index of the legal registry), never by rescanning text.
Every transition is audited; nothing is deleted; `Procedure.open_alerts` always equals the
number of open and acknowledged alerts, and `procedure_changed` is sent when it moves so
the search index shows the stale flag. Services flush; the caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.agencies.models import Agency
from qmsdocs.alerts import rules
from qmsdocs.alerts.models import ACTIVE_STATUSES, RULES, STATUSES, Alert, ProcedureReview
from qmsdocs.alerts.rules import ChangeFacts, DocumentFacts, Finding
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM, require_approve, require_write
from qmsdocs.clock import local_today
from qmsdocs.db import session, utcnow
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.i18n import VIETNAM
from qmsdocs.legal.models import ALERTING_CHANGES, LegalAlias, LegalChange, LegalDocument, NameCitation
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion

CHUNK = 500
MAX_REASON_LENGTH = 2000
TTHC_CHANGES = ("changed", "abolished")
# Short names accepted for the rule filter: the letters of the issue.
RULE_ALIASES = {"a": "legal_change", "b": "not_in_force", "c": "review_overdue", "d": "admin_procedure"}


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# ---------------------------------------------------------------- facts read from the database

@dataclass
class VersionFacts:
    procedure_id: int
    agency_id: int
    version_id: int
    reference_date: date
    review_interval: int
    cited: set[int] = field(default_factory=set)


def _version_facts_query():
    return (
        select(Procedure.id, Procedure.agency_id, Procedure.current_version_id, ProcedureVersion.number,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at, ProcedureVersion.decided_at,
               func.coalesce(Procedure.review_interval_months, Agency.review_interval_months, 12))
        .join(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active")
    )


def _facts_from_rows(rows) -> dict[int, VersionFacts]:
    facts = {}
    for procedure_id, agency_id, version_id, number, issued_on, uploaded_at, decided_at, interval in rows:
        reference = rules.version_reference_date(
            number, issued_on, _local_day(uploaded_at), _local_day(decided_at) if decided_at else None)
        facts[version_id] = VersionFacts(procedure_id, agency_id, version_id, reference, interval)
    return facts


def _local_day(moment: datetime) -> date:
    from qmsdocs.i18n import local_time

    return local_time(moment).date()


def _cited_documents(version_ids: Iterable[int]) -> dict[int, set[int]]:
    """Registered documents each version cites: by symbol, by another symbol, or by name."""
    cited: dict[int, set[int]] = defaultdict(set)
    for batch in _chunks(version_ids):
        _add_citations(cited, batch)
    return cited


def _all_current_citations() -> dict[int, set[int]]:
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


def _document_keys(document_id: int) -> list[str]:
    keys = [session.scalar(select(LegalDocument.key).where(LegalDocument.id == document_id))]
    keys += session.scalars(select(LegalAlias.key).where(LegalAlias.document_id == document_id,
                                                         LegalAlias.is_symbol.is_(True)))
    return [key for key in keys if key]


def _versions_citing(document_id: int):
    """A subquery of version ids citing the document (indexed keys and names), for IN clauses."""
    keys = _document_keys(document_id)
    return (
        select(Citation.version_id).where(Citation.key.in_(keys))
        .union(select(NameCitation.version_id).where(NameCitation.document_id == document_id))
    )


def _versions_citing_among(document_id: int, version_ids: Iterable[int]) -> set[int]:
    keys = _document_keys(document_id)
    found: set[int] = set()
    for batch in _chunks(version_ids):
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
        batches = [None] if document_ids is None else list(_chunks(document_ids))
        for batch in batches:
            docs = doc_query if batch is None else doc_query.where(LegalDocument.id.in_(batch))
            chs = change_query if batch is None else change_query.where(LegalChange.document_id.in_(batch))
            for row in session.execute(docs):
                documents[row[0]] = DocumentFacts(*row)
            for row in session.execute(chs):
                changes[row[1]].append(ChangeFacts(*row))
        return cls(documents, changes)


def _last_reviews(procedure_ids: Iterable[int] | None = None) -> dict[int, date]:
    query = select(ProcedureReview.procedure_id, func.max(ProcedureReview.reviewed_on)).group_by(
        ProcedureReview.procedure_id)
    if procedure_ids is None:
        return dict(session.execute(query).all())
    reviews = {}
    for batch in _chunks(procedure_ids):
        reviews.update(session.execute(query.where(ProcedureReview.procedure_id.in_(batch))).all())
    return reviews


def _findings(facts: VersionFacts, registry: Registry, last_review: date | None, today: date) -> list[Finding]:
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


# ---------------------------------------------------------------- opening, resolving, counting

def _existing_causes(procedure_ids: Iterable[int]) -> set[tuple[int, str]]:
    existing = set()
    for batch in _chunks(set(procedure_ids)):
        existing.update(session.execute(select(Alert.procedure_id, Alert.cause).where(Alert.procedure_id.in_(batch))))
    return existing


@dataclass(frozen=True)
class Opened:
    alert_id: int
    procedure_id: int


def _open_findings(rows: list[tuple[int, int, int | None, Finding]], *, actor=None,
                   existing: set[tuple[int, str]] | None = None) -> list[Opened]:
    """Open an alert for each (procedure_id, agency_id, version_id, finding) not raised before.

    Inserted in one bulk statement: a change can touch thousands of procedures at once.
    """
    if not rows:
        return []
    if existing is None:
        existing = _existing_causes(row[0] for row in rows)
    values, audit = [], []
    now = utcnow()
    for procedure_id, agency_id, version_id, finding in rows:
        if (procedure_id, finding.cause) in existing:
            continue
        existing.add((procedure_id, finding.cause))
        values.append({
            "procedure_id": procedure_id, "rule": finding.rule, "cause": finding.cause,
            "legal_document_id": finding.legal_document_id, "legal_change_id": finding.legal_change_id,
            "tthc_code": finding.tthc_code, "version_id": version_id, "status": "open", "upcoming": finding.upcoming,
            "effective_on": finding.effective_on, "message": finding.message,
            "resolution_hint": finding.resolution_hint, "opened_at": now,
        })
        audit.append((agency_id, finding))
    if not values:
        return []
    opened = []
    for start in range(0, len(values), 2000):
        batch = values[start:start + 2000]
        result = session.execute(insert(Alert).returning(Alert.id, Alert.procedure_id, sort_by_parameter_order=True),
                                 batch)
        opened.extend(Opened(alert_id, procedure_id) for alert_id, procedure_id in result)
    for entry, (agency_id, finding) in zip(opened, audit):
        record(actor or SYSTEM, "alert.open", "alert", entry.alert_id, agency_id=agency_id,
               procedure_id=entry.procedure_id, rule=finding.rule, cause=finding.cause, upcoming=finding.upcoming)
    return opened


def _resolve(alert: Alert, reason: str, *, actor=None, agency_id: int | None = None) -> None:
    alert.status = "resolved"
    alert.resolved_at = utcnow()
    alert.resolved_by_id = getattr(actor, "id", None)
    alert.resolution = reason
    record(actor or SYSTEM, "alert.resolve", "alert", alert.id,
           agency_id=agency_id if agency_id is not None else alert.procedure.agency_id,
           procedure_id=alert.procedure_id, reason=reason)


def sync_open_counts(procedure_ids: Iterable[int]) -> None:
    """Keep Procedure.open_alerts equal to its open + acknowledged alerts; tell search when it moves."""
    changed = []
    for batch in _chunks(set(procedure_ids)):
        counts = dict(session.execute(
            select(Alert.procedure_id, func.count()).where(Alert.procedure_id.in_(batch),
                                                           Alert.status.in_(ACTIVE_STATUSES))
            .group_by(Alert.procedure_id)).all())
        stale_ids = [procedure_id for procedure_id, current in session.execute(
            select(Procedure.id, Procedure.open_alerts).where(Procedure.id.in_(batch)))
            if current != counts.get(procedure_id, 0)]
        if not stale_ids:
            continue
        for procedure in session.scalars(select(Procedure).where(Procedure.id.in_(stale_ids))):
            procedure.open_alerts = counts.get(procedure.id, 0)
            changed.append(procedure)
    if changed:
        session.flush()
    for procedure in changed:
        events.procedure_changed.send(procedure)


def _active_alerts(procedure_ids: Iterable[int] | None = None, rules_: Iterable[str] | None = None) -> list[Alert]:
    query = select(Alert).where(Alert.status.in_(ACTIVE_STATUSES))
    if rules_ is not None:
        query = query.where(Alert.rule.in_(list(rules_)))
    if procedure_ids is None:
        return list(session.scalars(query))
    found = []
    for batch in _chunks(set(procedure_ids)):
        found.extend(session.scalars(query.where(Alert.procedure_id.in_(batch))))
    return found


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


def _reconcile(facts_by_procedure: dict[int, VersionFacts | None], registry: Registry, reviews: dict[int, date],
               today: date, *, actor=None, new_version_of: set[int] = frozenset(),
               agency_of: dict[int, int] | None = None) -> tuple[int, int]:
    """Open what the rules find for these procedures and resolve active alerts whose cause is gone."""
    procedure_ids = list(facts_by_procedure)
    rows = []
    wanted: dict[int, set[str]] = defaultdict(set)
    for procedure_id, facts in facts_by_procedure.items():
        if facts is None:
            continue
        for finding in _findings(facts, registry, reviews.get(procedure_id), today):
            wanted[procedure_id].add(finding.cause)
            rows.append((procedure_id, facts.agency_id, facts.version_id, finding))
    resolved = 0
    for alert in _active_alerts(procedure_ids):
        facts = facts_by_procedure.get(alert.procedure_id)
        agency_id = facts.agency_id if facts else (agency_of or {}).get(alert.procedure_id)
        new_version = alert.procedure_id in new_version_of
        if facts is None:
            _resolve(alert, _condition_gone_reason(alert, None, registry, today, new_version=False),
                     actor=actor, agency_id=agency_id)
            resolved += 1
        elif alert.rule in rules.CONDITION_RULES and alert.cause not in wanted[alert.procedure_id]:
            _resolve(alert, _condition_gone_reason(alert, facts, registry, today, new_version=new_version),
                     actor=actor, agency_id=agency_id)
            resolved += 1
        elif new_version and alert.rule in rules.REVIEW_RULES:
            _resolve(alert, "Đã có phiên bản mới.", actor=actor, agency_id=agency_id)
            resolved += 1
    opened = _open_findings(rows, actor=actor)
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
        rows = session.execute(_version_facts_query().where(Procedure.id == procedure.id)).all()
        facts = _facts_from_rows(rows)
        for version_facts in facts.values():
            version_facts.cited = _cited_documents([version_facts.version_id]).get(version_facts.version_id, set())
            facts_by_procedure[procedure.id] = version_facts
            registry = Registry.load(version_facts.cited | _alert_documents([procedure.id]))
    opened, _ = _reconcile(facts_by_procedure, registry, _last_reviews([procedure.id]), today, actor=actor,
                           new_version_of={procedure.id} if new_version else set(),
                           agency_of={procedure.id: procedure.agency_id})
    return opened


def _alert_documents(procedure_ids: list[int]) -> set[int]:
    return set(session.scalars(select(Alert.legal_document_id).where(
        Alert.procedure_id.in_(procedure_ids), Alert.status.in_(ACTIVE_STATUSES),
        Alert.legal_document_id.is_not(None))))


def _affected_facts(document_id: int) -> dict[int, VersionFacts]:
    """Current versions of active procedures citing the document, found through indexed keys."""
    rows = session.execute(_version_facts_query().where(Procedure.current_version_id.in_(_versions_citing(document_id))))
    return _facts_from_rows(rows)


def evaluate_change(change: LegalChange, *, actor=None, today: date | None = None) -> int:
    """Rule (a) for one recorded change: open alerts on every current version citing the document."""
    today = today or local_today()
    if change.kind not in ALERTING_CHANGES:
        return 0
    facts = _affected_facts(change.document_id)
    if not facts:
        return 0
    by_citing = _versions_citing_among(change.by_document_id, facts) if change.by_document_id else set()
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
    opened = _open_findings(rows, actor=actor)
    sync_open_counts(alert.procedure_id for alert in opened)
    return len(opened)


def evaluate_document(document: LegalDocument, *, actor=None, today: date | None = None) -> int:
    """After a document is registered or edited (status, aliases): rules (a) and (b) for its citers."""
    today = today or local_today()
    session.flush()
    facts = _affected_facts(document.id)
    document_facts = DocumentFacts(document.id, document.symbol, document.status, document.effective_on)
    finding = rules.not_in_force_finding(document_facts, today)
    rows = [(f.procedure_id, f.agency_id, f.version_id, finding) for f in facts.values()] if finding else []
    opened = len(_open_findings(rows, actor=actor))
    touched = {f.procedure_id for f in facts.values()}
    stale = session.scalars(select(Alert).options(selectinload(Alert.procedure)).where(
        Alert.rule == "not_in_force", Alert.legal_document_id == document.id,
        Alert.status.in_(ACTIVE_STATUSES)))
    for alert in stale:
        if finding is None or alert.cause != finding.cause:
            reason = (f"Văn bản {document.symbol} nay ở tình trạng “{document.status_label}”."
                      if alert.procedure_id in touched or finding is None else
                      f"Phiên bản hiện hành không còn viện dẫn văn bản {document.symbol}.")
            _resolve(alert, reason, actor=actor)
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
    from qmsdocs.legal.services import apply_due_changes

    today = today or local_today()
    report = EvaluationReport()
    report.statuses_updated = apply_due_changes(today=today, actor=actor)
    report.took_effect = session.execute(
        update(Alert).where(Alert.upcoming.is_(True), Alert.effective_on <= today,
                            Alert.status.in_(ACTIVE_STATUSES)).values(upcoming=False)
    ).rowcount or 0
    facts = _facts_from_rows(session.execute(_version_facts_query()))
    cited = _all_current_citations()
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
    report.opened, report.resolved = _reconcile(facts_by_procedure, Registry.load(), _last_reviews(), today,
                                                actor=actor, agency_of=agency_of)
    return report


# ---------------------------------------------------------------- functions other areas call

def raise_admin_procedure_change(tthc_code: str, change: str, *, effective_on: date, description: str,
                                 actor=None) -> int:
    """Rule (d): the catalog changed or abolished a TTHC; alert every active procedure linked to it."""
    tthc_code = (tthc_code or "").strip()
    if not tthc_code:
        raise InvalidInput("Thiếu mã thủ tục hành chính.", code="missing_tthc_code")
    if change not in TTHC_CHANGES:
        raise InvalidInput("Loại thay đổi thủ tục hành chính phải là changed hoặc abolished.", code="invalid_change")
    if not isinstance(effective_on, date):
        raise InvalidInput("Ngày hiệu lực của thay đổi thủ tục hành chính không hợp lệ.", code="invalid_date")
    finding = rules.admin_procedure_finding(tthc_code, change, effective_on, (description or "").strip()[:1000],
                                            local_today())
    linked = session.execute(
        select(Procedure.id, Procedure.agency_id, Procedure.current_version_id)
        .join(ProcedureAdminProcedure, ProcedureAdminProcedure.procedure_id == Procedure.id)
        .where(ProcedureAdminProcedure.code == tthc_code, Procedure.status == "active")
    ).all()
    opened = _open_findings([(pid, aid, vid, finding) for pid, aid, vid in linked], actor=actor)
    sync_open_counts(alert.procedure_id for alert in opened)
    return len(opened)


def open_review_alert(procedure: Procedure, reason: str, *, actor=None) -> Alert | None:
    """Flag a procedure for review (e.g. moved to a successor agency); idempotent while one is active.

    Returns the new or already active alert, or None for a retired procedure.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Hãy ghi lý do cần rà soát lại quy trình.", code="reason_required")
    if procedure.status != "active":
        return None
    active = session.scalar(select(Alert).where(Alert.procedure_id == procedure.id, Alert.rule == "review_requested",
                                                Alert.status.in_(ACTIVE_STATUSES)))
    if active is not None:
        return active
    earlier = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.procedure_id == procedure.id, Alert.rule == "review_requested"))
    finding = Finding("review_requested", f"review_requested:{earlier + 1}", reason[:2000],
                      "Ban hành phiên bản mới hoặc ghi nhận kết quả rà soát.", effective_on=local_today())
    opened = _open_findings([(procedure.id, procedure.agency_id, procedure.current_version_id, finding)],
                            actor=actor)
    sync_open_counts([procedure.id])
    return session.get(Alert, opened[0].alert_id) if opened else None


def alerts_for_procedure(procedure_id: int) -> list[Alert]:
    """Every alert of a procedure, active ones first, each group oldest first."""
    alerts = session.scalars(
        select(Alert).options(selectinload(Alert.legal_document), selectinload(Alert.legal_change))
        .where(Alert.procedure_id == procedure_id).order_by(Alert.opened_at, Alert.id))
    return sorted(alerts, key=lambda alert: (not alert.is_active,))


# ---------------------------------------------------------------- lifecycle by people

def get_alert(alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id) if 0 < alert_id <= 2**31 - 1 else None
    if alert is None:
        raise NotFound(f"Không có cảnh báo số {alert_id}.", code="alert_not_found")
    return alert


def acknowledge(alert: Alert, *, actor) -> None:
    """Someone is working on it (open → acknowledged)."""
    require_write(actor, alert.procedure.agency_id)
    if alert.status != "open":
        raise Conflict(f"Cảnh báo đang ở trạng thái “{alert.status_label}”, chỉ cảnh báo mới mới tiếp nhận được.",
                       code="alert_not_open")
    alert.status = "acknowledged"
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = getattr(actor, "id", None)
    record(actor, "alert.acknowledge", "alert", alert.id, agency_id=alert.procedure.agency_id,
           procedure_id=alert.procedure_id)


def dismiss(alert: Alert, reason: str, *, actor) -> None:
    """An approver decides the procedure is right as it is; the written reason stays on record."""
    require_approve(actor, alert.procedure.agency_id)
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if not reason:
        raise InvalidInput("Hãy ghi lý do bỏ qua cảnh báo (vì sao quy trình vẫn đúng).", code="reason_required")
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidInput(f"Lý do dài tối đa {MAX_REASON_LENGTH} ký tự.", code="reason_too_long")
    if not alert.is_active:
        raise Conflict(f"Cảnh báo đã ở trạng thái “{alert.status_label}”; không thể bỏ qua nữa.",
                       code="alert_closed")
    alert.status = "dismissed"
    alert.dismissed_at = utcnow()
    alert.dismissed_by_id = getattr(actor, "id", None)
    alert.dismissal_reason = reason
    record(actor, "alert.dismiss", "alert", alert.id, agency_id=alert.procedure.agency_id,
           procedure_id=alert.procedure_id, reason=reason)
    sync_open_counts([alert.procedure_id])


def record_review(procedure: Procedure, *, reviewed_on: date | None = None, note: str = "", actor) -> tuple[
        ProcedureReview, int]:
    """A periodic review found the procedure still right: resolves review alerts; returns (review, resolved)."""
    require_write(actor, procedure.agency_id)
    if procedure.status != "active":
        raise Conflict("Quy trình đã bị bãi bỏ; không cần rà soát.", code="procedure_retired")
    today = local_today()
    reviewed_on = reviewed_on or today
    if reviewed_on > today:
        raise InvalidInput("Ngày rà soát không được ở tương lai.", code="invalid_date")
    note = (note or "").strip()
    if len(note) > MAX_REASON_LENGTH:
        raise InvalidInput(f"Ghi chú rà soát dài tối đa {MAX_REASON_LENGTH} ký tự.", code="note_too_long")
    review = ProcedureReview(procedure_id=procedure.id, reviewed_on=reviewed_on, note=note,
                             reviewed_by_id=getattr(actor, "id", None))
    session.add(review)
    session.flush()
    record(actor, "procedure.review", "procedure", procedure.id, agency_id=procedure.agency_id,
           reviewed_on=reviewed_on.isoformat(), note=note)
    resolved = 0
    for alert in _active_alerts([procedure.id], ("admin_procedure", "review_requested")):
        _resolve(alert, "Đã ghi nhận rà soát: quy trình vẫn phù hợp.", actor=actor, agency_id=procedure.agency_id)
        resolved += 1
    before = {a.id for a in _active_alerts([procedure.id], ("review_overdue",))}
    evaluate_procedure(procedure, actor=actor, today=today)
    after = {a.id for a in _active_alerts([procedure.id], ("review_overdue",))}
    sync_open_counts([procedure.id])
    return review, resolved + len(before - after)


# ---------------------------------------------------------------- reading

def parse_rule(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    value = RULE_ALIASES.get(value.lower(), value)
    if value not in RULES:
        raise InvalidInput(f"Quy tắc '{value}' không hợp lệ; dùng một trong: {', '.join(RULES)}.",
                           code="invalid_parameter")
    return value


def parse_statuses(value: str | None) -> list[str] | None:
    if not value:
        return None
    statuses = [part.strip() for part in value.split(",") if part.strip()]
    if statuses == ["active"]:
        return list(ACTIVE_STATUSES)
    wrong = [s for s in statuses if s not in STATUSES]
    if wrong:
        raise InvalidInput(f"Trạng thái '{wrong[0]}' không hợp lệ; dùng open, acknowledged, resolved, dismissed "
                           "(có thể ghép bằng dấu phẩy) hoặc active.", code="invalid_parameter")
    return statuses


def alert_query(*, agency_code: str | None = None, procedure_id: int | None = None,
                statuses: list[str] | None = None, rule: str | None = None, upcoming: bool | None = None):
    query = (select(Alert).join(Procedure, Procedure.id == Alert.procedure_id)
             .join(Agency, Agency.id == Procedure.agency_id))
    if agency_code:
        query = query.where(Agency.code == agency_code)
    if procedure_id:
        query = query.where(Alert.procedure_id == procedure_id)
    if statuses:
        query = query.where(Alert.status.in_(statuses))
    if rule:
        query = query.where(Alert.rule == rule)
    if upcoming is not None:
        query = query.where(Alert.upcoming.is_(upcoming))
    return query


def list_alerts(*, limit: int | None = None, offset: int = 0, **filters) -> tuple[list[Alert], int]:
    query = alert_query(**filters)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    query = (query.options(selectinload(Alert.procedure).selectinload(Procedure.agency),
                           selectinload(Alert.legal_document), selectinload(Alert.legal_change),
                           selectinload(Alert.acknowledged_by), selectinload(Alert.dismissed_by),
                           selectinload(Alert.resolved_by))
             .order_by(Agency.code, Alert.opened_at, Alert.id).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def counts_by_agency_and_rule(**filters) -> list[tuple[str, str, str, int]]:
    """(agency code, agency name, rule, count) for the dashboard summary."""
    base = alert_query(**filters).subquery()
    query = (select(Agency.code, Agency.name, base.c.rule, func.count())
             .join(Procedure, Procedure.id == base.c.procedure_id).join(Agency, Agency.id == Procedure.agency_id)
             .group_by(Agency.code, Agency.name, base.c.rule).order_by(Agency.code, base.c.rule))
    return [tuple(row) for row in session.execute(query)]


@dataclass
class AgencyDigest:
    agency_code: str
    agency_name: str
    opened: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    dismissed: list[Alert] = field(default_factory=list)
    still_active: int = 0


def digest(since: date) -> list[AgencyDigest]:
    """Per agency: what opened, resolved or was dismissed since a day, and how many remain active."""
    start = datetime.combine(since, datetime.min.time(), VIETNAM).astimezone(timezone.utc).replace(tzinfo=None)
    by_agency: dict[str, AgencyDigest] = {}
    query = (select(Alert).join(Procedure, Procedure.id == Alert.procedure_id)
             .options(selectinload(Alert.procedure).selectinload(Procedure.agency))
             .where((Alert.opened_at >= start) | (Alert.resolved_at >= start) | (Alert.dismissed_at >= start))
             .order_by(Alert.opened_at, Alert.id))
    for alert in session.scalars(query):
        agency = alert.procedure.agency
        entry = by_agency.setdefault(agency.code, AgencyDigest(agency.code, agency.name))
        if alert.opened_at >= start:
            entry.opened.append(alert)
        if alert.resolved_at and alert.resolved_at >= start:
            entry.resolved.append(alert)
        if alert.dismissed_at and alert.dismissed_at >= start:
            entry.dismissed.append(alert)
    active = session.execute(
        select(Agency.code, func.count()).join(Procedure, Procedure.agency_id == Agency.id)
        .join(Alert, Alert.procedure_id == Procedure.id).where(Alert.status.in_(ACTIVE_STATUSES))
        .group_by(Agency.code))
    for code, count in active:
        if code in by_agency:
            by_agency[code].still_active = count
    return [by_agency[code] for code in sorted(by_agency)]


# ---------------------------------------------------------------- signal receivers

def on_version_became_current(version: ProcedureVersion, previous: ProcedureVersion | None = None, **_kw) -> None:
    """A new current version: index names it cites, resolve what it fixes, open what it raises."""
    from qmsdocs.legal.services import index_name_citations

    index_name_citations(version)
    evaluate_procedure(version.procedure, actor=SYSTEM, new_version=True)


def on_procedure_changed(procedure: Procedure, **_kw) -> None:
    """A retired procedure needs no alerts: they resolve."""
    if procedure.status == "retired" and procedure.open_alerts:
        evaluate_procedure(procedure, actor=SYSTEM)
