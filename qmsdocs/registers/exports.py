"""The master lists as files for the auditor: .xlsx, and .docx in the administrative layout
(agency header and national motto, title, "cập nhật đến ngày", table, signature lines), like the
annual report. Both are written from the same `MasterList` the page and the API show.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from qmsdocs.clock import local_today
from qmsdocs.registers.lists import MasterList
from qmsdocs.reports.exports import FONT, MOTTO, MOTTO_2, issuer_name
from qmsdocs.reports.exports import _no_borders as no_borders
from qmsdocs.reports.exports import _paragraph as paragraph
from qmsdocs.reports.exports import _run as run
from qmsdocs.reports.exports import _sheet as sheet

TITLES = {
    "internal": "DANH MỤC TÀI LIỆU NỘI BỘ",
    "external": "DANH MỤC TÀI LIỆU CÓ NGUỒN GỐC BÊN NGOÀI",
}
INTERNAL_HEADER = ["STT", "Mã hiệu", "Tên tài liệu", "Lần ban hành", "Ngày ban hành", "Ngày hiệu lực",
                   "Tình trạng", "Người phê duyệt", "Số biểu mẫu"]
EXTERNAL_HEADER = ["STT", "Số, ký hiệu", "Loại văn bản", "Trích yếu", "Cơ quan ban hành", "Ngày ban hành",
                   "Tình trạng hiệu lực", "Ngày kiểm tra", "Quy trình viện dẫn"]


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _province_wide(master: MasterList) -> bool:
    return master.agency is None


def _rows(master: MasterList) -> tuple[list[str], list[list]]:
    wide = _province_wide(master)
    if master.kind == "internal":
        header = INTERNAL_HEADER[:1] + (["Cơ quan"] if wide else []) + INTERNAL_HEADER[1:]
        rows = []
        for number, e in enumerate(master.entries, start=1):
            status = e.status_label + (f" ({_day(e.retired_on)})" if e.retired_on else "")
            rows.append([number, *([e.agency_name] if wide else []), e.code, e.title, e.revision or "",
                         _day(e.issued_on), _day(e.effective_on), status, e.approver or "", e.forms])
        return header, rows
    rows = []
    for number, e in enumerate(master.entries, start=1):
        citing = ", ".join(f"{c.code} ({c.agency})" if wide else c.code for c in e.cited_by)
        rows.append([number, e.symbol, e.doc_type or "", e.title or "", e.issuer or "", _day(e.issued_on),
                     e.status_label, _day(e.checked_on), citing])
    return EXTERNAL_HEADER, rows


def file_stem(master: MasterList) -> str:
    kind = "danh-muc-tai-lieu-noi-bo" if master.kind == "internal" else "danh-muc-tai-lieu-ben-ngoai"
    return f"{kind}-{master.agency.code if master.agency else 'toan-tinh'}"


def master_list_xlsx(master: MasterList, *, today: date | None = None) -> bytes:
    today = today or local_today()
    header, rows = _rows(master)
    workbook = Workbook()
    workbook.remove(workbook.active)
    widths = {"internal": [6, 16, 50, 10, 13, 13, 18, 24, 10], "external": [6, 22, 14, 60, 30, 13, 26, 13, 40]}
    column_widths = list(widths[master.kind])
    if len(header) > len(column_widths):
        column_widths.insert(1, 36)
    ws = sheet(workbook, "Danh mục", header, rows, column_widths)
    ws.insert_rows(1, 2)
    ws["A1"] = f"{TITLES[master.kind]} — {_owner(master)}"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = f"Cập nhật đến ngày {_day(today)}"
    ws.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _owner(master: MasterList) -> str:
    return master.agency.name if master.agency else issuer_name()


def master_list_docx(master: MasterList, *, today: date | None = None) -> bytes:
    today = today or local_today()
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(2.5), Cm(1.5)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)

    _header(document, master, today)
    paragraph(document)
    paragraph(document, TITLES[master.kind], bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(document, f"(Cập nhật đến ngày {_day(today)})", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    header, rows = _rows(master)
    if master.kind == "internal":
        widths = [1.2, 2.6, 7.5, 1.8, 2.3, 2.3, 2.8, 3.2, 1.8]
    else:
        widths = [1.2, 3.2, 2.2, 7.0, 3.5, 2.3, 3.0, 2.3, 3.3]
    if len(header) > len(widths):
        widths.insert(1, 3.5)
        widths[3] -= 2.0
    if rows:
        _table(document, header, rows, widths)
    else:
        paragraph(document, "Chưa có tài liệu nào trong danh mục.", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    signature = document.add_table(rows=1, cols=2)
    no_borders(signature)
    left, right = signature.rows[0].cells
    for cell, role in ((left, "NGƯỜI LẬP"), (right, "THỦ TRƯỞNG CƠ QUAN" if master.agency else "LÃNH ĐẠO PHÊ DUYỆT")):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(cell.paragraphs[0], role, bold=True)
        paragraph(cell, "(Ký, ghi rõ họ tên)", italic=True, size=12, align=WD_ALIGN_PARAGRAPH.CENTER)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table(document, header: list[str], rows: list[list], widths: list[float]) -> None:
    """A bordered table whose header row repeats on every page.

    The rows are written as one piece of XML: python-docx builds a cell in about a millisecond, which
    for the province's thousands of rows would take tens of seconds.
    """
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    twips = [int(Cm(width).twips) for width in widths]
    head = table.rows[0]
    head._tr.get_or_add_trPr().append(parse_xml(f'<w:tblHeader {nsdecls("w")}/>'))
    for cell, text, width in zip(head.cells, header, widths):
        cell.width = Cm(width)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        run(cell.paragraphs[0], text, bold=True, size=12)
    body = "".join("<w:tr>" + "".join(_cell_xml(value, width, centered=column == 0 or isinstance(value, int))
                                      for column, (value, width) in enumerate(zip(values, twips))) + "</w:tr>"
                   for values in rows)
    for row in parse_xml(f'<w:tbl {nsdecls("w")}>{body}</w:tbl>'):
        table._tbl.append(row)
    document.add_paragraph()


def _cell_xml(value, width: int, *, centered: bool) -> str:
    text = escape(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    align = '<w:jc w:val="center"/>' if centered else ""
    return (f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:pPr>{align}</w:pPr>'
            f'<w:r><w:rPr><w:sz w:val="24"/></w:rPr><w:t xml:space="preserve">{text}</w:t></w:r></w:p></w:tc>')


def _header(document, master: MasterList, today: date) -> None:
    """Left: the governing body above the agency, then the agency in bold; right: the national motto."""
    grid = document.add_table(rows=1, cols=2)
    no_borders(grid)
    left, right = grid.rows[0].cells
    left.width, right.width = Cm(10), Cm(15)
    for cell in (left, right):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    agency = master.agency
    if agency is not None:
        governing = agency.parent.name if agency.parent is not None else issuer_name()
        run(left.paragraphs[0], governing.upper(), size=13)
        paragraph(left, agency.name.upper(), bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    else:
        run(left.paragraphs[0], issuer_name().upper(), bold=True, size=13)
    paragraph(left, "_______", align=WD_ALIGN_PARAGRAPH.CENTER)
    run(right.paragraphs[0], MOTTO, bold=True, size=13)
    motto = paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    run(motto, MOTTO_2, bold=True, size=14, underline=True)
    paragraph(right, f"……, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}", italic=True,
              align=WD_ALIGN_PARAGRAPH.CENTER)
