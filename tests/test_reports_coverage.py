"""Coverage: which TTHC applying to an agency have no current ISO procedure, and which procedures implement none."""

from __future__ import annotations

import csv
import io

import openpyxl


def setup_catalog(admin_api, make_agency):
    make_agency("UBND-TINH", "UBND tỉnh", "province", kind="provincial_committee")
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    make_agency("UBND-CL", "UBND huyện Càng Long", "district", kind="district_committee")
    make_agency("XA-1", "UBND xã Một", "commune", kind="commune_committee", parent_code="UBND-CL")
    make_agency("XA-2", "UBND xã Hai", "commune", kind="commune_committee", parent_code="UBND-CL")
    for body in (
        {"code": "2.000488", "name": "Cấp Phiếu lý lịch tư pháp", "levels": "province", "agency_codes": "STP"},
        {"code": "1.001193", "name": "Đăng ký khai sinh", "levels": "commune", "agency_kinds": "commune_committee"},
        {"code": "1.000894", "name": "Đăng ký kết hôn", "levels": "commune", "agency_kinds": "commune_committee"},
        {"code": "2.000815", "name": "Chứng thực bản sao", "levels": "district; commune"},
    ):
        assert admin_api.post("/api/v1/admin-procedures", json=body).status_code == 201


def test_agency_coverage_counts_only_current_procedures_with_confirmed_links(admin_api, make_agency, make_procedure,
                                                                             make_docx):
    setup_catalog(admin_api, make_agency)
    birth = make_procedure(agency="XA-1", code="QT-HT-01", title="Đăng ký khai sinh", admin_procedures=["1.001193"])
    make_procedure(agency="XA-1", code="QT-HT-02", title="Đăng ký kết hôn (chưa có bản)", admin_procedures=["1.000894"])
    admin_api.upload(birth["id"], make_docx(code="QT-HT-01"))
    internal = make_procedure(agency="XA-1", code="QT-VT", title="Quản lý văn bản")
    admin_api.upload(internal["id"], make_docx(code="QT-VT"))

    report = admin_api.get("/api/v1/reports/coverage?agency=XA-1").get_json()
    assert report["scope"] == "agency"
    row = report["agencies"][0]
    assert (row["applicable"], row["covered"], row["gaps"]) == (3, 1, 2)
    assert [m["code"] for m in row["missing_admin_procedures"]] == ["1.000894", "2.000815"]
    reasons = {p["code"]: p["reason"] for p in row["procedures_without_admin_procedure"]}
    assert reasons == {"QT-VT": "Chưa liên kết TTHC nào"}
    assert row["coverage_rate"] == 33.3
    assert admin_api.get("/api/v1/reports/coverage?agency=NOPE").status_code == 404


def test_province_coverage_excludes_the_provincial_committee_and_sums_agencies(admin_api, make_agency,
                                                                               make_procedure, make_docx):
    setup_catalog(admin_api, make_agency)
    record = make_procedure(agency="STP", code="QT-05", title="Lý lịch tư pháp", admin_procedures=["2.000488"])
    admin_api.upload(record["id"], make_docx(code="QT-05"))
    report = admin_api.get("/api/v1/reports/coverage").get_json()
    assert report["scope"] == "province"
    per_agency = {a["agency"]: (a["applicable"], a["covered"]) for a in report["agencies"]}
    assert per_agency == {"STP": (1, 1), "UBND-CL": (1, 0), "XA-1": (3, 0), "XA-2": (3, 0)}
    totals = report["totals"]
    assert (totals["agencies"], totals["applicable"], totals["covered"], totals["gaps"]) == (4, 8, 1, 7)
    assert totals["coverage_rate"] == 12.5
    by_tthc = {e["code"]: (e["agencies"], e["covered"]) for e in report["admin_procedures"]}
    assert by_tthc["1.001193"] == (2, 0) and by_tthc["2.000488"] == (1, 1)


def test_coverage_csv_and_xlsx_carry_the_same_gaps(admin_api, make_agency):
    setup_catalog(admin_api, make_agency)
    response = admin_api.get("/api/v1/reports/coverage.csv")
    assert response.status_code == 200 and response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][0] == "Mã cơ quan"
    assert len(rows) - 1 == 8
    assert ["XA-2", "UBND xã Hai", "Cấp xã", "UBND xã, phường, thị trấn", "TTHC chưa có quy trình ISO",
            "1.001193", "Đăng ký khai sinh", ""] in rows
    workbook = openpyxl.load_workbook(io.BytesIO(admin_api.get("/api/v1/reports/coverage.xlsx").data))
    assert workbook.sheetnames == ["Theo cơ quan", "Chi tiết", "Theo TTHC"]
    assert workbook["Chi tiết"].max_row - 1 == 8
    by_agency = {r[0]: r[5] for r in workbook["Theo cơ quan"].iter_rows(min_row=2, values_only=True)}
    assert by_agency == {"STP": 1, "UBND-CL": 1, "XA-1": 3, "XA-2": 3}
