"""Text typed in TCVN3 (.Vn…) and VNI fonts reads as Unicode; Unicode runs beside it stay as they are."""

from __future__ import annotations

import unicodedata

import pytest

from qmsdocs.docx import read_docx, to_html
from qmsdocs.docx.citations import extract_citations
from qmsdocs.docx.legacy_fonts import (
    TCVN3_TABLE,
    VNI_LETTERS,
    VNI_MARKS,
    converter_for_font,
    tcvn3_to_unicode,
    vni_to_unicode,
)
from tests.docx_factory import font_run, make_raw_docx

SENTENCE = ("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về thực hiện "
            "cơ chế một cửa, một cửa liên thông; Ủy ban nhân dân tỉnh quyết định: Điều 1. Ban hành "
            "quy trình tiếp nhận hồ sơ. Ưu tiên giải quyết ngay, trả kết quả đúng hẹn; ỷ lại, ỹ, ỵ.")
VIETNAMESE_LOWER = "aàảãáạăằẳẵắặâầẩẫấậeèẻẽéẹêềểễếệiìỉĩíịoòỏõóọôồổỗốộơờởỡớợuùủũúụưừửữứựyỳỷỹýỵđ"


def tcvn3_encode(text: str) -> str:
    """Unicode to TCVN3 as Word stores it (Windows-1252 characters), from the table itself."""
    inverse = {letter: chr(byte) for byte, letter in TCVN3_TABLE.items()}
    return "".join(inverse.get(ch, ch) for ch in text)


def vni_encode(text: str) -> str:
    """Unicode to VNI, inverted from the module's tables: a letter of its own (ơ, ư, đ, ỉ, ĩ, ị, ỵ,
    í, ì) is one byte; any other accented letter is its base letter then one mark byte."""
    single = {letter: byte for byte, letter in VNI_LETTERS.items()}
    marks_to_byte = {(marks, byte.isupper()): byte for byte, marks in VNI_MARKS.items()}
    out = []
    for ch in text:
        if ch in single:
            out.append(single[ch])
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        if "\u031b" in marks:  # horn: ơ or ư is the base, the tone its mark
            marks.remove("\u031b")
            base = single[unicodedata.normalize("NFC", base + "\u031b")]
        shapes = "".join(m for m in marks if m in "\u0302\u0306")
        tones = "".join(m for m in marks if m not in "\u0302\u0306")
        out.append(base + marks_to_byte[(shapes + tones, base.isupper())] if marks else base)
    return "".join(out)


def test_tcvn3_table_covers_every_vietnamese_letter_once():
    lower = sorted(letter for letter in TCVN3_TABLE.values() if letter.islower())
    assert sorted(set(lower)) == lower
    assert set(VIETNAMESE_LOWER) - set("aeiouy") == set(lower)
    assert {TCVN3_TABLE[byte] for byte in range(0xA1, 0xA8)} == set("ĂÂÊÔƠƯĐ")


@pytest.mark.parametrize("byte", sorted(TCVN3_TABLE))
def test_every_tcvn3_byte_converts_to_its_letter(byte):
    assert tcvn3_to_unicode(chr(byte)) == TCVN3_TABLE[byte]


def test_tcvn3_sentence_round_trips():
    lowered = SENTENCE.replace("Ủ", "ủ").replace("Ư", "ư")  # TCVN3 has no accented capitals
    assert tcvn3_to_unicode(tcvn3_encode(lowered)) == lowered
    assert tcvn3_to_unicode("N§-CP Quy tr×nh") == "NĐ-CP Quy trình"


def test_tcvn3_capital_fonts_draw_every_letter_as_a_capital():
    assert converter_for_font(".VnTimeH")(tcvn3_encode("quy trình")) == "QUY TRÌNH"


@pytest.mark.parametrize("letter", VIETNAMESE_LOWER + VIETNAMESE_LOWER.upper())
def test_every_vni_letter_round_trips(letter):
    assert vni_to_unicode(vni_encode(letter)) == letter


def test_vni_sentence_round_trips():
    assert vni_to_unicode(vni_encode(SENTENCE)) == SENTENCE
    assert vni_to_unicode("Nghò ñònh soá 61/2018/NÑ-CP") == "Nghị định số 61/2018/NĐ-CP"


@pytest.mark.parametrize(("font", "legacy"), [
    (".VnTime", True), (".VnArial NarrowH", True), ("VNI-Times", True), ("VNI-Helve", True),
    ("Times New Roman", False), ("Arial", False), ("Vietnam Sans", False), (None, False),
])
def test_legacy_fonts_are_told_from_unicode_ones(font, legacy):
    assert (converter_for_font(font) is not None) is legacy


def paragraph(*runs: str, style: str | None = None) -> str:
    properties = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f"<w:p>{properties}{''.join(runs)}</w:p>"


def test_mixed_document_converts_only_its_legacy_runs():
    body = paragraph(
        font_run(tcvn3_encode("Căn cứ Nghị định số 61/2018/"), ".VnTime"),
        font_run("NĐ-CP ", "Times New Roman"),
        font_run(vni_encode("của Chính phủ"), "VNI-Times"),
    ) + paragraph(font_run("Giá 100 ×2 §3", "Times New Roman"))
    content = read_docx(make_raw_docx(body))
    assert [p.text for p in content.paragraphs] == [
        "Căn cứ Nghị định số 61/2018/NĐ-CP của Chính phủ", "Giá 100 ×2 §3"]
    assert [c.symbol for c in extract_citations(content.paragraphs)] == ["61/2018/NĐ-CP"]


def test_fonts_inherited_from_styles_defaults_and_theme_are_followed():
    styles = (
        '<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:asciiTheme="minorHAnsi" w:hAnsiTheme="minorHAnsi"/>'
        '</w:rPr></w:rPrDefault></w:docDefaults>'
        '<w:style w:type="paragraph" w:styleId="TieuDe"><w:rPr><w:rFonts w:ascii=".VnTimeH" w:hAnsi=".VnTimeH"/>'
        '</w:rPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="TieuDeCon"><w:basedOn w:val="TieuDe"/></w:style>'
        '<w:style w:type="character" w:styleId="Unicode"><w:rPr><w:rFonts w:ascii="Arial" w:hAnsi="Arial"/>'
        '</w:rPr></w:style>'
    )
    theme = ('<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:themeElements>'
             '<a:fontScheme name="x"><a:majorFont><a:latin typeface="Arial"/></a:majorFont>'
             '<a:minorFont><a:latin typeface=".VnTime"/></a:minorFont></a:fontScheme></a:themeElements></a:theme>')
    body = (
        paragraph(font_run(tcvn3_encode("quy trình tiếp nhận")), style="TieuDeCon")
        + paragraph(font_run(tcvn3_encode("Thời hạn giải quyết")))
        + paragraph('<w:r><w:rPr><w:rStyle w:val="Unicode"/></w:rPr><w:t>Chữ Unicode ×</w:t></w:r>')
    )
    content = read_docx(make_raw_docx(body, styles=styles, theme=theme))
    assert [p.text for p in content.paragraphs] == ["QUY TRÌNH TIẾP NHẬN", "Thời hạn giải quyết", "Chữ Unicode ×"]


def test_preview_shows_legacy_runs_as_unicode_and_symbols():
    body = paragraph(font_run(tcvn3_encode("Quy trình "), ".VnTime"),
                     '<w:r><w:sym w:font="Wingdings" w:char="F0FC"/></w:r>')
    html = to_html(make_raw_docx(body))
    assert "Quy trình ✓" in html


def test_symbol_characters_are_read():
    body = paragraph('<w:r><w:t>Đạt </w:t><w:sym w:font="Wingdings" w:char="F0FE"/></w:r>',
                     '<w:r><w:t xml:space="preserve"> α=</w:t><w:sym w:font="Symbol" w:char="F061"/></w:r>',
                     '<w:r><w:sym w:font="Webdings" w:char="F021"/></w:r>')
    assert read_docx(make_raw_docx(body)).text == "Đạt ☑ α=α\uf021"


def test_legacy_documents_are_found_by_unicode_searches_and_cited(make_procedure, admin_api):
    tcvn3 = make_procedure(code="QT-11/STP", title="Quy trình một")
    vni = make_procedure(code="QT-12/STP", title="Quy trình hai")
    tcvn3_body = paragraph(font_run(tcvn3_encode("Thẩm định hồ sơ đăng ký khai sinh theo Nghị định số "
                                                 "123/2015/NĐ-CP"), ".VnTime"))
    vni_body = paragraph(font_run(vni_encode("Chứng thực chữ ký người dịch theo Nghị định số 23/2015/NĐ-CP"),
                                  "VNI-Times"))
    answers = [admin_api.upload(tcvn3["id"], make_raw_docx(tcvn3_body)),
               admin_api.upload(vni["id"], make_raw_docx(vni_body))]
    assert [answer.status_code for answer in answers] == [201, 201]
    assert {c["symbol"] for c in answers[0].get_json()["citations"]} == {"123/2015/NĐ-CP"}
    assert {c["symbol"] for c in answers[1].get_json()["citations"]} == {"23/2015/NĐ-CP"}

    def found(query: str) -> list[int]:
        response = admin_api.get("/api/v1/search", query_string={"q": query})
        return [hit["procedure_id"] for hit in response.get_json()["hits"]]

    assert found("đăng ký khai sinh") == [tcvn3["id"]]
    assert found("chữ ký người dịch") == [vni["id"]]
