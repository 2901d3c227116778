"""A whole reorganization plan from a file: checked as a whole, dry run, applied in one transaction."""

from __future__ import annotations

import html
import io
import json

from openpyxl import Workbook
from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency, AgencyChange
from qmsdocs.alerts.models import Alert
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from tests.test_reorganization import _page_client, with_two_versions

HEADER = "action,agency,successor,effective_on,procedures,successor_name,successor_level,successor_kind,successor_unit_type\n"


def district_with_communes(make_agency, make_procedure, make_docx, admin_api):
    """A district and two communes that each had "QT-HT-01 Đăng ký khai sinh"."""
    make_agency("UBND-TINH", "UBND tỉnh Vĩnh Long", "province", kind="provincial_committee")
    make_agency("STP", "Sở Tư pháp", "province", kind="department")
    make_agency("UBND-CL", "UBND huyện Càng Long", "district", kind="district_committee")
    make_agency("XA-A", "UBND xã An Trường", "commune", kind="commune_committee")
    make_agency("XA-B", "UBND xã An Trường A", "commune", kind="commune_committee")
    ids = {}
    for agency in ("XA-A", "XA-B"):
        ids[agency] = with_two_versions(admin_api, make_procedure, make_docx, agency, "QT-HT-01")
        admin_api.post("/api/v1/procedures", json={"agency": agency, "code": f"QT-{agency}-02",
                                                   "title": f"Chứng thực bản sao ({agency})"})
    for code in ("QT-H-01", "QT-H-02"):
        make_procedure(agency="UBND-CL", code=code, title=f"Quy trình huyện {code}")
    return ids


PLAN = HEADER + (
    "merge,XA-A,XA-ANTRUONG,2025-07-01,,UBND xã An Trường (mới),commune,commune_committee,commune\n"
    "merge,XA-B,XA-ANTRUONG,2025-07-01,,,,,\n"
    "split,UBND-CL,STP,2025-07-01,QT-H-01,,,,\n"
    "split,UBND-CL,XA-ANTRUONG,2025-07-01,,,,,\n"
)


def counts(app):
    with app.app_context():
        return (session.scalar(select(func.count()).select_from(Agency)),
                session.scalar(select(func.count()).select_from(AgencyChange)),
                session.scalar(select(func.count()).select_from(Alert)),
                sorted(session.execute(select(Agency.code, Procedure.code).join(Procedure.agency)).all()))


def test_cli_dry_run_changes_nothing_and_the_real_run_applies_the_whole_plan(
        app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path):
    ids = district_with_communes(make_agency, make_procedure, make_docx, admin_api)
    plan = tmp_path / "ke-hoach.csv"
    plan.write_text(PLAN, encoding="utf-8")
    before = counts(app)
    with app.app_context():
        versions_before = sorted(session.execute(select(ProcedureVersion.procedure_id, ProcedureVersion.sha256)).all())

    dry = runner.invoke(args=["qms", "reorganize", str(plan), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "XA-A, XA-B → XA-ANTRUONG" in dry.output
    assert "TRÙNG tại XA-ANTRUONG" in dry.output and "Chạy thử" in dry.output
    assert counts(app) == before

    applied = runner.invoke(args=["qms", "reorganize", str(plan)])
    assert applied.exit_code == 0, applied.output
    with app.app_context():
        where = dict(session.execute(select(Procedure.code, Agency.code).join(Procedure.agency)).all())
        assert where["QT-H-01"] == "STP" and where["QT-H-02"] == "XA-ANTRUONG"
        assert where["QT-HT-01"] == "XA-ANTRUONG" and where["QT-HT-01-XA-B"] == "XA-ANTRUONG"
        assert sorted(session.execute(select(ProcedureVersion.procedure_id, ProcedureVersion.sha256)).all()) \
            == versions_before
        district = session.scalar(select(Agency).where(Agency.code == "UBND-CL"))
        assert not district.active and str(district.dissolved_on) == "2025-07-01"
        new = session.scalar(select(Agency).where(Agency.code == "XA-ANTRUONG"))
        assert new.unit_type == "commune" and str(new.established_on) == "2025-07-01"
        assert all(session.get(Procedure, ids[a]).open_alerts == 1 for a in ids)
    assert "cặp trùng" in applied.output
    again = runner.invoke(args=["qms", "reorganize", str(plan)])
    assert again.exit_code == 1 and "đã ngừng hoạt động" in again.output


def test_every_problem_of_a_plan_is_listed_and_nothing_changes(
        app, runner, admin_api, make_agency, make_procedure, make_docx, tmp_path):
    district_with_communes(make_agency, make_procedure, make_docx, admin_api)
    # An earlier reorganization of XA-B on 1 Aug 2025: the plan may not date it before that.
    admin_api.post("/api/v1/agencies/XA-B/rename", json={"name": "UBND xã An Trường B",
                                                          "effective_on": "2025-08-01"})
    plan = tmp_path / "sai.csv"
    plan.write_text(HEADER + (
        "merge,KHONG-CO,XA-A,2025-07-01,,,,,\n"          # unknown code
        "merge,XA-B,XA-A,2025-07-01,,,,,\n"             # dated before XA-B's rename of 1 Aug 2025
        "dissolve,XA-B,,2025-09-01,,,,,\n"              # XA-B mapped twice
        "merge,STP,UBND-TINH,2025-07-01,,,,,\n"         # cycle with the next row
        "merge,UBND-TINH,STP,2025-07-01,,,,,\n"
        "split,UBND-CL,STP,2025-07-01,QT-KHONG,,,,\n"   # unknown procedure
        "bogus,UBND-CL,STP,2025-13-01,,,,,\n"           # unknown action, bad date
    ), encoding="utf-8")
    before = counts(app)
    result = runner.invoke(args=["qms", "reorganize", str(plan)])
    assert result.exit_code == 1
    assert "Dòng 8: thao tác 'bogus' không hợp lệ" in result.output
    assert "Dòng 8: ngày hiệu lực" in result.output
    assert counts(app) == before
    fixed = plan.read_text(encoding="utf-8").replace("bogus,UBND-CL,STP,2025-13-01,,,,,\n", "")
    plan.write_text(fixed, encoding="utf-8")
    result = runner.invoke(args=["qms", "reorganize", str(plan), "--dry-run"])
    assert result.exit_code == 1
    output = result.output
    assert "Dòng 2: không có cơ quan mã 'KHONG-CO'" in output
    assert "Dòng 4: cơ quan 'XA-B' đã được sắp xếp ở dòng 3" in output
    assert "vòng lặp trong kế hoạch" in output and "STP → UBND-TINH → STP" in output
    assert "Dòng 3: cơ quan 'XA-B' đã được sắp xếp lại từ 01/08/2025" in output
    assert "không có quy trình mã 'QT-KHONG'" in output
    assert counts(app) == before


def test_json_and_xlsx_plans_with_vietnamese_headers(app, runner, make_agency, tmp_path):
    make_agency("XA-1", "UBND xã Một", "commune", kind="commune_committee")
    make_agency("XA-2", "UBND xã Hai", "commune", kind="commune_committee")
    make_agency("XA-3", "UBND xã Ba", "commune", kind="commune_committee")
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Thao tác", "Mã cơ quan cũ", "Mã cơ quan kế thừa", "Ngày hiệu lực", "Quyết định"])
    sheet.append(["Sáp nhập", "XA-1", "XA-2", "01/07/2025", "Nghị quyết 1/NQ-UBTVQH15"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    xlsx = tmp_path / "ke-hoach.xlsx"
    xlsx.write_bytes(buffer.getvalue())
    result = runner.invoke(args=["qms", "reorganize", str(xlsx)])
    assert result.exit_code == 0, result.output
    plan = tmp_path / "doi-ten.json"
    plan.write_text(json.dumps({"items": [{"action": "rename", "agency": "XA-3", "effective_on": "2025-07-01",
                                           "successor_name": "UBND phường Ba", "successor_level": "commune",
                                           "successor_unit_type": "ward"}]}), encoding="utf-8")
    result = runner.invoke(args=["qms", "reorganize", str(plan)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert session.scalar(select(Agency.active).where(Agency.code == "XA-1")) is False
        renamed = session.scalar(select(Agency).where(Agency.code == "XA-3"))
        assert (renamed.name, renamed.unit_type) == ("UBND phường Ba", "ward")
        assert session.scalar(select(AgencyChange.decision).where(AgencyChange.action == "merge")) \
            == "Nghị quyết 1/NQ-UBTVQH15"


def test_plan_page_previews_then_applies_and_refuses_clearly(
        app, make_user, admin_api, make_agency, make_procedure, make_docx):
    district_with_communes(make_agency, make_procedure, make_docx, admin_api)
    viewer = _page_client(app, make_user, "xem", "viewer", "STP")
    assert viewer.get("/agencies/plan").status_code == 403
    admin = _page_client(app, make_user, "quantri", "admin")
    assert 'href="/agencies/plan"' in admin.get("/agencies/structure").get_data(as_text=True)
    assert admin.get("/agencies/plan").status_code == 200
    before = counts(app)

    refused = admin.post("/agencies/plan/preview", data={"plan": (io.BytesIO(
        (HEADER + "merge,KHONG-CO,XA-A,2025-07-01,,,,,\n").encode()), "sai.csv")},
        content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "không có cơ quan mã &#39;KHONG-CO&#39;" in refused.get_data(as_text=True)
    wrong_type = admin.post("/agencies/plan/preview", data={"plan": (io.BytesIO(b"x"), "plan.txt")},
                            content_type="multipart/form-data")
    assert wrong_type.status_code == 400 and "Chỉ nhận tệp" in wrong_type.get_data(as_text=True)

    preview = admin.post("/agencies/plan/preview", data={"plan": (io.BytesIO(PLAN.encode()), "ke-hoach.csv")},
                         content_type="multipart/form-data")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Xem trước" in text and "QT-HT-01-XA-B" in text
    assert "Quy trình trùng nhau" in text
    assert counts(app) == before
    rows = text.split('name="rows" value="', 1)[1].split('"', 1)[0]
    applied = admin.post("/agencies/plan/apply", data={"rows": html.unescape(rows)})
    assert applied.status_code == 200, applied.get_data(as_text=True)
    body = applied.get_data(as_text=True)
    assert "Đã áp dụng" in body and "Bãi bỏ quy trình này" in body
    assert counts(app) != before
    again = admin.post("/agencies/plan/apply", data={"rows": html.unescape(rows)})
    assert again.status_code == 400 and "đã ngừng hoạt động" in again.get_data(as_text=True)
