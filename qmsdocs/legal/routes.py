"""Pages: the legal registry, entry and edit forms, changes, import, and citations nobody registered."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qmsdocs.auth.permissions import is_admin, require_admin
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.legal import cited, importer, parsing, services
from qmsdocs.legal.models import CHANGE_LABELS, STATUS_LABELS
from qmsdocs.paging import Page, lenient_page

bp = Blueprint("legal", __name__)
PAGE_SIZE = 100
FIELDS = ("symbol", "type", "title", "issuer", "issued_on", "effective_on", "status", "aliases", "note")


def _form_data() -> dict:
    return {name: request.form.get(name, "") for name in FIELDS}


@bp.get("/legal")
@login_required
def index():
    q = (request.args.get("q") or "").strip() or None
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    paging = lenient_page(request.args, per_page=PAGE_SIZE)
    documents, total = services.list_documents(q=q, status=status, limit=paging.per_page, offset=paging.offset)
    return render_template("legal/index.html", page=Page.of(documents, total, paging),
                           filters={"q": q or "", "status": status or ""}, status_labels=STATUS_LABELS,
                           can_edit=is_admin(current_user), unknown_count=cited.unknown_citations_count())


def _document_form(template_document=None, *, data=None, error=None, status=200):
    return render_template("legal/form.html", document=template_document, data=data or {}, error=error,
                           status_labels=STATUS_LABELS, types=parsing.DOCUMENT_TYPES), status


@bp.route("/legal/new", methods=["GET", "POST"])
@login_required
def new_document():
    require_admin(current_user)
    if request.method == "GET":
        return _document_form(data={"symbol": request.args.get("symbol", ""), "status": "in_force"})
    data = _form_data()
    try:
        document = services.create_document({k: v for k, v in data.items() if v != ""}, actor=current_user)
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        return _document_form(data=data, error=error.message, status=error.status)
    flash(_("Đã thêm văn bản %(symbol)s vào danh mục.", symbol=document.symbol), "success")
    return redirect(url_for("legal.detail", document_id=document.id))


@bp.get("/legal/<int:document_id>")
@login_required
def detail(document_id: int):
    document = services.get_document(document_id)
    return render_template("legal/detail.html", document=document, changes=services.list_changes(document=document),
                           citing=services.citing_procedures(document), change_labels=CHANGE_LABELS,
                           can_edit=is_admin(current_user))


@bp.route("/legal/<int:document_id>/edit", methods=["GET", "POST"])
@login_required
def edit_document(document_id: int):
    require_admin(current_user)
    document = services.get_document(document_id)
    if request.method == "GET":
        data = {"symbol": document.symbol, "type": document.doc_type, "title": document.title,
                "issuer": document.issuer or "", "status": document.status, "note": document.note,
                "issued_on": document.issued_on.strftime("%d/%m/%Y") if document.issued_on else "",
                "effective_on": document.effective_on.strftime("%d/%m/%Y") if document.effective_on else ""}
        return _document_form(document, data=data)
    data = _form_data()
    payload = {k: (v if v != "" else None) for k, v in data.items() if k != "aliases"}
    payload["aliases"] = data["aliases"]
    try:
        changed = services.update_document(document, payload, actor=current_user)
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        return _document_form(document, data=data, error=error.message, status=error.status)
    flash(_("Đã lưu thay đổi.") if changed else _("Không có gì thay đổi."), "success" if changed else "info")
    return redirect(url_for("legal.detail", document_id=document.id))


@bp.post("/legal/<int:document_id>/changes")
@login_required
def add_change(document_id: int):
    require_admin(current_user)
    document = services.get_document(document_id)
    data = {"symbol": document.symbol, "change": request.form.get("change", ""),
            "by": request.form.get("by", "").strip() or None, "effective_on": request.form.get("effective_on", ""),
            "articles": request.form.get("articles", ""), "note": request.form.get("note", "")}
    if document.province:
        # A local authority's number is shared by other provinces: name this one.
        data["issuer"] = document.issuer
    try:
        result = services.record_change(data, actor=current_user)
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("legal.detail", document_id=document.id))
    if result.created:
        flash(_("Đã ghi nhận thay đổi; mở %(count)d cảnh báo cho các quy trình viện dẫn văn bản.",
                count=result.alerts_opened), "success")
    else:
        flash(_("Thay đổi này đã được ghi nhận từ trước."), "info")
    return redirect(url_for("legal.detail", document_id=document.id))


@bp.post("/legal/<int:document_id>/aliases")
@login_required
def add_alias(document_id: int):
    require_admin(current_user)
    document = services.get_document(document_id)
    try:
        services.add_alias(document, request.form.get("alias", ""), actor=current_user)
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        flash(error.message, "error")
    else:
        flash(_("Đã thêm tên gọi khác."), "success")
    return redirect(url_for("legal.detail", document_id=document.id))


@bp.route("/legal/import", methods=["GET", "POST"])
@login_required
def import_page():
    require_admin(current_user)
    if request.method == "GET":
        return render_template("legal/import.html", report=None, error=None)
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise InvalidInput(_("Hãy chọn một tệp CSV hoặc JSON."), code="missing_file")
        report = importer.import_registry(upload.read(), upload.filename, actor=current_user)
    except QmsError as error:
        if error.status == 403:
            raise
        session.rollback()
        return render_template("legal/import.html", report=None, error=error.message), error.status
    return render_template("legal/import.html", report=report, error=None)


@bp.get("/legal/unknown")
@login_required
def unknown():
    return render_template("legal/unknown.html", items=cited.unknown_citations(),
                           can_edit=is_admin(current_user))
