"""HTML preview of a procedure for the browser.

mammoth keeps the document's structure (headings, lists, tables); nh3 then strips
everything that could run or load in the viewer's page. Images are dropped at conversion
time so they are never inlined as large data: URIs only to be thrown away.
"""

from __future__ import annotations

import html
import io

import mammoth
import nh3

from qmsdocs.docx.reader import read_docx

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
    result = mammoth.convert_to_html(io.BytesIO(data), convert_image=mammoth.images.img_element(_drop_image))
    return result.value


def _drop_image(image: object) -> dict[str, str]:
    return {}


def _plain_paragraphs(data: bytes) -> str:
    return "".join(f"<p>{html.escape(paragraph.text)}</p>" for paragraph in read_docx(data).paragraphs)
