"""JSON API: /api/v1/reports/coverage, /api/v1/reports/assessment (+ .docx, .xlsx) and assessment entry."""

from __future__ import annotations


from flask import Response, jsonify, request

from qmsdocs.agencies.services import get_agency
from qmsdocs.api import api_blueprint, api_user, int_arg, json_body
from qmsdocs.auth.permissions import require_admin
from qmsdocs.clock import local_today
from qmsdocs.errors import InvalidInput
from qmsdocs.reports import exports, services
from qmsdocs.reports.importer import import_assessments

bp = api_blueprint("reports_api", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _year() -> int:
    year = int_arg(request.args.get("year"), "year", minimum=services.MIN_YEAR, maximum=services.MAX_YEAR)
    return year or local_today().year


def _agency_arg() -> str | None:
    code = (request.args.get("agency") or "").strip()
    return code or None


def download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/reports/coverage")
def coverage():
    details = request.args.get("details") in ("1", "true") or None
    return jsonify(services.coverage_summary(_agency_arg(), details=details))


@bp.get("/reports/coverage.csv")
def coverage_csv():
    agency = _agency_arg()
    if agency:
        get_agency(agency)
    return download(exports.coverage_csv(agency), "text/csv", f"bao-phu-tthc-{agency or 'tinh'}.csv")


@bp.get("/reports/coverage.xlsx")
def coverage_xlsx():
    agency = _agency_arg()
    summary = services.coverage_summary(agency)
    return download(exports.coverage_xlsx(summary, agency), XLSX, f"bao-phu-tthc-{agency or 'tinh'}.xlsx")


@bp.get("/reports/assessment")
def assessment():
    summary = services.assessment_summary(_year())
    if request.args.get("agencies") in ("1", "true"):
        summary["agencies"] = services.assessment_rows(summary["year"])
    return jsonify(summary)


@bp.get("/reports/assessment.docx")
def assessment_docx():
    summary = services.assessment_summary(_year())
    return download(exports.assessment_docx(summary), DOCX, f"bao-cao-iso-{summary['year']}.docx")


@bp.get("/reports/assessment.xlsx")
def assessment_xlsx():
    summary = services.assessment_summary(_year())
    return download(exports.assessment_xlsx(summary), XLSX, f"bao-cao-iso-{summary['year']}.xlsx")


@bp.post("/reports/assessments")
def record_assessment():
    """Enter one agency's result: {agency, year, qms_built, qms_applied, classification, notes?} (admin)."""
    require_admin(api_user())
    data = json_body()
    code = data.get("agency")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("Thiếu trường 'agency' (mã cơ quan).", code="missing_field")
    flags = {}
    for name in ("qms_built", "qms_applied"):
        value = data.get(name, False)
        if not isinstance(value, bool):
            raise InvalidInput(f"Trường '{name}' phải là true hoặc false.", code="invalid_field")
        flags[name] = value
    notes = data.get("notes") or ""
    if not isinstance(notes, str):
        raise InvalidInput("Trường 'notes' phải là chuỗi ký tự.", code="invalid_field")
    row, changed = services.record_assessment(
        get_agency(code.strip()), data.get("year"), classification=services.parse_classification(
            data.get("classification")), notes=notes, actor=api_user(), **flags)
    return jsonify({"agency": row.agency_code, "year": row.year, "qms_built": row.qms_built,
                    "qms_applied": row.qms_applied, "classification": row.classification or "unassessed",
                    "notes": row.notes, "name": row.agency_name, "level": row.agency_level,
                    "changed": changed}), 201 if changed else 200


@bp.post("/reports/assessments/import")
def import_assessment_file():
    require_admin(api_user())
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("Hãy gửi tệp .xlsx trong trường 'file' (multipart/form-data).", code="missing_file")
    year = int_arg(request.form.get("year"), "year", minimum=services.MIN_YEAR, maximum=services.MAX_YEAR)
    return jsonify(import_assessments(upload.read(), year=year, actor=api_user()).as_dict())


def init_app(app) -> None:
    app.register_blueprint(bp)
