"""Acceptance contracts, checked from outside with documents nobody has seen.

Each test pins one contract of issues 2–6 (CLI, JSON API, status codes, the
`{"error": {"code", "message"}}` shape) or one bug found while exercising a running
server. Documents are assembled here from raw WordprocessingML so that they differ from
the ones `tests/docx_factory.py` writes: header blocks in several places, decomposed
Unicode, runs split mid-word, odd but valid packaging, and hostile packages.
"""

from __future__ import annotations

import hashlib
import html
import io
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import unicodedata
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests import docx_factory as factory
from tests.office_files import docx_tables, xlsx_sheets

# --- a small raw .docx writer ------------------------------------------------------------

NAMESPACES = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:v="urn:schemas-microsoft-com:vml" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml" mc:Ignorable="w14"'
)
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def run(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{_esc(text)}</w:t></w:r>'


def para(*pieces: str) -> str:
    """A paragraph; each plain string becomes its own run (so text may be split mid-word)."""
    return "<w:p>" + "".join(p if p.startswith("<w:") else run(p) for p in pieces) + "</w:p>"


def table(rows: list[list[str]]) -> str:
    cells = lambda row: "".join(f"<w:tc>{c if c.startswith('<w:') else para(c)}</w:tc>" for c in row)  # noqa: E731
    return "<w:tbl><w:tblPr/>" + "".join(f"<w:tr>{cells(row)}</w:tr>" for row in rows) + "</w:tbl>"


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def build_docx(body: str, *, header: str | None = None, footnotes: list[str] | None = None,
               main: str = "word/document.xml", docprops: bool = True, main_type: str = MAIN_TYPE,
               extra: dict[str, bytes | str] | None = None) -> bytes:
    folder, name = os.path.split(main)
    overrides = [f'<Override PartName="/{main}" ContentType="{main_type}"/>']
    rels, files, sect = [], {}, ""
    if header is not None:
        files[f"{folder}/header1.xml"] = f'<?xml version="1.0" encoding="UTF-8"?><w:hdr {NAMESPACES}>{header}</w:hdr>'
        overrides.append(f'<Override PartName="/{folder}/header1.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>')
        rels.append(f'<Relationship Id="rIdH" Type="{REL}/header" Target="header1.xml"/>')
        sect = '<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/></w:sectPr>'
    if footnotes is not None:
        notes = "".join(f'<w:footnote w:id="{i + 1}">{para(t)}</w:footnote>' for i, t in enumerate(footnotes))
        files[f"{folder}/footnotes.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><w:footnotes {NAMESPACES}>'
                                            f'<w:footnote w:type="separator" w:id="-1"><w:p/></w:footnote>{notes}</w:footnotes>')
        overrides.append(f'<Override PartName="/{folder}/footnotes.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>')
        rels.append(f'<Relationship Id="rIdF" Type="{REL}/footnotes" Target="footnotes.xml"/>')
    files[main] = f'<?xml version="1.0" encoding="UTF-8"?><w:document {NAMESPACES}><w:body>{body}{sect}</w:body></w:document>'
    files[f"{folder}/_rels/{name}.rels"] = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(rels) + "</Relationships>")
    package_rels = [f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="{main}"/>']
    if docprops:
        files["docProps/core.xml"] = ('<?xml version="1.0"?><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/'
                                      'package/2006/metadata/core-properties"/>')
        overrides.append('<Override PartName="/docProps/core.xml" '
                         'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>')
        package_rels.append('<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                            'metadata/core-properties" Target="docProps/core.xml"/>')
    files["_rels/.rels"] = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                            'relationships">' + "".join(package_rels) + "</Relationships>")
    files["[Content_Types].xml"] = (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + "".join(overrides) + "</Types>")
    files.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for key in ["[Content_Types].xml", "_rels/.rels", *[k for k in files if k not in ("[Content_Types].xml", "_rels/.rels")]]:
            value = files[key]
            archive.writestr(key, value.encode() if isinstance(value, str) else value)
    return buffer.getvalue()


TEXTBOX = (
    '<w:p><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><wp:docPr id="1" name="Hộp"/>'
    '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"><wps:wsp>'
    '<wps:txbx><w:txbxContent><w:p><w:r><w:t>HỘPVĂNBẢN căn cứ 99/2020/NĐ-CP</w:t></w:r></w:p></w:txbxContent>'
    '</wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict>'
    '<v:shape><v:textbox><w:txbxContent><w:p><w:r><w:t>HỘPVĂNBẢN căn cứ 99/2020/NĐ-CP</w:t></w:r></w:p>'
    '</w:txbxContent></v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>'
)
TRACKED = ('<w:p>' + run("Giữ ") + '<w:ins w:id="1" w:author="a">' + run("CHÈNVÀO 88/2019/NĐ-CP") + '</w:ins>'
           '<w:del w:id="2" w:author="a"><w:r><w:delText>XOÁBỎ 77/2017/NĐ-CP</w:delText></w:r></w:del></w:p>')
FIELD = ('<w:p>' + run("Xem ") + '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> '
         'HYPERLINK "http://x/66/2016/NĐ-CP" MÃTRƯỜNG </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
         + run("KẾTQUẢ") + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>')
CONTENT_CONTROL = '<w:sdt><w:sdtPr/><w:sdtContent>' + para("NỘIDUNGSDT 55/2022/TT-BTC") + '</w:sdtContent></w:sdt>'
NO_BREAK_HYPHEN = '<w:p>' + run("1291/QĐ") + '<w:r><w:noBreakHyphen/></w:r>' + run("UBND ngày 12/6/2019") + '</w:p>'
TABS = '<w:p>' + run("ALPHA") + '<w:r><w:tab/></w:r>' + run("BETA") + '<w:r><w:br/></w:r>' + run("GAMMA") + '</w:p>'


# --- helpers -------------------------------------------------------------------------------

def assert_refusal(response, status_range=range(400, 500), code=None):
    assert response.status_code in status_range, (response.status_code, response.get_data(as_text=True)[:300])
    body = response.get_json()
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert isinstance(body["error"].get("code"), str) and body["error"]["code"]
    message = body["error"].get("message")
    assert isinstance(message, str) and message.strip()
    # Vietnamese: at least one letter outside ASCII (diacritics) in the message.
    assert any(ord(ch) > 127 for ch in message), message
    if code is not None:
        assert body["error"]["code"] == code, body
    return body["error"]


def versions_of(api, procedure_id):
    return [v["version"] for v in api.get(f"/api/v1/procedures/{procedure_id}").get_json()["versions"]]


def blob_files(app) -> set[str]:
    """Every stored blob, in whichever store the app uses."""
    from qmsdocs.storage import blob_store

    with app.app_context():
        return set(blob_store().keys())


def search(api, **params):
    response = api.get("/api/v1/search?" + urllib.parse.urlencode(params))
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def codes(result):
    return [hit["code"] for hit in result["hits"]]


# --- reading .docx: metadata --------------------------------------------------------------

def test_upload_with_decomposed_uppercase_header_labels_reads_metadata(admin_api, make_procedure):
    procedure = make_procedure(code="QT-11/STP")
    header = table([["UBND TỈNH", "QUY TRÌNH", para(nfd("MÃ HIỆU: QT-11/STP")) + para(nfd("LẦN BAN HÀNH: 06"))
                     + para(nfd("NGÀY BAN HÀNH: 15/08/2024"))]])
    response = admin_api.upload(procedure["id"], build_docx(para("Nội dung."), header=header))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["metadata"] == {"code": "QT-11/STP", "revision": "06", "issued_on": "2024-08-15"}


def test_upload_reads_metadata_from_plain_body_lines_without_diacritics(admin_api, make_procedure):
    procedure = make_procedure(code="QT-09/STP")
    body = para("Ma hieu: QT-09/STP") + para("Lan ban hanh: 4") + para("Ngay ban hanh: 3/4/2022") + para("Nội dung.")
    response = admin_api.upload(procedure["id"], build_docx(body))
    assert response.get_json()["metadata"] == {"code": "QT-09/STP", "revision": "4", "issued_on": "2022-04-03"}


def test_upload_reads_metadata_from_label_and_value_cells_in_the_body(admin_api, make_procedure):
    procedure = make_procedure(code="QT-08/STP")
    body = table([["MÃ HIỆU:", "QT-08/STP"], ["LẦN BAN HÀNH:", "02"], ["NGÀY BAN HÀNH:", "01/02/2023"]]) + para("x")
    response = admin_api.upload(procedure["id"], build_docx(body))
    assert response.get_json()["metadata"] == {"code": "QT-08/STP", "revision": "02", "issued_on": "2023-02-01"}


def test_upload_reads_labels_split_across_runs_and_worded_issue_date(admin_api, make_procedure):
    procedure = make_procedure(code="QT-12/STP")
    body = (para("M", "ã h", "iệu", ": ", "QT-12", "/STP") + para("Lần ", "ban hành", ": 0", "7")
            + para("Ngày ban ", "hành: ngày 05 tháng 3 năm 2019"))
    response = admin_api.upload(procedure["id"], build_docx(body))
    assert response.get_json()["metadata"] == {"code": "QT-12/STP", "revision": "07", "issued_on": "2019-03-05"}


# --- reading .docx: text -------------------------------------------------------------------

def test_version_text_reads_textbox_once_tracked_insertions_and_skips_deletions_and_field_codes(admin_api, make_procedure):
    procedure = make_procedure()
    nested = table([["Ô NGOÀI", table([["Ô TRONG MỘT", "Ô TRONG HAI"]])]])
    body = para("Đầu") + TEXTBOX + TRACKED + FIELD + CONTENT_CONTROL + NO_BREAK_HYPHEN + TABS + nested
    data = build_docx(body, header=para("ĐẦUTRANG 12/2012/QH13"), footnotes=["CHÚTHÍCH 33/2013/NĐ-CP"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    text = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1").get_json()["text"]
    assert text.count("HỘPVĂNBẢN") == 1
    assert "CHÈNVÀO" in text and "XOÁBỎ" not in text
    assert "KẾTQUẢ" in text and "MÃTRƯỜNG" not in text and "HYPERLINK" not in text
    assert "NỘIDUNGSDT" in text and "1291/QĐ-UBND" in text
    assert "ĐẦUTRANG" in text and "CHÚTHÍCH" in text
    assert "Ô TRONG MỘT" in text and "Ô TRONG HAI" in text
    assert "ALPHABETA" not in text and "BETAGAMMA" not in text
    keys = {c["key"] for c in admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["citations"]}
    assert {"12/2012/QH13", "99/2020/ND-CP", "88/2019/ND-CP", "55/2022/TT-BTC", "1291/QD-UBND", "33/2013/ND-CP"} <= keys
    assert "77/2017/ND-CP" not in keys and "66/2016/ND-CP" not in keys


@pytest.mark.parametrize("packaging", ["no_docprops", "custom_xml", "main_part_elsewhere", "main_part_other_folder"])
def test_odd_but_valid_packaging_is_accepted_and_read(admin_api, make_procedure, packaging):
    procedure = make_procedure()
    body = para("Mã hiệu: QT-30/STP") + para("Lần ban hành: 02") + para("Căn cứ Nghị định 61/2018/NĐ-CP")
    options = {
        "no_docprops": {"docprops": False},
        "custom_xml": {"extra": {"customXml/item1.xml": "<root/>", "customXml/itemProps1.xml": "<x/>"}},
        "main_part_elsewhere": {"main": "word/document2.xml"},
        "main_part_other_folder": {"main": "content/main.xml", "footnotes": ["Chú thích 12/2012/QH13"]},
    }[packaging]
    data = build_docx(body, **options)
    response = admin_api.upload(procedure["id"], data)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert result["metadata"]["code"] == "QT-30/STP" and result["metadata"]["revision"] == "02"
    assert "61/2018/ND-CP" in {c["key"] for c in result["citations"]}


# --- citations -----------------------------------------------------------------------------

def test_citation_spellings_split_runs_nd_en_dash_spaces_and_lower_case_share_one_key(admin_api, make_procedure):
    procedure = make_procedure()
    body = (para("Căn cứ Nghị định số 61/2018/NĐ-CP;") + para("Nghị định 61/2018/", "N", "Đ", "-", "CP;")
            + para("Nghị định 61/2018/nd–cp;") + para("Nghị định 61 / 2018 / NĐ - CP;")
            + para(nfd("Quyết định 19/2014/QĐ-TTg và 19/2014/qd-ttg;"))
            + para("Thông tư 01/2018/tt–vpcp; Quyết định 1291/QĐ - UBND; Luật 31/2024/QH15; 15/2015/TTLT-BTP-BNV"))
    result = admin_api.upload(procedure["id"], build_docx(body)).get_json()
    keys = [c["key"] for c in result["citations"]]
    assert set(keys) == {"61/2018/ND-CP", "19/2014/QD-TTG", "1/2018/TT-VPCP", "1291/QD-UBND", "31/2024/QH15",
                         "15/2015/TTLT-BTP-BNV"}
    assert all({"symbol", "key", "location", "context"} <= set(c) for c in result["citations"])


def test_dates_page_counts_form_codes_and_phone_numbers_are_not_citations(admin_api, make_procedure):
    procedure = make_procedure()
    body = para("Ngày 12/6/2019; trang 1/5; Trang 3/10; biểu mẫu BM-01/QT-01; ĐT 0294/3862.123; ISO 9001:2015")
    result = admin_api.upload(procedure["id"], build_docx(body)).get_json()
    assert result["citations"] == []


def test_joint_circular_symbol_with_spaced_dashes_keeps_all_issuers(admin_api, make_procedure):
    """BUG: `15/2015/TTLT - BTP - BNV` is cut to `15/2015/TTLT-BTP` (a different key)."""
    procedure = make_procedure()
    body = para("Thông tư liên tịch số 15/2015/TTLT - BTP - BNV ngày 16/11/2015;")
    result = admin_api.upload(procedure["id"], build_docx(body)).get_json()
    assert [c["key"] for c in result["citations"]] == ["15/2015/TTLT-BTP-BNV"]


def test_joint_circular_symbol_with_space_after_inner_dash_is_found(admin_api, make_procedure):
    """BUG: `15/2015/TTLT-BTP- BNV` (stray space) yields no citation at all."""
    procedure = make_procedure()
    result = admin_api.upload(procedure["id"], build_docx(para("Căn cứ 15/2015/TTLT-BTP- BNV;"))).get_json()
    assert [c["key"] for c in result["citations"]] == ["15/2015/TTLT-BTP-BNV"]


# --- versions, download, conflicts ---------------------------------------------------------

def test_download_returns_exact_bytes_sha256_size_and_original_filename(admin_api, make_procedure):
    procedure = make_procedure()
    data = build_docx(para("Mã hiệu: QT-01/STP") + para("Nội dung bản một."))
    response = admin_api.upload(procedure["id"], data, filename="Quy trình cấp phép.docx")
    assert response.status_code == 201
    result = response.get_json()
    assert result["version"] == 1
    assert result["sha256"] == hashlib.sha256(data).hexdigest() and result["size"] == len(data)
    download = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert download.status_code == 200 and download.data == data
    disposition = download.headers["Content-Disposition"]
    assert "Quy%20tr%C3%ACnh%20c%E1%BA%A5p%20ph%C3%A9p.docx" in disposition
    detail = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()
    assert detail["current_version"] == 1
    assert {"version", "sha256", "size", "filename", "uploaded_at", "uploaded_by", "note"} <= set(detail["versions"][0])
    assert detail["versions"][0]["filename"] == "Quy trình cấp phép.docx"


def test_uploaded_filename_with_path_is_never_used_as_a_path(app, admin_api, make_procedure):
    procedure = make_procedure()
    data = build_docx(para("Nội dung."))
    response = admin_api.upload(procedure["id"], data, filename="../../../etc/passwd.docx")
    assert response.status_code == 201
    assert "/" not in response.get_json()["filename"] and ".." not in response.get_json()["filename"]
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file").data == data


def test_versions_are_contiguous_and_stale_base_version_or_identical_bytes_are_409(admin_api, make_procedure):
    procedure = make_procedure()
    pid = procedure["id"]
    docs = [build_docx(para(f"Lần {i}")) for i in range(4)]
    assert admin_api.upload(pid, docs[0]).get_json()["version"] == 1
    assert admin_api.upload(pid, docs[1], base_version=1).get_json()["version"] == 2
    stale = admin_api.upload(pid, docs[2], base_version=1)
    assert_refusal(stale, {409}, "stale_base_version")
    same = admin_api.upload(pid, docs[1])
    assert_refusal(same, {409}, "no_change")
    assert versions_of(admin_api, pid) == [1, 2]
    assert admin_api.upload(pid, docs[3], base_version=2).get_json()["version"] == 3
    assert versions_of(admin_api, pid) == [1, 2, 3]


def test_racing_uploads_on_one_base_version_store_exactly_one(app, admin_api, make_procedure):
    procedure = make_procedure()
    pid = procedure["id"]
    assert admin_api.upload(pid, build_docx(para("Gốc"))).status_code == 201
    documents = [build_docx(para(f"Bản sửa số {i}")) for i in range(5)]
    barrier = threading.Barrier(len(documents))
    statuses = []

    def post(data):
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post(f"/api/v1/procedures/{pid}/versions", headers=admin_api.headers,
                                    data={"file": (io.BytesIO(data), "s.docx"), "note": "s", "base_version": "1"},
                                    content_type="multipart/form-data").status_code)

    threads = [threading.Thread(target=post, args=(d,)) for d in documents]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201, 409, 409, 409, 409]
    assert versions_of(admin_api, pid) == [1, 2]


# --- refusals --------------------------------------------------------------------------------

def _hostile(kind: str) -> bytes:
    body = para("Mã hiệu: QT-40/STP") + para("Căn cứ Nghị định 61/2018/NĐ-CP")
    xxe = ('<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           f'<w:document {NAMESPACES}><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p></w:body></w:document>')
    if kind == "empty":
        return b""
    if kind == "text_renamed":
        return "Đây là văn bản thường, không phải Word.".encode()
    if kind == "xlsx_renamed":
        import openpyxl
        buffer = io.BytesIO()
        openpyxl.Workbook().save(buffer)
        return buffer.getvalue()
    if kind == "docm":
        return build_docx(body, main_type=MACRO_TYPE, extra={"word/vbaProject.bin": b"\0" * 64})
    if kind == "vba_part":
        return build_docx(body, extra={"word/vbaProject.bin": factory.OLE_MAGIC + b"\0" * 64})
    if kind == "ole":
        return factory.OLE_MAGIC + b"\0" * 2048
    if kind == "truncated":
        return build_docx(body)[:-150]
    if kind == "zip_bomb":
        return factory.make_zip_bomb()
    if kind == "entity_bomb":
        return factory.make_billion_laughs_docx()
    if kind == "xxe":
        return build_docx(body, extra={"word/document.xml": xxe})
    if kind == "xxe_in_rels":
        return build_docx(body, extra={"_rels/.rels": (
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "word/document.xml">]><Relationships xmlns="http://'
            'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="&a;"/></Relationships>')})
    if kind == "pdf":
        return b"%PDF-1.4\n" + b"x" * 500
    if kind == "too_large":
        return b"PK\x03\x04" + b"\0" * (20 * 1024 * 1024 + 16)
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["empty", "text_renamed", "xlsx_renamed", "docm", "vba_part", "ole", "truncated",
                                  "zip_bomb", "entity_bomb", "xxe", "xxe_in_rels", "pdf", "too_large"])
def test_hostile_upload_is_refused_with_vietnamese_json_error_and_nothing_stored(app, admin_api, make_procedure, runner, kind):
    procedure = make_procedure()
    pid = procedure["id"]
    assert admin_api.upload(pid, build_docx(para("Bản hợp lệ"))).status_code == 201
    before = blob_files(app)
    started = time.monotonic()
    response = admin_api.upload(pid, _hostile(kind), filename=f"{kind}.docx")
    assert time.monotonic() - started < 10
    assert_refusal(response)
    assert versions_of(admin_api, pid) == [1]
    assert blob_files(app) == before
    check = runner.invoke(args=["qms", "check"])
    assert check.exit_code == 0, check.output


# --- preview and diff --------------------------------------------------------------------------

def test_preview_escapes_script_and_drops_javascript_links(admin_api, make_procedure):
    procedure = make_procedure()
    rels = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rIdJ" Type="{REL}/hyperlink" Target="javascript:alert(1)" TargetMode="External"/>'
            '</Relationships>')
    body = (para("X<script>alert('x')</script>") + para("Y<img src=x onerror=alert(1)>")
            + '<w:p><w:hyperlink r:id="rIdJ">' + run("bấm vào đây") + '</w:hyperlink></w:p>')
    assert admin_api.upload(procedure["id"], build_docx(body, extra={"word/_rels/document.xml.rels": rels})).status_code == 201
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/html")
    assert response.status_code == 200
    html = response.get_data(as_text=True).lower()
    assert "<script" not in html and "javascript:" not in html and "<img" not in html
    assert "bấm vào đây" in response.get_data(as_text=True)


def test_diff_reports_changed_removed_and_added_paragraphs(admin_api, make_procedure):
    procedure = make_procedure()
    pid = procedure["id"]
    admin_api.upload(pid, build_docx(para("Đoạn một giữ nguyên.") + para("Đoạn hai sẽ đổi.") + para("Đoạn ba sẽ bị xoá.")))
    admin_api.upload(pid, build_docx(para("Đoạn một giữ nguyên.") + para("Đoạn hai đã đổi xong.")))
    diff = admin_api.get(f"/api/v1/procedures/{pid}/diff?from=1&to=2")
    assert diff.status_code == 200
    ops = [c["op"] for c in diff.get_json()["changes"]]
    assert ops == ["equal", "changed", "removed"]
    assert diff.get_json()["summary"] == {"equal": 1, "changed": 1, "removed": 1, "added": 0}
    assert_refusal(admin_api.get(f"/api/v1/procedures/{pid}/diff?from=1&to=9"), {404})
    assert_refusal(admin_api.get(f"/api/v1/procedures/{pid}/diff?from=abc&to=2"), {400})


# --- CLI ---------------------------------------------------------------------------------------

def test_import_folder_prints_summary_and_one_line_per_refused_file_and_is_idempotent(app, runner, make_agency, tmp_path):
    make_agency("STP")
    folder = tmp_path / "import"
    (folder / "sub").mkdir(parents=True)
    (folder / "QT-01-STP lan 2.docx").write_bytes(build_docx(para("Mã hiệu: QT-01/STP") + para("Lần ban hành: 02")))
    (folder / "QT-01-STP lan 3.docx").write_bytes(build_docx(para("Mã hiệu: QT-01/STP") + para("Lần ban hành: 03")))
    (folder / "QT-03-STP.docx").write_bytes(build_docx(para("Không có mã trong tài liệu.")))
    (folder / nfd("Quy trình chứng thực.docx")).write_bytes(build_docx(para(nfd("MÃ HIỆU: QT-04/STP"))))
    (folder / "macro.docx").write_bytes(_hostile("docm"))
    (folder / "cu.doc").write_bytes(_hostile("ole"))
    (folder / "rong.docx").write_bytes(b"")
    (folder / "bang-tinh.docx").write_bytes(_hostile("xlsx_renamed"))
    first = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert first.exit_code == 0, first.output
    refused = [line for line in first.output.splitlines() if line.startswith("TỪ CHỐI")]
    assert len(refused) == 4
    assert all(any(name in line for line in refused) for name in ("macro.docx", "cu.doc", "rong.docx", "bang-tinh.docx"))
    second = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert second.exit_code == 0
    # Re-import changes nothing: same procedures and versions.
    from qmsdocs.db import session
    from qmsdocs.procedures.models import Procedure, ProcedureVersion
    from sqlalchemy import func, select
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Procedure)) == 3
        assert session.scalar(select(func.count()).select_from(ProcedureVersion)) == 4
    assert runner.invoke(args=["qms", "check"]).exit_code == 0


@pytest.mark.folder_blobs
def test_check_reports_corrupt_blob_and_repair_removes_old_orphan(app, runner, admin_api, make_procedure):
    procedure = make_procedure()
    data = build_docx(para("Nội dung sẽ bị hỏng trên đĩa."))
    sha = admin_api.upload(procedure["id"], data).get_json()["sha256"]
    root = Path(app.config["DATA_DIR"]) / "blobs"
    path = root / sha[:2] / sha[2:4] / sha
    damaged = bytearray(path.read_bytes())
    damaged[50] ^= 0xFF
    os.chmod(path, 0o644)
    path.write_bytes(bytes(damaged))
    orphan = b"orphan left by a crash"
    orphan_sha = hashlib.sha256(orphan).hexdigest()
    orphan_path = root / orphan_sha[:2] / orphan_sha[2:4] / orphan_sha
    orphan_path.parent.mkdir(parents=True, exist_ok=True)
    orphan_path.write_bytes(orphan)
    old = time.time() - 3600
    os.utime(orphan_path, (old, old))
    check = runner.invoke(args=["qms", "check"])
    assert check.exit_code == 1 and sha in check.output and orphan_sha in check.output
    repair = runner.invoke(args=["qms", "check", "--repair"])
    assert not orphan_path.exists()
    assert sha in repair.output and repair.exit_code == 1


@pytest.mark.folder_blobs
def test_download_of_a_corrupted_blob_is_a_clear_error_not_a_500(app, admin_api, make_procedure):
    """BUG: a blob that fails its checksum is answered 500 `internal_error` (generic message)."""
    procedure = make_procedure()
    sha = admin_api.upload(procedure["id"], build_docx(para("Sẽ hỏng."))).get_json()["sha256"]
    path = Path(app.config["DATA_DIR"]) / "blobs" / sha[:2] / sha[2:4] / sha
    damaged = bytearray(path.read_bytes())
    damaged[50] ^= 0xFF
    os.chmod(path, 0o644)
    path.write_bytes(bytes(damaged))
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert response.status_code != 500
    assert response.get_json()["error"]["code"] != "internal_error"


# --- search ------------------------------------------------------------------------------------

@pytest.fixture
def search_corpus(admin_api, make_agency):
    make_agency("STNMT", "Sở Tài nguyên và Môi trường")
    make_agency("UBH", "UBND huyện Cầu Kè", "district")
    land = admin_api.post("/api/v1/procedures", json={
        "agency": "STNMT", "code": "QT-01/STNMT", "title": "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
        "field": "Đất đai", "admin_procedures": ["1.004227"]}).get_json()
    admin_api.upload(land["id"], build_docx(
        para("Thực hiện theo Nghị định số 61/2018/NĐ-CP. Hòa giải tranh chấp thuỷ lợi.")
        + para(nfd("Thủ tục đăng ký biến động đất đai."))))
    birth = admin_api.post("/api/v1/procedures", json={
        "agency": "UBH", "code": "QT-HT-01", "title": "Đăng ký khai sinh", "field": "Hộ tịch"}).get_json()
    admin_api.upload(birth["id"], build_docx(para("Căn cứ 123/2015/NĐ-CP; hoa xuân nở. Bản cũ có từ CŨRIÊNG.")))
    admin_api.upload(birth["id"], build_docx(para("Căn cứ 123/2015/NĐ-CP; hoa xuân nở. Bản mới.")))
    return land["id"], birth["id"]


@pytest.mark.parametrize("query", ["cấp giấy chứng nhận", "cap giay chung nhan", "CẤP GIẤY", nfd("cấp giấy"),
                                   "hoà giải", "hoa giai", "thủy lợi", "61/2018/NĐ-CP", "61/2018/ND-CP",
                                   "61/2018/nđ–cp", "61 / 2018 / NĐ - CP", "1.004227", "QT-01/STNMT",
                                   '"đăng ký biến động"'])
def test_search_finds_by_content_symbol_and_code_in_any_spelling(admin_api, search_corpus, query):
    assert codes(search(admin_api, q=query)) == ["QT-01/STNMT"]


def test_search_finds_procedure_code_typed_without_punctuation(admin_api, search_corpus):
    """BUG: docs/search.md promises `qt01stp` finds QT-01/STP; the squeezed code finds nothing."""
    assert codes(search(admin_api, q="qt01stnmt")) == ["QT-01/STNMT"]


def test_search_filters_facets_history_and_pagination(admin_api, search_corpus):
    land_id, birth_id = search_corpus
    assert codes(search(admin_api, legal="61/2018/nd-cp")) == ["QT-01/STNMT"]
    assert codes(search(admin_api, admin_procedure="1.004227")) == ["QT-01/STNMT"]
    assert codes(search(admin_api, level="district")) == ["QT-HT-01"]
    assert codes(search(admin_api, agency="stnmt")) == ["QT-01/STNMT"]
    assert codes(search(admin_api, field="dat dai")) == ["QT-01/STNMT"]
    assert search(admin_api, q="CŨRIÊNG")["total"] == 0
    old = search(admin_api, q="curieng", include_history="true")
    assert [(h["code"], h["version"]) for h in old["hits"]] == [("QT-HT-01", 1)]
    ranked = search(admin_api, q="hoà")["hits"]
    assert [h["code"] for h in ranked] == ["QT-01/STNMT", "QT-HT-01"] and ranked[0]["score"] > ranked[1]["score"]
    assert "<mark>" in search(admin_api, q="hoa giai")["hits"][0]["snippet"]
    page = search(admin_api, q="hoa", per_page=1, page=2)
    assert page["total"] == 2 and len(page["hits"]) == 1
    result = search(admin_api, q="hoa")
    assert {"agency", "level", "field", "legal", "status", "stale"} <= set(result["facets"])
    assert {"procedure_id", "code", "title", "agency", "version", "score", "snippet"} <= set(result["hits"][0])


@pytest.mark.parametrize("query", ['"unbalanced', 'AND OR NOT ( ) * ? ~ ^ :', "x" * 10000, "đ" * 10000, "-", "*",
                                   '"', "\\", "title:hoa", "\x00", "/", "//", "a " * 200])
def test_malformed_search_queries_never_give_500(admin_api, search_corpus, query):
    response = admin_api.get("/api/v1/search?" + urllib.parse.urlencode({"q": query}))
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        assert_refusal(response)


@pytest.mark.parametrize("params", [{"page": "0"}, {"page": "abc"}, {"per_page": "1000"}, {"level": "planet"},
                                    {"stale": "maybe"}, {"include_history": "x"}, {"status": "xx"}])
def test_bad_search_parameters_are_400_with_json_error(admin_api, params):
    assert_refusal(admin_api.get("/api/v1/search?" + urllib.parse.urlencode({"q": "hoa", **params})), {400})


def test_a_10000_character_search_through_gunicorn_gets_a_json_answer(app, tmp_path):
    """BUG: behind the README's `gunicorn -w 2 ...` a 10,000-character `q` never reaches the app:
    gunicorn's default request-line limit (4094) answers 414 with an HTML page."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    if not gunicorn.exists():
        pytest.skip("gunicorn not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, QMSDOCS_DATA_DIR=str(app.config["DATA_DIR"]),
               QMSDOCS_DATABASE_URL=str(app.config["DATABASE_URL"]), QMSDOCS_SECRET_KEY="t")
    process = subprocess.Popen([str(gunicorn), "-w", "1", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                               cwd=Path(__file__).resolve().parent.parent, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/search?q=" + "x" * 10000
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start")
                time.sleep(0.2)
        try:
            urllib.request.urlopen(url, timeout=10)
            pytest.fail("expected a refusal")
        except urllib.error.HTTPError as error:
            status, body = error.code, error.read()
        assert status in (400, 401), status
        assert "error" in json.loads(body)
    finally:
        process.terminate()
        process.wait(timeout=10)


# --- legal registry and alerts -------------------------------------------------------------------

def test_legal_change_opens_alerts_then_acknowledge_and_dismiss_with_role_checks(admin_api, api_as, make_agency):
    make_agency("SXD", "Sở Xây dựng")
    proc = admin_api.post("/api/v1/procedures", json={"agency": "SXD", "code": "QT-XD-01", "title": "Cấp phép"}).get_json()
    admin_api.upload(proc["id"], build_docx(para("Ngày ban hành: 01/11/2026")
                                            + para("Căn cứ Luật Đất đai số 45/2013/qh13.")))
    created = admin_api.post("/api/v1/legal-documents", json={"symbol": "45/2013/QH13", "type": "Luật",
                                                               "title": "Luật Đất đai 2013"})
    assert created.status_code == 201 and created.get_json()["key"] == "45/2013/QH13"
    assert_refusal(admin_api.post("/api/v1/legal-documents", json={"symbol": "45/2013/QH13", "title": "x"}), {409})
    assert_refusal(admin_api.post("/api/v1/legal-documents", json={"symbol": "ISO 9001:2015", "title": "x"}), {400})
    change = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                            "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    assert change.status_code == 201 and change.get_json()["alerts_opened"] == 1
    again = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                           "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    assert again.get_json()["alerts_opened"] == 0
    alerts = admin_api.get(f"/api/v1/alerts?agency=SXD&procedure={proc['id']}&status=open&rule=legal_change").get_json()["items"]
    assert len(alerts) == 1
    alert = alerts[0]
    assert {"id", "procedure_id", "rule", "legal_symbol", "status", "opened_at"} <= set(alert)
    viewer = api_as("viewer", agency="SXD")
    editor = api_as("editor", agency="SXD")
    approver = api_as("approver", agency="SXD")
    assert_refusal(viewer.post(f"/api/v1/alerts/{alert['id']}/acknowledge"), {403})
    assert editor.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 200
    assert_refusal(editor.post(f"/api/v1/alerts/{alert['id']}/dismiss", json={"reason": "không liên quan"}), {403})
    assert_refusal(approver.post(f"/api/v1/alerts/{alert['id']}/dismiss", json={"reason": "  "}), {400})
    dismissed = approver.post(f"/api/v1/alerts/{alert['id']}/dismiss", json={"reason": "Đã rà soát, vẫn đúng"})
    assert dismissed.status_code == 200 and dismissed.get_json()["status"] == "dismissed"
    assert_refusal(viewer.post("/api/v1/legal-documents", json={"symbol": "11/2011/QH11", "title": "x"}), {403})


def test_new_version_citing_the_replacement_resolves_the_alert(admin_api, make_agency):
    make_agency("SXD", "Sở Xây dựng")
    proc = admin_api.post("/api/v1/procedures", json={"agency": "SXD", "code": "QT-XD-03", "title": "x"}).get_json()
    admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                  "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    admin_api.upload(proc["id"], build_docx(para("Ngày ban hành: 01/11/2026") + para("Căn cứ 45/2013/QH13")))
    open_alerts = admin_api.get(f"/api/v1/alerts?procedure={proc['id']}&status=open").get_json()["items"]
    assert [a["legal_symbol"] for a in open_alerts] == ["45/2013/QH13"]
    admin_api.upload(proc["id"], build_docx(para("Ngày ban hành: 02/11/2026") + para("Căn cứ 31/2024/QH15")))
    assert admin_api.get(f"/api/v1/alerts?procedure={proc['id']}&status=active").get_json()["items"] == []


# --- permissions ------------------------------------------------------------------------------------

def test_viewer_cannot_write_and_editor_writes_only_its_own_agency(admin_api, api_as, make_procedure, make_agency):
    own = make_procedure(agency="STP", code="QT-P-01/STP")
    other = make_procedure(agency="SXD", code="QT-P-01/SXD")
    viewer = api_as("viewer", agency="STP")
    editor = api_as("editor", agency="STP")
    data = build_docx(para("Bản của biên tập viên."))
    assert_refusal(viewer.upload(own["id"], data), {403})
    assert_refusal(viewer.post("/api/v1/procedures", json={"agency": "STP", "code": "V-1", "title": "x"}), {403})
    assert_refusal(editor.upload(other["id"], data), {403})
    assert_refusal(editor.post("/api/v1/procedures", json={"agency": "SXD", "code": "V-2", "title": "x"}), {403})
    assert_refusal(editor.post("/api/v1/agencies", json={"code": "ZZ", "name": "x", "level": "commune"}), {403})
    assert editor.upload(own["id"], data).status_code == 201
    assert versions_of(admin_api, other["id"]) == []
    assert viewer.get(f"/api/v1/procedures/{own['id']}/versions/1/file").data == data


# --- catalog, reports, demo -----------------------------------------------------------------------

def test_admin_procedure_code_must_be_text_not_a_json_number(admin_api):
    """BUG: `{"code": 1.5}` is stored as TTHC "1.500000" instead of being refused."""
    response = admin_api.post("/api/v1/admin-procedures", json={"code": 1.5, "name": "Thủ tục thử"})
    assert_refusal(response, {400})


def test_catalog_search_ignores_case_and_diacritics_of_vietnamese_names(admin_api):
    """BUG: `q=đăng ký` (or `dang ky`) misses "Đăng ký khai sinh": on SQLite lower() leaves Đ."""
    assert admin_api.post("/api/v1/admin-procedures", json={"code": "2.000889", "name": "Đăng ký khai sinh"}).status_code == 201
    assert admin_api.get("/api/v1/admin-procedures?q=" + urllib.parse.quote("đăng ký")).get_json()["total"] == 1
    assert admin_api.get("/api/v1/admin-procedures?q=dang%20ky").get_json()["total"] == 1


def test_catalog_import_is_idempotent_and_reports_refused_rows(admin_api):
    csv = ("\ufeffMã TTHC,Tên thủ tục,Lĩnh vực,Cấp thực hiện\n2.000889,Đăng ký khai sinh,Hộ tịch,Cấp xã\n"
           ",Thiếu mã,,\n").encode()
    first = admin_api.client.post("/api/v1/admin-procedures/import", headers=admin_api.headers,
                                  data={"file": (io.BytesIO(csv), "tthc.csv")}, content_type="multipart/form-data")
    assert first.status_code == 200 and first.get_json()["created"] == 1 and len(first.get_json()["refused"]) == 1
    second = admin_api.client.post("/api/v1/admin-procedures/import", headers=admin_api.headers,
                                   data={"file": (io.BytesIO(csv), "tthc.csv")}, content_type="multipart/form-data")
    assert second.get_json()["created"] == 0 and second.get_json()["unchanged"] == 1


def pct(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "%"


def test_report_endpoints_answer_and_refuse_bad_years(admin_api, make_agency):
    make_agency("STP")
    report = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert {"year", "total", "by_level", "by_class"} <= set(report)
    assert set(report["by_class"]) == {"good", "satisfactory", "unsatisfactory", "unassessed"}
    assert_refusal(admin_api.get("/api/v1/reports/assessment?year=abc"), {400})
    assert admin_api.get("/api/v1/reports/coverage").status_code == 200
    assert_refusal(admin_api.get("/api/v1/reports/coverage?agency=NOPE"), {404})
    assert_refusal(admin_api.get("/api/v1/reports/assessment.docx?year=abc"), {400})
    assert_refusal(admin_api.get("/api/v1/reports/assessment.xlsx?year=1800"), {400})


def test_report_files_carry_the_same_numbers_as_the_api(admin_api, make_agency):
    """The .docx and .xlsx reports, opened as Word and Excel would, agree with /reports/assessment."""
    make_agency("STP", "Sở Tư pháp")
    make_agency("SXD", "Sở Xây dựng")
    make_agency("SNV", "Sở Nội vụ")
    make_agency("UBCK", "UBND huyện Cầu Kè", "district")
    make_agency("XPT", "UBND xã Phong Thạnh", "commune")
    results = {"STP": ("good", True), "SXD": ("satisfactory", True), "UBCK": ("unsatisfactory", True),
               "XPT": ("", False)}
    for code, (classification, applied) in results.items():
        saved = admin_api.post("/api/v1/reports/assessments", json={
            "agency": code, "year": 2019, "qms_built": True, "qms_applied": applied, "classification": classification})
        assert saved.status_code == 201, saved.get_json()
    report = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert report["total"] == 5 and report["by_class"] == {"good": 1, "satisfactory": 1, "unsatisfactory": 1,
                                                           "unassessed": 2}
    levels = report["levels"]
    order = ["province", "district", "commune"]

    word = admin_api.get("/api/v1/reports/assessment.docx?year=2019")
    assert word.status_code == 200 and word.mimetype.endswith("wordprocessingml.document")
    _header, built_applied, by_level, detail, _signature = docx_tables(word.data)
    assert built_applied[1:] == [
        [str(i), levels[l]["label"], str(levels[l]["total"]), str(levels[l]["built"]), str(levels[l]["applied"]),
         pct(levels[l]["applied_rate"])] for i, l in enumerate(order, start=1)
    ] + [["", "Tổng cộng", "5", str(report["completion"]["built"]), str(report["completion"]["applied"]),
          pct(report["completion"]["applied_rate"])]]
    assert by_level[1:4] == [
        [str(i), levels[l]["label"], str(levels[l]["total"]),
         *[str(levels[l]["by_class"][k]) for k in ("good", "satisfactory", "unsatisfactory", "unassessed")]]
        for i, l in enumerate(order, start=1)]
    assert by_level[4][2:] == ["5", "1", "1", "1", "2"]
    assert by_level[5][3:] == [pct(report["shares"][k]) for k in ("good", "satisfactory", "unsatisfactory",
                                                                  "unassessed")]
    assert {row[1]: row[5] for row in detail[1:]} == {
        "Sở Tư pháp": "Tốt", "Sở Xây dựng": "Đạt yêu cầu", "Sở Nội vụ": "Chưa đánh giá",
        "UBND huyện Cầu Kè": "Không đạt yêu cầu", "UBND xã Phong Thạnh": "Chưa đánh giá"}
    assert {row[1]: row[4] for row in detail[1:]}["UBND xã Phong Thạnh"] == ""

    excel = admin_api.get("/api/v1/reports/assessment.xlsx?year=2019")
    assert excel.status_code == 200 and excel.mimetype.endswith("spreadsheetml.sheet")
    sheets = xlsx_sheets(excel.data)
    summary_rows = [row for row in sheets["Tổng hợp"][2:] if row[0]]
    assert summary_rows == [
        [levels[l]["label"], levels[l]["total"], levels[l]["built"], levels[l]["applied"], levels[l]["applied_rate"],
         *[levels[l]["by_class"][k] for k in ("good", "satisfactory", "unsatisfactory", "unassessed")]]
        for l in order
    ] + [["Tổng cộng", 5, report["completion"]["built"], report["completion"]["applied"],
          report["completion"]["applied_rate"], 1, 1, 1, 2]]
    assert {row[0]: row[1] for row in sheets["Xếp loại"][1:]} == {
        "Tốt": 1, "Đạt yêu cầu": 1, "Không đạt yêu cầu": 1, "Chưa đánh giá": 2, "Tổng cộng": 5}
    assert {row[1]: row[7] for row in sheets["Chi tiết"][1:]} == {
        "STP": "Tốt", "SXD": "Đạt yêu cầu", "SNV": "Chưa đánh giá", "UBCK": "Không đạt yêu cầu", "XPT": "Chưa đánh giá"}


def test_demo_2019_report_shows_168_agencies_83_good_85_satisfactory(runner, admin_api):
    result = runner.invoke(args=["qms", "demo"])
    assert result.exit_code == 0, result.output
    report = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert report["total"] == 168
    assert report["by_class"]["good"] == 83 and report["by_class"]["satisfactory"] == 85
    assert report["by_class"]["unsatisfactory"] == 0
    assert report["by_level"] == {"province": 53, "district": 9, "commune": 106}


def test_demo_does_not_claim_to_be_loaded_when_an_agency_code_merely_collides(runner, admin_api, make_agency):
    """BUG: `qms demo` treats any agency coded STNMT as "demo already loaded" and exits 0 without loading."""
    make_agency("STNMT", "Sở Tài nguyên và Môi trường (của đơn vị)")
    result = runner.invoke(args=["qms", "demo"])
    # The demo goes only into an empty database: refused, saying why and what to do, nothing loaded.
    assert result.exit_code == 1, result.output
    assert "đã có dữ liệu (1 cơ quan)" in result.output and "Hãy" in result.output
    assert "Đã nạp dữ liệu minh họa" not in result.output
    assert admin_api.get("/api/v1/reports/assessment?year=2019").get_json()["total"] == 1
    assert admin_api.get("/api/v1/agencies/STNMT").get_json()["name"] == "Sở Tài nguyên và Môi trường (của đơn vị)"
    assert admin_api.get("/api/v1/procedures").get_json()["items"] == []


# --- web pages --------------------------------------------------------------------------------------

def page_text(response) -> str:
    """The visible text of a page: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"(?s)<(script|style)[^>]*>.*?</\1>", " ", response.get_data(as_text=True))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def test_main_web_pages_show_their_data_to_a_signed_in_admin(app, client, make_user, admin_api, make_procedure):
    """Each page answers 200 and shows the records it is about (an empty page would not pass)."""
    from tests.conftest import PASSWORD
    procedure = make_procedure()
    pid = procedure["id"]
    admin_api.upload(pid, build_docx(para("Ngày ban hành: 01/11/2026") + para("Bước MỘTCŨ.")))
    admin_api.upload(pid, build_docx(para("Ngày ban hành: 02/11/2026") + para("Bước HAIMỚI.")
                                     + para("Căn cứ Luật Đất đai số 45/2013/QH13 và Nghị định số 61/2018/NĐ-CP.")))
    admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                  "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    admin_api.post("/api/v1/admin-procedures", json={"code": "1.004227", "name": "Thủ tục ZEBRATTHC"})
    make_user("webadmin", "admin")
    assert client.post("/login", data={"username": "webadmin", "password": PASSWORD}).status_code in (302, 303)
    expected = {
        "/": ["webadmin", "QT-01/STP"],
        "/procedures": ["QT-01/STP", "Quy trình cấp phiếu lý lịch tư pháp", "phiên bản 2"],
        "/procedures?sort=bogus&page=abc": ["QT-01/STP"],
        f"/procedures/{pid}": ["QT-01/STP", "Phiên bản 2", "quy-trinh.docx", "45/2013/QH13", "61/2018/NĐ-CP"],
        f"/procedures/{pid}/versions/1": ["Phiên bản 1", "HẾT HIỆU LỰC"],
        f"/procedures/{pid}/versions/1/preview": ["MỘTCŨ"],
        f"/procedures/{pid}/compare?from=1&to=2": ["MỘTCŨ", "HAIMỚI"],
        f"/procedures/{pid}/upload": ["QT-01/STP", "2 (quy-trinh.docx"],
        "/procedures/new": ["Cơ quan STP"],
        "/agencies": ["Cơ quan STP", "1 quy trình"],
        "/users": ["webadmin", admin_api.username],
        "/account": ["webadmin"],
        "/search?q=%22unbalanced": ["Tìm thấy 0 quy trình"],
        "/alerts": ["QT-01/STP", "45/2013/QH13"],
        "/legal": ["45/2013/QH13", "31/2024/QH15"],
        "/legal/unknown": ["61/2018/NĐ-CP"],
        "/admin-procedures": ["1.004227", "ZEBRATTHC"],
        "/reports": ["Tổng số cơ quan, đơn vị: 1"],
        "/reports/coverage": ["Cơ quan STP"],
        "/reports/assessments?year=2019": ["Cơ quan STP (STP)"],
    }
    for path, fragments in expected.items():
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        text = page_text(response)
        assert [f for f in fragments if f not in text] == [], (path, text[:600])
    assert "HAIMỚI" not in page_text(client.get(f"/procedures/{pid}/versions/1/preview"))


def test_cataloguing_a_tthc_reindexes_procedures_already_linked_to_its_code(admin_api, make_procedure, runner):
    """BUG: POST /admin-procedures for a code procedures already implement leaves their search
    records without the TTHC name: a search by that name finds nothing and `qms check` says index_stale."""
    make_procedure(code="QT-TT-99", title="Liên kết trước", admin_procedures=["1.999999"])
    created = admin_api.post("/api/v1/admin-procedures", json={"code": "1.999999", "name": "Thủ tục Zebrafoo cấp phép"})
    assert created.status_code == 201
    assert codes(search(admin_api, q="zebrafoo")) == ["QT-TT-99"]
    check = runner.invoke(args=["qms", "check"])
    assert check.exit_code == 0, check.output
