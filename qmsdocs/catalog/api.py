"""JSON API: /api/v1/admin-procedures (the TTHC catalog), links, and agency reorganization."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.agencies import reorganization
from qmsdocs.agencies.services import get_agency
from qmsdocs.api import api_blueprint, api_user, json_body, str_field
from qmsdocs.auth.permissions import require_admin
from qmsdocs.catalog import links as linking
from qmsdocs.catalog import services
from qmsdocs.catalog.importer import import_file
from qmsdocs.errors import InvalidInput
from qmsdocs.paging import page_request
from qmsdocs.procedures.services import get_procedure

bp = api_blueprint("catalog_api", __name__)


@bp.get("/admin-procedures")
def list_admin_procedures():
    result = services.list_admin_procedures(
        q=request.args.get("q") or None, field_name=request.args.get("field") or None,
        level=request.args.get("level") or None, status=request.args.get("status") or None,
        paging=page_request(request.args),
    )
    return jsonify(result.as_json(services.admin_procedure_json))


@bp.get("/admin-procedures/<code>")
def get_admin_procedure(code: str):
    return jsonify(services.admin_procedure_json(services.get_admin_procedure(code), detail=True))


@bp.post("/admin-procedures")
def create_admin_procedure():
    require_admin(api_user())
    item = services.create_admin_procedure(json_body(), actor=api_user())
    return jsonify(services.admin_procedure_json(item, detail=True)), 201


@bp.post("/admin-procedures/import")
def import_admin_procedures():
    require_admin(api_user())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy gửi tệp trong trường 'file' (multipart/form-data).", code="missing_file")
    report = import_file(upload.read(), upload.filename, fmt=request.form.get("format") or None, actor=api_user())
    return jsonify(report.as_dict())


@bp.get("/admin-procedures/suggestions")
def list_suggestions():
    links = linking.pending_suggestions(agency_code=request.args.get("agency") or None)
    names = services.admin_procedure_names([link.code for link in links])
    return jsonify({"items": [{
        "procedure_id": link.procedure_id, "agency": link.procedure.agency.code,
        "procedure_code": link.procedure.code, "procedure_title": link.procedure.title,
        "code": link.code, "name": names.get(link.code), "confirmed": link.confirmed,
    } for link in links]})


@bp.post("/procedures/<int:procedure_id>/admin-procedures/<code>/confirm")
def confirm_link(procedure_id: int, code: str):
    procedure = get_procedure(procedure_id)
    link = linking.confirm_link(procedure, code, actor=api_user())
    return jsonify({"procedure_id": procedure.id, "code": link.code, "confirmed": True})


@bp.post("/procedures/<int:procedure_id>/admin-procedures/<code>/reject")
def reject_link(procedure_id: int, code: str):
    procedure = get_procedure(procedure_id)
    linking.reject_link(procedure, code, actor=api_user())
    return jsonify({"procedure_id": procedure.id, "code": code, "rejected": True})


# --- agency reorganization (admin) -----------------------------------------------------------


def _new_agency(data) -> reorganization.NewAgency:
    if not isinstance(data, dict):
        raise InvalidInput("Cơ quan mới phải là đối tượng {code, name, level, kind?, unit_type?, parent?}.",
                           code="invalid_field")
    return reorganization.NewAgency(
        code=str_field(data, "code", max_length=64), name=str_field(data, "name", max_length=255),
        level=str_field(data, "level", max_length=16), kind=str_field(data, "kind", required=False, max_length=64),
        unit_type=str_field(data, "unit_type", required=False, max_length=16),
        parent_code=str_field(data, "parent", required=False, max_length=64),
    )


def _common(data: dict) -> dict:
    return {"effective_on": str_field(data, "effective_on", max_length=10),
            "decision": str_field(data, "decision", required=False, max_length=255),
            "note": str_field(data, "note", required=False, max_length=2000)}


@bp.get("/agencies/<code>/history")
def agency_history(code: str):
    agency = get_agency(code)
    return jsonify({"agency": agency.code, "items": [reorganization.change_json(c)
                                                     for c in reorganization.history(agency)]})


@bp.post("/agencies/<code>/rename")
def rename_agency(code: str):
    require_admin(api_user())
    data = json_body()
    result = reorganization.rename(
        code, str_field(data, "name", max_length=255), kind=str_field(data, "kind", required=False, max_length=64),
        unit_type=str_field(data, "unit_type", required=False, max_length=16),
        level=str_field(data, "level", required=False, max_length=16), actor=api_user(), **_common(data))
    return jsonify(result.as_dict()), 201


@bp.post("/agencies/merge")
def merge_agencies():
    require_admin(api_user())
    data = json_body()
    sources = data.get("agencies")
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise InvalidInput("Trường 'agencies' phải là mảng mã các cơ quan được sáp nhập.", code="invalid_field")
    into = data.get("into")
    if isinstance(into, dict):
        into = _new_agency(into)
    elif not isinstance(into, str) or not into.strip():
        raise InvalidInput("Trường 'into' phải là mã cơ quan nhận sáp nhập hoặc đối tượng cơ quan mới.",
                           code="invalid_field")
    result = reorganization.merge(sources, into=into, actor=api_user(), **_common(data))
    return jsonify(result.as_dict()), 201


@bp.post("/agencies/<code>/split")
def split_agency(code: str):
    require_admin(api_user())
    data = json_body()
    into = data.get("into")
    if not isinstance(into, list):
        raise InvalidInput("Trường 'into' phải là mảng các cơ quan kế thừa (mã, hoặc đối tượng cơ quan mới).",
                           code="invalid_field")
    successors = [item if isinstance(item, str) else _new_agency(item) for item in into]
    assignment = data.get("assignment") or {}
    if not isinstance(assignment, dict) or not all(isinstance(v, str) for v in assignment.values()):
        raise InvalidInput("Trường 'assignment' phải là đối tượng {mã quy trình: mã cơ quan}.", code="invalid_field")
    keep = data.get("keep_source", False)
    if not isinstance(keep, bool):
        raise InvalidInput("Trường 'keep_source' phải là true hoặc false.", code="invalid_field")
    result = reorganization.split(code, into=successors, assignment=assignment, keep_source=keep,
                                  actor=api_user(), **_common(data))
    return jsonify(result.as_dict()), 201


@bp.post("/agencies/<code>/dissolve")
def dissolve_agency(code: str):
    require_admin(api_user())
    data = json_body()
    result = reorganization.dissolve(code, successor=str_field(data, "successor", required=False, max_length=64),
                                     actor=api_user(), **_common(data))
    return jsonify(result.as_dict()), 201


def init_app(app) -> None:
    app.register_blueprint(bp)
