"""The browser preview is safe HTML; the revision diff shows what changed, word by word."""

from __future__ import annotations

import unicodedata

import pytest

from qmsdocs.docx import diff_paragraphs, summarize, to_html
from qmsdocs.docx import preview
from tests.docx_factory import make_docx, replace_parts


def test_preview_keeps_structure_of_the_procedure():
    html = to_html(make_docx())
    assert "<table>" in html and "<td>" in html
    assert "1. MỤC ĐÍCH" in html
    assert "61/2018/NĐ-CP" in html


def test_preview_escapes_document_text():
    html = to_html(make_docx(paragraphs=["<script>alert(1)</script> & <b>đậm</b>"], header_block=False))
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("raw", "forbidden"),
    [
        ('<p onclick="x()">a</p>', "onclick"),
        ("<script>alert(1)</script><p>a</p>", "alert"),
        ("<style>p{}</style><p>a</p>", "p{}"),
        ('<a href="javascript:alert(1)">a</a>', "javascript"),
        ('<img src="x" onerror="y()">', "<img"),
        ('<a href="#footnote-1">1</a>', "#footnote"),
        ('<p style="color:red">a</p>', "style"),
    ],
)
def test_sanitizer_removes_anything_that_could_run(raw, forbidden):
    assert forbidden not in preview.sanitize(raw)


def test_sanitizer_keeps_safe_links_with_noopener():
    assert preview.sanitize('<a href="https://vbpl.vn">vbpl</a>') == '<a href="https://vbpl.vn" rel="noopener">vbpl</a>'


def test_sanitizer_keeps_cell_spans():
    assert 'colspan="2"' in preview.sanitize('<table><tr><td colspan="2" class="x">a</td></tr></table>')


def test_preview_falls_back_to_escaped_paragraphs_when_the_renderer_fails(monkeypatch):
    def broken(data: bytes) -> str:
        raise ValueError("unsupported")

    monkeypatch.setattr(preview, "_convert", broken)
    html = to_html(make_docx(paragraphs=["A < B"], header_block=False, page_footer=False))
    assert html == "<p>A &lt; B</p>"


def test_preview_survives_an_odd_but_valid_document():
    odd = make_docx(textbox="Hộp", tracked_insert="mới", tracked_delete="cũ", field_code=(" PAGE ", "1"),
                    content_control="Đơn vị", hyphenated=True, footnotes=["Chú thích"])
    assert "Hộp" in to_html(odd)


def test_preview_of_document_without_styles_part():
    assert "MỤC ĐÍCH" in to_html(replace_parts(make_docx(), {"word/styles.xml": None}))


OLD = ["1. MỤC ĐÍCH", "Hồ sơ được lưu 03 năm.", "2. PHẠM VI", "Áp dụng cho Văn phòng."]


def test_identical_revisions_are_all_equal():
    ops = diff_paragraphs(OLD, list(OLD))
    assert summarize(ops) == {"equal": 4, "added": 0, "removed": 0, "changed": 0}


def test_changed_paragraph_has_word_level_marks():
    new = ["1. MỤC ĐÍCH", "Hồ sơ được lưu 05 năm.", "2. PHẠM VI", "Áp dụng cho Văn phòng."]
    (changed,) = [op for op in diff_paragraphs(OLD, new) if op.op == "changed"]
    assert changed.old_html == "Hồ sơ được lưu <del>03</del> năm."
    assert changed.new_html == "Hồ sơ được lưu <ins>05</ins> năm."
    assert (changed.old_index, changed.new_index) == (1, 1)


def test_added_and_removed_paragraphs():
    new = ["1. MỤC ĐÍCH", "Hồ sơ được lưu 03 năm.", "2. PHẠM VI", "3. TÀI LIỆU VIỆN DẪN"]
    ops = diff_paragraphs(OLD, new)
    assert summarize(ops) == {"equal": 3, "added": 1, "removed": 1, "changed": 0}
    assert [op.op for op in ops] == ["equal", "equal", "equal", "removed", "added"]


def test_whitespace_accents_and_blank_paragraphs_are_not_changes():
    new = ["", "1.  MỤC   ĐÍCH ", unicodedata.normalize("NFD", "Hồ sơ được lưu 03 năm."), "  ", *OLD[2:]]
    assert summarize(diff_paragraphs(OLD, new)) == {"equal": 4, "added": 0, "removed": 0, "changed": 0}


def test_indexes_refer_to_the_callers_lists_including_blanks():
    ops = diff_paragraphs(["", "A"], ["", "", "A", "B"])
    assert [(op.op, op.old_index, op.new_index) for op in ops] == [("equal", 1, 2), ("added", None, 3)]


def test_inline_diff_escapes_html():
    (op,) = diff_paragraphs(["Điều kiện a < b và c"], ["Điều kiện a < b hoặc c"])
    assert op.op == "changed"
    assert op.old_html == "Điều kiện a &lt; b <del>và</del> c"
    assert op.new_html == "Điều kiện a &lt; b <ins>hoặc</ins> c"


def test_rewritten_paragraph_is_removed_and_added_not_changed():
    ops = diff_paragraphs(["Tiếp nhận hồ sơ tại bộ phận một cửa."], ["Lãnh đạo ký duyệt văn bản trả lời công dân."])
    assert [op.op for op in ops] == ["removed", "added"]
    assert ops[0].old_html == "Tiếp nhận hồ sơ tại bộ phận một cửa."
