"""Importing the legal registry from CSV, XLSX or JSON, idempotently, with a report of refused rows.

CSV (UTF-8 with or without BOM, comma, semicolon or tab separated) or an XLSX sheet, headers in
English or Vietnamese, holds either documents or changes, told apart by a `change` column:

    symbol,type,title,issuer,issued_on,effective_on,status,aliases
    symbol,change,by,effective_on,note

JSON: `{"documents": [...], "changes": [...]}` with the same field names, or a list of either.
Each row is checked completely before it is written: a refused row leaves nothing behind and
does not stop the others. Importing the same file again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from qmsdocs import tabular
from qmsdocs.auth.permissions import require_admin
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.legal import services

# Field name → accepted header names (compared folded: no case, diacritics or underscores).
COLUMNS = tabular.Columns({
    "symbol": ("symbol", "so ky hieu", "ky hieu", "so hieu"),
    "type": ("type", "loai", "loai van ban"),
    "title": ("title", "trich yeu", "ten van ban", "ten"),
    "issuer": ("issuer", "co quan ban hanh", "noi ban hanh"),
    "issued_on": ("issued_on", "ngay ban hanh"),
    "effective_on": ("effective_on", "ngay hieu luc", "ngay co hieu luc", "hieu luc tu"),
    "status": ("status", "tinh trang", "tinh trang hieu luc", "trang thai"),
    "aliases": ("aliases", "ten goi khac", "alias"),
    "change": ("change", "thay doi", "quan he", "loai thay doi"),
    "by": ("by", "van ban tac dong", "boi", "van ban thay the"),
    "note": ("note", "ghi chu"),
})
MISSING_SYMBOL = ("Tệp thiếu cột 'symbol' (số ký hiệu). Các cột: symbol,type,title,issuer,issued_on,effective_on,"
                  "status,aliases — hoặc symbol,change,by,effective_on,note.")


@dataclass
class ImportReport(tabular.ImportReport):
    documents_created: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    changes_created: int = 0
    changes_unchanged: int = 0
    alerts_opened: int = 0
    registered: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "rows": self.rows,
            "documents_created": self.documents_created,
            "documents_updated": self.documents_updated,
            "documents_unchanged": self.documents_unchanged,
            "changes_created": self.changes_created,
            "changes_unchanged": self.changes_unchanged,
            "alerts_opened": self.alerts_opened,
            "registered": self.registered,
            "refused": self.refused_json(),
        }

    def lines(self) -> list[str]:
        lines = [
            f"Văn bản: thêm {self.documents_created}, cập nhật {self.documents_updated}, "
            f"không đổi {self.documents_unchanged}.",
            f"Thay đổi: thêm {self.changes_created}, đã có {self.changes_unchanged}; "
            f"mở {self.alerts_opened} cảnh báo.",
        ]
        if self.registered:
            lines.append(f"Tự thêm vào danh mục (cần bổ sung trích yếu): {', '.join(self.registered)}.")
        return lines + self.refused_lines()


def parse_rows(data: bytes, filename: str) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(document rows, change rows), each as (row label, fields)."""
    if filename.lower().endswith(".xlsx") or data[:4] == b"PK\x03\x04":
        return _table_rows(tabular.xlsx_table(data))
    text = tabular.decode(data)
    if filename.lower().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return _json_rows(tabular.json_payload(data))
    return _table_rows(tabular.csv_table(data))


def _json_rows(payload):
    if isinstance(payload, dict):
        documents, changes = payload.get("documents") or [], payload.get("changes") or []
    elif isinstance(payload, list):
        documents = [item for item in payload if not (isinstance(item, dict) and "change" in item)]
        changes = [item for item in payload if isinstance(item, dict) and "change" in item]
    else:
        raise InvalidInput("JSON phải là đối tượng {documents, changes} hoặc một danh sách.", code="invalid_json")
    if not isinstance(documents, list) or not isinstance(changes, list):
        raise InvalidInput("'documents' và 'changes' phải là danh sách.", code="invalid_json")
    tabular.check_row_count(len(documents) + len(changes))
    return ([(f"documents[{i}]", item) for i, item in enumerate(documents)],
            [(f"changes[{i}]", item) for i, item in enumerate(changes)])


def _table_rows(table: list[list]):
    """A sheet of documents, or of changes when it has a `change` column; cells as trimmed text."""
    rows = tabular.table_rows(table, COLUMNS, required=("symbol",), missing_message=MISSING_SYMBOL)
    labelled = [(str(number), {key: _cell(value) for key, value in cells.items()}) for number, cells in rows]
    # Every row holds every mapped column, so one row tells whether the sheet lists changes.
    is_changes = any("change" in cells for _label, cells in labelled)
    return ([], labelled) if is_changes else (labelled, [])


def _cell(value):
    """Text cells trimmed; a spreadsheet's date cells stay dates (the services read both)."""
    return value.strip() if isinstance(value, str) else "" if value is None else value


def import_registry(data: bytes, filename: str, *, actor) -> ImportReport:
    require_admin(actor)
    documents, changes = parse_rows(data, filename or "")
    report = ImportReport()
    report.rows = len(documents) + len(changes)
    for label, item in documents:
        _apply_row(report, label, item, lambda item=item: _import_document(report, item, actor))
    for label, item in changes:
        _apply_row(report, label, item, lambda item=item: _import_change(report, item, actor))
    return report


def _apply_row(report: ImportReport, label: str, item, apply) -> None:
    """Services check a row completely before writing it, so a refused row leaves nothing behind."""
    if not isinstance(item, dict):
        report.refuse(label, "Mỗi dòng phải là một đối tượng.")
        return
    try:
        apply()
    except QmsError as error:
        report.refuse(label, error.message)


def _import_document(report: ImportReport, item: dict, actor) -> None:
    present = {k: v for k, v in item.items() if v not in (None, "")}
    existing = services.find_document(present.get("symbol") or "") if present.get("symbol") else None
    if existing is None:
        services.create_document(present, actor=actor)
        report.documents_created += 1
        return
    # The row may name the document by another spelling or alias: the registry's symbol stays.
    present.pop("symbol", None)
    if services.update_document(existing, present, actor=actor):
        report.documents_updated += 1
    else:
        report.documents_unchanged += 1


def _import_change(report: ImportReport, item: dict, actor) -> None:
    result = services.record_change(item, actor=actor)
    if result.created:
        report.changes_created += 1
    else:
        report.changes_unchanged += 1
    report.alerts_opened += result.alerts_opened
    report.registered += result.registered
