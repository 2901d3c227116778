"""Reading one TTHC record (from a file row, an API body or a form) into a validated `Record`.

Spellings are those of the national database export and of people: levels as "Cấp tỉnh" or
"province", statuses as "Đang thực hiện" or "active", dates as dd/mm/yyyy or yyyy-mm-dd.
A record that cannot be read raises `RowRefused` with a message that says what to fix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date

from sqlalchemy import select

from qmsdocs.agencies.models import LEVELS, Agency
from qmsdocs.agencies.kinds import parse_kind
from qmsdocs.clock import parse_date
from qmsdocs.db import session
from qmsdocs.docx.citations import canonical_symbol, extract_citations, normalize_symbol
from qmsdocs.errors import InvalidInput
from qmsdocs.text import fold

# National TTHC codes: one digit, a dot, six digits (1.004227, 2.000488). Stored as text.
CODE_PATTERN = re.compile(r"^\d{1,2}\.\d{6}$")
# "central" (cấp Bộ, trung ương) is kept for completeness; no local agency implements it.
ADMIN_LEVELS = ("central", *LEVELS)
LEVEL_WORDS = {
    "central": ("central", "trung uong", "cap bo", "bo", "cap trung uong"),
    "province": ("province", "tinh", "cap tinh"),
    "district": ("district", "huyen", "cap huyen"),
    "commune": ("commune", "xa", "cap xa"),
}
STATUS_WORDS = {
    "active": ("active", "dang thuc hien", "con hieu luc", "hieu luc", "dang ap dung", "cong bo moi", ""),
    "abolished": ("abolished", "bai bo", "da bai bo", "het hieu luc", "bi bai bo"),
}
MAX_NAME = 1000


class RowRefused(Exception):
    """One record of an import (or one API body) is not acceptable; the message says why."""


@dataclass
class Record:
    """A TTHC as read from a file, API body or form, already validated."""

    code: str
    name: str
    field: str | None = None
    levels: list[str] = default(default_factory=list)
    agency_kinds: list[str] = default(default_factory=list)
    implementing_agency: str | None = None
    agency_codes: list[str] = default(default_factory=list)
    legal_bases: list[tuple[str, str]] = default(default_factory=list)
    publishing_decision: str | None = None
    status: str = "active"
    effective_on: date | None = None
    warnings: list[str] = default(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _split(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in re.split(r"[;,\n|]+", _text(value)) if part.strip()]


def parse_code(value) -> str:
    """The national code as text; a number is refused, as it has already lost the code's trailing zeros.

    Spreadsheets are the one exception, handled by the XLSX reader (`spreadsheet_code`).
    """
    if value is not None and not isinstance(value, str):
        shown = str(value).lower() if isinstance(value, bool) else str(value)[:40]
        raise RowRefused(f"Mã TTHC phải là chuỗi ký tự trong ngoặc kép, ví dụ \"1.004227\", không phải số hay giá trị "
                         f"khác ({shown}): ghi dạng số sẽ mất các chữ số 0 ở cuối mã.")
    code = _text(value)
    if not code:
        raise RowRefused("Thiếu mã thủ tục hành chính.")
    if not CODE_PATTERN.match(code):
        raise RowRefused(f"Mã TTHC '{code[:40]}' không đúng dạng của Cơ sở dữ liệu quốc gia (ví dụ 1.004227).")
    return code


def spreadsheet_code(value):
    """A code cell Excel turned into a number (2.00048) gets its six decimals back (2.000480).

    Every national code has six digits after the dot, so the number is recoverable; other values pass
    through unchanged for `parse_code` to judge.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.6f}" if 0 < value < 100 else str(value)
    return value


def parse_levels(value) -> list[str]:
    levels = []
    for part in _split(value):
        folded = fold(part)
        folded = re.sub(r"^(cap|co quan)\s+", "cap ", folded)
        found = next((level for level, words in LEVEL_WORDS.items() if folded in words
                      or folded.replace("cap ", "") in words), None)
        if found is None:
            raise RowRefused(f"Cấp thực hiện '{part[:40]}' không hiểu được. Dùng Cấp tỉnh, Cấp huyện, Cấp xã "
                             "(hoặc province, district, commune).")
        if found not in levels:
            levels.append(found)
    return sorted(levels, key=ADMIN_LEVELS.index)


def agency_names() -> dict[str, str]:
    """Folded agency name → code, to recognise agencies named in 'cơ quan thực hiện'."""
    return {fold(name): code for code, name in session.execute(select(Agency.code, Agency.name))}


def parse_agencies(value, names: dict[str, str] | None = None) -> tuple[list[str], list[str], str | None]:
    """Kinds and local agency codes named by 'cơ quan thực hiện' (keys, labels or published text)."""
    text = "; ".join(_split(value)) if isinstance(value, (list, tuple)) else _text(value)
    if not text:
        return [], [], None
    kinds, codes = [], []
    names = agency_names() if names is None else names
    known_codes = set(names.values())
    for part in _split(text):
        if part in known_codes:
            codes.append(part)
            continue
        if fold(part) in names:
            codes.append(names[fold(part)])
            continue
        kind = parse_kind(part)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds, sorted(set(codes)), text[:1000]


def parse_legal_bases(value) -> tuple[list[tuple[str, str]], list[str]]:
    """(symbol, key) pairs of the legal documents named, in order, and warnings for the rest."""
    bases, warnings, seen = [], [], set()
    parts = value if isinstance(value, (list, tuple)) else [_text(value)] if _text(value) else []
    for part in parts:
        part = _text(part)
        if not part:
            continue
        exact = normalize_symbol(part)
        found = [(canonical_symbol(part) or part, exact)] if exact else [
            (canonical_symbol(c.symbol) or c.symbol, c.key) for c in extract_citations(part)]
        if not found:
            warnings.append(f"Không nhận ra số hiệu văn bản trong căn cứ pháp lý '{part[:60]}'.")
        for symbol, key in found:
            if key not in seen:
                seen.add(key)
                bases.append((symbol[:128], key[:128]))
    return bases, warnings


def parse_status(value) -> str:
    folded = fold(_text(value))
    for status, words in STATUS_WORDS.items():
        if folded in words:
            return status
    raise RowRefused(f"Trạng thái '{_text(value)[:40]}' không hiểu được. Dùng 'Đang thực hiện' hoặc 'Bãi bỏ' "
                     "(active / abolished).")


def parse_effective_on(value) -> date | None:
    """The date a change takes effect; a malformed one refuses the row."""
    try:
        return parse_date(value, "Ngày hiệu lực")
    except InvalidInput as error:
        raise RowRefused(error.message) from None


def parse_record(data: dict, names: dict[str, str] | None = None) -> Record:
    """Validate one TTHC given with canonical keys (code, name, field, levels, agency_kinds …).

    `names` (from `agency_names()`) saves a query per row during a file import.
    """
    names = agency_names() if names is None else names
    for key in ("code", "name", "field", "publishing_decision", "status", "effective_on"):
        if isinstance(data.get(key), (list, tuple, dict, set)):
            raise RowRefused(f"Trường '{key}' phải là một giá trị đơn (chuỗi ký tự), không phải danh sách.")
    code = parse_code(data.get("code"))
    name = _text(data.get("name"))
    if not name:
        raise RowRefused(f"TTHC {code}: thiếu tên thủ tục.")
    if len(name) > MAX_NAME:
        raise RowRefused(f"TTHC {code}: tên dài quá {MAX_NAME} ký tự.")
    field_name = _text(data.get("field"))[:255] or None
    levels = parse_levels(data.get("levels"))
    kinds, codes, implementing = parse_agencies(data.get("agency_kinds"), names)
    known_codes = set(names.values())
    for extra in _split(data.get("agency_codes")):
        if extra not in known_codes:
            raise RowRefused(f"TTHC {code}: không có cơ quan mã '{extra[:64]}' (cột mã cơ quan).")
        if extra not in codes:
            codes.append(extra)
    if len(" ".join(codes)) > 1000:
        raise RowRefused(f"TTHC {code}: danh sách cơ quan thực hiện quá dài; hãy dùng loại cơ quan thay cho từng mã.")
    legal_bases, warnings = parse_legal_bases(data.get("legal_bases"))
    status = parse_status(data.get("status"))
    return Record(
        code=code, name=name, field=field_name, levels=levels, agency_kinds=kinds,
        implementing_agency=implementing, agency_codes=sorted(codes), legal_bases=legal_bases,
        publishing_decision=_text(data.get("publishing_decision"))[:255] or None, status=status,
        effective_on=parse_effective_on(data.get("effective_on")), warnings=[f"TTHC {code}: {w}" for w in warnings],
    )
