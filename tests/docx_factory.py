"""Realistic Vietnamese ISO 9001 procedure documents, and hostile files, for tests.

python-docx writes the ordinary structure (header block table, headings, steps table);
what it cannot write (text boxes with their VML fallback, tracked changes, field codes,
content controls, footnotes, no-break hyphens) is added as raw WordprocessingML, either
into the python-docx tree before saving or by rewriting the saved zip.
"""

from __future__ import annotations

import functools
import io
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable

import docx
from docx.oxml import parse_xml
from docx.shared import Cm
from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f'xmlns:w="{W_NS}"'
TEXTBOX_NAMESPACES = " ".join(
    (
        W,
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"',
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"',
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"',
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"',
        'xmlns:v="urn:schemas-microsoft-com:vml"',
        'xmlns:o="urn:schemas-microsoft-com:office:office"',
    )
)
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
REL_BASE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
TEXT_PARTS = ("word/document.xml", "word/header", "word/footer", "word/footnotes.xml", "word/endnotes.xml")

DEFAULT_TITLE = "QUY TRÌNH KIỂM SOÁT TÀI LIỆU"
DEFAULT_AGENCY = "VĂN PHÒNG UBND TỈNH SÓC TRĂNG"
DEFAULT_CITATIONS = [
    "- Tiêu chuẩn quốc gia TCVN ISO 9001:2015 Hệ thống quản lý chất lượng – Các yêu cầu;",
    "- Luật Tiếp cận thông tin số 104/2016/QH13 ngày 06/4/2016;",
    "- Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, "
    "một cửa liên thông trong giải quyết thủ tục hành chính;",
    "- Quyết định số 19/2014/QĐ-TTg ngày 05/3/2014 của Thủ tướng Chính phủ về việc áp dụng "
    "Hệ thống quản lý chất lượng vào hoạt động của các cơ quan, tổ chức thuộc hệ thống hành chính nhà nước;",
    "- Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 của Văn phòng Chính phủ hướng dẫn thi hành "
    "một số quy định của Nghị định số 61/2018/NĐ-CP;",
    "- Quyết định số 1291/QĐ-UBND ngày 12/6/2019 của Ủy ban nhân dân tỉnh về việc công bố Hệ thống "
    "quản lý chất lượng.",
]
STEPS_HEADER = ["Bước", "Nội dung công việc", "Trách nhiệm", "Thời gian", "Biểu mẫu/Kết quả"]
DEFAULT_STEPS = [
    ["B1", "Tiếp nhận hồ sơ, kiểm tra tính đầy đủ, hợp lệ của hồ sơ", "Bộ phận một cửa", "0,5 ngày", "BM-01/QT-01"],
    ["B2", "Chuyển hồ sơ cho phòng chuyên môn thẩm định", "Bộ phận một cửa", "0,5 ngày", "Phiếu chuyển"],
    ["B3", "Thẩm định hồ sơ, dự thảo văn bản trình lãnh đạo", "Chuyên viên phòng", "3 ngày", "BM-02/QT-01"],
    ["B4", "Xem xét, ký duyệt kết quả giải quyết", "Lãnh đạo Văn phòng", "1 ngày", "Văn bản đã ký"],
    ["B5", "Trả kết quả cho tổ chức, cá nhân và lưu hồ sơ", "Bộ phận một cửa", "0,5 ngày", "BM-03/QT-01"],
]
FORMS_TABLE = [
    ["TT", "Mã hiệu", "Tên biểu mẫu"],
    ["1", "BM-01/QT-01", "Phiếu tiếp nhận hồ sơ"],
    ["2", "BM-02/QT-01", "Phiếu kiểm soát quá trình giải quyết hồ sơ"],
    ["3", "BM-03/QT-01", "Sổ theo dõi trả kết quả"],
]
HEADER_LAYOUTS = ("stacked", "cells", "inline", "body")


def make_docx(
    *,
    code: str = "QT-01/VP",
    revision: str = "01",
    issued_on: str = "05/03/2019",
    title: str = DEFAULT_TITLE,
    agency: str = DEFAULT_AGENCY,
    paragraphs: list[str | tuple[str, str]] | None = None,
    tables: list[list[list[str]]] | None = None,
    header_block: bool = True,
    header_layout: str = "stacked",
    citations_text: list[str] | None = None,
    footnotes: list[str] | None = None,
    endnotes: list[str] | None = None,
    textbox: str | None = None,
    tracked_insert: str | None = None,
    tracked_delete: str | None = None,
    field_code: tuple[str, str] | None = None,
    content_control: str | None = None,
    nested_table: list[list[str]] | None = None,
    hyphenated: bool = False,
    page_footer: bool = True,
    decomposed: bool = False,
    split_runs: bool = False,
    word_markup: bool = False,
    extra_parts: dict[str, bytes] | None = None,
) -> bytes:
    """A procedure as an agency would write it; every keyword switches on one Word feature.

    `paragraphs` replaces the standard sections with exactly those paragraphs (a (text, style)
    pair puts one in a paragraph style, e.g. "List Number", numbered by Word); `tables` are
    appended after the body text. `header_layout` places the ISO block: "stacked" (labels
    and values on lines of one header cell), "cells" (label cell, value cell), "inline"
    (one header paragraph) or "body" (a table at the top of the body).
    """
    if header_layout not in HEADER_LAYOUTS:
        raise ValueError(f"header_layout must be one of {HEADER_LAYOUTS}")
    document = docx.Document()
    fields = {"code": code, "revision": revision, "issued_on": issued_on}
    if header_block:
        _add_header_block(document, header_layout, agency, title, fields)
    if paragraphs is None:
        _add_standard_sections(document, title, citations_text, nested_table)
    else:
        for item in paragraphs:
            text, style = (item, None) if isinstance(item, str) else item
            document.add_paragraph(text, style=style)
    for rows in tables or []:
        _add_table(document, rows)
    body = document.element.body
    _append_raw_paragraphs(body, textbox, tracked_insert, tracked_delete, field_code, content_control, hyphenated)
    if footnotes or endnotes:
        _add_note_references(document, footnotes or [], endnotes or [])
    if page_footer:
        _add_page_footer(document)
    buffer = io.BytesIO()
    document.save(buffer)
    data = buffer.getvalue()
    if footnotes or endnotes:
        data = _add_notes_parts(data, footnotes or [], endnotes or [])
    if split_runs:
        data = transform_text_parts(data, _split_runs)
    if word_markup:
        data = transform_text_parts(data, _add_word_markup)
    if decomposed:
        data = transform_text_parts(data, _decompose)
    if extra_parts:
        data = replace_parts(data, extra_parts)
    return data


# --- ordinary structure, written by python-docx ------------------------------------------

def _add_header_block(document, layout: str, agency: str, title: str, fields: dict[str, str]) -> None:
    labels = {"code": "Mã hiệu:", "revision": "Lần ban hành:", "issued_on": "Ngày ban hành:"}
    lines = [f"{labels[name]} {value}" for name, value in fields.items()]
    section = document.sections[0]
    if layout == "inline":
        section.header.paragraphs[0].text = f"{agency} – {title}"
        section.header.add_paragraph("    ".join(lines))
        return
    container = document if layout == "body" else section.header
    table = _new_table(container, rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(2, 0)).text = agency
    table.cell(0, 1).merge(table.cell(2, 1)).text = title
    if layout == "cells":
        table.add_column(Cm(3))
        for row, (name, value) in enumerate(fields.items()):
            table.cell(row, 2).text = labels[name]
            table.cell(row, 3).text = value
    else:
        cell = table.cell(0, 2).merge(table.cell(2, 2))
        cell.text = lines[0]
        for line in lines[1:]:
            cell.add_paragraph(line)


def _new_table(container, *, rows: int, cols: int):
    if isinstance(container, docx.document.Document):
        table = container.add_table(rows=rows, cols=cols)
    else:
        table = container.add_table(rows, cols, Cm(16))
    table.style = "Table Grid"
    return table


def _add_standard_sections(document, title: str, citations_text: list[str] | None, nested_table) -> None:
    document.add_heading(title, level=1)
    document.add_heading("1. MỤC ĐÍCH", level=2)
    document.add_paragraph(
        "Quy định thống nhất cách thức biên soạn, phê duyệt, ban hành, phân phối, sửa đổi và kiểm soát "
        "các tài liệu thuộc Hệ thống quản lý chất lượng của cơ quan."
    )
    document.add_heading("2. PHẠM VI", level=2)
    document.add_paragraph("Áp dụng đối với toàn bộ tài liệu nội bộ và tài liệu có nguồn gốc bên ngoài.")
    document.add_paragraph("Cán bộ, công chức các phòng chuyên môn có trách nhiệm thực hiện quy trình này.")
    document.add_heading("3. TÀI LIỆU VIỆN DẪN", level=2)
    for line in DEFAULT_CITATIONS if citations_text is None else citations_text:
        document.add_paragraph(line)
    document.add_heading("4. ĐỊNH NGHĨA", level=2)
    document.add_paragraph("- HTQLCL: Hệ thống quản lý chất lượng;")
    document.add_paragraph("- TCVN: Tiêu chuẩn quốc gia; BPMC: Bộ phận một cửa.")
    document.add_heading("5. NỘI DUNG QUY TRÌNH", level=2)
    document.add_paragraph("5.1. Lưu đồ và diễn giải các bước thực hiện:")
    steps = _add_table(document, [STEPS_HEADER, *DEFAULT_STEPS])
    if nested_table:
        _add_nested_table(steps.cell(1, 1), nested_table)
    document.add_heading("6. BIỂU MẪU", level=2)
    _add_table(document, FORMS_TABLE)
    document.add_heading("7. HỒ SƠ", level=2)
    document.add_paragraph("Hồ sơ được lưu tại bộ phận một cửa trong thời hạn 05 năm, sau đó chuyển lưu trữ cơ quan.")


def _add_table(document, rows: list[list[str]]):
    table = _new_table(document, rows=len(rows), cols=max(len(row) for row in rows))
    _fill(table, rows)
    return table


def _add_nested_table(cell, rows: list[list[str]]) -> None:
    _fill(cell.add_table(rows=len(rows), cols=max(len(row) for row in rows)), rows)


def _fill(table, rows: list[list[str]]) -> None:
    for table_row, row in zip(table.rows, rows):
        for cell, text in zip(table_row.cells, row):
            cell.text = text


def _add_page_footer(document) -> None:
    """"Trang 1/5" the way Word stores it: PAGE and NUMPAGES fields with cached results."""
    paragraph = document.sections[0].footer.paragraphs[0]
    paragraph.add_run("Trang ")
    for element in (_field_runs(" PAGE ", "1"), [_run("/")], _field_runs(" NUMPAGES ", "5")):
        for run in element:
            paragraph._p.append(run)


# --- raw WordprocessingML for what python-docx cannot write ------------------------------

def _run(text: str) -> etree._Element:
    return parse_xml(f'<w:r {W}><w:t xml:space="preserve">{_escape(text)}</w:t></w:r>')


def _field_runs(instruction: str, result: str) -> list[etree._Element]:
    return [
        parse_xml(f'<w:r {W}><w:fldChar w:fldCharType="begin"/></w:r>'),
        parse_xml(f'<w:r {W}><w:instrText xml:space="preserve">{_escape(instruction)}</w:instrText></w:r>'),
        parse_xml(f'<w:r {W}><w:fldChar w:fldCharType="separate"/></w:r>'),
        _run(result),
        parse_xml(f'<w:r {W}><w:fldChar w:fldCharType="end"/></w:r>'),
    ]


def _append_raw_paragraphs(body, textbox, tracked_insert, tracked_delete, field_code, content_control, hyphenated):
    sect_pr = body[-1]
    snippets = []
    if textbox is not None:
        snippets.append(textbox_paragraph(textbox))
    if tracked_insert is not None or tracked_delete is not None:
        snippets.append(tracked_change_paragraph(tracked_insert, tracked_delete))
    if field_code is not None:
        snippets.append(field_paragraph(*field_code))
    if content_control is not None:
        snippets.append(content_control_block(content_control))
    if hyphenated:
        snippets.append(hyphen_paragraph())
    for snippet in snippets:
        sect_pr.addprevious(parse_xml(snippet))


def textbox_paragraph(text: str) -> str:
    """A paragraph with a text box as Word 2010+ saves it: DrawingML choice plus VML fallback."""
    inner = f'<w:txbxContent><w:p><w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:p></w:txbxContent>'
    return f"""<w:p {TEXTBOX_NAMESPACES}><w:r><w:t xml:space="preserve">Sơ đồ tổ chức thực hiện: </w:t></w:r><w:r>
<mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>
<wp:anchor distT="0" distB="0" distL="114300" distR="114300" simplePos="0" relativeHeight="251659264"
 behindDoc="0" locked="0" layoutInCell="1" allowOverlap="1">
<wp:simplePos x="0" y="0"/><wp:positionH relativeFrom="column"><wp:posOffset>0</wp:posOffset></wp:positionH>
<wp:positionV relativeFrom="paragraph"><wp:posOffset>0</wp:posOffset></wp:positionV>
<wp:extent cx="2743200" cy="457200"/><wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapSquare wrapText="bothSides"/>
<wp:docPr id="7" name="Text Box 7"/><wp:cNvGraphicFramePr/>
<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
<wps:wsp><wps:cNvSpPr txBox="1"/><wps:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="2743200" cy="457200"/></a:xfrm>
<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></wps:spPr><wps:txbx>{inner}</wps:txbx><wps:bodyPr/></wps:wsp>
</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>
<mc:Fallback><w:pict><v:shape id="Text Box 7" o:spid="_x0000_s1026" type="#_x0000_t202"
 style="position:absolute;width:216pt;height:36pt"><v:textbox>{inner}</v:textbox></v:shape></w:pict></mc:Fallback>
</mc:AlternateContent></w:r><w:r><w:t xml:space="preserve"> (xem hình).</w:t></w:r></w:p>"""


def tracked_change_paragraph(inserted: str | None, deleted: str | None) -> str:
    revision = 'w:author="Nguyễn Văn An" w:date="2024-03-01T08:00:00Z"'
    parts = [f'<w:p {W}><w:r><w:t xml:space="preserve">Thời hạn lưu hồ sơ: </w:t></w:r>']
    if deleted is not None:
        parts.append(f'<w:del w:id="11" {revision}><w:r><w:delText xml:space="preserve">{_escape(deleted)}</w:delText></w:r></w:del>')
    if inserted is not None:
        parts.append(f'<w:ins w:id="12" {revision}><w:r><w:t xml:space="preserve">{_escape(inserted)}</w:t></w:r></w:ins>')
    parts.append('<w:r><w:t xml:space="preserve"> kể từ ngày kết thúc.</w:t></w:r></w:p>')
    return "".join(parts)


def field_paragraph(instruction: str, result: str) -> str:
    runs = "".join(etree.tostring(run, encoding="unicode") for run in _field_runs(instruction, result))
    return f'<w:p {W}><w:r><w:t xml:space="preserve">Chi tiết xem </w:t></w:r>{runs}</w:p>'


def content_control_block(text: str) -> str:
    return (
        f'<w:sdt {W}><w:sdtPr><w:alias w:val="Đơn vị thực hiện"/><w:tag w:val="agency"/><w:id w:val="501"/></w:sdtPr>'
        f'<w:sdtContent><w:p><w:r><w:t xml:space="preserve">{_escape(text)}</w:t></w:r></w:p></w:sdtContent></w:sdt>'
    )


def hyphen_paragraph() -> str:
    """"Mẫu BM‑02/QT‑01 gửi qua email" with no-break hyphens and a soft hyphen inside "email"."""
    return (
        f'<w:p {W}><w:r><w:t xml:space="preserve">Mẫu BM</w:t><w:noBreakHyphen/><w:t>02/QT</w:t>'
        '<w:noBreakHyphen/><w:t xml:space="preserve">01 gửi qua e</w:t><w:softHyphen/><w:t>mail</w:t>'
        '<w:tab/><w:t>trong</w:t><w:br/><w:t>ngày.</w:t></w:r></w:p>'
    )


def _add_note_references(document, footnotes: list[str], endnotes: list[str]) -> None:
    paragraph = document.add_paragraph("Ghi chú về căn cứ pháp lý")
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        for number in range(1, len(notes) + 1):
            paragraph._p.append(
                parse_xml(
                    f'<w:r {W}><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                    f'<w:{kind}Reference w:id="{number}"/></w:r>'
                )
            )


def _notes_part(kind: str, notes: list[str]) -> bytes:
    separators = (
        f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
        f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:{kind}>'
    )
    bodies = "".join(
        f'<w:{kind} w:id="{number}"><w:p><w:r><w:{kind}Ref/></w:r>'
        f'<w:r><w:t xml:space="preserve"> {_escape(text)}</w:t></w:r></w:p></w:{kind}>'
        for number, text in enumerate(notes, start=1)
    )
    return _xml_declaration(f"<w:{kind}s {W}>{separators}{bodies}</w:{kind}s>")


def _add_notes_parts(data: bytes, footnotes: list[str], endnotes: list[str]) -> bytes:
    parts = read_parts(data)
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    types = etree.fromstring(parts["[Content_Types].xml"])
    new_parts: dict[str, bytes] = {}
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        if not notes:
            continue
        name = f"{kind}s.xml"
        new_parts[f"word/{name}"] = _notes_part(kind, notes)
        etree.SubElement(rels, f"{{{rels.nsmap[None]}}}Relationship", Id=f"rIdNotes{kind}",
                         Type=f"{REL_BASE}/{kind}s", Target=name)
        etree.SubElement(types, f"{{{types.nsmap[None]}}}Override", PartName=f"/word/{name}",
                         ContentType=f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml")
    new_parts["word/_rels/document.xml.rels"] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8")
    new_parts["[Content_Types].xml"] = etree.tostring(types, xml_declaration=True, encoding="UTF-8")
    return replace_parts(data, new_parts)


# --- post-processing of the saved package --------------------------------------------------

def read_parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def replace_parts(data: bytes, replacements: dict[str, bytes | None]) -> bytes:
    """The package with parts replaced or added; a None value removes the part."""
    parts = read_parts(data)
    for name, content in replacements.items():
        if content is None:
            parts.pop(name, None)
        else:
            parts[name] = content
    return make_zip(parts)


def transform_text_parts(data: bytes, transform: Callable[[etree._Element], None]) -> bytes:
    """Apply an in-place lxml transform to every part that holds document text."""
    parts = read_parts(data)
    changed = {}
    for name, content in parts.items():
        if name.startswith(TEXT_PARTS) and name.endswith(".xml"):
            root = etree.fromstring(content)
            transform(root)
            changed[name] = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return replace_parts(data, changed)


def _decompose(root: etree._Element) -> None:
    for element in root.iter(f"{{{W_NS}}}t"):
        if element.text:
            element.text = unicodedata.normalize("NFD", element.text)


def _split_runs(root: etree._Element, size: int = 3) -> None:
    """Cut every run into runs of a few characters, as Word does after edits and spell checks."""
    run_tag, text_tag = f"{{{W_NS}}}r", f"{{{W_NS}}}t"
    for run in list(root.iter(run_tag)):
        texts = run.findall(text_tag)
        if len(texts) != 1 or not texts[0].text or len(texts[0].text) <= size:
            continue
        text = texts[0].text
        texts[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        anchor = run
        for start in range(size, len(text), size):
            piece = etree.fromstring(etree.tostring(run))
            piece.find(text_tag).text = text[start:start + size]
            anchor.addnext(piece)
            anchor = piece
        texts[0].text = text[:size]


_RUN_PROPERTIES = (
    '<w:rPr {W}><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman"/>'
    '<w:sz w:val="26"/><w:szCs w:val="26"/><w:lang w:val="vi-VN"/></w:rPr>'
).format(W=W)
_PARAGRAPH_PROPERTIES = (
    '<w:pPr {W}><w:spacing w:before="60" w:after="60" w:line="288" w:lineRule="auto"/>'
    '<w:ind w:firstLine="567"/><w:jc w:val="both"/>'
    '<w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman"/><w:sz w:val="26"/></w:rPr></w:pPr>'
).format(W=W)


def _add_word_markup(root: etree._Element, words_per_run: int = 6) -> None:
    """Make the XML look like Word's own: revision ids, direct formatting on every run,
    runs split at edit points and spell-check marks. Text is unchanged."""
    w = f"{{{W_NS}}}"
    for number, paragraph in enumerate(root.iter(f"{w}p")):
        rsid = f"00{number * 7919 % 0xFFFFFF:06X}"
        paragraph.set(f"{w}rsidR", rsid)
        paragraph.set(f"{w}rsidRDefault", rsid)
        paragraph.set(f"{w}rsidP", rsid)
        if paragraph.find(f"{w}pPr") is None:
            paragraph.insert(0, etree.fromstring(_PARAGRAPH_PROPERTIES))
    for number, run in enumerate(list(root.iter(f"{w}r"))):
        texts = run.findall(f"{w}t")
        if run.find(f"{w}rPr") is None:
            run.insert(0, etree.fromstring(_RUN_PROPERTIES))
        run.set(f"{w}rsidRPr", f"00{number * 104729 % 0xFFFFFF:06X}")
        if len(texts) != 1 or not texts[0].text:
            continue
        words = texts[0].text.split(" ")
        chunks = [" ".join(words[start:start + words_per_run]) for start in range(0, len(words), words_per_run)]
        texts[0].text = chunks[0] + (" " if len(chunks) > 1 else "")
        texts[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        anchor = run
        for index, chunk in enumerate(chunks[1:], start=1):
            piece = etree.fromstring(etree.tostring(run))
            piece.find(f"{w}t").text = chunk + (" " if index < len(chunks) - 1 else "")
            if index % 3 == 1:
                anchor.addnext(etree.fromstring(f'<w:proofErr {W} w:type="spellStart"/>'))
                anchor = anchor.getnext()
            anchor.addnext(piece)
            anchor = piece


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _xml_declaration(xml: str) -> bytes:
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + xml.encode("utf-8")


# --- hostile and broken files ----------------------------------------------------------------

def make_zip(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def make_macro_docx() -> bytes:
    """A .docm: macro-enabled main content type and a VBA project part."""
    data = make_docx()
    types = read_parts(data)["[Content_Types].xml"].replace(DOCX_MAIN.encode(), DOCM_MAIN.encode())
    return replace_parts(data, {"[Content_Types].xml": types, "word/vbaProject.bin": OLE_MAGIC + b"\0" * 504})


def make_xlsx_like() -> bytes:
    """A spreadsheet package: a valid zip with content types, but no Word main part."""
    sheet_main = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{sheet_main}"/></Types>'
    )
    workbook = '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets/></workbook>'
    return make_zip({"[Content_Types].xml": _xml_declaration(types), "xl/workbook.xml": _xml_declaration(workbook)})


def make_ole_bytes() -> bytes:
    """The start of a compound file: a legacy .doc or a password-protected .docx."""
    return OLE_MAGIC + b"\x00" * 24 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00" + b"\x00" * 480


def make_truncated_docx() -> bytes:
    data = make_docx()
    return data[: len(data) // 2]


def make_billion_laughs_docx(levels: int = 10) -> bytes:
    """document.xml with a classic entity-expansion DTD (10^levels 'lol's if expanded)."""
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, levels)
    ]
    document = (
        f'<?xml version="1.0"?>\n<!DOCTYPE w:document [{"".join(entities)}]>\n'
        f'<w:document {W}><w:body><w:p><w:r><w:t>&lol{levels - 1};</w:t></w:r></w:p></w:body></w:document>'
    )
    return replace_parts(make_docx(), {"word/document.xml": document.encode()})


def make_zip_bomb(total_bytes: int = 1 << 30, *, member_bytes: int = 1 << 20) -> bytes:
    """A docx-shaped zip whose members of zeros inflate to `total_bytes` in all."""
    members = [(f"word/media/zeros{n}.bin", member_bytes) for n in range(total_bytes // member_bytes)]
    return _docx_shaped_precompressed_zip(members)


def make_high_ratio_docx(member_bytes: int = 64 << 20) -> bytes:
    """One member of zeros, compressed about a thousandfold: caught by the ratio rule."""
    return _docx_shaped_precompressed_zip([("word/media/image1.png", member_bytes)])


def make_lying_size_docx(real_bytes: int = 64 << 20, declared_bytes: int = 1000) -> bytes:
    """A member whose directory entry claims a tiny size but whose data inflates far beyond it."""
    return _docx_shaped_precompressed_zip([("word/media/image1.png", real_bytes)], declared_size=declared_bytes)


def make_many_members_docx(count: int = 3000) -> bytes:
    parts = read_parts(make_docx())
    parts.update({f"customXml/item{n}.xml": b"<a/>" for n in range(count)})
    return make_zip(parts)


def _docx_shaped_precompressed_zip(members: Iterable[tuple[str, int]], *, declared_size: int | None = None) -> bytes:
    """A real docx plus members of zeros, written by hand from one reused deflate block.

    Compressing a gigabyte for every test run would take seconds; a full-flushed deflate
    block of zeros is position-independent, so repeating it builds any size instantly.
    """
    entries = [(name, content, zipfile.ZIP_DEFLATED, zlib.crc32(content), len(content), _deflate(content))
               for name, content in read_parts(make_docx()).items()]
    for name, size in members:
        compressed, crc = _zeros_stream(size)
        entries.append((name, b"", zipfile.ZIP_DEFLATED, crc, declared_size or size, compressed))
    return _raw_zip(entries)


_BLOCK = 1 << 20


@functools.lru_cache(maxsize=8)
def _zeros_stream(size: int) -> tuple[bytes, int]:
    """Raw deflate data and CRC-32 of `size` zero bytes (a whole number of MiB)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = b"\0" * _BLOCK
    first = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    steady = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    blocks = size // _BLOCK
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(block, crc)
    return first + steady * (blocks - 1) + compressor.flush(), crc


def _deflate(content: bytes) -> bytes:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(content) + compressor.flush()


def _raw_zip(entries: list[tuple[str, bytes, int, int, int, bytes]]) -> bytes:
    """Local headers, data and central directory, with sizes exactly as given (even lies)."""
    out = io.BytesIO()
    directory = []
    for name, _content, method, crc, size, compressed in entries:
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, method, 0, 0x21, crc, len(compressed), size,
                              len(encoded), 0))
        out.write(encoded)
        out.write(compressed)
        directory.append(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, method, 0, 0x21, crc, len(compressed), size,
                        len(encoded), 0, 0, 0, 0, 0, offset) + encoded
        )
    start = out.tell()
    for record in directory:
        out.write(record)
    end = out.tell()
    out.write(struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, len(directory), len(directory), end - start, start, 0))
    return out.getvalue()


# --- packages written part by part (numbering, styles, legacy fonts) ---------------------------

REL_TYPES = {
    "numbering": f"{REL_BASE}/numbering",
    "styles": f"{REL_BASE}/styles",
    "theme": f"{REL_BASE}/theme",
}


def make_raw_docx(body: str, *, numbering: str | None = None, styles: str | None = None,
                  theme: str | None = None) -> bytes:
    """A minimal package around raw WordprocessingML: `body` goes inside w:body, the optional
    parts inside their root elements (w:numbering, w:styles) or whole (the theme)."""
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/word/document.xml" ContentType="{DOCX_MAIN}"/></Types>'
    )
    package_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{REL_BASE}/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    parts = {
        "numbering": f"<w:numbering {W}>{numbering}</w:numbering>" if numbering is not None else None,
        "styles": f"<w:styles {W}>{styles}</w:styles>" if styles is not None else None,
        "theme": theme,
    }
    relationships = "".join(
        f'<Relationship Id="rId{index}" Type="{REL_TYPES[kind]}" Target="{kind if kind != "theme" else "theme/theme1"}.xml"/>'
        for index, (kind, xml) in enumerate(parts.items(), start=2) if xml is not None
    )
    members = {
        "[Content_Types].xml": _xml_declaration(content_types),
        "_rels/.rels": _xml_declaration(package_rels),
        "word/document.xml": _xml_declaration(f"<w:document {W}><w:body>{body}</w:body></w:document>"),
        "word/_rels/document.xml.rels": _xml_declaration(
            f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{relationships}'
            "</Relationships>"),
    }
    for kind, xml in parts.items():
        if xml is not None:
            members["word/theme/theme1.xml" if kind == "theme" else f"word/{kind}.xml"] = _xml_declaration(xml)
    return make_zip(members)


def numbered_paragraph(text: str, num_id: int | None = None, level: int = 0, *, style: str | None = None) -> str:
    properties = f'<w:pStyle w:val="{style}"/>' if style else ""
    if num_id is not None:
        properties += f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="{num_id}"/></w:numPr>'
    return f"<w:p><w:pPr>{properties}</w:pPr><w:r><w:t>{_escape(text)}</w:t></w:r></w:p>"


def font_run(text: str, font: str | None = None) -> str:
    fonts = f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}"/></w:rPr>' if font else ""
    return f'<w:r>{fonts}<w:t xml:space="preserve">{_escape(text)}</w:t></w:r>'


# --- OLE compound files (legacy .doc, password-protected .docx) --------------------------------

_SECTOR = 512
_FREE, _END, _FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def make_compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal but valid OLE compound file (version 3) holding the given top-level streams.

    Enough for telling a Word 97 document (a `WordDocument` stream) from an encrypted
    package (`EncryptionInfo` and `EncryptedPackage`); each stream is padded past the
    4096-byte mini-stream cutoff so only regular sectors are needed.
    """
    names = list(streams)
    assert len(names) <= 3, "one directory sector holds the root and three streams"
    contents = [streams[name].ljust(4096, b"\0") for name in names]
    fat: list[int] = [_FAT_SECTOR, _END]
    starts = []
    for content in contents:
        count = -(-len(content) // _SECTOR)
        starts.append(len(fat))
        fat += [len(fat) + offset + 1 for offset in range(count - 1)] + [_END]
    assert len(fat) <= _SECTOR // 4
    fat += [_FREE] * (_SECTOR // 4 - len(fat))
    header = (OLE_MAGIC + b"\0" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
              + struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108)
    entries = [_directory_entry("Root Entry", 5, child=1 if names else _FREE, start=_END, size=0)]
    for index, (name, content) in enumerate(zip(names, contents), start=1):
        right = index + 1 if index < len(names) else _FREE
        entries.append(_directory_entry(name, 2, right=right, start=starts[index - 1], size=len(content)))
    directory = b"".join(entries).ljust(_SECTOR, b"\0")
    return header + struct.pack(f"<{_SECTOR // 4}I", *fat) + directory + b"".join(
        content.ljust(-(-len(content) // _SECTOR) * _SECTOR, b"\0") for content in contents)


def _directory_entry(name: str, kind: int, *, right: int = _FREE, child: int = _FREE, start: int, size: int) -> bytes:
    encoded = name.encode("utf-16-le")
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB", len(encoded) + 2, kind, 1)
            + struct.pack("<III", _FREE, right, child) + b"\0" * 16 + b"\0" * 4 + b"\0" * 16
            + struct.pack("<III", start, size, 0))


def make_word97_shaped_ole() -> bytes:
    """An OLE file with the streams of a Word 97 document (not a document LibreOffice can open)."""
    return make_compound_file({"WordDocument": b"\xec\xa5" + b"\0" * 30, "1Table": b"\0" * 16})


def make_encrypted_docx_ole() -> bytes:
    """The shape of a password-protected .docx: an OLE container with the encryption streams."""
    return make_compound_file({"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\0" * 64})
