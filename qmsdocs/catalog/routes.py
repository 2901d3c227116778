"""Catalog pages: the TTHC list and detail, the import form, link suggestions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qmsdocs.agencies.kinds import KINDS
from qmsdocs.agencies.models import LEVEL_LABELS
from qmsdocs.auth.permissions import can_write, is_admin, require_admin
from qmsdocs.catalog import links as linking
from qmsdocs.catalog import services
from qmsdocs.catalog.importer import COLUMNS, import_file
from qmsdocs.catalog.models import CHANGE_LABELS, STATUS_LABELS
from qmsdocs.paging import lenient_page
from qmsdocs.procedures.services import get_procedure
from qmsdocs.text import N_

bp = Blueprint("catalog", __name__)

LEVEL_NAMES = {"central": N_("Cấp trung ương"), **LEVEL_LABELS}


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
                           level_names=LEVEL_NAMES, status_labels=STATUS_LABELS, kinds=KINDS,
                           can_import=is_admin(current_user), columns=COLUMNS,
                           pending=linking.pending_count())


@bp.get("/admin-procedures/<code>")
@login_required
def detail(code: str):
    item = services.get_admin_procedure(code)
    return render_template("catalog/detail.html", item=item, procedures=services.linked_procedures(item.code),
                           level_names=LEVEL_NAMES, status_labels=STATUS_LABELS, change_labels=CHANGE_LABELS,
                           kinds=KINDS)


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


def init_app(app) -> None:
    app.register_blueprint(bp)
