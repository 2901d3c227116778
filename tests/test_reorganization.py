"""Reorganizing agencies keeps history: procedures move with every version, are flagged, old reports keep their year."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from qmsdocs.agencies.models import Agency, ProcedureTransfer
from qmsdocs.agencies.history import agency_as_of
from qmsdocs.auth.models import User
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure, ProcedureVersion


def versions_of(app, procedure_id):
    with app.app_context():
        return [(v.number, v.sha256, v.filename, v.uploaded_at) for v in session.scalars(
            select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure_id)
            .order_by(ProcedureVersion.number))]


def procedure_row(app, procedure_id):
    with app.app_context():
        procedure = session.get(Procedure, procedure_id)
        return procedure.agency.code, procedure.code, procedure.open_alerts, procedure.status


def with_two_versions(admin_api, make_procedure, make_docx, agency, code):
    procedure = make_procedure(agency=agency, code=code, title=f"Quy trình {code}")
    for revision in ("01", "02"):
        response = admin_api.upload(procedure["id"], make_docx(code=code, revision=revision,
                                                               paragraphs=[f"Lần {revision}"]))
        assert response.status_code == 201
    return procedure["id"]


def test_merge_moves_procedures_with_untouched_versions_and_flags_them(admin_api, make_agency, make_procedure,
                                                                      make_docx, make_user, app):
    make_agency("SKHDT", "Sở Kế hoạch và Đầu tư", "province", kind="department")
    make_agency("STC", "Sở Tài chính", "province", kind="department")
    first = with_two_versions(admin_api, make_procedure, make_docx, "SKHDT", "QT-01")
    clash = with_two_versions(admin_api, make_procedure, make_docx, "STC", "QT-01")
    make_user("canbo-khdt", "editor", "SKHDT")
    before = versions_of(app, first)

    response = admin_api.post("/api/v1/agencies/merge", json={
        "agencies": ["SKHDT", "STC"], "effective_on": "2025-03-01", "decision": "Nghị quyết số 1/NQ-HĐND",
        "into": {"code": "STC-MOI", "name": "Sở Tài chính (sau hợp nhất)", "level": "province", "kind": "department"}})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["action"] == "merge"
    assert {p["agency"]: p["role"] for p in body["parties"]} == {"SKHDT": "predecessor", "STC": "predecessor",
                                                                 "STC-MOI": "successor"}
    assert versions_of(app, first) == before
    assert procedure_row(app, first) == ("STC-MOI", "QT-01", 1, "active")
    moved_clash = procedure_row(app, clash)
    assert moved_clash[0] == "STC-MOI" and moved_clash[1] == "QT-01-STC", "a code already used gets the old agency's code"
    assert moved_clash[2] == 1
    with app.app_context():
        old = session.scalar(select(Agency).where(Agency.code == "SKHDT"))
        assert not old.active and old.dissolved_on == date(2025, 3, 1)
        assert session.scalar(select(User).where(User.username == "canbo-khdt")).agency.code == "STC-MOI"
        assert len(session.scalars(select(ProcedureTransfer)).all()) == 2
    history = admin_api.get("/api/v1/agencies/SKHDT/history").get_json()["items"]
    assert [item["action"] for item in history] == ["merge"]
    assert admin_api.get(f"/api/v1/procedures/{first}").get_json()["agency"] == "STC-MOI"


def test_split_hands_procedures_to_the_successors_named(admin_api, make_agency, make_procedure, make_docx, app):
    make_agency("SNNMT", "Sở Nông nghiệp và Môi trường", "province", kind="department")
    land = with_two_versions(admin_api, make_procedure, make_docx, "SNNMT", "QT-DD")
    farm = with_two_versions(admin_api, make_procedure, make_docx, "SNNMT", "QT-NN")
    response = admin_api.post("/api/v1/agencies/SNNMT/split", json={
        "effective_on": "2025-07-01",
        "into": [{"code": "STNMT2", "name": "Sở Tài nguyên và Môi trường", "level": "province", "kind": "department"},
                 {"code": "SNN2", "name": "Sở Nông nghiệp", "level": "province", "kind": "department"}],
        "assignment": {"QT-NN": "SNN2"}})
    assert response.status_code == 201, response.get_json()
    assert procedure_row(app, land)[0] == "STNMT2"
    assert procedure_row(app, farm)[0] == "SNN2"
    assert procedure_row(app, farm)[2] == 1
    wrong = admin_api.post("/api/v1/agencies/STNMT2/split", json={
        "effective_on": "2025-08-01", "into": ["SNN2"], "assignment": {"QT-DD": "SNNMT"}, "keep_source": True})
    assert wrong.status_code == 400 and "không phải cơ quan kế thừa" in wrong.get_json()["error"]["message"]


def test_rename_keeps_the_agency_and_the_report_of_an_earlier_year(admin_api, make_agency, make_procedure,
                                                                   make_docx, app):
    make_agency("UBND-DH", "UBND huyện Duyên Hải", "district", kind="district_committee")
    procedure = with_two_versions(admin_api, make_procedure, make_docx, "UBND-DH", "QT-01")
    entered = admin_api.post("/api/v1/reports/assessments", json={
        "agency": "UBND-DH", "year": 2019, "qms_built": True, "qms_applied": True, "classification": "good"})
    assert entered.status_code == 201
    renamed = admin_api.post("/api/v1/agencies/UBND-DH/rename", json={
        "name": "UBND thị xã Duyên Hải (mới)", "unit_type": "town", "effective_on": "2020-01-01"})
    assert renamed.status_code == 201, renamed.get_json()
    assert procedure_row(app, procedure)[:2] == ("UBND-DH", "QT-01")
    with app.app_context():
        agency = session.scalar(select(Agency).where(Agency.code == "UBND-DH"))
        assert agency_as_of(agency, date(2019, 12, 31)).name == "UBND huyện Duyên Hải"
        assert agency_as_of(agency, date(2020, 6, 1)).name == "UBND thị xã Duyên Hải (mới)"
    names_2019 = [r["name"] for r in admin_api.get("/api/v1/reports/assessment?year=2019&agencies=1")
                  .get_json()["agencies"]]
    assert names_2019 == ["UBND huyện Duyên Hải"]
    names_2020 = [r["name"] for r in admin_api.get("/api/v1/reports/assessment?year=2020&agencies=1")
                  .get_json()["agencies"]]
    assert names_2020 == ["UBND thị xã Duyên Hải (mới)"]


def test_dissolve_without_successor_retires_procedures_and_removes_the_agency_from_later_years(
        admin_api, make_agency, make_procedure, make_docx, app):
    make_agency("BQL", "Ban Quản lý dự án", "province", kind="public_unit")
    make_agency("SXD", "Sở Xây dựng", "province", kind="department")
    procedure = with_two_versions(admin_api, make_procedure, make_docx, "BQL", "QT-01")
    response = admin_api.post("/api/v1/agencies/BQL/dissolve", json={"effective_on": "2024-06-30"})
    assert response.status_code == 201
    assert response.get_json()["procedures"][0]["outcome"] == "retired"
    assert procedure_row(app, procedure)[3] == "retired"
    assert len(versions_of(app, procedure)) == 2
    assert admin_api.get("/api/v1/reports/assessment?year=2023").get_json()["total"] == 2
    assert admin_api.get("/api/v1/reports/assessment?year=2024").get_json()["total"] == 1
    again = admin_api.post("/api/v1/agencies/BQL/dissolve", json={"effective_on": "2024-07-01"})
    assert again.status_code == 409


def test_dissolve_with_successor_moves_procedures(admin_api, make_agency, make_procedure, make_docx, app):
    make_agency("TT-A", "Trung tâm A", "province", kind="public_unit")
    make_agency("TT-B", "Trung tâm B", "province", kind="public_unit")
    procedure = with_two_versions(admin_api, make_procedure, make_docx, "TT-A", "QT-01")
    response = admin_api.post("/api/v1/agencies/TT-A/dissolve", json={"effective_on": "2024-06-30",
                                                                      "successor": "TT-B"})
    assert response.status_code == 201
    assert procedure_row(app, procedure)[:3] == ("TT-B", "QT-01", 1)


def test_only_admins_reorganize_and_bad_input_is_explained(api_as, admin_api, make_agency):
    make_agency("STP", "Sở Tư pháp", "province")
    approver = api_as("approver", agency="STP")
    assert approver.post("/api/v1/agencies/STP/rename", json={"name": "X", "effective_on": "2025-01-01"}
                         ).status_code == 403
    assert approver.post("/api/v1/agencies/merge", json={"agencies": ["STP"], "into": "STP",
                                                          "effective_on": "2025-01-01"}).status_code == 403
    bad_date = admin_api.post("/api/v1/agencies/STP/rename", json={"name": "Sở Tư pháp mới", "effective_on": "1/1"})
    assert bad_date.status_code == 400 and "YYYY-MM-DD" in bad_date.get_json()["error"]["message"]
    unknown = admin_api.post("/api/v1/agencies/merge", json={"agencies": ["KHONG-CO"], "into": "STP",
                                                             "effective_on": "2025-01-01"})
    assert unknown.status_code == 404
    self_merge = admin_api.post("/api/v1/agencies/merge", json={"agencies": ["STP"], "into": "STP",
                                                                "effective_on": "2025-01-01"})
    assert self_merge.status_code == 400


def _page_client(app, make_user, username, role, agency=None):
    from tests.conftest import PASSWORD

    make_user(username, role, agency)
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
    return client


def test_structure_pages_belong_to_the_agencies_section_and_admins_reorganize_from_them(
        app, make_agency, make_user, make_procedure, make_docx, admin_api):
    make_agency("SNV", "Sở Nội vụ", kind="department")
    make_agency("SLD", "Sở Lao động - Thương binh và Xã hội", kind="department")
    procedure = with_two_versions(admin_api, make_procedure, make_docx, "SLD", "QT-LD-01")
    viewer = _page_client(app, make_user, "xem", "viewer", "SNV")
    agencies_page = viewer.get("/agencies").get_data(as_text=True)
    assert 'href="/agencies/structure"' in agencies_page
    structure = viewer.get("/agencies/structure")
    assert structure.status_code == 200
    text = structure.get_data(as_text=True)
    assert "Sở Lao động - Thương binh và Xã hội" in text and 'href="/agencies/structure/SLD"' in text
    # The page sits under "Cơ quan" in the menu, not under the TTHC catalog.
    assert re.search(r'<a href="/agencies" aria-current="page">', text)
    assert viewer.post("/agencies/reorganize", data={"action": "merge", "agencies": "SLD", "into": "SNV",
                                                     "effective_on": "2025-03-01"}).status_code == 403

    admin = _page_client(app, make_user, "quantri", "admin")
    refused = admin.post("/agencies/reorganize", data={"action": "merge", "agencies": "SLD", "into": "SNV",
                                                        "effective_on": "01/03/2025"}, follow_redirects=True)
    assert "Ngày hiệu lực phải có dạng YYYY-MM-DD" in refused.get_data(as_text=True)
    assert procedure_row(app, procedure)[0] == "SLD"
    merged = admin.post("/agencies/reorganize", data={"action": "merge", "agencies": "SLD", "into": "SNV",
                                                       "effective_on": "2025-03-01", "decision": "QĐ 1/2025"})
    assert merged.status_code == 302 and merged.headers["Location"].endswith("/agencies/structure")
    assert procedure_row(app, procedure)[0] == "SNV"
    history = viewer.get("/agencies/structure/SLD").get_data(as_text=True)
    assert "Hợp nhất, sáp nhập" in history and "QT-LD-01" in history
