"""The annual report as .docx (laid out like an official Vietnamese report) and .xlsx, and coverage CSV/XLSX.

Every number comes from `assessment_summary` / `coverage_summary`, the same dictionaries the
API returns, so the files and the API cannot disagree.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from sqlalchemy import select

from qmsdocs.agencies.models import LEVEL_LABELS, LEVELS, Agency
from qmsdocs.agencies.kinds import KINDS, UNIT_TYPES
from qmsdocs.agencies.service_name import service_name_on
from qmsdocs.clock import local_today
from qmsdocs.db import session
from qmsdocs.reports.models import CLASSIFICATION_LABELS
from qmsdocs.reports.services import CLASS_KEYS, COVERAGE_COLUMNS, assessment_rows, coverage_rows

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
FONT = "Times New Roman"


def issuer_name(year: int | None = None) -> str:
    """The service's name in force at the end of the year, else the provincial People's Committee (the tree's root)."""
    named = service_name_on(date(year, 12, 31)) if year else None
    if named is not None:
        return named.name
    root = session.scalar(select(Agency).where(Agency.kind == "provincial_committee").order_by(Agency.id).limit(1))
    if root is None:
        root = session.scalar(select(Agency).where(Agency.parent_id.is_(None), Agency.level == "province")
                              .order_by(Agency.id).limit(1))
    return root.name if root else "Ủy ban nhân dân tỉnh"


def _province(issuer: str) -> str:
    match = re.search(r"(tỉnh|thành phố)\s+(.+)$", issuer, flags=re.IGNORECASE)
    return match.group(2).strip() if match else ""


def _pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


# --- .docx -----------------------------------------------------------------------------------


def _run(paragraph, text: str, *, bold=False, italic=False, size=13, underline=False):
    run = paragraph.add_run(ILLEGAL_CHARACTERS_RE.sub("", text))  # control characters are not XML
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    return run


def _paragraph(document_or_cell, text: str = "", *, bold=False, italic=False, size=13,
               align=WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True):
    paragraph = document_or_cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(3)
    if indent and align == WD_ALIGN_PARAGRAPH.JUSTIFY:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if text:
        _run(paragraph, text, bold=bold, italic=italic, size=size)
    return paragraph


def _no_borders(table) -> None:
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    table._tbl.tblPr.append(borders)


def _national_header(document, issuer: str, year: int, today: date) -> None:
    table = document.add_table(rows=1, cols=2)
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Cm(6.5), Cm(9.5)
    for cell in (left, right):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    upper = issuer.upper()
    if upper.startswith("ỦY BAN NHÂN DÂN ") and len(upper) > 16:
        _run(left.paragraphs[0], "ỦY BAN NHÂN DÂN", bold=True, size=13)
        _paragraph(left, upper[16:], bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    else:
        _run(left.paragraphs[0], upper, bold=True, size=13)
    _paragraph(left, "Số:       /BC-UBND", size=13, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(right.paragraphs[0], MOTTO, bold=True, size=13)
    motto = _paragraph(right, align=WD_ALIGN_PARAGRAPH.CENTER)
    _run(motto, MOTTO_2, bold=True, size=14, underline=True)
    place = _province(issuer) or "……"
    _paragraph(right, f"{place}, ngày {today.day:02d} tháng {today.month:02d} năm {today.year}", italic=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)


def _table(document, header: list[str], rows: list[list], *, widths: list[float] | None = None, total_row=False):
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header):
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(cell.paragraphs[0], text, bold=True, size=12)
    for index, values in enumerate(rows):
        cells = table.add_row().cells
        last = total_row and index == len(rows) - 1
        for column, (cell, value) in enumerate(zip(cells, values)):
            numeric = isinstance(value, (int, float)) or (isinstance(value, str) and value.endswith("%"))
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER if numeric or column == 0 \
                else WD_ALIGN_PARAGRAPH.LEFT
            _run(cell.paragraphs[0], str(value), bold=last, size=12)
    if widths:
        for row in table.rows:
            for cell, width in zip(row.cells, widths):
                cell.width = Cm(width)
    document.add_paragraph()
    return table


def assessment_docx(summary: dict, *, today: date | None = None) -> bytes:
    """The yearly report: national motto header, title, numbered sections and tables."""
    today = today or local_today()
    year = summary["year"]
    issuer = issuer_name(year)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21)
    section.top_margin, section.bottom_margin = Cm(2), Cm(2)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)

    _national_header(document, issuer, year, today)
    _paragraph(document)
    _paragraph(document, "BÁO CÁO", bold=True, size=14, align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Kết quả xây dựng, áp dụng và phân loại hiệu quả áp dụng Hệ thống quản lý chất lượng "
               f"theo Tiêu chuẩn quốc gia TCVN ISO 9001:2015 năm {year}", bold=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "____________", align=WD_ALIGN_PARAGRAPH.CENTER)
    _paragraph(document, "Thực hiện Quyết định số 19/2014/QĐ-TTg ngày 05/3/2014 của Thủ tướng Chính phủ về việc áp "
               "dụng Hệ thống quản lý chất lượng theo Tiêu chuẩn quốc gia TCVN ISO 9001 vào hoạt động của các cơ "
               f"quan, tổ chức thuộc hệ thống hành chính nhà nước, {issuer} báo cáo kết quả năm {year} như sau:")

    total = summary["total"]
    completion = summary["completion"]
    levels = summary["levels"]
    _paragraph(document, "I. TÌNH HÌNH XÂY DỰNG, ÁP DỤNG HỆ THỐNG QUẢN LÝ CHẤT LƯỢNG", bold=True, indent=False)
    _paragraph(document, f"Năm {year}, toàn tỉnh có {total} cơ quan hành chính và đơn vị thuộc diện xây dựng, áp "
               f"dụng Hệ thống quản lý chất lượng; {completion['built']}/{total} cơ quan, đơn vị đã xây dựng "
               f"({_pct(completion['built_rate'])}), {completion['applied']}/{total} đã áp dụng "
               f"({_pct(completion['applied_rate'])}), cụ thể:")
    for number, level in enumerate(LEVELS, start=1):
        info = levels[level]
        kinds = ", ".join(f"{count} {KINDS[kind].lower()}" for kind, count in info["by_kind"].items())
        line = (f"{number}. {info['label']}: {info['applied']}/{info['total']} cơ quan, đơn vị đã áp dụng, đạt tỷ lệ "
                f"{_pct(info['applied_rate'])}")
        if kinds:
            line += f" (gồm {kinds})"
        if info["by_unit_type"]:
            line += "; trong đó " + ", ".join(f"{count} {UNIT_TYPES[unit].lower()}"
                                              for unit, count in info["by_unit_type"].items())
        _paragraph(document, line + ".")
    _paragraph(document, f"Bảng 1. Số cơ quan, đơn vị xây dựng và áp dụng HTQLCL năm {year}", italic=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    rows = [[i, levels[level]["label"], levels[level]["total"], levels[level]["built"], levels[level]["applied"],
             _pct(levels[level]["applied_rate"])] for i, level in enumerate(LEVELS, start=1)]
    rows.append(["", "Tổng cộng", total, completion["built"], completion["applied"],
                 _pct(completion["applied_rate"])])
    _table(document, ["STT", "Cấp", "Số cơ quan, đơn vị", "Đã xây dựng", "Đã áp dụng", "Tỷ lệ áp dụng"], rows,
           widths=[1.2, 4.5, 3, 2.5, 2.5, 2.5], total_row=True)
    if summary.get("reorganized"):
        _paragraph(document, f"Trong năm {year} có sắp xếp tổ chức; số liệu trên theo cơ cấu cuối năm. Các lần sắp xếp:")
        for change in summary["reorganized"]:
            before = ", ".join(item["name"] for item in change["before"])
            after = ", ".join(item["name"] for item in change["after"])
            day = date.fromisoformat(change["effective_on"]).strftime("%d/%m/%Y")
            _paragraph(document, f"- Từ ngày {day}, {change['action_label'].lower()}: {before}"
                                 + (f" → {after}" if after and after != before else "") + ".")

    _paragraph(document, "II. KẾT QUẢ PHÂN LOẠI HIỆU QUẢ ÁP DỤNG", bold=True, indent=False)
    by_class, class_shares = summary["by_class"], summary["shares"]
    parts = [f"{CLASSIFICATION_LABELS[key]}: {by_class[key]}/{total} cơ quan, đơn vị ({_pct(class_shares[key])})"
             for key in ("good", "satisfactory", "unsatisfactory")]
    if by_class["unassessed"]:
        parts.append(f"chưa đánh giá: {by_class['unassessed']}/{total} ({_pct(class_shares['unassessed'])})")
    text = "Kết quả phân loại năm " + str(year) + ": " + "; ".join(parts) + "."
    if not by_class["unsatisfactory"]:
        text += " Không có cơ quan, đơn vị nào không đạt yêu cầu."
    _paragraph(document, text)
    _paragraph(document, f"Bảng 2. Kết quả phân loại theo cấp năm {year}", italic=True,
               align=WD_ALIGN_PARAGRAPH.CENTER)
    header = ["STT", "Cấp", "Tổng số", "Tốt", "Đạt yêu cầu", "Không đạt yêu cầu", "Chưa đánh giá"]
    rows = [[i, levels[level]["label"], levels[level]["total"],
             *[levels[level]["by_class"][key] for key in CLASS_KEYS]] for i, level in enumerate(LEVELS, start=1)]
    rows.append(["", "Tổng cộng", total, *[by_class[key] for key in CLASS_KEYS]])
    rows.append(["", "Tỷ lệ", "100,0%", *[_pct(class_shares[key]) for key in CLASS_KEYS]])
    _table(document, header, rows, widths=[1.2, 3.5, 2, 2, 2.5, 2.5, 2.5], total_row=True)

    _paragraph(document, "III. DANH SÁCH CƠ QUAN, ĐƠN VỊ VÀ KẾT QUẢ", bold=True, indent=False)
    detail = [[i, row["name"], LEVEL_LABELS.get(row["level"], row["level"]),
               "x" if row["qms_built"] else "", "x" if row["qms_applied"] else "",
               CLASSIFICATION_LABELS[row["classification"]]]
              for i, row in enumerate(assessment_rows(year), start=1)]
    _table(document, ["STT", "Cơ quan, đơn vị", "Cấp", "Xây dựng", "Áp dụng", "Xếp loại"], detail,
           widths=[1.2, 7, 2.3, 1.8, 1.8, 2.9])

    _paragraph(document, "IV. ĐÁNH GIÁ CHUNG", bold=True, indent=False)
    _paragraph(document, "Số liệu trong báo cáo được tổng hợp tự động từ kết quả đánh giá của từng cơ quan, đơn vị; "
               "tỷ lệ phần trăm tính trên tổng số cơ quan, đơn vị thuộc diện đánh giá và được làm tròn đến một chữ "
               "số thập phân sao cho tổng các tỷ lệ bằng 100%.")
    _paragraph(document)
    signature = document.add_table(rows=1, cols=2)
    _no_borders(signature)
    left, right = signature.rows[0].cells
    _run(left.paragraphs[0], "Nơi nhận:", bold=True, italic=True, size=12)
    for line in ("- Bộ Khoa học và Công nghệ;", "- Lưu: VT."):
        _paragraph(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(right.paragraphs[0], "TM. ỦY BAN NHÂN DÂN", bold=True)
    _paragraph(right, "CHỦ TỊCH", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- .xlsx -----------------------------------------------------------------------------------


def _sheet(workbook, title: str, header: list[str], rows: list[list], widths: list[int] | None = None):
    sheet = workbook.create_sheet(title)
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    for row in rows:
        # Names typed through the API may hold control characters a worksheet cannot store.
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value for value in row])
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = width
    sheet.freeze_panes = "A2"
    return sheet


def assessment_xlsx(summary: dict) -> bytes:
    """Sheets: summary by level, classification with shares, and one row per agency."""
    year, total = summary["year"], summary["total"]
    workbook = Workbook()
    workbook.remove(workbook.active)
    levels = summary["levels"]
    rows = [[levels[l]["label"], levels[l]["total"], levels[l]["built"], levels[l]["applied"],
             levels[l]["applied_rate"], *[levels[l]["by_class"][k] for k in CLASS_KEYS]] for l in LEVELS]
    rows.append(["Tổng cộng", total, summary["completion"]["built"], summary["completion"]["applied"],
                 summary["completion"]["applied_rate"], *[summary["by_class"][k] for k in CLASS_KEYS]])
    sheet = _sheet(workbook, "Tổng hợp", ["Cấp", "Số cơ quan, đơn vị", "Đã xây dựng", "Đã áp dụng",
                                          "Tỷ lệ áp dụng (%)", "Tốt", "Đạt yêu cầu", "Không đạt yêu cầu",
                                          "Chưa đánh giá"], rows, [22, 18, 14, 14, 16, 10, 14, 18, 14])
    sheet.insert_rows(1)
    sheet["A1"] = f"Kết quả áp dụng HTQLCL theo TCVN ISO 9001:2015 năm {year} - {issuer_name(year)}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.freeze_panes = "A3"
    _sheet(workbook, "Xếp loại", ["Xếp loại", "Số cơ quan, đơn vị", "Tỷ lệ (%)"],
           [[CLASSIFICATION_LABELS[k], summary["by_class"][k], summary["shares"][k]] for k in CLASS_KEYS]
           + [["Tổng cộng", total, round(sum(summary["shares"].values()), 1)]], [22, 18, 12])
    _sheet(workbook, "Theo loại", ["Loại cơ quan, đơn vị", "Số lượng"],
           [[KINDS.get(kind, kind), count] for kind, count in summary["by_kind"].items()]
           + [[f"trong đó: {UNIT_TYPES[u]}", c] for u, c in summary["by_unit_type"].items()], [40, 12])
    _sheet(workbook, "Chi tiết", ["STT", "Mã cơ quan", "Cơ quan, đơn vị", "Cấp", "Loại", "Đã xây dựng",
                                  "Đã áp dụng", "Xếp loại", "Ghi chú"],
           [[i, r["agency"], r["name"], LEVEL_LABELS.get(r["level"], r["level"]), KINDS.get(r["kind"], r["kind"]),
             "x" if r["qms_built"] else "", "x" if r["qms_applied"] else "",
             CLASSIFICATION_LABELS[r["classification"]], r["notes"]]
            for i, r in enumerate(assessment_rows(year), start=1)], [6, 22, 48, 10, 30, 12, 12, 18, 30])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def assessment_template_xlsx(year: int) -> bytes:
    """An entry sheet for the year: every unit in scope with its current result, ready to fill and import."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, f"Đánh giá {year}", ["Mã cơ quan", "Cơ quan, đơn vị", "Năm", "Đã xây dựng", "Đã áp dụng",
                                           "Xếp loại", "Ghi chú"],
           [[r["agency"], r["name"], year, "x" if r["qms_built"] else "", "x" if r["qms_applied"] else "",
             "" if r["classification"] == "unassessed" else CLASSIFICATION_LABELS[r["classification"]], r["notes"]]
            for r in assessment_rows(year)], [22, 48, 8, 12, 12, 18, 30])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- coverage --------------------------------------------------------------------------------


def coverage_csv(agency_code: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COVERAGE_COLUMNS)
    writer.writerows(coverage_rows(agency_code))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def coverage_xlsx(summary: dict, agency_code: str | None = None) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    _sheet(workbook, "Theo cơ quan", ["Mã cơ quan", "Cơ quan", "Cấp", "TTHC áp dụng", "Đã có quy trình ISO",
                                      "Chưa có quy trình", "Tỷ lệ bao phủ (%)", "Số quy trình",
                                      "Quy trình chưa gắn TTHC"],
           [[a["agency"], a["name"], LEVEL_LABELS.get(a["level"], a["level"]), a["applicable"], a["covered"],
             a["gaps"], a["coverage_rate"], a["procedures"], a["procedures_without_tthc"]]
            for a in summary["agencies"]], [22, 44, 10, 12, 16, 16, 14, 12, 18])
    _sheet(workbook, "Chi tiết", list(COVERAGE_COLUMNS), [list(r) for r in coverage_rows(agency_code)],
           [22, 40, 10, 28, 26, 12, 60, 40])
    _sheet(workbook, "Theo TTHC", ["Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Số cơ quan áp dụng",
                                   "Số cơ quan có quy trình", "Tỷ lệ (%)"],
           [[e["code"], e["name"], e["field"], e["agencies"], e["covered"], e["coverage_rate"]]
            for e in summary["admin_procedures"]], [12, 60, 20, 16, 18, 10])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
