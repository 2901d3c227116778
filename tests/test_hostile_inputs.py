"""Inputs that once gave a 500 now get a clear 4xx in Vietnamese, and change nothing."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD

SURROGATE_BODY = '{"agency": "STP", "code": "QT-\\ud800", "title": "\\ud800", "name": "\\ud800", "level": "province",' \
                 ' "symbol": "\\ud800", "legal_document": "\\ud800", "kind": "amend", "year": 2019,' \
                 ' "note": "\\ud800", "reviewed_on": "2026-01-01"}'


def _error(response, status: int | tuple = 400) -> dict:
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.get_data(as_text=True)[:300])
    error = response.get_json()["error"]
    assert error["code"] and error["message"]
    return error


@pytest.fixture
def draft(app, api_as, make_agency, make_procedure, make_docx):
    """A procedure whose version 1 waits for approval (an editor uploaded it)."""
    make_agency("SYT", "Sở Y tế", approval_required=True)
    procedure = make_procedure(agency="SYT", code="QT-02/SYT")
    editor = api_as("editor", agency="SYT")
    assert editor.upload(procedure["id"], make_docx(revision="01")).status_code == 201
    return procedure


def test_password_change_with_an_empty_field_is_a_400_page(client, make_user):
    make_user("canbo")
    client.post("/login", data={"username": "canbo", "password": PASSWORD})
    response = client.post("/account", data={"current": PASSWORD, "password": "", "confirm": ""})
    assert response.status_code == 400
    assert "không được để trống" in response.get_data(as_text=True) or "ít nhất" in response.get_data(as_text=True)


def test_deeply_nested_json_is_refused(admin_api, make_agency):
    make_agency()
    body = '{"agency": ' + "[" * 5000 + "]" * 5000 + "}"
    response = admin_api.client.post("/api/v1/procedures", data=body, content_type="application/json",
                                     headers=admin_api.headers)
    assert "lồng nhau quá sâu" in _error(response)["message"]


@pytest.mark.parametrize("path", ["/api/v1/procedures", "/api/v1/agencies", "/api/v1/legal-changes",
                                  "/api/v1/reports/assessments", "/api/v1/procedures/{id}/reviews"])
def test_a_lone_surrogate_in_a_json_string_is_refused(admin_api, make_procedure, path):
    procedure = make_procedure()
    response = admin_api.client.post(path.format(id=procedure["id"]), data=SURROGATE_BODY,
                                     content_type="application/json", headers=admin_api.headers)
    error = _error(response)
    assert error["code"] == "invalid_characters"
    assert "Unicode" in error["message"]


@pytest.mark.parametrize("body", ['"str"', "1", "[1, 2]", "null"])
def test_approving_with_a_body_that_is_not_an_object_is_refused(admin_api, draft, body):
    response = admin_api.client.post(f"/api/v1/procedures/{draft['id']}/versions/1/approve", data=body,
                                     content_type="application/json", headers=admin_api.headers)
    assert "đối tượng JSON" in _error(response)["message"]
    assert admin_api.get(f"/api/v1/procedures/{draft['id']}").get_json()["versions"][0]["state"] != "approved"


def test_approving_with_a_list_as_comment_is_refused_not_stored_as_text(admin_api, draft):
    response = admin_api.post(f"/api/v1/procedures/{draft['id']}/versions/1/approve", json={"comment": ["a", "b"]})
    assert "'comment'" in _error(response)["message"]
    version = admin_api.get(f"/api/v1/procedures/{draft['id']}").get_json()["versions"][0]
    assert version["state"] != "approved"


def test_approving_without_a_body_still_works(admin_api, draft):
    response = admin_api.client.post(f"/api/v1/procedures/{draft['id']}/versions/1/approve",
                                     headers=admin_api.headers)
    assert response.status_code == 200, response.get_json()


@pytest.mark.parametrize("path", ["/alerts", "/legal"])
def test_a_huge_page_number_is_not_a_server_error(client, make_user, path):
    make_user("canbo")
    client.post("/login", data={"username": "canbo", "password": PASSWORD})
    response = client.get(f"{path}?page=99999999999999999999")
    assert response.status_code in (200, 400), response.status_code


def test_a_next_parameter_with_a_line_break_cannot_inject_a_header(client, make_user):
    make_user("canbo")
    assert client.get("/login?next=/%0D%0ASet-Cookie:x=1").status_code == 200
    response = client.post("/login?next=/%0D%0ASet-Cookie:x=1", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 302
    assert "Set-Cookie:x" not in response.headers["Location"]
    again = client.get("/login?next=/%0D%0ASet-Cookie:x=1")
    assert again.status_code == 302 and "\r" not in again.headers["Location"]


def test_a_nul_character_in_a_field_is_refused(admin_api, make_agency):
    make_agency()
    response = admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "QT\x00", "title": "x"})
    assert _error(response)["code"] == "invalid_characters"
    query = admin_api.get("/api/v1/procedures?agency=ST%00P")
    assert _error(query)["code"] == "invalid_characters"


def test_a_number_beyond_64_bits_is_refused(admin_api, make_agency):
    make_agency()
    response = admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "QT-9", "title": "x",
                                                          "review_interval_months": 10**30})
    _error(response)
