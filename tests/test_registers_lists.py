"""The master lists (danh mục tài liệu nội bộ / có nguồn gốc bên ngoài): content, files for the auditor,
pages, and a fixed number of queries however many procedures the province has."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from qmsdocs import jobs
from qmsdocs.db import get_engine, session
from tests.conftest import PASSWORD
from tests.office_files import docx_paragraphs, docx_tables, xlsx_sheets

LAW = "Căn cứ Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ và Thông tư số 01/2018/TT-VPCP."


@pytest.fixture
def province(app, admin_api, api_as, make_procedure, make_docx, make_agency):
    """STP: QT-01 current (v2, approved by the approver after an editor's draft), QT-02 retired, QT-03 a draft
    only; SYT: QT-01/SYT citing an unregistered symbol. 61/2018/NĐ-CP is registered as partially expired."""
    make_agency("STP", "Sở Tư pháp")
    make_agency("SYT", "Sở Y tế")
    with app.app_context():
        from qmsdocs.agencies.services import get_agency

        get_agency("STP").approval_required = True
        session.commit()
    assert admin_api.post("/api/v1/legal-documents", json={
        "symbol": "61/2018/NĐ-CP", "title": "Về thực hiện cơ chế một cửa, một cửa liên thông",
        "issuer": "Chính phủ", "issued_on": "2018-04-23", "status": "partially_expired"}).status_code == 201
    editor = api_as("editor", agency="STP")
    approver = api_as("approver", agency="STP")
    first = make_procedure(agency="STP", code="QT-01/STP", title="Cấp phiếu lý lịch tư pháp")
    assert approver.upload(first["id"], make_docx(code="QT-01/STP", revision="01", issued_on="05/03/2019",
                                                  paragraphs=[LAW])).status_code == 201
    assert editor.upload(first["id"], make_docx(code="QT-01/STP", revision="02", issued_on="10/01/2024",
                                                paragraphs=[LAW])).status_code == 201
    assert approver.post(f"/api/v1/procedures/{first['id']}/versions/2/approve", json={}).status_code == 200
    retired = make_procedure(agency="STP", code="QT-02/STP", title="Chứng thực bản sao")
    approver.upload(retired["id"], make_docx(code="QT-02/STP", paragraphs=[LAW]))
    assert approver.post(f"/api/v1/procedures/{retired['id']}/retire", json={"reason": "Bãi bỏ TTHC"}).status_code == 200
    draft = make_procedure(agency="STP", code="QT-03/STP", title="Hòa giải ở cơ sở")
    editor.upload(draft["id"], make_docx(code="QT-03/STP"))
    health = make_procedure(agency="SYT", code="QT-01/SYT", title="Cấp chứng chỉ hành nghề")
    admin_api.upload(health["id"], make_docx(code="QT-01/SYT", paragraphs=["Căn cứ Nghị định số 109/2016/NĐ-CP."]))
    return {"approver": approver.username, "first": first["id"], "health": health["id"]}


def test_internal_list_of_an_agency_has_revision_dates_status_and_approver(admin_api, province):
    body = admin_api.get("/api/v1/registers/internal", query_string={"agency": "STP"}).get_json()
    assert body["agency"] == "STP" and body["count"] == 3
    rows = {item["code"]: item for item in body["items"]}
    current = rows["QT-01/STP"]
    assert (current["status"], current["revision"], current["version"], current["issued_on"]) == (
        "current", "02", 2, "2024-01-10")
    assert current["approver"] == province["approver"]
    assert current["effective_on"] is not None
    assert rows["QT-02/STP"]["status"] == "retired" and rows["QT-02/STP"]["retired_on"]
    assert rows["QT-03/STP"]["status"] == "not_issued" and rows["QT-03/STP"]["version"] is None

    whole = admin_api.get("/api/v1/registers/internal").get_json()
    assert whole["agency"] is None
    assert [(i["agency"], i["code"]) for i in whole["items"]] == [
        ("STP", "QT-01/STP"), ("STP", "QT-02/STP"), ("STP", "QT-03/STP"), ("SYT", "QT-01/SYT")]


def test_external_list_has_every_cited_document_with_its_registry_status(admin_api, province):
    body = admin_api.get("/api/v1/registers/external", query_string={"agency": "STP"}).get_json()
    by_symbol = {item["symbol"]: item for item in body["items"]}
    # Only current procedures count: the retired QT-02 cites nothing any more.
    assert set(by_symbol) == {"61/2018/NĐ-CP", "01/2018/TT-VPCP"}
    decree = by_symbol["61/2018/NĐ-CP"]
    assert (decree["status"], decree["status_label"]) == ("partially_expired", "Hết hiệu lực một phần")
    assert decree["checked_on"] is not None
    assert [c["code"] for c in decree["cited_by"]] == ["QT-01/STP"]
    unknown = by_symbol["01/2018/TT-VPCP"]
    assert unknown["document_id"] is None and unknown["status"] is None
    assert unknown["status_label"] == "Chưa có trong sổ văn bản"

    whole = admin_api.get("/api/v1/registers/external").get_json()
    assert {item["symbol"] for item in whole["items"]} == {"61/2018/NĐ-CP", "01/2018/TT-VPCP", "109/2016/NĐ-CP"}
    missing = admin_api.get("/api/v1/registers/external", query_string={"agency": "KHONG"})
    assert missing.status_code == 404 and "error" in missing.get_json()


def test_lists_download_as_xlsx_and_as_an_administrative_docx(admin_api, province):
    xlsx = admin_api.get("/api/v1/registers/internal.xlsx", query_string={"agency": "STP"})
    assert xlsx.status_code == 200
    assert "danh-muc-tai-lieu-noi-bo-STP.xlsx" in xlsx.headers["Content-Disposition"]
    sheet = xlsx_sheets(xlsx.data)["Danh mục"]
    assert "DANH MỤC TÀI LIỆU NỘI BỘ" in sheet[0][0] and "Sở Tư pháp" in sheet[0][0]
    assert sheet[3][:5] == [1, "QT-01/STP", "Cấp phiếu lý lịch tư pháp", "02", "10/01/2024"]

    docx = admin_api.get("/api/v1/registers/external.docx", query_string={"agency": "STP"})
    assert docx.status_code == 200
    paragraphs = docx_paragraphs(docx.data)
    assert "DANH MỤC TÀI LIỆU CÓ NGUỒN GỐC BÊN NGOÀI" in paragraphs
    header, table, signature = docx_tables(docx.data)
    assert "SỞ TƯ PHÁP" in header[0][0] and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in header[0][1]
    assert table[0][:3] == ["STT", "Số, ký hiệu", "Loại văn bản"]
    assert [row[1] for row in table[1:]] == ["61/2018/NĐ-CP", "01/2018/TT-VPCP"]
    assert table[1][6] == "Hết hiệu lực một phần"
    assert "NGƯỜI LẬP" in signature[0][0]

    province_docx = admin_api.get("/api/v1/registers/internal.docx")
    tables = docx_tables(province_docx.data)
    assert tables[1][0][1] == "Cơ quan" and len(tables[1]) == 5


def test_list_pages_show_the_lists_and_link_the_downloads(app, make_user, province):
    make_user("quantri", "admin")
    browser = app.test_client()
    assert browser.post("/login", data={"username": "quantri", "password": PASSWORD}).status_code == 302
    internal = browser.get("/registers/internal?agency=STP").get_data(as_text=True)
    assert "Danh mục tài liệu nội bộ" in internal and "QT-03/STP" in internal and "Chưa ban hành" in internal
    assert "/registers/internal.docx?agency=STP" in internal
    external = browser.get("/registers/external").get_data(as_text=True)
    assert "109/2016/NĐ-CP" in external and "Chưa có trong sổ văn bản" in external
    assert browser.get("/registers/internal.xlsx").status_code == 200
    assert browser.get("/registers/other.xlsx").status_code == 400


def _grow(app, start: int, end: int) -> None:
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.legal.services import create_document
    from qmsdocs.procedures.services import add_version, create_procedure
    from tests.docx_factory import make_docx

    with app.app_context():
        for number in range(start, end):
            agency = create_agency(f"CQ{number:02d}", f"Cơ quan số {number}", "province", actor=SYSTEM)
            create_document({"symbol": f"{number + 1}/2024/NĐ-CP", "title": f"Nghị định số {number}"}, actor=SYSTEM)
            procedure = create_procedure(agency.code, f"QT-{number:02d}", f"Quy trình số {number}", actor=SYSTEM)
            add_version(procedure, make_docx(code=f"QT-{number:02d}", paragraphs=[
                f"Căn cứ Nghị định số {number + 1}/2024/NĐ-CP và Nghị định số {number + 500}/2024/NĐ-CP."]),
                "qt.docx", actor=SYSTEM, max_bytes=10 << 20)
        session.commit()


LIST_PATHS = ["/api/v1/registers/internal", "/api/v1/registers/external", "/api/v1/registers/internal.xlsx",
              "/api/v1/registers/external.docx"]


def test_province_wide_lists_cost_the_same_queries_for_5_and_40_procedures(app, admin_api):
    def measure() -> dict[str, int]:
        jobs.drain(app)
        with app.app_context():
            engine = get_engine()
        found = {}
        for path in LIST_PATHS:
            statements = []

            def count(*_args):
                statements.append(1)
            event.listen(engine, "before_cursor_execute", count)
            try:
                assert admin_api.get(path).status_code == 200
            finally:
                event.remove(engine, "before_cursor_execute", count)
            found[path] = len(statements)
        return found

    assert admin_api.get("/api/v1/agencies").status_code == 200
    _grow(app, 0, 5)
    few = measure()
    _grow(app, 5, 40)
    many = measure()
    assert many == few
    body = admin_api.get("/api/v1/registers/external").get_json()
    assert body["count"] == 80
