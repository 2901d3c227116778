"""Each alert rule opens what it should, once, and resolves when a new version removes the cause."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from qmsdocs import events
from qmsdocs.alerts import services
from qmsdocs.alerts.models import Alert
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure

TODAY = date.today()
RECENT = TODAY.strftime("%d/%m/%Y")
LAND_2013 = "- Luật Đất đai số 45/2013/QH13 ngày 29/11/2013;"
LAND_2024 = "- Luật Đất đai số 31/2024/QH15 ngày 18/01/2024;"
DECREE_61 = "- Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về cơ chế một cửa;"
DECREE_107 = "- Nghị định số 107/2021/NĐ-CP sửa đổi, bổ sung Nghị định số 61/2018/NĐ-CP;"


@pytest.fixture
def procedure(make_procedure):
    return make_procedure(agency="STNMT", code="QT-01/STNMT", title="Quy trình cấp Giấy chứng nhận lần đầu")


@pytest.fixture
def upload(admin_api, make_docx):
    def do(procedure_id, *citations, issued_on=RECENT, revision="01"):
        data = make_docx(code="QT-01/STNMT", revision=revision, issued_on=issued_on, citations_text=list(citations))
        response = admin_api.upload(procedure_id, data)
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return do


@pytest.fixture
def register(admin_api):
    def do(symbol, title="Văn bản", **fields):
        response = admin_api.post("/api/v1/legal-documents", json={"symbol": symbol, "type": fields.pop("type", "Luật"),
                                                                   "title": title, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return do


@pytest.fixture
def change(admin_api):
    def do(symbol, kind, by=None, effective_on="2024-08-01"):
        body = {"symbol": symbol, "change": kind, "effective_on": effective_on}
        if by:
            body["by"] = by
        response = admin_api.post("/api/v1/legal-changes", json=body)
        assert response.status_code in (200, 201), response.get_json()
        return response.get_json()
    return do


def alerts(app, procedure_id, *, rule=None, status=None):
    with app.app_context():
        query = select(Alert).where(Alert.procedure_id == procedure_id).order_by(Alert.id)
        if rule:
            query = query.where(Alert.rule == rule)
        if status:
            query = query.where(Alert.status == status)
        return [(a.rule, a.status, a.upcoming, a.legal_document.symbol if a.legal_document else None)
                for a in session.scalars(query)]


def open_count(app, procedure_id):
    with app.app_context():
        return session.get(Procedure, procedure_id).open_alerts


def test_replaced_law_opens_one_alert_per_citing_procedure(app, procedure, upload, register, change):
    upload(procedure["id"], LAND_2013, DECREE_61)
    register("45/2013/QH13", "Luật Đất đai")
    result = change("45/2013/QH13", "replaced", by="31/2024/QH15")
    assert result["alerts_opened"] == 1
    assert alerts(app, procedure["id"]) == [("legal_change", "open", False, "45/2013/QH13")]
    assert open_count(app, procedure["id"]) == 1


def test_replacement_alert_resolves_when_new_version_cites_the_replacement(app, procedure, upload, register, change):
    upload(procedure["id"], LAND_2013)
    register("45/2013/QH13", "Luật Đất đai")
    change("45/2013/QH13", "replaced", by="31/2024/QH15")
    upload(procedure["id"], LAND_2013, LAND_2024, revision="02")
    assert alerts(app, procedure["id"]) == [("legal_change", "resolved", False, "45/2013/QH13")]
    assert open_count(app, procedure["id"]) == 0


def test_repealed_document_alert_resolves_when_no_longer_cited(app, procedure, upload, register, change):
    upload(procedure["id"], LAND_2013, DECREE_61)
    change("45/2013/QH13", "repealed", by="31/2024/QH15")
    upload(procedure["id"], DECREE_61, revision="02")
    with app.app_context():
        alert = session.scalar(select(Alert).where(Alert.procedure_id == procedure["id"]))
        assert alert.status == "resolved"
        assert "không còn viện dẫn" in alert.resolution


def test_amended_document_alert_needs_the_amending_document(app, procedure, upload, change):
    upload(procedure["id"], DECREE_61)
    change("61/2018/NĐ-CP", "amended", by="107/2021/NĐ-CP", effective_on="2021-12-06")
    upload(procedure["id"], DECREE_61, LAND_2024, revision="02")
    assert alerts(app, procedure["id"], status="open") == [("legal_change", "open", False, "61/2018/NĐ-CP")]
    upload(procedure["id"], DECREE_61, DECREE_107, revision="03")
    assert alerts(app, procedure["id"]) == [("legal_change", "resolved", False, "61/2018/NĐ-CP")]


def test_a_version_that_already_cites_the_amendment_gets_no_alert(app, procedure, upload, change):
    upload(procedure["id"], DECREE_61, DECREE_107)
    assert change("61/2018/ND-CP", "amended", by="107/2021/ND-CP")["alerts_opened"] == 0
    assert alerts(app, procedure["id"]) == []


def test_expired_and_partially_expired_documents_raise_alerts(app, procedure, upload, change, make_procedure):
    other = make_procedure(agency="STNMT", code="QT-02/STNMT", title="Quy trình khác")
    upload(procedure["id"], LAND_2013)
    upload(other["id"], DECREE_61)
    assert change("45/2013/QH13", "expired")["alerts_opened"] == 1
    assert change("61/2018/NĐ-CP", "partially_expired", by="107/2021/NĐ-CP")["alerts_opened"] == 1
    assert alerts(app, procedure["id"])[0][:2] == ("legal_change", "open")
    assert alerts(app, other["id"])[0][:2] == ("legal_change", "open")


def test_guidance_is_recorded_without_alerting(app, procedure, upload, change, admin_api):
    upload(procedure["id"], DECREE_61)
    recorded = change("61/2018/NĐ-CP", "guided", by="01/2018/TT-VPCP", effective_on="2018-07-01")
    assert (recorded["created"], recorded["alerts_opened"]) == (True, 0)
    history = admin_api.get("/api/v1/legal-changes", query_string={"symbol": "61/2018/NĐ-CP"}).get_json()["items"]
    assert [(c["change"], c["by"], c["effective_on"]) for c in history] == [("guided", "01/2018/TT-VPCP", "2018-07-01")]
    document = admin_api.get("/api/v1/legal-documents/61/2018/NĐ-CP").get_json()
    assert document["status"] == "in_force"
    assert [c["id"] for c in document["changes"]] == [recorded["id"]]
    assert admin_api.get("/api/v1/legal-documents/01/2018/TT-VPCP").status_code == 200
    assert alerts(app, procedure["id"]) == [] and open_count(app, procedure["id"]) == 0


def test_citation_in_a_superseded_version_does_not_count(app, procedure, upload, change):
    upload(procedure["id"], LAND_2013)
    upload(procedure["id"], LAND_2024, revision="02")
    assert change("45/2013/QH13", "replaced", by="31/2024/QH15")["alerts_opened"] == 0
    assert alerts(app, procedure["id"]) == []


def test_citation_in_a_draft_waiting_for_approval_does_not_count(app, procedure, upload, change, api_as, make_docx):
    """Only the approved current version counts: a pending draft citing the old law raises nothing."""
    from qmsdocs.agencies.models import Agency

    upload(procedure["id"], LAND_2024)
    with app.app_context():
        session.scalar(select(Agency).where(Agency.code == "STNMT")).approval_required = True
        session.commit()
    editor = api_as("editor", agency="STNMT")
    draft = editor.upload(procedure["id"], make_docx(code="QT-01/STNMT", revision="02", issued_on=RECENT,
                                                     citations_text=[LAND_2013]))
    assert draft.status_code == 201 and draft.get_json()["state"] == "pending", draft.get_json()
    assert change("45/2013/QH13", "replaced", by="31/2024/QH15")["alerts_opened"] == 0
    assert alerts(app, procedure["id"]) == []
    with app.app_context():
        assert services.evaluate_all(actor=SYSTEM).opened == 0


def test_recording_the_same_change_twice_never_duplicates(app, procedure, upload, change, admin_api):
    upload(procedure["id"], LAND_2013)
    first = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                          "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    again = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                          "by": "31/2024/QH15", "effective_on": "01/08/2024"})
    assert (first.status_code, first.get_json()["alerts_opened"]) == (201, 1)
    assert (again.status_code, again.get_json()["alerts_opened"]) == (200, 0)
    with app.app_context():
        assert services.evaluate_all(actor=SYSTEM).opened == 0
        services.evaluate_all(actor=SYSTEM)
        session.commit()
    assert len(alerts(app, procedure["id"])) == 1


def test_future_change_opens_upcoming_alert_that_takes_effect_later(app, procedure, upload, change):
    upload(procedure["id"], DECREE_61)
    later = TODAY + timedelta(days=40)
    assert change("61/2018/NĐ-CP", "replaced", by="118/2025/NĐ-CP", effective_on=later.isoformat())["alerts_opened"] == 1
    assert alerts(app, procedure["id"]) == [("legal_change", "open", True, "61/2018/NĐ-CP")]
    with app.app_context():
        from qmsdocs.legal.models import LegalDocument

        assert session.scalar(select(LegalDocument.status).where(LegalDocument.key == "61/2018/ND-CP")) == "in_force"
        report = services.evaluate_all(actor=SYSTEM, today=later)
        session.commit()
        assert report.took_effect == 1
        assert session.scalar(select(LegalDocument.status).where(LegalDocument.key == "61/2018/ND-CP")) == "expired"
    assert alerts(app, procedure["id"]) == [("legal_change", "open", False, "61/2018/NĐ-CP")]


def test_citing_a_document_not_yet_in_force_or_suspended(app, procedure, upload, register, admin_api):
    register("31/2024/QH15", "Luật Đất đai", status="Chưa có hiệu lực", effective_on="2099-08-01")
    upload(procedure["id"], LAND_2024)
    assert alerts(app, procedure["id"]) == [("not_in_force", "open", False, "31/2024/QH15")]
    response = admin_api.client.patch("/api/v1/legal-documents/31/2024/QH15", json={
        "status": "Còn hiệu lực", "effective_on": "2024-08-01"}, headers=admin_api.headers)
    assert response.status_code == 200, response.get_json()
    assert alerts(app, procedure["id"]) == [("not_in_force", "resolved", False, "31/2024/QH15")]
    response = admin_api.client.patch("/api/v1/legal-documents/31/2024/QH15", json={"status": "Ngưng hiệu lực"},
                                      headers=admin_api.headers)
    assert response.status_code == 200
    assert alerts(app, procedure["id"], status="open") == [("not_in_force", "open", False, "31/2024/QH15")]
    assert open_count(app, procedure["id"]) == 1


def test_review_overdue_uses_agency_default_and_resolves_with_a_recorded_review(app, procedure, upload, admin_api):
    upload(procedure["id"], DECREE_61, issued_on="05/03/2019")
    assert alerts(app, procedure["id"]) == [("review_overdue", "open", False, None)]
    response = admin_api.post(f"/api/v1/procedures/{procedure['id']}/reviews", json={"note": "Vẫn phù hợp"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["alerts_resolved"] == 1
    assert alerts(app, procedure["id"]) == [("review_overdue", "resolved", False, None)]
    with app.app_context():
        assert services.evaluate_all(actor=SYSTEM).opened == 0


def test_review_overdue_follows_the_procedure_interval(app, make_procedure, upload):
    long_interval = make_procedure(agency="STNMT", code="QT-09", title="Rà soát 10 năm", review_interval_months=120)
    upload(long_interval["id"], DECREE_61, issued_on="05/03/2019")
    assert alerts(app, long_interval["id"]) == []


def test_review_overdue_resolves_with_a_new_version(app, procedure, upload):
    upload(procedure["id"], DECREE_61, issued_on="05/03/2019")
    upload(procedure["id"], DECREE_61, DECREE_107, revision="02", issued_on="05/03/2019")
    assert alerts(app, procedure["id"]) == [("review_overdue", "resolved", False, None)]


def test_admin_procedure_change_alerts_linked_procedures_once(app, make_procedure, upload):
    linked = make_procedure(agency="STNMT", code="QT-03", title="Đăng ký biến động", admin_procedures=["1.004199"])
    make_procedure(agency="STNMT", code="QT-04", title="Không liên quan", admin_procedures=["1.000001"])
    upload(linked["id"], DECREE_61)
    with app.app_context():
        opened = services.raise_admin_procedure_change("1.004199", "changed", effective_on=TODAY,
                                                       description="Sửa thành phần hồ sơ.", actor=SYSTEM)
        again = services.raise_admin_procedure_change("1.004199", "changed", effective_on=TODAY,
                                                      description="Sửa thành phần hồ sơ.", actor=SYSTEM)
        session.commit()
    assert (opened, again) == (1, 0)
    assert alerts(app, linked["id"]) == [("admin_procedure", "open", False, None)]
    upload(linked["id"], DECREE_61, DECREE_107, revision="02")
    assert alerts(app, linked["id"], rule="admin_procedure") == [("admin_procedure", "resolved", False, None)]


def test_abolished_admin_procedure_and_bad_input(app, make_procedure):
    from qmsdocs.errors import InvalidInput

    make_procedure(agency="STNMT", code="QT-03", title="Đăng ký", admin_procedures=["1.004199"])
    with app.app_context():
        assert services.raise_admin_procedure_change("1.004199", "abolished", effective_on=TODAY + timedelta(days=9),
                                                     description="") == 1
        with pytest.raises(InvalidInput):
            services.raise_admin_procedure_change("1.004199", "renamed", effective_on=TODAY, description="")
        alert = session.scalar(select(Alert))
        assert alert.upcoming and "bãi bỏ" in alert.message


def test_open_review_alert_is_idempotent_while_active(app, procedure):
    with app.app_context():
        proc = session.get(Procedure, procedure["id"])
        first = services.open_review_alert(proc, "Chuyển sang cơ quan kế thừa", actor=SYSTEM)
        second = services.open_review_alert(proc, "Chuyển sang cơ quan kế thừa", actor=SYSTEM)
        session.commit()
        assert first is not None and second.id == first.id
        assert proc.open_alerts == 1
        assert [a.id for a in services.alerts_for_procedure(proc.id)] == [first.id]


def test_open_count_change_is_signalled_for_search(app, procedure, upload, change):
    upload(procedure["id"], LAND_2013)
    seen = []

    def receiver(sender, **_kw):
        seen.append((sender.id, sender.open_alerts))

    events.procedure_changed.connect(receiver)
    try:
        change("45/2013/QH13", "replaced", by="31/2024/QH15")
    finally:
        events.procedure_changed.disconnect(receiver)
    assert (procedure["id"], 1) in seen


def test_retiring_a_procedure_resolves_its_alerts(app, procedure, upload, change, admin_api):
    upload(procedure["id"], LAND_2013)
    change("45/2013/QH13", "replaced", by="31/2024/QH15")
    response = admin_api.post(f"/api/v1/procedures/{procedure['id']}/retire", json={"reason": "Sáp nhập"})
    assert response.status_code == 200, response.get_json()
    assert alerts(app, procedure["id"]) == [("legal_change", "resolved", False, "45/2013/QH13")]
    assert open_count(app, procedure["id"]) == 0


def test_every_transition_is_audited(app, procedure, upload, change):
    upload(procedure["id"], LAND_2013)
    change("45/2013/QH13", "replaced", by="31/2024/QH15")
    upload(procedure["id"], LAND_2024, revision="02")
    with app.app_context():
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "alert")).all()
        assert actions == ["alert.open", "alert.resolve"]
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_citation_by_name_resolves_through_an_alias(app, procedure, upload, register, change):
    register("31/2024/QH15", "Luật Đất đai", aliases=["Luật Đất đai 2024"])
    upload(procedure["id"], "- Luật Đất đai 2024 và các văn bản hướng dẫn;")
    assert change("31/2024/QH15", "amended", by="43/2024/QH15", effective_on="2024-08-01")["alerts_opened"] == 1
