"""JSON API: /api/v1/change-requests, turning an alert into a request, an agency's approval policy."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, jsonify, request, send_file

from qmsdocs.agencies.services import get_agency
from qmsdocs.alerts.services import get_alert
from qmsdocs.api import api_blueprint, api_user, int_arg, json_body, str_field
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin
from qmsdocs.clock import parse_date
from qmsdocs.doccontrol import printing, services
from qmsdocs.doccontrol.models import ChangeRequest
from qmsdocs.errors import InvalidInput
from qmsdocs.paging import page_request
from qmsdocs.procedures.services import get_procedure

bp = api_blueprint("doccontrol_api", __name__)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _day(value):
    return value.isoformat() if value else None


def _moment(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def request_json(change_request: ChangeRequest) -> dict:
    procedure = change_request.procedure
    return {
        "id": change_request.id,
        "label": change_request.label,
        "number": change_request.number,
        "year": change_request.year,
        "agency": change_request.agency.code,
        "procedure_id": change_request.procedure_id,
        "procedure_code": procedure.code if procedure else None,
        "proposed_code": change_request.proposed_code,
        "proposed_title": change_request.proposed_title,
        "part": change_request.part,
        "content": change_request.content,
        "reason": change_request.reason,
        "alert_id": change_request.alert_id,
        "attachment": ({"filename": change_request.attachment_name, "size": change_request.attachment_size,
                        "sha256": change_request.attachment_sha256} if change_request.attachment_sha256 else None),
        "requested_by": change_request.requested_by.username if change_request.requested_by else None,
        "requested_at": _moment(change_request.requested_at),
        "status": change_request.status,
        "status_label": change_request.status_label,
        "decided_by": change_request.decided_by.username if change_request.decided_by else None,
        "decided_at": _moment(change_request.decided_at),
        "decision_note": change_request.decision_note,
        "editor": change_request.editor.username if change_request.editor else None,
        "due_on": _day(change_request.due_on),
        "version": change_request.version.number if change_request.version else None,
        "closed_at": _moment(change_request.closed_at),
    }


def _fields() -> tuple[dict, services.Attachment | None]:
    """JSON, or multipart/form-data when a marked-up file is attached (field 'attachment')."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("attachment")
        attachment = None
        if upload is not None and upload.filename:
            with upload.stream:
                attachment = services.Attachment(upload.read(), upload.filename)
        return request.form.to_dict(), attachment
    return json_body(), None


@bp.get("/change-requests")
def list_requests():
    args = request.args
    filters = services.RequestFilters(
        agency=(args.get("agency") or "").strip()[:64], status=services.parse_status(args.get("status")),
        year=int_arg(args.get("year"), "year", minimum=2000, maximum=2100),
        procedure_id=int_arg(args.get("procedure"), "procedure"), q=(args.get("q") or "").strip()[:200])
    return jsonify(services.list_requests(filters, page_request(args)).as_json(request_json))


@bp.post("/change-requests")
def submit_request():
    data, attachment = _fields()
    procedure_id = data.get("procedure_id")
    if isinstance(procedure_id, str):
        procedure_id = int_arg(procedure_id, "procedure_id")
    elif procedure_id is not None and (not isinstance(procedure_id, int) or isinstance(procedure_id, bool)):
        raise InvalidInput("Trường 'procedure_id' phải là số nguyên.", code="invalid_field")
    change_request = services.submit_request(
        procedure=get_procedure(procedure_id) if procedure_id else None,
        agency_code=str_field(data, "agency", required=False, max_length=64),
        content=data.get("content"), reason=data.get("reason"), part=data.get("part"),
        proposed_code=data.get("proposed_code"), proposed_title=data.get("proposed_title"),
        attachment=attachment, actor=api_user(), max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    return jsonify(request_json(change_request)), 201


@bp.post("/alerts/<int:alert_id>/change-request")
def request_from_alert(alert_id: int):
    change_request = services.request_from_alert(get_alert(alert_id), actor=api_user(),
                                                 max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    return jsonify(request_json(change_request)), 201


@bp.get("/change-requests/<int:request_id>")
def show_request(request_id: int):
    return jsonify(request_json(services.get_request(request_id)))


@bp.post("/change-requests/<int:request_id>/accept")
def accept_request(request_id: int):
    change_request = services.get_request(request_id)
    data = json_body()
    services.accept_request(change_request, editor=str_field(data, "editor", max_length=64),
                            due_on=parse_date(data.get("due_on"), "due_on", required=True),
                            note=data.get("note"), actor=api_user())
    return jsonify(request_json(change_request))


@bp.post("/change-requests/<int:request_id>/decline")
def decline_request(request_id: int):
    change_request = services.get_request(request_id)
    services.decline_request(change_request, reason=json_body().get("reason"), actor=api_user())
    return jsonify(request_json(change_request))


@bp.get("/change-requests/<int:request_id>/form.docx")
def request_form(request_id: int):
    return send_request_form(services.get_request(request_id))


@bp.get("/change-requests/<int:request_id>/attachment")
def request_attachment(request_id: int):
    return send_attachment(services.get_request(request_id))


def send_request_form(change_request: ChangeRequest):
    name = f"phieu-de-nghi-{change_request.number}-{change_request.year}-{change_request.agency.code}.docx"
    return send_file(BytesIO(printing.request_form_docx(change_request)), mimetype=DOCX, as_attachment=True,
                     download_name=name, max_age=0)


def send_attachment(change_request: ChangeRequest):
    data = services.attachment_bytes(change_request)
    extension = "." + change_request.attachment_name.rpartition(".")[2].lower()
    response = send_file(BytesIO(data), mimetype=services.ATTACHMENT_TYPES.get(extension, "application/octet-stream"),
                         as_attachment=True, download_name=change_request.attachment_name,
                         etag=change_request.attachment_sha256, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.put("/agencies/<code>/approval-policy")
def set_approval_policy(code: str):
    """Admin: whether drafts wait for an approver, and whether the approver must be another person."""
    actor = api_user()
    require_admin(actor)
    agency = get_agency(code)
    data = json_body()
    changes = {}
    for name in ("approval_required", "four_eyes_approval"):
        if name in data:
            if not isinstance(data[name], bool):
                raise InvalidInput(f"Trường '{name}' phải là true hoặc false.", code="invalid_field")
            changes[name] = data[name]
    if not changes:
        raise InvalidInput("Hãy gửi 'approval_required' và/hoặc 'four_eyes_approval' (true/false).",
                           code="missing_field")
    for name, value in changes.items():
        setattr(agency, name, value)
    if agency.four_eyes_approval:
        agency.approval_required = True  # two people approve: there must be an approval step
    record(actor, "agency.update", "agency", agency.id, agency_id=agency.id, **changes)
    return jsonify(approval_policy_json(agency))


@bp.get("/agencies/<code>/approval-policy")
def get_approval_policy(code: str):
    return jsonify(approval_policy_json(get_agency(code)))


def approval_policy_json(agency) -> dict:
    return {"agency": agency.code, "approval_required": agency.approval_required,
            "four_eyes_approval": agency.four_eyes_approval}
