"""What raises notifications: signals from the lower areas, and the daily digest.

Receivers run inside the sender's transaction, so a notification commits or vanishes with
the change it tells of.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from qmsdocs.auth.models import User
from qmsdocs.clock import VIETNAM
from qmsdocs.db import reading_only, session, utcnow
from qmsdocs.notifications.models import DigestRun, Notification, NotificationSettings
from qmsdocs.notifications.services import followers, notify_many

MAX_DIGEST_LINES = 200


def _actor_id(version) -> int | None:
    return version.decided_by_id or version.uploaded_by_id


def on_version_added(version, *, became_current: bool = False, **_kwargs) -> None:
    """A draft waits for approval: the agency's approvers are told (not the uploader)."""
    if became_current or version.state != "pending":
        return
    procedure = version.procedure
    approvers = set(session.scalars(select(User.id).where(
        User.agency_id == procedure.agency_id, User.role == "approver", User.active.is_(True))))
    notify_many(approvers, "approval_needed",
                f"Bản nháp chờ duyệt: {procedure.code} phiên bản {version.number}",
                f"{version.uploader_name or 'Một biên tập viên'} đã tải lên phiên bản {version.number} của quy trình "
                f"«{procedure.title}». Nội dung thay đổi: {version.note or '—'}",
                f"/procedures/{procedure.id}/versions/{version.number}", skip={version.uploaded_by_id})


def on_version_became_current(version, **_kwargs) -> None:
    """People following the procedure or its agency hear of the new version in force."""
    procedure = version.procedure
    people = followers("procedure", procedure.id) | followers("agency", procedure.agency_id)
    if not people:
        return
    # Those asked to read it already had a notification for this version.
    from qmsdocs.notifications.models import ReadingAssignment

    asked = set(session.scalars(select(ReadingAssignment.user_id).where(ReadingAssignment.version_id == version.id)))
    notify_many(people, "followed_change",
                f"Quy trình {procedure.code} có phiên bản {version.number} mới có hiệu lực",
                f"«{procedure.title}» ({procedure.agency.name}). Nội dung thay đổi: {version.note or '—'}",
                f"/procedures/{procedure.id}", skip=asked | {_actor_id(version)})


def on_procedure_changed(procedure, **_kwargs) -> None:
    """Followers hear of a retirement (other edits are told through their versions)."""
    if procedure.status != "retired" or procedure.id is None:
        return
    subject, link = f"Quy trình {procedure.code} đã bị bãi bỏ", f"/procedures/{procedure.id}"
    # Later signals about the retired procedure (an alert closed, say) must not tell it again.
    told = session.scalar(select(Notification.id).where(Notification.kind == "followed_change",
                                                        Notification.link == link, Notification.subject == subject)
                          .limit(1))
    if told is not None:
        return
    people = followers("procedure", procedure.id) | followers("agency", procedure.agency_id)
    notify_many(people, "followed_change", subject, f"«{procedure.title}». Lý do: {procedure.retired_reason or '—'}",
                link)


def on_change_request_changed(change_request, *, what: str, actor=None, **_kwargs) -> None:
    """A request submitted reaches the agency's approvers; a decision reaches the requester, and an
    accepted request the editor it is assigned to."""
    subject_of = change_request.procedure.code if change_request.procedure else change_request.proposed_title
    link = f"/requests/{change_request.id}"
    me = getattr(actor, "id", None)
    if what == "submitted":
        approvers = set(session.scalars(select(User.id).where(
            User.agency_id == change_request.agency_id, User.role == "approver", User.active.is_(True))))
        notify_many(approvers, "request_submitted", f"Đề nghị sửa đổi số {change_request.label}: {subject_of}",
                    f"Nội dung: {change_request.content}\nLý do: {change_request.reason}", link, skip={me})
        return
    if what == "accepted" and change_request.editor_id:
        notify_many([change_request.editor_id], "request_assigned",
                    f"Bạn được giao soạn thảo theo đề nghị số {change_request.label}: {subject_of}",
                    f"Hạn hoàn thành: {change_request.due_on:%d/%m/%Y}. Nội dung đề nghị: {change_request.content}",
                    link, skip={me})
    if change_request.requested_by_id:
        decision = "được chấp thuận" if what == "accepted" else "không được chấp thuận"
        notify_many([change_request.requested_by_id], "request_decided",
                    f"Đề nghị số {change_request.label} {decision}", change_request.decision_note or "",
                    link, skip={me, change_request.editor_id if what == "accepted" else None})


def on_legal_change_recorded(change, **_kwargs) -> None:
    document = change.document
    people = followers("legal_document", change.document_id)
    if not people:
        return None
    by = f" bởi {change.by_document.symbol}" if change.by_document else ""
    notify_many(people, "legal_change", f"Văn bản {document.symbol} có thay đổi ({change.kind})",
                f"{document.title}: {change.kind}{by}, hiệu lực từ {change.effective_on.strftime('%d/%m/%Y')}. "
                f"{change.note or ''}".strip(), f"/legal/{document.id}", skip={change.recorded_by_id})
    return None


def on_legal_document_changed(document, **_kwargs) -> None:
    if document.id is None:
        return None
    people = followers("legal_document", document.id)
    notify_many(people, "legal_change", f"Văn bản {document.symbol} được cập nhật",
                f"{document.title}. Tình trạng hiện nay: {document.status}.", f"/legal/{document.id}")
    return None


# The daily digest -----------------------------------------------------------------------------------

def _local_now(now: datetime) -> datetime:
    from datetime import timezone

    return now.replace(tzinfo=timezone.utc).astimezone(VIETNAM)


def digest_due(now: datetime | None = None) -> bool:
    now = now or utcnow()
    local = _local_now(now)
    if local.time() < time(int(current_app.config.get("DIGEST_HOUR", 7))):
        return False
    with reading_only():
        done = session.get(DigestRun, local.date()) is not None
        session.rollback()
    return not done


def send_daily_digests(now: datetime | None = None) -> int:
    """Worker step, once a day after DIGEST_HOUR (Vietnam time): new alerts per agency and waiting notifications.

    Each person with new alerts in their agency gets one notification under the bell; with
    mail configured and an address, one mail gathers those alerts and the notifications that
    waited for the digest. The day's DigestRun row and the mails' keys make it run once.
    """
    now = now or utcnow()
    if not digest_due(now):
        return 0
    local = _local_now(now)
    previous = session.scalar(select(DigestRun).order_by(DigestRun.day.desc()).limit(1))
    since = previous.ran_at if previous else now - timedelta(days=1)
    session.add(DigestRun(day=local.date(), ran_at=now))
    session.flush()
    alerts_by_agency = _new_alerts(since, now)
    people = _people_of(alerts_by_agency)
    waiting = _waiting_notifications()
    mail_on = current_app.config.get("SMTP") is not None
    settings = {s.user_id: s for s in session.scalars(select(NotificationSettings))} if mail_on else {}
    handled = 0
    for user in people:
        alerts = alerts_by_agency.get(user.agency_id, [])
        if alerts:
            notify_many([user.id], "alerts_digest", f"{len(alerts)} cảnh báo mới cho cơ quan của bạn",
                        _alert_lines(alerts), "/alerts", mail=False)
    for user_id in sorted({u.id for u in people} | set(waiting)):
        handled += 1
        choice = settings.get(user_id)
        if not mail_on or choice is None or not choice.email or choice.mail_mode == "off":
            continue
        user = session.get(User, user_id)
        alerts = alerts_by_agency.get(user.agency_id, []) if user else []
        items = waiting.get(user_id, [])
        if not alerts and not items:
            continue
        from qmsdocs.notifications.mail import queue_mail

        queue_mail(user_id, choice.email, _digest_subject(local, alerts, items), _digest_body(alerts, items),
                   dedupe_key=f"digest:{user_id}:{local.date().isoformat()}")
    for items in waiting.values():
        for notification in items:
            notification.awaiting_digest = False
    session.flush()
    return max(handled, 1)


def _new_alerts(since: datetime, until: datetime) -> dict[int, list]:
    from qmsdocs.alerts.models import Alert
    from qmsdocs.procedures.models import Procedure

    rows = session.execute(select(Alert, Procedure).join(Procedure, Procedure.id == Alert.procedure_id).where(
        Alert.opened_at >= since, Alert.opened_at < until, Alert.status.in_(("open", "acknowledged")))
        .order_by(Procedure.agency_id, Alert.opened_at, Alert.id))
    found: dict[int, list] = {}
    for alert, procedure in rows:
        found.setdefault(procedure.agency_id, []).append((alert, procedure))
    return found


def _people_of(alerts_by_agency: dict[int, list]) -> list[User]:
    if not alerts_by_agency:
        return []
    return list(session.scalars(select(User).where(User.agency_id.in_(alerts_by_agency), User.active.is_(True))
                                .order_by(User.id)))


def _waiting_notifications() -> dict[int, list[Notification]]:
    found: dict[int, list[Notification]] = {}
    for notification in session.scalars(select(Notification).where(Notification.awaiting_digest.is_(True))
                                        .order_by(Notification.created_at, Notification.id)):
        found.setdefault(notification.user_id, []).append(notification)
    return found


def _alert_lines(alerts) -> str:
    lines = [f"- {procedure.code}: {alert.message}" for alert, procedure in alerts[:MAX_DIGEST_LINES]]
    if len(alerts) > MAX_DIGEST_LINES:
        lines.append(f"… và {len(alerts) - MAX_DIGEST_LINES} cảnh báo khác.")
    return "\n".join(lines)


def _digest_subject(local: datetime, alerts, items) -> str:
    parts = []
    if alerts:
        parts.append(f"{len(alerts)} cảnh báo mới")
    if items:
        parts.append(f"{len(items)} thông báo")
    return f"Tổng hợp ngày {local.strftime('%d/%m/%Y')}: " + ", ".join(parts)


def _digest_body(alerts, items) -> str:
    from qmsdocs.notifications.mail import absolute_link

    lines = ["Tổng hợp trong ngày từ hệ thống quản lý quy trình ISO (qmsdocs).", ""]
    if alerts:
        lines += [f"CẢNH BÁO MỚI CHO CƠ QUAN CỦA BẠN ({len(alerts)})", ""]
        for alert, procedure in alerts[:MAX_DIGEST_LINES]:
            lines += [f"- {procedure.code} · {procedure.title}", f"  {alert.message}",
                      f"  {absolute_link(f'/procedures/{procedure.id}')}"]
        if len(alerts) > MAX_DIGEST_LINES:
            lines.append(f"… và {len(alerts) - MAX_DIGEST_LINES} cảnh báo khác: {absolute_link('/alerts')}")
        lines.append("")
    if items:
        lines += [f"THÔNG BÁO ({len(items)})", ""]
        for notification in items[:MAX_DIGEST_LINES]:
            lines.append(f"- {notification.subject}")
            if notification.link:
                lines.append(f"  {absolute_link(notification.link)}")
        lines.append("")
    lines.append(f"Đổi cách nhận thư: {absolute_link('/notifications/settings')}")
    return "\n".join(lines)
