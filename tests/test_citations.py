"""Legal document symbols: found however they are typed, never confused with look-alikes."""

from __future__ import annotations

import unicodedata

import pytest

from qmsdocs.docx import Paragraph, citation_key, extract_citations, normalize_symbol, read_docx
from qmsdocs.docx.citations import canonical_symbol
from tests.docx_factory import make_docx


def keys(text: str) -> list[str]:
    return [citation.key for citation in extract_citations(text)]


@pytest.mark.parametrize(
    ("symbol", "key"),
    [
        ("61/2018/NĐ-CP", "61/2018/ND-CP"),
        ("31/2024/QH15", "31/2024/QH15"),
        ("45/2013/QH13", "45/2013/QH13"),
        ("01/2018/TT-VPCP", "1/2018/TT-VPCP"),
        ("15/2015/TTLT-BTP-BNV", "15/2015/TTLT-BTP-BNV"),
        ("19/2014/QĐ-TTg", "19/2014/QD-TTG"),
        ("1291/QĐ-UBND", "1291/QD-UBND"),
        ("123/QĐ-UBND", "123/QD-UBND"),
        ("08/2021/NQ-HĐND", "8/2021/NQ-HDND"),
        ("05/CT-TTg", "5/CT-TTG"),
        ("1023/NQ-UBTVQH14", "1023/NQ-UBTVQH14"),
        ("02/2022/UBTVQH15", "2/2022/UBTVQH15"),
        ("10/2004/PL-UBTVQH11", "10/2004/PL-UBTVQH11"),
        ("12/KH-UBND", "12/KH-UBND"),
    ],
)
def test_known_symbols_are_recognised(symbol, key):
    assert normalize_symbol(symbol) == key
    assert keys(f"Căn cứ văn bản số {symbol} của cơ quan có thẩm quyền;") == [key]


@pytest.mark.parametrize(
    "variant",
    [
        "61/2018/ND-CP",
        "61/2018/nđ-cp",
        "61/2018/NĐ–CP",
        "61/2018/NĐ—CP",
        "61/2018/NĐ‑CP",
        "61 / 2018 / NĐ - CP",
        "61/2018/NÐ-CP",  # Icelandic eth, a common stand-in for Đ
        unicodedata.normalize("NFD", "61/2018/NĐ-CP"),
    ],
    ids=["ascii-d", "lower", "en-dash", "em-dash", "nb-hyphen", "spaces", "eth", "nfd"],
)
def test_variants_of_one_decree_meet_on_the_same_key(variant):
    assert normalize_symbol(variant) == "61/2018/ND-CP"


def test_leading_zeros_of_the_number_do_not_matter():
    assert citation_key("01/2018/TT-VPCP") == citation_key("1/2018/TT-VPCP")


def test_canonical_spelling_restores_d_with_stroke_and_ttg():
    assert canonical_symbol("19/2014/qd-ttg") == "19/2014/QĐ-TTg"
    assert canonical_symbol("61 / 2018 / nd – cp") == "61/2018/NĐ-CP"


@pytest.mark.parametrize(
    "text",
    [
        "ngày 12/6/2019",
        "ngày 05/03/2014",
        "Trang 1/5",
        "1/5",
        "Biểu mẫu BM-01/QT-01",
        "Mã hiệu: QT-01/VP",
        "QT.TP.05/VP",
        "Điện thoại: 0294/3855 123",
        "tỷ lệ 3/4 hồ sơ",
        "TCVN ISO 9001:2015",
        "ISO 9001:2015",
        "công văn 123/CV-UBND",
        "123/VP-TH",
        "45/2013/QH",
        "19/2014/QĐ",
    ],
)
def test_look_alikes_are_not_citations(text):
    assert extract_citations(text) == []


def test_invalid_symbol_has_no_key():
    assert normalize_symbol("QT-01/VP") is None
    with pytest.raises(ValueError):
        citation_key("12/6/2019")


def test_symbol_is_kept_as_written_but_cleaned():
    (citation,) = extract_citations("theo Nghị định 61 /  2018 / NĐ -  CP của Chính phủ")
    assert citation.symbol == "61 / 2018 / NĐ - CP"
    assert citation.key == "61/2018/ND-CP"


def test_duplicates_per_location_keep_the_first_occurrence():
    paragraphs = [
        Paragraph("Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018;", "body"),
        Paragraph("hướng dẫn Nghị định 61/2018/ND-CP", "body"),
        Paragraph("Nghị định 61/2018/NĐ-CP", "footnote"),
    ]
    citations = extract_citations(paragraphs)
    assert [(c.symbol, c.location) for c in citations] == [("61/2018/NĐ-CP", "body"), ("61/2018/NĐ-CP", "footnote")]


def test_context_is_a_short_snippet_around_the_symbol():
    text = "Căn cứ " + "rất dài " * 100 + "Nghị định số 61/2018/NĐ-CP về cơ chế một cửa " + "và tiếp tục " * 100
    (citation,) = extract_citations(text)
    assert len(citation.context) <= 200
    assert "61/2018/NĐ-CP về cơ chế một cửa" in citation.context
    assert citation.context.startswith("…") and citation.context.endswith("…")


def test_several_symbols_in_one_sentence_in_order():
    text = "Luật 45/2013/QH13, Nghị định 61/2018/NĐ-CP và Thông tư 01/2018/TT-VPCP; Quyết định 1291/QĐ-UBND."
    assert keys(text) == ["45/2013/QH13", "61/2018/ND-CP", "1/2018/TT-VPCP", "1291/QD-UBND"]


def test_plain_strings_are_accepted_as_body_paragraphs():
    (citation,) = extract_citations(["Chỉ thị 05/CT-TTg"])
    assert citation.location == "body"


def test_citations_of_a_real_procedure():
    content = read_docx(make_docx(split_runs=True, decomposed=True, footnotes=["Sửa đổi bởi Nghị định 107/2021/NĐ-CP."]))
    found = {(c.key, c.location) for c in extract_citations(content.paragraphs)}
    assert found == {
        ("104/2016/QH13", "body"),
        ("61/2018/ND-CP", "body"),
        ("19/2014/QD-TTG", "body"),
        ("1/2018/TT-VPCP", "body"),
        ("1291/QD-UBND", "body"),
        ("107/2021/ND-CP", "footnote"),
    }


@pytest.mark.parametrize(
    "text",
    ["15/2015/TTLT - BTP - BNV", "15/2015/TTLT – BTP – BNV", "15/2015/TTLT-BTP- BNV", "15/2015/TTLT-BTP - BNV"],
)
def test_joint_circular_keeps_every_issuer_whatever_the_spacing(text):
    assert [c.key for c in extract_citations(text)] == ["15/2015/TTLT-BTP-BNV"]


def test_a_dash_before_the_following_words_is_not_taken_for_an_issuer():
    text = "Nghị định số 61/2018/NĐ-CP - về thực hiện cơ chế một cửa"
    assert [c.key for c in extract_citations(text)] == ["61/2018/ND-CP"]
