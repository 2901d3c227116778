"""Importing the TTHC catalog from CSV, JSON and XLSX: idempotent, refused rows explained, changes recorded."""

from __future__ import annotations

import io
import json

import openpyxl
from sqlalchemy import select

from qmsdocs.catalog.models import AdminProcedure, AdminProcedureChange
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure

HEADER = "Mã TTHC,Tên thủ tục,Lĩnh vực,Cấp thực hiện,Cơ quan thực hiện,Căn cứ pháp lý,Quyết định công bố,Trạng thái\n"
ROWS = (
    '1.001193,Đăng ký khai sinh,Hộ tịch,Cấp xã,"UBND xã, phường, thị trấn",'
    '"Luật Hộ tịch số 60/2014/QH13; Nghị định số 123/2015/NĐ-CP",Quyết định số 1/QĐ-UBND,Đang thực hiện\n'
    '2.000488,Cấp Phiếu lý lịch tư pháp,Lý lịch tư pháp,Cấp tỉnh,Sở Tư pháp,28/2009/QH12,,\n'
)


def upload(api, data: bytes, filename: str, **form):
    return api.client.post("/api/v1/admin-procedures/import", data={"file": (io.BytesIO(data), filename), **form},
                           headers=api.headers, content_type="multipart/form-data")


def xlsx(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_csv_with_bom_is_imported_with_codes_as_text_and_legal_bases_keyed(admin_api, make_agency):
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    response = upload(admin_api, ("\ufeff" + HEADER + ROWS).encode("utf-8"), "tthc.csv")
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["created"] == 2 and report["refused"] == []
    birth = admin_api.get("/api/v1/admin-procedures/1.001193").get_json()
    assert birth["levels"] == ["commune"]
    assert birth["agency_kinds"] == ["commune_committee"]
    assert [b["key"] for b in birth["legal_bases"]] == ["60/2014/QH13", "123/2015/ND-CP"]
    assert birth["publishing_decision"] == "Quyết định số 1/QĐ-UBND"
    record = admin_api.get("/api/v1/admin-procedures/2.000488").get_json()
    assert record["agency_codes"] == ["STP"], "an agency named by its exact name is linked by code"
    assert record["status"] == "active"


def test_importing_the_same_file_twice_changes_nothing(admin_api, app):
    data = (HEADER + ROWS).encode("utf-8")
    assert upload(admin_api, data, "tthc.csv").get_json()["created"] == 2
    again = upload(admin_api, data, "tthc.csv").get_json()
    assert again["created"] == again["changed"] == again["updated"] == 0
    assert again["unchanged"] == 2
    with app.app_context():
        assert session.scalar(select(AdminProcedure).where(AdminProcedure.code == "1.001193")) is not None
        assert len(session.scalars(select(AdminProcedureChange)).all()) == 2


def test_refused_rows_are_reported_with_row_number_and_reason_and_the_rest_goes_in(admin_api):
    data = (HEADER + ROWS
            + "1004227,Mã sai dạng,Đất đai,Cấp tỉnh,,,,\n"
            + "1.000894,,Hộ tịch,Cấp xã,,,,\n"
            + "1.000656,Đăng ký khai tử,Hộ tịch,Cấp vũ trụ,,,,\n"
            + "1.001193,Đăng ký khai sinh (lặp),Hộ tịch,Cấp xã,,,,\n"
            + "1.000110,Thủ tục trạng thái lạ,Hộ tịch,Cấp xã,,,,Tạm dừng\n").encode("utf-8")
    report = upload(admin_api, data, "tthc.csv").get_json()
    assert report["created"] == 2
    refused = {row["row"]: row for row in report["refused"]}
    assert sorted(refused) == [4, 5, 6, 7, 8]
    assert "1.004227" in refused[4]["reason"]
    assert "thiếu tên" in refused[5]["reason"]
    assert "Cấp vũ trụ" in refused[6]["reason"]
    assert "dòng 2" in refused[7]["reason"]
    assert "Tạm dừng" in refused[8]["reason"]
    assert admin_api.get("/api/v1/admin-procedures/1.000656").status_code == 404


def test_xlsx_with_codes_stored_as_numbers_keeps_the_trailing_zeros(admin_api):
    data = xlsx([
        ["Mã TTHC", "Tên thủ tục", "Lĩnh vực", "Cấp thực hiện", "Căn cứ pháp lý"],
        [2.00048, "Thủ tục có mã bị Excel đổi thành số", "Thử nghiệm", "Cấp huyện", "23/2015/NĐ-CP"],
        ["1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "60/2014/QH13"],
        [None, None, None, None, None],
        ["1.00", "Mã hỏng", "Hộ tịch", "Cấp xã", ""],
    ])
    report = upload(admin_api, data, "danh-muc.xlsx").get_json()
    assert report["created"] == 2
    assert [row["row"] for row in report["refused"]] == [5]
    assert admin_api.get("/api/v1/admin-procedures/2.000480").status_code == 200
    again = upload(admin_api, data, "danh-muc.xlsx").get_json()
    assert again["unchanged"] == 2 and again["created"] == 0


def test_json_list_or_items_object_and_format_field(admin_api):
    items = [{"code": "1.001193", "name": "Đăng ký khai sinh", "levels": ["commune"],
              "agency_kinds": ["commune_committee"], "legal_bases": ["60/2014/QH13", "123/2015/NĐ-CP"]},
             "không phải đối tượng"]
    report = upload(admin_api, json.dumps({"items": items}).encode(), "catalog.txt", format="json").get_json()
    assert report["created"] == 1
    assert report["refused"] == [{"row": 2, "code": None, "reason": "Mục không phải là một đối tượng JSON."}]
    wrong = upload(admin_api, b"{}", "catalog.pdf")
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "unsupported_format"
    broken = upload(admin_api, b"not json", "catalog.json")
    assert broken.status_code == 400 and broken.get_json()["error"]["code"] == "invalid_json"
    garbage = upload(admin_api, b"PK\x03\x04garbage", "catalog.xlsx")
    assert garbage.status_code == 400 and garbage.get_json()["error"]["code"] == "bad_xlsx"


def test_a_later_import_changing_legal_bases_records_it_and_alerts_linked_procedures(admin_api, make_procedure, app):
    upload(admin_api, (HEADER + ROWS).encode(), "lan-1.csv")
    procedure = make_procedure(agency="UBND-X", code="QT-HT-01", title="Quy trình đăng ký khai sinh",
                               admin_procedures=["1.001193"])
    changed = ROWS.replace("Nghị định số 123/2015/NĐ-CP", "Nghị định số 87/2020/NĐ-CP")
    report = upload(admin_api, (HEADER + changed).encode(), "lan-2.csv").get_json()
    assert report["changed"] == 1 and report["unchanged"] == 1
    detail = admin_api.get("/api/v1/admin-procedures/1.001193").get_json()
    last = detail["changes"][-1]
    assert last["change"] == "changed" and last["source"] == "lan-2.csv"
    assert last["details"]["legal_bases"] == {"before": ["60/2014/QH13", "123/2015/ND-CP"],
                                              "after": ["60/2014/QH13", "87/2020/ND-CP"]}
    with app.app_context():
        assert session.get(Procedure, procedure["id"]).open_alerts == 1


def test_abolishing_a_tthc_records_it_and_alerts_linked_procedures(admin_api, make_procedure, app):
    upload(admin_api, (HEADER + ROWS).encode(), "lan-1.csv")
    procedure = make_procedure(agency="STP", code="QT-05/STP", title="Quy trình cấp phiếu lý lịch tư pháp",
                               admin_procedures=["2.000488"])
    abolished = HEADER.rstrip("\n") + ",Ngày hiệu lực\n" + \
        "2.000488,Cấp Phiếu lý lịch tư pháp,Lý lịch tư pháp,Cấp tỉnh,Sở Tư pháp,28/2009/QH12,,Bãi bỏ,01/07/2025\n"
    report = upload(admin_api, abolished.encode(), "bai-bo.csv").get_json()
    assert report["abolished"] == 1, report
    detail = admin_api.get("/api/v1/admin-procedures/2.000488").get_json()
    assert detail["status"] == "abolished" and detail["abolished_on"] == "2025-07-01"
    assert detail["changes"][-1]["change"] == "abolished"
    with app.app_context():
        assert session.get(Procedure, procedure["id"]).open_alerts == 1
    again = upload(admin_api, abolished.encode(), "bai-bo.csv").get_json()
    assert again["unchanged"] == 1 and again["abolished"] == 0


def test_only_admins_import_or_create(api_as, make_agency):
    make_agency("STP", "Sở Tư pháp", "province")
    editor = api_as("editor", agency="STP")
    assert upload(editor, (HEADER + ROWS).encode(), "tthc.csv").status_code == 403
    created = editor.post("/api/v1/admin-procedures", json={"code": "1.001193", "name": "Đăng ký khai sinh"})
    assert created.status_code == 403
    assert editor.get("/api/v1/admin-procedures").status_code == 200


def test_cli_import_prints_refused_rows(runner, tmp_path):
    path = tmp_path / "tthc.csv"
    path.write_text(HEADER + ROWS + "sai-ma,Tên,Hộ tịch,Cấp xã,,,,\n", encoding="utf-8-sig")
    result = runner.invoke(args=["qms", "catalog", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 mới" in result.output
    assert "TỪ CHỐI dòng 4 (sai-ma)" in result.output
    again = runner.invoke(args=["qms", "catalog", "import", str(path)])
    assert "0 mới" in again.output and "2 không đổi" in again.output
