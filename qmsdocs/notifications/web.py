"""Pages: the bell, my notifications and mail settings, what I must read, confirming, the reading policy, follows."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, Flask, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.services import get_agency
from qmsdocs.auth.models import User
from qmsdocs.auth.permissions import can_approve, is_admin, require_approve
from qmsdocs.db import session
from qmsdocs.errors import Forbidden, QmsError
from qmsdocs.notifications import reading, services
from qmsdocs.notifications.models import FOLLOW_TARGETS, MAIL_MODES, READER_SCOPES
from qmsdocs.pages import act_and_flash
from qmsdocs.procedures.services import get_procedure

bp = Blueprint("notifications", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back(default: str):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return redirect(target)
    return redirect(default)


# The bell and my notifications ------------------------------------------------------------------

@bp.get("/notifications")
@login_required
def inbox():
    items, total = services.list_notifications(current_user.id, limit=100)
    return render_template("notifications/inbox.html", items=items, total=total,
                           unread=services.unread_count(current_user.id))


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int):
    notification = services.get_notification(current_user.id, notification_id)
    services.mark_read(current_user.id, notification.id)
    return redirect(notification.link or url_for("notifications.inbox"))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    services.mark_read(current_user.id)
    flash(_("Đã đánh dấu mọi thông báo là đã đọc."), "success")
    return _back(url_for("notifications.inbox"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    if request.method == "POST":
        act_and_flash(lambda: services.save_settings(current_user, email=request.form.get("email", ""),
                                            mail_mode=request.form.get("mail_mode", "daily")),
             _("Đã lưu cách nhận thông báo."))
        return redirect(url_for("notifications.settings"))
    follows = services.follows_of(current_user.id)
    agencies = list(session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.name)))
    return render_template("notifications/settings.html", settings=services.settings_for(current_user.id),
                           modes=MAIL_MODES, mode_labels=services.MAIL_MODE_LABELS, follows=follows,
                           labels=services.target_labels(follows), agencies=agencies,
                           target_labels=services.FOLLOW_LABELS, mail_on=services.mail_enabled())


@bp.post("/follow")
@login_required
def follow():
    target_type, target_id = _target()
    if services.find_follow(current_user.id, target_type, target_id) is None:
        act_and_flash(lambda: services.follow(current_user, target_type, target_id), _("Đã theo dõi; bạn sẽ nhận thông báo khi có thay đổi."))
    return _back(url_for("notifications.settings"))


@bp.post("/unfollow")
@login_required
def unfollow():
    target_type, target_id = _target()
    if services.find_follow(current_user.id, target_type, target_id) is not None:
        act_and_flash(lambda: services.unfollow(current_user, target_type, target_id), _("Đã bỏ theo dõi."))
    return _back(url_for("notifications.settings"))


def _target() -> tuple[str, int]:
    target_type = request.form.get("type", "")
    raw = (request.form.get("id") or "").strip()
    if target_type not in FOLLOW_TARGETS or not raw.isdigit() or len(raw) > 10:
        raise QmsError(_("Hãy chọn quy trình, cơ quan hoặc văn bản cần theo dõi."), code="invalid_follow_target")
    return services.check_target(target_type, int(raw))


# Read and understood ---------------------------------------------------------------------------------

@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/confirm-read")
@login_required
def confirm_read(procedure_id: int, number: int):
    procedure = get_procedure(procedure_id)
    version = reading.get_version_of(procedure.id, number)
    act_and_flash(lambda: reading.confirm(version, current_user),
         _("Đã ghi nhận: bạn đã đọc và hiểu %(code)s phiên bản %(n)s.", code=procedure.code, n=number))
    return _back(url_for("web.procedure_detail", procedure_id=procedure.id))


@bp.get("/reading")
@login_required
def my_reading():
    return render_template("notifications/to_read.html", person=current_user, lines=reading.to_read(current_user.id))


@bp.get("/users/<int:user_id>/reading")
@login_required
def person_reading(user_id: int):
    person = session.get(User, user_id) if 0 < user_id <= 2**31 - 1 else None
    if person is None:
        abort(404)
    if person.id != current_user.id and not is_admin(current_user) and not can_approve(current_user, person.agency_id):
        raise Forbidden(_("Chỉ chính người đó, người phê duyệt của cơ quan họ hoặc quản trị viên mới xem được trang này."))
    return render_template("notifications/to_read.html", person=person, lines=reading.to_read(person.id),
                           history=reading.log_lines(user_id=person.id, limit=200))


@bp.route("/agencies/<code>/reading-policy", methods=["GET", "POST"])
@login_required
def reading_policy(code: str):
    agency = get_agency(code)
    require_approve(current_user, agency.id)
    if request.method == "POST":
        scope = request.form.get("scope", "none")
        ok = act_and_flash(lambda: reading.set_policy(agency, scope=scope, roles=request.form.getlist("roles"),
                                             usernames=request.form.get("users", ""), actor=current_user),
                  _("Đã lưu danh sách người phải đọc quy trình của cơ quan."))
        if ok:
            return redirect(url_for("notifications.reading_policy", code=agency.code))
    policy = reading.policy_of(agency.id)
    users = list(session.scalars(select(User).where(User.agency_id == agency.id, User.active.is_(True))
                                 .order_by(User.username)))
    readers = set(reading.readers_of(agency.id))
    return render_template("notifications/policy.html", agency=agency, policy=policy, scopes=READER_SCOPES,
                           scope_labels=reading.SCOPE_LABELS, roles=reading.READER_ROLES,
                           role_labels=reading.ROLE_LABELS, users=users, readers=readers,
                           chosen=", ".join(entry.user.username for entry in policy.users))


@bp.get("/agencies/<code>/distribution-log.xlsx")
@login_required
def agency_log_xlsx(code: str):
    agency = get_agency(code)
    data = reading.log_workbook(reading.log_lines(agency_id=agency.id), agency.name)
    return _xlsx(data, f"so-phan-phoi-{agency.code}.xlsx")


@bp.get("/procedures/<int:procedure_id>/distribution-log.xlsx")
@login_required
def procedure_log_xlsx(procedure_id: int):
    procedure = get_procedure(procedure_id)
    data = reading.log_workbook(reading.log_lines(procedure_id=procedure.id),
                                f"{procedure.agency.name} — {procedure.code} {procedure.title}")
    return _xlsx(data, f"so-phan-phoi-procedure-{procedure.id}.xlsx")


def _xlsx(data: bytes, filename: str) -> Response:
    from qmsdocs.notifications.api import _safe_name

    return Response(data, mimetype=XLSX, headers={
        "Content-Disposition": f'attachment; filename="{_safe_name(filename)}"', "Cache-Control": "no-store"})


# What shared templates call (they include our partials with `ignore missing`) -----------------------

def bell() -> int:
    """The header's count; on a page answering that the database is busy it shows nothing rather than fail again."""
    if not (current_user and current_user.is_authenticated):
        return 0
    try:
        return services.unread_count(current_user.id)
    except (OperationalError, PoolTimeout):
        session.rollback()
        return 0


def reading_panel(procedure) -> dict:
    """The procedure page's card: per version who confirmed and who not; may I confirm; do I follow."""
    mine = None
    if procedure.current_version_id:
        from qmsdocs.notifications.models import ReadingAssignment

        mine = session.scalar(select(ReadingAssignment).where(
            ReadingAssignment.version_id == procedure.current_version_id,
            ReadingAssignment.user_id == current_user.id))
    return {"versions": reading.readers_by_version(procedure), "mine": mine,
            "following": services.find_follow(current_user.id, "procedure", procedure.id) is not None,
            "may_set_policy": can_approve(current_user, procedure.agency_id)}


def to_read_now() -> list:
    if not (current_user and current_user.is_authenticated):
        return []
    return reading.to_read(current_user.id)


def to_read_of(user_id: int) -> list:
    return reading.to_read(user_id)


def is_following(target_type: str, target_id: int) -> bool:
    return services.find_follow(current_user.id, target_type, target_id) is not None


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(bell, "notification_bell")
    app.add_template_global(reading_panel, "reading_panel")
    app.add_template_global(to_read_now, "to_read_now")
    app.add_template_global(is_following, "is_following")
    app.add_template_global(to_read_of, "to_read_of")
    app.add_template_global(reading.STATE_LABELS, "reading_state_labels")
