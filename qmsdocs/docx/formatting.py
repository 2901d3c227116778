"""What a document's styles, numbering and theme change in its text as Word shows it.

Two things in WordprocessingML are not stored as text yet are read as text: list labels
(numbering.xml, reached from a paragraph's numPr or its style) and letters typed in the
pre-Unicode Vietnamese fonts (a run's font comes from the run, its character style, its
paragraph style, the document defaults or the theme). `DocumentFormatting` loads those parts
once per document; the reader and the preview both ask it for labels and run converters.

The parts read here are optional for reading the text: a damaged or missing styles,
numbering or theme part only loses labels or conversion, never the document.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator

from lxml import etree

from qmsdocs.docx.legacy_fonts import converter_for_font
from qmsdocs.docx.numbering import Numbering
from qmsdocs.docx.safety import parse_xml, read_member
from qmsdocs.errors import UploadRefused

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
STRICT_W_NS = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
STRICT_A_NS = b"http://purl.oclc.org/ooxml/drawingml/main"

# A font attribute naming a TCVN3 (.Vn…) or VNI font: a cheap test on the raw part bytes
# before any per-run work is done.
LEGACY_FONT_BYTES = re.compile(rb"""=\s*["'](?:\.[Vv][Nn]|[Vv][Nn][Ii][- ])""")


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


W_P, W_R, W_PPR, W_RPR, W_PSTYLE, W_RSTYLE, W_RFONTS = map(
    _w, ("p", "r", "pPr", "rPr", "pStyle", "rStyle", "rFonts"))
W_NUMPR, W_VAL = _w("numPr"), _w("val")
REL_RELATIONSHIP = f"{{{PKG_REL_NS}}}Relationship"
# The font Word uses for Latin-1 letters (where legacy Vietnamese bytes sit), then the ASCII one.
FONT_ATTRIBUTES = (_w("hAnsi"), _w("ascii"))
THEME_FONT_ATTRIBUTES = (_w("hAnsiTheme"), _w("asciiTheme"))

Converter = Callable[[str], str]


def parse_part(xml: bytes, name: str) -> etree._Element:
    """Parse a part; "Strict Open XML" saves use other namespace names for the same vocabulary."""
    if STRICT_W_NS in xml:
        xml = xml.replace(STRICT_W_NS, W_NS.encode("ascii"))
    if STRICT_A_NS in xml:
        xml = xml.replace(STRICT_A_NS, A_NS.encode("ascii"))
    return parse_xml(xml, part_name=name)


class DocumentFormatting:
    """Numbering and legacy-font knowledge of one document; labels advance in document order."""

    def __init__(self, numbering: Numbering, fonts: _FontResolver | None):
        self.numbering = numbering
        self.fonts = fonts

    @classmethod
    def load(cls, archive: zipfile.ZipFile, main_part: str) -> DocumentFormatting:
        parts = dict(_auxiliary_parts(archive, main_part))
        styles_xml = _optional_member(archive, parts.get("styles"))
        theme_xml = _optional_member(archive, parts.get("theme"))
        styles = _optional_parse(styles_xml, parts.get("styles"))
        numbering = Numbering.parse(
            _optional_parse(_optional_member(archive, parts.get("numbering")), parts.get("numbering")), styles)
        fonts = _FontResolver(styles, _optional_parse(theme_xml, parts.get("theme")))
        fonts.legacy_defaults = any(LEGACY_FONT_BYTES.search(xml or b"") for xml in (styles_xml, theme_xml))
        return cls(numbering, fonts)

    @classmethod
    def empty(cls) -> DocumentFormatting:
        return cls(Numbering({}, {}, {}), None)

    def labels(self, root: etree._Element) -> dict[etree._Element, str]:
        """Labels of the numbered paragraphs under root, counted in document order.

        Only numPr and pStyle elements are visited (filtered in C), so an unnumbered document
        costs one pass over its tree. numPr of a tracked formatting change (w:pPrChange) is the
        old formatting, not the paragraph's, and is passed over.
        """
        if not self.numbering:
            return {}
        labels: dict[etree._Element, str] = {}
        tags = (W_NUMPR, W_PSTYLE) if self.numbering.has_style_numbering else (W_NUMPR,)
        previous = None
        for element in root.iter(*tags):
            ppr = element.getparent()
            paragraph = ppr.getparent() if ppr is not None else None
            if paragraph is None or paragraph.tag != W_P or paragraph is previous or ppr.tag != W_PPR:
                continue
            previous = paragraph
            label = self.numbering.label(paragraph)
            if label:
                labels[paragraph] = label
        return labels

    def legacy_in(self, part_xml: bytes) -> bool:
        """Whether runs of this part may be in a legacy font (so per-run fonts must be read)."""
        return self.fonts is not None and (self.fonts.legacy_defaults or bool(LEGACY_FONT_BYTES.search(part_xml)))

    def paragraph_font(self, paragraph: etree._Element) -> str | None:
        return self.fonts.paragraph_font(paragraph) if self.fonts else None

    def run_converter(self, run: etree._Element, paragraph_font: str | None) -> Converter | None:
        return self.fonts.run_converter(run, paragraph_font) if self.fonts else None


class _FontResolver:
    """A run's font as Word resolves it: run, character style, paragraph style, defaults, theme."""

    def __init__(self, styles: etree._Element | None, theme: etree._Element | None):
        self.legacy_defaults = False
        self._theme = _theme_fonts(theme)
        self._style_fonts: dict[str, str | None] = {}
        self._default_paragraph_style: str | None = None
        self._default_font: str | None = None
        if styles is None:
            return
        defaults = styles.find(f"{_w('docDefaults')}/{_w('rPrDefault')}/{W_RPR}/{W_RFONTS}")
        self._default_font = self._font_of(defaults)
        based_on: dict[str, str] = {}
        own: dict[str, str | None] = {}
        for style in styles.iterchildren(_w("style")):
            style_id = style.get(_w("styleId"), "")
            parent = style.find(_w("basedOn"))
            if parent is not None:
                based_on[style_id] = parent.get(W_VAL, "")
            own[style_id] = self._font_of(style.find(f"{W_RPR}/{W_RFONTS}"))
            if style.get(_w("type")) == "paragraph" and style.get(_w("default")) in ("1", "true", "on"):
                self._default_paragraph_style = style_id
        for style_id in own:
            current, seen, font = style_id, set(), None
            while current and current not in seen and font is None:
                seen.add(current)
                font = own.get(current)
                current = based_on.get(current)
            self._style_fonts[style_id] = font

    def _font_of(self, fonts: etree._Element | None) -> str | None:
        if fonts is None:
            return None
        for attribute in FONT_ATTRIBUTES:
            if fonts.get(attribute):
                return fonts.get(attribute)
        for attribute in THEME_FONT_ATTRIBUTES:
            theme_font = fonts.get(attribute)
            if theme_font:
                return self._theme.get("major" if theme_font.startswith("major") else "minor")
        return None

    def paragraph_font(self, paragraph: etree._Element) -> str | None:
        style = paragraph.find(f"{W_PPR}/{W_PSTYLE}")
        style_id = style.get(W_VAL, "") if style is not None else self._default_paragraph_style
        font = self._style_fonts.get(style_id or "")
        return font if font is not None else self._default_font

    def run_converter(self, run: etree._Element, paragraph_font: str | None) -> Converter | None:
        properties = run.find(W_RPR)
        font = None
        if properties is not None:
            font = self._font_of(properties.find(W_RFONTS))
            if font is None:
                style = properties.find(W_RSTYLE)
                if style is not None:
                    font = self._style_fonts.get(style.get(W_VAL, ""))
        return converter_for_font(font if font is not None else paragraph_font)


def _theme_fonts(theme: etree._Element | None) -> dict[str, str]:
    fonts: dict[str, str] = {}
    if theme is None:
        return fonts
    for kind in ("major", "minor"):
        latin = theme.find(f".//{{{A_NS}}}{kind}Font/{{{A_NS}}}latin")
        if latin is not None and latin.get("typeface"):
            fonts[kind] = latin.get("typeface")
    return fonts


AUXILIARY_RELATIONSHIPS = {"/styles": "styles", "/numbering": "numbering", "/theme": "theme"}


def _auxiliary_parts(archive: zipfile.ZipFile, main_part: str) -> Iterator[tuple[str, str]]:
    folder, file_name = posixpath.split(main_part)
    rels_name = posixpath.join(folder, "_rels", f"{file_name}.rels")
    xml = _optional_member(archive, rels_name)
    root = _optional_parse(xml, rels_name)
    if root is None:
        return
    for rel in root.iter(REL_RELATIONSHIP):
        rel_type = rel.get("Type", "")
        kind = next((k for suffix, k in AUXILIARY_RELATIONSHIPS.items() if rel_type.endswith(suffix)), None)
        if kind and rel.get("TargetMode") != "External":
            target = rel.get("Target", "")
            name = (posixpath.normpath(target).lstrip("/") if target.startswith("/")
                    else posixpath.normpath(posixpath.join(folder, target)))
            if name in archive.NameToInfo:
                yield kind, name


def _optional_member(archive: zipfile.ZipFile, name: str | None) -> bytes | None:
    if not name or name not in archive.NameToInfo:
        return None
    try:
        return read_member(archive, name)
    except UploadRefused:
        return None


def _optional_parse(xml: bytes | None, name: str | None) -> etree._Element | None:
    if not xml:
        return None
    try:
        return parse_part(xml, name or "")
    except UploadRefused:
        return None
