"""What `read_docx` reads from a procedure, where it says it found it, and its ISO metadata."""

from __future__ import annotations

import datetime
import re
import unicodedata

import pytest

from qmsdocs.docx import read_docx
from qmsdocs.docx.reader import Paragraph
from tests.docx_factory import make_docx


def texts(data: bytes, location: str | None = None) -> list[str]:
    return [p.text for p in read_docx(data).paragraphs if location is None or p.location == location]


def test_standard_procedure_reads_sections_in_order():
    content = read_docx(make_docx())
    headings = [p.text for p in content.paragraphs if re.match(r"\d\. ", p.text)]
    assert headings == [
        "1. MỤC ĐÍCH", "2. PHẠM VI", "3. TÀI LIỆU VIỆN DẪN", "4. ĐỊNH NGHĨA",
        "5. NỘI DUNG QUY TRÌNH", "6. BIỂU MẪU", "7. HỒ SƠ",
    ]
    assert content.text == "\n".join(p.text for p in content.paragraphs)


def test_header_block_comes_first_and_is_located_in_header():
    paragraphs = read_docx(make_docx()).paragraphs
    assert paragraphs[0] == Paragraph("VĂN PHÒNG UBND TỈNH SÓC TRĂNG", "header")
    assert Paragraph("Mã hiệu: QT-01/VP", "header") in paragraphs


def test_table_cells_are_separate_paragraphs_located_in_table():
    data = make_docx(paragraphs=["Bảng phân công"], tables=[[["Bước", "Trách nhiệm"], ["B1", "Văn thư"]]])
    assert texts(data, "table") == ["Bước", "Trách nhiệm", "B1", "Văn thư"]


def test_cell_boundary_never_glues_words():
    data = make_docx(paragraphs=[], tables=[[["Tiếp nhận", "hồ sơ"]]], header_block=False, page_footer=False)
    assert read_docx(data).text.split() == ["Tiếp", "nhận", "hồ", "sơ"]


def test_nested_table_text_is_read_once():
    content = read_docx(make_docx(nested_table=[["Hồ sơ gồm", "Bản chính"]]))
    assert [p.text for p in content.paragraphs].count("Hồ sơ gồm") == 1
    assert Paragraph("Bản chính", "table") in content.paragraphs


def test_textbox_text_is_read_once():
    content = read_docx(make_docx(textbox="Lãnh đạo phê duyệt"))
    assert content.text.count("Lãnh đạo phê duyệt") == 1
    assert Paragraph("Lãnh đạo phê duyệt", "textbox") in content.paragraphs


def test_textbox_follows_its_anchor_paragraph():
    found = texts(make_docx(paragraphs=["Mở đầu"], textbox="Trong hộp", header_block=False, page_footer=False))
    assert found == ["Mở đầu", "Sơ đồ tổ chức thực hiện:  (xem hình).", "Trong hộp"]


def test_tracked_insertion_counts_and_deletion_does_not():
    content = read_docx(make_docx(tracked_insert="10 năm", tracked_delete="05 năm"))
    assert "Thời hạn lưu hồ sơ: 10 năm kể từ ngày kết thúc." in content.text
    assert "05 năm kể" not in content.text


def test_field_code_is_not_read_but_its_result_is():
    content = read_docx(make_docx(field_code=(' HYPERLINK "http://vbpl.vn" ', "Cơ sở dữ liệu văn bản")))
    assert "Chi tiết xem Cơ sở dữ liệu văn bản" in content.text
    assert "HYPERLINK" not in content.text


def test_page_footer_reads_page_numbers_not_field_instructions():
    assert texts(make_docx(), "footer") == ["Trang 1/5"]


def test_footnotes_and_endnotes_are_read_with_their_location():
    content = read_docx(make_docx(footnotes=["Sửa đổi năm 2020."], endnotes=["Xem phụ lục."]))
    assert Paragraph("Sửa đổi năm 2020.", "footnote") in content.paragraphs
    assert Paragraph("Xem phụ lục.", "endnote") in content.paragraphs


def test_content_control_text_is_read():
    assert "Phòng Tư pháp" in texts(make_docx(content_control="Phòng Tư pháp"), "body")


def test_special_characters_tab_break_and_hyphens():
    (line,) = [t for t in texts(make_docx(hyphenated=True)) if t.startswith("Mẫu BM")]
    assert line == "Mẫu BM-02/QT-01 gửi qua email\ttrong\nngày."


def test_decomposed_text_is_normalized_to_nfc():
    content = read_docx(make_docx(decomposed=True))
    assert unicodedata.is_normalized("NFC", content.text)
    assert "QUY TRÌNH KIỂM SOÁT TÀI LIỆU" in content.text


def test_text_split_across_many_runs_is_joined():
    content = read_docx(make_docx(split_runs=True))
    assert "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018" in content.text


def test_empty_paragraphs_are_skipped():
    assert texts(make_docx(paragraphs=["", "  ", "Nội dung"], header_block=False, page_footer=False)) == ["Nội dung"]


def test_repeated_headers_are_read_once():
    content = read_docx(make_docx())
    assert content.text.count("Mã hiệu: QT-01/VP") == 1


@pytest.mark.parametrize("layout", ["stacked", "cells", "inline", "body"])
def test_metadata_is_read_from_every_header_block_layout(layout):
    metadata = read_docx(make_docx(code="QT-05/TP", revision="03", issued_on="12/06/2019", header_layout=layout)).metadata
    assert (metadata.code, metadata.revision, metadata.issued_on) == ("QT-05/TP", "03", datetime.date(2019, 6, 12))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("05/03/2019", datetime.date(2019, 3, 5)),
        ("5/3/2019", datetime.date(2019, 3, 5)),
        ("05-03-2019", datetime.date(2019, 3, 5)),
        ("05.03.2019", datetime.date(2019, 3, 5)),
        ("ngày 05 tháng 3 năm 2019", datetime.date(2019, 3, 5)),
        ("31/02/2019", None),
    ],
)
def test_issue_date_formats(written, expected):
    assert read_docx(make_docx(issued_on=written)).metadata.issued_on == expected


def test_dotted_procedure_code():
    assert read_docx(make_docx(code="QT.TP.05")).metadata.code == "QT.TP.05"


@pytest.mark.parametrize(
    "line",
    [
        "MÃ HIỆU: QT-02/VP   LẦN BAN HÀNH: 02   NGÀY BAN HÀNH: 01/07/2020",
        "Ma hieu: QT-02/VP   Lan ban hanh: 02   Ngay ban hanh: 01/07/2020",
        "Mã  số :QT-02/VP - Lần ban hành : 02 - Ngày ban hành : 01/07/2020",
        unicodedata.normalize("NFD", "Mã hiệu: QT-02/VP; Lần ban hành: 02; Ngày ban hành: 01/07/2020"),
    ],
    ids=["upper", "no-diacritics", "spacing", "nfd"],
)
def test_metadata_label_variants(line):
    metadata = read_docx(make_docx(paragraphs=[line], header_block=False)).metadata
    assert (metadata.code, metadata.revision, metadata.issued_on) == ("QT-02/VP", "02", datetime.date(2020, 7, 1))


def test_label_and_value_in_neighbouring_cells_of_body_table():
    rows = [["Mã hiệu", "Lần ban hành", "Ngày ban hành"], ["QT-07/SNV", "04", "15/08/2022"]]
    metadata = read_docx(make_docx(paragraphs=[], tables=[rows], header_block=False)).metadata
    assert (metadata.code, metadata.revision, metadata.issued_on) == ("QT-07/SNV", "04", datetime.date(2022, 8, 15))


def test_forms_table_further_down_is_not_mistaken_for_the_header_block():
    metadata = read_docx(make_docx(header_block=False)).metadata
    assert metadata.code is None and metadata.revision is None and metadata.issued_on is None


def test_header_metadata_wins_over_body_text():
    data = make_docx(paragraphs=["Mã hiệu: QT-99/XX"], code="QT-01/VP")
    assert read_docx(data).metadata.code == "QT-01/VP"


def test_strict_open_xml_documents_are_read():
    from tests.docx_factory import read_parts, replace_parts

    data = make_docx(paragraphs=["Nội dung bản Strict Open XML."])
    parts = read_parts(data)
    transitional = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    strict = b"http://purl.oclc.org/ooxml/wordprocessingml/main"
    strict_doc = replace_parts(data, {name: body.replace(transitional, strict) for name, body in parts.items()
                                      if name.endswith(".xml") and transitional in body})
    assert "Nội dung bản Strict Open XML." in read_docx(strict_doc).text


@pytest.mark.parametrize(
    ("written", "expected"),
    [("QT – 01/VP", "QT-01/VP"), ("QT 01-TP", "QT 01-TP"), ("QT.TP.05", "QT.TP.05")],
)
def test_procedure_code_written_with_dashes_or_inner_space_is_read(written, expected):
    data = make_docx(header_block=False,
                     paragraphs=[f"Mã hiệu: {written}    Lần ban hành: 01    Ngày ban hành: 01/7/2021"])
    metadata = read_docx(data).metadata
    assert metadata.code == expected
    assert metadata.revision == "01"
    assert metadata.issued_on == datetime.date(2021, 7, 1)
