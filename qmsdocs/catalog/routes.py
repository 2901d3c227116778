"""Catalog pages: the TTHC list and detail, the import form, link suggestions, agency structure."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qmsdocs.agencies import reorganization
from qmsdocs.agencies.models import LEVEL_LABELS, Agency
from qmsdocs.agencies.services import get_agency
from qmsdocs.auth.permissions import can_write, is_admin, require_admin
from qmsdocs.catalog import links as linking
from qmsdocs.catalog import services
from qmsdocs.catalog.importer import COLUMNS, import_file
from qmsdocs.catalog.models import CHANGE_LABELS, STATUS_LABELS
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.paging import lenient_page
from qmsdocs.procedures.services import get_procedure
from sqlalchemy import select

bp = Blueprint("catalog", __name__)

LEVEL_NAMES = {"central": "Cấp trung ương", **LEVEL_LABELS}


@bp.get("/admin-procedures")
@login_required
def index():
    filters = {key: (request.args.get(key) or "").strip() for key in ("q", "field", "level", "status")}
    if filters["level"] not in ("", *services.ADMIN_LEVELS):
        filters["level"] = ""
    if filters["status"] not in ("", "active", "abolished"):
        filters["status"] = ""
    page = services.list_admin_procedures(q=filters["q"] or None, field_name=filters["field"] or None,
                                          level=filters["level"] or None, status=filters["status"] or None,
                                          paging=lenient_page(request.args))
    return render_template("catalog/index.html", page=page, filters=filters, fields=services.fields(),
                           level_names=LEVEL_NAMES, status_labels=STATUS_LABELS, kinds=reorganization.KINDS,
                           can_import=is_admin(current_user), columns=COLUMNS,
                           pending=linking.pending_count())


@bp.get("/admin-procedures/<code>")
@login_required
def detail(code: str):
    item = services.get_admin_procedure(code)
    return render_template("catalog/detail.html", item=item, procedures=services.linked_procedures(item.code),
                           level_names=LEVEL_NAMES, status_labels=STATUS_LABELS, change_labels=CHANGE_LABELS,
                           kinds=reorganization.KINDS)


@bp.post("/admin-procedures/import")
@login_required
def import_catalog():
    require_admin(current_user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Hãy chọn tệp CSV, JSON hoặc XLSX để nhập."), "error")
        return redirect(url_for("catalog.index"))
    report = import_file(upload.read(), upload.filename, fmt=request.form.get("format") or None, actor=current_user)
    return render_template("catalog/import_report.html", report=report)


@bp.get("/admin-procedures/suggestions")
@login_required
def suggestions():
    agency = (request.args.get("agency") or "").strip() or None
    links = linking.pending_suggestions(agency_code=agency)
    names = services.admin_procedure_names([link.code for link in links])
    return render_template("catalog/suggestions.html", links=links, names=names, agency=agency,
                           can_decide={link.id: can_write(current_user, link.procedure.agency_id) for link in links})


@bp.post("/admin-procedures/suggestions/<int:procedure_id>/<code>/<decision>")
@login_required
def decide_suggestion(procedure_id: int, code: str, decision: str):
    if decision not in ("confirm", "reject"):
        abort(404)
    procedure = get_procedure(procedure_id)
    if decision == "confirm":
        linking.confirm_link(procedure, code, actor=current_user)
        flash(_("Đã xác nhận quy trình %(p)s thực hiện TTHC %(c)s.", p=procedure.code, c=code), "success")
    else:
        linking.reject_link(procedure, code, actor=current_user)
        flash(_("Đã bỏ gợi ý TTHC %(c)s cho quy trình %(p)s.", p=procedure.code, c=code), "success")
    target = request.form.get("next") or ""
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("catalog.suggestions")
    return redirect(target)


# --- agency structure and reorganization -----------------------------------------------------


@bp.get("/agencies/structure")
@login_required
def structure():
    agencies = list(session.scalars(select(Agency).order_by(Agency.level, Agency.code)))
    changes = list(session.scalars(select(reorganization.AgencyChange)
                                   .order_by(reorganization.AgencyChange.effective_on.desc(),
                                             reorganization.AgencyChange.id.desc()).limit(100)))
    return render_template("catalog/structure.html", agencies=agencies, changes=changes,
                           kinds=reorganization.KINDS, unit_types=reorganization.UNIT_TYPES,
                           actions=reorganization.ACTIONS, level_names=LEVEL_NAMES,
                           can_reorganize=is_admin(current_user))


@bp.get("/agencies/structure/<code>")
@login_required
def agency_history(code: str):
    agency = get_agency(code)
    return render_template("catalog/agency_history.html", agency=agency, changes=reorganization.history(agency),
                           kinds=reorganization.KINDS, actions=reorganization.ACTIONS, level_names=LEVEL_NAMES)


def _codes(value: str) -> list[str]:
    return [part.strip() for part in (value or "").replace(";", ",").replace("\n", ",").split(",") if part.strip()]


def _new_from_form(prefix: str) -> reorganization.NewAgency | None:
    code = (request.form.get(f"{prefix}code") or "").strip()
    if not code:
        return None
    return reorganization.NewAgency(
        code=code, name=request.form.get(f"{prefix}name") or "", level=request.form.get(f"{prefix}level") or "",
        kind=request.form.get(f"{prefix}kind") or None, unit_type=request.form.get(f"{prefix}unit_type") or None,
        parent_code=(request.form.get(f"{prefix}parent") or "").strip() or None,
    )


@bp.post("/agencies/reorganize")
@login_required
def reorganize():
    require_admin(current_user)
    action = request.form.get("action")
    common = {"effective_on": request.form.get("effective_on"), "decision": request.form.get("decision"),
              "note": request.form.get("note"), "actor": current_user}
    try:
        if action == "rename":
            result = reorganization.rename(request.form.get("agency", ""), request.form.get("rename_to", ""),
                                           kind=request.form.get("kind") or None,
                                           unit_type=request.form.get("unit_type") or None, **common)
        elif action == "merge":
            into = _new_from_form("new_") or (request.form.get("into") or "").strip()
            result = reorganization.merge(_codes(request.form.get("agencies", "")), into=into, **common)
        elif action == "split":
            successors = _codes(request.form.get("into", ""))
            assignment = {}
            for line in (request.form.get("assignment") or "").splitlines():
                if "=" in line:
                    procedure_code, agency_code = line.split("=", 1)
                    assignment[procedure_code.strip()] = agency_code.strip()
            result = reorganization.split(request.form.get("agency", ""), into=successors, assignment=assignment,
                                          keep_source=request.form.get("keep_source") == "1", **common)
        elif action == "dissolve":
            result = reorganization.dissolve(request.form.get("agency", ""),
                                             successor=(request.form.get("successor") or "").strip() or None,
                                             **common)
        else:
            raise InvalidInput("Hãy chọn một thao tác: đổi tên, sáp nhập, chia tách hoặc giải thể.",
                               code="invalid_action")
    except QmsError as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("catalog.structure"))
    moved = len([t for t in result.moved if t.outcome == "moved"])
    flash(_("Đã ghi nhận %(action)s hiệu lực từ %(day)s; %(n)s quy trình được chuyển và đánh dấu cần rà soát.",
            action=reorganization.ACTIONS[result.change.action].lower(),
            day=result.change.effective_on.strftime("%d/%m/%Y"), n=moved), "success")
    return redirect(url_for("catalog.structure"))


def init_app(app) -> None:
    app.register_blueprint(bp)
