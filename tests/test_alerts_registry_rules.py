"""Detailing lapse, provincial documents, upload warnings, article-level citations and date bounds,
through the API (and the procedure page where they show)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.models import AuditEvent
from qmsdocs.db import session

TODAY = date.today().strftime("%d/%m/%Y")


def _active(api, procedure_id):
    """Active alerts about legal documents (an old first version may also be overdue for review)."""
    items = api.get(f"/api/v1/procedures/{procedure_id}/alerts").get_json()["items"]
    return [a for a in items if a["status"] in ("open", "acknowledged") and a["rule"] == "legal_change"]


def _register(api, symbol, type_, **extra):
    response = api.post("/api/v1/legal-documents", json={"symbol": symbol, "type": type_, "title": f"{type_} {symbol}",
                                                         **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _change(api, **body):
    return api.post("/api/v1/legal-changes", json={"effective_on": "2025-07-01", **body})


def _set_province(app, code, province, former=None):
    with app.app_context():
        agency = session.scalar(select(Agency).where(Agency.code == code))
        agency.province, agency.former_province = province, former
        session.commit()


# ---------------------------------------------------------------- detailing regulations lapse with their parent

@pytest.fixture
def chain(admin_api, make_procedure, make_docx):
    """Law 45/2013/QH13 ← decree 43/2014/NĐ-CP (details it) ← circular 23/2014/TT-BTNMT (guides the decree)."""
    _register(admin_api, "45/2013/QH13", "Luật")
    _register(admin_api, "43/2014/NĐ-CP", "Nghị định")
    _register(admin_api, "23/2014/TT-BTNMT", "Thông tư")
    assert _change(admin_api, symbol="45/2013/QH13", change="detailed", by="43/2014/NĐ-CP").status_code == 201
    assert _change(admin_api, symbol="43/2014/NĐ-CP", change="guided", by="23/2014/TT-BTNMT").status_code == 201
    procedure = make_procedure(agency="STNMT", code="QT-02/STNMT", title="Cấp giấy chứng nhận")
    data = make_docx(code="QT-02/STNMT", issued_on=TODAY, citations_text=["- Thông tư số 23/2014/TT-BTNMT;"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    return procedure


def test_a_circular_lapses_with_the_law_its_decree_details(chain, admin_api, client, make_user):
    response = _change(admin_api, symbol="45/2013/QH13", change="replaced", by="31/2024/QH15", effective_on="2024-08-01")
    assert response.status_code == 201 and response.get_json()["alerts_opened"] == 1
    for symbol, parent in (("43/2014/NĐ-CP", "45/2013/QH13"), ("23/2014/TT-BTNMT", "43/2014/NĐ-CP")):
        body = admin_api.get(f"/api/v1/legal-documents/{symbol}").get_json()
        assert body["status"] == "expired_with_parent" and body["lapsed_with"] == parent
        assert parent in body["status_reason"] and "01/08/2024" in body["status_reason"]
    alert = _active(admin_api, chain["id"])[0]
    assert alert["legal_symbol"] == "23/2014/TT-BTNMT" and alert["effective_on"] == "2024-08-01"
    assert "Thông tư 23/2014/TT-BTNMT hết hiệu lực cùng Nghị định 43/2014/NĐ-CP mà nó hướng dẫn" in alert["message"]
    assert "Luật 45/2013/QH13 bị thay thế bởi 31/2024/QH15" in alert["message"]

    make_user("reader", "viewer", "STNMT")
    client.post("/login", data={"username": "reader", "password": "mat-khau-thu-nghiem"})
    page = client.get(f"/procedures/{chain['id']}").get_data(as_text=True)
    assert "Hết hiệu lực cùng văn bản được quy định chi tiết" in page
    assert "Hết hiệu lực cùng Nghị định 43/2014/NĐ-CP mà văn bản này hướng dẫn" in page


def test_a_later_registry_entry_for_the_child_overrides_the_inference(chain, admin_api):
    _change(admin_api, symbol="45/2013/QH13", change="replaced", by="31/2024/QH15", effective_on="2024-08-01")
    response = admin_api.client.patch("/api/v1/legal-documents/23/2014/TT-BTNMT", json={"status": "Còn hiệu lực"},
                                      headers=admin_api.headers)
    assert response.status_code == 200 and response.get_json()["status"] == "in_force"
    assert _active(admin_api, chain["id"]) == []
    # The child's own later change governs it: replaced by Z alerts as a replacement, not as a lapse.
    _change(admin_api, symbol="23/2014/TT-BTNMT", change="replaced", by="10/2024/TT-BTNMT", effective_on="2024-09-01")
    (alert,) = _active(admin_api, chain["id"])
    assert alert["change"] == "replaced" and alert["change_by"] == "10/2024/TT-BTNMT"


def test_detailing_cycles_and_self_detailing_are_refused(chain, admin_api):
    for body in ({"symbol": "23/2014/TT-BTNMT", "change": "detailed", "by": "45/2013/QH13"},
                 {"symbol": "43/2014/NĐ-CP", "change": "guided", "by": "43/2014/NĐ-CP"}):
        before = admin_api.get("/api/v1/legal-changes").get_json()["items"]
        response = _change(admin_api, **body)
        assert response.status_code == 400
        assert "'by'" in response.get_json()["error"]["message"]
        assert admin_api.get("/api/v1/legal-changes").get_json()["items"] == before


# ---------------------------------------------------------------- provincial documents told apart

@pytest.fixture
def two_provinces(app, admin_api, make_procedure, make_docx):
    procedures = {}
    for agency, province, former in (("STP-TV", "Vinh Long", "UBND tỉnh Trà Vinh"), ("STP-BT", "Vĩnh Long", "Bến Tre")):
        # Recorded through the API, as an administrator would (names read with or without diacritics).
        created = admin_api.post("/api/v1/agencies", json={
            "code": agency, "name": f"Sở Tư pháp ({former})", "level": "province",
            "province": province, "former_province": former})
        assert created.status_code == 201, created.get_json()
        assert created.get_json()["province"] == "Vĩnh Long"
        assert created.get_json()["former_province"] in ("Trà Vinh", "Bến Tre")
        procedure = make_procedure(agency=agency, code=f"QT-01/{agency}", title="Chứng thực")
        data = make_docx(code=f"QT-01/{agency}", issued_on="05/03/2024",
                         citations_text=["- Quyết định số 25/2019/QĐ-UBND về thủ tục chứng thực;"])
        assert admin_api.upload(procedure["id"], data).status_code == 201
        procedures[agency] = procedure
    _register(admin_api, "25/2019/QĐ-UBND", "Quyết định", issuer="UBND tỉnh Trà Vinh")
    _register(admin_api, "25/2019/QĐ-UBND", "Quyết định", issuer="Ủy ban nhân dân tỉnh Bến Tre")
    return procedures


def test_an_agency_with_an_unknown_province_is_refused_and_not_created(admin_api):
    response = admin_api.post("/api/v1/agencies", json={
        "code": "STP-X", "name": "Sở Tư pháp", "level": "province", "province": "Tỉnh Không Có"})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_province" and "'province'" in error["message"]
    assert admin_api.get("/api/v1/agencies/STP-X").status_code == 404


def test_two_provinces_documents_never_meet(two_provinces, admin_api, client, make_user):
    items = admin_api.get("/api/v1/legal-documents?q=25/2019").get_json()["items"]
    assert sorted((d["province"], d["key"]) for d in items) == [
        ("Bến Tre", "25/2019/QD-UBND@BEN-TRE"), ("Trà Vinh", "25/2019/QD-UBND@TRA-VINH")]
    ambiguous = _change(admin_api, symbol="25/2019/QĐ-UBND", change="repealed")
    assert ambiguous.status_code == 409 and "'issuer'" in ambiguous.get_json()["error"]["message"]
    response = _change(admin_api, symbol="25/2019/QĐ-UBND", issuer="UBND tỉnh Trà Vinh", change="repealed",
                       by="10/2025/QĐ-UBND")
    assert response.status_code == 201 and response.get_json()["alerts_opened"] == 1
    assert len(_active(admin_api, two_provinces["STP-TV"]["id"])) == 1
    assert _active(admin_api, two_provinces["STP-BT"]["id"]) == []

    make_user("reader", "viewer", "STP-BT")
    client.post("/login", data={"username": "reader", "password": "mat-khau-thu-nghiem"})
    page = client.get(f"/procedures/{two_provinces['STP-BT']['id']}").get_data(as_text=True)
    assert "Ủy ban nhân dân tỉnh Bến Tre" in page and "Trà Vinh" not in page


def test_a_citation_stays_unknown_with_candidates_when_the_province_is_not_known(
        app, two_provinces, admin_api, make_procedure, make_docx):
    procedure = make_procedure(agency="VP", code="QT-01/VP", title="Văn thư")
    data = make_docx(code="QT-01/VP", issued_on=TODAY, citations_text=["- Quyết định số 25/2019/QĐ-UBND;"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    unknown = admin_api.get("/api/v1/legal-unknown-citations").get_json()["items"]
    assert unknown == [{"key": "25/2019/QD-UBND", "symbol": "25/2019/QĐ-UBND", "procedures": 1,
                        "candidates": ["Bến Tre", "Trà Vinh"]}]
    # Once the agency's province is recorded (Vĩnh Long, formerly Trà Vinh), only Trà Vinh's document fits.
    _set_province(app, "VP", "Vĩnh Long", "Trà Vinh")
    assert admin_api.get("/api/v1/legal-unknown-citations").get_json()["items"] == []
    _change(admin_api, symbol="25/2019/QĐ-UBND", issuer="UBND tỉnh Trà Vinh", change="expired")
    assert len(_active(admin_api, procedure["id"])) == 1


def test_an_unknown_issuing_authority_is_refused(admin_api):
    response = admin_api.post("/api/v1/legal-documents", json={"symbol": "3/2020/NQ-HĐND", "title": "Nghị quyết",
                                                               "issuer": "HĐND tỉnh Atlantis"})
    assert response.status_code == 400 and "'issuer'" in response.get_json()["error"]["message"]
    missing = admin_api.post("/api/v1/legal-documents", json={"symbol": "3/2020/NQ-HĐND", "title": "Nghị quyết"})
    assert missing.status_code == 400 and "'issuer'" in missing.get_json()["error"]["message"]
    assert admin_api.get("/api/v1/legal-documents?q=3/2020").get_json()["total"] == 0
    central = _register(admin_api, "61/2018/NĐ-CP", "Nghị định")
    assert central["key"] == "61/2018/ND-CP" and central["province"] is None


# ---------------------------------------------------------------- revisions that advance

def test_upload_warnings_have_stable_codes_and_are_audited(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure(agency="STP", code="QT-05/STP", title="Lý lịch tư pháp")
    first = make_docx(code="QT-05/STP", revision="04", issued_on="20/11/2026")
    assert admin_api.upload(procedure["id"], first).get_json()["warning_details"] == []
    second = make_docx(code="QT-05/STP", revision="05", issued_on="25/11/2026", citations_text=["Sửa lỗi."])
    assert admin_api.upload(procedure["id"], second).get_json()["warnings"] == []

    again = admin_api.upload(procedure["id"], first, note="")
    assert again.status_code == 201
    body = again.get_json()
    codes = {d["code"]: d for d in body["warning_details"]}
    assert set(codes) == {"revision_not_advanced", "issue_date_not_advanced", "same_as_earlier_version",
                          "note_missing"}
    assert codes["same_as_earlier_version"]["version"] == 1
    assert "trùng với phiên bản 1" in codes["same_as_earlier_version"]["message"]
    assert body["warnings"] == [d["message"] for d in body["warning_details"]]

    other = make_docx(code="QT-09/STP", revision="06", issued_on="30/11/2026")
    mismatch = admin_api.upload(procedure["id"], other).get_json()["warning_details"]
    assert [d["code"] for d in mismatch] == ["code_mismatch"]
    with app.app_context():
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "version.upload_warnings")).all()
        assert [(e.actor_name, e.details["version"]) for e in events] == [(admin_api.username, 3),
                                                                          (admin_api.username, 4)]


def test_the_confirmation_step_warns_before_storing(admin_api, client, make_procedure, make_docx, make_user):
    procedure = make_procedure(agency="STP", code="QT-05/STP", title="Lý lịch tư pháp")
    assert admin_api.upload(procedure["id"], make_docx(code="QT-05/STP", revision="04",
                                                       issued_on="20/11/2026")).status_code == 201
    make_user("editor-stp", "editor", "STP")
    client.post("/login", data={"username": "editor-stp", "password": "mat-khau-thu-nghiem"})
    token = client.get(f"/procedures/{procedure['id']}/upload").get_data(as_text=True)
    csrf = token.split('name="csrf_token" type="hidden" value="')[1].split('"')[0] if 'name="csrf_token" type="hidden"' in token else \
        token.split('name="csrf_token" value="')[1].split('"')[0]
    from io import BytesIO
    data = make_docx(code="QT-05/STP", revision="03", issued_on="20/11/2026", citations_text=["Bản cũ."])
    response = client.post(f"/procedures/{procedure['id']}/upload/inspect",
                           data={"file": (BytesIO(data), "cu.docx"), "csrf_token": csrf},
                           content_type="multipart/form-data", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200, response.get_data(as_text=True)
    codes = [d["code"] for d in response.get_json()["warning_details"]]
    assert codes == ["revision_not_advanced", "issue_date_not_advanced"]
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["versions"][-1]["version"] == 1


# ---------------------------------------------------------------- article-level citations

def test_a_change_naming_articles_ranks_procedures_citing_them_first(admin_api, make_procedure, make_docx):
    touched = make_procedure(agency="VP", code="QT-01/VP", title="Một cửa")
    other = make_procedure(agency="VP", code="QT-02/VP", title="Lưu trữ")
    for procedure, text in ((touched, "Theo khoản 2 Điều 7 của Nghị định 61/2018/NĐ-CP;"),
                            (other, "Theo Điều 9 Nghị định 61/2018/NĐ-CP;")):
        data = make_docx(code=procedure["code"], issued_on=TODAY, citations_text=[text])
        assert admin_api.upload(procedure["id"], data).status_code == 201
    response = _change(admin_api, symbol="61/2018/NĐ-CP", change="amended", by="107/2021/NĐ-CP",
                       articles=["Điều 7"], effective_on="2021-12-01")
    assert response.status_code == 201 and response.get_json()["articles"] == ["7"]
    (first,) = _active(admin_api, touched["id"])
    assert first["cites_touched_article"] is True and "khoản 2 Điều 7" in first["message"]
    assert "ưu tiên cao" in first["message"]
    (second,) = _active(admin_api, other["id"])
    assert second["cites_touched_article"] is False and "ưu tiên thấp" in second["message"]
    # On the procedure page of one citing both, the touched change comes first.
    _change(admin_api, symbol="61/2018/NĐ-CP", change="partially_expired", articles=["9"], effective_on="2030-01-01")
    ranked = _active(admin_api, other["id"])
    assert [a["cites_touched_article"] for a in ranked] == [True, False]


@pytest.mark.parametrize("articles", [["năm"], "Điều", [["5"]], ["7.2.1"], {"5": 1}, ["5"] * 51])
def test_garbage_articles_are_refused_naming_the_field(admin_api, articles):
    response = _change(admin_api, symbol="61/2018/NĐ-CP", change="amended", articles=articles)
    assert response.status_code == 400
    assert "'articles'" in response.get_json()["error"]["message"]
    assert admin_api.get("/api/v1/legal-documents?q=61/2018").get_json()["total"] == 0


# ---------------------------------------------------------------- dates outside 1945–2100

@pytest.mark.parametrize("path, body, field", [
    ("/api/v1/legal-documents", {"symbol": "1/2020/NĐ-CP", "title": "X", "issued_on": "0001-01-01"}, "issued_on"),
    ("/api/v1/legal-documents", {"symbol": "1/2020/NĐ-CP", "title": "X", "effective_on": "9999-12-31"},
     "effective_on"),
    ("/api/v1/legal-changes", {"symbol": "1/2020/NĐ-CP", "change": "expired", "effective_on": "31/12/9999"},
     "effective_on"),
])
def test_dates_outside_1945_2100_are_refused(admin_api, path, body, field):
    response = admin_api.post(path, json=body)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert f"'{field}'" in message and "1945–2100" in message
    assert admin_api.get("/api/v1/legal-documents").get_json()["total"] == 0


def test_review_dates_outside_1945_2100_are_refused(admin_api, make_procedure):
    procedure = make_procedure()
    response = admin_api.post(f"/api/v1/procedures/{procedure['id']}/reviews", json={"reviewed_on": "1900-01-01"})
    assert response.status_code == 400 and "'reviewed_on'" in response.get_json()["error"]["message"]


def test_the_change_form_of_a_provincial_document_records_on_that_province(two_provinces, admin_api, client,
                                                                            make_user):
    documents = {d["province"]: d for d in admin_api.get("/api/v1/legal-documents?q=25/2019").get_json()["items"]}
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": "mat-khau-thu-nghiem"})
    response = client.post(f"/legal/{documents['Bến Tre']['id']}/changes",
                           data={"change": "amended", "effective_on": "01/09/2025", "articles": "Điều 3; 7.2"})
    assert response.status_code == 302
    changes = admin_api.get(f"/api/v1/legal-documents/{documents['Bến Tre']['id']}").get_json()["changes"]
    assert [(c["change"], c["articles"]) for c in changes] == [("amended", ["3", "7.2"])]
    assert admin_api.get(f"/api/v1/legal-documents/{documents['Trà Vinh']['id']}").get_json()["changes"] == []
    assert len(_active(admin_api, two_provinces["STP-BT"]["id"])) == 1
    assert _active(admin_api, two_provinces["STP-TV"]["id"]) == []
    page = client.get(f"/legal/{documents['Bến Tre']['id']}").get_data(as_text=True)
    assert "Điều 3, khoản 2 Điều 7" in page
