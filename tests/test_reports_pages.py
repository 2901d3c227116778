"""The report and catalog pages: rendered on the server (charts as SVG), writes for admins only."""

from __future__ import annotations

import csv
import io
from collections import Counter

from tests.conftest import PASSWORD
from tests.office_files import docx_paragraphs, docx_tables, xlsx_sheets


def sign_in(client, make_user, username, role, agency=None):
    make_user(username, role, agency)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_dashboard_draws_svg_charts_without_scripts_after_the_demo(client, runner, make_user):
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    sign_in(client, make_user, "lanhdao", "viewer", "STP")
    page = client.get("/reports?year=2019")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and "<script" not in html and "http://cdn" not in html
    assert "168" in html and "49,4%" in html and "50,6%" in html
    for path in ("/reports/coverage", "/reports/coverage?agency=STNMT", "/reports/assessments?year=2019",
                 "/admin-procedures", "/admin-procedures/1.004227", "/admin-procedures/suggestions",
                 "/agencies/structure", "/agencies/structure/STNMT", "/reports?year=abc"):
        response = client.get(path)
        assert response.status_code in (200, 400), path
        assert response.status_code == 200 or path.endswith("abc")


def test_report_downloads_from_the_pages_hold_the_api_numbers(client, runner, make_user, admin_api):
    """The .docx report, the entry template and the coverage CSV, opened and read, agree with the API."""
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    sign_in(client, make_user, "lanhdao", "viewer", "STP")
    report = admin_api.get("/api/v1/reports/assessment?year=2019&agencies=1").get_json()
    assert (report["total"], report["by_class"]["good"], report["by_class"]["satisfactory"]) == (168, 83, 85)

    docx_file = client.get("/reports/assessment.docx?year=2019")
    assert docx_file.status_code == 200
    tables = docx_tables(docx_file.data)
    by_level, detail = tables[2], tables[3]
    assert by_level[4][1:] == ["Tổng cộng", "168", "83", "85", "0", "0"]
    assert by_level[5][3:5] == ["49,4%", "50,6%"]
    assert len(detail) == 1 + 168
    assert sorted(row[1] for row in detail[1:]) == sorted(a["name"] for a in report["agencies"])
    paragraphs = docx_paragraphs(docx_file.data)
    assert any("Tốt: 83/168 cơ quan, đơn vị (49,4%)" in p for p in paragraphs)

    template = client.get("/reports/assessments/template.xlsx?year=2019")
    assert template.status_code == 200
    rows = xlsx_sheets(template.data)["Đánh giá 2019"]
    assert rows[0][0] == "Mã cơ quan"
    assert sorted(row[0] for row in rows[1:]) == sorted(a["agency"] for a in report["agencies"])
    assert sum(1 for row in rows[1:] if row[5] == "Tốt") == 83
    assert {row[2] for row in rows[1:]} == {2019}

    coverage = admin_api.get("/api/v1/reports/coverage").get_json()
    csv_file = client.get("/reports/coverage.csv")
    assert csv_file.status_code == 200
    assert csv_file.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(csv_file.data.decode("utf-8-sig"))))
    assert lines[0][0] == "Mã cơ quan"
    kinds = Counter(line[4] for line in lines[1:])
    assert kinds["TTHC chưa có quy trình ISO"] == coverage["totals"]["gaps"]
    assert kinds["Quy trình chưa gắn TTHC"] == coverage["totals"]["procedures_without_tthc"]
    gaps_by_agency = Counter(line[0] for line in lines[1:] if line[4] == "TTHC chưa có quy trình ISO")
    assert gaps_by_agency == Counter({a["agency"]: a["gaps"] for a in coverage["agencies"] if a["gaps"]})
    assert coverage["totals"]["gaps"] > 0


def test_viewers_cannot_import_save_or_reorganize_from_the_pages(client, make_user, make_agency):
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    sign_in(client, make_user, "canbo", "approver", "STP")
    csv_file = ("Mã TTHC,Tên thủ tục\n1.001193,Đăng ký khai sinh\n").encode()
    assert client.post("/admin-procedures/import", data={"file": (io.BytesIO(csv_file), "a.csv")},
                       content_type="multipart/form-data").status_code == 403
    assert client.post("/reports/assessments", data={"year": "2019", "agency": "STP",
                                                     "class-STP": "good"}).status_code == 403
    assert client.post("/agencies/reorganize", data={"action": "dissolve", "agency": "STP",
                                                     "effective_on": "2025-01-01"}).status_code == 403


def test_admin_imports_enters_results_and_reorganizes_through_the_pages(client, make_user, make_agency):
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    make_agency("SNV", "Sở Nội vụ", "province", kind="department")
    sign_in(client, make_user, "quantri", "admin")
    csv_file = ("\ufeffMã TTHC;Tên thủ tục;Cấp thực hiện\n1.001193;Đăng ký khai sinh;Cấp xã\nxx;Lỗi;Cấp xã\n").encode()
    report = client.post("/admin-procedures/import", data={"file": (io.BytesIO(csv_file), "a.csv")},
                         content_type="multipart/form-data")
    html = report.get_data(as_text=True)
    assert report.status_code == 200 and "Dòng bị từ chối" in html and "xx" in html
    saved = client.post("/reports/assessments", data={"year": "2019", "agency": ["STP", "SNV"],
                                                      "class-STP": "good", "class-SNV": "satisfactory"})
    assert saved.status_code == 302
    listing = client.get("/reports/assessments?year=2019").get_data(as_text=True)
    assert 'value="good" selected' in listing and 'value="satisfactory" selected' in listing
    moved = client.post("/agencies/reorganize", data={"action": "rename", "agency": "SNV",
                                                      "rename_to": "Sở Nội vụ (mới)", "effective_on": "2025-03-01"})
    assert moved.status_code == 302
    structure = client.get("/agencies/structure").get_data(as_text=True)
    assert "Sở Nội vụ (mới)" in structure
    refused = client.post("/agencies/reorganize", data={"action": "dissolve", "agency": "KHONG-CO",
                                                        "effective_on": "2025-03-01"}, follow_redirects=True)
    assert refused.status_code == 200 and "KHONG-CO" in refused.get_data(as_text=True)
