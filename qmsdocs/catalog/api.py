"""JSON API: /api/v1/admin-procedures (the TTHC catalog) and its links to procedures."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.api import api_blueprint, api_user, json_body
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


def init_app(app) -> None:
    app.register_blueprint(bp)
