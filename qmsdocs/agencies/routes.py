"""Agency structure pages: the agencies with their kinds, each one's history, and reorganization (admin)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from qmsdocs.agencies import lineage, reorganization
from qmsdocs.agencies.history import ACTIONS, history
from qmsdocs.agencies.kinds import KINDS, UNIT_TYPES
from qmsdocs.agencies.models import LEVEL_LABELS, Agency, AgencyChange
from qmsdocs.agencies.service_name import service_name_on
from qmsdocs.agencies.services import agencies_as_of, get_agency
from qmsdocs.auth.permissions import is_admin, require_admin
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError

bp = Blueprint("agencies", __name__)

@bp.get("/agencies/structure")
@login_required
def structure():
    as_of = None
    if request.args.get("as_of"):
        try:
            as_of = date.fromisoformat(request.args["as_of"].strip())
        except ValueError:
            flash(_("Ngày xem cơ cấu phải có dạng YYYY-MM-DD (ví dụ 2024-12-31)."), "error")
    if as_of is not None:
        return render_template("agencies/structure_as_of.html", as_of=as_of, rows=agencies_as_of(as_of),
                               kinds=KINDS, unit_types=UNIT_TYPES, level_names=LEVEL_LABELS,
                               service_name=service_name_on(as_of))
    agencies = list(session.scalars(select(Agency).order_by(Agency.level, Agency.code)))
    changes = list(session.scalars(select(AgencyChange)
                                   .order_by(AgencyChange.effective_on.desc(),
                                             AgencyChange.id.desc()).limit(100)))
    return render_template("agencies/structure.html", agencies=agencies, changes=changes,
                           kinds=KINDS, unit_types=UNIT_TYPES,
                           actions=ACTIONS, level_names=LEVEL_LABELS,
                           can_reorganize=is_admin(current_user))


@bp.get("/agencies/structure/<code>")
@login_required
def agency_history(code: str):
    agency = get_agency(code)
    return render_template("agencies/agency_history.html", agency=agency, changes=history(agency),
                           kinds=KINDS, actions=ACTIONS, level_names=LEVEL_LABELS,
                           successors=lineage.current_successors(agency), predecessors=lineage.predecessors(agency),
                           former_names=lineage.former_names(agency))


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
        return redirect(url_for("agencies.structure"))
    moved = len([t for t in result.moved if t.outcome == "moved"])
    flash(_("Đã ghi nhận %(action)s hiệu lực từ %(day)s; %(n)s quy trình được chuyển và đánh dấu cần rà soát.",
            action=ACTIONS[result.change.action].lower(),
            day=result.change.effective_on.strftime("%d/%m/%Y"), n=moved), "success")
    return redirect(url_for("agencies.structure"))


def init_app(app) -> None:
    app.register_blueprint(bp)
