"""Every list page and list API: paged, never a 500 on a bad page number, and as many queries for 5 rows as for
50 (no N+1)."""

from __future__ import annotations

import re

import pytest

from qmsdocs import jobs
from qmsdocs.db import session
from tests.conftest import PASSWORD, statements_run

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
    jobs.drain(app)  # the index catches up first: its work is not the list's
    with statements_run(app) as statements:
        response = client.get(path, headers=headers)
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

    # A first use of the token is recorded aside (at most once a minute): not part of any list's cost.
    assert api.client.get("/api/v1/agencies", headers=api.headers).status_code == 200
    _grow(app, 0, 5)
    few = measure()
    _grow(app, 5, 50)
    return few, measure()


@pytest.mark.parametrize("path", LISTS)
def test_a_list_costs_the_same_queries_for_5_and_50_rows(counted, path):
    few, many = counted
    assert many[path] == few[path], f"{path}: {few[path]} queries for 5 rows, {many[path]} for 50"


API_LISTS = [path for path in LISTS if path.startswith("/api/")]
PAGE_LISTS = [path for path in LISTS if not path.startswith("/api/")]
BAD_PAGES = ["10^30", "99999999999999999999", "-3", "0", "abc"]


@pytest.fixture
def browser(app, make_user):
    make_user("quantri", "admin")
    client = app.test_client()
    assert client.post("/login", data={"username": "quantri", "password": PASSWORD}).status_code == 302
    return client


def _with(path: str, query: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{query}"


@pytest.mark.parametrize("path", API_LISTS)
def test_list_apis_answer_pages_with_total_page_and_per_page(app, admin_api, path):
    _grow(app, 0, 3)
    everything = admin_api.get(_with(path, "per_page=1000")).get_json()
    assert everything["total"] == len(everything["items"]) >= 3
    body = admin_api.get(_with(path, "per_page=2&page=2")).get_json()
    assert (body["total"], body["page"], body["per_page"]) == (everything["total"], 2, 2)
    assert body["items"] == everything["items"][2:4]


@pytest.mark.parametrize("path", API_LISTS)
@pytest.mark.parametrize("page", BAD_PAGES)
def test_list_apis_refuse_a_bad_page_number_with_a_json_400(admin_api, path, page):
    response = admin_api.get(_with(path, f"page={page}"))
    assert response.status_code == 400, (path, page, response.status_code)
    assert response.get_json()["error"]["code"] == "invalid_parameter"
    assert "'page'" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("path", ["/api/v1/alerts", "/api/v1/legal-documents", "/api/v1/legal-changes"])
def test_the_older_limit_and_offset_parameters_still_page(app, admin_api, path):
    _grow(app, 0, 3)
    everything = admin_api.get(path).get_json()
    body = admin_api.get(_with(path, "limit=1&offset=2")).get_json()
    assert (body["items"], body["total"], body["per_page"]) == (everything["items"][2:3], everything["total"], 1)


@pytest.mark.parametrize("path", PAGE_LISTS)
@pytest.mark.parametrize("page", BAD_PAGES)
def test_list_pages_never_fail_on_a_bad_page_number(browser, path, page):
    assert browser.get(_with(path, f"page={page}")).status_code == 200


def test_the_legal_list_pages_with_the_shared_pagination(app, browser):
    from qmsdocs.legal import routes

    _grow(app, 0, 3)
    routes.PAGE_SIZE, saved = 2, routes.PAGE_SIZE
    try:
        first = browser.get("/legal").get_data(as_text=True)
        second = browser.get("/legal?page=2").get_data(as_text=True)
    finally:
        routes.PAGE_SIZE = saved
    assert 'rel="next"' in first and 'aria-current="page">1<' in first
    assert 'rel="prev"' in second and 'aria-current="page">2<' in second
    listed = re.compile(r'href="/legal/\d+">([^<]+)</a>')
    assert len(listed.findall(first)) == len(listed.findall(second)) == 2
    assert not set(listed.findall(first)) & set(listed.findall(second))


def test_the_unknown_citations_count_matches_the_list_without_loading_its_rows(app, admin_api, make_procedure,
                                                                               make_docx):
    """The registry page's count equals the list's length, in a fixed number of queries whatever the rows."""
    from qmsdocs.legal import cited

    def counted() -> tuple[int, int, int]:
        with app.app_context():
            with statements_run(app) as seen:
                count = cited.unknown_citations_count()
            return count, len(seen), len(cited.unknown_citations())

    for number in range(3):
        procedure = make_procedure(code=f"QT-U{number}")
        cite = f"Căn cứ Nghị định {900 + number}/2030/NĐ-CP của Chính phủ."
        assert admin_api.upload(procedure["id"], make_docx(code=procedure["code"], paragraphs=[cite])).status_code == 201
    few = counted()
    for number in range(3, 12):
        procedure = make_procedure(code=f"QT-U{number}")
        cite = f"Căn cứ Nghị định {900 + number}/2030/NĐ-CP của Chính phủ."
        assert admin_api.upload(procedure["id"], make_docx(code=procedure["code"], paragraphs=[cite])).status_code == 201
    many = counted()
    assert few[0] == few[2] >= 3 and many[0] == many[2] == few[0] + 9
    assert many[1] == few[1], f"{few[1]} statements for {few[0]} keys, {many[1]} for {many[0]}"


def test_the_procedure_list_finds_words_typed_without_diacritics_and_takes_wildcards_literally(
        app, browser, make_agency):
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.procedures.services import create_procedure

    make_agency("UBND-X", "UBND xã An Trường", "commune")
    with app.app_context():
        create_procedure("UBND-X", "QT-HT-01", "Đăng ký khai sinh", actor=SYSTEM)
        create_procedure("UBND-X", "QT-HT-02", "Đăng ký kết hôn", actor=SYSTEM)
        create_procedure("UBND-X", "QT_100%", "Cấp bản sao trích lục", actor=SYSTEM)
        session.commit()

    def codes(query: str) -> set[str]:
        text = browser.get("/procedures?" + query).get_data(as_text=True)
        return {code for code in ("QT-HT-01", "QT-HT-02", "QT_100%") if code in text}

    assert codes("q=đăng ký") == {"QT-HT-01", "QT-HT-02"}
    assert codes("q=dang ky") == {"QT-HT-01", "QT-HT-02"}
    assert codes("q=ĐĂNG KÝ KHAI") == {"QT-HT-01"}
    assert codes("q=%25") == {"QT_100%"}            # % is a character, not "anything"
    assert codes("q=QT_") == {"QT_100%"}            # _ is a character, not "any one character"
    assert codes("q=qt-ht") == {"QT-HT-01", "QT-HT-02"}
