"""JSON API: /api/v1/agencies."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.agencies import services
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
        "review_interval_months": agency.review_interval_months,
    }


@bp.get("/agencies")
def list_agencies():
    level = request.args.get("level") or None
    return jsonify({"items": [agency_json(a) for a in services.list_agencies(level=level)]})


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
        review_interval_months=interval,
        actor=api_user(),
    )
    return jsonify(agency_json(agency)), 201


def init_app(app) -> None:
    app.register_blueprint(bp)
