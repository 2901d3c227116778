"""Reading TTHC lists from CSV, JSON and XLSX files and applying them to the catalog.

Columns are matched by name, with or without diacritics and in any case; the documented
names (docs/catalog-reports.md) are the Vietnamese ones of the national database export
and short English keys. Each row is validated completely before anything is stored, so a
refused row leaves nothing behind and the rest of the file still goes in.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default

from qmsdocs import tabular
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin
from qmsdocs.catalog.records import RowRefused, agency_names, parse_record, spreadsheet_code
from qmsdocs.catalog.services import apply_record, load_catalog, reindex_linked
from qmsdocs.errors import QmsError

# Canonical key -> accepted column names (folded: lower case, no diacritics).
COLUMNS = {
    "code": ("code", "ma", "ma tthc", "ma thu tuc", "ma thu tuc hanh chinh", "ma so", "ma so tthc"),
    "name": ("name", "ten", "ten tthc", "ten thu tuc", "ten thu tuc hanh chinh"),
    "field": ("field", "linh vuc", "linh_vuc"),
    "levels": ("levels", "level", "cap thuc hien", "cap", "cap_thuc_hien"),
    "agency_kinds": ("agency_kinds", "agency kinds", "co quan thuc hien", "co_quan_thuc_hien", "loai co quan"),
    "agency_codes": ("agency_codes", "agency codes", "ma co quan", "ma_co_quan"),
    "legal_bases": ("legal_bases", "legal bases", "can cu phap ly", "can_cu_phap_ly"),
    "publishing_decision": ("publishing_decision", "publishing decision", "quyet dinh cong bo",
                            "quyet_dinh_cong_bo", "so quyet dinh cong bo"),
    "status": ("status", "trang thai", "trang_thai", "tinh trang"),
    "effective_on": ("effective_on", "effective on", "ngay hieu luc", "ngay_hieu_luc", "ngay ap dung"),
}
CATALOG_COLUMNS = tabular.Columns(COLUMNS)
MISSING_COLUMNS = ("Không tìm thấy cột 'Mã TTHC' và 'Tên thủ tục' ở dòng tiêu đề. Xem danh sách cột trong tài liệu "
                   "hướng dẫn (ví dụ: ma, ten, linh_vuc, cap_thuc_hien, can_cu_phap_ly).")


@dataclass
class ImportReport(tabular.ImportReport):
    source: str = ""
    created: int = 0
    changed: int = 0
    updated: int = 0
    abolished: int = 0
    restored: int = 0
    unchanged: int = 0
    warnings: list[str] = default(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source, "rows": self.rows, "created": self.created, "changed": self.changed,
            "updated": self.updated, "abolished": self.abolished, "restored": self.restored,
            "unchanged": self.unchanged, "refused": self.refused_json(), "warnings": self.warnings,
        }

    def lines(self) -> list[str]:
        lines = [f"{self.rows} dòng: {self.created} mới, {self.changed} đổi căn cứ pháp lý, {self.abolished} bãi bỏ, "
                 f"{self.restored} thực hiện lại, {self.updated} cập nhật khác, {self.unchanged} không đổi, "
                 f"{len(self.refused)} bị từ chối."]
        lines += self.refused_lines()
        lines += [f"LƯU Ý: {w}" for w in self.warnings]
        return lines


def read_rows(data: bytes, fmt: str) -> list[tabular.Row]:
    """The file's rows under canonical keys; XLSX code cells Excel made numbers get their zeros back."""
    if fmt == "json":
        payload = tabular.json_payload(data)
        return tabular.json_rows(payload.get("items") if isinstance(payload, dict) else payload, CATALOG_COLUMNS)
    table = tabular.csv_table(data) if fmt == "csv" else tabular.xlsx_table(data)
    rows = tabular.table_rows(table, CATALOG_COLUMNS, required=("code", "name"), missing_message=MISSING_COLUMNS)
    if fmt == "xlsx":
        for _number, cells in rows:
            if "code" in cells:
                cells["code"] = spreadsheet_code(cells["code"])
    return rows


def import_file(data: bytes, filename: str | None, *, fmt: str | None = None, actor) -> ImportReport:
    """Apply every acceptable row of the file; refused rows are reported with the reason."""
    require_admin(actor)
    fmt = tabular.detect_format(filename, fmt)
    rows = read_rows(data, fmt)
    source = (filename or f"tệp {fmt}")[:255]
    report = ImportReport(source=source)
    seen: dict[str, int] = {}
    names = agency_names()
    accepted = []
    for number, raw in rows:
        report.rows += 1
        if raw is None:
            report.refuse(number, "Mục không phải là một đối tượng JSON.", code=None)
            continue
        code_hint = str(raw.get("code") or "").strip()[:64] or None
        try:
            rec = parse_record(raw, names)
            if rec.code in seen:
                raise RowRefused(f"Mã {rec.code} đã có ở dòng {seen[rec.code]} của cùng tệp; dòng này bị bỏ qua.")
        except RowRefused as refused:
            report.refuse(number, str(refused), code=code_hint)
            continue
        seen[rec.code] = number
        accepted.append((number, rec))
    known = load_catalog([rec.code for _, rec in accepted])
    to_reindex: set[str] = set()
    for number, rec in accepted:
        try:
            outcome = apply_record(rec, source=source, actor=actor, known=known, to_reindex=to_reindex)
        except QmsError as error:
            report.refuse(number, error.message, code=rec.code)
            continue
        report.warnings += rec.warnings
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.refused.sort(key=lambda row: row.row)
    reindex_linked(to_reindex)
    record(actor, "admin_procedure.import", "admin_procedure", None, source=source, format=fmt,
           **{k: v for k, v in report.as_dict().items() if isinstance(v, int)}, refused=len(report.refused))
    return report
