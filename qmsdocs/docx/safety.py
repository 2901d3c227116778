"""Gatekeeping for uploaded .docx files.

An upload is hostile until proven otherwise: it may be a legacy or encrypted Word file, a
spreadsheet in disguise, a macro carrier, a zip bomb or an XML entity bomb. `check_package`
inspects the zip directory and content types before any member is decompressed, then reads
every member in bounded chunks, so nothing downstream ever sees an unchecked file.
Member names are only ever used as keys inside the zip, never as filesystem paths.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable

from lxml import etree

from qmsdocs.errors import UploadRefused

MAX_MEMBERS = 2_000
MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
MAX_MEMBER_UNCOMPRESSED = 100 * 1024 * 1024
MAX_COMPRESSION_RATIO = 200
RATIO_CHECK_MIN_SIZE = 1024 * 1024
READ_CHUNK = 64 * 1024
PROLOG_SCAN_BYTES = 4096

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK"
CONTENT_TYPES_PART = "[Content_Types].xml"

WORD_MAIN_TYPES = frozenset(
    {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    }
)
# Covers macro-enabled documents/templates (.docm/.dotm) and VBA project/data parts.
MACRO_CONTENT_TYPE_MARKERS = ("vbaproject", "vbadata", "macroenabled")
MACRO_PART_NAMES = frozenset({"vbaproject.bin", "vbadata.xml"})
XML_PART_SUFFIXES = (".xml", ".rels")

# XML members whose damage (a bad checksum, a broken deflate stream) does not keep the text
# from being read: the theme, settings, font table, building-block glossary, properties. They
# are still never inflated past their declared size. Media stay checked: a damaged image is as
# likely a disguised bomb as an accident.
UNREAD_MEMBERS = re.compile(
    r"^(?:word/(?:theme/[^/]+\.xml$|glossary/|settings\.xml$|webSettings\.xml$|fontTable\.xml$"
    r"|stylesWithEffects\.xml$)|docProps/[^/]+\.xml$)",
    re.IGNORECASE,
)
# Every code an upload refusal may carry (the upload checks, the reader and .doc conversion).
REFUSAL_CODES = frozenset({
    "empty_file", "too_large", "ole_container", "truncated", "not_zip", "zip_bomb", "macro_enabled",
    "not_docx", "unsafe_xml", "corrupt", "encrypted", "legacy_doc", "conversion_failed",
})

CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CT_OVERRIDE = f"{{{CT_NS}}}Override"

_DOCTYPE_PATTERNS = tuple(
    re.compile(re.escape(marker.encode(encoding)), re.IGNORECASE)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("ascii", "utf-16-le", "utf-16-be")
)

RETRY_AS_DOCX = "Hãy mở tệp bằng Word và lưu lại dưới dạng .docx (Tài liệu Word), rồi tải lên lại."


def refuse(message: str, code: str, status: int | None = None) -> UploadRefused:
    """Build the refusal; callers `raise` it so control flow stays visible."""
    return UploadRefused(message, code=code, status=status)


def safe_xml_parser() -> etree.XMLParser:
    """A parser that never fetches, never expands entities and never builds huge trees."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


_PARSER = safe_xml_parser()


def contains_doctype(xml: bytes) -> bool:
    """True if the bytes declare a DTD or an entity, in any encoding Word may use."""
    return any(pattern.search(xml) for pattern in _DOCTYPE_PATTERNS)


def parse_xml(xml: bytes, *, part_name: str = "") -> etree._Element:
    """Parse one package part safely; DTDs are refused outright instead of being tolerated.

    A DOCTYPE can only precede the root element, so scanning the head of the part is
    enough for the fast refusal; a DTD pushed further down (behind a long comment) is
    still parsed without loading or expansion and caught on the parsed tree.
    """
    if contains_doctype(xml[:PROLOG_SCAN_BYTES]):
        raise _unsafe_xml(part_name)
    try:
        root = etree.fromstring(xml, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        if contains_doctype(xml):
            raise _unsafe_xml(part_name) from exc
        raise refuse(
            "Tệp Word bị hỏng: nội dung XML bên trong không đọc được"
            f"{_part_suffix(part_name)}. {RETRY_AS_DOCX}",
            "corrupt",
        ) from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise _unsafe_xml(part_name)
    return root


def check_package(data: bytes, *, max_bytes: int) -> None:
    """Refuse anything that is not a plain, macro-free, reasonably sized .docx."""
    _check_raw_bytes(data, max_bytes)
    with _open_zip(data) as archive:
        members = archive.infolist()
        _check_directory(members)
        _check_no_macro_parts(members)
        _check_content_types(archive)
        for info in members:
            try:
                content = read_member(archive, info)
            except UploadRefused as refusal:
                if refusal.code == "corrupt" and _is_unread_member(info.filename):
                    continue  # damaged, but nothing the text, labels or preview come from
                raise
            if info.filename.lower().endswith(XML_PART_SUFFIXES) and contains_doctype(content):
                raise _unsafe_xml(info.filename)


def _is_unread_member(name: str) -> bool:
    return UNREAD_MEMBERS.match(name) is not None


def read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo | str) -> bytes:
    """Decompress one member in chunks, stopping as soon as it outgrows its declared size.

    zipfile already trusts the directory's sizes; counting here as well means a member that
    lies about its size is cut off at the declared size instead of being inflated.
    """
    if isinstance(info, str):
        info = _lookup(archive, info)
    if info.file_size > MAX_MEMBER_UNCOMPRESSED:
        raise _zip_bomb()
    chunks: list[bytes] = []
    total = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(READ_CHUNK):
                total += len(chunk)
                if total > info.file_size:
                    raise _zip_bomb()
                chunks.append(chunk)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise _corrupt_zip() from exc
    except RuntimeError as exc:  # zipfile's signal for an encrypted member
        raise _encrypted() from exc
    return b"".join(chunks)


def open_zip(data: bytes) -> zipfile.ZipFile:
    """Open the upload as a zip, mapping every failure to a refusal."""
    return _open_zip(data)


def _check_raw_bytes(data: bytes, max_bytes: int) -> None:
    check_size(data, max_bytes)
    if data.startswith(OLE_MAGIC):
        raise refuse(
            "Tệp là tài liệu Word cũ (.doc) hoặc tài liệu .docx có đặt mật khẩu, hệ thống không đọc được. "
            "Hãy mở tệp bằng Word, gỡ mật khẩu (nếu có) và lưu lại dưới dạng .docx không đặt mật khẩu.",
            "ole_container",
        )


def check_size(data: bytes, max_bytes: int) -> None:
    """Empty and oversized uploads, refused before anything reads them."""
    if not data:
        raise refuse("Tệp tải lên rỗng (0 byte). Hãy chọn lại đúng tệp Word (.docx) và tải lên lại.", "empty_file")
    if len(data) > max_bytes:
        raise refuse(
            f"Tệp quá lớn ({_megabytes(len(data))}); giới hạn là {_megabytes(max_bytes)}. "
            "Hãy nén hoặc xóa bớt hình ảnh trong tài liệu rồi tải lên lại.",
            "too_large",
            413,
        )


def _open_zip(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        if data.startswith(ZIP_MAGIC):
            raise refuse(
                "Tệp Word bị cắt cụt hoặc tải lên chưa hết nên không mở được. "
                "Hãy kiểm tra tệp gốc mở được bằng Word rồi tải lên lại.",
                "truncated",
            ) from exc
        raise refuse(f"Tệp không phải là tài liệu Word (.docx). {RETRY_AS_DOCX}", "not_zip") from exc


def _check_directory(members: list[zipfile.ZipInfo]) -> None:
    """Judge the decompressed size from the zip directory alone, before inflating anything."""
    if len(members) > MAX_MEMBERS:
        raise _zip_bomb()
    names = [info.filename for info in members]
    if len(set(names)) != len(names):
        raise _corrupt_zip()
    if sum(info.file_size for info in members) > MAX_TOTAL_UNCOMPRESSED:
        raise _zip_bomb()
    for info in members:
        if info.flag_bits & 0x1:
            raise _encrypted()
        if info.file_size > MAX_MEMBER_UNCOMPRESSED or _ratio_too_high(info):
            raise _zip_bomb()


def _ratio_too_high(info: zipfile.ZipInfo) -> bool:
    if info.file_size <= RATIO_CHECK_MIN_SIZE:
        return False
    return info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)


def _check_no_macro_parts(members: Iterable[zipfile.ZipInfo]) -> None:
    for info in members:
        if info.filename.rsplit("/", 1)[-1].lower() in MACRO_PART_NAMES:
            raise _macro_enabled()


def _check_content_types(archive: zipfile.ZipFile) -> None:
    """The package must declare a WordprocessingML main part, and no macro parts."""
    try:
        info = archive.getinfo(CONTENT_TYPES_PART)
    except KeyError:
        raise _not_docx() from None
    root = parse_xml(read_member(archive, info), part_name=CONTENT_TYPES_PART)
    overrides = {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "").strip()
        for element in root.iter(CT_OVERRIDE)
    }
    all_types = [content_type.lower() for content_type in overrides.values()]
    all_types += [element.get("ContentType", "").lower() for element in root if element.tag != CT_OVERRIDE]
    if any(marker in content_type for content_type in all_types for marker in MACRO_CONTENT_TYPE_MARKERS):
        raise _macro_enabled()
    main_parts = [name for name, content_type in overrides.items() if content_type in WORD_MAIN_TYPES]
    defaults = {element.get("ContentType", "").strip() for element in root if element.tag != CT_OVERRIDE}
    if not main_parts and not defaults & WORD_MAIN_TYPES:
        raise _not_docx()
    # Part names are case-insensitive in the packaging standard; zip names are not.
    present = {name.lower() for name in archive.NameToInfo}
    if not all(name.lower() in present for name in main_parts):
        raise _corrupt_zip()


def _lookup(archive: zipfile.ZipFile, name: str) -> zipfile.ZipInfo:
    try:
        return archive.getinfo(name)
    except KeyError:
        raise _corrupt_zip() from None


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _part_suffix(part_name: str) -> str:
    return f" (phần {part_name})" if part_name else ""


def _zip_bomb() -> UploadRefused:
    return refuse(
        "Tệp có dung lượng giải nén bất thường (nghi là “bom nén”) nên bị từ chối. "
        "Hãy mở tài liệu bằng Word, lưu lại dưới dạng .docx rồi tải lên lại.",
        "zip_bomb",
    )


def _macro_enabled() -> UploadRefused:
    return refuse(
        "Tệp chứa macro (VBA), hệ thống không nhận tài liệu có macro vì lý do an toàn. "
        "Hãy mở tệp bằng Word, chọn Lưu thành “Tài liệu Word (*.docx)” (không có macro) rồi tải lên lại.",
        "macro_enabled",
    )


def _not_docx() -> UploadRefused:
    return refuse(
        "Tệp không phải là tài liệu Word (.docx) — có thể là bảng tính, bản trình chiếu hoặc tệp nén khác. "
        f"{RETRY_AS_DOCX}",
        "not_docx",
    )


def _unsafe_xml(part_name: str) -> UploadRefused:
    return refuse(
        f"Tệp chứa khai báo XML không an toàn (DOCTYPE/ENTITY){_part_suffix(part_name)} nên bị từ chối. "
        "Hãy mở tài liệu bằng Word, lưu lại dưới dạng .docx rồi tải lên lại.",
        "unsafe_xml",
    )


def _corrupt_zip() -> UploadRefused:
    return refuse(f"Tệp Word bị hỏng, không đọc được nội dung bên trong. {RETRY_AS_DOCX}", "corrupt")


def _encrypted() -> UploadRefused:
    return refuse(
        "Tệp được mã hóa hoặc đặt mật khẩu nên không đọc được. "
        "Hãy mở tệp bằng Word, gỡ mật khẩu và lưu lại dưới dạng .docx không đặt mật khẩu.",
        "corrupt",
    )
