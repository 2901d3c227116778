"""The search page: one box, facets as filters, results with snippet, agency, TTHC, version and stale badge."""

from __future__ import annotations

import pytest

from qmsdocs import events
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure
from tests.conftest import PASSWORD


@pytest.fixture
def signed_in(client, make_user, make_agency):
    make_agency("VP", "Văn phòng UBND tỉnh")
    make_user("xem", "viewer", agency="VP")
    client.post("/login", data={"username": "xem", "password": PASSWORD})
    return client


@pytest.fixture
def land(app, make_procedure, admin_api, make_docx):
    procedure = make_procedure(agency="STNMT", code="QT-01/STNMT", title="Cấp giấy chứng nhận quyền sử dụng đất",
                               field="Đất đai", admin_procedures=["1.004227"])
    admin_api.upload(procedure["id"], make_docx(paragraphs=["Tiếp nhận hồ sơ theo Nghị định 61/2018/NĐ-CP."]))
    with app.app_context():
        stale = session.get(Procedure, procedure["id"])
        stale.open_alerts = 1
        events.procedure_changed.send(stale)
        session.commit()
    return procedure["id"]


def test_page_needs_sign_in(client):
    response = client.get("/search?q=đất")
    assert response.status_code in (302, 401)


def test_empty_page_shows_the_box(signed_in):
    response = signed_in.get("/search")
    assert response.status_code == 200
    assert 'name="q"' in response.text


def test_results_show_snippet_agency_tthc_version_and_stale_badge(signed_in, land):
    page = signed_in.get("/search?q=nghi+dinh+61/2018/nd-cp").text
    assert f'href="/procedures/{land}"' in page
    assert "Cấp giấy chứng nhận quyền sử dụng đất" in page
    assert "<mark>61/2018/NĐ-CP</mark>" in page
    assert "<mark>Nghị</mark> <mark>định</mark>" in page
    assert "1.004227" in page
    assert "Cơ quan STNMT" in page
    assert "Hiện hành: phiên bản 1" in page
    assert "badge-stale" in page


def test_facets_are_links_that_filter(signed_in, land, make_procedure):
    make_procedure(agency="STP", code="QT-02/STP", title="Cấp phiếu lý lịch tư pháp")
    page = signed_in.get("/search?q=cấp").text
    assert "/search?q=c%E1%BA%A5p&amp;agency=STNMT" in page or "agency=STNMT" in page
    filtered = signed_in.get("/search?q=cấp&agency=STP").text
    assert "Cấp phiếu lý lịch tư pháp" in filtered
    assert "quyền sử dụng đất" not in filtered


def test_history_checkbox_searches_old_versions(signed_in, land, admin_api, make_docx):
    admin_api.upload(land, make_docx(paragraphs=["Nội dung mới không còn căn cứ cũ."]))
    assert "Khớp ở phiên bản 1" not in signed_in.get("/search?q=61/2018/NĐ-CP").text
    page = signed_in.get("/search?q=61/2018/NĐ-CP&include_history=1").text
    assert "Khớp ở phiên bản 1" in page
    assert "Hiện hành: phiên bản 2" in page


def test_odd_input_is_answered_on_the_page_not_with_a_crash(signed_in, land):
    assert signed_in.get('/search?q="((( AND').status_code == 200
    response = signed_in.get("/search?q=" + "đất+" * 3000)
    assert response.status_code == 400
    assert "tối đa" in response.text
    assert signed_in.get("/search?q=đất&level=moon").status_code == 400


def test_query_text_is_escaped_in_the_page(signed_in, land):
    page = signed_in.get("/search?q=<script>alert(1)</script>").text
    assert "<script>alert(1)</script>" not in page
