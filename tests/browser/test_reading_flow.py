"""Read and understood in a real browser: an approver names who must read, a reader confirms in one click."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from qmsdocs.demo.data import DEMO_PASSWORD, load_core_demo


@pytest.fixture
def demo(live_app):
    from qmsdocs.db import session

    with live_app.app_context():
        load_core_demo()
        session.commit()


def test_a_reader_confirms_the_version_in_force_from_the_home_page(browser, page, live_server, demo, sign_in,
                                                                   screenshot):
    sign_in(page, "pheduyet", DEMO_PASSWORD)
    page.goto(f"{live_server}/agencies/STNMT/reading-policy")
    page.get_by_label("Vai trò và người được chọn").check()
    page.get_by_label("Biên tập viên").check()
    page.fill("#users", "xem")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã lưu danh sách người phải đọc")

    reader_context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    reader = reader_context.new_page()
    try:
        sign_in(reader, "xem", DEMO_PASSWORD)
        card = reader.locator("#phai-doc")
        expect(card).to_contain_text("Quy trình cần đọc và xác nhận")
        lines = card.locator("li")
        count = lines.count()
        assert count >= 1
        expect(reader.locator(".bell-count")).to_have_text(str(count))
        first = lines.first.locator("a").inner_text()
        procedure_page = live_server + lines.first.locator("a").get_attribute("href")
        code, number = re.match(r"(\S+) · phiên bản (\d+)", first).groups()
        screenshot(reader, "reading-home")
        lines.first.get_by_role("button", name="Tôi đã đọc và hiểu").click()
        expect(reader.locator(".alert-success")).to_contain_text(f"bạn đã đọc và hiểu {code} phiên bản {number}")
        if count > 1:
            expect(reader.locator("#phai-doc li")).to_have_count(count - 1)
        else:
            expect(reader.locator("#phai-doc")).to_have_count(0)
        # The notification that asked for it is done with too.
        if count > 1:
            expect(reader.locator(".bell-count")).to_have_text(str(count - 1))
        else:
            expect(reader.locator(".bell-count")).to_have_count(0)

        reader.goto(procedure_page)
        panel = reader.locator("#da-doc")
        expect(panel).to_contain_text(f"Bạn đã xác nhận đọc và hiểu phiên bản {number}")
        expect(panel.locator(f"details[data-version='{number}'] summary")).to_contain_text("1/2 người đã xác nhận")
        expect(panel.locator(".reader-confirmed")).to_contain_text("Lê Văn Cường")
        screenshot(reader, "reading-procedure")
    finally:
        reader_context.close()

    # The approver sees who has and has not confirmed, and the log downloads as a spreadsheet.
    page.goto(procedure_page)
    expect(page.locator("#da-doc .reader-pending")).to_contain_text("Nguyễn Văn An")
    with page.expect_download() as download:
        page.get_by_role("link", name="Sổ theo dõi phân phối (.xlsx)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
