"""Importing the legal registry from CSV or JSON, idempotently, with a report of refused rows.

CSV (UTF-8 with or without BOM, comma, semicolon or tab separated; headers in English or
Vietnamese) holds either documents or changes, told apart by a `change` column:

    symbol,type,title,issuer,issued_on,effective_on,status,aliases
    symbol,change,by,effective_on,note

JSON: `{"documents": [...], "changes": [...]}` with the same field names, or a list of either.
Each row is checked completely before it is written: a refused row leaves nothing behind and
does not stop the others. Importing the same file again changes nothing.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field

from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.jsontext import loads_checked
from qmsdocs.legal import services
from qmsdocs.legal.services import fold

# Folded header → field name.
HEADERS = {
    "symbol": "symbol", "so ky hieu": "symbol", "ky hieu": "symbol", "so hieu": "symbol",
    "type": "type", "loai": "type", "loai van ban": "type",
    "title": "title", "trich yeu": "title", "ten van ban": "title", "ten": "title",
    "issuer": "issuer", "co quan ban hanh": "issuer", "noi ban hanh": "issuer",
    "issued_on": "issued_on", "ngay ban hanh": "issued_on",
    "effective_on": "effective_on", "ngay hieu luc": "effective_on", "ngay co hieu luc": "effective_on",
    "hieu luc tu": "effective_on",
    "status": "status", "tinh trang": "status", "tinh trang hieu luc": "status", "trang thai": "status",
    "aliases": "aliases", "ten goi khac": "aliases", "alias": "aliases",
    "change": "change", "thay doi": "change", "quan he": "change", "loai thay doi": "change",
    "by": "by", "van ban tac dong": "by", "boi": "by", "van ban thay the": "by",
    "note": "note", "ghi chu": "note",
}
MAX_ROWS = 50_000


@dataclass
class ImportReport:
    documents_created: int = 0
    documents_updated: int = 0
    documents_unchanged: int = 0
    changes_created: int = 0
    changes_unchanged: int = 0
    alerts_opened: int = 0
    registered: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "documents_created": self.documents_created,
            "documents_updated": self.documents_updated,
            "documents_unchanged": self.documents_unchanged,
            "changes_created": self.changes_created,
            "changes_unchanged": self.changes_unchanged,
            "alerts_opened": self.alerts_opened,
            "registered": self.registered,
            "refused": [{"row": row, "reason": reason} for row, reason in self.refused],
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
        lines += [f"TỪ CHỐI dòng {row}: {reason}" for row, reason in self.refused]
        return lines


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Tệp không phải UTF-8. Trong Excel hãy chọn 'Lưu thành' → 'CSV UTF-8 (Comma delimited)'.",
                           code="invalid_encoding") from None


def parse_rows(data: bytes, filename: str) -> tuple[list[tuple[str, dict]], list[tuple[str, dict]]]:
    """(document rows, change rows), each as (row label, fields)."""
    text = _decode(data)
    if filename.lower().endswith(".json") or text.lstrip()[:1] in ("{", "["):
        return _json_rows(text)
    return _csv_rows(text)


def _json_rows(text: str):
    try:
        payload = loads_checked(text)
    except json.JSONDecodeError as error:
        raise InvalidInput(f"JSON không hợp lệ (dòng {error.lineno}, cột {error.colno}).", code="invalid_json") from None
    if isinstance(payload, dict):
        documents, changes = payload.get("documents") or [], payload.get("changes") or []
    elif isinstance(payload, list):
        documents = [item for item in payload if not (isinstance(item, dict) and "change" in item)]
        changes = [item for item in payload if isinstance(item, dict) and "change" in item]
    else:
        raise InvalidInput("JSON phải là đối tượng {documents, changes} hoặc một danh sách.", code="invalid_json")
    if not isinstance(documents, list) or not isinstance(changes, list):
        raise InvalidInput("'documents' và 'changes' phải là danh sách.", code="invalid_json")
    if len(documents) + len(changes) > MAX_ROWS:
        raise InvalidInput(f"Tệp có quá {MAX_ROWS} dòng; hãy chia nhỏ.", code="too_many_rows")
    return ([(f"documents[{i}]", item) for i, item in enumerate(documents)],
            [(f"changes[{i}]", item) for i, item in enumerate(changes)])


def _csv_rows(text: str):
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if not header:
        raise InvalidInput("Tệp CSV trống.", code="empty_file")
    names = [HEADERS.get(fold(h).replace("_", " ").strip(), HEADERS.get(fold(h).strip())) for h in header]
    if "symbol" not in names:
        raise InvalidInput("Tệp CSV thiếu cột 'symbol' (số ký hiệu). Các cột: symbol,type,title,issuer,issued_on,"
                           "effective_on,status,aliases — hoặc symbol,change,by,effective_on,note.",
                           code="missing_column")
    is_changes = "change" in names
    rows = []
    for number, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(rows) >= MAX_ROWS:
            raise InvalidInput(f"Tệp có quá {MAX_ROWS} dòng; hãy chia nhỏ.", code="too_many_rows")
        item = {name: value.strip() for name, value in zip(names, values) if name}
        rows.append((str(number), item))
    return ([], rows) if is_changes else (rows, [])


def import_registry(data: bytes, filename: str, *, actor) -> ImportReport:
    from qmsdocs.auth.permissions import require_admin

    require_admin(actor)
    documents, changes = parse_rows(data, filename or "")
    report = ImportReport()
    for label, item in documents:
        _apply_row(report, label, item, lambda item=item: _import_document(report, item, actor))
    for label, item in changes:
        _apply_row(report, label, item, lambda item=item: _import_change(report, item, actor))
    return report


def _apply_row(report: ImportReport, label: str, item, apply) -> None:
    """Services check a row completely before writing it, so a refused row leaves nothing behind."""
    if not isinstance(item, dict):
        report.refused.append((label, "Mỗi dòng phải là một đối tượng."))
        return
    try:
        apply()
    except QmsError as error:
        report.refused.append((label, error.message))


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
