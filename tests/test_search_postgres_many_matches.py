"""The PostgreSQL backend when plain words match very many records (above LEADING_ONLY_ABOVE).

Only the records whose title and meta hold every word are ranked, and come first; the others
follow by agency and code. The count and the facets stay those of every match. The limit is
10,000 matches; here it is lowered so that a handful of procedures cross it.
"""

from __future__ import annotations

import pytest

from qmsdocs.search import postgres_backend

BODY = ["Bộ phận một cửa tiếp nhận hồ sơ và trả kết quả theo quy định."]


@pytest.fixture
def corpus(app, make_procedure, admin_api, make_docx):
    if app.config["SEARCH_BACKEND"] != "postgres":
        pytest.skip("PostgreSQL search backend only (QMSDOCS_TEST_SEARCH_BACKEND=postgres)")

    def add(agency, code, title, paragraphs=BODY):
        procedure = make_procedure(agency=agency, code=code, title=title)
        response = admin_api.upload(procedure["id"], make_docx(code=code, paragraphs=paragraphs))
        assert response.status_code == 201, response.get_json()
        return procedure["id"]

    return {
        "twice": add("STP", "QT-02/STP", "Tiếp nhận hồ sơ, tiếp nhận hồ sơ bổ sung khiếu nại"),
        "once": add("STP", "QT-05/STP", "Tiếp nhận hồ sơ đăng ký"),
        "body_stp": add("STP", "QT-03/STP", "Cấp phiếu lý lịch tư pháp"),
        "some_words": add("SXD", "QT-01/SXD", "Cấp giấy phép xây dựng: hồ sơ"),
        "body_snv": add("SNV", "QT-04/SNV", "Thẩm định đề án"),
        "unrelated": add("SNV", "QT-09/SNV", "Cấp giấy phép", ["Nội dung khác hẳn."]),
    }


@pytest.fixture
def search(admin_api):
    def search(**params):
        response = admin_api.get("/api/v1/search", query_string={"q": "tiếp nhận hồ sơ", **params})
        assert response.status_code == 200, response.get_json()
        return response.get_json()
    return search


def ids(result):
    return [hit["procedure_id"] for hit in result["hits"]]


def facet(result, name):
    return {value["value"]: value["count"] for value in result["facets"][name]}


def test_above_the_limit_title_and_meta_matches_lead_and_the_rest_follow_by_agency_and_code(
        corpus, search, monkeypatch):
    every_match = search()
    assert every_match["total"] == 5
    # Within the limit every match is ranked: a title holding some of the words ranks above the text alone.
    assert ids(every_match)[:3] == [corpus["twice"], corpus["once"], corpus["some_words"]]

    monkeypatch.setattr(postgres_backend, "LEADING_ONLY_ABOVE", 2)
    many = search()
    assert many["total"] == 5
    assert ids(many) == [corpus["twice"], corpus["once"],  # every word in the title, ranked
                         corpus["body_snv"], corpus["body_stp"], corpus["some_words"]]  # SNV, STP, SXD
    assert many["hits"][0]["score"] > many["hits"][1]["score"] > 0
    assert [hit["score"] for hit in many["hits"][2:]] == [0, 0, 0]
    for name in ("agency", "level", "status", "stale"):
        assert facet(many, name) == facet(every_match, name), name
    assert facet(many, "agency") == {"STP": 3, "SXD": 1, "SNV": 1}


def test_pages_cross_from_the_ranked_records_to_the_others_without_gap_or_repeat(corpus, search, monkeypatch):
    monkeypatch.setattr(postgres_backend, "LEADING_ONLY_ABOVE", 2)
    whole = ids(search())
    pages = [search(page=page, per_page=2) for page in (1, 2, 3)]
    assert [result["total"] for result in pages] == [5, 5, 5]
    assert sum((ids(result) for result in pages), []) == whole
    assert ids(search(page=1, per_page=1)) == [corpus["twice"]]
    assert ids(search(page=4, per_page=2)) == []


def test_filters_apply_to_the_ranked_records_and_to_the_others(corpus, search, monkeypatch):
    monkeypatch.setattr(postgres_backend, "LEADING_ONLY_ABOVE", 2)
    stp = search(agency="STP")
    assert stp["total"] == 3
    assert ids(stp) == [corpus["twice"], corpus["once"], corpus["body_stp"]]
    other = search(agency="SNV")
    assert (other["total"], ids(other)) == (1, [corpus["body_snv"]])  # within the limit: ranked as ever
    assert facet(search(level="province"), "agency") == {"STP": 3, "SXD": 1, "SNV": 1}


def test_facets_are_estimated_from_a_sample_and_the_count_stays_exact(corpus, search, monkeypatch):
    exact = search()
    monkeypatch.setattr(postgres_backend, "LEADING_ONLY_ABOVE", 2)
    monkeypatch.setattr(postgres_backend, "MANY_MATCHES_SAMPLE", 2)  # every second procedure or so, counted twice
    estimated = search()
    assert estimated["total"] == 5
    assert ids(estimated)[:2] == [corpus["twice"], corpus["once"]]
    for name in ("agency", "level", "status"):
        counts = facet(estimated, name)
        assert set(counts) <= set(facet(exact, name)), name
        assert all(count % 2 == 0 for count in counts.values()), counts
