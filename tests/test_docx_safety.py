"""The upload gate: what it refuses, how fast, and what it tells the user."""

from __future__ import annotations

import re
import time

import pytest
from lxml import etree

from qmsdocs.docx import check_package, parse_xml, read_docx
from qmsdocs.docx import safety
from qmsdocs.errors import UploadRefused
from tests.docx_factory import (
    make_billion_laughs_docx,
    make_docx,
    make_high_ratio_docx,
    make_lying_size_docx,
    make_macro_docx,
    make_many_members_docx,
    make_ole_bytes,
    make_truncated_docx,
    make_xlsx_like,
    make_zip,
    make_zip_bomb,
    read_parts,
    replace_parts,
)

LIMIT = 20 * 1024 * 1024


def refusal(data: bytes, *, max_bytes: int = LIMIT) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        check_package(data, max_bytes=max_bytes)
    return caught.value


def test_realistic_procedure_passes():
    check_package(make_docx(footnotes=["Chú thích"], textbox="Hộp", tracked_insert="05 năm"), max_bytes=LIMIT)


def test_empty_file_is_refused():
    assert refusal(b"").code == "empty_file"


def test_file_over_the_limit_is_refused_with_413():
    error = refusal(make_docx(), max_bytes=1000)
    assert (error.code, error.status) == ("too_large", 413)


def test_legacy_doc_or_encrypted_docx_is_refused_with_advice_to_resave():
    error = refusal(make_ole_bytes())
    assert error.code == "ole_container"
    assert ".docx" in error.message and "mật khẩu" in error.message


def test_plain_text_is_not_a_zip():
    assert refusal("Quy trình kiểm soát tài liệu".encode()).code == "not_zip"


def test_truncated_upload_is_reported_as_truncated():
    assert refusal(make_truncated_docx()).code == "truncated"


def test_spreadsheet_renamed_to_docx_is_not_docx():
    assert refusal(make_xlsx_like()).code == "not_docx"


def test_zip_without_content_types_is_not_docx():
    assert refusal(make_zip({"word/document.xml": b"<w:document/>"})).code == "not_docx"


def test_macro_enabled_document_is_refused():
    assert refusal(make_macro_docx()).code == "macro_enabled"


def test_vba_project_part_is_refused_even_under_a_docx_content_type():
    data = make_docx(extra_parts={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 100})
    assert refusal(data).code == "macro_enabled"


def test_vba_data_part_is_refused():
    assert refusal(make_docx(extra_parts={"word/vbaData.xml": b"<a/>"})).code == "macro_enabled"


def test_zip_bomb_is_refused_quickly():
    bomb = make_zip_bomb(1 << 30)
    started = time.perf_counter()
    assert refusal(bomb).code == "zip_bomb"
    assert time.perf_counter() - started < 1.0


def test_member_with_extreme_compression_ratio_is_refused_before_inflating():
    started = time.perf_counter()
    assert refusal(make_high_ratio_docx(64 << 20)).code == "zip_bomb"
    assert time.perf_counter() - started < 0.5


def test_too_many_members_is_refused():
    crowded = make_many_members_docx(safety.MAX_MEMBERS + 1)
    assert len(read_parts(crowded)) > safety.MAX_MEMBERS
    assert refusal(crowded).code == "zip_bomb"


def test_total_declared_size_over_the_limit_is_refused():
    # 1 MiB members are exempt from the ratio rule: only the total can catch these.
    assert refusal(make_zip_bomb(safety.MAX_TOTAL_UNCOMPRESSED + (8 << 20))).code == "zip_bomb"


def test_member_lying_about_its_size_is_never_inflated_past_it():
    started = time.perf_counter()
    assert refusal(make_lying_size_docx(64 << 20, declared_bytes=1000)).code in {"zip_bomb", "corrupt"}
    assert time.perf_counter() - started < 1.0


def test_billion_laughs_is_refused_quickly_without_expansion():
    started = time.perf_counter()
    assert refusal(make_billion_laughs_docx()).code == "unsafe_xml"
    assert time.perf_counter() - started < 1.0


def test_reader_alone_refuses_billion_laughs():
    with pytest.raises(UploadRefused) as caught:
        read_docx(make_billion_laughs_docx())
    assert caught.value.code == "unsafe_xml"


def test_doctype_hidden_behind_a_long_comment_is_still_unsafe():
    xml = b'<?xml version="1.0"?><!--' + b"x" * 10_000 + b'--><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'
    with pytest.raises(UploadRefused) as caught:
        parse_xml(xml)
    assert caught.value.code == "unsafe_xml"


def test_external_entity_is_refused_not_fetched():
    xml = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(UploadRefused) as caught:
        parse_xml(xml)
    assert caught.value.code == "unsafe_xml"


def test_utf16_doctype_is_refused():
    xml = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY a "b">]><r>&a;</r>'.encode("utf-16")
    with pytest.raises(UploadRefused) as caught:
        parse_xml(xml)
    assert caught.value.code == "unsafe_xml"


def test_malformed_document_xml_is_corrupt():
    broken = replace_parts(make_docx(), {"word/document.xml": b"<w:document><w:body>"})
    with pytest.raises(UploadRefused) as caught:
        read_docx(broken)
    assert caught.value.code == "corrupt"


def test_safe_parser_does_not_resolve_entities_or_touch_the_network():
    parser = safety.safe_xml_parser()
    xml = b'<!DOCTYPE r [<!ENTITY a "expanded">]><r>&a;</r>'
    root = etree.fromstring(xml, parser)
    assert "expanded" not in (root.text or "")


@pytest.mark.parametrize(
    "data",
    [b"", make_ole_bytes(), b"hello", make_truncated_docx(), make_xlsx_like(), make_macro_docx()],
    ids=["empty", "ole", "text", "truncated", "xlsx", "macro"],
)
def test_every_refusal_speaks_vietnamese_and_says_what_to_do(data):
    error = refusal(data)
    assert error.status == 422
    assert any(verb in error.message for verb in ("Hãy", "hãy"))
    assert error.to_dict()["error"]["code"] == error.code


def test_main_part_declared_by_default_content_type_is_accepted():
    data = make_docx()
    types = read_parts(data)["[Content_Types].xml"]
    main = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    rewritten = re.sub(rb'<Override PartName="/word/document.xml" ContentType="[^"]+"/>', b"", types)
    rewritten = rewritten.replace(b'<Default Extension="xml" ContentType="application/xml"/>',
                                  b'<Default Extension="xml" ContentType="' + main + b'"/>')
    assert rewritten != types
    check_package(replace_parts(data, {"[Content_Types].xml": rewritten}), max_bytes=10 << 20)


def test_part_names_differing_only_in_case_are_accepted():
    data = make_docx()
    types = read_parts(data)["[Content_Types].xml"].replace(b'PartName="/word/document.xml"',
                                                            b'PartName="/word/Document.xml"')
    check_package(replace_parts(data, {"[Content_Types].xml": types}), max_bytes=10 << 20)
