"""Document control in a real browser: an editor's upload waits as a draft until an approver approves it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from qmsdocs.demo.data import DECREE_61, DECREE_107, DEMO_PASSWORD, LAND_2024, load_core_demo
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def approval_demo(live_app):
    """The demo data, with STNMT requiring approval of new versions (ISO 9001 clause 7.5)."""
    from qmsdocs.agencies.services import get_agency
    from qmsdocs.db import session

    with live_app.app_context():
        load_core_demo()
        get_agency("STNMT").approval_required = True
        session.commit()


def procedure_id(live_app, code: str) -> int:
    from sqlalchemy import select

    from qmsdocs.db import session
    from qmsdocs.procedures.models import Procedure

    with live_app.app_context():
        return session.scalar(select(Procedure.id).where(Procedure.code == code))


def test_an_editors_draft_is_approved_and_becomes_current(browser, page, live_server, live_app, approval_demo,
                                                          sign_in):
    pid = procedure_id(live_app, "QT-02/STNMT")
    sign_in(page, "bientap", DEMO_PASSWORD)
    page.goto(f"{live_server}/procedures/{pid}/upload")
    expect(page.locator("main")).to_contain_text("Cơ quan yêu cầu phê duyệt")
    data = build_procedure(ProcedureDocument(
        code="QT-02/STNMT", title="Quy trình đăng ký biến động quyền sử dụng đất",
        agency_name="Sở Tài nguyên và Môi trường", revision="04", issued_on="01/03/2025",
        legal_refs=[LAND_2024, DECREE_61, DECREE_107], filler_paragraphs=2))
    page.set_input_files("#file", files=[{"name": "QT-02_lan04.docx", "mimeType": DOCX, "buffer": data}])
    expect(page.locator("#c-warnings")).to_contain_text("chờ duyệt")
    page.fill("#note", "Rút ngắn thời gian giải quyết")
    page.get_by_role("button", name="Lưu phiên bản").click()
    page.wait_for_url(f"{live_server}/procedures/{pid}")
    expect(page.locator(".alert-success")).to_contain_text("đang chờ duyệt")
    expect(page.locator("#history tbody tr").first).to_contain_text("chờ duyệt")
    expect(page.locator("#history tbody tr").nth(1)).to_contain_text("hiện hành")

    approver_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    approver = approver_context.new_page()
    try:
        sign_in(approver, "pheduyet", DEMO_PASSWORD)
        drafts = approver.locator("#drafts")
        expect(drafts).to_contain_text("QT-02/STNMT · phiên bản 4")
        drafts.get_by_role("link", name="QT-02/STNMT · phiên bản 4").click()
        expect(approver.locator(".draft-banner")).to_contain_text("BẢN NHÁP")
        approver.fill("#comment-4", "Đồng ý ban hành")
        approver.get_by_role("button", name="Phê duyệt phiên bản 4").click()
        expect(approver.locator(".alert-success")).to_contain_text("Đã phê duyệt phiên bản 4")
        history = approver.locator("#history tbody tr")
        expect(history.first).to_contain_text("hiện hành")
        expect(history.nth(1)).to_contain_text("hết hiệu lực")
        expect(approver.locator("main")).to_contain_text("Đồng ý ban hành")
    finally:
        approver_context.close()


def test_an_approver_returns_a_draft_with_a_reason_the_editor_then_reads(browser, page, live_server, live_app,
                                                                         approval_demo, sign_in):
    from qmsdocs.auth.services import user_by_name
    from qmsdocs.db import session
    from qmsdocs.procedures.services import add_version, get_procedure

    pid = procedure_id(live_app, "QT-01/STNMT")
    with live_app.app_context():
        data = build_procedure(ProcedureDocument(code="QT-01/STNMT", title="Quy trình cấp GCN",
                                                 agency_name="Sở Tài nguyên và Môi trường", revision="03"))
        add_version(get_procedure(pid), data, "lan03.docx", note="Bản nháp lần 3", actor=user_by_name("bientap"),
                    max_bytes=live_app.config["MAX_UPLOAD_BYTES"])
        session.commit()
    sign_in(page, "pheduyet", DEMO_PASSWORD)
    page.goto(f"{live_server}/procedures/{pid}")
    page.fill("#reason-3", "Thiếu lưu đồ quy trình")
    page.get_by_role("button", name="Trả lại cho người soạn").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã trả lại phiên bản 3")
    expect(page.locator("#history tbody tr").first).to_contain_text("bị trả lại")

    editor_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    editor = editor_context.new_page()
    try:
        sign_in(editor, "bientap", DEMO_PASSWORD)
        expect(editor.locator("main")).to_contain_text("Thiếu lưu đồ quy trình")
    finally:
        editor_context.close()


def test_keyboard_users_reach_the_content_and_see_where_they_are(page, live_server, live_app, approval_demo,
                                                                 sign_in):
    sign_in(page, "xem", DEMO_PASSWORD)
    page.goto(f"{live_server}/procedures")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    expect(skip).to_be_focused()
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Quy trình")
    page.goto(f"{live_server}/lang/en")
    page.goto(f"{live_server}/procedures")
    expect(page.locator('nav a[aria-current="page"]')).to_have_text("Procedures")
