"""The legal registry API and pages: entry, editing, aliases, changes, unknown citations, permissions."""

from __future__ import annotations

from datetime import date

import pytest

from tests.conftest import PASSWORD

LAND = {"symbol": "31/2024/QH15", "type": "Luật", "title": "Luật Đất đai", "issuer": "Quốc hội",
        "issued_on": "2024-01-18", "effective_on": "01/08/2024", "status": "Còn hiệu lực"}


def test_register_a_document(admin_api):
    response = admin_api.post("/api/v1/legal-documents", json=LAND)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["symbol"] == "31/2024/QH15" and body["key"] == "31/2024/QH15"
    assert body["issued_on"] == "2024-01-18" and body["effective_on"] == "2024-08-01"
    assert body["status"] == "in_force" and body["status_label"] == "Còn hiệu lực"
    listing = admin_api.get("/api/v1/legal-documents?q=Đất đai").get_json()
    assert [d["symbol"] for d in listing["items"]] == ["31/2024/QH15"]


def test_symbol_is_normalized_like_citations(admin_api):
    response = admin_api.post("/api/v1/legal-documents", json={"symbol": "61/2018/nd-cp", "type": "nghi dinh",
                                                               "title": "Về cơ chế một cửa"})
    body = response.get_json()
    assert (body["symbol"], body["key"], body["type"]) == ("61/2018/NĐ-CP", "61/2018/ND-CP", "Nghị định")
    duplicate = admin_api.post("/api/v1/legal-documents", json={"symbol": "61/2018/NĐ–CP", "type": "Nghị định",
                                                                "title": "Trùng"})
    assert duplicate.status_code == 409
    assert "đã có trong danh mục" in duplicate.get_json()["error"]["message"]


@pytest.mark.parametrize("body, code", [
    ({"type": "Luật", "title": "Thiếu số ký hiệu"}, "missing_field"),
    ({"symbol": "ISO 9001:2015", "type": "Luật", "title": "Không phải số ký hiệu"}, "invalid_symbol"),
    ({"symbol": "31/2024/QH15", "type": "Luật"}, "missing_field"),
    ({"symbol": "31/2024/QH15", "type": "Luật", "title": "x", "status": "tốt"}, "invalid_status"),
    ({"symbol": "31/2024/QH15", "type": "Luật", "title": "x", "issued_on": "31/02/2024"}, "invalid_date"),
    ({"symbol": "31/2024/QH15", "type": "Luật", "title": "x", "issued_on": "2024-05-01",
      "effective_on": "2024-01-01"}, "invalid_date"),
    ({"symbol": 31, "type": "Luật", "title": "x"}, "missing_field"),
])
def test_invalid_documents_are_refused_with_a_reason(admin_api, body, code):
    response = admin_api.post("/api/v1/legal-documents", json=body)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == code
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize("role", ["editor", "approver", "viewer"])
def test_only_admins_write_the_registry(api_as, make_agency, role):
    make_agency("STP", "Sở Tư pháp")
    user = api_as(role, agency="STP")
    assert user.post("/api/v1/legal-documents", json=LAND).status_code == 403
    assert user.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                    "effective_on": "2024-08-01"}).status_code == 403
    assert user.get("/api/v1/legal-documents").status_code == 200


def test_change_requires_known_kind_and_date(admin_api):
    for body, code in (({"symbol": "45/2013/QH13", "change": "renamed", "effective_on": "2024-08-01"}, "invalid_change"),
                       ({"symbol": "45/2013/QH13", "change": "replaced"}, "missing_field"),
                       ({"symbol": "45/2013/QH13", "change": "replaced", "by": "45/2013/QH13",
                         "effective_on": "2024-08-01"}, "invalid_change"),
                       ({"change": "replaced", "effective_on": "2024-08-01"}, "missing_field")):
        response = admin_api.post("/api/v1/legal-changes", json=body)
        assert response.status_code == 400, body
        assert response.get_json()["error"]["code"] == code


@pytest.mark.parametrize("body, code, names", [
    ({"change": "repealed"}, "missing_field", "'symbol'"),
    ({"change": "repealed", "effective_on": "2024-08-01"}, "missing_field", "'symbol'"),
    ({"symbol": "45/2013/QH13"}, "missing_field", "'change'"),
    ({"symbol": "45/2013/QH13", "effective_on": "bad"}, "missing_field", "'change'"),
    ({"symbol": "45/2013/QH13", "change": "guided", "effective_on": "2024-08-01"}, "missing_field", "'by'"),
    ({"symbol": "45/2013/QH13", "change": "replaced", "by": "Luật mới"}, "invalid_symbol", "'by'"),
    ({"symbol": "45/2013/QH13", "change": "replaced", "by": 31}, "invalid_field", "'by'"),
    ({"symbol": "45/2013/QH13", "change": "repealed"}, "missing_field", "'effective_on'"),
    ({"symbol": "45/2013/QH13", "change": "repealed", "effective_on": "2024-08-01", "note": 5}, "invalid_field",
     "'note'"),
])
def test_change_refusal_names_the_first_problem_in_reading_order(admin_api, body, code, names):
    response = admin_api.post("/api/v1/legal-changes", json=body)
    assert response.status_code == 400, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == code
    assert names in error["message"]
    assert admin_api.get("/api/v1/legal-documents").get_json()["total"] == 0


def test_document_refusal_names_the_first_problem_in_form_order(admin_api):
    error = admin_api.post("/api/v1/legal-documents", json={"type": 7}).get_json()["error"]
    assert "'symbol'" in error["message"]
    error = admin_api.post("/api/v1/legal-documents", json={"symbol": "31/2024/QH15", "type": 7}).get_json()["error"]
    assert error["code"] == "invalid_type"


def test_change_on_unregistered_documents_registers_them(admin_api):
    response = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                             "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    assert response.status_code == 201
    assert response.get_json()["registered"] == ["45/2013/QH13", "31/2024/QH15"]
    old = admin_api.get("/api/v1/legal-documents/45/2013/QH13").get_json()
    assert old["status"] == "expired" and old["changes"][0]["by"] == "31/2024/QH15"
    assert admin_api.get("/api/v1/legal-changes?symbol=45/2013/QH13").get_json()["items"][0]["change"] == "replaced"


def test_aliases_resolve_names_and_other_symbols(admin_api):
    admin_api.post("/api/v1/legal-documents", json={**LAND, "aliases": ["Luật Đất đai 2024"]})
    body = admin_api.get("/api/v1/legal-documents/31/2024/QH15").get_json()
    assert body["aliases"] == ["Luật Đất đai 2024"]
    response = admin_api.post("/api/v1/legal-changes", json={"symbol": "luat dat dai 2024", "change": "amended",
                                                             "by": "43/2024/QH15", "effective_on": "2024-08-01"})
    assert response.status_code == 201 and response.get_json()["symbol"] == "31/2024/QH15"
    clash = admin_api.post("/api/v1/legal-documents", json={"symbol": "45/2013/QH13", "type": "Luật",
                                                            "title": "Luật Đất đai", "aliases": "Luật Đất đai 2024"})
    assert clash.status_code == 409


def test_unknown_citations_are_listed_until_registered(admin_api, make_procedure, make_docx):
    procedure = make_procedure(agency="STP", code="QT-05/STP", title="Cấp phiếu lý lịch tư pháp")
    data = make_docx(code="QT-05/STP", issued_on=date.today().strftime("%d/%m/%Y"),
                     citations_text=["- Luật Lý lịch tư pháp số 28/2009/QH12;", "- Nghị định số 61/2018/ND-CP;"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    unknown = admin_api.get("/api/v1/legal-unknown-citations").get_json()["items"]
    assert {u["key"] for u in unknown} == {"28/2009/QH12", "61/2018/ND-CP"}
    admin_api.post("/api/v1/legal-documents", json={"symbol": "61/2018/NĐ-CP", "type": "Nghị định", "title": "Một cửa"})
    unknown = admin_api.get("/api/v1/legal-unknown-citations").get_json()["items"]
    assert unknown == [{"key": "28/2009/QH12", "symbol": "28/2009/QH12", "procedures": 1, "candidates": []}]


def _sign_in(client, make_user, username, role, agency=None):
    make_user(username, role, agency)
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def test_registry_pages_for_an_admin(client, make_user):
    _sign_in(client, make_user, "quantri", "admin")
    assert client.get("/legal").status_code == 200
    assert client.get("/legal/new").status_code == 200
    refused = client.post("/legal/new", data={"symbol": "không hợp lệ", "title": "x"})
    assert refused.status_code == 400 and "không phải số ký hiệu" in refused.get_data(as_text=True)
    created = client.post("/legal/new", data={"symbol": "45/2013/QH13", "type": "", "title": "Luật Đất đai",
                                              "issued_on": "29/11/2013", "effective_on": "01/07/2014",
                                              "status": "in_force", "aliases": "Luật Đất đai 2013"})
    assert created.status_code == 302
    detail_url = created.headers["Location"]
    html = client.get(detail_url).get_data(as_text=True)
    assert "Luật Đất đai 2013" in html and "Luật 45/2013/QH13" in html
    document_id = int(detail_url.rstrip("/").split("/")[-1])
    edited = client.post(f"/legal/{document_id}/edit", data={"symbol": "45/2013/QH13", "type": "Luật",
                                                             "title": "Luật Đất đai năm 2013", "status": "in_force"})
    assert edited.status_code == 302
    change = client.post(f"/legal/{document_id}/changes", data={"change": "replaced", "by": "31/2024/QH15",
                                                                "effective_on": "01/08/2024"}, follow_redirects=True)
    assert "Đã ghi nhận thay đổi" in change.get_data(as_text=True)
    bad = client.post(f"/legal/{document_id}/changes", data={"change": "replaced", "effective_on": "hôm nay"},
                      follow_redirects=True)
    assert "không hợp lệ" in bad.get_data(as_text=True)
    assert client.post(f"/legal/{document_id}/aliases", data={"alias": "LĐĐ 2013"}).status_code == 302
    assert client.get("/legal/unknown").status_code == 200
    assert client.get("/legal?q=dat dai&status=expired").status_code == 200


def test_registry_pages_refuse_writes_to_non_admins(client, make_user, make_agency):
    make_agency("STP", "Sở Tư pháp")
    _sign_in(client, make_user, "xem", "approver", "STP")
    assert client.get("/legal").status_code == 200
    assert client.get("/legal/new").status_code == 403
    assert client.post("/legal/new", data={"symbol": "45/2013/QH13", "title": "x"}).status_code == 403
    assert client.get("/legal/import").status_code == 403
    assert client.get("/legal/999").status_code == 404


def test_a_long_symbol_is_never_wrapped_inside_in_the_registry(admin_api, client, make_user):
    admin_api.post("/api/v1/legal-documents", json={**LAND, "symbol": "999/2026/NĐ-CP", "type": "Nghị định"})
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    page = client.get("/legal").get_data(as_text=True)
    assert '<a class="symbol" href="/legal/' in page and ">999/2026/NĐ-CP</a>" in page
    css = client.get("/static/app.css")
    assert ".symbol { white-space: nowrap; }" in css.get_data(as_text=True)
    css.close()
