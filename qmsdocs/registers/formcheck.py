"""Gatekeeping for attached forms: a .docx goes through the procedure checks, an .xlsx through the
same zip and XML guards with spreadsheet-specific content types, a PDF is checked for its header,
end marker and size and is never opened beyond that (the server never renders it).

`check_form` returns the kind and the searchable text, or raises an `UploadRefused` whose message
says, in Vietnamese, what is wrong and what to do.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from dataclasses import dataclass

from qmsdocs.docx.reader import read_docx
from qmsdocs.docx.safety import (
    CONTENT_TYPES_PART, CT_OVERRIDE, MACRO_CONTENT_TYPE_MARKERS, MACRO_PART_NAMES, MAX_COMPRESSION_RATIO,
    MAX_MEMBER_UNCOMPRESSED, MAX_MEMBERS, MAX_TOTAL_UNCOMPRESSED, OLE_MAGIC, RATIO_CHECK_MIN_SIZE, XML_PART_SUFFIXES,
    check_package, check_size, contains_doctype, open_zip, parse_xml, read_member, refuse,
)
from qmsdocs.errors import UploadRefused

ALLOWED = "Word (.docx), Excel (.xlsx) hoặc PDF (.pdf)"
SHEET_MAIN_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml",
})
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
# Parts whose strings are what a reader of the form sees: shared strings and inline cell strings.
SHEET_TEXT_PARTS = re.compile(r"^xl/(sharedStrings\.xml|worksheets/[^/]+\.xml)$", re.IGNORECASE)
PDF_END_WINDOW = 1024
MAX_FORM_TEXT = 200_000
CODE_PATTERN = re.compile(r"(?<![A-Za-z])BM[\s._\-]*0*(\d{1,3})([A-Za-z]?)(?![0-9])", re.IGNORECASE)

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class CheckedForm:
    kind: str
    text: str


def form_code(raw: str | None) -> str | None:
    """BM-01 from "BM-01", "bm01", "QT-01 BM.1.docx" …; None when the text names no form."""
    match = CODE_PATTERN.search(unicodedata.normalize("NFC", raw or ""))
    if match is None:
        return None
    return f"BM-{int(match.group(1)):02d}{match.group(2).lower()}"


def check_form(data: bytes, filename: str, *, max_bytes: int) -> CheckedForm:
    """Decide the kind from the name, then prove the content is that kind and harmless."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "docx":
        check_package(data, max_bytes=max_bytes)
        return CheckedForm("docx", _bounded(read_docx(data).text))
    if suffix == "xlsx":
        return CheckedForm("xlsx", _bounded(check_spreadsheet(data, max_bytes=max_bytes)))
    if suffix == "pdf":
        check_pdf(data, max_bytes=max_bytes)
        return CheckedForm("pdf", "")
    raise refuse(
        f"Biểu mẫu phải là tệp {ALLOWED}; tệp '{filename}' không thuộc các loại này. "
        "Hãy lưu biểu mẫu thành .docx, .xlsx hoặc .pdf (không dùng .doc, .xls, .docm, .xlsm) rồi tải lên lại.",
        "form_type",
    )


def _bounded(text: str) -> str:
    return unicodedata.normalize("NFC", text)[:MAX_FORM_TEXT]


# --- PDF --------------------------------------------------------------------------------------

def check_pdf(data: bytes, *, max_bytes: int) -> None:
    """Header and end marker only: the file is stored and served as is, never parsed or rendered."""
    check_size(data, max_bytes)
    if not data.startswith(b"%PDF-"):
        raise refuse(
            "Tệp không phải là PDF thật (thiếu phần đầu %PDF-), có thể là tệp khác bị đổi đuôi thành .pdf. "
            "Hãy xuất lại biểu mẫu ra PDF từ Word hoặc Excel rồi tải lên lại.",
            "not_pdf",
        )
    if b"%%EOF" not in data[-PDF_END_WINDOW:]:
        raise refuse(
            "Tệp PDF bị cắt cụt hoặc tải lên chưa hết (thiếu dấu kết thúc %%EOF). "
            "Hãy kiểm tra tệp mở được bằng trình đọc PDF rồi tải lên lại.",
            "truncated",
        )


# --- .xlsx ------------------------------------------------------------------------------------

RETRY_AS_XLSX = "Hãy mở tệp bằng Excel, lưu lại dưới dạng “Sổ làm việc Excel (*.xlsx)” rồi tải lên lại."


def check_spreadsheet(data: bytes, *, max_bytes: int) -> str:
    """Refuse anything that is not a plain, macro-free, reasonably sized .xlsx; return its strings."""
    check_size(data, max_bytes)
    if data.startswith(OLE_MAGIC):
        raise refuse(
            "Tệp là bảng tính Excel cũ (.xls) hoặc tệp .xlsx có đặt mật khẩu, hệ thống không đọc được. "
            f"Hãy gỡ mật khẩu (nếu có). {RETRY_AS_XLSX}",
            "ole_container",
        )
    try:
        archive = open_zip(data)
    except UploadRefused as refusal:
        raise refuse(f"Tệp không phải là bảng tính Excel (.xlsx) đọc được. {RETRY_AS_XLSX}",
                     refusal.code) from None
    with archive:
        members = archive.infolist()
        _check_sheet_directory(members)
        _check_sheet_content_types(archive)
        texts: list[str] = []
        for info in members:
            content = read_member(archive, info)
            if info.filename.lower().endswith(XML_PART_SUFFIXES) and contains_doctype(content):
                raise _unsafe_xml(info.filename)
            if SHEET_TEXT_PARTS.match(info.filename):
                texts += _strings(parse_xml(content, part_name=info.filename))
    return "\n".join(texts)


def _strings(root) -> list[str]:
    """Every text run of shared strings and inline cells (formulas and numbers are not text)."""
    found = []
    for element in root.iter(f"{{{SHEET_NS}}}si", f"{{{SHEET_NS}}}is"):
        text = "".join(t.text or "" for t in element.iter(f"{{{SHEET_NS}}}t")).strip()
        if text:
            found.append(" ".join(text.split()))
    return found


def _check_sheet_directory(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_MEMBERS or sum(info.file_size for info in members) > MAX_TOTAL_UNCOMPRESSED:
        raise _zip_bomb()
    for info in members:
        if info.flag_bits & 0x1:
            raise refuse(f"Tệp Excel được mã hóa hoặc đặt mật khẩu nên không đọc được. {RETRY_AS_XLSX}", "corrupt")
        too_dense = info.file_size > RATIO_CHECK_MIN_SIZE and \
            info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        if info.file_size > MAX_MEMBER_UNCOMPRESSED or too_dense:
            raise _zip_bomb()
        if info.filename.rsplit("/", 1)[-1].lower() in MACRO_PART_NAMES:
            raise _macro_enabled()


def _check_sheet_content_types(archive: zipfile.ZipFile) -> None:
    try:
        info = archive.getinfo(CONTENT_TYPES_PART)
    except KeyError:
        raise _not_xlsx() from None
    root = parse_xml(read_member(archive, info), part_name=CONTENT_TYPES_PART)
    types = [element.get("ContentType", "").strip() for element in root]
    if any(marker in t.lower() for t in types for marker in MACRO_CONTENT_TYPE_MARKERS):
        raise _macro_enabled()
    main_parts = [element.get("PartName", "").lstrip("/") for element in root.iter(CT_OVERRIDE)
                  if element.get("ContentType", "").strip() in SHEET_MAIN_TYPES]
    if not main_parts:
        raise _not_xlsx()
    present = {name.lower() for name in archive.NameToInfo}
    if not all(name.lower() in present for name in main_parts):
        raise refuse(f"Tệp Excel bị hỏng, không đọc được nội dung bên trong. {RETRY_AS_XLSX}", "corrupt")


def _zip_bomb() -> UploadRefused:
    return refuse(
        "Tệp có dung lượng giải nén bất thường (nghi là “bom nén”) nên bị từ chối. " + RETRY_AS_XLSX, "zip_bomb")


def _macro_enabled() -> UploadRefused:
    return refuse(
        "Tệp Excel chứa macro (VBA), hệ thống không nhận biểu mẫu có macro vì lý do an toàn. " + RETRY_AS_XLSX,
        "macro_enabled")


def _not_xlsx() -> UploadRefused:
    return refuse(
        "Tệp có đuôi .xlsx nhưng không phải là bảng tính Excel (có thể là tài liệu Word hoặc tệp nén khác). "
        "Hãy đặt đúng đuôi tệp (.docx cho tài liệu Word) hoặc " + RETRY_AS_XLSX[0].lower() + RETRY_AS_XLSX[1:],
        "not_xlsx")


def _unsafe_xml(part_name: str) -> UploadRefused:
    return refuse(
        f"Tệp chứa khai báo XML không an toàn (DOCTYPE/ENTITY) (phần {part_name}) nên bị từ chối. " + RETRY_AS_XLSX,
        "unsafe_xml")
