"""Pages: the master lists with their downloads, and the forms block of the procedure page.

Reading is open to every signed-in user; attaching a form is checked by the service
(`require_write`) whatever the page shows. A refused form re-shows the procedure page's
message and stores nothing (the request rolls back).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.auth.permissions import can_write
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, QmsError, UploadRefused
from qmsdocs.procedures import services as procedures
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.registers import exports, forms, lists
from qmsdocs.registers.api import send_form_file
from qmsdocs.reports.api import DOCX, XLSX, download
from qmsdocs.storage import BlobCorrupted, BlobMissing

bp = Blueprint("registers", __name__)

KINDS = {"internal": lists.internal_list, "external": lists.external_list}


def _agency_arg() -> str | None:
    return (request.args.get("agency") or "").strip() or None


def _list_page(kind: str):
    master = KINDS[kind](_agency_arg())
    agencies = session.scalars(select(Agency).where(Agency.active.is_(True)).order_by(Agency.level, Agency.code))
    return render_template("registers/list.html", master=master, kind=kind, agency=_agency_arg(),
                           agencies=list(agencies))


@bp.get("/registers/internal")
@login_required
def internal_page():
    return _list_page("internal")


@bp.get("/registers/external")
@login_required
def external_page():
    return _list_page("external")


@bp.get("/registers/<kind>.xlsx")
@login_required
def list_xlsx(kind: str):
    master = _master(kind)
    return download(exports.master_list_xlsx(master), XLSX, exports.file_stem(master) + ".xlsx")


@bp.get("/registers/<kind>.docx")
@login_required
def list_docx(kind: str):
    master = _master(kind)
    return download(exports.master_list_docx(master), DOCX, exports.file_stem(master) + ".docx")


def _master(kind: str) -> lists.MasterList:
    if kind not in KINDS:
        raise InvalidInput("Chỉ có danh mục tài liệu nội bộ (internal) và bên ngoài (external).",
                           code="invalid_parameter")
    return KINDS[kind](_agency_arg())


# --- forms on the procedure page ------------------------------------------------------------

def version_forms_of(version: ProcedureVersion | None) -> list:
    """The forms block of the procedure page (a template global)."""
    return forms.version_forms(version) if version is not None else []


def may_attach_forms(procedure: Procedure, version: ProcedureVersion) -> bool:
    return procedure.status == "active" and not forms.is_superseded(version) and \
        current_user.is_authenticated and can_write(current_user, procedure.agency_id)


@bp.post("/procedures/<int:procedure_id>/versions/<int:number>/forms")
@login_required
def attach_form(procedure_id: int, number: int):
    procedure = procedures.get_procedure(procedure_id)
    version = procedures.get_version(procedure, number)
    target = url_for("web.version_detail", procedure_id=procedure.id, number=version.number) + "#bieu-mau"
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise UploadRefused(_("Chưa chọn tệp. Hãy chọn biểu mẫu (.docx, .xlsx hoặc .pdf)."),
                                code="missing_file", status=400)
        link = forms.attach_form(version, upload.read(), upload.filename,
                                 code=(request.form.get("code") or "").strip() or None,
                                 replace=request.form.get("replace") == "1", actor=current_user._get_current_object(),
                                 max_bytes=current_app.config["MAX_UPLOAD_BYTES"])
    except (InvalidInput, UploadRefused, Conflict) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(target, 303)
    flash(_("Đã gắn biểu mẫu %(code)s vào phiên bản %(n)s.", code=link.code, n=version.number), "success")
    return redirect(target, 303)


@bp.get("/procedures/<int:procedure_id>/versions/<int:number>/forms/<code>")
@login_required
def download_form(procedure_id: int, number: int, code: str):
    version = procedures.get_version(procedures.get_procedure(procedure_id), number)
    link = forms.get_form(version, code)
    try:
        return send_form_file(link, version)
    except (BlobMissing, BlobCorrupted):
        raise QmsError(
            f"Tệp của biểu mẫu {link.code} bị thiếu hoặc hỏng trong kho lưu trữ. "
            "Hãy báo quản trị viên chạy lệnh kiểm tra (qms check).", code="blob_unavailable", status=500,
        ) from None


def init_app(app) -> None:
    app.register_blueprint(bp)
    app.add_template_global(version_forms_of, "version_forms_of")
    app.add_template_global(may_attach_forms, "may_attach_forms")
