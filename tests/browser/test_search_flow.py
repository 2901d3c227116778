"""An official searches without diacritics, narrows by a facet, and opens the procedure."""

from __future__ import annotations

from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session


def test_search_without_diacritics_filter_by_facet_and_open(page, live_app, live_server, make_live_user, sign_in,
                                                           screenshot):
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.procedures.models import Procedure
    from qmsdocs.procedures.services import add_version, create_procedure
    from tests.docx_factory import make_docx

    with live_app.app_context():
        create_agency("STNMT", "Sở Tài nguyên và Môi trường", "province", actor=SYSTEM)
        create_agency("UBND-AT", "Uỷ ban nhân dân xã An Trường", "commune", actor=SYSTEM)
        for agency, code, title, text in (
            ("STNMT", "QT-01/STNMT", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu",
             "Tiếp nhận hồ sơ đăng ký đất đai theo Nghị định số 43/2014/NĐ-CP."),
            ("UBND-AT", "QT-02/AT", "Xác nhận hồ sơ đất đai tại xã",
             "Xác nhận nguồn gốc đất đai theo Luật Đất đai số 45/2013/QH13."),
        ):
            procedure = create_procedure(agency, code, title, field="Đất đai", actor=SYSTEM)
            session.flush()
            add_version(procedure, make_docx(code=code, paragraphs=[text]), "qt.docx", actor=SYSTEM,
                        max_bytes=10_000_000)
        session.commit()
        commune_id = session.query(Procedure.id).filter(Procedure.code == "QT-02/AT").scalar()

    make_live_user("canbo", "viewer", agency="UBND-AT")
    sign_in(page, "canbo")
    page.goto(f"{live_server}/search")
    page.fill("#q", "dat dai")
    page.click(".search-box button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "Tìm thấy 2 quy trình" in page.locator("#results-heading").inner_text()
    assert page.locator(".snippet mark").count() >= 2
    assert page.locator(".snippet mark").first.inner_text().lower() in ("đất", "đai")
    screenshot(page, "search-results")

    page.click(".facets a:has-text('Cấp xã')")
    page.wait_for_load_state("networkidle")
    assert "Tìm thấy 1 quy trình" in page.locator("#results-heading").inner_text()
    page.click(".search-hit h3 a")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith(f"/procedures/{commune_id}")
