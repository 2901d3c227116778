"""Importing annual assessment results from an Excel sheet (one row per agency)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from qmsdocs import tabular
from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.reports.services import parse_classification, parse_flag, record_assessment, validate_year

COLUMNS = tabular.Columns({
    "agency": ("agency", "ma co quan", "ma don vi", "ma", "code"),
    "year": ("year", "nam", "nam danh gia"),
    "qms_built": ("qms_built", "built", "da xay dung", "xay dung", "xay dung htqlcl"),
    "qms_applied": ("qms_applied", "applied", "da ap dung", "ap dung", "ap dung htqlcl"),
    "classification": ("classification", "xep loai", "phan loai", "ket qua xep loai", "ket qua"),
    "notes": ("notes", "ghi chu", "nhan xet"),
})
MISSING_COLUMNS = ("Cần các cột 'Mã cơ quan' và 'Xếp loại' ở dòng tiêu đề (thêm 'Năm', 'Đã xây dựng', 'Đã áp dụng', "
                   "'Ghi chú' nếu có).")


@dataclass
class AssessmentImportReport(tabular.ImportReport):
    saved: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {"rows": self.rows, "saved": self.saved, "unchanged": self.unchanged, "refused": self.refused_json()}


def import_assessments(data: bytes, *, year: int | None = None, actor) -> AssessmentImportReport:
    """Apply every acceptable row; a row names the agency by code (mã cơ quan) and gives the result."""
    require_admin(actor)
    default_year = validate_year(year) if year is not None else None
    table = tabular.xlsx_table(data)
    rows = tabular.table_rows(table, COLUMNS, required=("agency", "classification"), missing_message=MISSING_COLUMNS)
    if rows and "year" not in rows[0][1] and default_year is None:
        raise InvalidInput("Tệp không có cột 'Năm'; hãy chọn năm đánh giá.", code="missing_year")
    agencies = {a.code: a for a in session.scalars(select(Agency))}
    report = AssessmentImportReport()
    seen = {}
    for number, values in rows:
        report.rows += 1
        code = str(values.get("agency") or "").strip()
        try:
            agency = agencies.get(code)
            if agency is None:
                raise InvalidInput(f"Không có cơ quan mã '{code[:64]}'." if code else "Thiếu mã cơ quan.")
            row_year = validate_year(values["year"]) if values.get("year") not in (None, "") else default_year
            if row_year is None:
                raise InvalidInput("Thiếu năm đánh giá.")
            if (code, row_year) in seen:
                raise InvalidInput(f"Cơ quan {code} năm {row_year} đã có ở dòng {seen[(code, row_year)]}.")
            seen[(code, row_year)] = number
            classification = parse_classification(values.get("classification"))
            applied_cell = values.get("qms_applied")
            built_cell = values.get("qms_built")
            # A classified agency has applied (and so built) its system unless the sheet says otherwise.
            applied = parse_flag(applied_cell, "Đã áp dụng") if applied_cell not in (None, "") else bool(classification)
            built = parse_flag(built_cell, "Đã xây dựng") if built_cell not in (None, "") else applied
            _, changed = record_assessment(agency, row_year, qms_built=built, qms_applied=applied,
                                           classification=classification, notes=str(values.get("notes") or ""),
                                           actor=actor)
        except QmsError as error:
            report.refuse(number, error.message, agency=code or None)
            continue
        if changed:
            report.saved += 1
        else:
            report.unchanged += 1
    record(actor, "assessment.import", "assessment", None, rows=report.rows, saved=report.saved,
           refused=len(report.refused))
    return report
