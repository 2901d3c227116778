"""The annual assessment: entry, XLSX import, a summary whose totals and shares agree, and the same numbers
in the API, the .docx and the .xlsx."""

from __future__ import annotations

import io

import docx
import openpyxl

from qmsdocs.reports.services import shares


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(parts)


def docx_table_rows(data: bytes, header: list[str]) -> list[list[str]]:
    document = docx.Document(io.BytesIO(data))
    for table in document.tables:
        if [cell.text for cell in table.rows[0].cells] == header:
            return [[cell.text for cell in row.cells] for row in table.rows]
    raise AssertionError(f"no table with header {header}")


def assess(api, agency, classification, year=2019, **extra):
    body = {"agency": agency, "year": year, "qms_built": True, "qms_applied": classification is not None,
            "classification": classification, **extra}
    response = api.post("/api/v1/reports/assessments", json=body)
    assert response.status_code in (200, 201), response.get_json()
    return response


def test_shares_always_add_up_to_one_hundred():
    assert shares({"good": 83, "satisfactory": 85}, 168) == {"good": 49.4, "satisfactory": 50.6}
    assert shares({"a": 1, "b": 1, "c": 1}, 3) == {"a": 33.4, "b": 33.3, "c": 33.3}
    thirds = shares({"a": 2, "b": 2, "c": 2, "d": 1}, 7)
    assert round(sum(thirds.values()), 1) == 100.0
    assert shares({"a": 0, "b": 0}, 0) == {"a": 0.0, "b": 0.0}


def test_summary_counts_levels_classes_and_unassessed_agencies(admin_api, make_agency):
    make_agency("UBND-TINH", "UBND tỉnh", "province", kind="provincial_committee")
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    make_agency("CC-1", "Chi cục Một", "province", kind="sub_department")
    make_agency("UBND-H", "UBND huyện", "district", kind="district_committee", parent_code="UBND-TINH")
    make_agency("XA-1", "UBND xã Một", "commune", kind="commune_committee", parent_code="UBND-H")
    make_agency("PH-1", "UBND phường Một", "commune", kind="commune_committee", parent_code="UBND-H")
    assess(admin_api, "STP", "good")
    assess(admin_api, "CC-1", "satisfactory")
    assess(admin_api, "UBND-H", "unsatisfactory", notes="Chưa cập nhật quy trình")
    assess(admin_api, "XA-1", "good")
    summary = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert summary["year"] == 2019 and summary["total"] == 5
    assert summary["by_level"] == {"province": 2, "district": 1, "commune": 2}
    assert summary["by_class"] == {"good": 2, "satisfactory": 1, "unsatisfactory": 1, "unassessed": 1}
    assert summary["shares"] == {"good": 40.0, "satisfactory": 20.0, "unsatisfactory": 20.0, "unassessed": 20.0}
    assert summary["completion"] == {"built": 4, "applied": 4, "built_rate": 80.0, "applied_rate": 80.0}
    assert summary["by_kind"] == {"department": 1, "sub_department": 1, "district_committee": 1,
                                  "commune_committee": 2}
    assert summary["levels"]["commune"]["by_class"]["unassessed"] == 1
    assert sum(summary["by_class"].values()) == summary["total"] == sum(summary["by_level"].values())


def test_entry_is_validated_and_corrections_replace_the_result(admin_api, api_as, make_agency):
    make_agency("UBND-TINH", "UBND tỉnh", "province", kind="provincial_committee")
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    assert assess(admin_api, "STP", "satisfactory").status_code == 201
    assert assess(admin_api, "STP", "satisfactory").get_json()["changed"] is False
    assert assess(admin_api, "STP", "Tốt").get_json()["classification"] == "good"
    refusals = [
        ({"agency": "STP", "year": 2019, "classification": "Xuất sắc"}, "invalid_classification"),
        ({"agency": "STP", "year": 1800, "classification": "good", "qms_built": True, "qms_applied": True},
         "invalid_year"),
        ({"agency": "STP", "year": 2019, "classification": "good", "qms_built": False, "qms_applied": False},
         "classification_without_application"),
        ({"agency": "UBND-TINH", "year": 2019, "classification": None}, "not_assessed"),
        ({"agency": "STP", "year": 2019, "qms_built": "có"}, "invalid_field"),
    ]
    for body, code in refusals:
        response = admin_api.post("/api/v1/reports/assessments", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["code"] == code, (body, response.get_json())
    assert admin_api.post("/api/v1/reports/assessments", json={"agency": "NOPE", "year": 2019}).status_code == 404
    approver = api_as("approver", agency="STP")
    assert approver.post("/api/v1/reports/assessments", json={"agency": "STP", "year": 2019,
                                                              "classification": "good"}).status_code == 403
    assert approver.get("/api/v1/reports/assessment?year=2019").status_code == 200
    assert admin_api.get("/api/v1/reports/assessment?year=abc").status_code == 400


def test_xlsx_import_of_results_reports_refused_rows_and_is_idempotent(admin_api, make_agency):
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    make_agency("SYT", "Sở Y tế", "province", kind="department")
    workbook = openpyxl.Workbook()
    for row in (["Mã cơ quan", "Năm", "Đã xây dựng", "Đã áp dụng", "Xếp loại", "Ghi chú"],
                ["STP", 2019, "x", "x", "Tốt", ""],
                ["SYT", 2019, "Có", "Có", "Đạt yêu cầu", "Cần cải tiến"],
                ["KHONG-CO", 2019, "x", "x", "Tốt", ""],
                ["STP", 2019, "x", "x", "Đạt yêu cầu", "lặp"],
                ["SYT", 2020, "x", "x", "Hạng nhất", ""]):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    def send():
        return admin_api.client.post("/api/v1/reports/assessments/import", headers=admin_api.headers,
                                     data={"file": (io.BytesIO(buffer.getvalue()), "ket-qua.xlsx")},
                                     content_type="multipart/form-data").get_json()

    report = send()
    assert report["saved"] == 2 and [r["row"] for r in report["refused"]] == [4, 5, 6]
    assert "KHONG-CO" in report["refused"][0]["reason"]
    assert send()["unchanged"] == 2
    summary = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert summary["by_class"]["good"] == 1 and summary["by_class"]["satisfactory"] == 1


def test_docx_and_xlsx_carry_the_same_numbers_as_the_api(admin_api, make_agency):
    make_agency("UBND-TINH", "Ủy ban nhân dân tỉnh Trà Vinh", "province", kind="provincial_committee")
    codes = []
    for n in range(7):
        code = f"XA-{n}"
        make_agency(code, f"UBND xã Số {n}", "commune", kind="commune_committee")
        codes.append(code)
    for code, classification in zip(codes, ["good", "good", "satisfactory", "satisfactory", "satisfactory",
                                            "unsatisfactory", None]):
        assess(admin_api, code, classification)
    summary = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert round(sum(summary["shares"].values()), 1) == 100.0

    response = admin_api.get("/api/v1/reports/assessment.docx?year=2019")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    text = docx_text(response.data)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "BÁO CÁO" in text and "I. TÌNH HÌNH" in text and "II. KẾT QUẢ PHÂN LOẠI" in text
    assert "TỈNH TRÀ VINH" in text and "Trà Vinh, ngày" in text
    classes = docx_table_rows(response.data, ["STT", "Cấp", "Tổng số", "Tốt", "Đạt yêu cầu", "Không đạt yêu cầu",
                                               "Chưa đánh giá"])
    total_row = next(r for r in classes if r[1] == "Tổng cộng")
    assert total_row[2:] == [str(summary["total"]), *[str(summary["by_class"][k]) for k in
                                                      ("good", "satisfactory", "unsatisfactory", "unassessed")]]
    share_row = next(r for r in classes if r[1] == "Tỷ lệ")
    assert share_row[3:] == [f"{summary['shares'][k]:.1f}".replace(".", ",") + "%"
                             for k in ("good", "satisfactory", "unsatisfactory", "unassessed")]

    workbook = openpyxl.load_workbook(io.BytesIO(admin_api.get("/api/v1/reports/assessment.xlsx?year=2019").data))
    sheet = workbook["Xếp loại"]
    rows = {r[0]: (r[1], r[2]) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["Tốt"] == (summary["by_class"]["good"], summary["shares"]["good"])
    assert rows["Chưa đánh giá"] == (1, summary["shares"]["unassessed"])
    assert rows["Tổng cộng"] == (7, 100.0)
    assert workbook["Chi tiết"].max_row - 1 == summary["total"]


def test_demo_reproduces_the_2019_report_with_true_shares(runner, admin_api):
    result = runner.invoke(args=["qms", "demo"])
    assert result.exit_code == 0, result.output
    summary = admin_api.get("/api/v1/reports/assessment?year=2019").get_json()
    assert summary["total"] == 168
    assert summary["by_level"] == {"province": 53, "district": 9, "commune": 106}
    assert summary["by_class"] == {"good": 83, "satisfactory": 85, "unsatisfactory": 0, "unassessed": 0}
    assert summary["shares"]["good"] == 49.4 and summary["shares"]["satisfactory"] == 50.6
    assert summary["by_kind"] == {"department": 19, "sub_department": 13, "public_unit": 19, "police": 1,
                                  "council": 1, "district_committee": 9, "commune_committee": 106}
    assert summary["by_unit_type"] == {"city": 1, "town": 1, "district": 7, "ward": 11, "township": 10,
                                       "commune": 85}
    text = docx_text(admin_api.get("/api/v1/reports/assessment.docx?year=2019").data)
    assert "Tốt: 83/168 cơ quan, đơn vị (49,4%)" in text
    assert "Đạt yêu cầu: 85/168 cơ quan, đơn vị (50,6%)" in text
    assert "/167" not in text and "49,5" not in text
    coverage = admin_api.get("/api/v1/reports/coverage").get_json()
    assert coverage["totals"]["agencies"] == 168 and coverage["totals"]["gaps"] > 0
    assert coverage["totals"]["procedures_without_tthc"] >= 1
    for code in ("STNMT", "STP", "UBND-CL", "UBND-CL-AN-TRUONG", "UBND-TINH"):
        assert admin_api.get(f"/api/v1/agencies/{code}").status_code == 200
