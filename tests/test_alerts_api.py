"""The alert lifecycle through the API and the pages: who may acknowledge, dismiss and review."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from qmsdocs.audit.models import AuditEvent
from qmsdocs.db import session
from tests.conftest import PASSWORD

RECENT = date.today().strftime("%d/%m/%Y")


@pytest.fixture
def stale(admin_api, make_procedure, make_docx):
    """A STNMT procedure citing the 2013 land law after its replacement: one open alert."""
    procedure = make_procedure(agency="STNMT", code="QT-01/STNMT", title="Quy trình cấp Giấy chứng nhận")
    data = make_docx(code="QT-01/STNMT", issued_on=RECENT, citations_text=["- Luật Đất đai số 45/2013/QH13;"])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    response = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                             "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    assert response.status_code == 201 and response.get_json()["alerts_opened"] == 1
    items = admin_api.get("/api/v1/alerts").get_json()["items"]
    return {"procedure": procedure, "alert": items[0]}


def test_alert_listing_names_procedure_rule_document_and_dates(stale, admin_api):
    alert = stale["alert"]
    assert alert["procedure_id"] == stale["procedure"]["id"]
    assert alert["rule"] == "legal_change"
    assert alert["legal_symbol"] == "45/2013/QH13"
    assert alert["change"] == "replaced" and alert["change_by"] == "31/2024/QH15"
    assert alert["status"] == "open" and alert["opened_at"].endswith("Z")
    assert alert["effective_on"] == "2024-08-01"
    assert "31/2024/QH15" in alert["resolution_hint"]


@pytest.mark.parametrize("query, expected", [
    ("agency=STNMT", 1), ("agency=STP", 0), ("status=open", 1), ("status=dismissed", 0),
    ("rule=legal_change", 1), ("rule=review_overdue", 0), ("rule=a", 1), ("status=active", 1),
])
def test_alert_filters(stale, admin_api, query, expected):
    response = admin_api.get(f"/api/v1/alerts?{query}")
    assert response.status_code == 200
    assert len(response.get_json()["items"]) == expected


def test_alert_filter_by_procedure_and_bad_filters(stale, admin_api):
    assert len(admin_api.get(f"/api/v1/alerts?procedure={stale['procedure']['id']}").get_json()["items"]) == 1
    for query in ("status=closed", "rule=zzz", "procedure=abc"):
        response = admin_api.get(f"/api/v1/alerts?{query}")
        assert response.status_code == 400
        assert response.get_json()["error"]["message"]


def test_editor_of_the_agency_acknowledges(stale, api_as):
    editor = api_as("editor", agency="STNMT")
    response = editor.post(f"/api/v1/alerts/{stale['alert']['id']}/acknowledge")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "acknowledged" and body["acknowledged_by"] == editor.username
    again = editor.post(f"/api/v1/alerts/{stale['alert']['id']}/acknowledge")
    assert again.status_code == 409


@pytest.mark.parametrize("role, agency", [("viewer", "STNMT"), ("editor", "STP"), ("approver", "STP")])
def test_others_cannot_acknowledge(stale, api_as, make_agency, role, agency):
    if agency == "STP":
        make_agency("STP", "Sở Tư pháp")
    response = api_as(role, agency=agency).post(f"/api/v1/alerts/{stale['alert']['id']}/acknowledge")
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_approvers_and_admins_dismiss(stale, api_as, role):
    response = api_as(role, agency="STNMT").post(f"/api/v1/alerts/{stale['alert']['id']}/dismiss",
                                                 json={"reason": "Không áp dụng"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_approver_of_another_agency_cannot_dismiss(stale, api_as, make_agency):
    make_agency("STP", "Sở Tư pháp")
    response = api_as("approver", agency="STP").post(f"/api/v1/alerts/{stale['alert']['id']}/dismiss",
                                                     json={"reason": "Không áp dụng"})
    assert response.status_code == 403


def test_approver_dismisses_with_a_written_reason(app, stale, api_as):
    approver = api_as("approver", agency="STNMT")
    url = f"/api/v1/alerts/{stale['alert']['id']}/dismiss"
    assert approver.post(url, json={}).status_code == 400
    assert approver.post(url, json={"reason": "   "}).status_code == 400
    response = approver.post(url, json={"reason": "Quy trình chỉ trích dẫn lịch sử, đã áp dụng luật mới."})
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "dismissed" and body["dismissed_by"] == approver.username
    assert approver.post(url, json={"reason": "lần hai"}).status_code == 409
    detail = approver.get(f"/api/v1/procedures/{stale['procedure']['id']}").get_json()
    assert detail["id"] == stale["procedure"]["id"]
    with app.app_context():
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "alert.dismiss"))
        assert event.details["reason"].startswith("Quy trình chỉ trích dẫn")
        from qmsdocs.procedures.models import Procedure

        assert session.get(Procedure, stale["procedure"]["id"]).open_alerts == 0


def test_admin_dismisses_and_unknown_alert_is_404(stale, admin_api):
    assert admin_api.post(f"/api/v1/alerts/{stale['alert']['id']}/dismiss", json={"reason": "Đã rà soát"}).status_code == 200
    assert admin_api.post("/api/v1/alerts/999999/dismiss", json={"reason": "x"}).status_code == 404
    assert admin_api.post("/api/v1/alerts/999999/acknowledge").status_code == 404


def test_record_review_needs_write_rights(stale, api_as):
    url = f"/api/v1/procedures/{stale['procedure']['id']}/reviews"
    assert api_as("viewer", agency="STNMT").post(url, json={}).status_code == 403
    assert api_as("editor", agency="STNMT").post(url, json={"reviewed_on": "2999-01-01"}).status_code == 400
    assert api_as("editor", agency="STNMT").post(url, json={"note": "Vẫn phù hợp"}).status_code == 201


def test_api_requires_a_token(client):
    assert client.get("/api/v1/alerts").status_code == 401


def _sign_in(client, make_user, username, role, agency=None):
    make_user(username, role, agency)
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_dashboard_lists_open_alerts_by_agency_with_counts(stale, client, make_user):
    _sign_in(client, make_user, "lanhdao", "viewer", "STNMT")
    page = client.get("/alerts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "QT-01/STNMT" in html and "45/2013/QH13" in html and "alert-counts" in html
    assert "Tiếp nhận" not in html  # a viewer sees no actions
    assert client.get("/alerts?agency=STP").status_code == 200
    assert client.get("/alerts?status=bogus&rule=zzz&page=x").status_code == 200


def test_dashboard_actions_acknowledge_and_dismiss(app, stale, client, make_user):
    _sign_in(client, make_user, "pheduyet", "approver", "STNMT")
    alert_id = stale["alert"]["id"]
    assert "Tiếp nhận" in client.get("/alerts").get_data(as_text=True)
    response = client.post(f"/alerts/{alert_id}/acknowledge", data={"next": "/alerts"})
    assert response.status_code == 302
    response = client.post(f"/alerts/{alert_id}/dismiss", data={"reason": ""}, follow_redirects=True)
    assert "Hãy ghi lý do" in response.get_data(as_text=True)
    client.post(f"/alerts/{alert_id}/dismiss", data={"reason": "Đã đối chiếu, vẫn đúng"})
    with app.app_context():
        from qmsdocs.alerts.models import Alert

        assert session.get(Alert, alert_id).status == "dismissed"


def test_dashboard_dismiss_by_editor_is_forbidden(stale, client, make_user):
    _sign_in(client, make_user, "bientap", "editor", "STNMT")
    response = client.post(f"/alerts/{stale['alert']['id']}/dismiss", data={"reason": "x"})
    assert response.status_code == 403


def test_csv_and_xlsx_exports(stale, client, make_user):
    _sign_in(client, make_user, "xem", "viewer", "STNMT")
    csv_response = client.get("/alerts/export.csv")
    assert csv_response.status_code == 200
    assert csv_response.headers["Content-Type"] == "text/csv; charset=utf-8"
    text = csv_response.get_data().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Mã cảnh báo,Cơ quan")
    assert "45/2013/QH13" in text
    xlsx = client.get("/alerts/export.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.get_data())).active
    assert sheet["C2"].value == "QT-01/STNMT" and sheet["F2"].value == "45/2013/QH13"


def test_procedure_partial_renders(app, stale):
    with app.test_request_context("/procedures/1"):
        from flask import render_template_string
        from flask_login import login_user

        from qmsdocs.auth.services import user_by_name
        from qmsdocs.procedures.models import Procedure

        login_user(user_by_name("admin1"))
        procedure = session.get(Procedure, stale["procedure"]["id"])
        html = render_template_string('{% include "alerts/_procedure_alerts.html" ignore missing %}',
                                      procedure=procedure)
        assert "45/2013/QH13" in html and "Bỏ qua" in html


def test_digest_and_evaluate_commands(stale, runner):
    result = runner.invoke(args=["qms", "alerts", "digest", "--since", date.today().strftime("%d/%m/%Y")])
    assert result.exit_code == 0, result.output
    assert "STNMT" in result.output and "45/2013/QH13" in result.output
    bad = runner.invoke(args=["qms", "alerts", "digest", "--since", "hôm qua"])
    assert bad.exit_code != 0
    evaluated = runner.invoke(args=["qms", "alerts", "evaluate"])
    assert evaluated.exit_code == 0 and "mở 0 cảnh báo" in evaluated.output
