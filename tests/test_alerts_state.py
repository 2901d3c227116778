"""Alerts follow the state: re-uploading an earlier file flags the procedure again; a dismissal
holds for the dismissed version only; a resolution never blocks a later alert."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from qmsdocs.audit.models import AuditEvent
from qmsdocs.db import session
from tests.conftest import PASSWORD

RECENT = date.today().strftime("%d/%m/%Y")
OLD_TEXT = ["- Nghị định số 61/2018/NĐ-CP về thực hiện cơ chế một cửa;"]
NEW_TEXT = ["- Nghị định số 118/2025/NĐ-CP về thực hiện thủ tục hành chính theo cơ chế một cửa;"]


def _active(api, procedure_id):
    items = api.get(f"/api/v1/procedures/{procedure_id}/alerts").get_json()["items"]
    return [a for a in items if a["status"] in ("open", "acknowledged")], items


def _scenario_start(admin_api, make_procedure, make_docx):
    procedure = make_procedure(agency="STNMT", code="QT-01/STNMT", title="Quy trình một cửa")
    old_file = make_docx(code="QT-01/STNMT", revision="03", issued_on=RECENT, citations_text=OLD_TEXT)
    assert admin_api.upload(procedure["id"], old_file).status_code == 201
    response = admin_api.post("/api/v1/legal-changes", json={
        "symbol": "61/2018/NĐ-CP", "change": "replaced", "by": "118/2025/NĐ-CP", "effective_on": "2025-07-01"})
    assert response.get_json()["alerts_opened"] == 1
    return procedure, old_file


def test_reuploading_the_earlier_file_opens_the_alert_again(app, admin_api, client, make_procedure, make_docx):
    procedure, old_file = _scenario_start(admin_api, make_procedure, make_docx)
    fixed = make_docx(code="QT-01/STNMT", revision="04", issued_on=RECENT, citations_text=NEW_TEXT)
    assert admin_api.upload(procedure["id"], fixed).status_code == 201
    active, items = _active(admin_api, procedure["id"])
    assert active == [] and [a["status"] for a in items] == ["resolved"]

    again = admin_api.upload(procedure["id"], old_file)
    assert again.status_code == 201
    active, items = _active(admin_api, procedure["id"])
    assert len(active) == 1, items
    assert active[0]["legal_symbol"] == "61/2018/NĐ-CP" and active[0]["change_by"] == "118/2025/NĐ-CP"
    assert active[0]["occurrence"] == 2
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}/alerts").get_json()["open_alerts"] == 1

    # The daily evaluation agrees with what the upload decided.
    result = app.test_cli_runner().invoke(args=["qms", "alerts", "evaluate"])
    assert "mở 0 cảnh báo, tự giải quyết 0" in result.output
    assert len(_active(admin_api, procedure["id"])[0]) == 1

    client.post("/login", data={"username": admin_api.username, "password": PASSWORD})
    page = client.get(f"/procedures/{procedure['id']}").get_data(as_text=True)
    assert "Không có cảnh báo nào đang mở" not in page
    assert "61/2018/NĐ-CP mà quy trình viện dẫn đã bị thay thế bởi 118/2025/NĐ-CP" in page


def test_dismissal_holds_for_the_dismissed_version_only(app, admin_api, client, make_procedure, make_docx):
    procedure, old_file = _scenario_start(admin_api, make_procedure, make_docx)
    alert = _active(admin_api, procedure["id"])[0][0]
    response = admin_api.post(f"/api/v1/alerts/{alert['id']}/dismiss",
                              json={"reason": "Điều khoản viện dẫn vẫn áp dụng theo quy định chuyển tiếp."})
    assert response.status_code == 200
    assert response.get_json()["dismissed_version_id"] == alert["version_id"]
    # Re-evaluating the same version keeps the judgement.
    app.test_cli_runner().invoke(args=["qms", "alerts", "evaluate"])
    assert _active(admin_api, procedure["id"])[0] == []

    later = make_docx(code="QT-01/STNMT", revision="04", issued_on=RECENT, citations_text=OLD_TEXT + ["Bổ sung."])
    assert admin_api.upload(procedure["id"], later).status_code == 201
    active, items = _active(admin_api, procedure["id"])
    assert len(active) == 1 and active[0]["version_id"] != alert["version_id"]
    assert sorted(a["status"] for a in items) == ["dismissed", "open"]

    client.post("/login", data={"username": admin_api.username, "password": PASSWORD})
    page = client.get(f"/procedures/{procedure['id']}").get_data(as_text=True)
    assert "Điều khoản viện dẫn vẫn áp dụng theo quy định chuyển tiếp." in page  # the earlier dismissal
    assert f'data-alert-id="{active[0]["id"]}"' in page  # and the new alert
    with app.app_context():
        opened = session.scalars(select(AuditEvent).where(AuditEvent.action == "alert.open")).all()
        assert [event.details.get("occurrence") for event in opened] == [1, 2]
