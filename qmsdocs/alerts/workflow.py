"""What people and other areas do to alerts: acknowledge, dismiss, record a review, flag a procedure."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from qmsdocs.alerts import rules
from qmsdocs.alerts.evaluation import evaluate_procedure, reconcile
from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert, ProcedureReview
from qmsdocs.alerts.rules import Finding
from qmsdocs.alerts.store import active_alerts, open_findings, resolve, sync_open_counts
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_approve, require_write
from qmsdocs.db import session, utcnow
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.clock import local_today
from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

MAX_REASON_LENGTH = 2000
TTHC_CHANGES = ("changed", "abolished")


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
    opened = open_findings([(pid, aid, vid, finding) for pid, aid, vid in linked], actor=actor)
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
    opened = open_findings([(procedure.id, procedure.agency_id, procedure.current_version_id, finding)],
                           actor=actor)
    # A move may change which province's documents its citations mean: the rules look again.
    evaluate_procedure(procedure, actor=actor)
    sync_open_counts([procedure.id])
    return session.get(Alert, opened[0].alert_id) if opened else None


def open_review_alerts(moves: list, *, actor=None) -> int:
    """open_review_alert for many (procedure, reason) pairs at once: a few statements, not a few per procedure."""
    moves = [(procedure, (reason or "").strip()) for procedure, reason in moves
             if procedure.status == "active" and (reason or "").strip()]
    if not moves:
        return 0
    ids = [procedure.id for procedure, _ in moves]
    active, earlier = set(), {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        active |= set(session.scalars(select(Alert.procedure_id).where(
            Alert.procedure_id.in_(chunk), Alert.rule == "review_requested", Alert.status.in_(ACTIVE_STATUSES))))
        earlier.update(session.execute(select(Alert.procedure_id, func.count()).where(
            Alert.procedure_id.in_(chunk), Alert.rule == "review_requested").group_by(Alert.procedure_id)).all())
    today = local_today()
    rows = [(procedure.id, procedure.agency_id, procedure.current_version_id,
             Finding("review_requested", f"review_requested:{earlier.get(procedure.id, 0) + 1}", reason[:2000],
                     "Ban hành phiên bản mới hoặc ghi nhận kết quả rà soát.", effective_on=today))
            for procedure, reason in moves if procedure.id not in active]
    opened = open_findings(rows, actor=actor)
    # A move may change which province's documents its citations mean: the rules look again, for all at once.
    reconcile(ids, actor=actor)
    sync_open_counts(ids)
    return len(opened)


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
    # A judgement about the version in force now: a later version meeting the same condition is flagged again.
    alert.dismissed_version_id = alert.procedure.current_version_id
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
    for alert in active_alerts([procedure.id], ("admin_procedure", "review_requested")):
        resolve(alert, "Đã ghi nhận rà soát: quy trình vẫn phù hợp.", actor=actor, agency_id=procedure.agency_id)
        resolved += 1
    before = {a.id for a in active_alerts([procedure.id], ("review_overdue",))}
    evaluate_procedure(procedure, actor=actor, today=today)
    after = {a.id for a in active_alerts([procedure.id], ("review_overdue",))}
    sync_open_counts([procedure.id])
    return review, resolved + len(before - after)
