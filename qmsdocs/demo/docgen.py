"""Writing realistic procedure documents (.docx) with python-docx, for the demo and benchmarks."""

from __future__ import annotations

from dataclasses import dataclass, field
from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

SECTION_TITLES = ("1. MỤC ĐÍCH", "2. PHẠM VI ÁP DỤNG", "3. TÀI LIỆU VIỆN DẪN", "4. ĐỊNH NGHĨA VÀ TỪ VIẾT TẮT",
                  "5. NỘI DUNG QUY TRÌNH", "6. BIỂU MẪU", "7. HỒ SƠ CẦN LƯU")


@dataclass
class ProcedureDocument:
    code: str
    title: str
    agency_name: str
    revision: str = "01"
    issued_on: str = "05/03/2019"
    legal_refs: list[str] = field(default_factory=list)
    steps: list[tuple[str, str, str, str]] = field(default_factory=list)
    purpose: str = ""
    scope: str = ""
    filler_paragraphs: int = 0


def _header_block(document, spec: ProcedureDocument) -> None:
    header = document.sections[0].header
    table = header.add_table(rows=3, cols=3, width=document.sections[0].page_width)
    table.cell(0, 0).text = spec.agency_name.upper()
    table.cell(0, 1).text = spec.title.upper()
    table.cell(0, 2).text = f"Mã hiệu: {spec.code}"
    table.cell(1, 2).text = f"Lần ban hành: {spec.revision}"
    table.cell(2, 2).text = f"Ngày ban hành: {spec.issued_on}"


def build_procedure(spec: ProcedureDocument) -> bytes:
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    _header_block(document, spec)

    heading = document.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading.add_run(spec.title.upper()).bold = True

    document.add_paragraph(SECTION_TITLES[0]).runs[0].bold = True
    document.add_paragraph(spec.purpose or f"Quy định trình tự, thủ tục và trách nhiệm thực hiện {spec.title.lower()} "
                           "bảo đảm đúng quy định, công khai, minh bạch và đúng thời hạn.")
    document.add_paragraph(SECTION_TITLES[1]).runs[0].bold = True
    document.add_paragraph(spec.scope or f"Áp dụng đối với công chức của {spec.agency_name} và tổ chức, cá nhân có liên quan.")
    document.add_paragraph(SECTION_TITLES[2]).runs[0].bold = True
    for ref in spec.legal_refs:
        document.add_paragraph(f"- {ref}")
    document.add_paragraph("- Tiêu chuẩn quốc gia TCVN ISO 9001:2015.")
    document.add_paragraph(SECTION_TITLES[3]).runs[0].bold = True
    document.add_paragraph("TTHC: Thủ tục hành chính; UBND: Ủy ban nhân dân; TN&TKQ: Tiếp nhận và trả kết quả.")
    document.add_paragraph(SECTION_TITLES[4]).runs[0].bold = True
    steps = spec.steps or [
        ("B1", "Tiếp nhận hồ sơ, kiểm tra tính đầy đủ, hợp lệ", "Bộ phận TN&TKQ", "0,5 ngày"),
        ("B2", "Thẩm định hồ sơ, đề xuất kết quả giải quyết", "Công chức chuyên môn", "3 ngày"),
        ("B3", "Xem xét, ký duyệt kết quả", "Lãnh đạo", "1 ngày"),
        ("B4", "Trả kết quả cho tổ chức, cá nhân", "Bộ phận TN&TKQ", "0,5 ngày"),
    ]
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Bước", "Nội dung công việc", "Trách nhiệm", "Thời gian")):
        cell.text = text
    for step in steps:
        for cell, text in zip(table.add_row().cells, step):
            cell.text = text
    for index in range(spec.filler_paragraphs):
        document.add_paragraph(
            f"Ghi chú {index + 1}: công chức tiếp nhận hướng dẫn tổ chức, cá nhân hoàn thiện hồ sơ một lần, "
            "cập nhật tình trạng giải quyết trên hệ thống một cửa điện tử và lưu hồ sơ theo quy định."
        )
    document.add_paragraph(SECTION_TITLES[5]).runs[0].bold = True
    document.add_paragraph("BM-01: Phiếu kiểm soát quá trình giải quyết hồ sơ.")
    document.add_paragraph(SECTION_TITLES[6]).runs[0].bold = True
    document.add_paragraph("Hồ sơ được lưu tại bộ phận chuyên môn theo quy định hiện hành về lưu trữ.")
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
