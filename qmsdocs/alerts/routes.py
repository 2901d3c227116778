"""Pages: the alerts dashboard, exports, and the acknowledge / dismiss / record-review actions."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlparse

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts import services
from qmsdocs.alerts.models import ACTIVE_STATUSES, RULE_LABELS, STATUS_LABELS, Alert
from qmsdocs.auth.permissions import can_approve, can_write
from qmsdocs.clock import parse_record_date
from qmsdocs.db import session
from qmsdocs.errors import QmsError
from qmsdocs.i18n import format_date, format_day
from qmsdocs.pages import act_and_flash, scoped_args
from qmsdocs.paging import Page, lenient_page
from qmsdocs.procedures.services import get_procedure

bp = Blueprint("alerts", __name__)
PAGE_SIZE = 200
# Column headings of the counts table: the full rule names are too wide for it.
RULE_SHORT_LABELS = {
    "legal_change": "Văn bản thay đổi",
    "not_in_force": "Chưa/ngưng hiệu lực",
    "review_overdue": "Quá hạn rà soát",
    "admin_procedure": "TTHC thay đổi",
    "review_requested": "Yêu cầu rà soát",
}
EXPORT_COLUMNS = [
    ("Mã cảnh báo", lambda a: a.id),
    ("Cơ quan", lambda a: a.procedure.agency.name),
    ("Mã quy trình", lambda a: a.procedure.code),
    ("Tên quy trình", lambda a: a.procedure.title),
    ("Quy tắc", lambda a: a.rule_label),
    ("Văn bản", lambda a: a.legal_document.symbol if a.legal_document else (a.tthc_code or "")),
    ("Nội dung", lambda a: a.message),
    ("Hiệu lực từ", lambda a: format_day(a.effective_on)),
    ("Sắp hiệu lực", lambda a: "có" if a.upcoming else ""),
    ("Trạng thái", lambda a: a.status_label),
    ("Mở lúc", lambda a: format_date(a.opened_at)),
    ("Cách giải quyết", lambda a: a.resolution_hint),
    ("Lý do bỏ qua / kết quả", lambda a: a.dismissal_reason or a.resolution or ""),
]


def procedure_alerts(procedure_id: int) -> list[Alert]:
    """Jinja global for the procedure page partial."""
    return services.alerts_for_procedure(procedure_id)


def alert_permissions(procedure) -> dict:
    """What the signed-in user may do with this procedure's alerts (the routes check again)."""
    agency_id = getattr(procedure, "agency_id", None)
    return {"acknowledge": can_write(current_user, agency_id), "dismiss": can_approve(current_user, agency_id),
            "review": can_write(current_user, agency_id)}


def _filters(args) -> dict:
    status = args.get("status", "active")
    try:
        statuses = services.parse_statuses(status) if status != "all" else None
        rule = services.parse_rule(args.get("rule"))
    except QmsError:
        statuses, rule = list(ACTIVE_STATUSES), None
    upcoming = {"1": True, "0": False}.get(args.get("upcoming", ""))
    return {"agency_code": (args.get("agency") or "").strip() or None, "statuses": statuses, "rule": rule,
            "upcoming": upcoming}


@bp.get("/alerts")
@login_required
def dashboard():
    args, own_agency = scoped_args(request.args)
    filters = _filters(args)
    paging = lenient_page(request.args, per_page=PAGE_SIZE)
    alerts, total = services.list_alerts(limit=paging.per_page, offset=paging.offset, **filters)
    counts = services.counts_by_agency_and_rule(**filters)
    summary: dict[str, dict] = {}
    for code, name, rule, count in counts:
        entry = summary.setdefault(code, {"name": name, "rules": {}, "total": 0})
        entry["rules"][rule] = count
        entry["total"] += count
    groups: dict[str, list[Alert]] = {}
    for alert in alerts:
        groups.setdefault(alert.procedure.agency.code, []).append(alert)
    agencies = session.execute(select(Agency.code, Agency.name, Agency.level, Agency.province,
                                         Agency.former_province)).all()
    return render_template(
        "alerts/dashboard.html", groups=groups, summary=summary, total=total,
        page=Page.of(alerts, total, paging), agencies=agencies, rule_labels=RULE_LABELS, rule_short_labels=RULE_SHORT_LABELS,
        status_labels=STATUS_LABELS, args=args, permissions=alert_permissions, own_agency=own_agency,
        page_args={k: v for k, v in args.items() if k != "page"},
    )


def _export_rows() -> list[Alert]:
    alerts, _total = services.list_alerts(**_filters(scoped_args(request.args)[0]))
    return alerts


@bp.get("/alerts/export.csv")
@login_required
def export_csv():
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for title, _ in EXPORT_COLUMNS])
    for alert in _export_rows():
        writer.writerow([value(alert) for _, value in EXPORT_COLUMNS])
    # BOM so Excel opens the Vietnamese text as UTF-8.
    return Response("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=canh-bao-quy-trinh.csv"})


@bp.get("/alerts/export.xlsx")
@login_required
def export_xlsx():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Cảnh báo"
    sheet.append([title for title, _ in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for alert in _export_rows():
        sheet.append([value(alert) for _, value in EXPORT_COLUMNS])
    for column, width in zip("ABCDEFGHIJKLM", (8, 30, 16, 40, 30, 18, 60, 12, 8, 12, 17, 50, 40)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    output = io.BytesIO()
    workbook.save(output)
    return Response(output.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=canh-bao-quy-trinh.xlsx"})


def _back(default: str):
    target = request.form.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc:
        return redirect(target)
    return redirect(default)


@bp.post("/alerts/<int:alert_id>/acknowledge")
@login_required
def acknowledge(alert_id: int):
    alert = services.get_alert(alert_id)
    act_and_flash(lambda: services.acknowledge(alert, actor=current_user),
         _("Đã tiếp nhận cảnh báo; quy trình đang được xử lý."))
    return _back(url_for("alerts.dashboard"))


@bp.post("/alerts/<int:alert_id>/dismiss")
@login_required
def dismiss(alert_id: int):
    alert = services.get_alert(alert_id)
    act_and_flash(lambda: services.dismiss(alert, request.form.get("reason", ""), actor=current_user),
         _("Đã bỏ qua cảnh báo; lý do được lưu trong nhật ký."))
    return _back(url_for("alerts.dashboard"))


@bp.post("/procedures/<int:procedure_id>/review")
@login_required
def record_review(procedure_id: int):
    procedure = get_procedure(procedure_id)

    def do():
        reviewed_on = parse_record_date(request.form.get("reviewed_on"), "reviewed_on")
        services.record_review(procedure, reviewed_on=reviewed_on, note=request.form.get("note", ""),
                               actor=current_user)

    act_and_flash(do, _("Đã ghi nhận kết quả rà soát."))
    return _back(url_for("alerts.dashboard"))
