"""Linking procedures to TTHC: suggestions from the text of a version, confirmed or rejected by a person."""

from __future__ import annotations

from qmsdocs.catalog.services import admin_procedure_names


def catalog(api):
    for code, name in (("1.001193", "Đăng ký khai sinh"), ("1.000894", "Đăng ký kết hôn"),
                       ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản")):
        response = api.post("/api/v1/admin-procedures", json={"code": code, "name": name, "field": "Hộ tịch",
                                                               "levels": "Cấp xã", "agency_kinds": "commune_committee"})
        assert response.status_code == 201, response.get_json()


def links(api, procedure_id):
    detail = api.get(f"/api/v1/procedures/{procedure_id}").get_json()
    return detail["admin_procedures"]


def test_admin_procedure_names_returns_only_catalogued_codes(admin_api, app):
    catalog(admin_api)
    with app.app_context():
        assert admin_procedure_names(["1.001193", "9.999999", "", "2.000815"]) == {
            "1.001193": "Đăng ký khai sinh", "2.000815": "Chứng thực bản sao từ bản chính giấy tờ, văn bản"}
        assert admin_procedure_names([]) == {}


def test_codes_and_names_in_a_current_version_become_unconfirmed_links(admin_api, make_procedure, make_docx):
    catalog(admin_api)
    procedure = make_procedure(agency="UBND-X", code="QT-HT-02", title="Quy trình hộ tịch")
    paragraphs = ["Quy trình áp dụng cho thủ tục mã 2.000815 và thủ tục Đăng ký kết hôn tại UBND xã.",
                  "Lệ phí 1.500.000 đồng; số 3.1234567 không phải mã."]
    response = admin_api.upload(procedure["id"], make_docx(code="QT-HT-02", paragraphs=paragraphs))
    assert response.status_code == 201, response.get_json()
    suggestions = admin_api.get("/api/v1/admin-procedures/suggestions?agency=UBND-X").get_json()["items"]
    assert {(s["code"], s["confirmed"]) for s in suggestions} == {("2.000815", False), ("1.000894", False)}
    assert {s["name"] for s in suggestions} == {"Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Đăng ký kết hôn"}


def test_a_person_confirms_or_rejects_and_a_rejected_code_is_not_suggested_again(
        admin_api, api_as, make_agency, make_procedure, make_docx):
    catalog(admin_api)
    procedure = make_procedure(agency="UBND-X", code="QT-HT-02", title="Quy trình hộ tịch")
    text = ["Thủ tục mã 2.000815 và 1.000894."]
    admin_api.upload(procedure["id"], make_docx(code="QT-HT-02", paragraphs=text))
    editor = api_as("editor", agency="UBND-X")
    make_agency("STP", "Sở Tư pháp", "province")
    outsider = api_as("editor", agency="STP")
    base = f"/api/v1/procedures/{procedure['id']}/admin-procedures"
    assert outsider.post(f"{base}/2.000815/confirm").status_code == 403
    assert editor.post(f"{base}/2.000815/confirm").get_json() == {"procedure_id": procedure["id"],
                                                                   "code": "2.000815", "confirmed": True}
    assert editor.post(f"{base}/1.000894/reject").status_code == 200
    assert editor.post(f"{base}/1.000894/reject").status_code == 404
    assert links(admin_api, procedure["id"]) == ["2.000815"]
    admin_api.upload(procedure["id"], make_docx(code="QT-HT-02", revision="02", paragraphs=text + ["Sửa đổi."]))
    assert admin_api.get("/api/v1/admin-procedures/suggestions").get_json()["items"] == []
    assert links(admin_api, procedure["id"]) == ["2.000815"]


def test_catalog_list_detail_and_create(admin_api):
    catalog(admin_api)
    listing = admin_api.get("/api/v1/admin-procedures?q=khai sinh").get_json()
    assert listing["total"] == 1 and listing["items"][0]["code"] == "1.001193"
    assert admin_api.get("/api/v1/admin-procedures?level=commune").get_json()["total"] == 3
    assert admin_api.get("/api/v1/admin-procedures?level=moon").status_code == 400
    duplicate = admin_api.post("/api/v1/admin-procedures", json={"code": "1.001193", "name": "Lặp"})
    assert duplicate.status_code == 409
    bad = admin_api.post("/api/v1/admin-procedures", json={"code": "1001193", "name": "Sai mã"})
    assert bad.status_code == 400 and "1.004227" in bad.get_json()["error"]["message"]
    created = admin_api.post("/api/v1/admin-procedures", json={
        "code": "2.000488", "name": "Cấp Phiếu lý lịch tư pháp", "levels": ["province"],
        "legal_bases": ["Luật Lý lịch tư pháp số 28/2009/QH12"], "publishing_decision": "QĐ số 1/QĐ-UBND"})
    assert created.status_code == 201
    body = created.get_json()
    assert body["legal_bases"] == [{"symbol": "28/2009/QH12", "key": "28/2009/QH12"}]
    assert body["changes"][0]["change"] == "created"
    assert admin_api.get("/api/v1/admin-procedures/9.999999").status_code == 404
