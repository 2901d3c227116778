"""An official uploads a revision in a real browser: confirmation, progress, history, comparison, refusals."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from qmsdocs.demo.data import DECREE_61, DECREE_107, DEMO_PASSWORD, LAND_2024, load_core_demo
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure
from tests.docx_factory import make_ole_bytes

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def demo(live_app):
    """The illustrative data set (agencies, users, procedures with several versions)."""
    from qmsdocs.db import session

    with live_app.app_context():
        load_core_demo()
        session.commit()


def procedure_id(live_app, code: str) -> int:
    from sqlalchemy import select

    from qmsdocs.db import session
    from qmsdocs.procedures.models import Procedure

    with live_app.app_context():
        return session.scalar(select(Procedure.id).where(Procedure.code == code))


def revision_three() -> bytes:
    return build_procedure(ProcedureDocument(
        code="QT-01/STNMT", title="Quy trình cấp Giấy chứng nhận quyền sử dụng đất lần đầu",
        agency_name="Sở Tài nguyên và Môi trường", revision="03", issued_on="01/08/2024",
        legal_refs=[LAND_2024, DECREE_61, DECREE_107], filler_paragraphs=4,
    ))


def test_upload_a_revision_confirm_it_and_find_it_in_the_history(page, live_server, live_app, demo, sign_in,
                                                                 screenshot):
    sign_in(page, "bientap", DEMO_PASSWORD)
    expect(page.locator("h1")).to_contain_text("Xin chào")
    screenshot(page, "home")

    pid = procedure_id(live_app, "QT-01/STNMT")
    page.goto(f"{live_server}/procedures/{pid}")
    expect(page.locator("#history")).to_contain_text("phiên bản 2")
    expect(page.frame_locator(".preview-frame").locator("body")).to_contain_text("QUY TRÌNH")
    screenshot(page, "procedure")

    page.get_by_role("link", name="Tải lên phiên bản mới").click()
    expect(page.locator("h1")).to_have_text("Tải lên phiên bản mới")
    page.set_input_files("#file", files=[{"name": "QT-01-STNMT_lan03.docx", "mimeType": DOCX,
                                          "buffer": revision_three()}])
    confirm = page.locator("#confirm")
    expect(confirm).to_be_visible()
    expect(page.locator("#c-code")).to_have_text("QT-01/STNMT")
    expect(page.locator("#c-revision")).to_have_text("03")
    expect(page.locator("#c-issued")).to_have_text("01/08/2024")
    expect(page.locator("#c-citations")).to_contain_text("31/2024/QH15")
    page.fill("#note", "Cập nhật theo Luật Đất đai 2024")
    screenshot(page, "upload")

    page.get_by_role("button", name="Lưu phiên bản").click()
    page.wait_for_url(f"{live_server}/procedures/{pid}")
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu phiên bản 3")
    history = page.locator("#history")
    expect(history.locator("tbody tr").first).to_contain_text("hiện hành")
    expect(history.locator("tbody tr").first).to_contain_text("Cập nhật theo Luật Đất đai 2024")
    expect(history.locator("tbody tr").nth(1)).to_contain_text("hết hiệu lực")


def test_compare_two_versions_side_by_side(page, live_server, live_app, demo, sign_in):
    sign_in(page, "xem", DEMO_PASSWORD)
    pid = procedure_id(live_app, "QT-02/STNMT")
    page.goto(f"{live_server}/procedures/{pid}")
    page.select_option("#cmp-from", "1")
    page.select_option("#cmp-to", "3")
    page.get_by_role("button", name="So sánh", exact=True).click()
    expect(page.locator("h1")).to_have_text("So sánh phiên bản 1 và 3")
    diff = page.locator("#diff")
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    expect(diff).to_contain_text("31/2024/QH15")


def test_a_refused_upload_shows_its_vietnamese_message(page, live_server, live_app, demo, sign_in):
    sign_in(page, "bientap", DEMO_PASSWORD)
    pid = procedure_id(live_app, "QT-01/STNMT")
    page.goto(f"{live_server}/procedures/{pid}/upload")
    # An old binary Word file renamed to .docx gets past the browser's check; the server explains.
    page.set_input_files("#file", files=[{"name": "quy-trinh-cu.docx", "mimeType": DOCX, "buffer": make_ole_bytes()}])
    error = page.locator("#upload-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("Word")
    expect(error).to_contain_text(".docx")
    expect(page.locator("#confirm")).to_be_hidden()

    page.set_input_files("#file", files=[{"name": "bang-tinh.xlsx", "mimeType": "application/octet-stream",
                                          "buffer": b"PK\x03\x04"}])
    expect(error).to_contain_text("Chỉ nhận tệp Word (.docx hoặc .doc)")


def test_a_concurrent_upload_gets_the_conflict_message(page, live_server, live_app, demo, sign_in):
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.db import session
    from qmsdocs.procedures.services import add_version, get_procedure

    sign_in(page, "bientap", DEMO_PASSWORD)
    pid = procedure_id(live_app, "QT-01/STNMT")
    page.goto(f"{live_server}/procedures/{pid}/upload")
    page.set_input_files("#file", files=[{"name": "lan03.docx", "mimeType": DOCX, "buffer": revision_three()}])
    expect(page.locator("#confirm")).to_be_visible()
    page.fill("#note", "Sửa đổi của tôi")
    with live_app.app_context():  # a colleague saves version 3 meanwhile
        add_version(get_procedure(pid), revision_three(), "khac.docx",
                    note="Bản của đồng nghiệp", actor=SYSTEM, max_bytes=live_app.config["MAX_UPLOAD_BYTES"])
        session.commit()
    page.get_by_role("button", name="Lưu phiên bản").click()
    error = page.locator("#upload-error")
    expect(error).to_contain_text("Bạn đang sửa từ phiên bản 2, nhưng quy trình đã có phiên bản 3")
    expect(error.get_by_role("link", name="Xem phiên bản mới nhất")).to_be_visible()
