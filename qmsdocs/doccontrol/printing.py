"""The request as the agency's paper form (phiếu đề nghị soạn thảo/sửa đổi tài liệu), as .docx."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Cm, Pt

from qmsdocs.clock import local_time
from qmsdocs.doccontrol.models import ChangeRequest

BLANK = "." * 90


def _person(user) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _line(document, label: str, value: str = "", *, bold_label: bool = True) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(label)
    run.bold = bold_label
    paragraph.add_run(" " + value if value else " " + BLANK)


def request_form_docx(change_request: ChangeRequest) -> bytes:
    """Header with the agency and the national motto, the number and date, then the boxes of the paper form."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)

    header = document.add_table(rows=1, cols=2)
    left, right = header.rows[0].cells
    left.paragraphs[0].add_run(change_request.agency.name.upper()).bold = True
    left.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    left.add_paragraph(f"Số: {change_request.label}").alignment = WD_ALIGN_PARAGRAPH.CENTER
    right.paragraphs[0].add_run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM").bold = True
    right.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    motto = right.add_paragraph()
    motto.add_run("Độc lập - Tự do - Hạnh phúc").bold = True
    motto.alignment = WD_ALIGN_PARAGRAPH.CENTER
    day = local_time(change_request.requested_at)
    dated = right.add_paragraph()
    dated.add_run(f"ngày {day.day:02d} tháng {day.month:02d} năm {day.year}").italic = True
    dated.alignment = WD_ALIGN_PARAGRAPH.CENTER

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run("PHIẾU ĐỀ NGHỊ SOẠN THẢO/SỬA ĐỔI TÀI LIỆU")
    run.bold, run.font.size = True, Pt(14)

    _line(document, "Người đề nghị:", _person(change_request.requested_by))
    kind = "Sửa đổi tài liệu" if change_request.procedure is not None else "Soạn thảo tài liệu mới"
    _line(document, "Loại đề nghị:", kind)
    _line(document, "Tài liệu:", change_request.subject)
    _line(document, "Phần/mục liên quan:", change_request.part or "")
    _line(document, "Nội dung đề nghị:", change_request.content)
    _line(document, "Lý do đề nghị:", change_request.reason)
    if change_request.attachment_name:
        _line(document, "Tài liệu kèm theo:", change_request.attachment_name)

    document.add_paragraph().add_run("Ý KIẾN CỦA NGƯỜI PHÊ DUYỆT").bold = True
    decision = {"accepted": "Đồng ý", "declined": "Không đồng ý", "done": "Đồng ý (đã thực hiện)"}
    if change_request.status == "open":
        _line(document, "Quyết định:", "□ Đồng ý     □ Không đồng ý")
        _line(document, "Người được giao soạn thảo:")
        _line(document, "Thời hạn hoàn thành:")
        _line(document, "Ý kiến khác:")
    else:
        _line(document, "Quyết định:", decision[change_request.status])
        if change_request.editor is not None:
            _line(document, "Người được giao soạn thảo:", _person(change_request.editor))
        if change_request.due_on is not None:
            _line(document, "Thời hạn hoàn thành:", change_request.due_on.strftime("%d/%m/%Y"))
        _line(document, "Ý kiến:" if change_request.status != "declined" else "Lý do:",
              change_request.decision_note or "")
    if change_request.version is not None:
        _line(document, "Kết quả:", f"Đã ban hành phiên bản {change_request.version.number}"
                                    + (f" (lần ban hành {change_request.version.doc_revision})"
                                       if change_request.version.doc_revision else ""))

    signatures = document.add_table(rows=3, cols=2)
    for column, (role, name) in enumerate((("NGƯỜI ĐỀ NGHỊ", _person(change_request.requested_by)),
                                           ("NGƯỜI PHÊ DUYỆT", _person(change_request.decided_by)))):
        cells = [signatures.rows[row].cells[column] for row in range(3)]
        cells[0].paragraphs[0].add_run(role).bold = True
        cells[1].paragraphs[0].add_run("(Ký, ghi rõ họ tên)").italic = True
        for _ in range(3):
            cells[1].add_paragraph("")
        cells[2].paragraphs[0].add_run(name or BLANK[:30])
        for cell in cells:
            for paragraph in cell.paragraphs:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    buffer = BytesIO()
    document.save(buffer)
    return buffer.getvalue()
