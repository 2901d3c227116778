"""Opening, resolving and counting alerts: the only writes the rules make.

Every transition is audited; nothing is deleted; `Procedure.open_alerts` always equals the
number of open and acknowledged alerts, and `procedure_changed` is sent when it moves so the
search index shows the stale flag. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from qmsdocs import events
from qmsdocs.alerts.facts import chunks
from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert
from qmsdocs.alerts.rules import CONDITION_RULES, Finding
from qmsdocs.audit.services import record, record_many
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session, utcnow
from qmsdocs.procedures.models import Procedure


@dataclass
class History:
    """What earlier alerts of some procedures say about raising a cause again."""

    active: set[tuple[int, str]]
    # (procedure, cause, version) a person dismissed: holds for that version only.
    dismissed: set[tuple[int, str, int | None]]
    # (procedure, cause) -> the highest occurrence so far.
    occurrences: dict[tuple[int, str], int]

    @classmethod
    def load(cls, procedure_ids: Iterable[int]) -> History:
        history = cls(set(), set(), {})
        for batch in chunks(set(procedure_ids)):
            for procedure_id, cause, status, dismissed_version_id, occurrence in session.execute(
                    select(Alert.procedure_id, Alert.cause, Alert.status, Alert.dismissed_version_id,
                           Alert.occurrence).where(Alert.procedure_id.in_(batch))):
                history.note(procedure_id, cause, status, dismissed_version_id, occurrence)
        return history

    def note(self, procedure_id, cause, status, dismissed_version_id, occurrence) -> None:
        key = (procedure_id, cause)
        if status in ACTIVE_STATUSES:
            self.active.add(key)
        elif status == "dismissed":
            self.dismissed.add((procedure_id, cause, dismissed_version_id))
        self.occurrences[key] = max(self.occurrences.get(key, 0), occurrence or 1)

    def blocks(self, procedure_id: int, version_id: int | None, finding: Finding) -> bool:
        """Already active; dismissed for this very version; or an event-raised cause raised once already."""
        key = (procedure_id, finding.cause)
        if key in self.active or (procedure_id, finding.cause, version_id) in self.dismissed:
            return True
        return finding.rule not in CONDITION_RULES and key in self.occurrences


@dataclass(frozen=True)
class Opened:
    alert_id: int
    procedure_id: int


def open_findings(rows: list[tuple[int, int, int | None, Finding]], *, actor=None,
                  history: History | None = None) -> list[Opened]:
    """Open an alert for each (procedure_id, agency_id, version_id, finding) unless `History.blocks` it.

    A condition met again (after a resolution, or by a later version than the dismissed one) opens
    the next occurrence: the earlier alert stays as it was, so the history reads in order.
    Inserted in one bulk statement: a change can touch thousands of procedures at once.
    """
    if not rows:
        return []
    if history is None:
        history = History.load(row[0] for row in rows)
    values, audit = [], []
    now = utcnow()
    for procedure_id, agency_id, version_id, finding in rows:
        if history.blocks(procedure_id, version_id, finding):
            continue
        occurrence = history.occurrences.get((procedure_id, finding.cause), 0) + 1
        history.note(procedure_id, finding.cause, "open", None, occurrence)
        values.append({
            "procedure_id": procedure_id, "rule": finding.rule, "cause": finding.cause, "occurrence": occurrence,
            "legal_document_id": finding.legal_document_id, "legal_change_id": finding.legal_change_id,
            "tthc_code": finding.tthc_code, "version_id": version_id, "status": "open", "upcoming": finding.upcoming,
            "effective_on": finding.effective_on, "message": finding.message,
            "resolution_hint": finding.resolution_hint, "opened_at": now,
            "cites_touched_article": finding.cites_touched_article,
        })
        audit.append((agency_id, finding, occurrence))
    if not values:
        return []
    # Ids are matched back by (procedure, cause, occurrence), unique among the rows: asking the
    # database to keep the parameters' order makes SQLite insert one row per statement.
    ids = {}
    for start in range(0, len(values), 2000):
        result = session.execute(insert(Alert).returning(Alert.id, Alert.procedure_id, Alert.cause, Alert.occurrence),
                                 values[start:start + 2000])
        ids.update(((procedure_id, cause, occurrence), alert_id) for alert_id, procedure_id, cause, occurrence in result)
    opened = [Opened(ids[(row["procedure_id"], row["cause"], row["occurrence"])], row["procedure_id"])
              for row in values]
    record_many(actor or SYSTEM, "alert.open", "alert", (
        (entry.alert_id, agency_id, {"procedure_id": entry.procedure_id, "rule": finding.rule, "cause": finding.cause,
                                     "upcoming": finding.upcoming, "occurrence": occurrence})
        for entry, (agency_id, finding, occurrence) in zip(opened, audit)))
    return opened


def resolve(alert: Alert, reason: str, *, actor=None, agency_id: int | None = None) -> None:
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
    for batch in chunks(set(procedure_ids)):
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


def active_alerts(procedure_ids: Iterable[int] | None = None, rules_: Iterable[str] | None = None) -> list[Alert]:
    query = select(Alert).where(Alert.status.in_(ACTIVE_STATUSES))
    if rules_ is not None:
        query = query.where(Alert.rule.in_(list(rules_)))
    if procedure_ids is None:
        return list(session.scalars(query))
    found = []
    for batch in chunks(set(procedure_ids)):
        found.extend(session.scalars(query.where(Alert.procedure_id.in_(batch))))
    return found
