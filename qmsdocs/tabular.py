"""Reading the tables people import (CSV, JSON, XLSX) the same way in every area.

An importer gives its column map (canonical key → accepted header names, folded) and a row
handler; this module turns the bytes into numbered rows of canonical keys, with the guards
every importer needs: UTF-8 with or without BOM, comma, semicolon or tab separators, a bound on
rows, and for XLSX a bound on the unzipped size before the workbook is opened. Rows are
numbered as the user sees them (the spreadsheet's line), so refusals point at the right row.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import zip_longest

from qmsdocs.errors import InvalidInput
from qmsdocs.jsontext import loads_checked
from qmsdocs.text import fold

FORMATS = ("csv", "json", "xlsx")
MAX_ROWS = 50_000
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
_SNIFF_SAMPLE = 4096

# A numbered row: (the number the user sees, canonical key → cell); None for a JSON item that is no object.
Row = tuple[int, dict | None]


class Columns:
    """An importer's column map: canonical key → accepted header names, matched folded."""

    def __init__(self, aliases: Mapping[str, Iterable[str]]):
        self.aliases = {key: tuple(names) for key, names in aliases.items()}
        self._index = {header_key(alias): key for key, names in self.aliases.items() for alias in names}

    def key(self, header) -> str | None:
        """The canonical key of a header cell ("Mã TTHC (*)", "ma_tthc", "MÃ TTHC:"), or None."""
        return self._index.get(header_key(header))

    def mapped(self, item: Mapping) -> dict:
        """A JSON object's fields under canonical keys; unknown fields are left out, the first spelling wins."""
        data: dict = {}
        for name, value in item.items():
            key = self.key(name)
            if key and key not in data:
                data[key] = value
        return data


def header_key(header) -> str:
    """A header folded for comparison: no case, diacritics, underscores, stars, colons or "(…)" notes."""
    folded = fold(str(header if header is not None else "")).replace("_", " ").strip(" *:")
    return re.sub(r"\s*\(.*\)$", "", folded)


def detect_format(filename: str | None, explicit: str | None = None, formats: tuple[str, ...] = FORMATS) -> str:
    """The format named explicitly, else by the file's extension; anything else is refused."""
    if explicit:
        fmt = explicit.strip().lower().lstrip(".")
    else:
        match = re.search(r"\.([A-Za-z0-9]+)\s*$", filename or "")
        fmt = match.group(1).lower() if match else ""
    if fmt not in formats:
        names = ", ".join("." + name for name in formats)
        raise InvalidInput(f"Chỉ nhận tệp {names}. Hãy đổi đuôi tệp hoặc gửi trường 'format' ({', '.join(formats)}).",
                           code="unsupported_format")
    return fmt


def decode(data: bytes) -> str:
    """UTF-8 text, with or without the BOM Excel writes."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Tệp không phải UTF-8. Trong Excel hãy chọn 'Lưu thành' → 'CSV UTF-8 (Comma delimited)'.",
                           code="invalid_encoding") from None


def csv_table(data: bytes) -> list[list[str]]:
    """The cells of a CSV file; the separator (comma, semicolon or tab) is read from the header line."""
    text = decode(data)
    header_line = next((line for line in text[:_SNIFF_SAMPLE].splitlines() if line.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error as error:
        raise InvalidInput(f"Tệp CSV hỏng: {error}. Hãy kiểm tra dấu ngoặc kép và dấu phân cách.",
                           code="invalid_csv") from None


def xlsx_table(data: bytes, *, max_rows: int = MAX_ROWS) -> list[list]:
    """The cells of an XLSX file's first sheet; a package that unzips past the bound is refused unopened."""
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(info.file_size for info in package.infolist()) > MAX_XLSX_UNCOMPRESSED:
                raise InvalidInput(f"Tệp Excel giải nén lớn hơn {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB; "
                                   "hãy chia nhỏ rồi nhập từng phần.", code="too_large")
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except InvalidInput:
        raise
    except Exception:  # openpyxl raises many kinds on a damaged or foreign file
        raise InvalidInput("Không mở được tệp Excel (.xlsx). Hãy lưu lại bằng Excel dạng 'Excel Workbook' rồi "
                           "thử lại.", code="bad_xlsx") from None
    try:
        sheet = workbook.worksheets[0]
        # One row past the bound, so a file over it is told so rather than cut silently.
        return [list(row) for row in sheet.iter_rows(values_only=True, max_row=max_rows + 50)]
    finally:
        workbook.close()


def json_payload(data: bytes):
    """The decoded JSON value of a file, or a 400 that says where it is broken."""
    try:
        return loads_checked(decode(data))
    except json.JSONDecodeError as error:
        raise InvalidInput(f"JSON không hợp lệ (dòng {error.lineno}, cột {error.colno}).",
                           code="invalid_json") from None


def check_row_count(count: int, max_rows: int = MAX_ROWS) -> None:
    if count > max_rows:
        raise InvalidInput(f"Tệp có hơn {max_rows} dòng; hãy chia nhỏ rồi nhập từng phần.", code="too_many_rows")


def _blank(cell) -> bool:
    return cell is None or not str(cell).strip()


def table_rows(table: list[list], columns: Columns, *, required: Iterable[str], missing_message: str,
               max_rows: int = MAX_ROWS) -> list[Row]:
    """Rows under the first non-empty line (the header) as canonical dicts, numbered as lines of the file.

    Every mapped column is in every row (None for a missing cell); blank lines are skipped; a header
    without the `required` columns is refused with `missing_message`.
    """
    header_at = next((i for i, row in enumerate(table) if not all(_blank(c) for c in row)), None)
    if header_at is None:
        raise InvalidInput("Tệp không có dữ liệu.", code="empty_file")
    keys = [columns.key(cell) for cell in table[header_at]]
    if any(key not in keys for key in required):
        raise InvalidInput(missing_message, code="missing_column")
    rows: list[Row] = []
    for index in range(header_at + 1, len(table)):
        row = table[index]
        if all(_blank(c) for c in row):
            continue
        data: dict = {}
        for key, cell in zip_longest(keys, row):
            if key and key not in data:
                data[key] = cell
        rows.append((index + 1, data))
    check_row_count(len(rows), max_rows)
    return rows


def json_rows(items, columns: Columns, *, max_rows: int = MAX_ROWS) -> list[Row]:
    """Items of a JSON array as canonical dicts numbered from 1; an item that is no object gives None."""
    if not isinstance(items, list):
        raise InvalidInput("Tệp JSON phải là một mảng, hoặc đối tượng có trường 'items' là mảng.",
                           code="invalid_json")
    check_row_count(len(items), max_rows)
    return [(number, columns.mapped(item) if isinstance(item, dict) else None)
            for number, item in enumerate(items, start=1)]


@dataclass
class RefusedRow:
    """One row left out of an import, with what identifies it to the user and why."""

    row: int | str
    reason: str
    subject: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"row": self.row, **self.subject, "reason": self.reason}

    def line(self) -> str:
        shown = next((str(value) for value in self.subject.values() if value), "")
        return f"TỪ CHỐI dòng {self.row}{f' ({shown})' if shown else ''}: {self.reason}"


@dataclass
class ImportReport:
    """What an import did: the rows read and the rows refused; each area adds its own counts."""

    rows: int = 0
    refused: list[RefusedRow] = field(default_factory=list)

    def refuse(self, row: int | str, reason: str, **subject) -> None:
        self.refused.append(RefusedRow(row, reason, subject))

    def refused_json(self) -> list[dict]:
        return [refusal.as_dict() for refusal in self.refused]

    def refused_lines(self) -> list[str]:
        return [refusal.line() for refusal in self.refused]
