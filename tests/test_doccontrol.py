"""Document control: change requests, effective dates of versions, four-eyes approval."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from io import BytesIO

import pytest
from docx import Document
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs import clock
from qmsdocs.db import session

TODAY = clock.local_today()


def upload(api, procedure_id, data, **fields):
    form = {"file": FileStorage(BytesIO(data), filename="qt.docx"), "note": "Sửa đổi", **fields}
    boundary, body = encode_multipart(form)
    return api.client.post(f"/api/v1/procedures/{procedure_id}/versions", data=body, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


def docx(revision: str, text: str = "Bước 1"):
    from tests.docx_factory import make_docx

    return make_docx(code="QT-01/STP", revision=revision, paragraphs=[text])


def move_clock(monkeypatch, day: date):
    """Vietnam's calendar says `day` from now on (noon there)."""
    moment = datetime(day.year, day.month, day.day, 5, 0, tzinfo=timezone.utc)

    class Frozen(datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz) if tz else moment.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", Frozen)


def procedure_state(admin_api, procedure_id):
    return admin_api.get(f"/api/v1/procedures/{procedure_id}").get_json()


# --- effective dates ------------------------------------------------------------------------------

def test_version_with_later_effective_date_waits_and_becomes_current_on_its_day(
        app, admin_api, make_procedure, monkeypatch, runner):
    procedure = make_procedure()
    assert upload(admin_api, procedure["id"], docx("01", "Bản một")).status_code == 201
    later = TODAY + timedelta(days=10)
    response = upload(admin_api, procedure["id"], docx("02", "Bản hai"), effective_on=later.isoformat())
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "scheduled" and body["current_version"] == 1
    assert body["status_label"] == f"sẽ có hiệu lực từ {later:%d/%m/%Y}"
    assert "effective_later" in [w["code"] for w in body["warning_details"]]
    # Until then the previous version stays current everywhere: the page, the download, the API.
    assert procedure_state(admin_api, procedure["id"])["current_version"] == 1
    page = admin_api.client.get(f"/procedures/{procedure['id']}", headers=admin_api.headers)
    download = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/2/file")
    assert "CHUA-HIEU-LUC" in download.headers["Content-Disposition"]

    # The day before nothing changes; on the day the daily run brings it into force.
    move_clock(monkeypatch, later - timedelta(days=1))
    result = runner.invoke(args=["qms", "alerts", "evaluate"])
    assert result.exit_code == 0, result.output
    assert procedure_state(admin_api, procedure["id"])["current_version"] == 1
    move_clock(monkeypatch, later)
    result = runner.invoke(args=["qms", "alerts", "evaluate"])
    assert "1 phiên bản đến ngày hiệu lực" in result.output
    state = procedure_state(admin_api, procedure["id"])
    assert state["current_version"] == 2
    assert state["versions"][1]["in_force_from"] == later.isoformat()
    assert state["versions"][0]["status"] == "superseded"
    # Repeating is harmless.
    assert "phiên bản đến ngày hiệu lực" not in runner.invoke(args=["qms", "alerts", "evaluate"]).output
    del page


def test_background_worker_brings_due_versions_into_force(app, admin_api, make_procedure, monkeypatch):
    from qmsdocs import jobs

    procedure = make_procedure()
    upload(admin_api, procedure["id"], docx("01"))
    later = TODAY + timedelta(days=3)
    upload(admin_api, procedure["id"], docx("02", "Bản hai"), effective_on=later.isoformat())
    jobs.drain(app)
    assert procedure_state(admin_api, procedure["id"])["current_version"] == 1
    move_clock(monkeypatch, later)
    jobs.drain(app)
    assert procedure_state(admin_api, procedure["id"])["current_version"] == 2


def test_effective_date_before_approval_is_refused_and_nothing_is_stored(app, admin_api, make_procedure):
    procedure = make_procedure()
    response = upload(admin_api, procedure["id"], docx("01"), effective_on=(TODAY - timedelta(days=1)).isoformat())
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "effective_before_approval" and "trước ngày phê duyệt" in error["message"]
    assert procedure_state(admin_api, procedure["id"])["versions"] == []
    assert upload(admin_api, procedure["id"], docx("01"), effective_on="31/02/2026").status_code == 400


def test_approver_sets_effective_date_and_a_past_one_is_refused(app, api_as, make_procedure):
    procedure = make_procedure()
    app_admin = api_as("admin")
    app_admin.client.put("/api/v1/agencies/STP/approval-policy", json={"approval_required": True},
                         headers=app_admin.headers)
    editor, approver = api_as("editor", agency="STP"), api_as("approver", agency="STP")
    assert upload(editor, procedure["id"], docx("01")).get_json()["state"] == "pending"
    refused = approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve",
                            json={"effective_on": (TODAY - timedelta(days=2)).isoformat()})
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "effective_before_approval"
    later = TODAY + timedelta(days=5)
    approved = approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve",
                             json={"effective_on": later.isoformat()})
    assert approved.status_code == 200
    assert approved.get_json()["status"] == "scheduled"
    assert procedure_state(app_admin, procedure["id"])["current_version"] is None


def test_pages_as_of_a_past_date_show_the_version_in_force_then(app, admin_api, make_procedure, monkeypatch):
    procedure = make_procedure()
    first_day = TODAY - timedelta(days=30)
    move_clock(monkeypatch, first_day)
    upload(admin_api, procedure["id"], docx("01", "Nội dung bản một"))
    move_clock(monkeypatch, TODAY)
    upload(admin_api, procedure["id"], docx("02", "Nội dung bản hai"))
    web = admin_api.client
    web.post("/login", data={"username": admin_api.username, "password": "mat-khau-thu-nghiem"})
    then = web.get(f"/procedures/{procedure['id']}?as_of={(TODAY - timedelta(days=10)).isoformat()}")
    assert then.status_code == 200
    html = then.get_data(as_text=True)
    assert "phiên bản 1 có hiệu lực vào ngày đó" in html
    before = web.get(f"/procedures/{procedure['id']}?as_of={(first_day - timedelta(days=1)).isoformat()}")
    assert "chưa có phiên bản nào có hiệu lực" in before.get_data(as_text=True)
    listing = web.get(f"/procedures?as_of={(TODAY - timedelta(days=10)).isoformat()}").get_data(as_text=True)
    assert "phiên bản 1" in listing and "phiên bản 2" not in listing
    assert web.get(f"/procedures?as_of={(TODAY + timedelta(days=1)).isoformat()}").status_code == 400
    assert web.get("/procedures?as_of=garbage").status_code == 400


def test_a_version_not_yet_in_effect_does_not_resolve_alerts(app, admin_api, make_procedure, monkeypatch, runner):
    """Alerts are a function of the current state: a scheduled version is not current."""
    from qmsdocs.alerts.services import open_review_alert
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import get_procedure

    procedure = make_procedure()
    upload(admin_api, procedure["id"], docx("01"))
    with app.app_context():
        open_review_alert(get_procedure(procedure["id"]), "Rà soát theo yêu cầu", actor=SYSTEM)
        session.commit()
    later = TODAY + timedelta(days=4)
    def active():
        items = admin_api.get(f"/api/v1/procedures/{procedure['id']}/alerts").get_json()["items"]
        return {(a["rule"], a["version_id"]) for a in items if a["status"] in ("open", "acknowledged")}

    before = active()
    assert ("review_requested", 1) in {(rule, v and 1) for rule, v in before}
    upload(admin_api, procedure["id"], docx("02", "Bản mới"), effective_on=later.isoformat())
    assert active() == before
    move_clock(monkeypatch, later)
    runner.invoke(args=["qms", "alerts", "evaluate"])
    assert "review_requested" not in {rule for rule, _v in active()}


# --- four-eyes approval ------------------------------------------------------------------------------

def test_four_eyes_approval_makes_an_approvers_own_upload_a_draft(app, api_as, make_procedure):
    procedure = make_procedure()
    admin = api_as("admin")
    policy = admin.client.put("/api/v1/agencies/STP/approval-policy", json={"four_eyes_approval": True},
                              headers=admin.headers)
    assert policy.get_json() == {"agency": "STP", "approval_required": True, "four_eyes_approval": True}
    approver, other = api_as("approver", agency="STP"), api_as("approver", agency="STP")
    assert upload(approver, procedure["id"], docx("01")).get_json()["state"] == "pending"
    own = approver.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={})
    assert own.status_code == 409 and own.get_json()["error"]["code"] == "four_eyes_same_person"
    assert procedure_state(admin, procedure["id"])["current_version"] is None
    assert other.post(f"/api/v1/procedures/{procedure['id']}/versions/1/approve", json={}).status_code == 200
    assert procedure_state(admin, procedure["id"])["current_version"] == 1
    assert admin.get("/api/v1/agencies/STP").get_json()["four_eyes_approval"] is True


def test_approval_policy_is_for_administrators(app, api_as, make_agency):
    make_agency()
    approver = api_as("approver", agency="STP")
    refused = approver.client.put("/api/v1/agencies/STP/approval-policy", json={"four_eyes_approval": True},
                                  headers=approver.headers)
    assert refused.status_code == 403
    admin = api_as("admin")
    bad = admin.client.put("/api/v1/agencies/STP/approval-policy", json={"four_eyes_approval": "yes"},
                           headers=admin.headers)
    assert bad.status_code == 400


# --- change requests ------------------------------------------------------------------------------

def test_request_accept_and_the_next_version_closes_it(app, api_as, make_procedure):
    procedure = make_procedure()
    viewer, editor, approver = api_as("viewer", agency="STP"), api_as("editor", agency="STP"), api_as("approver", agency="STP")
    created = viewer.post("/api/v1/change-requests", json={
        "procedure_id": procedure["id"], "part": "Mục 5.2", "content": "Bổ sung bước kiểm tra hồ sơ",
        "reason": "Nghị định mới yêu cầu"})
    assert created.status_code == 201, created.get_json()
    request_body = created.get_json()
    assert request_body["label"] == f"1/{TODAY.year}" and request_body["status"] == "open"
    second = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "Khác",
                                                          "reason": "Khác"}).get_json()
    assert second["number"] == 2
    rid = request_body["id"]
    assert editor.post(f"/api/v1/change-requests/{rid}/accept",
                       json={"editor": editor.username, "due_on": TODAY.isoformat()}).status_code == 403
    bad_due = approver.post(f"/api/v1/change-requests/{rid}/accept",
                            json={"editor": editor.username, "due_on": (TODAY - timedelta(days=1)).isoformat()})
    assert bad_due.status_code == 400 and bad_due.get_json()["error"]["code"] == "invalid_due_on"
    not_editor = approver.post(f"/api/v1/change-requests/{rid}/accept",
                               json={"editor": viewer.username, "due_on": TODAY.isoformat()})
    assert not_editor.get_json()["error"]["code"] == "invalid_editor"
    accepted = approver.post(f"/api/v1/change-requests/{rid}/accept",
                             json={"editor": editor.username, "due_on": (TODAY + timedelta(days=14)).isoformat()})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    declined = approver.post(f"/api/v1/change-requests/{second['id']}/decline", json={"reason": ""})
    assert declined.status_code == 400
    assert approver.post(f"/api/v1/change-requests/{second['id']}/decline",
                         json={"reason": "Không cần thiết"}).get_json()["status"] == "declined"

    # The single accepted request is linked automatically.
    assert upload(editor, procedure["id"], docx("01")).status_code == 201
    closed = viewer.get(f"/api/v1/change-requests/{rid}").get_json()
    assert closed["status"] == "done" and closed["version"] == 1
    listing = viewer.get("/api/v1/change-requests?status=done").get_json()
    assert [item["id"] for item in listing["items"]] == [rid]


def test_upload_naming_a_wrong_request_is_refused_whole(app, api_as, make_procedure):
    procedure = make_procedure()
    editor, approver = api_as("editor", agency="STP"), api_as("approver", agency="STP")
    rid = editor.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "Sửa",
                                                       "reason": "Vì"}).get_json()["id"]
    for label, code in ((f"1/{TODAY.year}", "change_request_not_accepted"),
                        ("99/2026", "change_request_not_found"), ("abc", "invalid_change_request")):
        response = upload(editor, procedure["id"], docx("01"), change_request=label)
        assert response.get_json()["error"]["code"] == code, label
    assert procedure_state(approver, procedure["id"])["versions"] == []
    approver.post(f"/api/v1/change-requests/{rid}/accept",
                  json={"editor": editor.username, "due_on": TODAY.isoformat()})
    assert upload(editor, procedure["id"], docx("01"), change_request=f"1/{TODAY.year}").status_code == 201
    assert editor.get(f"/api/v1/change-requests/{rid}").get_json()["version"] == 1


def test_requests_on_retired_procedures_and_bad_input_are_refused(app, api_as, admin_api, make_procedure):
    procedure = make_procedure()
    viewer = api_as("viewer", agency="STP")
    missing = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "  "})
    assert missing.status_code == 400 and "nội dung đề nghị" in missing.get_json()["error"]["message"]
    new_without_title = viewer.post("/api/v1/change-requests", json={"agency": "STP", "content": "a", "reason": "b"})
    assert new_without_title.status_code == 400
    new = viewer.post("/api/v1/change-requests", json={"agency": "STP", "proposed_title": "Quy trình mới",
                                                      "content": "Soạn mới", "reason": "Chưa có"})
    assert new.status_code == 201 and new.get_json()["procedure_id"] is None
    admin_api.post(f"/api/v1/procedures/{procedure['id']}/retire", json={"reason": "Bãi bỏ"})
    retired = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "a",
                                                           "reason": "b"})
    assert retired.status_code == 409 and retired.get_json()["error"]["code"] == "procedure_retired"
    assert viewer.get(f"/api/v1/change-requests?procedure={procedure['id']}").get_json()["total"] == 0


def test_attachment_is_checked_stored_and_served_back(app, api_as, make_procedure, make_docx):
    procedure = make_procedure()
    viewer = api_as("viewer", agency="STP")

    def send(data, filename):
        boundary, body = encode_multipart({"procedure_id": str(procedure["id"]), "content": "Sửa", "reason": "Vì",
                                           "attachment": FileStorage(BytesIO(data), filename=filename)})
        return viewer.client.post("/api/v1/change-requests", data=body, headers=viewer.headers,
                                  content_type=f"multipart/form-data; boundary={boundary}")

    assert send(b"MZ\x90\x00", "virus.exe").get_json()["error"]["code"] == "attachment_type"
    assert send(b"not a pdf", "danh-dau.pdf").get_json()["error"]["code"] == "attachment_content"
    assert send(b"PK\x03\x04junk", "danh-dau.docx").status_code in (400, 422)
    marked = make_docx(paragraphs=["Chỗ cần sửa"])
    created = send(marked, "danh-dau.docx")
    assert created.status_code == 201, created.get_json()
    rid = created.get_json()["id"]
    served = viewer.get(f"/api/v1/change-requests/{rid}/attachment")
    assert served.data == marked and served.headers["X-Content-Type-Options"] == "nosniff"
    assert viewer.get("/api/v1/change-requests").get_json()["total"] == 1  # refused ones stored nothing
    # The integrity check counts the attachment as referenced, so a repair keeps it.
    with app.app_context():
        from qmsdocs.procedures.checks import check_blobs

        assert not [f for f in check_blobs(repair=False) if f.code == "orphan_blob"]


def test_open_alert_becomes_a_request_in_one_step(app, api_as, make_procedure):
    from qmsdocs.alerts.services import open_review_alert
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import get_procedure

    procedure = make_procedure()
    with app.app_context():
        alert_id = open_review_alert(get_procedure(procedure["id"]), "Văn bản thay đổi", actor=SYSTEM).id
        session.commit()
    editor = api_as("editor", agency="STP")
    created = editor.post(f"/api/v1/alerts/{alert_id}/change-request")
    assert created.status_code == 201
    assert created.get_json()["alert_id"] == alert_id and "Văn bản thay đổi" in created.get_json()["content"]
    again = editor.post(f"/api/v1/alerts/{alert_id}/change-request")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "request_exists"


def test_printable_form_is_laid_out_like_the_paper_form(app, api_as, make_procedure):
    procedure = make_procedure()
    viewer = api_as("viewer", agency="STP")
    rid = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "Bổ sung bước 3",
                                                       "reason": "Theo luật mới"}).get_json()["id"]
    response = viewer.get(f"/api/v1/change-requests/{rid}/form.docx")
    assert response.status_code == 200
    document = Document(BytesIO(response.data))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for table in document.tables for row in table.rows for c in row.cells)
    assert "PHIẾU ĐỀ NGHỊ SOẠN THẢO/SỬA ĐỔI TÀI LIỆU" in text
    assert "Bổ sung bước 3" in text and "Theo luật mới" in text and "□ Đồng ý" in text
    assert f"Số: 1/{TODAY.year}" in cells and "SỞ TƯ PHÁP" in cells.upper() or "CƠ QUAN STP" in cells.upper()
    assert "NGƯỜI ĐỀ NGHỊ" in cells and "NGƯỜI PHÊ DUYỆT" in cells and "(Ký, ghi rõ họ tên)" in cells


def test_requests_numbered_per_agency_and_year(app, api_as, make_procedure, monkeypatch):
    first = make_procedure()
    other = make_procedure(agency="SYT", code="QT-01/SYT", title="Quy trình y tế")
    viewer = api_as("viewer", agency="STP")

    def submit(procedure):
        return viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "x",
                                                            "reason": "y"}).get_json()["label"]

    assert submit(first) == f"1/{TODAY.year}"
    assert submit(other) == f"1/{TODAY.year}"
    assert submit(first) == f"2/{TODAY.year}"
    move_clock(monkeypatch, date(TODAY.year + 1, 1, 2))
    assert submit(first) == f"1/{TODAY.year + 1}"


def test_request_pages_list_filter_and_decide(app, client, make_user, make_procedure):
    procedure = make_procedure()
    make_user("bien", "editor", "STP")
    make_user("duyet", "approver", "STP")
    client.post("/login", data={"username": "bien", "password": "mat-khau-thu-nghiem"})
    form = client.get(f"/requests/new?procedure={procedure['id']}")
    assert form.status_code == 200
    empty = client.post("/requests/new", data={"procedure": procedure["id"], "content": "", "reason": ""})
    assert empty.status_code == 400 and "Hãy ghi nội dung đề nghị" in empty.get_data(as_text=True)
    sent = client.post("/requests/new", data={"procedure": procedure["id"], "content": "Sửa bước 2",
                                              "reason": "Sai thời hạn"})
    assert sent.status_code == 303
    assert "Sửa bước 2" in client.get("/requests?status=open").get_data(as_text=True)
    assert "Sửa bước 2" not in client.get("/requests?status=done").get_data(as_text=True)
    client.post("/logout")
    client.post("/login", data={"username": "duyet", "password": "mat-khau-thu-nghiem"})
    detail = client.get(sent.headers["Location"])
    assert "Chấp thuận và giao soạn thảo" in detail.get_data(as_text=True)
    rid = int(sent.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    client.post(f"/requests/{rid}/accept", data={"editor": "bien", "due_on": TODAY.isoformat()})
    assert "Đã chấp thuận, đang soạn" in client.get(f"/requests/{rid}").get_data(as_text=True)


def test_search_finds_the_version_in_force_not_the_one_waiting(app, admin_api, make_procedure, monkeypatch):
    from qmsdocs import jobs

    procedure = make_procedure()
    upload(admin_api, procedure["id"], docx("01", "Tiếp nhận hồ sơ tại bộ phận một cửa"))
    later = TODAY + timedelta(days=2)
    upload(admin_api, procedure["id"], docx("02", "Tiếp nhận hồ sơ trực tuyến qua cổng dịch vụ công"),
           effective_on=later.isoformat())
    jobs.drain(app)

    def found(words, history=False):
        query = f"/api/v1/search?q={words}" + ("&include_history=1" if history else "")
        return [(hit["procedure_id"], hit["version"]) for hit in admin_api.get(query).get_json()["hits"]]

    assert found("một cửa") == [(procedure["id"], 1)]
    assert found("trực tuyến") == [] and found("trực tuyến", history=True) == []
    move_clock(monkeypatch, later)
    jobs.drain(app)
    assert found("trực tuyến") == [(procedure["id"], 2)]
    assert (procedure["id"], 1) in found("một cửa", history=True)


def test_pages_show_the_waiting_version_and_turn_an_alert_into_a_request(app, client, api_as, make_procedure,
                                                                         make_user):
    from qmsdocs.alerts.services import open_review_alert
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import get_procedure

    procedure = make_procedure()
    approver = api_as("approver", agency="STP", username="duyet")
    upload(approver, procedure["id"], docx("01"))
    later = TODAY + timedelta(days=6)
    upload(approver, procedure["id"], docx("02", "Bản hai"), effective_on=later.isoformat())
    with app.app_context():
        alert_id = open_review_alert(get_procedure(procedure["id"]), "Rà soát lại", actor=SYSTEM).id
        session.commit()
    client.post("/login", data={"username": "duyet", "password": "mat-khau-thu-nghiem"})
    page = client.get(f"/procedures/{procedure['id']}").get_data(as_text=True)
    assert f"Phiên bản 2 đã được duyệt và sẽ có hiệu lực từ {later:%d/%m/%Y}" in page
    assert f"sẽ có hiệu lực từ {later:%d/%m/%Y}" in page  # the history's badge
    assert 'data-action="change-request"' in page and "Đề nghị sửa đổi quy trình này" in page
    form = client.get(f"/procedures/{procedure['id']}/upload").get_data(as_text=True)
    assert 'name="effective_on"' in form and 'name="change_request"' in form
    made = client.post(f"/alerts/{alert_id}/change-request")
    assert made.status_code == 303 and "/requests/" in made.headers["Location"]
    again = client.post(f"/alerts/{alert_id}/change-request")
    assert again.headers["Location"] == made.headers["Location"]
    detail = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "Rà soát lại" in detail and "Chấp thuận và giao soạn thảo" in detail
    listing = client.get(f"/procedures?as_of={TODAY.isoformat()}&sort=title").get_data(as_text=True)
    assert f"as_of={TODAY.isoformat()}" in listing  # sort and page links keep the day
    retired = make_procedure(code="QT-09/STP", title="Đã bãi bỏ")
    approver.post(f"/api/v1/procedures/{retired['id']}/retire", json={"reason": "Hết áp dụng"})
    refused = client.post("/requests/new", data={"procedure": retired["id"], "content": "a", "reason": "b"})
    assert refused.status_code == 409 and "đã bị bãi bỏ" in refused.get_data(as_text=True)


@pytest.mark.folder_blobs
def test_backups_keep_the_attachments_of_requests(app, runner, api_as, make_procedure, make_docx, tmp_path):
    import json

    from qmsdocs.backup import archive

    procedure = make_procedure()
    viewer = api_as("viewer", agency="STP")
    marked = make_docx(paragraphs=["Đánh dấu chỗ cần sửa"])
    boundary, body = encode_multipart({"procedure_id": str(procedure["id"]), "content": "Sửa", "reason": "Vì",
                                       "attachment": FileStorage(BytesIO(marked), filename="danh-dau.docx")})
    assert viewer.client.post("/api/v1/change-requests", data=body, headers=viewer.headers,
                              content_type=f"multipart/form-data; boundary={boundary}").status_code == 201
    dest = tmp_path / "backup"
    result = runner.invoke(args=["qms", "backup", str(dest)])
    assert result.exit_code == 0, result.output
    (snapshot,) = archive.snapshots(dest)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    from qmsdocs.storage import sha256_hex

    assert sha256_hex(marked) in json.dumps(manifest["blobs"])


def test_requests_reach_the_approvers_the_assigned_editor_and_the_requester(app, api_as, make_procedure):
    """Under the bell: a request waiting for a decision, a request assigned to me, my request decided."""
    procedure = make_procedure()
    viewer, editor, approver = api_as("viewer", agency="STP"), api_as("editor", agency="STP"), api_as("approver", agency="STP")

    def kinds(api):
        return [(item["kind"], item["link"]) for item in api.get("/api/v1/notifications").get_json()["items"]]

    rid = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "Bổ sung bước",
                                                       "reason": "Luật mới"}).get_json()["id"]
    assert kinds(approver) == [("request_submitted", f"/requests/{rid}")]
    assert kinds(editor) == [] and kinds(viewer) == []
    assert approver.post(f"/api/v1/change-requests/{rid}/accept",
                         json={"editor": editor.username, "due_on": TODAY.isoformat()}).status_code == 200
    assigned = editor.get("/api/v1/notifications").get_json()["items"]
    assert [item["kind"] for item in assigned] == ["request_assigned"]
    assert f"{rid}" in assigned[0]["link"] and TODAY.strftime("%d/%m/%Y") in assigned[0]["body"]
    assert kinds(viewer) == [("request_decided", f"/requests/{rid}")]

    other = viewer.post("/api/v1/change-requests", json={"procedure_id": procedure["id"], "content": "Khác",
                                                         "reason": "Khác"}).get_json()["id"]
    approver.post(f"/api/v1/change-requests/{other}/decline", json={"reason": "Đã có trong đề nghị trước"})
    declined = viewer.get("/api/v1/notifications").get_json()["items"][0]
    assert declined["kind"] == "request_decided" and "không được chấp thuận" in declined["subject"]
    assert declined["body"] == "Đã có trong đề nghị trước"
    assert [kind for kind, _ in kinds(editor)] == ["request_assigned"]
