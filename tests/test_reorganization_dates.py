"""The structure as of a date, and reports on both sides of the reorganization date."""

from __future__ import annotations

import io

from docx import Document

from tests.test_old_codes import reorganized
from tests.test_reorganization import _page_client


def test_agency_tree_as_of_a_date_shows_the_agencies_and_names_of_that_day(app, runner, admin_api, make_agency,
                                                                          make_procedure, make_docx, make_user,
                                                                          tmp_path):
    reorganized(app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path)
    before = {a["code"]: a for a in admin_api.get("/api/v1/agencies?as_of=2024-12-31").get_json()["items"]}
    assert {"XA-A", "XA-B", "UBND-CL", "STP"} <= set(before) and "XA-ANTRUONG" not in before
    assert before["STP"]["name"] == "Sở Tư pháp"
    after = {a["code"]: a for a in admin_api.get("/api/v1/agencies?as_of=2025-07-02").get_json()["items"]}
    assert "XA-ANTRUONG" in after and not {"XA-A", "XA-B", "UBND-CL"} & set(after)
    assert after["STP"]["name"] == "Sở Tư pháp tỉnh Vĩnh Long"
    bad = admin_api.get("/api/v1/agencies?as_of=31/12/2024")
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_json()["error"]["message"]
    viewer = _page_client(app, make_user, "xem", "viewer", "STP")
    page = viewer.get("/agencies/structure?as_of=2024-12-31").get_data(as_text=True)
    assert "UBND huyện Càng Long" in page and "UBND xã An Trường (mới)" not in page
    assert "đã sắp xếp" in page


def test_reports_keep_each_years_structure_and_list_the_reorganizations_of_the_year(
        app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path):
    runner.invoke(args=["qms", "service-name", "UBND tỉnh Trà Vinh", "--from", "2019-01-01", "--province", "Trà Vinh"])
    runner.invoke(args=["qms", "service-name", "UBND tỉnh Vĩnh Long", "--from", "2025-07-01", "--province",
                        "Vĩnh Long", "--former-province", "Trà Vinh", "--former-province", "Bến Tre",
                        "--former-province", "Vĩnh Long"])
    reorganized(app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path)
    for agency in ("XA-A", "XA-B", "UBND-CL"):
        assert admin_api.post("/api/v1/reports/assessments", json={
            "agency": agency, "year": 2024, "qms_built": True, "qms_applied": True,
            "classification": "good"}).status_code == 201
    report_2024 = admin_api.get("/api/v1/reports/assessment?year=2024&agencies=1").get_json()
    names_2024 = {row["name"] for row in report_2024["agencies"]}
    assert {"UBND xã An Trường", "UBND xã An Trường A", "UBND huyện Càng Long", "Sở Tư pháp"} <= names_2024
    assert report_2024["reorganized"] == [] and report_2024["service_name"] == "UBND tỉnh Trà Vinh"
    report_2025 = admin_api.get("/api/v1/reports/assessment?year=2025&agencies=1").get_json()
    names_2025 = {row["name"] for row in report_2025["agencies"]}
    assert "UBND xã An Trường (mới)" in names_2025 and "UBND huyện Càng Long" not in names_2025
    assert report_2025["service_name"] == "UBND tỉnh Vĩnh Long"
    merge = next(c for c in report_2025["reorganized"] if c["action"] == "merge")
    assert merge["effective_on"] == "2025-07-01"
    assert {b["code"] for b in merge["before"]} == {"XA-A", "XA-B"}
    assert [a["code"] for a in merge["after"]] == ["XA-ANTRUONG"]
    docx = admin_api.get("/api/v1/reports/assessment.docx?year=2025")
    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "Từ ngày 01/07/2025, hợp nhất, sáp nhập: UBND xã An Trường, UBND xã An Trường A" in text
    assert "UBND tỉnh Vĩnh Long" in text
    text_2024 = "\n".join(p.text for p in Document(io.BytesIO(
        admin_api.get("/api/v1/reports/assessment.docx?year=2024").data)).paragraphs)
    assert "UBND tỉnh Trà Vinh báo cáo kết quả năm 2024" in text_2024
