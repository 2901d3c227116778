"""HTML preview of a procedure for the browser.

mammoth keeps the document's structure (headings, tables); nh3 then strips everything that
could run or load in the viewer's page. Images are dropped at conversion time so they are
never inlined as large data: URIs only to be thrown away.

What Word generates rather than stores is written into a copy of the main part first, so
the preview reads as Word shows the document and as the extracted text reads: list labels
("Điều 5.", "a)", "Bước 2:") become text at the start of their paragraphs (and those
paragraphs plain paragraphs, not <ol> items that a browser would renumber 1, 2, 3), runs in
TCVN3 or VNI fonts become Unicode, and symbol-font characters (w:sym) their Unicode
equivalents. The stored file is never changed.
"""

from __future__ import annotations

import html
import io
import zipfile

import mammoth
import nh3
from lxml import etree

from qmsdocs.docx.formatting import W_NS, DocumentFormatting, parse_part
from qmsdocs.docx.reader import main_part_name, read_docx
from qmsdocs.docx.safety import open_zip, read_member
from qmsdocs.docx.symbols import sym_element_text

ALLOWED_TAGS = frozenset(
    {
        "p", "h1", "h2", "h3", "h4", "h5", "h6",
        "strong", "em", "u", "s", "sub", "sup",
        "ul", "ol", "li",
        "table", "thead", "tbody", "tr", "th", "td",
        "br", "a",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
# Removed together with their content, not just unwrapped.
DROPPED_WITH_CONTENT = frozenset({"script", "style"})


def to_html(data: bytes) -> str:
    """Sanitized HTML for the document; plain escaped paragraphs if mammoth cannot cope."""
    try:
        raw = _convert(data)
    except Exception:  # mammoth has no error hierarchy; any failure means: use the fallback
        raw = _plain_paragraphs(data)
    return sanitize(raw)


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener",
        strip_comments=True,
    )


def _convert(data: bytes) -> str:
    result = mammoth.convert_to_html(io.BytesIO(with_generated_text(data)),
                                     convert_image=mammoth.images.img_element(_drop_image))
    return result.value


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


W_P, W_R, W_T, W_PPR, W_NUMPR, W_SYM = map(_w, ("p", "r", "t", "pPr", "numPr", "sym"))
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def with_generated_text(data: bytes) -> bytes:
    """A copy of the package whose main part carries labels, converted legacy runs and symbols."""
    with open_zip(data) as archive:
        main_part = main_part_name(archive)
        formatting = DocumentFormatting.load(archive, main_part)
        xml = read_member(archive, main_part)
        legacy = formatting.legacy_in(xml)
        if not formatting.numbering and not legacy and b"sym" not in xml:
            return data
        root = parse_part(xml, main_part)
        for paragraph, label in formatting.labels(root).items():
            _write_label(paragraph, label)
        if legacy:
            _convert_legacy_runs(root, formatting)
        for symbol in list(root.iter(W_SYM)):
            text = etree.Element(W_T)
            text.text = sym_element_text(symbol.get(_w("font")), symbol.get(_w("char")))
            symbol.getparent().replace(symbol, text)
        rewritten = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        return _replace_member(archive, main_part, rewritten)


def _write_label(paragraph: etree._Element, label: str) -> None:
    """The label as the paragraph's first run; numbering switched off (numId 0) for mammoth."""
    properties = paragraph.find(W_PPR)
    if properties is None:
        properties = etree.SubElement(paragraph, W_PPR)
        paragraph.insert(0, properties)
    numbering = properties.find(W_NUMPR)
    if numbering is None:
        numbering = etree.SubElement(properties, W_NUMPR)
    numbering.clear()
    etree.SubElement(numbering, _w("numId")).set(_w("val"), "0")
    run = etree.Element(W_R)
    text = etree.SubElement(run, W_T)
    text.set(XML_SPACE, "preserve")
    text.text = label.replace("\t", " ")
    paragraph.insert(paragraph.index(properties) + 1, run)


def _convert_legacy_runs(root: etree._Element, formatting: DocumentFormatting) -> None:
    paragraph_font = None
    for element in root.iter(W_P, W_R):
        if element.tag == W_P:
            paragraph_font = formatting.paragraph_font(element)
            continue
        convert = formatting.run_converter(element, paragraph_font)
        if convert is not None:
            for text in element.iterchildren(W_T):
                if text.text:
                    text.text = convert(text.text)


def _replace_member(archive: zipfile.ZipFile, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in archive.infolist():
            if info.filename == name:
                copy.writestr(name, content)
            else:
                try:
                    copy.writestr(info, read_member(archive, info))
                except Exception:  # a damaged member nobody previews (theme, media): left out
                    continue
    return out.getvalue()


def _drop_image(image: object) -> dict[str, str]:
    return {}


def _plain_paragraphs(data: bytes) -> str:
    return "".join(f"<p>{html.escape(paragraph.text)}</p>" for paragraph in read_docx(data).paragraphs)
