"""Browser tests: a real headless Chromium (Debian's package) against the app on a local port.

tests/conftest.py marks every test here `browser` and skips them, with the reason, where
/usr/bin/chromium is missing; CI installs it.
"""

from __future__ import annotations

import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qmsdocs import jobs
from tests.conftest import CHROMIUM, PASSWORD, create_test_user, initialized_app

REPO = Path(__file__).resolve().parents[2]
# The README's pictures are refreshed on request; ordinary runs keep the work tree clean.
SCREENSHOTS = REPO / (
    "docs/screenshots" if os.environ.get("QMSDOCS_UPDATE_SCREENSHOTS") == "1" else "tests/artifacts/screenshots"
)
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]

@pytest.fixture
def live_app(tmp_path):
    with initialized_app(tmp_path, TESTING=False, SECRET_KEY="browser-test-secret") as app:
        yield app


class InFlight:
    """WSGI wrapper counting requests being served, so the server stops only once they are done.

    A request still running when the test ends (a preview frame, say) would otherwise hold a
    database connection past the engine's disposal.
    """

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
        try:
            return self.app(environ, start_response)
        finally:
            # The background jobs run before the answer is read, as a worker would a moment later.
            jobs.drain(self.app)
            with self.lock:
                self.count -= 1

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count and time.monotonic() < deadline:
            time.sleep(0.05)


@contextmanager
def serving(app):
    """The app served on a free local port while the block runs; yields its base URL."""
    in_flight = InFlight(app)
    server = make_server("127.0.0.1", 0, in_flight, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    in_flight.wait_idle()
    server.shutdown()
    thread.join(timeout=10)
    in_flight.wait_idle()


@pytest.fixture
def live_server(live_app):
    """Base URL of the app served on a free local port for the duration of one test."""
    with serving(live_app) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, "admin")` signs a user (made with make_live_user) in through the login form."""
    def do(page, username, password=PASSWORD):
        page.goto(f"{live_server}/login")
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
    return do


@pytest.fixture
def make_live_user(live_app):
    def make(username, role="admin", agency=None):
        return create_test_user(live_app, username, role, agency)
    return make


@pytest.fixture
def screenshot():
    """Save a screenshot: under docs/screenshots/ (linked from the README) when
    QMSDOCS_UPDATE_SCREENSHOTS=1, else under tests/artifacts/screenshots/."""
    def take(page, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    return take
