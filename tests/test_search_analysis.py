"""Vietnamese analysis, query reading and snippets, without an index."""

from __future__ import annotations

import unicodedata

import pytest

from qmsdocs.errors import InvalidInput
from qmsdocs.search.analysis import analyze, exact, fold
from qmsdocs.search.backend import Keyword, Phrase, Word
from qmsdocs.search.services import Highlighter, parse_query


@pytest.mark.parametrize("old, new", [
    ("hòa", "hoà"), ("thủy", "thuỷ"), ("khỏe", "khoẻ"), ("ủy", "uỷ"), ("òa", "oà"), ("úy", "uý"),
    ("Hòa Bình", "Hoà Bình"), ("xõa", "xoã"), ("lòe", "loè"), ("qúy", "quý"), ("gìa", "già"), ("ngòai", "ngoài"),
])
def test_old_and_new_tone_placement_are_one_word(old, new):
    assert [exact(w) for w in old.split()] == [exact(w) for w in new.split()]


@pytest.mark.parametrize("word", ["hoàng", "người", "giường", "khuỷu", "quyển", "thuở", "mùa", "tiếng", "cửa"])
def test_tone_placement_keeps_correct_words_unchanged(word):
    assert exact(word) == word


def test_decomposed_text_analyses_like_precomposed():
    composed = "Thủ tục hành chính về đất đai"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert analyze(decomposed) == analyze(composed)
    assert [f for _x, f in analyze(decomposed)] == ["thu", "tuc", "hanh", "chinh", "ve", "dat", "dai"]


def test_d_with_stroke_folds_to_d_in_both_cases():
    assert fold("Đất") == "dat"
    assert fold("ĐĂNG KÝ") == "dang ky"
    assert fold("đ") == "d"


def test_snippets_mark_words_typed_without_diacritics_in_the_original_text():
    from qmsdocs.search.services import Highlighter, parse_query

    snippet = str(Highlighter(parse_query("dat dai 61/2018/nd-cp")).snippet(
        "Giấy CHỨNG nhận ĐẤT ĐAI theo Nghị định 61/2018/NĐ–CP <b>"))
    assert "<mark>ĐẤT</mark> <mark>ĐAI</mark>" in snippet
    assert "<mark>61/2018/NĐ–CP</mark>" in snippet
    assert "&lt;b&gt;" in snippet


def test_words_are_required_and_quoted_words_form_a_phrase():
    clauses = parse_query('cấp "giấy chứng nhận" đất')
    assert clauses[0] == Word("cấp", "cap")
    assert isinstance(clauses[1], Phrase)
    assert [w.folded for w in clauses[1].words] == ["giay", "chung", "nhan"]
    assert clauses[2] == Word("đất", "dat")


@pytest.mark.parametrize("spelling", ["61/2018/NĐ-CP", "61/2018/ND-CP", "61/2018/NĐ–CP", "61/2018/nđ-cp",
                                      "61 / 2018 / NĐ - CP", "(61/2018/NĐ-CP),", '"61/2018/NĐ-CP"',
                                      unicodedata.normalize("NFD", "61/2018/NĐ-CP")])
def test_every_spelling_of_a_legal_symbol_becomes_one_keyword(spelling):
    assert parse_query(spelling) == [Keyword(parse_query(spelling)[0].raw, ("law:61/2018/ND-CP",))]


def test_a_tthc_code_is_kept_whole():
    [clause] = parse_query("1.004227")
    assert isinstance(clause, Keyword)
    assert "tthc:1.004227" in clause.keys
    assert [w.folded for w in clause.pieces] == ["1", "004227"]


def test_symbol_among_words_is_split_out():
    clauses = parse_query("nghị định 61/2018/nđ-cp một cửa")
    assert Keyword("61/2018/nđ-cp", ("law:61/2018/ND-CP",)) in clauses
    assert Word("cửa", "cua") in clauses


@pytest.mark.parametrize("query", ['"chứng thực', 'AND OR NOT', '((( ***', 'a:b -c +d ~e', '"', '""', "\x00\x07",
                                   "đất )))", "? ! ; -- //", "1.", "/QĐ-", "C:\\Windows\\system32"])
def test_malformed_queries_are_read_as_plain_text(query):
    clauses = parse_query(query)
    assert isinstance(clauses, list)


def test_unbalanced_quote_is_ignored():
    assert parse_query('"chứng thực bản sao') == [Word("chứng", "chung"), Word("thực", "thuc"),
                                                   Word("bản", "ban"), Word("sao", "sao")]


def test_an_overlong_query_is_refused_with_a_reason():
    with pytest.raises(InvalidInput) as refused:
        parse_query("đất " * 2500)
    assert refused.value.code == "query_too_long"
    assert "tối đa" in refused.value.message


def test_snippet_marks_words_typed_without_diacritics_and_escapes_html():
    highlighter = Highlighter(parse_query("giay chung nhan"))
    snippet = str(highlighter.snippet("Hồ sơ <script>alert(1)</script> đề nghị cấp Giấy chứng nhận quyền sử dụng đất."))
    assert "<mark>Giấy</mark> <mark>chứng</mark> <mark>nhận</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet


def test_snippet_marks_a_legal_symbol_however_it_is_written():
    snippet = str(Highlighter(parse_query("61/2018/nd-cp")).snippet("Căn cứ Nghị định số 61/2018/NĐ–CP ngày 23/4/2018."))
    assert "<mark>61/2018/NĐ–CP</mark>" in snippet


def test_snippet_does_not_mark_parts_of_words():
    snippet = str(Highlighter(parse_query("an")).snippet("Bản án và an ninh"))
    assert snippet == "Bản <mark>án</mark> và <mark>an</mark> ninh"
