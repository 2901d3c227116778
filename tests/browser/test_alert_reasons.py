"""How the procedure page reads: a circular lapsing with its law, a provincial decision of the
agency's own province, article-level citations, and upload warnings before storing."""

from __future__ import annotations

from datetime import date

TODAY = date.today().strftime("%d/%m/%Y")


def _world(live_app):
    from sqlalchemy import select

    from qmsdocs.agencies.models import Agency
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.db import session
    from qmsdocs.legal.services import create_document, record_change
    from qmsdocs.procedures.services import add_version, create_procedure
    from tests.docx_factory import make_docx

    with live_app.app_context():
        create_agency("STP", "Sở Tư pháp", "province", actor=SYSTEM)
        agency = session.scalar(select(Agency).where(Agency.code == "STP"))
        agency.province, agency.former_province = "Vĩnh Long", "Trà Vinh"
        for symbol, type_, issuer in (("45/2013/QH13", "Luật", "Quốc hội"), ("43/2014/NĐ-CP", "Nghị định", "Chính phủ"),
                                      ("23/2014/TT-BTNMT", "Thông tư", "Bộ TN&MT"),
                                      ("61/2018/NĐ-CP", "Nghị định", "Chính phủ")):
            create_document({"symbol": symbol, "type": type_, "title": f"{type_} {symbol}", "issuer": issuer},
                            actor=SYSTEM)
        for province in ("Trà Vinh", "Bến Tre"):
            create_document({"symbol": "25/2019/QĐ-UBND", "type": "Quyết định", "title": "Chứng thực",
                             "issuer": f"UBND tỉnh {province}"}, actor=SYSTEM)
        procedure = create_procedure("STP", "QT-01/STP", "Quy trình chứng thực", actor=SYSTEM)
        data = make_docx(code="QT-01/STP", revision="04", issued_on=TODAY, citations_text=[
            "- Thông tư số 23/2014/TT-BTNMT;",
            "- Theo khoản 2 Điều 7 của Nghị định 61/2018/NĐ-CP;",
            "- Quyết định số 25/2019/QĐ-UBND của UBND tỉnh;"])
        add_version(procedure, data, "QT-01.docx", actor=SYSTEM, max_bytes=10_000_000)
        for body in ({"symbol": "45/2013/QH13", "change": "detailed", "by": "43/2014/NĐ-CP"},
                     {"symbol": "43/2014/NĐ-CP", "change": "guided", "by": "23/2014/TT-BTNMT"},
                     {"symbol": "45/2013/QH13", "change": "replaced", "by": "31/2024/QH15"},
                     {"symbol": "61/2018/NĐ-CP", "change": "amended", "by": "107/2021/NĐ-CP", "articles": ["7.2"]}):
            record_change({"effective_on": "2024-08-01", **body}, actor=SYSTEM)
        session.commit()
        return procedure.id


def test_the_procedure_page_says_why_and_which_province(page, live_app, live_server, make_live_user, sign_in,
                                                         screenshot):
    procedure_id = _world(live_app)
    make_live_user("bientap", "editor", "STP")
    sign_in(page, "bientap")
    page.goto(f"{live_server}/procedures/{procedure_id}")
    alerts = page.locator("#canh-bao .alert")
    texts = [alerts.nth(i).inner_text() for i in range(alerts.count())]
    assert len(texts) == 2, texts
    # The amendment touching the clause the procedure cites is ranked first and says so.
    assert "khoản 2 Điều 7" in texts[0] and "ưu tiên cao" in texts[0]
    assert "Thông tư 23/2014/TT-BTNMT hết hiệu lực cùng Nghị định 43/2014/NĐ-CP mà nó hướng dẫn" in texts[1]
    entries = page.locator("#doi-chieu-danh-muc").inner_text()
    assert "Hết hiệu lực cùng Nghị định 43/2014/NĐ-CP mà văn bản này hướng dẫn" in entries
    assert "UBND tỉnh Trà Vinh" in entries and "Bến Tre" not in entries
    assert "(khoản 2 Điều 7)" in entries
    screenshot(page, "procedure-alert-reasons")


def test_upload_warnings_show_before_storing(page, live_app, live_server, make_live_user, sign_in, tmp_path):
    from tests.docx_factory import make_docx

    procedure_id = _world(live_app)
    make_live_user("bientap", "editor", "STP")
    sign_in(page, "bientap")
    older = tmp_path / "ban-cu.docx"
    older.write_bytes(make_docx(code="QT-01/STP", revision="03", issued_on="01/01/2024"))
    page.goto(f"{live_server}/procedures/{procedure_id}/upload")
    page.set_input_files("#file", str(older))
    page.locator("#confirm").wait_for(state="visible")
    warnings = page.locator("#c-warnings [data-warning]")
    codes = [warnings.nth(i).get_attribute("data-warning") for i in range(warnings.count())]
    assert codes == ["revision_not_advanced", "issue_date_not_advanced"]
    assert "Lần ban hành của tệp (03) không lớn hơn" in page.locator("#c-warnings").inner_text()
