"""Procedure pages: list, creation, upload, history, comparison, approval, retirement.

Every view checks permissions itself through `qmsdocs.auth.permissions` (reading is open to
every signed-in user; writing is scoped to the user's agency), whatever the template shows.
Form errors re-render the form with a 4xx status, so the request's commit point rolls back.
"""

from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from markupsafe import Markup

from qmsdocs.audit.services import events_for
from qmsdocs.auth.permissions import can_approve, can_write, require_approve, require_write
from qmsdocs.clock import local_today, parse_date
from qmsdocs.db import session
from qmsdocs.docx.diff import summarize
from qmsdocs.errors import Conflict, InvalidInput, QmsError, UploadRefused
from qmsdocs.pages import actor, agency_choices, bp, form_errors, scoped_args, wants_json
from qmsdocs.procedures import queries, revisions, services
from qmsdocs.procedures.api import send_forms_uploaded, send_version_file
from qmsdocs.procedures.forms import ApproveForm, ProcedureForm, RetireForm, ReturnForm, UploadForm
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.storage import BlobCorrupted, BlobMissing

PREVIEW_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"

def filesize(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def _blob_unavailable(number: int) -> QmsError:
    return QmsError(
        f"Tệp của phiên bản {number} bị thiếu hoặc hỏng trong kho lưu trữ. "
        "Hãy báo quản trị viên chạy lệnh kiểm tra (qms check).",
        code="blob_unavailable", status=500,
    )


def _int_arg(name: str, default: int | None = None) -> int | None:
    value = request.args.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"Tham số '{name}' phải là số nguyên.", code="invalid_parameter") from None


# Lists -------------------------------------------------------------------------

def _as_of():
    """`?as_of=YYYY-MM-DD`: show what was in force on a past day; None for today."""
    day = parse_date(request.args.get("as_of"), "as_of")
    if day is not None and day > local_today():
        raise InvalidInput("Chỉ xem được quy trình theo một ngày đã qua hoặc hôm nay. Hãy chọn lại ngày.",
                           code="invalid_as_of")
    return day


@bp.get("/procedures")
@login_required
def procedures():
    as_of = _as_of()
    args, own_agency = scoped_args(request.args)
    filters = queries.ProcedureFilters.from_args(args)
    if as_of is not None and "status" not in request.args:
        filters.status = "all"  # a procedure retired since was in force then
    page = queries.procedure_page(filters)
    in_force = queries.versions_in_force_on([p.id for p in page.items], as_of) if as_of else {}
    return render_template(
        "procedures/procedures.html",
        filters=filters,
        own_agency=own_agency,
        page=page,
        as_of=as_of,
        in_force=in_force,
        retired_then={p.id for p in page.items if as_of and queries.retired_by(p, as_of)},
        pending=queries.pending_counts([p.id for p in page.items]),
        agencies=queries.agencies_for_select(),
        fields=queries.distinct_fields(),
        origin_provinces=queries.origin_provinces(),
        can_create=bool(queries.writable_agencies(actor())),
    )


# Creating and retiring ------------------------------------------------------------------

@bp.route("/procedures/new", methods=["GET", "POST"])
@login_required
def new_procedure():
    user = actor()
    agencies = queries.writable_agencies(user)
    if not agencies:
        require_write(user, None)
    form = ProcedureForm()
    # Nothing pre-selected: a default agency invites misfiling. Grouped by level and sorted by name.
    form.agency.choices = agency_choices(agencies, blank=_("— Chọn cơ quan —"))
    if request.method == "GET" and request.args.get("agency"):
        form.agency.data = request.args["agency"]
    if request.method == "GET":
        return render_template("procedures/procedure_form.html", form=form)
    try:
        if not form.validate():
            # An agency outside the list is a permission matter, not a typo: answer 403.
            if form.agency.data and form.agency.data not in {a.code for a in agencies}:
                from qmsdocs.agencies.services import get_agency

                require_write(user, get_agency(form.agency.data).id)
            raise InvalidInput(form_errors(form), code="invalid_form")
        procedure = services.create_procedure(
            form.agency.data, form.code.data, form.title.data,
            field=form.field.data, admin_procedures=form.admin_procedures.data or None,
            review_interval_months=form.review_interval_months.data, actor=user,
        )
    except (InvalidInput, Conflict) as error:
        return render_template("procedures/procedure_form.html", form=form, error=error.message), error.status
    flash(_("Đã tạo quy trình %(code)s. Hãy tải lên tệp Word của quy trình.", code=procedure.code), "success")
    return redirect(url_for("web.upload", procedure_id=procedure.id))


@bp.route("/procedures/<int:procedure_id>/retire", methods=["GET", "POST"])
@login_required
def retire(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    require_approve(actor(), procedure.agency_id)
    form = RetireForm()
    if request.method == "POST":
        try:
            if not form.validate():
                raise InvalidInput(form_errors(form), code="reason_required")
            services.retire_procedure(procedure, form.reason.data, actor=actor())
        except (InvalidInput, Conflict) as error:
            return render_template("procedures/retire.html", procedure=procedure, form=form, error=error.message), error.status
        flash(_("Đã bãi bỏ quy trình %(code)s. Lịch sử của nó vẫn được lưu và xem được.", code=procedure.code),
              "success")
        return redirect(url_for("web.procedure_detail", procedure_id=procedure.id))
    if procedure.status == "retired":
        flash(_("Quy trình này đã bị bãi bỏ từ trước."), "info")
        return redirect(url_for("web.procedure_detail", procedure_id=procedure.id))
    return render_template("procedures/retire.html", procedure=procedure, form=form)


# The procedure page -------------------------------------------------------------------

def _procedure_page(procedure: Procedure, shown: ProcedureVersion | None, as_of=None):
    user = actor()
    versions = queries.procedure_versions(procedure)
    pending = [v for v in versions if v.state == "pending"]
    return render_template(
        "procedures/procedure.html",
        procedure=procedure,
        shown=shown,
        shown_label=services.version_status_label(shown) if shown else None,
        citations=shown.citations if shown else [],
        versions=versions,
        labels={v.id: services.version_status_label(v) for v in versions},
        pending=pending,
        scheduled=queries.scheduled_versions(procedure),
        as_of=as_of,
        retired_then=bool(as_of and queries.retired_by(procedure, as_of)),
        events=events_for("procedure", procedure.id, limit=100),
        formerly=queries.former_places(procedure),
        may_write=can_write(user, procedure.agency_id) and procedure.status == "active",
        may_approve=can_approve(user, procedure.agency_id),
        approve_form=ApproveForm(),
        return_form=ReturnForm(),
    )


@bp.get("/procedures/<int:procedure_id>")
@login_required
def procedure_detail(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    as_of = _as_of()
    if as_of is not None:
        return _procedure_page(procedure, queries.versions_in_force_on([procedure.id], as_of).get(procedure.id), as_of)
    return _procedure_page(procedure, procedure.current_version or procedure.latest_version)


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>")
@login_required
def version_detail(procedure_id: int, number: int):
    procedure = services.get_procedure(procedure_id)
    return _procedure_page(procedure, services.get_version(procedure, number))


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/preview")
@login_required
def version_preview(procedure_id: int, number: int):
    """The sanitized document alone, shown in a sandboxed frame; outdated copies carry a banner."""
    version = services.get_version(services.get_procedure(procedure_id), number)
    try:
        body = services.version_preview(version)
    except (BlobMissing, BlobCorrupted):
        raise _blob_unavailable(number) from None
    page = render_template("procedures/preview_frame.html", version=version, body=Markup(body),
                           label=services.version_status_label(version))
    response = make_response(page)
    response.headers["Content-Security-Policy"] = PREVIEW_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/download")
@login_required
def download_version(procedure_id: int, number: int):
    version = services.get_version(services.get_procedure(procedure_id), number)
    try:
        return send_version_file(version)
    except (BlobMissing, BlobCorrupted):
        raise _blob_unavailable(number) from None


@bp.get("/procedures/<int:procedure_id>/compare")
@login_required
def compare(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    versions = queries.procedure_versions(procedure)
    if len(versions) < 2:
        flash(_("Quy trình mới có một phiên bản; cần ít nhất hai phiên bản để so sánh."), "info")
        return redirect(url_for("web.procedure_detail", procedure_id=procedure.id))
    newest = procedure.current_version.number if procedure.current_version else versions[0].number
    to_number = _int_arg("to", newest)
    older = [v.number for v in versions if v.number < to_number]
    from_number = _int_arg("from", older[0] if older else versions[-1].number)
    old, new, ops = services.diff_versions(procedure, from_number, to_number)
    changes_only = request.args.get("changes") == "1"
    return render_template(
        "procedures/compare.html", procedure=procedure, versions=versions, old=old, new=new,
        old_label=services.version_status_label(old), new_label=services.version_status_label(new),
        ops=[op for op in ops if op.op != "equal"] if changes_only else ops,
        summary=summarize(ops), changes_only=changes_only,
    )


# Approval ---------------------------------------------------------------------------

def _decide(procedure_id: int, number: int, *, approve: bool):
    procedure = services.get_procedure(procedure_id)
    require_approve(actor(), procedure.agency_id)
    version = services.get_version(procedure, number)
    form = ApproveForm() if approve else ReturnForm()
    text = form.comment.data if approve else form.reason.data
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        extra = {}
        if approve and (form.effective_on.data or "").strip():
            extra["effective_on"] = parse_date(form.effective_on.data, "effective_on")
        services.decide_version(version, approve=approve, comment=text or "", actor=actor(), **extra)
    except (InvalidInput, Conflict) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("web.version_detail", procedure_id=procedure.id, number=number), 303)
    if approve and not version.is_current:
        flash(_("Đã phê duyệt phiên bản %(n)s; phiên bản sẽ có hiệu lực từ ngày %(d)s.", n=number,
                d=version.effective_on.strftime("%d/%m/%Y")), "success")
    elif approve:
        flash(_("Đã phê duyệt phiên bản %(n)s; phiên bản này nay là bản hiện hành.", n=number), "success")
    else:
        flash(_("Đã trả lại phiên bản %(n)s cho người soạn kèm lý do.", n=number), "success")
    return redirect(url_for("web.procedure_detail", procedure_id=procedure.id), 303)


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/approve")
@login_required
def approve_version(procedure_id: int, number: int):
    return _decide(procedure_id, number, approve=True)


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/return")
@login_required
def return_version(procedure_id: int, number: int):
    return _decide(procedure_id, number, approve=False)


# Upload ---------------------------------------------------------------------------

def _uploaded_file() -> tuple[bytes, str]:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise UploadRefused("Chưa chọn tệp. Hãy kéo thả hoặc chọn tệp Word (.docx) của quy trình.",
                            code="missing_file", status=400)
    return upload.read(), upload.filename


def _base_version() -> int | None:
    value = (request.form.get("base_version") or "").strip()
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise InvalidInput("Phiên bản gốc gửi kèm không hợp lệ. Hãy tải lại trang rồi thử lại.",
                           code="invalid_base_version") from None
    if not 0 <= number <= 2**31 - 1:
        raise InvalidInput("Phiên bản gốc gửi kèm không hợp lệ. Hãy tải lại trang rồi thử lại.",
                           code="invalid_base_version")
    return number


def _upload_page(procedure: Procedure, form: UploadForm, error: QmsError | None = None):
    context = dict(procedure=procedure, form=form, error=error,
                   latest=procedure.latest_version,
                   max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
                   max_mb=current_app.config["MAX_UPLOAD_MB"])
    return render_template("procedures/upload.html", **context), (error.status if error else 200)


@bp.route("/procedures/<int:procedure_id>/upload", methods=["GET", "POST"])
@login_required
def upload(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    require_write(actor(), procedure.agency_id)
    form = UploadForm()
    if request.method == "GET":
        if procedure.status == "retired":
            flash(_("Quy trình đã bị bãi bỏ nên không nhận phiên bản mới."), "warning")
            return redirect(url_for("web.procedure_detail", procedure_id=procedure.id))
        form.base_version.data = str(queries.latest_number(procedure))
        return _upload_page(procedure, form)
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="note_required")
        data, filename = _uploaded_file()
        result = services.add_version(
            procedure, data, filename, note=form.note.data, base_version=_base_version(), actor=actor(),
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            effective_on=parse_date(form.effective_on.data, "effective_on"),
            change_request=(form.change_request.data or "").strip() or None,
        )
        send_forms_uploaded(result.version, actor(), current_app.config["MAX_UPLOAD_BYTES"])
    except (InvalidInput, UploadRefused, Conflict) as error:
        if wants_json():
            raise
        return _upload_page(procedure, form, error)
    version = result.version
    if version.state == "pending":
        message = _("Đã lưu phiên bản %(n)s. Phiên bản đang chờ duyệt; nó có hiệu lực khi được phê duyệt.",
                    n=version.number)
    elif not version.is_current:
        message = _("Đã lưu phiên bản %(n)s; phiên bản sẽ có hiệu lực từ ngày %(d)s.", n=version.number,
                    d=version.effective_on.strftime("%d/%m/%Y"))
    else:
        message = _("Đã lưu phiên bản %(n)s; đây là bản hiện hành.", n=version.number)
    target = url_for("web.procedure_detail", procedure_id=procedure.id)
    if wants_json():
        _flash_saved(message, result)
        return jsonify({"version": version.number, "state": version.state, "message": message,
                        "warnings": result.warnings, "warning_details": result.warning_details,
                        "redirect": target}), 201
    _flash_saved(message, result)
    return redirect(target, 303)


def _flash_saved(message: str, result) -> None:
    """One banner per fact: the success message already says a draft waits for approval."""
    flash(message, "success")
    for warning in result.details:
        if warning.code not in (revisions.PENDING_APPROVAL, revisions.EFFECTIVE_LATER):
            flash(warning.message, "warning")


@bp.post("/procedures/<int:procedure_id>/upload/inspect")
@login_required
def inspect_upload(procedure_id: int):
    """Read an upload and say what it contains, storing nothing: the confirmation step."""
    procedure = services.get_procedure(procedure_id)
    require_write(actor(), procedure.agency_id)
    data, filename = _uploaded_file()
    # Nothing is written here: end the transaction so SQLite's write lock is not held while parsing.
    session.rollback()
    inspection = services.inspect_upload(data, current_app.config["MAX_UPLOAD_BYTES"], filename=filename,
                                         procedure=procedure, actor=actor())
    return jsonify({
        "filename": inspection.filename,
        "size": inspection.size,
        "sha256": inspection.sha256,
        "metadata": {
            "code": inspection.code,
            "revision": inspection.revision,
            "issued_on": inspection.issued_on.strftime("%d/%m/%Y") if inspection.issued_on else None,
        },
        "citations": [{"symbol": c.symbol, "key": c.key, "location": c.location} for c in inspection.citations],
        "paragraphs": inspection.paragraph_count,
        "warnings": inspection.warnings,
        "warning_details": [w.as_dict() for w in inspection.details],
        "needs_approval": inspection.needs_approval,
    })


def init_app(app: Flask) -> None:
    """The views above sit on the shared `web` blueprint (registered by qmsdocs.pages); add the filter."""
    app.add_template_filter(filesize, "filesize")
