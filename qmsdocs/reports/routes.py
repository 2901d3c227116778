"""Report pages: the dashboard (/reports), coverage, assessment entry and the downloads."""

from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from qmsdocs.agencies.models import LEVEL_LABELS, LEVELS, Agency
from qmsdocs.agencies.kinds import KINDS, NOT_ASSESSED_KINDS, UNIT_TYPES
from qmsdocs.agencies.services import get_agency
from qmsdocs.auth.permissions import is_admin, require_admin
from qmsdocs.clock import local_today
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.paging import Page, lenient_page
from qmsdocs.reports import charts, exports, services
from qmsdocs.reports.api import DOCX, XLSX, download
from qmsdocs.reports.importer import import_assessments
from qmsdocs.reports.models import CLASSIFICATION_LABELS

# Agencies per page of the entry table; saving posts only the rows shown.
ASSESSMENT_PAGE_SIZE = 100
bp = Blueprint("reports", __name__)


@bp.app_template_filter("pct")
def percent(value) -> str:
    """49.4 -> '49,4%' in Vietnamese (decimal comma, as in the official report), '49.4%' in English."""
    return format_decimal(float(value or 0), format="0.0") + "%"


def _year() -> int:
    raw = (request.args.get("year") or request.form.get("year") or "").strip()
    if raw:
        return services.validate_year(raw)
    years = services.assessment_years()
    return years[0] if years else local_today().year


def _dashboard_charts(summary: dict) -> dict:
    by_class = summary["by_class"]
    classes = [(CLASSIFICATION_LABELS[key], by_class[key], charts.COLORS[key], summary["shares"][key])
               for key in services.CLASS_KEYS if key != "unassessed" or by_class[key]]
    levels = [(LEVEL_LABELS[level], [(CLASSIFICATION_LABELS[key], summary["levels"][level]["by_class"][key],
                                      charts.COLORS[key]) for key in services.CLASS_KEYS]) for level in LEVELS]
    return {
        "classes": charts.bar_chart(classes, title=_("Phân loại kết quả năm %(y)s", y=summary["year"]),
                                    total=summary["total"]),
        "levels": charts.stacked_bars(levels, title=_("Kết quả theo cấp")),
    }


@bp.get("/reports")
@login_required
def index():
    year = _year()
    summary = services.assessment_summary(year)
    coverage = services.coverage_summary()
    totals = coverage["totals"]
    coverage_chart = charts.bar_chart(
        [(_("Đã có quy trình ISO"), totals["covered"], charts.COLORS["covered"], totals["coverage_rate"]),
         (_("Chưa có quy trình"), totals["gaps"], charts.COLORS["gap"],
          round(100 - totals["coverage_rate"], 1) if totals["applicable"] else 0.0)],
        title=_("TTHC áp dụng tại các cơ quan"), total=totals["applicable"])
    return render_template("reports/index.html", summary=summary, year=year, years=services.assessment_years(),
                           charts=_dashboard_charts(summary), coverage=coverage, coverage_chart=coverage_chart,
                           class_labels=CLASSIFICATION_LABELS, kinds=KINDS, unit_types=UNIT_TYPES,
                           level_labels=LEVEL_LABELS, class_keys=services.CLASS_KEYS, levels=LEVELS,
                           can_enter=is_admin(current_user))


@bp.get("/reports/coverage")
@login_required
def coverage_page():
    agency = (request.args.get("agency") or "").strip() or None
    summary = services.coverage_summary(agency)
    agencies = [a for a in session.scalars(select(Agency).where(Agency.active.is_(True))
                                           .order_by(Agency.level, Agency.code))
                if a.kind not in NOT_ASSESSED_KINDS]
    return render_template("reports/coverage.html", summary=summary, agency=agency, agencies=agencies,
                           level_labels=LEVEL_LABELS, kinds=KINDS)


@bp.get("/reports/coverage.csv")
@login_required
def coverage_csv():
    agency = (request.args.get("agency") or "").strip() or None
    if agency:
        get_agency(agency)
    return download(exports.coverage_csv(agency), "text/csv", f"bao-phu-tthc-{agency or 'tinh'}.csv")


@bp.get("/reports/coverage.xlsx")
@login_required
def coverage_xlsx():
    agency = (request.args.get("agency") or "").strip() or None
    return download(exports.coverage_xlsx(services.coverage_summary(agency), agency), XLSX,
                    f"bao-phu-tthc-{agency or 'tinh'}.xlsx")


@bp.get("/reports/assessment.docx")
@login_required
def assessment_docx():
    summary = services.assessment_summary(_year())
    return download(exports.assessment_docx(summary), DOCX, f"bao-cao-iso-{summary['year']}.docx")


@bp.get("/reports/assessment.xlsx")
@login_required
def assessment_xlsx():
    summary = services.assessment_summary(_year())
    return download(exports.assessment_xlsx(summary), XLSX, f"bao-cao-iso-{summary['year']}.xlsx")


@bp.get("/reports/assessments")
@login_required
def assessments():
    year = _year()
    level = request.args.get("level") if request.args.get("level") in LEVELS else ""
    rows = [r for r in services.assessment_rows(year) if not level or r["level"] == level]
    paging = lenient_page(request.args, per_page=ASSESSMENT_PAGE_SIZE)
    page = Page.of(rows[paging.offset:paging.offset + paging.per_page], len(rows), paging)
    return render_template("reports/assessments.html", page=page, rows=page.items, year=year, level=level,
                           class_labels=CLASSIFICATION_LABELS, level_labels=LEVEL_LABELS, kinds=KINDS,
                           can_enter=is_admin(current_user), levels=LEVELS)


@bp.get("/reports/assessments/template.xlsx")
@login_required
def assessment_template():
    year = _year()
    return download(exports.assessment_template_xlsx(year), XLSX, f"mau-danh-gia-iso-{year}.xlsx")


@bp.post("/reports/assessments")
@login_required
def save_assessments():
    """Save the entry table: one row per agency (fields named built-<code>, applied-<code>, class-<code>, notes-<code>)."""
    require_admin(current_user)
    year = services.validate_year(request.form.get("year"))
    codes = request.form.getlist("agency")
    agencies = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))} if codes else {}
    saved, errors = 0, []
    for code in codes:
        agency = agencies.get(code)
        if agency is None:
            errors.append(_("Không có cơ quan mã %(c)s.", c=code))
            continue
        try:
            classification = services.parse_classification(request.form.get(f"class-{code}", ""))
            applied = request.form.get(f"applied-{code}") == "1" or bool(classification)
            built = request.form.get(f"built-{code}") == "1" or applied
            _row, changed = services.record_assessment(agency, year, qms_built=built, qms_applied=applied,
                                                       classification=classification,
                                                       notes=request.form.get(f"notes-{code}", ""), actor=current_user)
            saved += changed
        except QmsError as error:
            errors.append(f"{code}: {error.message}")
    for message in errors[:20]:
        flash(message, "error")
    flash(_("Đã lưu %(n)s kết quả đánh giá năm %(y)s.", n=saved, y=year), "success")
    return redirect(url_for("reports.assessments", year=year, level=request.form.get("level") or None))


@bp.post("/reports/assessments/import")
@login_required
def import_assessment_file():
    require_admin(current_user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy chọn tệp Excel (.xlsx) kết quả đánh giá.", code="missing_file")
    year = services.validate_year(request.form.get("year")) if request.form.get("year") else None
    report = import_assessments(upload.read(), year=year, actor=current_user)
    flash(_("Đã nhập %(s)s dòng, %(u)s dòng không đổi, %(r)s dòng bị từ chối.", s=report.saved, u=report.unchanged,
            r=len(report.refused)), "success" if not report.refused else "warning")
    for refused in report.refused[:30]:
        flash(_("Dòng %(row)s: %(reason)s", row=refused.row, reason=refused.reason), "error")
    return redirect(url_for("reports.assessments", year=year or _year()))


def init_app(app) -> None:
    app.register_blueprint(bp)
