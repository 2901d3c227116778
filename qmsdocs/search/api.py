"""JSON API: GET /api/v1/search."""

from __future__ import annotations

from flask import jsonify, request, url_for

from qmsdocs.api import api_blueprint
from qmsdocs.search import services

bp = api_blueprint("search_api", __name__)


def hit_json(hit: services.SearchHit) -> dict:
    return {
        "procedure_id": hit.procedure_id,
        "code": hit.code,
        "title": hit.title,
        "agency": hit.agency,
        "agency_name": hit.agency_name,
        "level": hit.level,
        "field": hit.field,
        "status": hit.status,
        "stale": hit.stale,
        "version": hit.version,
        "current_version": hit.current_version,
        "is_current_version": hit.is_current_version,
        "admin_procedures": hit.admin_procedures,
        "score": hit.score,
        "snippet": str(hit.snippet),
        "url": url_for("web.procedure_detail", procedure_id=hit.procedure_id),
    }


def results_json(results: services.SearchResults) -> dict:
    return {
        "total": results.total,
        "page": results.request.page,
        "per_page": results.request.per_page,
        "hits": [hit_json(hit) for hit in results.hits],
        "facets": {
            name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
            for name, values in results.facets.items()
        },
    }


@bp.get("/search")
def search():
    """Every signed-in user reads every agency's procedures, so search needs no further check."""
    results = services.search(services.parse_request(request.args))
    return jsonify(results_json(results))
