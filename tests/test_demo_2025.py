"""`qms demo --scenario 2025`: the merged province built through export, import-archive and reorganize."""

from __future__ import annotations

from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure


def test_demo_2025_builds_the_merged_province_with_its_history(app, runner, client):
    result = runner.invoke(args=["qms", "demo", "--scenario", "2025"])
    assert result.exit_code == 0, result.output
    assert "tỉnh Trà Vinh (cũ)" in result.output and "cặp trùng" in result.output
    with app.app_context():
        active = {a.code: a for a in session.scalars(select(Agency).where(Agency.active.is_(True)))}
        assert not any(a.level == "district" for a in active.values()), "the district level is abolished"
        assert active["UBND-TINH"].name == "Ủy ban nhân dân tỉnh Vĩnh Long"
        formers = {a.former_province for a in session.scalars(select(Agency)) if a.former_province}
        assert formers == {"Trà Vinh", "Bến Tre", "Vĩnh Long"}
        births = list(session.scalars(select(Procedure).join(Agency).where(Agency.code == "XA-ANTRUONG")
                                      .order_by(Procedure.code)))
        assert [p.code for p in births] == ["QT-HKD-01", "QT-HT-01", "QT-HT-01-XA-ANTRUONG-A-TV"]
        assert all(p.open_alerts >= 1 for p in births)
        assert all(len(p.versions) >= 1 for p in births)
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    login = client.post("/login", data={"username": "admin", "password": "demo-qms-2019"})
    assert login.status_code == 302
    page = client.get("/search?q=UBND-CL-TV").get_data(as_text=True)
    assert "Trước đây:" in page
    again = runner.invoke(args=["qms", "demo", "--scenario", "2025"])
    assert again.exit_code == 0 and "đã có" in again.output
