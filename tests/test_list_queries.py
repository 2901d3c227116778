"""Every list page and list API costs the same number of queries for 5 rows as for 50 (no N+1)."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from qmsdocs.db import get_engine, session
from tests.conftest import PASSWORD

LISTS = [
    "/legal",
    "/alerts",
    "/reports",
    "/reports/assessments?year=2024",
    "/admin-procedures",
    "/procedures",
    "/api/v1/alerts",
    "/api/v1/legal-documents",
    "/api/v1/legal-changes",
    "/api/v1/procedures",
    "/api/v1/admin-procedures",
]


def _grow(app, start: int, end: int) -> None:
    """Rows of every listed kind, numbered start..end-1: agencies, procedures with a TTHC and a review alert,
    legal documents with aliases and a change each, an assessment for every other agency."""
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.alerts.services import open_review_alert
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.catalog.records import parse_record
    from qmsdocs.catalog.services import apply_record
    from qmsdocs.legal.services import create_document, record_change
    from qmsdocs.procedures.services import create_procedure
    from qmsdocs.reports.services import record_assessment

    with app.app_context():
        for number in range(start, end):
            agency = create_agency(f"CQ{number:02d}", f"Cơ quan số {number}", "province", actor=SYSTEM)
            code = f"1.{number:06d}"
            apply_record(parse_record({"code": code, "name": f"Thủ tục số {number}", "levels": "province"}),
                         source="test", actor=SYSTEM)
            procedure = create_procedure(agency.code, f"QT-{number:02d}", f"Quy trình số {number}",
                                         admin_procedures=[code], actor=SYSTEM)
            open_review_alert(procedure, "Rà soát định kỳ", actor=SYSTEM)
            create_document({"symbol": f"{number + 1}/2024/NĐ-CP", "title": f"Nghị định số {number}",
                             "aliases": f"Nghị định thử {number}"}, actor=SYSTEM)
            record_change({"symbol": f"{number + 1}/2024/NĐ-CP", "change": "repealed",
                           "by": f"{number + 101}/2025/NĐ-CP", "effective_on": "2025-01-01"}, actor=SYSTEM)
            if number % 2:  # every other agency is left unassessed, listed from its state at the year's end
                record_assessment(agency, 2024, qms_built=True, qms_applied=True, classification="good",
                                  actor=SYSTEM)
        session.commit()


def _queries(app, client, path: str, headers: dict) -> int:
    statements = []
    with app.app_context():
        engine = get_engine()

    def count(*_args):
        statements.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(path, headers=headers)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


@pytest.fixture
def counted(app, make_user, api_as):
    """(queries for each list with 5 rows, queries with 50 rows)."""
    make_user("quantri", "admin")
    browser = app.test_client()
    assert browser.post("/login", data={"username": "quantri", "password": PASSWORD}).status_code == 302
    api = api_as("admin")

    def measure() -> dict[str, int]:
        return {path: _queries(app, api.client if path.startswith("/api/") else browser, path,
                               api.headers if path.startswith("/api/") else {}) for path in LISTS}

    _grow(app, 0, 5)
    few = measure()
    _grow(app, 5, 50)
    return few, measure()


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_queries_for_5_and_50_rows(counted, path):
    few, many = counted
    assert many[path] == few[path], f"{path}: {few[path]} queries for 5 rows, {many[path]} for 50"
