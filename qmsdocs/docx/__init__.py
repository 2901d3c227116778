"""Reading uploaded Word procedures: safety gate, text and metadata, citations, preview, diff."""

from qmsdocs.docx.citations import Citation, citation_key, extract_citations, normalize_symbol
from qmsdocs.docx.diff import DiffOp, diff_paragraphs, summarize
from qmsdocs.docx.preview import to_html
from qmsdocs.docx.reader import DocMetadata, DocxContent, Paragraph, read_docx
from qmsdocs.docx.safety import check_package, parse_xml, safe_xml_parser

__all__ = [
    "Citation",
    "DiffOp",
    "DocMetadata",
    "DocxContent",
    "Paragraph",
    "check_package",
    "citation_key",
    "diff_paragraphs",
    "extract_citations",
    "normalize_symbol",
    "parse_xml",
    "read_docx",
    "safe_xml_parser",
    "summarize",
    "to_html",
]
