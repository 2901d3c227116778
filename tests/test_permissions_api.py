"""Who may do what through the API: one test per role per kind of action."""

from __future__ import annotations

import pytest


@pytest.fixture
def two_agencies(make_procedure):
    own = make_procedure(agency="STP", code="QT-01")
    other = make_procedure(agency="STNMT", code="QT-02")
    return own, other


def test_viewer_reads_but_cannot_write(api_as, two_agencies, make_docx):
    own, _ = two_agencies
    viewer = api_as("viewer", agency="STP")
    assert viewer.get(f"/api/v1/procedures/{own['id']}").status_code == 200
    assert viewer.upload(own["id"], make_docx()).status_code == 403
    assert viewer.post("/api/v1/procedures", json={"agency": "STP", "code": "N", "title": "N"}).status_code == 403


def test_editor_writes_only_its_own_agency(api_as, two_agencies, make_docx):
    own, other = two_agencies
    editor = api_as("editor", agency="STP")
    assert editor.upload(own["id"], make_docx()).status_code == 201
    refused = editor.upload(other["id"], make_docx())
    assert refused.status_code == 403
    assert "quyền" in refused.get_json()["error"]["message"]
    assert editor.post("/api/v1/procedures", json={"agency": "STNMT", "code": "N", "title": "N"}).status_code == 403
    assert editor.post("/api/v1/procedures", json={"agency": "STP", "code": "N", "title": "N"}).status_code == 201


def test_editor_cannot_retire_but_approver_can(api_as, two_agencies):
    own, _ = two_agencies
    editor = api_as("editor", agency="STP")
    approver = api_as("approver", agency="STP")
    assert editor.post(f"/api/v1/procedures/{own['id']}/retire", json={"reason": "x"}).status_code == 403
    assert approver.post(f"/api/v1/procedures/{own['id']}/retire", json={"reason": "x"}).status_code == 200


def test_approval_flow_keeps_draft_out_of_force_until_approved(app, admin_api, api_as, make_docx, make_agency):
    make_agency("SYT", "Sở Y tế", approval_required=True)
    procedure = admin_api.post("/api/v1/procedures", json={"agency": "SYT", "code": "QT-1", "title": "T"}).get_json()
    editor = api_as("editor", agency="SYT")
    approver = api_as("approver", agency="SYT")
    draft = editor.upload(procedure["id"], make_docx())
    assert draft.status_code == 201
    assert draft.get_json()["state"] == "pending"
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["current_version"] is None
    assert editor.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={}).status_code == 403
    approved = approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={"comment": "Đồng ý"})
    assert approved.status_code == 200
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["current_version"] == 1


def test_returned_draft_needs_a_reason(admin_api, api_as, make_docx, make_agency):
    make_agency("SYT", "Sở Y tế", approval_required=True)
    procedure = admin_api.post("/api/v1/procedures", json={"agency": "SYT", "code": "QT-1", "title": "T"}).get_json()
    api_as("editor", agency="SYT").upload(procedure["id"], make_docx())
    approver = api_as("approver", agency="SYT")
    assert approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/return", json={"reason": ""}).status_code == 400
    returned = approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/return", json={"reason": "Sai căn cứ"})
    assert returned.get_json()["state"] == "returned"


def test_approver_of_another_agency_cannot_approve(admin_api, api_as, make_docx, make_agency):
    make_agency("SYT", "Sở Y tế", approval_required=True)
    make_agency("STP", "Sở Tư pháp")
    procedure = admin_api.post("/api/v1/procedures", json={"agency": "SYT", "code": "QT-1", "title": "T"}).get_json()
    api_as("editor", agency="SYT").upload(procedure["id"], make_docx())
    outsider = api_as("approver", agency="STP")
    assert outsider.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={}).status_code == 403


def test_revoked_tokens_are_refused(app, api_as):
    from sqlalchemy import select

    from qmsdocs.auth.models import ApiToken
    from qmsdocs.auth.services import revoke_token
    from qmsdocs.db import session

    user = api_as("admin")
    assert user.get("/api/v1/agencies").status_code == 200
    with app.app_context():
        for row in session.scalars(select(ApiToken)):
            revoke_token(row)
        session.commit()
    assert user.get("/api/v1/agencies").status_code == 401
