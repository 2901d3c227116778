"""HTML preview of a procedure for the browser.

`qmsdocs.docx.html` renders the document's structure (headings, paragraphs, emphasis,
tables with merged cells, links) in one pass over the XML, showing what Word shows: list
labels as text, TCVN3/VNI runs in Unicode, symbol-font characters; images are left out. nh3
then strips everything that could run or load in the viewer's page. The stored file is
never changed.
"""

from __future__ import annotations

import html

import nh3

from qmsdocs.docx.html import render
from qmsdocs.docx.reader import read_docx
from qmsdocs.docx.safety import open_zip

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
    """Sanitized HTML for the document; plain escaped paragraphs if the renderer cannot cope."""
    try:
        raw = _convert(data)
    except Exception:  # whatever the document does to the renderer, the reader's text still shows
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
    with open_zip(data) as archive:
        return render(archive)


def _plain_paragraphs(data: bytes) -> str:
    return "".join(f"<p>{html.escape(paragraph.text)}</p>" for paragraph in read_docx(data).paragraphs)
