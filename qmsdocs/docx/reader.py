"""Text and ISO header metadata from a .docx, read straight from the package XML.

python-docx's object model is ~20x slower than walking the XML, and it misses text boxes,
footnotes and tracked changes. Here each part is pruned of what is not read, then walked
once with `iter` filtered in C to the few WordprocessingML tags that carry text, so Python
only ever touches paragraphs and their text elements.

Call `qmsdocs.docx.safety.check_package` on uploads first; this module still reads members
with bounded decompression and a DTD-refusing parser, so it is safe on its own too.
"""

from __future__ import annotations

import datetime
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

from lxml import etree

from qmsdocs.docx.formatting import DocumentFormatting, parse_part
from qmsdocs.docx.safety import RETRY_AS_DOCX, open_zip, read_member, refuse
from qmsdocs.docx.symbols import sym_element_text

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

LOCATIONS = ("body", "table", "header", "footer", "footnote", "endnote", "textbox")
DEFAULT_MAIN_PART = "word/document.xml"

# Relationship type suffix (transitional and strict share it) -> paragraph location.
RELATED_PART_LOCATIONS = {
    "/header": "header",
    "/footnotes": "footnote",
    "/endnotes": "endnote",
    "/footer": "footer",
}
# Reading order of the text: the ISO header block comes first, page footers last.
READING_ORDER = ("header", "body", "footnote", "endnote", "footer")

# The ISO block sits at the top of the body when it is not in the page header; labels
# further down (e.g. a "Mã hiệu" column in the forms table) belong to something else.
METADATA_BODY_PARAGRAPHS = 20
METADATA_BODY_BLOCKS = 20


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


W_BODY, W_P, W_R, W_T, W_TBL, W_TR, W_TC, W_TXBX = map(_w, ("body", "p", "r", "t", "tbl", "tr", "tc", "txbxContent"))
W_SYM, W_SYM_FONT, W_SYM_CHAR = _w("sym"), _w("font"), _w("char")
MC_FALLBACK = f"{{{MC_NS}}}Fallback"
REL_RELATIONSHIP = f"{{{PKG_REL_NS}}}Relationship"

# Inline elements that stand for characters Word does not store as text.
CHARACTER_TAGS = {
    _w("tab"): "\t",
    _w("ptab"): "\t",
    _w("br"): "\n",
    _w("cr"): "\n",
    _w("noBreakHyphen"): "-",
}
# Subtrees whose text is not part of the document as read: VML duplicates of text boxes,
# tracked deletions and moved-away text. (Field codes live in w:instrText and soft hyphens
# in w:softHyphen; neither tag is walked, so both read as nothing.)
SKIPPED_TAGS = frozenset({MC_FALLBACK, _w("del"), _w("moveFrom")})
WALKED_TAGS = (W_P, W_T, W_SYM, *CHARACTER_TAGS)
# With legacy fonts about, runs are walked too: each run's font decides its conversion.
LEGACY_WALKED_TAGS = (W_R, *WALKED_TAGS)


class Paragraph(NamedTuple):
    """One paragraph's text (NFC, no outer blanks) and where it sits: one of LOCATIONS.

    `label` is the list label Word generates for it ("2.", "Điều 5.", "a)"), already at the
    start of `text` followed by its tab or space; "" when the paragraph is not numbered.
    """

    text: str
    location: str
    label: str = ""


@dataclass(frozen=True)
class DocMetadata:
    code: str | None = None
    revision: str | None = None
    issued_on: datetime.date | None = None


@dataclass(frozen=True)
class DocxContent:
    text: str
    paragraphs: list[Paragraph]
    metadata: DocMetadata


@dataclass
class _PartText:
    """One part as read: its paragraphs, and the tables its ISO block may sit in (as cell texts)."""

    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)


def read_docx(data: bytes) -> DocxContent:
    """All readable text of the document, paragraph by paragraph, plus its ISO metadata."""
    with open_zip(data) as archive:
        main_part = _main_part_name(archive)
        formatting = DocumentFormatting.load(archive, main_part)
        parts = {location: [] for location in READING_ORDER}
        for location, part_name in _text_parts(archive, main_part):
            xml = read_member(archive, part_name)
            root = parse_part(xml, part_name)
            parts[location].append(read_part(root, location, formatting, legacy=formatting.legacy_in(xml),
                                             part_xml=xml))
    parts["header"] = _without_repeats(parts["header"])
    parts["footer"] = _without_repeats(parts["footer"])
    paragraphs = [p for location in READING_ORDER for part in parts[location] for p in part.paragraphs]
    return DocxContent(
        text="\n".join(paragraph.text for paragraph in paragraphs),
        paragraphs=paragraphs,
        metadata=find_metadata(parts["header"], parts["body"]),
    )


def text_part_names(archive: zipfile.ZipFile) -> list[str]:
    """Names of the parts `read_docx` reads, in reading order (used by the benchmark)."""
    return [name for _, name in _text_parts(archive, _main_part_name(archive))]


@dataclass
class _Walk:
    """What one part's walk needs besides the tree: labels of its numbered paragraphs, fonts."""

    labels: dict[etree._Element, str]
    formatting: DocumentFormatting | None = None
    legacy: bool = False


def read_part(root: etree._Element, location: str, formatting: DocumentFormatting | None = None,
              *, legacy: bool = False, part_xml: bytes | None = None) -> _PartText:
    """Paragraphs of one part in reading order, plus the tables the ISO block may sit in.

    The tree is first pruned of what is not read (VML duplicates of text boxes, tracked
    deletions) and of text boxes, which are read on their own: afterwards no paragraph
    nests in another, and one flat C-filtered `iter` yields the text in order. List labels
    are counted before anything moves, so they follow document order.
    """
    _prune_unread(root)
    walk = _Walk(formatting.labels(root, part_xml) if formatting else {}, formatting,
                 legacy and formatting is not None)
    held_back = _detach_textboxes(root, location, walk)
    paragraphs = _paragraphs(root, location, held_back, walk)
    paragraphs += [paragraph for orphans in held_back.values() for paragraph in orphans]
    tables = _metadata_tables(root, location, walk)
    return _PartText(paragraphs, tables)


def _prune_unread(root: etree._Element) -> None:
    for element in list(root.iter(*SKIPPED_TAGS)):
        parent = element.getparent()
        if parent is not None:
            parent.remove(element)


def _detach_textboxes(root: etree._Element, location: str, walk: _Walk) -> dict[etree._Element, list[Paragraph]]:
    """Read each text box once and remove it; its paragraphs wait for their anchor paragraph.

    Boxes go innermost and last first, so a box inside a box is already waiting on its
    anchor when the outer one is read, and boxes sharing an anchor keep document order.
    """
    held_back: dict[etree._Element, list[Paragraph]] = {}
    box_location = "textbox" if location == "body" else location
    for box in reversed(list(root.iter(W_TXBX))):
        anchor = _enclosing(box, W_P)
        held_back.setdefault(anchor, [])[0:0] = _paragraphs(box, box_location, held_back, walk)
        box.getparent().remove(box)
    return held_back


def _paragraphs(
    root: etree._Element, location: str, held_back: dict[etree._Element, list[Paragraph]], walk: _Walk
) -> list[Paragraph]:
    """The hot loop: lxml yields only paragraphs and text-bearing elements, filtered in C."""
    collected = _legacy_pieces(root, walk) if walk.legacy else _pieces(root)
    paragraphs: list[Paragraph] = []
    labels = walk.labels
    in_tables = _table_paragraphs(root) if location == "body" else frozenset()
    for element, pieces in collected:
        label = labels.get(element, "") if labels else ""
        text = (label + "".join(pieces)).strip() if label else "".join(pieces).strip()
        if text:
            if not unicodedata.is_normalized("NFC", text):
                text = unicodedata.normalize("NFC", text)
            paragraphs.append(Paragraph(text, "table" if element in in_tables else location, label.strip()))
        if held_back and element in held_back:
            paragraphs += held_back.pop(element)
    return paragraphs


def _pieces(root: etree._Element) -> list[tuple[etree._Element, list[str]]]:
    collected: list[tuple[etree._Element, list[str]]] = []
    pieces: list[str] = []
    for element in root.iter(*WALKED_TAGS):
        tag = element.tag
        if tag == W_T:
            text = element.text
            if text:
                pieces.append(text)
        elif tag == W_P:
            pieces = []
            collected.append((element, pieces))
        elif tag == W_SYM:
            pieces.append(sym_element_text(element.get(W_SYM_FONT), element.get(W_SYM_CHAR)))
        else:
            pieces.append(CHARACTER_TAGS[tag])
    return collected


def _legacy_pieces(root: etree._Element, walk: _Walk) -> list[tuple[etree._Element, list[str]]]:
    """As `_pieces`, converting the text of runs in TCVN3 or VNI fonts to Unicode."""
    formatting = walk.formatting
    collected: list[tuple[etree._Element, list[str]]] = []
    pieces: list[str] = []
    paragraph_font = None
    convert = None
    for element in root.iter(*LEGACY_WALKED_TAGS):
        tag = element.tag
        if tag == W_T:
            text = element.text
            if text:
                pieces.append(convert(text) if convert else text)
        elif tag == W_R:
            convert = formatting.run_converter(element, paragraph_font)
        elif tag == W_P:
            pieces = []
            collected.append((element, pieces))
            paragraph_font = formatting.paragraph_font(element)
            convert = None
        elif tag == W_SYM:
            pieces.append(sym_element_text(element.get(W_SYM_FONT), element.get(W_SYM_CHAR)))
        else:
            pieces.append(CHARACTER_TAGS[tag])
    return collected


def _table_paragraphs(root: etree._Element) -> set[etree._Element]:
    """Paragraphs inside tables; lxml hands out the same proxy objects to the main loop."""
    return {paragraph for table in root.iter(W_TBL) for paragraph in table.iter(W_P)}


def _enclosing(element: etree._Element, tag: str) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != tag:
        parent = parent.getparent()
    return parent


def _metadata_tables(root: etree._Element, location: str, walk: _Walk) -> list[list[list[str]]]:
    """Header tables, or the tables among the first blocks of the body, as cell texts."""
    if location == "header":
        tables = list(root.iter(W_TBL))
    elif location == "body":
        body = root.find(W_BODY)
        blocks = islice(body if body is not None else (), METADATA_BODY_BLOCKS)
        tables = [block for block in blocks if block.tag == W_TBL]
    else:
        return []
    return [[[_cell_text(cell, walk) for cell in row.iterchildren(W_TC)] for row in table.iterchildren(W_TR)]
            for table in tables]


def _cell_text(cell: etree._Element, walk: _Walk) -> str:
    return "\n".join(paragraph.text for paragraph in _paragraphs(cell, "table", {}, walk))


def _without_repeats(parts: list[_PartText]) -> list[_PartText]:
    """First-page, odd and even headers usually repeat the same ISO block; keep it once."""
    seen: set[tuple[str, ...]] = set()
    unique = []
    for part in parts:
        signature = tuple(p.text for p in part.paragraphs)
        if signature not in seen:
            seen.add(signature)
            unique.append(part)
    return unique


def _text_parts(archive: zipfile.ZipFile, main_part: str) -> Iterator[tuple[str, str]]:
    related = sorted(_related_parts(archive, main_part), key=_reading_key)
    yield from (item for item in related if item[0] == "header")
    yield "body", main_part
    yield from (item for item in related if item[0] != "header")


def _reading_key(item: tuple[str, str]) -> tuple[int, int, str]:
    location, name = item
    return READING_ORDER.index(location), len(name), name


def main_part_name(archive: zipfile.ZipFile) -> str:
    """The package's main document part (the officeDocument relationship's target)."""
    return _main_part_name(archive)


def _main_part_name(archive: zipfile.ZipFile) -> str:
    for rel_type, target in _relationships(archive, "_rels/.rels"):
        if rel_type.endswith("/officeDocument"):
            name = _resolve_target("", target)
            if name in archive.NameToInfo:
                return name
    if DEFAULT_MAIN_PART in archive.NameToInfo:
        return DEFAULT_MAIN_PART
    raise refuse(f"Tệp không có phần nội dung chính của tài liệu Word. {RETRY_AS_DOCX}", "corrupt")


def _related_parts(archive: zipfile.ZipFile, main_part: str) -> Iterator[tuple[str, str]]:
    folder, file_name = posixpath.split(main_part)
    rels_name = posixpath.join(folder, "_rels", f"{file_name}.rels")
    for rel_type, target in _relationships(archive, rels_name):
        location = next((loc for suffix, loc in RELATED_PART_LOCATIONS.items() if rel_type.endswith(suffix)), None)
        name = _resolve_target(folder, target)
        if location and name in archive.NameToInfo:
            yield location, name


def _relationships(archive: zipfile.ZipFile, rels_name: str) -> Iterator[tuple[str, str]]:
    if rels_name not in archive.NameToInfo:
        return
    for rel in _parse_member(archive, rels_name).iter(REL_RELATIONSHIP):
        if rel.get("TargetMode") != "External":
            yield rel.get("Type", ""), rel.get("Target", "")


def _resolve_target(folder: str, target: str) -> str:
    """A relationship target as a zip member name (a key, never a filesystem path)."""
    if target.startswith("/"):
        return posixpath.normpath(target).lstrip("/")
    return posixpath.normpath(posixpath.join(folder, target))


def _parse_member(archive: zipfile.ZipFile, name: str) -> etree._Element:
    return parse_part(read_member(archive, name), name)


# --- ISO header block metadata -------------------------------------------------------------

def _build_fold_table() -> dict[int, str]:
    """Maps each accented Latin letter to its bare letter, one character for one."""
    table = {ord("đ"): "d", ord("Đ"): "D", ord("Ð"): "D"}
    for codepoint in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(codepoint))[0]
        if base.isascii() and base.isalpha() and base != chr(codepoint):
            table.setdefault(codepoint, base)
    return table


_FOLD_TABLE = _build_fold_table()


def fold(text: str) -> str:
    """Strip Vietnamese diacritics without changing length, so match spans map back."""
    return unicodedata.normalize("NFC", text).translate(_FOLD_TABLE)


_LABEL = re.compile(
    r"\b(?:"
    r"(?P<code>ma\s*(?:hieu|so|tai\s*lieu|quy\s*trinh))"
    r"|(?P<revision>lan\s*ban\s*hanh)"
    r"|(?P<issued_on>ngay\s*ban\s*hanh)"
    r")\b\s*[:：]?",
    re.IGNORECASE,
)
_VALUE_TRIM = " \t\n:：-–—|"
# A code may have one inner space before a segment with a digit ("QT 01-TP").
_CODE = re.compile(r"[A-Za-z0-9ĐđÐ][A-Za-z0-9ĐđÐ.\-/_]*(?: [A-Za-z0-9ĐđÐ.\-/_]*\d[A-Za-z0-9ĐđÐ.\-/_]*)?")
_CODE_DASH = re.compile(r"\s*[-‐‑‒–—−]\s*")
_REVISION = re.compile(r"\b\d{1,3}\b")
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})\b")
_WORDED_DATE = re.compile(r"ngay\s*(\d{1,2})\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})", re.IGNORECASE)


def find_metadata(header_parts: Sequence[_PartText], body_parts: Sequence[_PartText]) -> DocMetadata:
    """Procedure code, revision and issue date from the ISO block: header first, then body top."""
    found: dict[str, object] = {}
    for items in _candidate_sequences(header_parts, body_parts):
        for field_name, raw_value in _labelled_values(items):
            if field_name not in found:
                value = _PARSERS[field_name](raw_value)
                if value is not None:
                    found[field_name] = value
        if len(found) == len(_PARSERS):
            break
    return DocMetadata(**found)


def _candidate_sequences(
    header_parts: Sequence[_PartText], body_parts: Sequence[_PartText]
) -> Iterator[list[str]]:
    """Runs of texts where a label's value may sit in the item right after the label."""
    for parts, limit in ((header_parts, None), (body_parts, METADATA_BODY_PARAGRAPHS)):
        for part in parts:
            for rows in part.tables:
                yield from rows
                yield from _columns(rows)
            yield [p.text for p in part.paragraphs[:limit]]


def _columns(rows: list[list[str]]) -> Iterator[list[str]]:
    width = max((len(row) for row in rows), default=0)
    for index in range(width):
        yield [row[index] for row in rows if index < len(row)]


def _labelled_values(items: list[str]) -> Iterator[tuple[str, str]]:
    """(field, raw value) for every label: the text after it, else the next item."""
    folded_items = [fold(item) for item in items]
    for index, folded in enumerate(folded_items):
        labels = list(_LABEL.finditer(folded))
        for position, label in enumerate(labels):
            end = labels[position + 1].start() if position + 1 < len(labels) else len(folded)
            value = items[index][label.end():end].strip(_VALUE_TRIM)
            if not value and index + 1 < len(items) and not _LABEL.match(folded_items[index + 1].lstrip()):
                value = items[index + 1]
            yield label.lastgroup or "", value


def _parse_code(value: str) -> str | None:
    match = _CODE.search(_CODE_DASH.sub("-", value))
    if not match:
        return None
    code = match.group().rstrip(".-/_")
    return code if any(ch.isdigit() for ch in code) else None


def _parse_revision(value: str) -> str | None:
    match = _REVISION.search(value)
    return match.group() if match else None


def _parse_date(value: str) -> datetime.date | None:
    match = _NUMERIC_DATE.search(value) or _WORDED_DATE.search(fold(value))
    if not match:
        return None
    day, month, year = (int(group) for group in match.groups())
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


_PARSERS = {"code": _parse_code, "revision": _parse_revision, "issued_on": _parse_date}

