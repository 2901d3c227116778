"""Notifications (the bell), mail preferences and follows.

Other areas raise a notification with `notify(user, kind, subject, body, link)`: it is stored in
the caller's transaction and, when mail is configured and the person chose immediate mail, a
mail is queued in the same transaction (the outbox); the background worker sends it after the
commit. A rolled-back request leaves neither the notification nor its mail.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from qmsdocs.agencies.models import Agency
from qmsdocs.auth.models import User
from qmsdocs.db import session, utcnow
from qmsdocs.text import N_
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.notifications.models import (
    FOLLOW_TARGETS, MAIL_MODES, Follow, MailOutbox, Notification, NotificationSettings,
)

# Set on the session when mail was queued: the worker is woken once the transaction commits.
MAIL_QUEUED = "qmsdocs.notifications.mail_queued"
KIND_PATTERN = re.compile(r"^[a-z][a-z_]{0,31}$")
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"'()\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
FOLLOW_LABELS = {"procedure": N_("quy trình"), "agency": N_("cơ quan"),
                 "legal_document": N_("văn bản pháp luật")}
MAIL_MODE_LABELS = {"immediate": N_("Gửi ngay từng thông báo"), "daily": N_("Gộp một thư mỗi ngày"),
                    "off": N_("Không gửi thư")}


def mail_enabled() -> bool:
    return has_app_context() and bool(current_app.config.get("SMTP_URL"))


def _one_line(text: str, limit: int) -> str:
    """Subjects go into mail headers: no line breaks, bounded length."""
    return " ".join(str(text or "").split())[:limit]


def notify(user, kind: str, subject: str, body: str = "", link: str = "", *, mail: bool = True) -> Notification:
    """Raise a notification for one person: under their bell now, by mail as they chose.

    `user` is a User or a user id; `kind` a short lower-case word naming what happened
    (`request_assigned`, `must_read`, …); `subject` and `body` are Vietnamese text for people;
    `link` is a path inside the app (`/procedures/7`). Runs in the caller's transaction (flushes,
    never commits); the mail, if any, leaves from the background worker after the commit.
    `mail=False` keeps it under the bell only (what the daily digest mail already carries).
    """
    user_id = user if isinstance(user, int) else user.id
    if not isinstance(kind, str) or not KIND_PATTERN.match(kind):
        raise ValueError(f"notification kind must be a short lower-case word, not {kind!r}")
    link = str(link or "")
    if link and (not link.startswith("/") or link.startswith("//") or "\\" in link or any(c in link for c in "\r\n")):
        raise ValueError("notification links are paths inside the app, starting with a single '/'")
    notification = Notification(user_id=user_id, kind=kind, subject=_one_line(subject, 300), body=str(body or ""),
                                link=link[:500], created_at=utcnow())
    settings = settings_for(user_id) if mail and mail_enabled() else None
    if settings is not None and settings.email:
        if settings.mail_mode == "immediate":
            session.add(notification)
            session.flush()
            from qmsdocs.notifications.mail import queue_mail

            queue_mail(user_id, settings.email, notification.subject, _mail_body(notification),
                       dedupe_key=f"notification:{notification.id}")
            return notification
        if settings.mail_mode == "daily":
            notification.awaiting_digest = True
    session.add(notification)
    session.flush()
    return notification


def _mail_body(notification: Notification) -> str:
    from qmsdocs.notifications.mail import absolute_link

    lines = [notification.subject, ""]
    if notification.body:
        lines += [notification.body, ""]
    if notification.link:
        lines += [f"Xem chi tiết: {absolute_link(notification.link)}", ""]
    lines += ["Bạn nhận thư này vì đã bật thông báo qua thư trong hệ thống quản lý quy trình ISO (qmsdocs).",
              f"Đổi cách nhận thư: {absolute_link('/notifications/settings')}"]
    return "\n".join(lines)


def notify_many(user_ids, kind: str, subject: str, body: str = "", link: str = "", *, skip=(),
                mail: bool = True) -> int:
    """The same notification for several people, each once; returns how many were raised."""
    done = 0
    for user_id in sorted(set(user_ids) - set(skip)):
        notify(user_id, kind, subject, body, link, mail=mail)
        done += 1
    return done


# The bell ----------------------------------------------------------------------------------------

def unread_count(user_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None))) or 0


def list_notifications(user_id: int, *, unread_only: bool = False, limit: int = 50, offset: int = 0):
    query = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = list(session.scalars(query.order_by(Notification.created_at.desc(), Notification.id.desc())
                                 .limit(limit).offset(offset)))
    return items, total


def get_notification(user_id: int, notification_id: int) -> Notification:
    notification = session.get(Notification, notification_id) if 0 < notification_id <= 2**31 - 1 else None
    if notification is None or notification.user_id != user_id:
        raise NotFound(f"Không có thông báo số {notification_id} của bạn.", code="notification_not_found")
    return notification


def mark_read(user_id: int, notification_id: int | None = None) -> int:
    """Mark one notification (or all of them) read; reading twice is harmless."""
    if notification_id is not None:
        notification = get_notification(user_id, notification_id)
        if notification.read_at is None:
            notification.read_at = utcnow()
            session.flush()
        return 1
    result = session.execute(update(Notification).where(Notification.user_id == user_id,
                                                         Notification.read_at.is_(None)).values(read_at=utcnow()))
    return result.rowcount or 0


# Mail settings -----------------------------------------------------------------------------------

def settings_for(user_id: int) -> NotificationSettings:
    """The person's settings (unsaved defaults when they never chose)."""
    found = session.get(NotificationSettings, user_id)
    return found if found is not None else NotificationSettings(user_id=user_id, email=None, mail_mode="daily")


def save_settings(user, *, email, mail_mode) -> NotificationSettings:
    if email is not None and not isinstance(email, str):
        raise InvalidInput("Trường 'email' phải là chuỗi ký tự.", code="invalid_field")
    email = (email or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise InvalidInput(f"Địa chỉ thư '{email[:80]}' không hợp lệ. Hãy nhập dạng ten@coquan.gov.vn.",
                           code="invalid_email")
    mail_mode = (mail_mode or "daily") if isinstance(mail_mode, str) or mail_mode is None else mail_mode
    if mail_mode not in MAIL_MODES:
        raise InvalidInput("Cách nhận thư phải là immediate (gửi ngay), daily (mỗi ngày một thư) hoặc off (không gửi).",
                           code="invalid_mail_mode")
    settings = session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        session.add(settings)
    settings.email = email
    settings.mail_mode = mail_mode
    settings.updated_at = utcnow()
    session.flush()
    return settings


# Following ---------------------------------------------------------------------------------------

def _target_exists(target_type: str, target_id: int) -> bool:
    if target_type == "procedure":
        from qmsdocs.procedures.models import Procedure

        model = Procedure
    elif target_type == "agency":
        model = Agency
    else:
        from qmsdocs.legal.models import LegalDocument

        model = LegalDocument
    return 0 < target_id <= 2**31 - 1 and session.get(model, target_id) is not None


def check_target(target_type, target_id) -> tuple[str, int]:
    if target_type not in FOLLOW_TARGETS:
        raise InvalidInput("Chỉ theo dõi được quy trình (procedure), cơ quan (agency) hoặc văn bản pháp luật "
                           "(legal_document).", code="invalid_follow_target")
    if isinstance(target_id, bool) or not isinstance(target_id, int):
        raise InvalidInput("Trường 'id' phải là số nguyên.", code="invalid_field")
    if not _target_exists(target_type, target_id):
        raise NotFound(f"Không có {FOLLOW_LABELS[target_type]} số {target_id}.", code="follow_target_not_found")
    return target_type, target_id


def follow(user, target_type, target_id) -> Follow:
    target_type, target_id = check_target(target_type, target_id)
    existing = find_follow(user.id, target_type, target_id)
    if existing is not None:
        raise Conflict(f"Bạn đã theo dõi {FOLLOW_LABELS[target_type]} này rồi.", code="already_following")
    item = Follow(user_id=user.id, target_type=target_type, target_id=target_id, created_at=utcnow())
    session.add(item)
    session.flush()
    return item


def unfollow(user, target_type, target_id) -> None:
    target_type, target_id = check_target(target_type, target_id)
    existing = find_follow(user.id, target_type, target_id)
    if existing is None:
        raise NotFound(f"Bạn chưa theo dõi {FOLLOW_LABELS[target_type]} này.", code="not_following")
    session.delete(existing)
    session.flush()


def find_follow(user_id: int, target_type: str, target_id: int) -> Follow | None:
    return session.scalar(select(Follow).where(Follow.user_id == user_id, Follow.target_type == target_type,
                                               Follow.target_id == target_id))


def follows_of(user_id: int) -> list[Follow]:
    return list(session.scalars(select(Follow).where(Follow.user_id == user_id)
                                .order_by(Follow.target_type, Follow.created_at)))


def followers(target_type: str, target_id: int | None) -> set[int]:
    """Active people following this target."""
    if target_id is None:
        return set()
    return set(session.scalars(select(Follow.user_id).join(User, User.id == Follow.user_id).where(
        Follow.target_type == target_type, Follow.target_id == target_id, User.active.is_(True))))


def target_labels(follows: list[Follow]) -> dict[tuple[str, int], tuple[str, str]]:
    """(type, id) → (label, link) for showing a person's follows."""
    from qmsdocs.legal.models import LegalDocument
    from qmsdocs.procedures.models import Procedure

    ids = {kind: [f.target_id for f in follows if f.target_type == kind] for kind in FOLLOW_TARGETS}
    labels = {}
    for procedure in session.scalars(select(Procedure).where(Procedure.id.in_(ids["procedure"]))):
        labels[("procedure", procedure.id)] = (f"{procedure.code} · {procedure.title}", f"/procedures/{procedure.id}")
    for agency in session.scalars(select(Agency).where(Agency.id.in_(ids["agency"]))):
        labels[("agency", agency.id)] = (f"{agency.code} · {agency.name}", f"/procedures?agency={agency.code}")
    for document in session.scalars(select(LegalDocument).where(LegalDocument.id.in_(ids["legal_document"]))):
        labels[("legal_document", document.id)] = (f"{document.symbol} · {document.title}", f"/legal/{document.id}")
    return labels


def wake_after_commit(db: Session) -> None:
    if db.in_nested_transaction():
        return
    if db.info.pop(MAIL_QUEUED, False):
        from qmsdocs import jobs

        jobs.wake()


def forget_on_rollback(db: Session) -> None:
    db.info.pop(MAIL_QUEUED, None)
