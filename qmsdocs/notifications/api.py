"""JSON API: read-and-understood (policies, confirmations, distribution log), notifications, mail settings, follows."""

from __future__ import annotations

import re

from flask import Response, jsonify, request
from sqlalchemy import select

from qmsdocs.agencies.services import get_agency
from qmsdocs.api import api_blueprint, api_user, json_body
from qmsdocs.auth.models import User
from qmsdocs.auth.permissions import can_approve, is_admin
from qmsdocs.db import session
from qmsdocs.errors import Forbidden, InvalidInput, NotFound
from qmsdocs.notifications import reading, services
from qmsdocs.notifications.models import Follow, Notification, ReadingAssignment, ReadingPolicy
from qmsdocs.paging import Page, page_request
from qmsdocs.procedures.services import get_procedure

bp = api_blueprint("notifications_api", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _moment(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def line_json(line: ReadingAssignment) -> dict:
    procedure, version = line.procedure, line.version
    return {"id": line.id, "procedure_id": line.procedure_id, "procedure_code": procedure.code,
            "procedure_title": procedure.title, "agency": procedure.agency.code, "version": version.number,
            "user": line.user.username, "full_name": line.user.full_name, "state": line.state,
            "state_label": reading.STATE_LABELS.get(line.state, line.state),
            "assigned_at": _moment(line.assigned_at), "confirmed_at": _moment(line.confirmed_at),
            "closed_at": _moment(line.closed_at)}


def policy_json(agency, policy: ReadingPolicy) -> dict:
    return {"agency": agency.code, "scope": policy.scope, "scope_label": reading.SCOPE_LABELS[policy.scope],
            "roles": policy.role_list, "users": sorted(entry.user.username for entry in policy.users),
            "readers": len(reading.readers_of(agency.id))}


def notification_json(notification: Notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "subject": notification.subject,
            "body": notification.body, "link": notification.link, "created_at": _moment(notification.created_at),
            "read": notification.read_at is not None, "read_at": _moment(notification.read_at)}


def follow_json(item: Follow, labels: dict) -> dict:
    label, link = labels.get((item.target_type, item.target_id), ("", ""))
    return {"type": item.target_type, "id": item.target_id, "label": label, "link": link,
            "created_at": _moment(item.created_at)}


def download(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype=XLSX)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "quy-trinh"


# Read and understood --------------------------------------------------------------------------------

@bp.get("/agencies/<code>/reading-policy")
def get_policy(code: str):
    agency = get_agency(code)
    return jsonify(policy_json(agency, reading.policy_of(agency.id)))


@bp.post("/agencies/<code>/reading-policy")
def set_policy(code: str):
    agency = get_agency(code)
    data = json_body()
    if "scope" not in data:
        raise InvalidInput("Thiếu trường 'scope' (none, all hoặc chosen).", code="missing_field")
    policy = reading.set_policy(agency, scope=data.get("scope"), roles=data.get("roles"),
                                usernames=data.get("users"), actor=api_user())
    return jsonify(policy_json(agency, policy))


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/confirm-read")
def confirm_read(procedure_id: int, number: int):
    procedure = get_procedure(procedure_id)
    line = reading.confirm(reading.get_version_of(procedure.id, number), api_user())
    return jsonify(line_json(line)), 201


@bp.get("/procedures/<int:procedure_id>/readers")
def procedure_readers(procedure_id: int):
    procedure = get_procedure(procedure_id)
    return jsonify({"procedure_id": procedure.id, "versions": [
        {"version": entry.version.number, "is_current": entry.version.id == procedure.current_version_id,
         "confirmed": [line_json(line) for line in entry.confirmed],
         "pending": [line_json(line) for line in entry.pending],
         "closed": [line_json(line) for line in entry.closed]}
        for entry in reading.readers_by_version(procedure)]})


@bp.get("/procedures/<int:procedure_id>/distribution-log")
def procedure_log(procedure_id: int):
    procedure = get_procedure(procedure_id)
    paging = page_request(request.args)
    lines = reading.log_lines(procedure_id=procedure.id, limit=paging.per_page, offset=paging.offset)
    return jsonify(Page.of(lines, reading.count_lines(procedure_id=procedure.id), paging).as_json(line_json))


@bp.get("/procedures/<int:procedure_id>/distribution-log.xlsx")
def procedure_log_xlsx(procedure_id: int):
    procedure = get_procedure(procedure_id)
    data = reading.log_workbook(reading.log_lines(procedure_id=procedure.id),
                                f"{procedure.agency.name} — {procedure.code} {procedure.title}")
    return download(data, f"so-phan-phoi-{_safe_name(procedure.code)}.xlsx")


@bp.get("/agencies/<code>/distribution-log")
def agency_log(code: str):
    agency = get_agency(code)
    paging = page_request(request.args)
    lines = reading.log_lines(agency_id=agency.id, limit=paging.per_page, offset=paging.offset)
    return jsonify(Page.of(lines, reading.count_lines(agency_id=agency.id), paging).as_json(line_json))


@bp.get("/agencies/<code>/distribution-log.xlsx")
def agency_log_xlsx(code: str):
    agency = get_agency(code)
    data = reading.log_workbook(reading.log_lines(agency_id=agency.id), agency.name)
    return download(data, f"so-phan-phoi-{_safe_name(agency.code)}.xlsx")


def user_in_view(username: str, viewer) -> User:
    """A person's to-read list is seen by themself, an administrator, or an approver of their agency."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có người dùng '{username[:64]}'.", code="user_not_found")
    if user.id != viewer.id and not is_admin(viewer) and not can_approve(viewer, user.agency_id):
        raise Forbidden("Chỉ chính người đó, người phê duyệt của cơ quan họ hoặc quản trị viên mới xem được danh sách này.",
                        code="forbidden")
    return user


@bp.get("/to-read")
def my_to_read():
    return jsonify({"items": [line_json(line) for line in reading.to_read(api_user().id)]})


@bp.get("/users/<username>/to-read")
def user_to_read(username: str):
    user = user_in_view(username, api_user())
    return jsonify({"items": [line_json(line) for line in reading.to_read(user.id)]})


# Notifications --------------------------------------------------------------------------------------

@bp.get("/notifications")
def list_notifications():
    paging = page_request(request.args)
    unread = (request.args.get("unread") or "").lower()
    if unread not in ("", "0", "1", "true", "false"):
        raise InvalidInput("Tham số 'unread' phải là true hoặc false.", code="invalid_parameter")
    user = api_user()
    items, total = services.list_notifications(user.id, unread_only=unread in ("1", "true"),
                                               limit=paging.per_page, offset=paging.offset)
    answer = Page.of(items, total, paging).as_json(notification_json)
    answer["unread"] = services.unread_count(user.id)
    return jsonify(answer)


@bp.post("/notifications/<int:notification_id>/read")
def read_notification(notification_id: int):
    user = api_user()
    services.mark_read(user.id, notification_id)
    return jsonify(notification_json(services.get_notification(user.id, notification_id)))


@bp.post("/notifications/read-all")
def read_all():
    return jsonify({"marked": services.mark_read(api_user().id)})


@bp.get("/notification-settings")
def get_settings():
    user = api_user()
    settings = services.settings_for(user.id)
    return jsonify({"email": settings.email, "mail_mode": settings.mail_mode,
                    "mail_configured": services.mail_enabled()})


@bp.post("/notification-settings")
def save_settings():
    data = json_body()
    user = api_user()
    current = services.settings_for(user.id)
    settings = services.save_settings(user, email=data.get("email", current.email),
                                      mail_mode=data.get("mail_mode", current.mail_mode))
    return jsonify({"email": settings.email, "mail_mode": settings.mail_mode,
                    "mail_configured": services.mail_enabled()})


# Following ------------------------------------------------------------------------------------------

@bp.get("/follows")
def list_follows():
    items = services.follows_of(api_user().id)
    labels = services.target_labels(items)
    return jsonify({"items": [follow_json(item, labels) for item in items]})


@bp.post("/follows")
def add_follow():
    data = json_body()
    item = services.follow(api_user(), data.get("type"), data.get("id"))
    return jsonify(follow_json(item, services.target_labels([item]))), 201


@bp.delete("/follows/<target_type>/<int:target_id>")
def remove_follow(target_type: str, target_id: int):
    services.unfollow(api_user(), target_type, target_id)
    return jsonify({"type": target_type, "id": target_id, "following": False})
