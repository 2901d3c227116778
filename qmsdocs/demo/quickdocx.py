"""A procedure document written straight as Office Open XML, for the province-size demo.

python-docx takes some 50 ms per document (it loads and saves its 800 kB default template);
the demo writes thousands, so it writes the few parts a Word file needs by hand: content types,
relationships, a small style sheet, the body and the header holding the ISO block. Word and
LibreOffice open the result; the reader sees the same structure as in `docgen.build_procedure`.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from io import BytesIO
from xml.sax.saxutils import escape

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml"

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/word/document.xml" ContentType="{DOCUMENT_TYPE}.document.main+xml"/>'
    f'<Override PartName="/word/styles.xml" ContentType="{DOCUMENT_TYPE}.styles+xml"/>'
    f'<Override PartName="/word/header1.xml" ContentType="{DOCUMENT_TYPE}.header+xml"/>'
    '</Types>'
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"'
    ' Target="word/document.xml"/></Relationships>'
)
DOCUMENT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles"'
    ' Target="styles.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"'
    ' Target="header1.xml"/></Relationships>'
)
_BORDERS = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                   for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W}">'
    '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"'
    ' w:cs="Times New Roman"/><w:sz w:val="26"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault>'
    '<w:pPrDefault><w:pPr><w:spacing w:after="120"/></w:pPr></w:pPrDefault></w:docDefaults>'
    '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/></w:style>'
    '<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/></w:style>'
    '<w:style w:type="table" w:styleId="TableGrid"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/>'
    f'<w:tblPr><w:tblBorders>{_BORDERS}</w:tblBorders></w:tblPr></w:style>'
    '</w:styles>'
)


@dataclass
class QuickDocument:
    code: str
    title: str
    agency_name: str
    revision: str
    issued_on: str
    purpose: str
    scope: str
    legal_refs: list[str]
    steps: list[tuple[str, str, str, str]]
    notes: list[str] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)


def _run(text: str, bold: bool = False) -> str:
    properties = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{properties}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _paragraph(text: str = "", bold: bool = False, centered: bool = False) -> str:
    properties = '<w:pPr><w:jc w:val="center"/></w:pPr>' if centered else ""
    return f"<w:p>{properties}{_run(text, bold) if text else ''}</w:p>"


def _table(rows: list[list[str]], widths: list[int], style: str = "") -> str:
    style_xml = f'<w:tblStyle w:val="{style}"/>' if style else ""
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
    body = "".join(
        "<w:tr>" + "".join(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr>{_paragraph(cell)}</w:tc>'
                           for cell, w in zip(row, widths)) + "</w:tr>"
        for row in rows)
    return f'<w:tbl><w:tblPr>{style_xml}<w:tblW w:type="auto" w:w="0"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>'


def _header(doc: QuickDocument) -> str:
    block = _table(_header_rows(doc), [3400, 3400, 2600], "TableGrid")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:hdr xmlns:w="{W}" xmlns:r="{R}">'
            f'{block}<w:p/></w:hdr>')


def _body(doc: QuickDocument) -> str:
    parts = [_paragraph(doc.title.upper(), bold=True, centered=True),
             _paragraph("1. MỤC ĐÍCH", bold=True), _paragraph(doc.purpose),
             _paragraph("2. PHẠM VI ÁP DỤNG", bold=True), _paragraph(doc.scope),
             _paragraph("3. TÀI LIỆU VIỆN DẪN", bold=True)]
    parts += [_paragraph(f"- {ref}") for ref in doc.legal_refs]
    parts += [_paragraph("- Tiêu chuẩn quốc gia TCVN ISO 9001:2015."),
              _paragraph("4. ĐỊNH NGHĨA VÀ TỪ VIẾT TẮT", bold=True),
              _paragraph("TTHC: Thủ tục hành chính; UBND: Ủy ban nhân dân; TN&TKQ: Tiếp nhận và trả kết quả."),
              _paragraph("5. NỘI DUNG QUY TRÌNH", bold=True),
              _table(_step_rows(doc), [900, 4700, 2300, 1500], "TableGrid")]
    parts += [_paragraph(note) for note in doc.notes]
    parts.append(_paragraph("6. BIỂU MẪU", bold=True))
    parts += [_paragraph(form) for form in doc.forms]
    parts += [_paragraph("7. HỒ SƠ CẦN LƯU", bold=True),
              _paragraph("Hồ sơ được lưu tại bộ phận chuyên môn theo quy định hiện hành về lưu trữ.")]
    section = ('<w:sectPr><w:headerReference w:type="default" r:id="rId2"/>'
               '<w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1134" w:right="1134" w:bottom="1134"'
               ' w:left="1701" w:header="567" w:footer="567" w:gutter="0"/></w:sectPr>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}" xmlns:r="{R}">'
            f'<w:body>{"".join(parts)}{section}</w:body></w:document>')


def _header_rows(doc: QuickDocument) -> list[list[str]]:
    return [[doc.agency_name.upper(), doc.title.upper(), f"Mã hiệu: {doc.code}"],
            ["", "", f"Lần ban hành: {doc.revision}"],
            ["", "", f"Ngày ban hành: {doc.issued_on}"]]


def _step_rows(doc: QuickDocument) -> list[list[str]]:
    return [["Bước", "Nội dung công việc", "Trách nhiệm", "Thời gian"], *map(list, doc.steps)]


def text_of(doc: QuickDocument) -> str:
    """The text the reader reads from `render(doc)`: non-empty paragraphs, header first, one per line.

    Writing it down beside the XML spares reading back thousands of files; the demo's tests read
    a sample back and compare.
    """
    lines = [cell for row in _header_rows(doc) for cell in row]
    lines += [doc.title.upper(), "1. MỤC ĐÍCH", doc.purpose, "2. PHẠM VI ÁP DỤNG", doc.scope, "3. TÀI LIỆU VIỆN DẪN"]
    lines += [f"- {ref}" for ref in doc.legal_refs]
    lines += ["- Tiêu chuẩn quốc gia TCVN ISO 9001:2015.", "4. ĐỊNH NGHĨA VÀ TỪ VIẾT TẮT",
              "TTHC: Thủ tục hành chính; UBND: Ủy ban nhân dân; TN&TKQ: Tiếp nhận và trả kết quả.",
              "5. NỘI DUNG QUY TRÌNH"]
    lines += [cell for row in _step_rows(doc) for cell in row]
    lines += [*doc.notes, "6. BIỂU MẪU", *doc.forms, "7. HỒ SƠ CẦN LƯU",
              "Hồ sơ được lưu tại bộ phận chuyên môn theo quy định hiện hành về lưu trữ."]
    return "\n".join(line for line in lines if line)


def render(doc: QuickDocument) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", PACKAGE_RELS),
                           ("word/_rels/document.xml.rels", DOCUMENT_RELS), ("word/styles.xml", STYLES),
                           ("word/document.xml", _body(doc)), ("word/header1.xml", _header(doc))):
            # A fixed date: the same document is the same bytes, whenever the demo is loaded.
            package.writestr(zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0)), text,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()
