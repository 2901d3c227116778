"""Forms (biểu mẫu) attached to procedure versions: stored and served like procedure files, carried
over to new versions, searchable, imported beside their procedure, and hostile files refused whole."""

from __future__ import annotations

import hashlib
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from qmsdocs import jobs
from qmsdocs.blobs.models import StoredBlob
from qmsdocs.db import session
from qmsdocs.registers.models import FormFile, VersionForm
from tests.conftest import PASSWORD
from tests.docx_factory import make_billion_laughs_docx, make_macro_docx, make_zip_bomb, read_parts, replace_parts

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def make_xlsx(rows=(("Phiếu theo dõi hồ sơ", "Ngày nhận"), ("Người nộp hồ sơ", 1))) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attach(api, procedure_id, number, data, filename, **fields):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    form = {"file": FileStorage(io.BytesIO(data), filename=filename), **fields}
    boundary, body = encode_multipart(form)
    return api.client.post(f"/api/v1/procedures/{procedure_id}/versions/{number}/forms", data=body,
                           headers=api.headers, content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def procedure(admin_api, make_procedure, make_docx):
    created = make_procedure()
    assert admin_api.upload(created["id"], make_docx(code="QT-01/STP", revision="01")).status_code == 201
    return created


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return (session.scalar(select(func.count()).select_from(FormFile)),
                session.scalar(select(func.count()).select_from(VersionForm)),
                session.scalar(select(func.count()).select_from(StoredBlob)))


def test_forms_of_each_kind_are_listed_and_download_byte_identical(admin_api, procedure, make_docx):
    docx_form = make_docx(header_block=False, paragraphs=["Phiếu yêu cầu cấp phiếu lý lịch tư pháp"])
    xlsx_form = make_xlsx()
    for data, name in ((docx_form, "QT-01 BM-01.docx"), (xlsx_form, "QT-01 BM-02.xlsx"), (PDF, "so-theo-doi.pdf")):
        fields = {"code": "BM-03"} if name.endswith(".pdf") else {}
        response = attach(admin_api, procedure["id"], 1, data, name, **fields)
        assert response.status_code == 201, response.get_json()
    listed = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/forms").get_json()["forms"]
    assert [(f["code"], f["kind"], f["carried_over"]) for f in listed] == [
        ("BM-01", "docx", False), ("BM-02", "xlsx", False), ("BM-03", "pdf", False)]
    for code, data, media in (("BM-01", docx_form, "wordprocessingml"), ("BM-02", xlsx_form, "spreadsheetml"),
                              ("bm03", PDF, "application/pdf")):
        response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/forms/{code}/file")
        assert response.status_code == 200
        assert response.data == data
        assert response.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
        assert media in response.headers["Content-Type"]
        # Never shown inline: a PDF is a download like the others.
        assert response.headers["Content-Disposition"].startswith("attachment")
    missing = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/forms/BM-09/file")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "form_not_found"


def test_new_version_carries_unchanged_forms_and_replaces_only_the_new_one(admin_api, procedure, make_docx):
    first, second = make_xlsx(), make_xlsx((("Sổ theo dõi", "BM-02"),))
    attach(admin_api, procedure["id"], 1, first, "QT-01 BM-01.xlsx")
    attach(admin_api, procedure["id"], 1, second, "QT-01 BM-02.xlsx")
    assert admin_api.upload(procedure["id"], make_docx(code="QT-01/STP", revision="02")).status_code == 201

    carried = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/2/forms").get_json()["forms"]
    assert [(f["code"], f["carried_over"], f["attached_at_version"]) for f in carried] == [
        ("BM-01", True, 1), ("BM-02", True, 1)]

    replacement = make_xlsx((("Sổ theo dõi mới", "BM-02"),))
    refused = attach(admin_api, procedure["id"], 2, replacement, "QT-01 BM-02.xlsx")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "form_exists"
    assert attach(admin_api, procedure["id"], 2, replacement, "QT-01 BM-02.xlsx", replace="true").status_code == 201

    def served(number, code):
        return admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/{number}/forms/{code}/file")
    assert served(2, "BM-02").data == replacement
    assert served(2, "BM-01").data == first
    old = served(1, "BM-02")
    assert old.data == second
    assert "HET-HIEU-LUC" in old.headers["Content-Disposition"]
    # The superseded version is a record: its forms stay as they were.
    late = attach(admin_api, procedure["id"], 1, make_xlsx(), "QT-01 BM-09.xlsx")
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "version_superseded"


HOSTILE = {
    "wrong type": (b"hello", "QT-01 BM-01.txt", "form_type"),
    "legacy xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "QT-01 BM-01.xls", "form_type"),
    "macro docx": (None, "QT-01 BM-01.docx", "macro_enabled"),
    "entity bomb docx": (None, "QT-01 BM-01.docx", "unsafe_xml"),
    "word saved as xlsx": (None, "QT-01 BM-01.xlsx", "not_xlsx"),
    "macro xlsx": (None, "QT-01 BM-01.xlsx", "macro_enabled"),
    "entity xlsx": (None, "QT-01 BM-01.xlsx", "unsafe_xml"),
    "zip bomb xlsx": (None, "QT-01 BM-01.xlsx", "zip_bomb"),
    "fake pdf": (b"<html>not a pdf</html>", "QT-01 BM-01.pdf", "not_pdf"),
    "truncated pdf": (PDF[:40], "QT-01 BM-01.pdf", "truncated"),
    "empty pdf": (b"", "QT-01 BM-01.pdf", "empty_file"),
}


def _hostile_bytes(case: str, make_docx) -> bytes:
    data = HOSTILE[case][0]
    if data is not None:
        return data
    if case == "macro docx":
        return make_macro_docx()
    if case == "entity bomb docx":
        return make_billion_laughs_docx()
    if case == "word saved as xlsx":
        return make_docx()
    sheet = make_xlsx()
    if case == "macro xlsx":
        types = read_parts(sheet)["[Content_Types].xml"].replace(
            b"spreadsheetml.sheet.main+xml", b"sheet.macroEnabled.main+xml")
        return replace_parts(sheet, {"[Content_Types].xml": types, "xl/vbaProject.bin": b"\0" * 512})
    if case == "entity xlsx":
        strings = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><sst>&e;</sst>'
        return replace_parts(sheet, {"xl/sharedStrings.xml": strings})
    if case == "zip bomb xlsx":
        bomb = read_parts(make_zip_bomb(total_bytes=300 << 20, member_bytes=100 << 20))
        return replace_parts(sheet, {name: content for name, content in bomb.items() if "media" in name})
    raise AssertionError(case)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_form_is_refused_in_vietnamese_and_nothing_is_stored(app, admin_api, procedure, make_docx, case):
    before = counts(app)
    response = attach(admin_api, procedure["id"], 1, _hostile_bytes(case, make_docx), HOSTILE[case][1])
    assert response.status_code in (400, 413, 422), response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == HOSTILE[case][2]
    assert any(ch in error["message"] for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
    assert counts(app) == before


def test_form_without_a_code_or_on_someone_elses_procedure_is_refused(app, api_as, admin_api, procedure,
                                                                       make_agency):
    no_code = attach(admin_api, procedure["id"], 1, PDF, "mau.pdf")
    assert no_code.status_code == 400 and no_code.get_json()["error"]["code"] == "invalid_form_code"
    assert "BM-01" in no_code.get_json()["error"]["message"]
    make_agency("SYT", "Sở Y tế")
    outsider = api_as("editor", agency="SYT")
    assert attach(outsider, procedure["id"], 1, PDF, "BM-01.pdf").status_code == 403
    assert counts(app)[:2] == (0, 0)


def test_form_text_of_the_current_version_is_searchable(app, admin_api, procedure, make_docx):
    attach(admin_api, procedure["id"], 1, make_xlsx((("Sổ theo dõi luân chuyển hồ sơ xuất cảnh",),)),
           "QT-01 BM-01.xlsx")
    attach(admin_api, procedure["id"], 1, make_docx(header_block=False, paragraphs=["Tờ khai đăng ký kết hôn"]),
           "QT-01 BM-02.docx")
    jobs.drain(app)
    for words in ("luân chuyển hồ sơ xuất cảnh", "tờ khai đăng ký kết hôn", "to khai dang ky ket hon"):
        hits = admin_api.get("/api/v1/search", query_string={"q": words}).get_json()["hits"]
        assert [hit["procedure_id"] for hit in hits] == [procedure["id"]], words
    # The index and the database agree (signatures include the forms).
    with app.app_context():
        from qmsdocs.search.checks import check_index
        assert check_index(False) == []


def test_forms_are_shown_attached_and_refused_through_the_procedure_page(app, make_user, procedure):
    make_user("quantri", "admin")
    browser = app.test_client()
    assert browser.post("/login", data={"username": "quantri", "password": PASSWORD}).status_code == 302
    url = f"/procedures/{procedure['id']}/versions/1/forms"
    saved = browser.post(url, data={"file": (io.BytesIO(PDF), "QT-01 BM-01.pdf")},
                         content_type="multipart/form-data", follow_redirects=True)
    assert saved.status_code == 200
    page = saved.get_data(as_text=True)
    assert "Đã gắn biểu mẫu BM-01" in page
    assert "QT-01 BM-01.pdf" in page
    refused = browser.post(url, data={"file": (io.BytesIO(b"MZ fake"), "QT-01 BM-02.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)
    assert "không phải là PDF thật" in refused.get_data(as_text=True)
    download = browser.get(f"{url}/BM-01")
    assert download.status_code == 200 and download.data == PDF
    assert counts(app)[:2] == (1, 1)


def test_import_picks_up_forms_beside_their_procedure(app, runner, make_agency, make_docx, tmp_path):
    make_agency("STP")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "QT-01.docx").write_bytes(make_docx(code="QT-01/STP", revision="01"))
    (folder / "QT-01 BM-01.docx").write_bytes(make_docx(header_block=False, paragraphs=["Phiếu đề nghị"]))
    (folder / "QT-01 BM-02.xlsx").write_bytes(make_xlsx())
    (folder / "QT-07 BM-01.pdf").write_bytes(PDF)
    result = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert result.exit_code == 0, result.output
    assert "1 quy trình mới" in result.output
    assert "TỪ CHỐI QT-07 BM-01.pdf" in result.output
    with app.app_context():
        assert sorted(session.scalars(select(VersionForm.code))) == ["BM-01", "BM-02"]

    (folder / "QT-01 BM-03.pdf").write_bytes(PDF)
    again = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert "1 quy trình được gắn thêm biểu mẫu" in again.output
    (folder / "QT-01 BM-04.xlsx").write_bytes(make_docx())
    refused = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert "TỪ CHỐI QT-01.docx: Biểu mẫu QT-01 BM-04.xlsx" in refused.output
    with app.app_context():
        assert sorted(session.scalars(select(VersionForm.code))) == ["BM-01", "BM-02", "BM-03"]


def test_integrity_check_counts_form_blobs_as_used(app, admin_api, procedure):
    attach(admin_api, procedure["id"], 1, PDF, "QT-01 BM-01.pdf")
    with app.app_context():
        from qmsdocs.procedures import checks

        original = checks.ORPHAN_GRACE_SECONDS
        checks.ORPHAN_GRACE_SECONDS = -1
        try:
            findings = checks.check_blobs(repair=True)
        finally:
            checks.ORPHAN_GRACE_SECONDS = original
        session.commit()
    assert [f for f in findings if f.kind == "orphan_blob"] == []
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/forms/BM-01/file").data == PDF


def test_forms_sent_with_a_version_upload_are_attached_or_refuse_the_whole_upload(app, admin_api, procedure,
                                                                                  make_docx):
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    def upload(revision, *forms):
        fields = {"file": FileStorage(io.BytesIO(make_docx(code="QT-01/STP", revision=revision)),
                                      filename="QT-01.docx"), "note": "Sửa đổi"}
        boundary, body = encode_multipart(fields)
        # werkzeug's encoder takes one file per name: add the forms as repeated parts by hand.
        extra = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="forms"; filename="{name}"\r\n'
            f"Content-Type: application/octet-stream\r\n\r\n".encode() + data + b"\r\n" for data, name in forms)
        body = body.replace(f"--{boundary}--".encode(), extra + f"--{boundary}--".encode())
        return admin_api.client.post(f"/api/v1/procedures/{procedure['id']}/versions", data=body,
                                     headers=admin_api.headers,
                                     content_type=f"multipart/form-data; boundary={boundary}")

    attach(admin_api, procedure["id"], 1, PDF, "QT-01 BM-01.pdf")
    saved = upload("02", (make_xlsx(), "QT-01 BM-02.xlsx"))
    assert saved.status_code == 201, saved.get_json()
    assert saved.get_json()["forms"] == ["BM-02"]
    listed = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/2/forms").get_json()["forms"]
    assert [(f["code"], f["carried_over"]) for f in listed] == [("BM-01", True), ("BM-02", False)]

    before = counts(app)
    refused = upload("03", (make_xlsx(), "QT-01 BM-03.xlsx"), (b"<html>", "QT-01 BM-04.pdf"))
    assert refused.status_code == 422
    assert "QT-01 BM-04.pdf" in refused.get_json()["error"]["message"]
    assert counts(app)[:2] == before[:2]
    detail = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()
    assert detail["current_version"] == 2 and len(detail["versions"]) == 2


def test_upload_page_takes_forms_alongside_the_version(app, make_user, procedure, make_docx):
    make_user("quantri", "admin")
    browser = app.test_client()
    assert browser.post("/login", data={"username": "quantri", "password": PASSWORD}).status_code == 302
    url = f"/procedures/{procedure['id']}/upload"
    refused = browser.post(url, data={"file": (io.BytesIO(make_docx(code="QT-01/STP", revision="02")), "QT-01.docx"),
                                      "note": "Sửa đổi", "base_version": "1",
                                      "forms": [(io.BytesIO(b"fake"), "QT-01 BM-01.pdf")]},
                           content_type="multipart/form-data")
    assert refused.status_code == 422
    assert "Biểu mẫu QT-01 BM-01.pdf" in refused.get_data(as_text=True)
    saved = browser.post(url, data={"file": (io.BytesIO(make_docx(code="QT-01/STP", revision="02")), "QT-01.docx"),
                                    "note": "Sửa đổi", "base_version": "1",
                                    "forms": [(io.BytesIO(PDF), "QT-01 BM-01.pdf"),
                                              (io.BytesIO(make_xlsx()), "QT-01 BM-02.xlsx")]},
                         content_type="multipart/form-data")
    assert saved.status_code == 303
    with app.app_context():
        assert sorted(session.scalars(select(VersionForm.code))) == ["BM-01", "BM-02"]


@pytest.mark.folder_blobs
def test_backup_of_the_folder_store_keeps_the_forms(app, runner, admin_api, procedure, tmp_path):
    import json

    from qmsdocs.backup import archive

    attach(admin_api, procedure["id"], 1, PDF, "QT-01 BM-01.pdf")
    dest = tmp_path / "backup"
    result = runner.invoke(args=["qms", "backup", str(dest)])
    assert result.exit_code == 0, result.output
    (snapshot,) = archive.snapshots(dest)
    assert hashlib.sha256(PDF).hexdigest() in json.loads((snapshot / "manifest.json").read_text())["blobs"]
    verified = runner.invoke(args=["qms", "backup", "--verify", str(dest)])
    assert verified.exit_code == 0, verified.output
