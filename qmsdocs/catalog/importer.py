"""Reading TTHC lists from CSV, JSON and XLSX files and applying them to the catalog.

Columns are matched by name, with or without diacritics and in any case; the documented
names (docs/catalog-reports.md) are the Vietnamese ones of the national database export
and short English keys. Each row is validated completely before anything is stored, so a
refused row leaves nothing behind and the rest of the file still goes in.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from dataclasses import field as default

from qmsdocs.catalog.services import (
    RowRefused,
    agency_names,
    apply_record,
    fold,
    load_catalog,
    parse_record,
    reindex_linked,
    spreadsheet_code,
)
from qmsdocs.auth.permissions import require_admin
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.jsontext import loads_checked

FORMATS = ("csv", "json", "xlsx")
MAX_ROWS = 50_000
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024

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
_HEADER_INDEX = {alias.replace("_", " "): key for key, aliases in COLUMNS.items() for alias in aliases}


@dataclass
class RefusedRow:
    row: int
    code: str | None
    reason: str


@dataclass
class ImportReport:
    source: str
    rows: int = 0
    created: int = 0
    changed: int = 0
    updated: int = 0
    abolished: int = 0
    restored: int = 0
    unchanged: int = 0
    refused: list[RefusedRow] = default(default_factory=list)
    warnings: list[str] = default(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "source": self.source, "rows": self.rows, "created": self.created, "changed": self.changed,
            "updated": self.updated, "abolished": self.abolished, "restored": self.restored,
            "unchanged": self.unchanged,
            "refused": [{"row": r.row, "code": r.code, "reason": r.reason} for r in self.refused],
            "warnings": self.warnings,
        }

    def lines(self) -> list[str]:
        lines = [f"{self.rows} dòng: {self.created} mới, {self.changed} đổi căn cứ pháp lý, {self.abolished} bãi bỏ, "
                 f"{self.restored} thực hiện lại, {self.updated} cập nhật khác, {self.unchanged} không đổi, "
                 f"{len(self.refused)} bị từ chối."]
        lines += [f"TỪ CHỐI dòng {r.row}{f' ({r.code})' if r.code else ''}: {r.reason}" for r in self.refused]
        lines += [f"LƯU Ý: {w}" for w in self.warnings]
        return lines


def detect_format(filename: str | None, explicit: str | None = None) -> str:
    if explicit:
        fmt = explicit.strip().lower().lstrip(".")
    else:
        match = re.search(r"\.([A-Za-z0-9]+)\s*$", filename or "")
        fmt = match.group(1).lower() if match else ""
    if fmt not in FORMATS:
        raise InvalidInput("Chỉ nhận tệp .csv, .json hoặc .xlsx. Hãy đổi đuôi tệp hoặc gửi trường 'format' "
                           "(csv, json, xlsx).", code="unsupported_format")
    return fmt


def _canonical(header) -> str | None:
    folded = fold(str(header or "")).replace("_", " ").strip(" *:")
    folded = re.sub(r"\s*\(.*\)$", "", folded)
    return _HEADER_INDEX.get(folded)


def _rows_from_table(table: list[list], first_row: int) -> list[tuple[int, dict]]:
    """Map a header row plus data rows to canonical dicts, numbering rows as the user sees them."""
    header_at = next((i for i, row in enumerate(table) if any(str(c or "").strip() for c in row)), None)
    if header_at is None:
        raise InvalidInput("Tệp không có dữ liệu.", code="empty_file")
    keys = [_canonical(cell) for cell in table[header_at]]
    if "code" not in keys or "name" not in keys:
        raise InvalidInput("Không tìm thấy cột 'Mã TTHC' và 'Tên thủ tục' ở dòng tiêu đề. Xem danh sách cột trong "
                           "tài liệu hướng dẫn (ví dụ: ma, ten, linh_vuc, cap_thuc_hien, can_cu_phap_ly).",
                           code="missing_columns")
    rows = []
    for offset, row in enumerate(table[header_at + 1:], start=header_at + 1):
        if not any(str(c if c is not None else "").strip() for c in row):
            continue
        data = {}
        for key, cell in zip(keys, row):
            if key and key not in data:
                data[key] = cell
        rows.append((offset + first_row, data))
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"Tệp có hơn {MAX_ROWS} dòng; hãy chia nhỏ rồi nhập từng phần.", code="too_many_rows")
    return rows


def read_csv(data: bytes) -> list[tuple[int, dict]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Tệp CSV phải mã hoá UTF-8. Trong Excel hãy chọn 'CSV UTF-8' khi lưu.",
                           code="bad_encoding") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        table = list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise InvalidInput(f"Tệp CSV hỏng: {error}. Hãy kiểm tra dấu ngoặc kép và dấu phân cách.",
                           code="bad_csv") from None
    return _rows_from_table(table, 1)


def read_json(data: bytes) -> list[tuple[int, dict]]:
    try:
        payload = loads_checked(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("Tệp JSON không đọc được (phải là JSON mã hoá UTF-8).", code="bad_json") from None
    items = payload.get("items") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise InvalidInput("Tệp JSON phải là một mảng các TTHC, hoặc đối tượng có trường 'items' là mảng.",
                           code="bad_json")
    if len(items) > MAX_ROWS:
        raise InvalidInput(f"Tệp có hơn {MAX_ROWS} mục; hãy chia nhỏ rồi nhập từng phần.", code="too_many_rows")
    rows = []
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            rows.append((index, None))
            continue
        data = {}
        for name, value in item.items():
            key = _canonical(name)
            if key and key not in data:
                data[key] = value
        rows.append((index, data))
    return rows


def read_xlsx(data: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise InvalidInput("Tệp Excel giải nén quá lớn; hãy chia nhỏ.", code="too_large")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception:
        raise InvalidInput("Không mở được tệp Excel (.xlsx). Hãy lưu lại bằng Excel dạng 'Excel Workbook' rồi "
                           "thử lại.", code="bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        table = [list(row) for row in sheet.iter_rows(values_only=True, max_row=MAX_ROWS + 10)]
    finally:
        workbook.close()
    rows = _rows_from_table(table, 1)
    for _number, data in rows:
        if "code" in data:
            data["code"] = spreadsheet_code(data["code"])
    return rows


READERS = {"csv": read_csv, "json": read_json, "xlsx": read_xlsx}


def import_file(data: bytes, filename: str | None, *, fmt: str | None = None, actor) -> ImportReport:
    """Apply every acceptable row of the file; refused rows are reported with the reason."""
    require_admin(actor)
    fmt = detect_format(filename, fmt)
    rows = READERS[fmt](data)
    source = (filename or f"tệp {fmt}")[:255]
    report = ImportReport(source=source)
    seen: dict[str, int] = {}
    names = agency_names()
    accepted = []
    for number, raw in rows:
        report.rows += 1
        if raw is None:
            report.refused.append(RefusedRow(number, None, "Mục không phải là một đối tượng JSON."))
            continue
        code_hint = str(raw.get("code") or "").strip()[:64] or None
        try:
            rec = parse_record(raw, names)
            if rec.code in seen:
                raise RowRefused(f"Mã {rec.code} đã có ở dòng {seen[rec.code]} của cùng tệp; dòng này bị bỏ qua.")
        except RowRefused as refused:
            report.refused.append(RefusedRow(number, code_hint, str(refused)))
            continue
        seen[rec.code] = number
        accepted.append((number, rec))
    known = load_catalog([rec.code for _, rec in accepted])
    to_reindex: set[str] = set()
    for number, rec in accepted:
        try:
            outcome = apply_record(rec, source=source, actor=actor, known=known, to_reindex=to_reindex)
        except QmsError as error:
            report.refused.append(RefusedRow(number, rec.code, error.message))
            continue
        report.warnings += rec.warnings
        setattr(report, outcome, getattr(report, outcome) + 1)
    report.refused.sort(key=lambda row: row.row)
    reindex_linked(to_reindex)
    record(actor, "admin_procedure.import", "admin_procedure", None, source=source, format=fmt,
           **{k: v for k, v in report.as_dict().items() if isinstance(v, int)}, refused=len(report.refused))
    return report
