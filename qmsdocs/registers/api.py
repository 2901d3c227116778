"""JSON API: the master lists (/api/v1/registers/…) and the forms of a procedure version."""

from __future__ import annotations

from io import BytesIO

from flask import current_app, jsonify, request, send_file

from qmsdocs.api import api_blueprint, api_user
from qmsdocs.errors import InvalidInput, UploadRefused
from qmsdocs.procedures import services as procedures
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.registers import exports, forms, lists
from qmsdocs.registers.formcheck import MEDIA_TYPES
from qmsdocs.registers.models import VersionForm
from qmsdocs.reports.api import DOCX, XLSX, download

bp = api_blueprint("registers_api", __name__)

KINDS = {"internal": lists.internal_list, "external": lists.external_list}


def master_list(kind: str) -> lists.MasterList:
    agency = (request.args.get("agency") or "").strip() or None
    return KINDS[kind](agency)


def list_json(master: lists.MasterList) -> dict:
    return {
        "kind": master.kind,
        "agency": master.agency.code if master.agency else None,
        "agency_name": master.agency.name if master.agency else None,
        "count": len(master.entries),
        "items": [entry.as_json() for entry in master.entries],
    }


def _register_list_routes(kind: str) -> None:
    """/registers/<kind>, .xlsx and .docx: the same list as JSON, workbook and Word document."""

    def as_json():
        return jsonify(list_json(master_list(kind)))

    def as_xlsx():
        master = master_list(kind)
        return download(exports.master_list_xlsx(master), XLSX, exports.file_stem(master) + ".xlsx")

    def as_docx():
        master = master_list(kind)
        return download(exports.master_list_docx(master), DOCX, exports.file_stem(master) + ".docx")

    bp.add_url_rule(f"/registers/{kind}", f"{kind}_list", as_json)
    bp.add_url_rule(f"/registers/{kind}.xlsx", f"{kind}_list_xlsx", as_xlsx)
    bp.add_url_rule(f"/registers/{kind}.docx", f"{kind}_list_docx", as_docx)


for _kind in KINDS:
    _register_list_routes(_kind)


# --- forms --------------------------------------------------------------------------------------

def form_json(link: VersionForm, version: ProcedureVersion) -> dict:
    stored = link.form_file
    return {
        "code": link.code,
        "filename": stored.filename,
        "kind": stored.kind,
        "size": stored.size,
        "sha256": stored.sha256,
        "uploaded_at": stored.uploaded_at.isoformat(timespec="seconds") + "Z",
        "attached_at_version": link.attached_at_version,
        "carried_over": link.attached_at_version != version.number,
    }


def _version(procedure_id: int, number: int) -> ProcedureVersion:
    return procedures.get_version(procedures.get_procedure(procedure_id), number)


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/forms")
def list_forms(procedure_id: int, number: int):
    version = _version(procedure_id, number)
    return jsonify({"procedure_id": procedure_id, "version": number,
                    "forms": [form_json(link, version) for link in forms.version_forms(version)]})


def _flag(value: str | None, name: str) -> bool:
    value = (value or "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise InvalidInput(f"Trường '{name}' phải là true hoặc false.", code="invalid_field")


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/forms")
def attach_form(procedure_id: int, number: int):
    version = _version(procedure_id, number)
    upload = request.files.get("file")
    if upload is None:
        raise UploadRefused(
            "Chưa có tệp. Hãy gửi biểu mẫu (.docx, .xlsx hoặc .pdf) trong trường 'file' (multipart/form-data).",
            code="missing_file", status=400)
    with upload.stream:
        data = upload.read()
    link = forms.attach_form(version, data, upload.filename, code=request.form.get("code") or None,
                             replace=_flag(request.form.get("replace"), "replace"), actor=api_user(),
                             max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    return jsonify(form_json(link, version)), 201


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/forms/<code>/file")
def download_form(procedure_id: int, number: int, code: str):
    version = _version(procedure_id, number)
    return send_form_file(forms.get_form(version, code), version)


def send_form_file(link: VersionForm, version: ProcedureVersion):
    """The stored bytes as they were uploaded; a PDF is an attachment too, never shown inline."""
    stored = link.form_file
    response = send_file(BytesIO(forms.form_bytes(link)), mimetype=MEDIA_TYPES[stored.kind], as_attachment=True,
                         download_name=forms.form_download_name(link, version), etag=stored.sha256, max_age=0)
    response.headers["X-Content-SHA256"] = stored.sha256
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def init_app(app) -> None:
    app.register_blueprint(bp)
