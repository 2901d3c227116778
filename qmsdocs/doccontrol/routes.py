"""Pages: the list of change requests, proposing one, deciding it, printing it; the alert button."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts.services import get_alert
from qmsdocs.auth.models import User
from qmsdocs.auth.permissions import can_approve, can_write
from qmsdocs.clock import local_today, parse_date
from qmsdocs.db import session
from qmsdocs.doccontrol import services
from qmsdocs.doccontrol.api import send_attachment, send_request_form
from qmsdocs.doccontrol.models import STATUS_LABELS
from qmsdocs.errors import Conflict, Forbidden, InvalidInput, NotFound, UploadRefused
from qmsdocs.pages import actor
from qmsdocs.paging import lenient_page
from qmsdocs.procedures.services import get_procedure

bp = Blueprint("doccontrol", __name__)
PAGE_SIZE = 50
FORM_ERRORS = (InvalidInput, Conflict, UploadRefused, NotFound)


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@bp.get("/requests")
@login_required
def requests_list():
    args = request.args
    status = args.get("status", "")
    filters = services.RequestFilters(
        agency=(args.get("agency") or "").strip()[:64], status=status if status in STATUS_LABELS else "",
        year=_int(args.get("year")), procedure_id=_int(args.get("procedure")), q=(args.get("q") or "").strip()[:200])
    paging = lenient_page(args, per_page=PAGE_SIZE)
    page = services.list_requests(filters, paging)
    agencies = session.scalars(select(Agency).order_by(Agency.name)).all()
    return render_template("doccontrol/requests.html", page=page, filters=filters, statuses=STATUS_LABELS,
                           agencies=agencies, this_year=local_today().year)


def _form_page(context: dict, error=None):
    return render_template("doccontrol/request_form.html", **context, error=error and error.message), \
        (error.status if error else 200)


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
def new_request():
    procedure = get_procedure(_int(request.values.get("procedure")) or 0) if request.values.get("procedure") else None
    agencies = [] if procedure else session.scalars(select(Agency).where(Agency.active.is_(True))
                                                    .order_by(Agency.name)).all()
    context = {"procedure": procedure, "agencies": agencies, "values": request.form,
               "agency_code": request.values.get("agency", "")}
    if request.method == "GET":
        if procedure is not None and procedure.status == "retired":
            flash(_("Quy trình đã bị bãi bỏ nên không nhận đề nghị sửa đổi."), "warning")
            return redirect(url_for("web.procedure_detail", procedure_id=procedure.id))
        return _form_page(context)
    upload = request.files.get("attachment")
    attachment = services.Attachment(upload.read(), upload.filename) if upload and upload.filename else None
    try:
        change_request = services.submit_request(
            procedure=procedure, agency_code=request.form.get("agency") or None,
            content=request.form.get("content"), reason=request.form.get("reason"), part=request.form.get("part"),
            proposed_code=request.form.get("proposed_code"), proposed_title=request.form.get("proposed_title"),
            attachment=attachment, actor=actor(), max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    except FORM_ERRORS as error:
        session.rollback()
        return _form_page(context, error)
    flash(_("Đã gửi đề nghị số %(label)s. Người phê duyệt của cơ quan sẽ xem xét.", label=change_request.label),
          "success")
    return redirect(url_for("doccontrol.request_detail", request_id=change_request.id), 303)


@bp.post("/alerts/<int:alert_id>/change-request")
@login_required
def request_from_alert(alert_id: int):
    alert = get_alert(alert_id)
    try:
        change_request = services.request_from_alert(alert, actor=actor(),
                                                     max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    except (Conflict, InvalidInput) as error:
        session.rollback()
        flash(error.message, "error")
        existing = error.details.get("request_id")
        if existing:
            return redirect(url_for("doccontrol.request_detail", request_id=existing), 303)
        return redirect(url_for("web.procedure_detail", procedure_id=alert.procedure_id), 303)
    flash(_("Đã lập đề nghị sửa đổi số %(label)s từ cảnh báo.", label=change_request.label), "success")
    return redirect(url_for("doccontrol.request_detail", request_id=change_request.id), 303)


def _editors(agency_id: int) -> list[User]:
    users = session.scalars(select(User).where(User.agency_id == agency_id, User.active.is_(True))
                            .order_by(User.username)).all()
    return [user for user in users if can_write(user, agency_id)]


@bp.get("/requests/<int:request_id>")
@login_required
def request_detail(request_id: int):
    change_request = services.get_request(request_id)
    return render_template("doccontrol/request.html", item=change_request,
                           may_decide=can_approve(actor(), change_request.agency_id) and change_request.status == "open",
                           editors=_editors(change_request.agency_id))


@bp.post("/requests/<int:request_id>/accept")
@login_required
def accept(request_id: int):
    change_request = services.get_request(request_id)
    try:
        services.accept_request(change_request, editor=request.form.get("editor") or None,
                                due_on=parse_date(request.form.get("due_on"), "due_on"),
                                note=request.form.get("note"), actor=actor())
    except (InvalidInput, Conflict, Forbidden) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("doccontrol.request_detail", request_id=request_id), 303)
    flash(_("Đã chấp thuận đề nghị số %(label)s và giao người soạn thảo.", label=change_request.label), "success")
    return redirect(url_for("doccontrol.request_detail", request_id=request_id), 303)


@bp.post("/requests/<int:request_id>/decline")
@login_required
def decline(request_id: int):
    change_request = services.get_request(request_id)
    try:
        services.decline_request(change_request, reason=request.form.get("reason"), actor=actor())
    except (InvalidInput, Conflict, Forbidden) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("doccontrol.request_detail", request_id=request_id), 303)
    flash(_("Đã ghi ý kiến không chấp thuận đề nghị số %(label)s.", label=change_request.label), "success")
    return redirect(url_for("doccontrol.request_detail", request_id=request_id), 303)


@bp.get("/requests/<int:request_id>/form.docx")
@login_required
def request_form(request_id: int):
    return send_request_form(services.get_request(request_id))


@bp.get("/requests/<int:request_id>/attachment")
@login_required
def request_attachment(request_id: int):
    return send_attachment(services.get_request(request_id))
