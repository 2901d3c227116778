"""The report and catalog pages: rendered on the server (charts as SVG), writes for admins only."""

from __future__ import annotations

import io

from tests.conftest import PASSWORD


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
    docx_file = client.get("/reports/assessment.docx?year=2019")
    assert docx_file.status_code == 200 and docx_file.data[:2] == b"PK"
    assert client.get("/reports/assessments/template.xlsx?year=2019").status_code == 200
    assert client.get("/reports/coverage.csv").status_code == 200


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
