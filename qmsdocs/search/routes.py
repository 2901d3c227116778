"""The search page: one box, filters as facets, results with snippets."""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for
from flask_login import login_required

from qmsdocs.agencies import lineage
from qmsdocs.errors import InvalidInput
from qmsdocs.search import services

bp = Blueprint("search", __name__)

FACET_TITLES = {
    "agency": "Cơ quan",
    "level": "Cấp",
    "field": "Lĩnh vực",
    "admin_procedure": "Thủ tục hành chính",
    "legal": "Văn bản được trích dẫn",
    "status": "Trạng thái",
    "stale": "Cảnh báo",
    "former_province": "Tỉnh cũ",
}


def search_url(args: dict, **changes) -> str:
    """This search with some parameters changed (None removes one); back to page 1 unless given."""
    merged = {k: v for k, v in args.items() if v not in (None, "")}
    merged.pop("page", None)
    for name, value in changes.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = value
    return url_for("search.search_page", **merged)


@bp.get("/search")
@login_required
def search_page():
    """Reading is open to every signed-in user; refusals of odd input re-render the page with 400."""
    args = request.args.to_dict()
    error = None
    results = None
    try:
        search_request = services.parse_request(args)
        if args.get("q", "").strip() or search_request.args:
            results = services.search(search_request)
    except InvalidInput as refused:
        error = refused.message
    status = 400 if error else 200
    return render_template(
        "search/search.html", args=args, results=results, error=error, facet_titles=FACET_TITLES,
        search_url=search_url, formerly=_formerly(args.get("q", "")),
    ), status


def _formerly(text: str) -> list[dict]:
    """Notes "trước đây: …" when the words typed are an old agency code or name, or an old procedure code."""
    notes = []
    for found in lineage.find_by_old_code_or_name(text):
        if found.matched == "code" and found.agency.active:
            continue
        notes.append({"note": found.note, "agencies": found.successors or [found.agency]})
    for transfer in lineage.transfers_from_code(text.strip()):
        procedure = transfer.procedure
        notes.append({"note": f"Quy trình mã {transfer.code_before} của {transfer.from_agency.name} nay là "
                              f"{procedure.code} của {procedure.agency.name}.", "procedure": procedure})
    return notes
