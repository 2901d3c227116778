"""JSON API: /api/v1/procedures and their versions."""

from __future__ import annotations

from dataclasses import asdict
from io import BytesIO

from flask import current_app, jsonify, request, send_file, url_for

from qmsdocs import events
from qmsdocs.api import api_blueprint, api_user, int_arg, json_body, str_field
from qmsdocs.clock import parse_date
from qmsdocs.db import before_writing
from qmsdocs.docx.diff import summarize
from qmsdocs.errors import InvalidInput, UploadRefused
from qmsdocs.paging import page_request
from qmsdocs.procedures import services
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion
from qmsdocs.previews import is_short as preview_is_short

bp = api_blueprint("procedures_api", __name__)


def citation_json(citation: Citation) -> dict:
    return {"symbol": citation.symbol, "key": citation.key, "location": citation.location,
            "context": citation.context}


def version_json(version: ProcedureVersion) -> dict:
    return {
        "version": version.number,
        "sha256": version.sha256,
        "size": version.size,
        "filename": version.filename,
        "uploaded_at": version.uploaded_at.isoformat(timespec="seconds") + "Z",
        "uploaded_by": version.uploader_name,
        "note": version.note,
        "state": version.state,
        # Ngày hiệu lực chosen (None: on approval) and the day it actually became current.
        "effective_on": version.effective_on.isoformat() if version.effective_on else None,
        "in_force_from": version.in_force_from.isoformat() if version.in_force_from else None,
        "status": services.version_status(version),
        "status_label": services.version_status_label(version),
        "metadata": {
            "code": version.doc_code,
            "revision": version.doc_revision,
            "issued_on": version.doc_issued_on.isoformat() if version.doc_issued_on else None,
        },
    }


def procedure_summary_json(procedure: Procedure) -> dict:
    current = procedure.current_version
    return {
        "id": procedure.id,
        "agency": procedure.agency.code,
        "code": procedure.code,
        "title": procedure.title,
        "field": procedure.field,
        "admin_procedures": procedure.admin_procedure_codes,
        "status": procedure.status,
        "review_interval_months": procedure.review_interval_months,
        "current_version": current.number if current else None,
    }


def procedure_json(procedure: Procedure) -> dict:
    current = procedure.current_version
    body = procedure_summary_json(procedure)
    body.update(
        retired_reason=procedure.retired_reason,
        versions=[version_json(v) for v in procedure.versions],
        citations=[citation_json(c) for c in current.citations] if current else [],
    )
    return body


@bp.get("/procedures")
def list_procedures():
    status = request.args.get("status") or None
    if status and status not in ("active", "retired"):
        raise InvalidInput("Tham số 'status' phải là active hoặc retired.", code="invalid_parameter")
    page = services.list_procedures(agency_code=request.args.get("agency") or None, status=status,
                                    former_province=request.args.get("former_province") or None,
                                    paging=page_request(request.args))
    return jsonify(page.as_json(procedure_summary_json))


@bp.post("/procedures")
def create_procedure():
    data = json_body()
    interval = data.get("review_interval_months")
    if interval is not None and (not isinstance(interval, int) or isinstance(interval, bool)):
        raise InvalidInput("Trường 'review_interval_months' phải là số nguyên (tháng).", code="invalid_field")
    procedure = services.create_procedure(
        str_field(data, "agency", max_length=64),
        str_field(data, "code", max_length=64),
        str_field(data, "title", max_length=500),
        field=str_field(data, "field", required=False, max_length=255),
        admin_procedures=data.get("admin_procedures"),
        review_interval_months=interval,
        actor=api_user(),
    )
    return jsonify(procedure_json(procedure)), 201


@bp.get("/procedures/<int:procedure_id>")
def get_procedure(procedure_id: int):
    return jsonify(procedure_json(services.get_procedure(procedure_id)))


@bp.post("/procedures/<int:procedure_id>/retire")
def retire_procedure(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    services.retire_procedure(procedure, str_field(json_body(), "reason", max_length=2000), actor=api_user())
    return jsonify(procedure_json(procedure))


@bp.post("/procedures/<int:procedure_id>/versions")
def upload_version(procedure_id: int):
    upload = request.files.get("file")
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    with before_writing():
        procedure = services.get_procedure(procedure_id)
        services.check_upload_allowed(procedure, api_user())
        if upload is None:
            raise UploadRefused(
                "Chưa có tệp. Hãy gửi tệp .docx trong trường 'file' (multipart/form-data).",
                code="missing_file", status=400,
            )
        with upload.stream:
            data = upload.read()
        parsed = services.parse_upload(data, max_bytes=max_bytes)
    result = services.add_version(
        procedure,
        data,
        upload.filename,
        note=request.form.get("note", ""),
        base_version=int_arg(request.form.get("base_version"), "base_version", minimum=0),
        actor=api_user(),
        max_bytes=max_bytes,
        effective_on=parse_date(request.form.get("effective_on"), "effective_on"),
        change_request=(request.form.get("change_request") or "").strip()[:20] or None,
        parsed=parsed,
    )
    version = result.version
    forms = send_forms_uploaded(version, api_user(), current_app.config["MAX_UPLOAD_BYTES"])
    body = version_json(version)
    body.update(
        forms=forms,
        procedure_id=procedure.id,
        current_version=procedure.current_version.number if procedure.current_version else None,
        citations=[citation_json(c) for c in version.citations],
        warnings=result.warnings,
        converted_from_doc=result.converted,
        warning_details=result.warning_details,
    )
    return jsonify(body), 201


def send_forms_uploaded(version: ProcedureVersion, actor, max_bytes: int) -> list[str]:
    """Forms sent in the `forms` fields with the version (biểu mẫu) go to the area that keeps them."""
    files = []
    for upload in request.files.getlist("forms"):
        if upload.filename:
            with upload.stream:
                files.append((upload.read(), upload.filename))
    if not files:
        return []
    results = events.version_forms_uploaded.send(version, files=files, actor=actor, max_bytes=max_bytes)
    return [code for _receiver, codes in results for code in (codes or [])]


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/approve")
def approve_version(procedure_id: int, number: int):
    procedure = services.get_procedure(procedure_id)
    version = services.get_version(procedure, number)
    data = json_body(allow_empty=True)
    comment = str_field(data, "comment", required=False, max_length=2000) or ""
    extra = {"effective_on": parse_date(data["effective_on"], "effective_on")} if "effective_on" in data else {}
    services.decide_version(version, approve=True, comment=comment, actor=api_user(), **extra)
    return jsonify(version_json(version))


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/return")
def return_version(procedure_id: int, number: int):
    procedure = services.get_procedure(procedure_id)
    version = services.get_version(procedure, number)
    data = json_body()
    services.decide_version(version, approve=False, comment=str_field(data, "reason", max_length=2000),
                            actor=api_user())
    return jsonify(version_json(version))


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>")
def get_version(procedure_id: int, number: int):
    version = services.get_version(services.get_procedure(procedure_id), number)
    body = version_json(version)
    body["citations"] = [citation_json(c) for c in version.citations]
    body["text"] = version.text
    return jsonify(body)


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/file")
def download_version(procedure_id: int, number: int):
    version = services.get_version(services.get_procedure(procedure_id), number)
    return send_version_file(version)


def send_version_file(version: ProcedureVersion):
    response = send_file(
        BytesIO(services.version_bytes(version)),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        as_attachment=True,
        download_name=services.download_name(version),
        etag=version.sha256,
        max_age=0,
    )
    response.headers["X-Content-SHA256"] = version.sha256
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/html")
def preview_version(procedure_id: int, number: int):
    version = services.get_version(services.get_procedure(procedure_id), number)
    response = current_app.response_class(services.version_preview(version), mimetype="text/html")
    if preview_is_short(version.size):
        # Large files: the first part of the text only; the whole document is at the file link.
        response.headers["X-Preview-Shortened"] = "1"
        response.headers["Link"] = f'<{url_for(".download_version", procedure_id=procedure_id, number=number)}>; rel="alternate"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/procedures/<int:procedure_id>/diff")
def diff(procedure_id: int):
    procedure = services.get_procedure(procedure_id)
    old_number = int_arg(request.args.get("from"), "from", required=True)
    new_number = int_arg(request.args.get("to"), "to", required=True)
    old, new, result = services.diff_versions(procedure, old_number, new_number)
    return jsonify({"procedure_id": procedure.id, "from": old.number, "to": new.number, **diff_json(result)})


def diff_json(ops) -> dict:
    return {"changes": [asdict(op) for op in ops], "summary": summarize(ops)}


def init_app(app) -> None:
    app.register_blueprint(bp)
