"""The plan page (admin): upload a reorganization plan, look at its dry run, then apply it."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from qmsdocs.auth.permissions import require_admin
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.reorganize import plan as plans
from qmsdocs.reorganize.runner import PlanRefused, apply_plan

bp = Blueprint("reorganize", __name__)
MAX_PLAN_BYTES = 5 * 1024 * 1024


def _page(status: int = 200, **context):
    return render_template("agencies/plan.html", **context), status


@bp.get("/agencies/plan")
@login_required
def plan_form():
    require_admin(current_user)
    return _page()


def _uploaded_rows() -> list[plans.PlanRow]:
    upload = request.files.get("plan")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy chọn tệp kế hoạch sắp xếp (CSV, JSON hoặc XLSX).", code="plan_missing")
    data = upload.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise InvalidInput("Tệp kế hoạch lớn hơn 5 MB; hãy chia thành nhiều kế hoạch.", code="too_large")
    return plans.read_plan(data, upload.filename)


def _returned_rows() -> list[plans.PlanRow]:
    try:
        items = json.loads(request.form.get("rows") or "")
    except ValueError:
        items = None
    if not isinstance(items, list) or not items:
        raise InvalidInput("Không đọc được kế hoạch đã xem trước; hãy tải tệp lên và xem trước lại.",
                           code="plan_missing")
    return plans.rows_from_json(items)


@bp.post("/agencies/plan/preview")
@login_required
def plan_preview():
    """The dry run: the plan is applied and rolled back, so the preview is exactly what applying does."""
    require_admin(current_user)
    try:
        rows = _uploaded_rows()
        outcome = apply_plan(plans.check_plan(rows), actor=current_user)
    except PlanRefused as refused:
        session.rollback()
        return _page(400, problems=refused.problems)
    except QmsError as error:
        session.rollback()
        return _page(error.status, problems=[error.message])
    session.rollback()
    return _page(outcome=outcome, rows_json=json.dumps([row.as_dict() for row in rows], ensure_ascii=False),
                 filename=request.files["plan"].filename)


@bp.post("/agencies/plan/apply")
@login_required
def plan_apply():
    require_admin(current_user)
    try:
        outcome = apply_plan(plans.check_plan(_returned_rows()), actor=current_user)
    except PlanRefused as refused:
        session.rollback()
        return _page(400, problems=refused.problems)
    except QmsError as error:
        session.rollback()
        return _page(error.status, problems=[error.message])
    flash(_("Đã áp dụng kế hoạch: %(changes)s lần sắp xếp, %(moved)s quy trình được chuyển và đánh dấu cần rà soát, "
            "%(pairs)s cặp quy trình trùng cần chọn.", changes=len(outcome.changes), moved=len(outcome.moved),
            pairs=len(outcome.duplicates)), "success")
    return _page(outcome=outcome, applied=True)


def init_app(app) -> None:
    app.register_blueprint(bp)
