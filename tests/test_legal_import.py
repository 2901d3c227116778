"""Importing the registry from CSV and JSON: BOM or not, idempotent, refused rows explained."""

from __future__ import annotations

import io
import json
from datetime import date

from sqlalchemy import func, select

from qmsdocs.alerts.models import Alert
from qmsdocs.db import session
from qmsdocs.legal.models import LegalAlias, LegalChange, LegalDocument

DOCUMENTS_CSV = (
    "symbol,type,title,issuer,issued_on,effective_on,status,aliases\n"
    "45/2013/QH13,Luật,Luật Đất đai,Quốc hội,29/11/2013,01/07/2014,Hết hiệu lực toàn bộ,Luật Đất đai 2013\n"
    "31/2024/QH15,Luật,Luật Đất đai,Quốc hội,18/01/2024,01/08/2024,Còn hiệu lực,Luật Đất đai 2024\n"
    "61/2018/ND-CP,,Về thực hiện cơ chế một cửa,Chính phủ,2018-04-23,2018-06-21,con hieu luc,\n"
    "ISO 9001:2015,Tiêu chuẩn,Không phải văn bản pháp luật,,,,,\n"
    "102/2024/NĐ-CP,Nghị định,,Chính phủ,30/07/2024,01/08/2024,,\n"
    "107/2021/NĐ-CP,Nghị định,Sửa đổi Nghị định 61,Chính phủ,06/12/2021,,Còn hiệu lực lắm,\n"
)
CHANGES_CSV = (
    "symbol;change;by;effective_on;note\n"
    "45/2013/QH13;thay thế;31/2024/QH15;01/08/2024;Luật Đất đai 2024\n"
    "61/2018/NĐ-CP;amended;107/2021/NĐ-CP;06/12/2021;\n"
    "43/2014/NĐ-CP;replaced;102/2024/NĐ-CP;ngày mai;\n"
)


def _import(admin_api, text: str, filename: str, *, bom: bool = False):
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    response = admin_api.client.post("/api/v1/legal-import", data={"file": (io.BytesIO(data), filename)},
                                     headers=admin_api.headers, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_csv_with_bom_imports_documents_and_explains_refusals(app, admin_api):
    report = _import(admin_api, DOCUMENTS_CSV, "van-ban.csv", bom=True)
    assert report["documents_created"] == 3
    refused = {row["row"]: row["reason"] for row in report["refused"]}
    assert set(refused) == {"5", "6", "7"}
    assert "không phải số ký hiệu" in refused["5"]
    assert "title" in refused["6"]
    assert "Tình trạng hiệu lực" in refused["7"]
    with app.app_context():
        decree = session.scalar(select(LegalDocument).where(LegalDocument.key == "61/2018/ND-CP"))
        assert (decree.symbol, decree.doc_type, decree.status) == ("61/2018/NĐ-CP", "Nghị định", "in_force")
        assert session.scalar(select(func.count()).select_from(LegalAlias)) == 2


def test_importing_the_same_file_twice_changes_nothing(app, admin_api):
    _import(admin_api, DOCUMENTS_CSV, "van-ban.csv")
    _import(admin_api, CHANGES_CSV, "thay-doi.csv")
    with app.app_context():
        before = (session.scalar(select(func.count()).select_from(LegalDocument)),
                  session.scalar(select(func.count()).select_from(LegalChange)))
    again = _import(admin_api, DOCUMENTS_CSV, "van-ban.csv", bom=True)
    assert (again["documents_created"], again["documents_updated"], again["documents_unchanged"]) == (0, 0, 3)
    changes = _import(admin_api, CHANGES_CSV, "thay-doi.csv")
    assert (changes["changes_created"], changes["changes_unchanged"]) == (0, 2)
    with app.app_context():
        after = (session.scalar(select(func.count()).select_from(LegalDocument)),
                 session.scalar(select(func.count()).select_from(LegalChange)))
    assert before == after


def test_changes_csv_with_semicolons_opens_alerts(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure(agency="STNMT", code="QT-01", title="Cấp giấy chứng nhận")
    data = make_docx(code="QT-01", issued_on=date.today().strftime("%d/%m/%Y"),
                     citations_text=["- Luật Đất đai số 45/2013/QH13;"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    report = _import(admin_api, CHANGES_CSV, "thay-doi.csv")
    assert report["changes_created"] == 2 and report["alerts_opened"] == 1
    assert report["refused"] == [{"row": "4", "reason": report["refused"][0]["reason"]}]
    assert "ngày mai" in report["refused"][0]["reason"]
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_refused_row_leaves_nothing_half_stored(app, admin_api):
    _import(admin_api, DOCUMENTS_CSV, "van-ban.csv")
    clash = "symbol,type,title,aliases\n09/2099/QH99,Luật,Luật minh họa,Luật Đất đai 2024\n"
    report = _import(admin_api, clash, "clash.csv")
    assert report["documents_created"] == 0 and len(report["refused"]) == 1
    with app.app_context():
        assert session.scalar(select(LegalDocument).where(LegalDocument.key == "9/2099/QH99")) is None


def test_vietnamese_headers_are_understood(app, admin_api):
    text = "Số ký hiệu,Loại văn bản,Trích yếu,Ngày ban hành,Tình trạng hiệu lực\n60/2014/QH13,Luật,Luật Hộ tịch,20/11/2014,Còn hiệu lực\n"
    report = _import(admin_api, text, "vb.csv")
    assert report["documents_created"] == 1 and report["refused"] == []


def test_json_import(app, admin_api):
    payload = {"documents": [{"symbol": "60/2014/QH13", "type": "Luật", "title": "Luật Hộ tịch"}, "rác"],
               "changes": [{"symbol": "60/2014/QH13", "change": "partially_expired", "effective_on": "2020-01-01"}]}
    report = _import(admin_api, json.dumps(payload, ensure_ascii=False), "registry.json")
    assert (report["documents_created"], report["changes_created"]) == (1, 1)
    assert report["refused"][0]["row"] == "documents[1]"
    direct = admin_api.post("/api/v1/legal-import", json=payload)
    assert direct.status_code == 200 and direct.get_json()["documents_unchanged"] == 1


def test_unreadable_files_are_refused_whole(admin_api):
    for data, filename, code in ((("symbol,title\n45/2013/QH13,Lu\xe1t\n").encode("latin-1"), "x.csv", "invalid_encoding"),
                                 (b"title,type\nx,y\n", "x.csv", "missing_column"),
                                 (b"{not json", "x.json", "invalid_json"),
                                 (b"", "x.csv", "empty_file")):
        response = admin_api.client.post("/api/v1/legal-import", data={"file": (io.BytesIO(data), filename)},
                                         headers=admin_api.headers, content_type="multipart/form-data")
        assert response.status_code == 400, filename
        assert response.get_json()["error"]["code"] == code


def test_cli_import_prints_report(runner, tmp_path):
    path = tmp_path / "van-ban.csv"
    path.write_bytes(b"\xef\xbb\xbf" + DOCUMENTS_CSV.encode("utf-8"))
    result = runner.invoke(args=["qms", "legal", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "Văn bản: thêm 3" in result.output and "TỪ CHỐI dòng 5" in result.output
    again = runner.invoke(args=["qms", "legal", "import", str(path)])
    assert "thêm 0, cập nhật 0, không đổi 3" in again.output
    broken = tmp_path / "hong.csv"
    broken.write_bytes(b"\xff\xfe\x00")
    assert runner.invoke(args=["qms", "legal", "import", str(broken)]).exit_code == 1


def test_import_page(client, make_user):
    from tests.conftest import PASSWORD

    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    assert client.get("/legal/import").status_code == 200
    response = client.post("/legal/import", data={"file": (io.BytesIO(DOCUMENTS_CSV.encode()), "vb.csv")},
                           content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "refused-rows" in html and "Văn bản: thêm 3" in html
    assert client.post("/legal/import", data={}, content_type="multipart/form-data").status_code == 400
