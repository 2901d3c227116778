"""The home page first tells each role what to do next, with links to where it is done."""

from __future__ import annotations

import re

import pytest

from qmsdocs.demo.data import DEMO_PASSWORD
from tests.conftest import PASSWORD


def _steps(page: str) -> str:
    match = re.search(r'<section class="card next-steps" id="next-steps".*?</section>', page, re.S)
    assert match, "the home page has no next steps"
    return match.group(0)


@pytest.fixture
def demo(runner, app):
    from qmsdocs.agencies.services import get_agency
    from qmsdocs.auth.services import user_by_name
    from qmsdocs.db import session
    from qmsdocs.demo.docgen import ProcedureDocument, build_procedure
    from qmsdocs.procedures.services import add_version, get_procedure

    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    with app.app_context():
        get_agency("STNMT").approval_required = True
        data = build_procedure(ProcedureDocument(code="QT-01/STNMT", title="Quy trình cấp GCN",
                                                 agency_name="Sở Tài nguyên và Môi trường", revision="03"))
        add_version(get_procedure(1), data, "lan03.docx", note="Bản nháp", actor=user_by_name("bientap"),
                    max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()


def _home(client, username, password=DEMO_PASSWORD) -> str:
    client.post("/login", data={"username": username, "password": password})
    return client.get("/").get_data(as_text=True)


def test_an_editor_is_pointed_to_the_alerts_and_reviews_of_their_agency(client, demo):
    steps = _steps(_home(client, "bientap"))
    assert re.search(r'<a href="/alerts">\d+ cảnh báo của cơ quan bạn cần xử lý\.</a>', steps)
    assert "chờ bạn duyệt" not in steps


def test_an_approver_is_pointed_to_the_drafts_waiting(client, demo):
    steps = _steps(_home(client, "pheduyet"))
    assert '<a href="#drafts">1 bản nháp đang chờ bạn duyệt.</a>' in steps
    assert steps.index("chờ bạn duyệt") < steps.index("cảnh báo")


def test_a_viewer_is_pointed_to_search(client, demo):
    steps = _steps(_home(client, "xem"))
    assert 'href="/search"' in steps and "cảnh báo" not in steps


def test_an_admin_is_pointed_to_the_province(client, demo, make_user):
    make_user("quantri", "admin")
    steps = _steps(_home(client, "quantri", PASSWORD))
    assert "bản nháp trong tỉnh đang chờ duyệt" in steps and "trên toàn tỉnh" in steps
    assert 'href="/reports/coverage"' in steps


def test_next_steps_read_in_english_with_plurals(client, demo):
    client.post("/login", data={"username": "pheduyet", "password": DEMO_PASSWORD})
    client.get("/lang/en")
    steps = _steps(client.get("/").get_data(as_text=True))
    assert "1 draft is waiting for your approval." in steps
