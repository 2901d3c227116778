"""A first look at the province demo in a real browser: readable charts, each role's home page,
the default scope of lists, and the README's pictures (refreshed with QMSDOCS_UPDATE_SCREENSHOTS=1)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from qmsdocs.demo.data import DEMO_PASSWORD
from tests.browser.conftest import serving
from tests.conftest import initialized_app

MIN_TEXT_PX = 12
# The smallest rendered size of the text of every chart on the page, in CSS pixels.
SMALLEST_CHART_TEXT = """() => {
  let smallest = Infinity;
  for (const svg of document.querySelectorAll('svg')) {
    const box = svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    for (const text of svg.querySelectorAll('text')) {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
  }
  return smallest;
}"""


@pytest.fixture(scope="module")
def province_server(tmp_path_factory):
    with initialized_app(tmp_path_factory.mktemp("first-look"), TESTING=False, SECRET_KEY="browser-test-secret",
                         DEMO_SIZE="province") as app:
        result = app.test_cli_runner().invoke(args=["qms", "demo"])
        assert result.exit_code == 0, result.output
        with serving(app) as url:
            yield url


def _sign_in(page, server, username):
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_chart_text_is_at_least_12_px_at_1366_by_768(page, province_server):
    _sign_in(page, province_server, "admin")
    page.goto(f"{province_server}/reports")
    assert page.locator("svg").count() >= 3
    assert page.evaluate(SMALLEST_CHART_TEXT) >= MIN_TEXT_PX


def test_chart_text_stays_readable_on_a_narrow_screen(browser, province_server):
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="vi-VN")
    try:
        page = context.new_page()
        _sign_in(page, province_server, "admin")
        page.goto(f"{province_server}/reports")
        assert page.evaluate(SMALLEST_CHART_TEXT) >= MIN_TEXT_PX
    finally:
        context.close()


def test_each_role_sees_what_it_acts_on_first(page, browser, province_server, screenshot):
    _sign_in(page, province_server, "pheduyet")
    steps = page.locator("#next-steps")
    expect(steps).to_contain_text("bản nháp đang chờ bạn duyệt")
    steps.get_by_role("link", name="bản nháp đang chờ bạn duyệt").click()
    expect(page.locator("#drafts li").first).to_contain_text("chờ duyệt")
    page.goto(f"{province_server}/")
    screenshot(page, "province-home-approver")

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        editor = context.new_page()
        _sign_in(editor, province_server, "bientap")
        expect(editor.locator("#next-steps")).to_contain_text("cảnh báo của cơ quan bạn cần xử lý")
        screenshot(editor, "province-home")
    finally:
        context.close()


def test_an_editor_opens_the_alerts_of_their_agency_and_widens_them(page, province_server, screenshot):
    _sign_in(page, province_server, "bientap")
    page.locator("#next-steps").get_by_role("link", name="cảnh báo của cơ quan bạn cần xử lý").click()
    note = page.locator("#scope-note")
    expect(note).to_contain_text("Sở Tài nguyên và Môi trường")
    agencies = page.locator("#alert-counts tbody tr")
    expect(agencies).to_have_count(1)
    screenshot(page, "province-alerts")
    note.get_by_role("link", name="Xem tất cả cơ quan").click()
    expect(page.locator("#scope-note")).to_have_count(0)
    assert page.locator("#alert-counts tbody tr").count() > 20


def test_grouped_agency_picker_and_search_on_the_province(page, province_server, screenshot):
    _sign_in(page, province_server, "admin")
    page.goto(f"{province_server}/procedures/new")
    groups = page.locator("#agency optgroup")
    assert [groups.nth(i).get_attribute("label") for i in range(groups.count())] == ["Cấp tỉnh", "Cấp huyện", "Cấp xã"]
    assert page.locator("#agency").input_value() == ""

    page.goto(f"{province_server}/search")
    page.fill("#q", "khai sinh")
    page.click(".search-box button[type=submit]")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#results-heading")).to_contain_text("Tìm thấy")
    expect(page.locator(".facets")).to_contain_text("61/2018/NĐ-CP")
    screenshot(page, "province-search")
    page.goto(f"{province_server}/reports")
    screenshot(page, "province-reports")
