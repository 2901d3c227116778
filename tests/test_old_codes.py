"""Old agency codes and names, and old procedure codes, still lead to what carries them after a reorganization."""

from __future__ import annotations

from tests.test_reorganization import _page_client
from tests.test_reorganization_plan import PLAN, district_with_communes


def reorganized(app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path):
    district_with_communes(make_agency, make_procedure, make_docx, admin_api)
    plan = tmp_path / "ke-hoach.csv"
    plan.write_text(PLAN, encoding="utf-8")
    assert runner.invoke(args=["qms", "reorganize", str(plan)]).exit_code == 0
    renamed = admin_api.post("/api/v1/agencies/STP/rename", json={"name": "Sở Tư pháp tỉnh Vĩnh Long",
                                                                  "effective_on": "2025-07-02"})
    assert renamed.status_code == 201


def test_api_lookups_by_old_code_old_name_and_old_procedure_code(app, runner, admin_api, make_agency,
                                                                make_procedure, make_docx, tmp_path):
    reorganized(app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path)
    by_code = admin_api.get("/api/v1/lookup/agencies?q=XA-B").get_json()["items"]
    assert [item["agency"]["code"] for item in by_code] == ["XA-B"]
    assert [a["code"] for a in by_code[0]["successors"]] == ["XA-ANTRUONG"]
    assert "nay là UBND xã An Trường (mới)" in by_code[0]["note"]
    by_name = admin_api.get("/api/v1/lookup/agencies?q=ubnd huyen cang long").get_json()["items"]
    assert sorted(a["code"] for a in by_name[0]["successors"]) == ["STP", "XA-ANTRUONG"]
    renamed = admin_api.get("/api/v1/lookup/agencies?q=Sở Tư pháp").get_json()["items"]
    assert renamed[0]["agency"]["code"] == "STP" and renamed[0]["matched"] == "former_name"
    assert "trước đây: Sở Tư pháp" in renamed[0]["note"]

    old = admin_api.get("/api/v1/lookup/procedure?agency=XA-B&code=QT-HT-01").get_json()
    assert (old["agency"], old["code"]) == ("XA-ANTRUONG", "QT-HT-01-XA-B")
    assert old["former"]["agency"] == "XA-B" and old["former"]["moved_on"] == "2025-07-01"
    assert "Trước đây: UBND xã An Trường A (XA-B), mã QT-HT-01" in old["note"]
    district = admin_api.get("/api/v1/lookup/procedure?agency=UBND-CL&code=QT-H-01").get_json()
    assert district["agency"] == "STP"
    current = admin_api.get("/api/v1/lookup/procedure?agency=STP&code=QT-H-01").get_json()
    assert current["former"] is None
    missing = admin_api.get("/api/v1/lookup/procedure?agency=UBND-CL&code=KHONG")
    assert missing.status_code == 404 and "kể cả trước khi sắp xếp lại" in missing.get_json()["error"]["message"]
    assert admin_api.get("/api/v1/lookup/procedure?agency=UBND-CL").status_code == 400


def test_search_and_agency_pages_say_what_it_was_and_lead_to_the_successor(app, runner, admin_api, make_agency,
                                                                           make_procedure, make_docx, make_user,
                                                                           tmp_path):
    reorganized(app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path)
    viewer = _page_client(app, make_user, "xem", "viewer", "STP")
    page = viewer.get("/search?q=UBND-CL").get_data(as_text=True)
    assert "Trước đây:" in page and 'href="/agencies/structure/XA-ANTRUONG"' in page
    page = viewer.get("/search?q=QT-HT-01-XA-B").get_data(as_text=True)
    assert "Trước đây:" not in page
    page = viewer.get("/search?q=QT-HT-01").get_data(as_text=True)
    assert "nay là QT-HT-01-XA-B của UBND xã An Trường (mới)" in page
    old = viewer.get("/agencies/structure/XA-B").get_data(as_text=True)
    assert "nay là:" in old and 'href="/agencies/structure/XA-ANTRUONG"' in old
    new = viewer.get("/agencies/structure/XA-ANTRUONG").get_data(as_text=True)
    assert "Trước đây:" in new and "UBND xã An Trường A (XA-B)" in new
    with app.app_context():
        from sqlalchemy import select

        from qmsdocs.db import session
        from qmsdocs.procedures.models import Procedure

        moved = session.scalar(select(Procedure.id).where(Procedure.code == "QT-HT-01-XA-B"))
    procedure_page = viewer.get(f"/procedures/{moved}").get_data(as_text=True)
    assert "Trước đây:" in procedure_page and "QT-HT-01 — UBND xã An Trường A" in procedure_page
    assert "01/07/2025" in procedure_page

