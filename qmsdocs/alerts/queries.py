"""Reading alerts: filters, lists, the dashboard summary and the digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts.models import ACTIVE_STATUSES, RULES, STATUSES, Alert
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput
from qmsdocs.clock import VIETNAM
from qmsdocs.procedures.models import Procedure

# Short names accepted for the rule filter: the letters of the issue.
RULE_ALIASES = {"a": "legal_change", "b": "not_in_force", "c": "review_overdue", "d": "admin_procedure"}


def alerts_for_procedure(procedure_id: int) -> list[Alert]:
    """Every alert of a procedure, active ones first (touched articles first), each group oldest first."""
    alerts = session.scalars(
        select(Alert).options(selectinload(Alert.legal_document), selectinload(Alert.legal_change))
        .where(Alert.procedure_id == procedure_id).order_by(Alert.opened_at, Alert.id))
    # A change touching an article the procedure cites ranks before one touching only others.
    rank = {True: 0, None: 1, False: 2}
    return sorted(alerts, key=lambda alert: (not alert.is_active, rank[alert.cites_touched_article]))


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
