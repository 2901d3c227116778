"""An approver signs in, sees the alert a law change raised, and acknowledges it."""

from __future__ import annotations

from datetime import date


def _stale_procedure(live_app):
    """STNMT procedure citing the 2013 land law, then the law's replacement recorded: one open alert."""
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.db import session
    from qmsdocs.legal.services import record_change
    from qmsdocs.procedures.services import add_version, create_procedure
    from tests.docx_factory import make_docx

    with live_app.app_context():
        create_agency("STNMT", "Sở Tài nguyên và Môi trường", "province", actor=SYSTEM)
        procedure = create_procedure("STNMT", "QT-01/STNMT", "Quy trình cấp Giấy chứng nhận quyền sử dụng đất",
                                     actor=SYSTEM)
        data = make_docx(code="QT-01/STNMT", issued_on=date.today().strftime("%d/%m/%Y"),
                         citations_text=["- Luật Đất đai số 45/2013/QH13 ngày 29/11/2013;"])
        add_version(procedure, data, "QT-01.docx", actor=SYSTEM, max_bytes=10_000_000)
        result = record_change({"symbol": "45/2013/QH13", "change": "replaced", "by": "31/2024/QH15",
                                "effective_on": "2024-08-01"}, actor=SYSTEM)
        session.commit()
        assert result.alerts_opened == 1
        return procedure.id


def alert_counts(page) -> dict[str, dict[str, str]]:
    """The summary table as {agency: {column heading: cell}}, read from what the browser shows."""
    table = page.locator("#alert-counts")
    headings = [text.strip() for text in table.locator("thead th").all_inner_texts()]
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [text.strip() for text in row.locator("td").all_inner_texts()]
        rows[cells[0]] = dict(zip(headings[1:], cells[1:]))
    return rows


def test_approver_acknowledges_an_alert_on_the_dashboard(page, live_app, live_server, make_live_user, sign_in,
                                                         screenshot):
    procedure_id = _stale_procedure(live_app)
    make_live_user("pheduyet", "approver", "STNMT")
    sign_in(page, "pheduyet")
    page.goto(f"{live_server}/alerts")
    row = page.locator("tr[data-alert-id]").first
    assert "QT-01/STNMT" in row.inner_text()
    assert "45/2013/QH13" in row.inner_text()
    counts = alert_counts(page)
    assert list(counts) == ["Sở Tài nguyên và Môi trường"]
    by_rule = counts["Sở Tài nguyên và Môi trường"]
    assert (by_rule.pop("Văn bản thay đổi"), by_rule.pop("Tổng")) == ("1", "1")
    assert set(by_rule.values()) == {""}, by_rule  # no other rule counted
    screenshot(page, "alerts-dashboard")
    row.locator("button[data-action=acknowledge]").click()
    page.wait_for_load_state("networkidle")
    assert "Đã tiếp nhận cảnh báo" in page.locator("main").inner_text()
    assert "Đang xử lý" in page.locator("tr[data-alert-id] .alert-status").first.inner_text()
    page.goto(f"{live_server}/procedures/{procedure_id}")
    assert "45/2013/QH13" in page.locator("main").inner_text()
