"""The officials' pages: what they show, what they refuse, and in which words."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
from sqlalchemy import func, select

from qmsdocs import jobs
from qmsdocs.db import session
from tests.conftest import PASSWORD, statements_run
from tests.docx_factory import make_ole_bytes

JSON = {"Accept": "application/json"}


@pytest.fixture
def signed_in(app, make_user):
    def sign_in(username="quantri", role="admin", agency=None):
        make_user(username, role, agency)
        client = app.test_client()
        assert client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302
        return client
    return sign_in


@pytest.fixture
def procedure(app, make_agency, make_docx):
    """QT-01/STP with two approved versions: version 1 superseded, version 2 current."""
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import add_version, create_procedure

    make_agency("STP", "Sở Tư pháp")
    with app.app_context():
        created = create_procedure("STP", "QT-01/STP", "Quy trình cấp phiếu lý lịch tư pháp", field="Tư pháp",
                                   actor=SYSTEM)
        first = make_docx(code="QT-01/STP", revision="01", issued_on="05/03/2019",
                          paragraphs=["Bước 1: tiếp nhận hồ sơ trong 1 ngày.", "Căn cứ Nghị định số 61/2018/NĐ-CP."])
        second = make_docx(code="QT-01/STP", revision="02", issued_on="10/01/2022",
                           paragraphs=["Bước 1: tiếp nhận hồ sơ trong 2 ngày.", "Căn cứ Nghị định số 61/2018/NĐ-CP.",
                                       "Căn cứ Nghị định số 107/2021/NĐ-CP."])
        for number, data in ((1, first), (2, second)):
            add_version(created, data, f"qt01-lan{number}.docx", note=f"Lần {number}", actor=SYSTEM,
                        max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()
        return created.id


def text_of(response) -> str:
    return response.get_data(as_text=True)


def count_versions(app, procedure_id) -> int:
    from qmsdocs.procedures.models import ProcedureVersion

    with app.app_context():
        return session.scalar(select(func.count()).select_from(ProcedureVersion)
                              .where(ProcedureVersion.procedure_id == procedure_id))


# The procedure page ---------------------------------------------------------------------

def test_procedure_page_shows_current_version_citations_history_and_audit(signed_in, procedure):
    page = text_of(signed_in().get(f"/procedures/{procedure}"))
    assert "Phiên bản 2" in page
    assert "10/01/2022" in page                      # issue date, dd/mm/yyyy
    assert "107/2021/NĐ-CP" in page                  # a citation of the current version
    assert re.search(r"phiên bản 1</a></td>\s*<td><span class=\"badge badge-obsolete\">hết hiệu lực", page)
    assert "Tải lên phiên bản" in page               # the audit trail
    assert f"/procedures/{procedure}/versions/1/download" in page


def test_a_superseded_version_is_marked_in_its_page_preview_and_file_name(signed_in, procedure):
    client = signed_in()
    assert "BẢN HẾT HIỆU LỰC" in text_of(client.get(f"/procedures/{procedure}/versions/1"))
    preview = client.get(f"/procedures/{procedure}/versions/1/preview")
    assert "HẾT HIỆU LỰC" in text_of(preview)
    assert "default-src 'none'" in preview.headers["Content-Security-Policy"]
    download = client.get(f"/procedures/{procedure}/versions/1/download")
    assert "HET-HIEU-LUC" in download.headers["Content-Disposition"]
    assert download.data[:2] == b"PK"


def test_the_current_version_preview_has_no_banner_and_its_file_keeps_its_name(signed_in, procedure):
    client = signed_in()
    assert "HẾT HIỆU LỰC" not in text_of(client.get(f"/procedures/{procedure}/versions/2/preview"))
    assert "filename=qt01-lan2.docx" in client.get(f"/procedures/{procedure}/versions/2/download").headers[
        "Content-Disposition"]


def test_the_preview_is_embedded_in_a_sandboxed_frame(signed_in, procedure):
    page = text_of(signed_in().get(f"/procedures/{procedure}"))
    assert re.search(r"<iframe[^>]+src=\"/procedures/\d+/versions/2/preview\"[^>]*sandbox", page)


def test_compare_shows_both_versions_side_by_side_with_changes_marked(signed_in, procedure):
    page = text_of(signed_in().get(f"/procedures/{procedure}/compare?from=1&to=2"))
    assert "<del>1</del>" in page and "<ins>2</ins>" in page
    assert "1 đoạn thêm" in page
    only_changes = text_of(signed_in("khac").get(f"/procedures/{procedure}/compare?from=1&to=2&changes=1"))
    assert "Căn cứ Nghị định số 61/2018/NĐ-CP." not in only_changes


@pytest.mark.parametrize("query, status", [("from=abc&to=2", 400), ("from=1&to=9", 404), ("from=-1&to=2", 404)])
def test_compare_refuses_bad_version_numbers_in_vietnamese(signed_in, procedure, query, status):
    response = signed_in().get(f"/procedures/{procedure}/compare?{query}")
    assert response.status_code == status
    assert "phiên bản" in text_of(response) or "số nguyên" in text_of(response)


def test_unknown_procedure_is_a_vietnamese_404(signed_in):
    response = signed_in().get("/procedures/99999")
    assert response.status_code == 404
    assert "Không có quy trình số 99999" in text_of(response)


# Lists ------------------------------------------------------------------------------------

def listed_codes(response) -> list[str]:
    """The procedure codes a list page links to, in the order shown."""
    assert response.status_code == 200
    return re.findall(r'<a href="/procedures/\d+">([^<]+)</a>', text_of(response))


def test_procedure_list_filters_by_agency_field_status_and_staleness(app, signed_in, procedure, make_procedure):
    make_procedure(agency="STNMT", code="QT-02/STNMT", title="Quy trình đất đai", field="Đất đai")
    make_procedure(agency="STP", code="QT-03/STP", title="Quy trình giao đất", field="Đất đai")
    client = signed_in()
    assert sorted(listed_codes(client.get("/procedures"))) == ["QT-01/STP", "QT-02/STNMT", "QT-03/STP"]
    assert sorted(listed_codes(client.get("/procedures?agency=STP"))) == ["QT-01/STP", "QT-03/STP"]
    assert sorted(listed_codes(client.get("/procedures?field=Đất đai"))) == ["QT-02/STNMT", "QT-03/STP"]
    assert listed_codes(client.get("/procedures?agency=STP&field=Đất đai")) == ["QT-03/STP"]
    assert listed_codes(client.get("/procedures?q=lý lịch")) == ["QT-01/STP"]
    assert listed_codes(client.get("/procedures?stale=1")) == []
    from qmsdocs.procedures.models import Procedure

    with app.app_context():
        session.get(Procedure, procedure).open_alerts = 2
        session.commit()
    stale = client.get("/procedures?stale=1")
    assert listed_codes(stale) == ["QT-01/STP"] and "cần rà soát" in text_of(stale)


def test_retired_procedures_leave_the_default_list_but_stay_findable(signed_in, procedure):
    client = signed_in()
    assert client.post(f"/procedures/{procedure}/retire", data={"reason": "Thay thế"}).status_code == 302
    client.get(f"/procedures/{procedure}")  # shows the flashed confirmation
    assert ">QT-01/STP</a>" not in text_of(client.get("/procedures"))
    retired = text_of(client.get("/procedures?status=retired"))
    assert ">QT-01/STP</a>" in retired and "hết hiệu lực" in retired


@pytest.mark.parametrize("query", ["page=abc", "page=-5", "sort=drop table", "status=evil", "page=999999999999999"])
def test_garbage_list_parameters_fall_back_to_defaults(signed_in, procedure, make_procedure, query):
    """The page shown is exactly the default list: active procedures only, by code, first page."""
    make_procedure(agency="STP", code="QT-00/STP", title="Quy trình xử lý đơn thư")
    retired = make_procedure(agency="STP", code="QT-09/STP", title="Quy trình đã thay thế")
    client = signed_in()
    assert client.post(f"/procedures/{retired['id']}/retire", data={"reason": "Thay thế"}).status_code == 302
    default = listed_codes(client.get("/procedures"))
    assert default == ["QT-00/STP", "QT-01/STP"]
    assert listed_codes(client.get(f"/procedures?{query}")) == default


def test_procedure_list_is_paged_and_sorted(app, signed_in, make_agency):
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import create_procedure

    make_agency("STP", "Sở Tư pháp")
    with app.app_context():
        for number in range(55):
            create_procedure("STP", f"QT-{number:02d}", f"Quy trình {number:02d}", actor=SYSTEM)
        session.commit()
    client = signed_in()
    first = text_of(client.get("/procedures?sort=code"))
    assert "QT-00" in first and "QT-54" not in first and "55 quy trình" in first
    second = text_of(client.get("/procedures?sort=code&page=2"))
    assert "QT-54" in second and "QT-00<" not in second


def test_the_procedure_list_runs_a_fixed_number_of_queries(app, signed_in, make_agency, make_docx):
    """No N+1: fifty rows with current versions and agencies cost as much as one."""
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import add_version, create_procedure

    make_agency("STP", "Sở Tư pháp")
    data = make_docx()
    client = signed_in()

    def queries_for_list():
        jobs.drain(app)  # the index catches up first: its work is not the page's
        with statements_run(app) as statements:
            assert client.get("/procedures").status_code == 200
        return len(statements)

    with app.app_context():
        procedure = create_procedure("STP", "QT-A", "Quy trình A", actor=SYSTEM)
        add_version(procedure, data, "a.docx", actor=SYSTEM, max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()
    few = queries_for_list()
    with app.app_context():
        for number in range(40):
            procedure = create_procedure("STP", f"QT-{number}", f"Quy trình {number}", actor=SYSTEM)
            add_version(procedure, make_docx(revision=str(number)), "a.docx", actor=SYSTEM,
                        max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()
    assert queries_for_list() == few


def test_agency_tree_nests_levels_and_counts_procedures(app, signed_in, make_agency, make_procedure):
    make_agency("UBND-TINH", "UBND tỉnh")
    make_agency("UBND-CL", "UBND huyện Càng Long", "district", parent_code="UBND-TINH")
    make_agency("UBND-AT", "UBND xã An Trường", "commune", parent_code="UBND-CL")
    make_procedure(agency="UBND-AT", code="QT-HT-01", title="Đăng ký khai sinh")
    make_procedure(agency="UBND-AT", code="QT-HT-02", title="Đăng ký kết hôn")
    page = text_of(signed_in().get("/agencies"))
    district = page.index("UBND huyện Càng Long")
    commune = page.index("UBND xã An Trường")
    assert page.index("UBND tỉnh") < district < commune
    assert "2 quy trình" in page[commune:]
    assert "cả đơn vị trực thuộc: 2" in page[district:commune]


# Home ---------------------------------------------------------------------------------

def test_home_lists_drafts_for_the_approver_and_returned_drafts_for_their_author(app, signed_in, make_agency,
                                                                                  make_docx):
    make_agency("STNMT", "Sở Tài nguyên và Môi trường", approval_required=True)
    editor = signed_in("bientap", "editor", "STNMT")
    approver = signed_in("pheduyet", "approver", "STNMT")
    editor.post("/procedures/new", data={"agency": "STNMT", "code": "QT-07", "title": "Quy trình thu hồi đất"})
    procedure_id = 1
    editor.post(f"/procedures/{procedure_id}/upload", content_type="multipart/form-data",
                data={"file": (BytesIO(make_docx(code="QT-07")), "qt07.docx"), "note": "Ban hành"})
    home = text_of(approver.get("/"))
    assert "Bản nháp chờ bạn duyệt" in home and "QT-07 · phiên bản 1" in home
    approver.post(f"/procedures/{procedure_id}/versions/1/return", data={"reason": "Thiếu lưu đồ"})
    editor_home = text_of(editor.get("/"))
    assert "Bản nháp của bạn" in editor_home and "Thiếu lưu đồ" in editor_home


def test_home_lists_procedures_due_for_periodic_review(signed_in, procedure):
    page = text_of(signed_in("canbo", "viewer", "STP").get("/"))
    # Issued 10/01/2022 with the default 12-month interval: due 10/01/2023, long overdue.
    assert "quá hạn từ 10/01/2023" in page


# Upload -----------------------------------------------------------------------------

def upload_form(data: bytes, filename="qt01-lan3.docx", **fields):
    return {"file": (BytesIO(data), filename), **fields}


@pytest.mark.folder_blobs
def test_inspecting_an_upload_reports_what_the_file_says_and_stores_nothing(app, signed_in, procedure, make_docx):
    blobs = app.config["DATA_DIR"] / "blobs"
    before = sorted(blobs.rglob("*"))
    data = make_docx(code="QT-01/STP", revision="03", issued_on="01/02/2025",
                     paragraphs=["Căn cứ Luật Hộ tịch số 60/2014/QH13."])
    response = signed_in().post(f"/procedures/{procedure}/upload/inspect", data=upload_form(data), headers=JSON,
                                content_type="multipart/form-data")
    assert response.status_code == 200
    body = response.get_json()
    assert body["metadata"] == {"code": "QT-01/STP", "revision": "03", "issued_on": "01/02/2025"}
    assert [c["symbol"] for c in body["citations"]] == ["60/2014/QH13"]
    assert body["warnings"] == []
    assert count_versions(app, procedure) == 2
    assert sorted(blobs.rglob("*")) == before


def test_inspecting_warns_when_the_code_does_not_match_the_procedure(signed_in, procedure, make_docx):
    response = signed_in().post(f"/procedures/{procedure}/upload/inspect", headers=JSON,
                                data=upload_form(make_docx(code="QT-09/STNMT")), content_type="multipart/form-data")
    assert "khác mã quy trình" in response.get_json()["warnings"][0]


def test_inspecting_a_legacy_word_file_is_refused_in_vietnamese(signed_in, procedure):
    response = signed_in().post(f"/procedures/{procedure}/upload/inspect", headers=JSON,
                                data=upload_form(make_ole_bytes(), "cu.doc"), content_type="multipart/form-data")
    assert response.status_code == 422
    assert ".docx" in response.get_json()["error"]["message"]


def test_uploading_a_revision_makes_it_current_and_says_so(app, signed_in, procedure, make_docx):
    client = signed_in()
    response = client.post(f"/procedures/{procedure}/upload", content_type="multipart/form-data",
                           data=upload_form(make_docx(code="QT-01/STP", revision="03"), note="Lần 3",
                                            base_version="2"))
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "Đã lưu phiên bản 3; đây là bản hiện hành." in page
    assert count_versions(app, procedure) == 3


def test_uploading_through_the_page_script_answers_json_with_where_to_go(signed_in, procedure, make_docx):
    response = signed_in().post(f"/procedures/{procedure}/upload", headers=JSON, content_type="multipart/form-data",
                                data=upload_form(make_docx(code="QT-01/STP", revision="03"), note="Lần 3",
                                                 base_version="2"))
    assert response.status_code == 201
    assert response.get_json()["redirect"] == f"/procedures/{procedure}"


def test_an_upload_without_a_change_note_is_refused_and_nothing_is_stored(app, signed_in, procedure, make_docx):
    response = signed_in().post(f"/procedures/{procedure}/upload", content_type="multipart/form-data",
                                data=upload_form(make_docx(revision="03"), note=""))
    assert response.status_code == 400
    assert "Hãy ghi nội dung thay đổi" in text_of(response)
    assert count_versions(app, procedure) == 2


def test_a_refused_upload_shows_its_vietnamese_message_on_the_form(app, signed_in, procedure):
    response = signed_in().post(f"/procedures/{procedure}/upload", content_type="multipart/form-data",
                                data=upload_form(make_ole_bytes(), "cu.doc", note="Bản cũ"))
    assert response.status_code == 422
    page = text_of(response)
    assert 'id="upload-error"' in page and "Word" in page and ".docx" in page
    assert count_versions(app, procedure) == 2


def test_an_upload_based_on_an_old_version_gets_the_conflict_message(app, signed_in, procedure, make_docx):
    for accept in ({}, JSON):
        response = signed_in(f"u{len(accept)}").post(
            f"/procedures/{procedure}/upload", headers=accept, content_type="multipart/form-data",
            data=upload_form(make_docx(revision="03"), note="Sửa từ bản 1", base_version="1"))
        assert response.status_code == 409
        message = response.get_json()["error"]["message"] if accept else text_of(response)
        assert "Bạn đang sửa từ phiên bản 1, nhưng quy trình đã có phiên bản 2" in message
    assert count_versions(app, procedure) == 2


def test_the_upload_form_carries_the_latest_version_as_base(signed_in, procedure):
    page = text_of(signed_in().get(f"/procedures/{procedure}/upload"))
    assert 'name="base_version" value="2"' in page


def test_script_requests_pass_csrf_in_a_header(app, signed_in, procedure, make_docx):
    client = signed_in()
    page = text_of(client.get(f"/procedures/{procedure}/upload"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    data = make_docx(code="QT-01/STP", revision="03")
    refused = client.post(f"/procedures/{procedure}/upload/inspect", headers=JSON, data=upload_form(data),
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    accepted = client.post(f"/procedures/{procedure}/upload/inspect", headers={**JSON, "X-CSRFToken": token},
                           data=upload_form(data), content_type="multipart/form-data")
    assert accepted.status_code == 200


# Approval, creation, retirement ------------------------------------------------------------

@pytest.fixture
def draft(app, make_agency, make_user, make_docx):
    """A procedure of an agency requiring approval: version 1 current, version 2 waiting."""
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.auth.services import user_by_name
    from qmsdocs.procedures.services import add_version, create_procedure

    make_agency("STNMT", "Sở Tài nguyên và Môi trường", approval_required=True)
    make_user("bientap", "editor", "STNMT")
    with app.app_context():
        created = create_procedure("STNMT", "QT-01/STNMT", "Quy trình đất đai", actor=SYSTEM)
        add_version(created, make_docx(code="QT-01/STNMT"), "a.docx", actor=SYSTEM,
                    max_bytes=app.config["MAX_UPLOAD_BYTES"])
        add_version(created, make_docx(code="QT-01/STNMT", revision="02"), "b.docx", note="Sửa",
                    actor=user_by_name("bientap"), max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()
        return created.id


def test_a_draft_is_shown_waiting_and_approving_it_makes_it_current(app, signed_in, draft):
    approver = signed_in("pheduyet", "approver", "STNMT")
    page = text_of(approver.get(f"/procedures/{draft}"))
    assert "Bản nháp chờ duyệt" in page and "Phê duyệt phiên bản 2" in page
    response = approver.post(f"/procedures/{draft}/versions/2/approve", data={"comment": "Đồng ý ban hành"})
    assert response.status_code == 303
    page = text_of(approver.get(response.headers["Location"]))
    assert "Đã phê duyệt phiên bản 2" in page
    assert "Đồng ý ban hành" in page  # the recorded comment, in the audit trail
    from qmsdocs.procedures.services import get_procedure

    with app.app_context():
        assert get_procedure(draft).current_version.number == 2


def test_returning_a_draft_needs_a_reason(app, signed_in, draft):
    approver = signed_in("pheduyet", "approver", "STNMT")
    response = approver.post(f"/procedures/{draft}/versions/2/return", data={"reason": ""})
    assert "Hãy ghi lý do trả lại" in text_of(approver.get(response.headers["Location"]))
    from qmsdocs.procedures.services import get_procedure, get_version

    with app.app_context():
        assert get_version(get_procedure(draft), 2).state == "pending"


def test_a_draft_preview_and_download_say_it_is_a_draft(signed_in, draft):
    client = signed_in()
    assert "BẢN NHÁP CHỜ DUYỆT" in text_of(client.get(f"/procedures/{draft}/versions/2/preview"))
    assert "BAN-NHAP" in client.get(f"/procedures/{draft}/versions/2/download").headers["Content-Disposition"]


def test_an_editor_upload_in_an_approval_agency_is_announced_as_waiting(signed_in, draft, make_docx):
    editor = signed_in("bientap2", "editor", "STNMT")
    inspect = editor.post(f"/procedures/{draft}/upload/inspect", headers=JSON, content_type="multipart/form-data",
                          data=upload_form(make_docx(code="QT-01/STNMT", revision="03")))
    assert inspect.get_json()["needs_approval"] is True
    response = editor.post(f"/procedures/{draft}/upload", content_type="multipart/form-data",
                           data=upload_form(make_docx(code="QT-01/STNMT", revision="03"), note="Lần 3"))
    assert "đang chờ duyệt" in text_of(editor.get(response.headers["Location"]))


def test_creating_a_procedure_with_a_taken_code_explains_the_conflict(signed_in, procedure):
    response = signed_in().post("/procedures/new", data={"agency": "STP", "code": "QT-01/STP", "title": "Trùng"})
    assert response.status_code == 409
    assert "đã có quy trình mã" in text_of(response)


def test_creating_a_procedure_stores_every_field_and_leads_to_its_first_upload(app, signed_in, make_agency):
    from qmsdocs.audit.models import AuditEvent
    from qmsdocs.procedures.models import Procedure

    make_agency("STP", "Sở Tư pháp")
    response = signed_in("bt", "editor", "STP").post("/procedures/new", data={
        "agency": "STP", "code": "QT-10", "title": "Quy trình chứng thực", "field": "Chứng thực",
        "admin_procedures": "2.000815, 2.000843", "review_interval_months": "24"})
    assert response.status_code == 302
    with app.app_context():
        created = session.scalars(select(Procedure)).one()
        assert (created.agency.code, created.code, created.title, created.field, created.review_interval_months,
                created.status, created.current_version_id) == (
            "STP", "QT-10", "Quy trình chứng thực", "Chứng thực", 24, "active", None)
        assert sorted(created.admin_procedure_codes) == ["2.000815", "2.000843"]
        assert response.headers["Location"].endswith(f"/procedures/{created.id}/upload")
        creation = session.scalars(select(AuditEvent).where(AuditEvent.action == "procedure.create")).one()
        assert (creation.object_id, creation.actor_name) == (created.id, "bt")


def test_retiring_needs_a_reason_and_then_marks_the_procedure_everywhere(signed_in, procedure):
    client = signed_in()
    refused = client.post(f"/procedures/{procedure}/retire", data={"reason": "  "})
    assert refused.status_code == 400 and "lý do bãi bỏ" in text_of(refused)
    client.post(f"/procedures/{procedure}/retire", data={"reason": "Thay bằng QT-02"})
    page = text_of(client.get(f"/procedures/{procedure}"))
    assert "QUY TRÌNH ĐÃ BỊ BÃI BỎ" in page and "Thay bằng QT-02" in page
    assert "Tải lên phiên bản mới" not in page
    assert "HẾT HIỆU LỰC" in text_of(client.get(f"/procedures/{procedure}/versions/2/preview"))
    assert "HET-HIEU-LUC" in client.get(f"/procedures/{procedure}/versions/2/download").headers["Content-Disposition"]
    assert client.get(f"/procedures/{procedure}/upload").status_code == 302


# Language -------------------------------------------------------------------------------

def test_pages_are_vietnamese_by_default_and_switch_to_english(signed_in, procedure):
    client = signed_in()
    assert "Quy trình" in text_of(client.get("/procedures"))
    client.get("/lang/en", headers={"Referer": "http://localhost/procedures"})
    page = text_of(client.get("/procedures"))
    assert ">Procedures<" in page and "Sign out" in page and 'lang="en"' in page
    client.get("/lang/vi")
    assert "Đăng xuất" in text_of(client.get("/procedures"))


def test_the_english_catalog_is_found_where_flask_babel_looks(app):
    from pathlib import Path

    folder = Path(app.root_path) / app.config["BABEL_TRANSLATION_DIRECTORIES"]
    assert (folder / "en" / "LC_MESSAGES" / "messages.mo").is_file()


def test_error_pages_are_translated_too(signed_in):
    client = signed_in()
    client.get("/lang/en")
    assert "Not found" in text_of(client.get("/procedures/99999"))


def test_page_forms_work_with_csrf_protection_on_and_fail_without_the_token(app, signed_in, draft):
    approver = signed_in("pheduyet", "approver", "STNMT")
    page = text_of(approver.get(f"/procedures/{draft}"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    app.config["WTF_CSRF_ENABLED"] = True
    refused = approver.post(f"/procedures/{draft}/versions/2/approve", data={"comment": "Đồng ý"})
    assert refused.status_code == 400 and "tải lại trang" in text_of(refused)
    accepted = approver.post(f"/procedures/{draft}/versions/2/approve", data={"comment": "Đồng ý", "csrf_token": token})
    assert accepted.status_code == 303


def test_the_favicon_is_linked_and_answered_without_signing_in(app, signed_in):
    anonymous = app.test_client()
    icon = anonymous.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml"
    assert icon.get_data().startswith(b"<svg")
    icon.close()
    page = text_of(signed_in().get("/procedures"))
    assert '<link rel="icon" href="/static/favicon.svg"' in page


def test_saving_a_draft_shows_one_banner_saying_it_waits_for_approval(app, signed_in, make_agency, make_docx):
    make_agency("STNMT", "Sở Tài nguyên và Môi trường", approval_required=True)
    editor = signed_in("bientap", "editor", "STNMT")
    for number, headers in ((1, {}), (2, JSON)):
        code = f"QT-0{number}"
        editor.post("/procedures/new", data={"agency": "STNMT", "code": code, "title": "Quy trình thu hồi đất"})
        saved = editor.post(f"/procedures/{number}/upload", content_type="multipart/form-data", headers=headers,
                            data={"file": (BytesIO(make_docx(code=code)), "qt.docx"), "note": "Ban hành"})
        assert saved.status_code in (201, 303)
        if headers:
            # The JSON answer keeps the coded warning for programs.
            assert "pending_approval" in [w["code"] for w in saved.get_json()["warning_details"]]
        page = text_of(editor.get(f"/procedures/{number}"))
        assert page.count("chờ duyệt; nó") == 1


def test_history_shows_full_names_and_the_audit_words_not_keys(app, signed_in, make_agency, make_docx):
    from qmsdocs.audit.services import record
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.auth.services import user_by_name

    make_agency("STNMT", "Sở Tài nguyên và Môi trường")
    editor = signed_in("bientap", "editor", "STNMT")
    with app.app_context():
        user_by_name("bientap").full_name = "Nguyễn Văn Biên"
        record(SYSTEM, "demo.load", "demo", None)
        session.commit()
    editor.post("/procedures/new", data={"agency": "STNMT", "code": "QT-07", "title": "Quy trình thu hồi đất"})
    editor.post("/procedures/1/upload", content_type="multipart/form-data",
                data={"file": (BytesIO(make_docx(code="QT-07")), "qt.docx"), "note": "Ban hành"})
    page = text_of(editor.get("/procedures/1"))
    assert '<span class="person" title="bientap">Nguyễn Văn Biên</span>' in page
    assert "· bientap<" not in page and ">bientap<" not in page
    home = text_of(signed_in("quantri", "admin").get("/"))
    assert "demo.load" not in home and "Nạp dữ liệu mẫu" in home
    assert "— Hệ thống" in home and "— system" not in home


def test_every_recorded_audit_action_has_words():
    import pathlib

    from qmsdocs.web.filters import ACTION_LABELS

    source = "\n".join(p.read_text(encoding="utf-8") for p in pathlib.Path("qmsdocs").rglob("*.py"))
    keys = set(re.findall(r'\brecord\(\s*[^,()]+\s*,\s*"([a-z_.]+)"', source))
    for pair in re.findall(r'"([a-z_]+\.[a-z_.]+)" if \w+ else "([a-z_]+\.[a-z_.]+)"', source):
        keys |= set(pair)
    keys |= {"demo.load", "user.logout"}            # a constant and the f"user.{reason}" of a sign-out
    assert len(keys) > 40
    assert sorted(keys - set(ACTION_LABELS)) == []


def test_new_procedure_preselects_no_agency_and_refuses_none_chosen(signed_in, make_agency):
    make_agency("XA-B", "UBND xã Bình")
    make_agency("STP", "Sở Tư pháp")
    admin = signed_in()
    page = text_of(admin.get("/procedures/new"))
    assert re.search(r'<option value="">— Chọn cơ quan —</option><optgroup label="[^"]+"><option value="STP">', page)
    names = re.findall(r'<option value="[^"]+">([^<]+)</option>', page.split('id="agency"')[1].split("</select>")[0])
    assert names == sorted(names, key=str.casefold)
    refused = admin.post("/procedures/new", data={"agency": "", "code": "QT-09", "title": "Quy trình"})
    assert refused.status_code == 400 and "Hãy chọn cơ quan ban hành quy trình." in text_of(refused)
