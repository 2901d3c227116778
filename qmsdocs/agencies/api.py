"""JSON API: /api/v1/agencies, their history and their reorganization."""

from __future__ import annotations

from datetime import date

from flask import jsonify, request

from qmsdocs.agencies import reorganization, services
from qmsdocs.agencies.history import change_json, history
from qmsdocs.agencies.models import Agency
from qmsdocs.api import api_blueprint, api_user, json_body, str_field
from qmsdocs.auth.permissions import require_admin
from qmsdocs.errors import InvalidInput

bp = api_blueprint("agencies_api", __name__)


def agency_json(agency: Agency) -> dict:
    return {
        "id": agency.id,
        "code": agency.code,
        "name": agency.name,
        "level": agency.level,
        "kind": agency.kind,
        "parent": agency.parent.code if agency.parent else None,
        "active": agency.active,
        "approval_required": agency.approval_required,
        "four_eyes_approval": agency.four_eyes_approval,
        "review_interval_months": agency.review_interval_months,
        "province": agency.province,
        "former_province": agency.former_province,
        "unit_code": agency.unit_code,
    }


def _as_of():
    value = (request.args.get("as_of") or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("Tham số 'as_of' phải là ngày dạng YYYY-MM-DD (ví dụ 2024-12-31).",
                           code="invalid_parameter") from None


@bp.get("/agencies")
def list_agencies():
    level = request.args.get("level") or None
    former = (request.args.get("former_province") or "").strip() or None
    on = _as_of()
    if on is None:
        agencies = services.list_agencies(level=level, former_province=former)
        return jsonify({"items": [agency_json(a) for a in agencies]})
    items = []
    for agency, snapshot in services.agencies_as_of(on, former_province=former):
        if level and snapshot.level != level:
            continue
        items.append({**agency_json(agency), "name": snapshot.name, "level": snapshot.level, "kind": snapshot.kind,
                      "active": True})
    return jsonify({"items": items, "as_of": on.isoformat()})


@bp.get("/agencies/<code>")
def get_agency(code: str):
    return jsonify(agency_json(services.get_agency(code)))


@bp.post("/agencies")
def create_agency():
    require_admin(api_user())
    data = json_body()
    approval = data.get("approval_required", False)
    if not isinstance(approval, bool):
        raise InvalidInput("Trường 'approval_required' phải là true hoặc false.", code="invalid_field")
    four_eyes = data.get("four_eyes_approval", False)
    if not isinstance(four_eyes, bool):
        raise InvalidInput("Trường 'four_eyes_approval' phải là true hoặc false.", code="invalid_field")
    interval = data.get("review_interval_months", 12)
    if not isinstance(interval, int) or isinstance(interval, bool):
        raise InvalidInput("Trường 'review_interval_months' phải là số nguyên (tháng).", code="invalid_field")
    agency = services.create_agency(
        str_field(data, "code", max_length=64),
        str_field(data, "name", max_length=255),
        str_field(data, "level", max_length=16),
        parent_code=str_field(data, "parent", required=False, max_length=64),
        kind=str_field(data, "kind", required=False, max_length=64),
        approval_required=approval,
        four_eyes_approval=four_eyes,
        review_interval_months=interval,
        province=str_field(data, "province", required=False, max_length=64),
        former_province=str_field(data, "former_province", required=False, max_length=64),
        actor=api_user(),
    )
    return jsonify(agency_json(agency)), 201


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
    agency = services.get_agency(code)
    return jsonify({"agency": agency.code, "items": [change_json(c) for c in history(agency)]})


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
    from qmsdocs.agencies import cli  # noqa: F401 - registers `qms agencies` and `qms service-name`

    app.register_blueprint(bp)
