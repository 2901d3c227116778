"""An ISO secretary attaches a form to the current version in a real browser and prints the master lists."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from qmsdocs.demo.data import DEMO_PASSWORD, load_core_demo
from tests.browser.test_upload_flow import procedure_id

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def demo(live_app):
    """The illustrative agencies and procedures, with the laws they cite in the registry."""
    from qmsdocs.alerts.demo import load_legal_demo
    from qmsdocs.db import session

    with live_app.app_context():
        load_core_demo()
        load_legal_demo()
        session.commit()


def form_workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Sổ theo dõi hồ sơ cấp giấy chứng nhận", "Ngày nhận", "Ngày trả"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_attach_a_form_then_see_it_in_the_lists(page, live_server, live_app, demo, sign_in, screenshot):
    sign_in(page, "bientap", DEMO_PASSWORD)
    pid = procedure_id(live_app, "QT-01/STNMT")
    page.goto(f"{live_server}/procedures/{pid}")
    forms = page.locator("#bieu-mau")
    expect(forms).to_contain_text("chưa có biểu mẫu")
    page.set_input_files("#form-file", files=[{"name": "QT-01 BM-01.pdf", "mimeType": "application/pdf",
                                               "buffer": b"<html>not a pdf</html>"}])
    page.get_by_role("button", name="Gắn biểu mẫu").click()
    expect(page.locator(".alert-error")).to_contain_text("không phải là PDF thật")
    workbook = form_workbook()
    page.set_input_files("#form-file", files=[{"name": "QT-01 BM-02.xlsx", "mimeType": XLSX, "buffer": workbook}])
    page.get_by_role("button", name="Gắn biểu mẫu").click()
    expect(page.locator(".alert-success")).to_contain_text("Đã gắn biểu mẫu BM-02")
    expect(forms).to_contain_text("QT-01 BM-02.xlsx")
    with page.expect_download() as download:
        forms.get_by_role("link", name="QT-01 BM-02.xlsx").click()
    assert Path(download.value.path()).read_bytes() == workbook
    screenshot(page, "procedure-forms")

    page.get_by_role("link", name="Danh mục tài liệu").first.click()
    expect(page.locator("h1")).to_contain_text("Danh mục tài liệu nội bộ")
    page.select_option("#f-agency", "STNMT")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("table.data")).to_contain_text("QT-01/STNMT")
    screenshot(page, "master-list-internal")
    page.get_by_role("link", name="Tài liệu có nguồn gốc bên ngoài").click()
    expect(page.locator("table.data")).to_contain_text("Còn hiệu lực")
    screenshot(page, "master-list-external")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải DOCX").click()
    assert download.value.suggested_filename == "danh-muc-tai-lieu-ben-ngoai-STNMT.docx"
