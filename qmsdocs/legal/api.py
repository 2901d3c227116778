"""JSON API: /api/v1/legal-documents, /api/v1/legal-changes, import and unknown citations."""

from __future__ import annotations

from flask import jsonify, request

from qmsdocs.api import api_blueprint, api_user, int_arg, json_body
from qmsdocs.auth.permissions import require_admin
from qmsdocs.errors import InvalidInput
from qmsdocs.legal import cited, importer, services
from qmsdocs.legal.models import LegalChange, LegalDocument
from qmsdocs.paging import Page, page_request

bp = api_blueprint("legal_api", __name__)


def _day(value):
    return value.isoformat() if value else None


def change_json(change: LegalChange) -> dict:
    return {
        "id": change.id,
        "symbol": change.document.symbol,
        "change": change.kind,
        "change_label": change.label,
        "by": change.by_document.symbol if change.by_document else None,
        "effective_on": _day(change.effective_on),
        "articles": change.article_list,
        "note": change.note,
    }


def document_json(document: LegalDocument, *, full: bool = False) -> dict:
    body = {
        "id": document.id,
        "symbol": document.symbol,
        "key": document.key,
        "type": document.doc_type,
        "title": document.title,
        "issuer": document.issuer,
        "issued_on": _day(document.issued_on),
        "effective_on": _day(document.effective_on),
        "status": document.status,
        "status_label": document.status_label,
        # Why, when the registry inferred the status (lapsed with the document it details).
        "status_reason": document.status_reason,
        "lapsed_with": document.lapsed_with.symbol if document.lapsed_with else None,
        # Province of a local authority's document (UBND, HĐND); None for central documents.
        "province": document.province,
        "aliases": [a.alias for a in document.aliases],
    }
    if full:
        body["note"] = document.note
        body["changes"] = [change_json(c) for c in services.list_changes(document=document)]
        body["cited_by"] = [{"id": p.id, "code": p.code, "agency": p.agency.code}
                            for p in services.citing_procedures(document)]
    return body


@bp.get("/legal-documents")
def list_documents():
    args = request.args
    status = services.parse_status(args.get("status")) if args.get("status") else None
    paging = page_request(args, legacy_limit=True)
    items, total = services.list_documents(q=(args.get("q") or "").strip() or None, status=status,
                                           doc_type=(args.get("type") or "").strip() or None,
                                           limit=paging.per_page, offset=paging.offset)
    return jsonify(Page.of(items, total, paging).as_json(document_json))


@bp.post("/legal-documents")
def create_document():
    document = services.create_document(json_body(), actor=api_user())
    return jsonify(document_json(document, full=True)), 201


@bp.get("/legal-documents/<path:symbol>")
def show_document(symbol: str):
    document = services.get_document(int(symbol)) if symbol.isdigit() else services.document_by_symbol(symbol)
    return jsonify(document_json(document, full=True))


@bp.route("/legal-documents/<path:symbol>", methods=["PATCH", "PUT"])
def update_document(symbol: str):
    require_admin(api_user())
    document = services.get_document(int(symbol)) if symbol.isdigit() else services.document_by_symbol(symbol)
    changed = services.update_document(document, json_body(), actor=api_user())
    return jsonify({**document_json(document, full=True), "changed": sorted(changed)})


@bp.get("/legal-changes")
def list_changes():
    symbol = (request.args.get("symbol") or "").strip()
    document = services.document_by_symbol(symbol) if symbol else None
    paging = page_request(request.args, legacy_limit=True)
    items = services.list_changes(document=document, limit=paging.per_page, offset=paging.offset)
    return jsonify(Page.of(items, services.count_changes(document=document), paging).as_json(change_json))


@bp.post("/legal-changes")
def record_change():
    result = services.record_change(json_body(), actor=api_user())
    body = {**change_json(result.change), "created": result.created, "alerts_opened": result.alerts_opened,
            "registered": result.registered}
    return jsonify(body), 201 if result.created else 200


@bp.post("/legal-import")
def import_registry():
    require_admin(api_user())
    upload = request.files.get("file")
    if upload is not None:
        data, filename = upload.read(), upload.filename or ""
    elif request.is_json:
        data, filename = request.get_data(), "import.json"
    else:
        raise InvalidInput("Hãy gửi tệp CSV hoặc JSON trong trường 'file' (multipart) hoặc một thân JSON.",
                           code="missing_file")
    report = importer.import_registry(data, filename, actor=api_user())
    return jsonify(report.as_dict())


@bp.get("/legal-unknown-citations")
def unknown_citations():
    limit = int_arg(request.args.get("limit"), "limit", maximum=10000)
    return jsonify({"items": [{"key": u.key, "symbol": u.symbol, "procedures": u.procedures,
                               "candidates": u.candidates}
                              for u in cited.unknown_citations(limit)]})
