"""A change request in a real browser: proposed, accepted with an editor and a due date, closed by the revision."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from qmsdocs.clock import local_today
from qmsdocs.demo.data import DECREE_61, DECREE_107, DEMO_PASSWORD, LAND_2024, load_core_demo
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def procedure_id(live_app, code: str) -> int:
    from sqlalchemy import select

    from qmsdocs.db import session
    from qmsdocs.procedures.models import Procedure

    with live_app.app_context():
        load_core_demo()
        session.commit()
        return session.scalar(select(Procedure.id).where(Procedure.code == code))


def test_request_is_accepted_and_the_revision_closes_it(browser, page, live_server, live_app, sign_in, screenshot):
    pid = procedure_id(live_app, "QT-02/STNMT")
    year = local_today().year
    sign_in(page, "bientap", DEMO_PASSWORD)
    page.goto(f"{live_server}/procedures/{pid}")
    page.get_by_role("link", name="Đề nghị sửa đổi quy trình này").click()
    page.fill("#part", "Mục 5, bước 2")
    page.fill("#content", "Rút ngắn thời hạn giải quyết còn 10 ngày")
    page.fill("#reason", "Theo Luật Đất đai 2024")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Đã gửi đề nghị số 1/{year}")
    expect(page.locator("#request-status")).to_contain_text("Chờ xem xét")

    approver_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    approver = approver_context.new_page()
    try:
        sign_in(approver, "pheduyet", DEMO_PASSWORD)
        approver.goto(f"{live_server}/requests")
        approver.get_by_role("link", name=f"1/{year}").click()
        screenshot(approver, "change-request")
        approver.select_option("#editor", "bientap")
        approver.fill("#due_on", (local_today() + timedelta(days=7)).isoformat())
        approver.get_by_role("button", name="Chấp thuận và giao soạn thảo").click()
        expect(approver.locator("#request-status")).to_contain_text("Đã chấp thuận")
    finally:
        approver_context.close()

    page.reload()
    page.get_by_role("link", name="Tải lên phiên bản theo đề nghị này").click()
    expect(page.locator("main")).to_contain_text(f"Đề nghị đã chấp thuận cho quy trình này: 1/{year}")
    data = build_procedure(ProcedureDocument(
        code="QT-02/STNMT", title="Quy trình đăng ký biến động quyền sử dụng đất",
        agency_name="Sở Tài nguyên và Môi trường", revision="04", issued_on="01/03/2025",
        legal_refs=[LAND_2024, DECREE_61, DECREE_107], filler_paragraphs=2))
    page.set_input_files("#file", files=[{"name": "QT-02_lan04.docx", "mimeType": DOCX, "buffer": data}])
    expect(page.locator("#confirm")).to_be_visible()  # the file is checked before it can be saved
    page.fill("#note", "Rút ngắn thời hạn theo đề nghị")
    page.get_by_role("button", name="Lưu phiên bản").click()
    page.wait_for_url(f"{live_server}/procedures/{pid}")
    expect(page.locator("main")).to_contain_text(f"theo đề nghị số 1/{year}")
    page.get_by_role("link", name=f"theo đề nghị số 1/{year}").click()
    expect(page.locator("#request-status")).to_contain_text("Đã thực hiện")
    page.goto(f"{live_server}/requests")
    expect(page.locator("#requests")).to_contain_text("Đã thực hiện")
    screenshot(page, "change-requests")
    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="In phiếu đề nghị (.docx)").click()
    assert download.value.suggested_filename.startswith(f"phieu-de-nghi-1-{year}")
