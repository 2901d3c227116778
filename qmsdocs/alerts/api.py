"""JSON API: /api/v1/alerts and recorded reviews."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.alerts import services
from qmsdocs.alerts.models import Alert, ProcedureReview
from qmsdocs.api import api_blueprint, api_user, int_arg, json_body
from qmsdocs.clock import parse_record_date
from qmsdocs.errors import InvalidInput
from qmsdocs.paging import Page, page_request
from qmsdocs.procedures.services import get_procedure

bp = api_blueprint("alerts_api", __name__)


def _day(value):
    return value.isoformat() if value else None


def _moment(value):
    return value.isoformat(timespec="seconds") + "Z" if value else None


def alert_json(alert: Alert) -> dict:
    procedure = alert.procedure
    change = alert.legal_change
    return {
        "id": alert.id,
        "procedure_id": alert.procedure_id,
        "procedure_code": procedure.code,
        "procedure_title": procedure.title,
        "agency": procedure.agency.code,
        "rule": alert.rule,
        "rule_label": alert.rule_label,
        # What exactly raised it (change:17, lapse:4:17, not_in_force:4:suspended, review:2026-03-05 …).
        "cause": alert.cause,
        "legal_symbol": alert.legal_document.symbol if alert.legal_document else None,
        "legal_document_id": alert.legal_document_id,
        "change": change.kind if change else None,
        "change_by": change.by_document.symbol if change and change.by_document else None,
        "tthc_code": alert.tthc_code,
        "status": alert.status,
        "status_label": alert.status_label,
        "upcoming": alert.upcoming,
        "effective_on": _day(alert.effective_on),
        "opened_at": _moment(alert.opened_at),
        "message": alert.message,
        "resolution_hint": alert.resolution_hint,
        "acknowledged_at": _moment(alert.acknowledged_at),
        "acknowledged_by": alert.acknowledged_by.username if alert.acknowledged_by else None,
        "resolved_at": _moment(alert.resolved_at),
        "resolution": alert.resolution,
        "dismissed_at": _moment(alert.dismissed_at),
        "dismissed_by": alert.dismissed_by.username if alert.dismissed_by else None,
        "dismissal_reason": alert.dismissal_reason,
        # The version the alert was opened on, and the one a dismissal judged (it holds for that one only).
        "version_id": alert.version_id,
        "dismissed_version_id": alert.dismissed_version_id,
        # 2, 3 … when the same cause was raised again (after a resolution, or on a later version).
        "occurrence": alert.occurrence,
        "change_articles": change.article_list if change else [],
        "cites_touched_article": alert.cites_touched_article,
    }


def review_json(review: ProcedureReview) -> dict:
    return {"id": review.id, "procedure_id": review.procedure_id, "reviewed_on": _day(review.reviewed_on),
            "note": review.note, "reviewed_by": review.reviewed_by.username if review.reviewed_by else None}


def _bool_arg(value, name):
    if value in (None, ""):
        return None
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise InvalidInput(f"Tham số '{name}' phải là true hoặc false.", code="invalid_parameter")


@bp.get("/alerts")
def list_alerts():
    args = request.args
    paging = page_request(args, legacy_limit=True)
    items, total = services.list_alerts(
        agency_code=(args.get("agency") or "").strip() or None,
        procedure_id=int_arg(args.get("procedure"), "procedure"),
        statuses=services.parse_statuses(args.get("status")),
        rule=services.parse_rule(args.get("rule")),
        upcoming=_bool_arg(args.get("upcoming"), "upcoming"),
        limit=paging.per_page, offset=paging.offset,
    )
    return jsonify(Page.of(items, total, paging).as_json(alert_json))


@bp.get("/alerts/<int:alert_id>")
def show_alert(alert_id: int):
    return jsonify(alert_json(services.get_alert(alert_id)))


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):
    alert = services.get_alert(alert_id)
    services.acknowledge(alert, actor=api_user())
    return jsonify(alert_json(alert))


@bp.post("/alerts/<int:alert_id>/dismiss")
def dismiss(alert_id: int):
    alert = services.get_alert(alert_id)
    data = json_body()
    services.dismiss(alert, data.get("reason"), actor=api_user())
    return jsonify(alert_json(alert))


@bp.get("/procedures/<int:procedure_id>/alerts")
def procedure_alerts(procedure_id: int):
    procedure = get_procedure(procedure_id)
    return jsonify({"items": [alert_json(a) for a in services.alerts_for_procedure(procedure.id)],
                    "open_alerts": procedure.open_alerts})


@bp.post("/procedures/<int:procedure_id>/reviews")
def record_review(procedure_id: int):
    procedure = get_procedure(procedure_id)
    data = json_body(allow_empty=True)
    note = data.get("note") or ""
    if not isinstance(note, str):
        raise InvalidInput("Trường 'note' phải là chuỗi ký tự.", code="invalid_field")
    review, resolved = services.record_review(procedure, reviewed_on=parse_record_date(data.get("reviewed_on"), "reviewed_on"),
                                              note=note, actor=api_user())
    return jsonify({"review": review_json(review), "alerts_resolved": resolved,
                    "open_alerts": procedure.open_alerts}), 201
