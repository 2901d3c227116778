"""The versioned procedure store through its JSON API."""

from __future__ import annotations

import hashlib

import pytest


def test_upload_becomes_next_version_with_metadata_and_citations(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    data = make_docx(code="QT-01/STP", revision="02", issued_on="12/06/2019",
                     paragraphs=["Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ."])
    response = admin_api.upload(procedure["id"], data, filename="QT-01 lần 2.docx", note="Ban hành")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["version"] == 1
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["size"] == len(data)
    assert body["metadata"] == {"code": "QT-01/STP", "revision": "02", "issued_on": "2019-06-12"}
    assert "61/2018/NĐ-CP" in [c["symbol"] for c in body["citations"]]

    second = admin_api.upload(procedure["id"], make_docx(code="QT-01/STP", revision="03"), note="Sửa đổi")
    assert second.get_json()["version"] == 2

    detail = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()
    assert detail["current_version"] == 2
    assert [v["version"] for v in detail["versions"]] == [1, 2]
    assert detail["versions"][0]["filename"] == "QT-01 lần 2.docx"
    assert detail["versions"][0]["uploaded_by"] == admin_api.username
    assert detail["versions"][1]["note"] == "Sửa đổi"
    assert [(v["status"], v["status_label"]) for v in detail["versions"]] == [
        ("superseded", "hết hiệu lực"), ("current", "hiện hành")]


def test_every_version_downloads_byte_identical_under_its_filename(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    first, second = make_docx(revision="01"), make_docx(revision="02")
    admin_api.upload(procedure["id"], first, filename="ban-dau.docx")
    admin_api.upload(procedure["id"], second, filename="sua-doi.docx")

    old = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert old.status_code == 200
    assert old.data == first
    # A superseded copy says so in its file name, so nobody works from it by mistake.
    assert "ban-dau" in old.headers["Content-Disposition"]
    assert "HET-HIEU-LUC" in old.headers["Content-Disposition"]
    current = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/2/file")
    assert current.data == second
    assert "sua-doi.docx" in current.headers["Content-Disposition"]


def test_upload_with_stale_base_version_is_refused(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx(revision="01"))
    admin_api.upload(procedure["id"], make_docx(revision="02"), base_version=1)

    stale = admin_api.upload(procedure["id"], make_docx(revision="03"), base_version=1)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["code"] == "stale_base_version"
    assert "phiên bản 2" in stale.get_json()["error"]["message"]
    detail = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()
    assert len(detail["versions"]) == 2


def test_identical_bytes_are_refused_as_no_change(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    data = make_docx()
    assert admin_api.upload(procedure["id"], data).status_code == 201
    again = admin_api.upload(procedure["id"], data)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "no_change"


@pytest.mark.folder_blobs
def test_refused_upload_stores_nothing(app, admin_api, make_procedure):
    procedure = make_procedure()
    response = admin_api.upload(procedure["id"], b"PK\x03\x04 not really a zip")
    assert response.status_code in (400, 413, 415, 422)
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["versions"] == []
    assert not list((app.config["DATA_DIR"] / "blobs").rglob("*[0-9a-f]" * 1))


def test_upload_without_file_is_explained(admin_api, make_procedure):
    procedure = make_procedure()
    response = admin_api.client.post(f"/api/v1/procedures/{procedure['id']}/versions", data={"note": "x"},
                                     headers=admin_api.headers)
    assert response.status_code == 400
    assert "docx" in response.get_json()["error"]["message"]


def test_preview_is_sanitized_html(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx(paragraphs=["<script>alert(1)</script> Bước 1: tiếp nhận hồ sơ"]))
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/html")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Bước 1: tiếp nhận hồ sơ" in html
    assert "<script" not in html
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_diff_reports_added_removed_and_changed_paragraphs(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx(paragraphs=["Đoạn giữ nguyên.", "Thời hạn giải quyết 10 ngày.",
                                                            "Đoạn sẽ bị xoá."]))
    admin_api.upload(procedure["id"], make_docx(paragraphs=["Đoạn giữ nguyên.", "Thời hạn giải quyết 07 ngày.",
                                                            "Đoạn mới thêm vào cuối."]))
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/diff?from=1&to=2")
    assert response.status_code == 200
    body = response.get_json()
    assert body["from"] == 1 and body["to"] == 2
    text = str(body["changes"])
    assert "07 ngày" in text and "10 ngày" in text


def test_diff_with_bad_parameters_is_a_clear_400(admin_api, make_procedure):
    procedure = make_procedure()
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/diff?from=abc&to=2")
    assert response.status_code == 400
    assert "from" in response.get_json()["error"]["message"]
    missing = admin_api.get(f"/api/v1/procedures/{procedure['id']}/diff?from=1&to=9")
    assert missing.status_code == 404


def test_api_requires_a_valid_token(client):
    response = client.get("/api/v1/procedures")
    assert response.status_code == 401
    assert "Bearer" in response.get_json()["error"]["message"]
    wrong = client.get("/api/v1/procedures", headers={"Authorization": "Bearer sai"})
    assert wrong.status_code == 401


def test_unknown_api_path_answers_json_404(admin_api):
    response = admin_api.get("/api/v1/khong-co")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_procedure_codes_are_unique_within_an_agency(admin_api, make_procedure):
    make_procedure(code="QT-01")
    duplicate = admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "QT-01", "title": "Khác"})
    assert duplicate.status_code == 409
    make_procedure(agency="STNMT", code="QT-01")


def test_procedure_creation_validates_input(admin_api, make_agency):
    make_agency("STP")
    assert admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "", "title": "x"}).status_code == 400
    assert admin_api.post("/api/v1/procedures", json={"agency": "NONE", "code": "A", "title": "x"}).status_code == 404
    bad_tthc = admin_api.post("/api/v1/procedures",
                              json={"agency": "STP", "code": "A", "title": "x", "admin_procedures": "1.004227"})
    assert bad_tthc.status_code == 201
    assert bad_tthc.get_json()["admin_procedures"] == ["1.004227"]
    not_json = admin_api.client.post("/api/v1/procedures", data="{", headers=admin_api.headers,
                                     content_type="application/json")
    assert not_json.status_code == 400


def test_listing_filters_by_agency_and_status(admin_api, make_procedure):
    make_procedure(agency="STP", code="A")
    make_procedure(agency="STNMT", code="B")
    items = admin_api.get("/api/v1/procedures?agency=STNMT").get_json()["items"]
    assert [p["code"] for p in items] == ["B"]
    assert len(admin_api.get("/api/v1/procedures?status=active").get_json()["items"]) == 2
    assert admin_api.get("/api/v1/procedures?status=nonsense").status_code == 400


def test_retired_procedure_refuses_new_versions_but_keeps_history(admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx())
    retired = admin_api.post(f"/api/v1/procedures/{procedure['id']}/retire", json={"reason": "TTHC bị bãi bỏ"})
    assert retired.status_code == 200
    assert retired.get_json()["status"] == "retired"
    refused = admin_api.upload(procedure["id"], make_docx(revision="02"))
    assert refused.status_code == 409
    download = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert download.status_code == 200 and "HET-HIEU-LUC" in download.headers["Content-Disposition"]
    version = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["versions"][0]
    assert (version["status"], version["status_label"]) == ("retired", "hết hiệu lực")


def test_agencies_api(admin_api, api_as, make_agency):
    created = admin_api.post("/api/v1/agencies", json={"code": "UBND-CK", "name": "UBND huyện Cầu Kè",
                                                      "level": "district"})
    assert created.status_code == 201
    assert created.get_json()["level"] == "district"
    assert admin_api.post("/api/v1/agencies", json={"code": "X", "name": "X", "level": "tinh"}).status_code == 400
    assert admin_api.post("/api/v1/agencies", json={"code": "UBND-CK", "name": "X", "level": "district"}).status_code == 409
    codes = [a["code"] for a in admin_api.get("/api/v1/agencies").get_json()["items"]]
    assert "UBND-CK" in codes
    viewer = api_as("viewer", agency="UBND-CK")
    assert viewer.post("/api/v1/agencies", json={"code": "Y", "name": "Y", "level": "commune"}).status_code == 403


def test_out_of_range_numbers_are_not_found_not_errors(admin_api, make_procedure):
    procedure = make_procedure()
    huge = "9" * 30
    assert admin_api.get(f"/api/v1/procedures/{huge}").status_code == 404
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/{huge}/file").status_code == 404
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}/diff?from=1&to={huge}").status_code == 400


def test_oversize_uploads_are_refused_as_too_large(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    app.config["MAX_UPLOAD_BYTES"] = 50_000
    app.config["MAX_CONTENT_LENGTH"] = 200_000
    just_over = admin_api.upload(procedure["id"], make_docx(paragraphs=["x"]) + b"\0" * 60_000)
    assert just_over.status_code == 413
    assert just_over.get_json()["error"]["code"] == "too_large"
    far_over = admin_api.upload(procedure["id"], b"\0" * 300_000)
    assert far_over.status_code == 413
    assert far_over.get_json()["error"]["code"] == "too_large"
    assert "MB" in far_over.get_json()["error"]["message"]


def test_codes_differing_only_in_case_or_separators_are_one_procedure(admin_api, make_procedure):
    make_procedure(code="QT-90/STP")
    clash = admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "qt-90/stp", "title": "Trùng"})
    assert clash.status_code == 409


def test_tthc_codes_must_be_sent_as_text(admin_api, make_agency):
    make_agency("STP")
    response = admin_api.post("/api/v1/procedures",
                              json={"agency": "STP", "code": "A", "title": "x", "admin_procedures": [1.00422]})
    assert response.status_code == 400
    assert "chuỗi" in response.get_json()["error"]["message"]


@pytest.mark.folder_blobs
def test_download_of_a_corrupted_blob_is_explained(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    body = admin_api.upload(procedure["id"], make_docx()).get_json()
    with app.app_context():
        from qmsdocs.storage import blob_store

        path = blob_store().path_for(body["sha256"])
    path.chmod(0o644)
    path.write_bytes(b"hong")
    response = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "stored_file_unreadable"
    assert "qms check" in response.get_json()["error"]["message"]
