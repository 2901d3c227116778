"""The browser harness itself: Chromium reaches the app and signs in."""


def test_sign_in_page_loads_and_signs_in(page, live_server, make_live_user, sign_in):
    make_live_user("quantri")
    page.goto(f"{live_server}/login")
    assert page.locator("h1").inner_text() == "Đăng nhập"
    sign_in(page, "quantri")
    assert "/login" not in page.url
