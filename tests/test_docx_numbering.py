"""List labels as Word shows them: in the extracted text, the preview and the revision diff."""

from __future__ import annotations

import pytest

from qmsdocs.docx import diff_paragraphs, read_docx, summarize, to_html
from qmsdocs.docx.numbering import format_number
from tests.docx_factory import make_docx, make_raw_docx, numbered_paragraph


def level(ilvl: int, fmt: str, text: str, *, start: int = 1, extra: str = "") -> str:
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/><w:numFmt w:val="{fmt}"/>'
            f'<w:lvlText w:val="{text}"/>{extra}</w:lvl>')


def abstract(abstract_id: int, *levels: str) -> str:
    return f'<w:abstractNum w:abstractNumId="{abstract_id}">{"".join(levels)}</w:abstractNum>'


def num(num_id: int, abstract_id: int, overrides: str = "") -> str:
    return f'<w:num w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>{overrides}</w:num>'


ARTICLES = abstract(
    1,
    level(0, "decimal", "Điều %1."),
    level(1, "decimal", "%2."),
    level(2, "lowerLetter", "%3)"),
)


def texts(data: bytes) -> list[str]:
    return [paragraph.text for paragraph in read_docx(data).paragraphs]


def test_vietnamese_article_clause_point_labels_are_in_the_text():
    body = "".join([
        numbered_paragraph("Phạm vi điều chỉnh", 1, 0),
        numbered_paragraph("Quy định chung", 1, 1),
        numbered_paragraph("Hồ sơ gồm", 1, 1),
        numbered_paragraph("Đơn đề nghị", 1, 2),
        numbered_paragraph("Bản sao giấy tờ", 1, 2),
        numbered_paragraph("Đối tượng áp dụng", 1, 0),
        numbered_paragraph("Cơ quan nhà nước", 1, 1),
    ])
    data = make_raw_docx(body, numbering=ARTICLES + num(1, 1))
    assert texts(data) == [
        "Điều 1.\tPhạm vi điều chỉnh",
        "1.\tQuy định chung",
        "2.\tHồ sơ gồm",
        "a)\tĐơn đề nghị",
        "b)\tBản sao giấy tờ",
        "Điều 2.\tĐối tượng áp dụng",
        "1.\tCơ quan nhà nước",  # a new article restarts its clauses
    ]
    assert [p.label for p in read_docx(data).paragraphs][:2] == ["Điều 1.", "1."]


def test_multilevel_pattern_start_value_and_suffixes():
    numbering = abstract(
        2,
        level(0, "decimal", "%1.", start=3, extra='<w:suff w:val="space"/>'),
        level(1, "decimal", "%1.%2.", extra='<w:suff w:val="nothing"/>'),
    ) + num(5, 2)
    body = numbered_paragraph("Ba", 5) + numbered_paragraph("Con", 5, 1) + numbered_paragraph("Bốn", 5)
    assert texts(make_raw_docx(body, numbering=numbering)) == ["3. Ba", "3.1.Con", "4. Bốn"]


def test_instances_of_one_list_continue_each_other_unless_a_start_is_overridden():
    numbering = abstract(1, level(0, "decimal", "%1.")) + num(1, 1) + num(2, 1) + num(
        3, 1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')
    body = "".join(numbered_paragraph(text, num_id) for text, num_id in
                   (("a", 1), ("b", 1), ("c", 2), ("d", 3), ("e", 3), ("f", 1)))
    assert [t.split("\t")[0] for t in texts(make_raw_docx(body, numbering=numbering))] == \
        ["1.", "2.", "3.", "1.", "2.", "3."]


def test_level_override_changes_the_format_but_not_the_count():
    replaced = f'<w:lvlOverride w:ilvl="0">{level(0, "upperLetter", "%1")}</w:lvlOverride>'
    numbering = abstract(1, level(0, "decimal", "%1")) + num(1, 1) + num(2, 1, replaced)
    body = "".join(numbered_paragraph(t, n) for t, n in (("x", 1), ("y", 2), ("z", 2), ("w", 1)))
    assert [t.split("\t")[0] for t in texts(make_raw_docx(body, numbering=numbering))] == ["1", "B", "C", "4"]


def test_skipped_level_shows_its_start_and_legal_numbering_is_decimal():
    numbering = abstract(
        1,
        level(0, "upperRoman", "%1."),
        level(1, "lowerLetter", "%1.%2"),
        level(2, "lowerRoman", "%1.%2.%3", extra="<w:isLgl/>"),
    ) + num(1, 1)
    body = numbered_paragraph("I", 1, 0) + numbered_paragraph("deep", 1, 2) + numbered_paragraph("b", 1, 1)
    assert [t.split("\t")[0] for t in texts(make_raw_docx(body, numbering=numbering))] == ["I.", "1.1.1", "I.b"]


def test_numbering_from_the_paragraph_style_and_numid_zero_switching_it_off():
    styles = ('<w:style w:type="paragraph" w:styleId="Buoc"><w:name w:val="Buoc"/>'
              '<w:pPr><w:numPr><w:numId w:val="7"/></w:numPr></w:pPr></w:style>'
              '<w:style w:type="paragraph" w:styleId="BuocCon"><w:basedOn w:val="Buoc"/></w:style>')
    numbering = abstract(1, level(0, "decimal", "Bước %1:")) + num(7, 1)
    body = (numbered_paragraph("Tiếp nhận", style="Buoc") + numbered_paragraph("Thẩm định", style="BuocCon")
            + numbered_paragraph("Không đánh số", 0, style="Buoc"))
    assert texts(make_raw_docx(body, numbering=numbering, styles=styles)) == [
        "Bước 1:\tTiếp nhận", "Bước 2:\tThẩm định", "Không đánh số"]


def test_bullets_in_symbol_fonts_read_as_unicode():
    symbol_bullet = level(0, "bullet", "\uf0b7", extra='<w:rPr><w:rFonts w:ascii="Symbol" w:hAnsi="Symbol"/></w:rPr>')
    wingdings = level(1, "bullet", "\uf0a7", extra='<w:rPr><w:rFonts w:ascii="Wingdings" w:hAnsi="Wingdings"/></w:rPr>')
    body = numbered_paragraph("một", 1) + numbered_paragraph("hai", 1, 1)
    data = make_raw_docx(body, numbering=abstract(1, symbol_bullet, wingdings) + num(1, 1))
    assert texts(data) == ["•\tmột", "▪\thai"]


def test_tracked_numbering_change_is_not_the_paragraphs_numbering():
    old_numbering = '<w:pPrChange w:id="1"><w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr></w:pPrChange>'
    body = f"<w:p><w:pPr>{old_numbering}</w:pPr><w:r><w:t>Bỏ đánh số</w:t></w:r></w:p>" + numbered_paragraph("Có số", 1)
    data = make_raw_docx(body, numbering=abstract(1, level(0, "decimal", "%1.")) + num(1, 1))
    assert texts(data) == ["Bỏ đánh số", "1.\tCó số"]


def test_unknown_list_or_level_reads_without_label():
    body = numbered_paragraph("không có định nghĩa", 9) + numbered_paragraph("cấp thiếu", 1, 5)
    data = make_raw_docx(body, numbering=abstract(1, level(0, "decimal", "%1.")) + num(1, 1))
    assert texts(data) == ["không có định nghĩa", "cấp thiếu"]


@pytest.mark.parametrize(("number", "fmt", "shown"), [
    (4, "decimal", "4"), (4, "decimalZero", "04"), (12, "decimalZero", "12"),
    (1, "lowerLetter", "a"), (28, "lowerLetter", "bb"), (3, "upperLetter", "C"),
    (14, "lowerRoman", "xiv"), (1999, "upperRoman", "MCMXCIX"),
    (2, "ordinal", "2nd"), (13, "ordinal", "13th"), (21, "cardinalText", "Twenty-one"),
    (12, "ordinalText", "Twelfth"), (21, "vietnameseCounting", "hai mươi mốt"),
    (15, "vietnameseCounting", "mười lăm"), (3, "decimalEnclosedCircle", "③"), (7, "someFutureFormat", "7"),
])
def test_number_formats(number, fmt, shown):
    assert format_number(number, fmt) == shown


def test_python_docx_list_styles_are_numbered():
    """python-docx's template numbers "List Number" paragraphs through the style, as Word does."""
    data = make_docx(paragraphs=[])
    import docx

    document = docx.Document()
    for text in ("Tiếp nhận hồ sơ", "Thẩm định", "Trả kết quả"):
        document.add_paragraph(text, style="List Number")
    import io

    buffer = io.BytesIO()
    document.save(buffer)
    assert texts(buffer.getvalue()) == ["1.\tTiếp nhận hồ sơ", "2.\tThẩm định", "3.\tTrả kết quả"]
    assert data  # the usual factory still builds


def test_preview_shows_labels_as_paragraph_text_not_browser_numbered_lists():
    body = numbered_paragraph("Phạm vi", 1, 0) + numbered_paragraph("Hồ sơ", 1, 1)
    html = to_html(make_raw_docx(body, numbering=ARTICLES + num(1, 1)))
    assert "<p>Điều 1. Phạm vi</p>" in html
    assert "<p>1. Hồ sơ</p>" in html
    assert "<ol>" not in html


def test_inserted_step_renumbers_later_steps_without_changing_them():
    steps = ["Tiếp nhận hồ sơ", "Thẩm định hồ sơ", "Trình ký", "Trả kết quả"]
    numbering = abstract(1, level(0, "decimal", "Bước %1:")) + num(1, 1)
    old = texts(make_raw_docx("".join(numbered_paragraph(s, 1) for s in steps), numbering=numbering))
    new_steps = steps[:1] + ["Thu phí, lệ phí"] + steps[1:]
    new = texts(make_raw_docx("".join(numbered_paragraph(s, 1) for s in new_steps), numbering=numbering))
    ops = diff_paragraphs(old, new)
    assert summarize(ops) == {"equal": 4, "added": 1, "removed": 0, "changed": 0}
    (added,) = [op for op in ops if op.op == "added"]
    assert added.new_text == "Bước 2: Thu phí, lệ phí"
    renumbered = [op for op in ops if op.renumbered]
    assert [op.new_html for op in renumbered] == [
        "<ins>Bước 3:</ins> Thẩm định hồ sơ", "<ins>Bước 4:</ins> Trình ký", "<ins>Bước 5:</ins> Trả kết quả"]
    assert renumbered[0].old_html == "<del>Bước 2:</del> Thẩm định hồ sơ"


def test_edited_step_is_a_change_of_its_text_under_the_same_label():
    old = ["1.\tTiếp nhận hồ sơ tại bộ phận một cửa", "2.\tTrả kết quả"]
    new = ["1.\tTiếp nhận hồ sơ trực tuyến tại bộ phận một cửa", "2.\tTrả kết quả"]
    ops = diff_paragraphs(old, new)
    assert [op.op for op in ops] == ["changed", "equal"]
    assert "<ins>trực tuyến</ins>" in ops[0].new_html and not ops[1].renumbered


def test_each_document_starts_its_lists_afresh():
    numbering = abstract(1, level(0, "decimal", "Bước %1:")) + num(1, 1)
    data = make_raw_docx(numbered_paragraph("Một", 1) + numbered_paragraph("Hai", 1), numbering=numbering)
    assert texts(data) == texts(data) == ["Bước 1:\tMột", "Bước 2:\tHai"]
