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

import bisect
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

# A font attribute naming a TCVN3 (.Vn…) or VNI font, looked for in a part's bytes before any
# per-run work: run and style fonts (w:ascii, w:hAnsi), theme fonts (typeface).
LEGACY_FONT_ATTRIBUTE = re.compile(rb"""(?:ascii|hAnsi|typeface|name)=["'](?:\.[Vv][Nn]|[Vv][Nn][Ii][- ])""")


_STYLE_START = re.compile(rb"<w:style[ >]")
_STYLE_ID = re.compile(rb'w:styleId="([^"]*)"')
_NUMPR = re.compile(rb"<w:numPr[ />]")
_BASED_ON = re.compile(rb'<w:basedOn w:val="([^"]*)"')


def mentions_legacy_font(xml: bytes) -> bool:
    """Whether the part's bytes name a legacy Vietnamese font anywhere (a cheap pre-test)."""
    return LEGACY_FONT_ATTRIBUTE.search(xml) is not None


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
    """Numbering and legacy-font knowledge of one document; labels advance in document order.

    The parts are read and parsed only when a text part needs them: most documents number
    nothing and use no legacy font, and parsing a template's styles and numbering would cost
    more than reading the document itself. The archive must stay open while it is used.
    """

    def __init__(self, archive: zipfile.ZipFile, names: dict[str, str]):
        self._archive = archive
        self._names = names
        self._bytes: dict[str, bytes] = {}
        self._numbering: Numbering | None = None
        self._fonts: _FontResolver | None = None
        self._styles: etree._Element | None = None
        self._styles_parsed = False
        self._legacy_defaults: bool | None = None
        self._styles_number_cached: bool | None = None

    @classmethod
    def load(cls, archive: zipfile.ZipFile, main_part: str) -> DocumentFormatting:
        return cls(archive, dict(_auxiliary_parts(archive, main_part)))

    def _xml(self, kind: str) -> bytes:
        if kind not in self._bytes:
            self._bytes[kind] = _optional_member(self._archive, self._names.get(kind)) or b""
        return self._bytes[kind]

    def _parse(self, kind: str) -> etree._Element | None:
        return _optional_parse(self._xml(kind), self._names.get(kind))

    @property
    def legacy_defaults(self) -> bool:
        """Whether styles or theme name a legacy font (then any run may be in one)."""
        if self._legacy_defaults is None:
            # Word, LibreOffice and WPS list every font a document uses in its font table:
            # when it names no legacy font, neither styles nor theme need a look.
            font_table = self._xml("fonts")
            self._legacy_defaults = (not font_table or mentions_legacy_font(font_table)) and (
                mentions_legacy_font(self._xml("styles")) or mentions_legacy_font(self._xml("theme")))
        return self._legacy_defaults

    @property
    def styles(self) -> etree._Element | None:
        if not self._styles_parsed:
            self._styles, self._styles_parsed = self._parse("styles"), True
        return self._styles

    @property
    def numbering(self) -> Numbering:
        if self._numbering is None:
            numbering_root = self._parse("numbering")
            styles = None
            if numbering_root is not None and self._styles_number():
                styles = self._styles if self._styles_parsed else self._numbering_styles()
            self._numbering = Numbering.parse(numbering_root, styles)
        return self._numbering

    def _numbering_styles(self) -> etree._Element | None:
        """Only the styles that number paragraphs, and those based on them, as a small tree.

        Word's and python-docx's styles parts run to hundreds of kilobytes (latent styles, every
        built-in style) while a handful of styles carry numPr; cutting those out of the bytes
        first keeps a numbered document's cost near that of its own text. A part that does
        not use the usual `w:` prefix is parsed whole.
        """
        xml = self._xml("styles")
        starts = [match.start() for match in _STYLE_START.finditer(xml)]
        if not starts:
            return self.styles
        ends = [xml.find(b"</w:style>", start) + len(b"</w:style>") for start in starts]
        if any(end < start for start, end in zip(starts, ends)):
            return self.styles

        def block_of(position: int) -> int:
            return bisect.bisect_right(starts, position) - 1

        wanted: set[int] = set()
        for match in _NUMPR.finditer(xml):
            index = block_of(match.start())
            if index >= 0 and match.start() < ends[index]:
                wanted.add(index)
        children: dict[bytes, list[int]] = {}
        for match in _BASED_ON.finditer(xml):
            children.setdefault(match.group(1), []).append(block_of(match.start()))
        frontier = list(wanted)
        while frontier:
            index = frontier.pop()
            style_id = _STYLE_ID.search(xml, starts[index], ends[index])
            for child in children.get(style_id.group(1), ()) if style_id else ():
                if child >= 0 and child not in wanted:
                    wanted.add(child)
                    frontier.append(child)
        kept = b"".join(xml[starts[index]:ends[index]] for index in sorted(wanted))
        return _optional_parse(b'<w:styles xmlns:w="' + W_NS.encode() + b'">' + kept + b"</w:styles>",
                               self._names.get("styles"))

    @property
    def fonts(self) -> _FontResolver:
        if self._fonts is None:
            theme = self._parse("theme") if mentions_legacy_font(self._xml("theme")) else None
            self._fonts = _FontResolver(self.styles, theme)
        return self._fonts

    def may_number(self, part_xml: bytes | None) -> bool:
        """Whether a part with these bytes can hold numbered paragraphs (before parsing anything)."""
        if not self._xml("numbering"):
            return False
        if part_xml is None:
            return True
        return b"numPr" in part_xml or (b"pStyle" in part_xml and self._styles_number())

    def _styles_number(self) -> bool:
        """Whether any style carries numbering (read once per document)."""
        if self._styles_number_cached is None:
            self._styles_number_cached = b"numPr" in self._xml("styles")
        return self._styles_number_cached

    def labels(self, root: etree._Element, part_xml: bytes | None = None) -> dict[etree._Element, str]:
        """Labels of the numbered paragraphs under root, counted in document order.

        The numbered paragraphs are found by one XPath evaluated in C: a numPr of their own, or
        a paragraph style that numbers. numPr of a tracked formatting change (w:pPrChange) is
        the old formatting, not the paragraph's, and is passed over.
        """
        if not self.may_number(part_xml) or not self.numbering:
            return {}
        labels: dict[etree._Element, str] = {}
        for paragraph in _numbered_paragraphs(root, self.numbering.numbered_styles):
            label = self.numbering.label(paragraph)
            if label:
                labels[paragraph] = label
        return labels

    def legacy_in(self, part_xml: bytes) -> bool:
        """Whether runs of this part may be in a legacy font (so per-run fonts must be read)."""
        if self.legacy_defaults:
            return True
        font_table = self._xml("fonts")
        return (not font_table or mentions_legacy_font(font_table)) and mentions_legacy_font(part_xml)

    def paragraph_font(self, paragraph: etree._Element) -> str | None:
        return self.fonts.paragraph_font(paragraph)

    def run_converter(self, run: etree._Element, paragraph_font: str | None) -> Converter | None:
        return self.fonts.run_converter(run, paragraph_font)


def _numbered_paragraphs(root: etree._Element, numbered_styles: frozenset[str]) -> list[etree._Element]:
    if numbered_styles:
        return _NUMBERED_OR_STYLED(root, styles=" ".join(sorted(numbered_styles)))
    return _NUMBERED(root)


_XPATH_NS = {"w": W_NS}
_NUMBERED = etree.XPath("descendant-or-self::w:p[w:pPr/w:numPr]", namespaces=_XPATH_NS)
# Style ids never contain spaces, so membership is a search in the space-joined list.
_NUMBERED_OR_STYLED = etree.XPath(
    "descendant-or-self::w:p[w:pPr/w:numPr or w:pPr/w:pStyle["
    "contains(concat(' ', $styles, ' '), concat(' ', @w:val, ' '))]]",
    namespaces=_XPATH_NS,
)


class _FontResolver:
    """A run's font as Word resolves it: run, character style, paragraph style, defaults, theme."""

    def __init__(self, styles: etree._Element | None, theme: etree._Element | None):
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


AUXILIARY_RELATIONSHIPS = {"/styles": "styles", "/numbering": "numbering", "/theme": "theme",
                           "/fontTable": "fonts"}


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
