"""JSON API: old agency codes and names, and old procedure codes, lead to what carries them now."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.agencies.api import agency_json
from qmsdocs.agencies.lineage import find_by_old_code_or_name, transfers_from
from qmsdocs.api import api_blueprint
from qmsdocs.errors import InvalidInput, NotFound
from qmsdocs.procedures.models import Procedure
from qmsdocs.procedures.services import find_procedure
from qmsdocs.agencies.services import get_agency
from qmsdocs.db import session

bp = api_blueprint("reorganize_api", __name__)


def _param(name: str, *, required: bool = True) -> str:
    value = (request.args.get(name) or "").strip()
    if required and not value:
        raise InvalidInput(f"Thiếu tham số '{name}'.", code="invalid_parameter")
    if len(value) > 255:
        raise InvalidInput(f"Tham số '{name}' dài tối đa 255 ký tự.", code="invalid_parameter")
    return value


@bp.get("/lookup/agencies")
def lookup_agencies():
    """An old code or name (or a current one) → the agency it was and its successors now."""
    found = find_by_old_code_or_name(_param("q"))
    return jsonify({"items": [{"agency": agency_json(item.agency), "matched": item.matched,
                               "former_name": item.former_name, "note": item.note,
                               "successors": [agency_json(a) for a in item.successors]} for item in found]})


@bp.get("/lookup/procedure")
def lookup_procedure():
    """A procedure by agency code and procedure code, current or as they were before a reorganization."""
    agency_code, code = _param("agency"), _param("code")
    agency = None
    try:
        agency = get_agency(agency_code)
    except NotFound:
        pass
    procedure = find_procedure(agency.id, code) if agency is not None else None
    former = None
    if procedure is None:
        moved = transfers_from(agency_code, code)
        if not moved:
            raise NotFound(f"Không có quy trình '{code}' của cơ quan '{agency_code}', kể cả trước khi sắp xếp lại.",
                           code="procedure_not_found")
        procedure = session.get(Procedure, moved[0].procedure_id)
        former = {"agency": agency_code, "agency_name": moved[0].from_agency.name, "code": code,
                  "moved_on": moved[0].change.effective_on.isoformat()}
    body = {"id": procedure.id, "code": procedure.code, "title": procedure.title, "status": procedure.status,
            "agency": procedure.agency.code, "agency_name": procedure.agency.name, "former": former}
    if former:
        body["note"] = (f"Trước đây: {former['agency_name']} ({agency_code}), mã {code}; "
                        f"nay: {procedure.agency.name}, mã {procedure.code}.")
    return jsonify(body)


def init_app(app) -> None:
    app.register_blueprint(bp)
