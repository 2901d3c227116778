"""Read and understood: who must read, one-click confirmation per current version, the distribution log."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.conftest import PASSWORD


@pytest.fixture
def stp(admin_api, make_procedure, api_as, make_user):
    """Agency STP with an editor, an approver, two viewers and a procedure without versions yet."""
    procedure = make_procedure()
    people = {
        "editor": api_as("editor", agency="STP", username="bientap"),
        "approver": api_as("approver", agency="STP", username="pheduyet"),
        "viewer": api_as("viewer", agency="STP", username="xem1"),
        "viewer2": api_as("viewer", agency="STP", username="xem2"),
    }
    return procedure, people


def upload(api, procedure_id, make_docx, revision="01", words="Bước 1: tiếp nhận hồ sơ."):
    response = api.upload(procedure_id, make_docx(code="QT-01/STP", revision=revision, paragraphs=[words]))
    assert response.status_code == 201, response.get_json()
    return response.get_json()["version"]


def to_read(api):
    response = api.get("/api/v1/to-read")
    assert response.status_code == 200
    return [(line["procedure_code"], line["version"]) for line in response.get_json()["items"]]


def test_a_version_that_takes_effect_asks_every_reader_once_and_a_new_version_asks_again(stp, admin_api, make_docx):
    procedure, people = stp
    answer = admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"})
    assert answer.status_code == 200 and answer.get_json()["readers"] == 4
    upload(people["editor"], procedure["id"], make_docx)
    assert to_read(people["viewer"]) == [("QT-01/STP", 1)]

    confirmed = people["viewer"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert confirmed.status_code == 201, confirmed.get_json()
    assert confirmed.get_json()["state"] == "confirmed" and confirmed.get_json()["confirmed_at"]
    assert to_read(people["viewer"]) == []
    assert people["viewer"].get("/api/v1/notifications").get_json()["unread"] == 0
    assert people["viewer2"].get("/api/v1/notifications").get_json()["unread"] == 1

    again = people["viewer"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_confirmed"
    assert "đã xác nhận" in again.get_json()["error"]["message"]

    upload(people["editor"], procedure["id"], make_docx, revision="02", words="Bước 1: tiếp nhận hồ sơ trực tuyến.")
    assert to_read(people["viewer"]) == [("QT-01/STP", 2)]
    assert to_read(people["viewer2"]) == [("QT-01/STP", 2)]  # version 1 no longer asked of them
    stale = people["viewer2"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "version_not_current"
    assert "phiên bản 2" in stale.get_json()["error"]["message"]

    readers = admin_api.get(f"/api/v1/procedures/{procedure['id']}/readers").get_json()["versions"]
    assert [entry["version"] for entry in readers] == [2, 1]
    assert readers[0]["is_current"] and len(readers[0]["pending"]) == 4 and readers[0]["confirmed"] == []
    assert [line["user"] for line in readers[1]["confirmed"]] == ["xem1"]
    assert {line["state"] for line in readers[1]["closed"]} == {"superseded"}


def test_a_retired_procedure_stops_asking_and_refuses_confirmations(stp, admin_api, make_docx):
    procedure, people = stp
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"})
    upload(people["editor"], procedure["id"], make_docx)
    assert to_read(people["viewer"]) == [("QT-01/STP", 1)]
    retired = people["approver"].post(f"/api/v1/procedures/{procedure['id']}/retire", json={"reason": "Đã bãi bỏ TTHC"})
    assert retired.status_code == 200
    assert to_read(people["viewer"]) == []
    answer = people["viewer"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "procedure_retired"
    log = admin_api.get(f"/api/v1/procedures/{procedure['id']}/distribution-log").get_json()
    assert log["total"] == 4 and {line["state"] for line in log["items"]} == {"withdrawn"}


def test_chosen_roles_and_people_are_the_readers_others_are_told_they_need_not_confirm(
        stp, admin_api, api_as, make_docx, make_agency):
    procedure, people = stp
    make_agency("VPUB", "Văn phòng UBND tỉnh")
    outsider = api_as("viewer", agency="VPUB", username="vanphong")
    answer = people["approver"].post("/api/v1/agencies/STP/reading-policy",
                                     json={"scope": "chosen", "roles": ["viewer"], "users": "vanphong"})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["users"] == ["vanphong"] and answer.get_json()["readers"] == 3
    upload(people["editor"], procedure["id"], make_docx)
    assert to_read(outsider) == [("QT-01/STP", 1)]
    assert to_read(people["editor"]) == []
    refused = people["editor"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "not_a_reader"
    assert outsider.post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read").status_code == 201


def test_a_policy_set_later_distributes_the_versions_in_force_and_bad_policies_are_refused(stp, admin_api, make_docx):
    procedure, people = stp
    upload(people["editor"], procedure["id"], make_docx)
    assert to_read(people["viewer"]) == []
    for body, code in (({"scope": "everyone"}, "invalid_scope"), ({"scope": "chosen"}, "no_readers_chosen"),
                       ({"scope": "chosen", "roles": ["admin"]}, "invalid_role"),
                       ({"scope": "chosen", "users": ["khong-co"]}, "unknown_user"),
                       ({"scope": "chosen", "users": [1]}, "invalid_field"), ({}, "missing_field")):
        answer = admin_api.post("/api/v1/agencies/STP/reading-policy", json=body)
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code, (body, answer.get_json())
    refused = people["editor"].post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"})
    assert refused.status_code == 403
    assert admin_api.get("/api/v1/agencies/STP/reading-policy").get_json()["scope"] == "none"
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "chosen", "roles": "viewer"})
    assert to_read(people["viewer"]) == [("QT-01/STP", 1)]
    # Narrowing the policy withdraws what is not confirmed from those no longer asked.
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "chosen", "users": ["xem2"]})
    assert to_read(people["viewer"]) == [] and to_read(people["viewer2"]) == [("QT-01/STP", 1)]


def test_a_draft_is_not_asked_until_approved_and_its_approvers_are_notified(
        admin_api, make_agency, api_as, make_procedure, make_docx):
    make_agency("SYT", "Sở Y tế", approval_required=True)
    procedure = make_procedure(agency="SYT", code="QT-01/STP")
    editor = api_as("editor", agency="SYT", username="bt-yte")
    approver = api_as("approver", agency="SYT", username="pd-yte")
    viewer = api_as("viewer", agency="SYT", username="xem-yte")
    admin_api.post("/api/v1/agencies/SYT/reading-policy", json={"scope": "all"})
    upload(editor, procedure["id"], make_docx)
    assert to_read(viewer) == []
    notes = approver.get("/api/v1/notifications").get_json()
    assert notes["unread"] == 1 and notes["items"][0]["kind"] == "approval_needed"
    assert notes["items"][0]["link"] == f"/procedures/{procedure['id']}/versions/1"
    assert editor.get("/api/v1/notifications").get_json()["unread"] == 0
    pending = viewer.post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    assert pending.status_code == 409 and pending.get_json()["error"]["code"] == "version_not_current"
    assert approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={}).status_code == 200
    assert to_read(viewer) == [("QT-01/STP", 1)]
    kinds = [item["kind"] for item in viewer.get("/api/v1/notifications").get_json()["items"]]
    assert kinds == ["must_read"]


def test_distribution_log_exports_to_xlsx_per_procedure_and_per_agency(stp, admin_api, make_docx):
    procedure, people = stp
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "chosen", "roles": ["viewer"]})
    upload(people["editor"], procedure["id"], make_docx)
    people["viewer"].post(f"/api/v1/procedures/{procedure['id']}/versions/1/confirm-read")
    for path in (f"/api/v1/procedures/{procedure['id']}/distribution-log.xlsx", "/api/v1/agencies/STP/distribution-log.xlsx"):
        response = admin_api.get(path)
        assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [row for row in sheet.iter_rows(values_only=True)]
        assert rows[0][0] == "SỔ THEO DÕI PHÂN PHỐI TÀI LIỆU"
        lines = {row[6]: row for row in rows[4:]}
        assert set(lines) == {"xem1", "xem2"}
        assert lines["xem1"][9] == "đã đọc và hiểu" and lines["xem1"][10]
        assert lines["xem2"][9] == "chưa xác nhận" and not lines["xem2"][10]
    paged = admin_api.get("/api/v1/agencies/STP/distribution-log?per_page=1").get_json()
    assert paged["total"] == 2 and len(paged["items"]) == 1
    assert admin_api.get("/api/v1/agencies/STP/distribution-log?page=0").status_code == 400


def test_a_persons_to_read_list_is_for_themselves_their_approver_and_admins(stp, admin_api, make_docx):
    procedure, people = stp
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"})
    upload(people["editor"], procedure["id"], make_docx)
    assert people["approver"].get("/api/v1/users/xem1/to-read").status_code == 200
    assert admin_api.get("/api/v1/users/xem1/to-read").get_json()["items"][0]["version"] == 1
    assert people["viewer2"].get("/api/v1/users/xem1/to-read").status_code == 403
    assert admin_api.get("/api/v1/users/khong-co/to-read").status_code == 404


def test_pages_show_what_to_read_and_confirm_in_one_click(stp, app, admin_api, make_docx):
    procedure, people = stp
    admin_api.post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"})
    upload(people["editor"], procedure["id"], make_docx)
    browser = app.test_client()
    assert browser.post("/login", data={"username": "xem1", "password": PASSWORD}).status_code == 302
    home = browser.get("/").get_data(as_text=True)
    assert "Quy trình cần đọc và xác nhận" in home and "Tôi đã đọc và hiểu" in home
    assert 'class="bell-count"' in home
    page = browser.get(f"/procedures/{procedure['id']}").get_data(as_text=True)
    assert "Tôi đã đọc và hiểu phiên bản 1" in page and "0/4 người đã xác nhận" in page
    done = browser.post(f"/procedures/{procedure['id']}/versions/1/confirm-read", data={"next": "/"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Đã ghi nhận: bạn đã đọc và hiểu QT-01/STP phiên bản 1." in done
    assert "Quy trình cần đọc và xác nhận" not in done
    again = browser.post(f"/procedures/{procedure['id']}/versions/1/confirm-read", follow_redirects=True)
    assert "không cần xác nhận lại" in again.get_data(as_text=True)
    page = browser.get(f"/procedures/{procedure['id']}").get_data(as_text=True)
    assert "1/4 người đã xác nhận" in page and "Bạn đã xác nhận đọc và hiểu phiên bản 1" in page
    assert browser.get("/reading").status_code == 200
    assert browser.get(f"/procedures/{procedure['id']}/distribution-log.xlsx").status_code == 200
    # A viewer cannot set who must read.
    assert browser.get("/agencies/STP/reading-policy").status_code == 403


def test_policy_page_sets_readers(stp, app, make_docx):
    procedure, people = stp
    upload(people["editor"], procedure["id"], make_docx)
    browser = app.test_client()
    browser.post("/login", data={"username": "pheduyet", "password": PASSWORD})
    assert "Ai phải đọc" in browser.get("/agencies/STP/reading-policy").get_data(as_text=True)
    saved = browser.post("/agencies/STP/reading-policy", data={"scope": "chosen", "roles": ["viewer"], "users": ""},
                         follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu danh sách người phải đọc" in saved
    assert to_read(people["viewer"]) == [("QT-01/STP", 1)]
    refused = browser.post("/agencies/STP/reading-policy", data={"scope": "chosen", "users": "khong-co"},
                           follow_redirects=True).get_data(as_text=True)
    assert "Không có người dùng: khong-co" in refused


def test_followers_hear_of_a_new_version_and_of_a_retirement_once(stp, admin_api, api_as, make_docx):
    procedure, people = stp
    watcher = api_as("viewer", agency="STP", username="theodoi")
    assert watcher.post("/api/v1/follows", json={"type": "agency", "id": 1}).status_code == 201
    upload(people["editor"], procedure["id"], make_docx)
    people["approver"].post(f"/api/v1/procedures/{procedure['id']}/retire", json={"reason": "Bãi bỏ TTHC"})
    # A later change on the retired procedure (a review recorded) tells nobody again.
    admin_api.post(f"/api/v1/procedures/{procedure['id']}/reviews", json={"note": "Đã rà soát"})
    subjects = [item["subject"] for item in watcher.get("/api/v1/notifications").get_json()["items"]]
    assert subjects == ["Quy trình QT-01/STP đã bị bãi bỏ", "Quy trình QT-01/STP có phiên bản 1 mới có hiệu lực"]


def test_a_procedure_moved_by_a_reorganization_is_asked_of_its_new_agencys_readers(
        stp, admin_api, api_as, make_agency, make_docx):
    procedure, people = stp
    make_agency("SNV", "Sở Nội vụ")
    newcomer = api_as("viewer", agency="SNV", username="xem-snv")
    assert admin_api.post("/api/v1/agencies/SNV/reading-policy", json={"scope": "all"}).status_code == 200
    upload(people["editor"], procedure["id"], make_docx)
    assert to_read(newcomer) == []

    merged = admin_api.post("/api/v1/agencies/merge", json={
        "agencies": ["STP"], "into": "SNV", "effective_on": "2025-07-01", "decision": "Quyết định số 1/QĐ-UBND"})
    assert merged.status_code == 201, merged.get_json()
    assert to_read(newcomer) == [("QT-01/STP", 1)]
