"""GET /api/v1/search: what officials type finds the right procedures, on the configured backend.

CI runs this file twice: SQLite + Whoosh, and PostgreSQL + the postgres backend
(QMSDOCS_TEST_SEARCH_BACKEND=postgres).
"""

from __future__ import annotations

import unicodedata

import pytest

from qmsdocs import events
from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure

LAND = [
    "Quy trình này hướng dẫn cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình, cá nhân.",
    "Căn cứ Luật Đất đai số 45/2013/QH13 và Nghị định số 43/2014/NĐ-CP của Chính phủ.",
    "Thực hiện theo Nghị định số 61/2018/NĐ-CP về cơ chế một cửa, một cửa liên thông.",
]
JUSTICE = [
    "Quy trình hoà giải ở cơ sở và chứng thực bản sao từ bản chính.",
    "Căn cứ Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao.",
]
WATER = [
    "Quy trình cấp giấy phép khai thác thủy lợi; người dân khỏe mạnh; Ủy ban nhân dân xã xác nhận.",
    "Căn cứ Thông tư số 01/2018/TT-VPCP hướng dẫn thi hành Nghị định 61/2018/NĐ-CP.",
]


@pytest.fixture
def add(make_procedure, admin_api, make_docx):
    """Create a procedure with one uploaded version holding these paragraphs; returns its id."""
    def add(code, title, paragraphs, agency="STP", **extra):
        procedure = make_procedure(agency=agency, code=code, title=title, **extra)
        response = admin_api.upload(procedure["id"], make_docx(code=code, paragraphs=paragraphs))
        assert response.status_code == 201, response.get_json()
        return procedure["id"]
    return add


@pytest.fixture
def search(admin_api):
    def search(q="", expect=200, **params):
        response = admin_api.get("/api/v1/search", query_string={"q": q, **params})
        assert response.status_code == expect, response.get_json()
        return response.get_json()
    return search


def ids(result) -> list[int]:
    return [hit["procedure_id"] for hit in result["hits"]]


@pytest.fixture
def corpus(add, make_agency):
    make_agency("UBND-AT", "Uỷ ban nhân dân xã An Trường", "commune")
    return {
        "land": add("QT-01/STNMT", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", LAND, agency="STNMT",
                    field="Đất đai", admin_procedures=["1.004227"]),
        "justice": add("QT-02/STP", "Chứng thực bản sao từ bản chính", JUSTICE, field="Chứng thực",
                       admin_procedures=["2.000815"]),
        "water": add("QT-03/AT", "Xác nhận hồ sơ thủy lợi", WATER, agency="UBND-AT", field="Thuỷ lợi"),
    }


def test_answer_has_the_documented_shape(corpus, search):
    result = search("đất")
    assert set(result) >= {"total", "hits", "facets"}
    hit = result["hits"][0]
    assert {"procedure_id", "code", "title", "agency", "version", "score", "snippet"} <= set(hit)
    assert hit["procedure_id"] == corpus["land"]
    assert hit["code"] == "QT-01/STNMT"
    assert hit["agency"] == "STNMT"
    assert hit["version"] == 1 and hit["current_version"] == 1
    assert hit["url"] == f"/procedures/{corpus['land']}"
    assert set(result["facets"]) == {"agency", "level", "field", "admin_procedure", "legal", "status", "stale",
                                     "former_province"}
    assert result["facets"]["former_province"] == []  # a service of one province has nothing to group


def test_a_merged_province_filters_and_groups_by_former_province(add, make_agency, search):
    """Agencies brought in by a merger keep their former province; search filters and counts by it."""
    make_agency("STP-TV", "Sở Tư pháp (Trà Vinh cũ)", "province", former_province="Trà Vinh")
    make_agency("STP-BT", "Sở Tư pháp (Bến Tre cũ)", "province", former_province="Bến Tre")
    make_agency("STP-VL", "Sở Tư pháp", "province", province="Vĩnh Long")
    tra_vinh = add("QT-01/TV", "Chứng thực bản sao", JUSTICE, agency="STP-TV")
    ben_tre = add("QT-01/BT", "Chứng thực bản sao", JUSTICE, agency="STP-BT")
    vinh_long = add("QT-01/VL", "Chứng thực chữ ký", JUSTICE, agency="STP-VL")
    everything = search("chứng thực")
    assert set(ids(everything)) == {tra_vinh, ben_tre, vinh_long}
    assert {(f["value"], f["count"]) for f in everything["facets"]["former_province"]} == {
        ("Trà Vinh", 1), ("Bến Tre", 1), ("Vĩnh Long", 1)}
    assert ids(search("chứng thực", former_province="Trà Vinh")) == [tra_vinh]
    assert ids(search("chung thuc", former_province="tra vinh")) == [tra_vinh]  # typed without diacritics
    assert ids(search("", former_province="Vĩnh Long")) == [vinh_long]
    assert search("chứng thực", former_province="Hà Giang")["total"] == 0


@pytest.fixture
def three_former_provinces(add, make_agency):
    """Four agencies of three former provinces, each with a procedure on chứng thực."""
    make_agency("STP-TV", "Sở Tư pháp (Trà Vinh cũ)", "province", former_province="Trà Vinh")
    make_agency("UBND-TV", "UBND xã Long Hoà (Trà Vinh cũ)", "commune", former_province="Trà Vinh")
    make_agency("STP-BT", "Sở Tư pháp (Bến Tre cũ)", "province", former_province="Bến Tre")
    make_agency("STP-VL", "Sở Tư pháp", "province", province="Vĩnh Long")
    for code, agency in (("QT-01/TV", "STP-TV"), ("QT-02/TV", "UBND-TV"), ("QT-01/BT", "STP-BT"),
                         ("QT-01/VL", "STP-VL")):
        add(code, "Chứng thực bản sao", JUSTICE, agency=agency)


@pytest.fixture
def backend_searches(monkeypatch):
    """How many times the search service asked the backend."""
    from qmsdocs.search import services

    calls = []
    real = services.indexer.get_backend

    class Counting:
        def __init__(self, inner):
            self.inner = inner

        def __getattr__(self, name):
            return getattr(self.inner, name)

        def search(self, *args, **kwargs):
            calls.append(args)
            return self.inner.search(*args, **kwargs)

    monkeypatch.setattr(services.indexer, "get_backend", lambda: Counting(real()))
    return calls


EXPECTED_ORIGINS = {("Trà Vinh", 2), ("Bến Tre", 1), ("Vĩnh Long", 1)}


def test_the_former_province_facet_adds_up_every_agency_matched_in_one_search(
        three_former_provinces, search, backend_searches, monkeypatch):
    from qmsdocs.search import services

    monkeypatch.setattr(services, "FACET_LIMIT", 2)  # the page shows two agencies of the four
    result = search("chứng thực")
    assert len(result["facets"]["agency"]) == 2
    assert {(f["value"], f["count"]) for f in result["facets"]["former_province"]} == EXPECTED_ORIGINS
    assert len(backend_searches) == 1


def test_beyond_the_agency_facet_limit_each_former_province_is_counted_apart(
        three_former_provinces, search, backend_searches, monkeypatch):
    from qmsdocs.search import backend, services

    monkeypatch.setattr(backend, "AGENCY_FACET_LIMIT", 3)
    monkeypatch.setattr(services, "AGENCY_FACET_LIMIT", 3)
    result = search("chứng thực")
    assert {(f["value"], f["count"]) for f in result["facets"]["former_province"]} == EXPECTED_ORIGINS
    assert len(backend_searches) == 1 + 3


def test_words_are_all_required(corpus, search):
    assert ids(search("chứng thực bản sao")) == [corpus["justice"]]
    assert search("hoà giải quyền sử dụng đất")["total"] == 0


def test_query_without_diacritics_finds_the_same_procedures(corpus, search):
    assert ids(search("quyen su dung dat")) == ids(search("quyền sử dụng đất")) == [corpus["land"]]
    assert ids(search("DAT DAI")) == [corpus["land"]]


def test_decomposed_query_finds_precomposed_text(corpus, search):
    assert ids(search(unicodedata.normalize("NFD", "quyền sử dụng đất"))) == [corpus["land"]]


def test_decomposed_document_is_found_by_precomposed_query(add, search, make_docx, admin_api, make_procedure):
    procedure = make_procedure(code="QT-09/STP", title="Quy trình đăng ký khai sinh")
    data = make_docx(code="QT-09/STP", paragraphs=["Tiếp nhận hồ sơ đăng ký khai sinh tại bộ phận một cửa."],
                     decomposed=True)
    assert admin_api.upload(procedure["id"], data).status_code == 201
    assert ids(search("bộ phận một cửa")) == [procedure["id"]]
    assert ids(search("bo phan mot cua")) == [procedure["id"]]


@pytest.mark.parametrize("typed, written", [("hòa giải", "hoà giải"), ("thuỷ lợi", "thủy lợi"),
                                            ("khoẻ mạnh", "khỏe mạnh"), ("uỷ ban", "Ủy ban")])
def test_old_and_new_tone_placement_find_each_other(corpus, search, typed, written):
    expected = corpus["justice"] if "giải" in typed else corpus["water"]
    assert ids(search(typed)) == [expected]
    assert ids(search(written)) == [expected]


def test_d_with_stroke_matches_d(corpus, search):
    assert corpus["land"] in ids(search("Dat dai"))
    assert corpus["land"] in ids(search("ĐẤT ĐAI"))


def test_exact_diacritics_rank_above_folded_matches(add, search):
    flower = add("QT-20/STP", "Quy trình hội hoa xuân", ["Tổ chức hội hoa xuân hằng năm tại công viên."])
    peace = add("QT-21/STP", "Quy trình hoà giải", ["Hòa giải viên tiến hành hòa giải tại cơ sở."])
    assert ids(search("hoà"))[0] == peace
    assert ids(search("hoa"))[:2] and set(ids(search("hoa"))) == {flower, peace}
    assert ids(search("hoa xuân"))[0] == flower


@pytest.mark.parametrize("spelling", ["61/2018/NĐ-CP", "61/2018/ND-CP", "61/2018/NĐ–CP", "61/2018/nđ-cp",
                                      "61 / 2018 / nd - cp"])
def test_every_spelling_of_a_cited_symbol_finds_the_citing_procedures(corpus, search, spelling):
    assert sorted(ids(search(spelling))) == sorted([corpus["land"], corpus["water"]])


def test_a_symbol_is_not_matched_by_its_pieces(corpus, search, add):
    scattered = add("QT-30/STP", "Báo cáo năm 2018", ["Có 61 hồ sơ năm 2018 do NĐ và CP chuyển đến."])
    assert scattered not in ids(search("61/2018/NĐ-CP"))


def test_a_tthc_code_is_matched_whole(corpus, search, add):
    pieces = add("QT-31/STP", "Thống kê", ["Bảng 1 có 004227 dòng và mục 1.5 ghi chú."])
    assert ids(search("1.004227")) == [corpus["land"]]
    assert pieces not in ids(search("1.004227"))


def test_procedure_code_finds_its_procedure(corpus, search):
    assert ids(search("QT-02/STP")) == [corpus["justice"]]
    assert ids(search("qt-02/stp")) == [corpus["justice"]]
    assert ids(search("qt02stp")) == [corpus["justice"]]


def test_tthc_name_from_the_catalog_is_searchable(app, corpus, search):
    from qmsdocs.catalog.models import AdminProcedure

    with app.app_context():
        session.add(AdminProcedure(code="2.000815", name="Chứng thực chữ ký người dịch"))
        session.commit()
        procedure = session.get(Procedure, corpus["justice"])
        events.procedure_changed.send(procedure)
        procedure.title = procedure.title  # a change the search area must notice
        session.commit()
    result = search("chu ky nguoi dich")
    assert ids(result) == [corpus["justice"]]
    assert result["hits"][0]["admin_procedures"] == [{"code": "2.000815", "name": "Chứng thực chữ ký người dịch"}]


def test_quoted_phrase_needs_words_side_by_side(corpus, search, add):
    apart = add("QT-32/STP", "Quy trình khác", ["Chứng nhận việc cấp giấy tờ khác cho quyền lợi người dân."])
    assert ids(search('"cấp giấy chứng nhận"')) == [corpus["land"]]
    assert apart in ids(search("cấp giấy chứng nhận"))
    assert ids(search('"cap giay chung nhan"')) == [corpus["land"]]


def test_longer_phrase_needs_its_words_in_sequence_not_only_its_pairs(app, corpus, search, add):
    if app.config["SEARCH_BACKEND"] == "whoosh":
        pytest.skip("Whoosh matches a phrase of three words or more by its adjacent pairs")
    # Every adjacent pair of the phrase occurs ("cấp giấy", "giấy chứng", "chứng nhận"), never the four words.
    scattered = add("QT-33/STP", "Quy trình khác", ["Cấp giấy tờ; giấy chứng minh; chứng nhận kết quả."])
    assert scattered not in ids(search('"cấp giấy chứng nhận"'))
    assert ids(search('"cấp giấy chứng nhận"')) == [corpus["land"]]
    assert scattered in ids(search('"giấy chứng minh"'))


def test_filters(corpus, search):
    assert ids(search("quy trình", agency="STNMT")) == [corpus["land"]]
    assert ids(search("quy trình", agency="stnmt")) == [corpus["land"]]
    assert ids(search("quy trình", level="commune")) == [corpus["water"]]
    assert ids(search("quy trình", field="Đất đai")) == [corpus["land"]]
    assert ids(search("quy trình", field="dat dai")) == [corpus["land"]]
    assert ids(search("quy trình", admin_procedure="2.000815")) == [corpus["justice"]]
    assert sorted(ids(search("", legal="61/2018/nd-cp"))) == sorted([corpus["land"], corpus["water"]])
    assert search("quy trình", status="retired")["total"] == 0


def test_stale_filter_follows_open_alerts(app, corpus, search):
    with app.app_context():
        procedure = session.get(Procedure, corpus["justice"])
        procedure.open_alerts = 2
        events.procedure_changed.send(procedure)
        session.commit()
        for other in (corpus["land"], corpus["water"]):
            session.get(Procedure, other).open_alerts = 0
        session.commit()
    assert ids(search("quy trình", stale="true")) == [corpus["justice"]]
    assert corpus["justice"] not in ids(search("quy trình", stale="false"))
    assert search("quy trình")["hits"][[h["procedure_id"] for h in search("quy trình")["hits"]].index(
        corpus["justice"])]["stale"] is True


def test_retired_procedures_are_found_with_their_status(corpus, search, admin_api):
    assert admin_api.post(f"/api/v1/procedures/{corpus['water']}/retire", json={"reason": "Bãi bỏ"}).status_code == 200
    assert ids(search("thủy lợi", status="retired")) == [corpus["water"]]
    assert search("thủy lợi", status="active")["total"] == 0


def test_facets_count_the_results(corpus, search):
    facets = search("nghị định")["facets"]
    assert {f["value"]: f["count"] for f in facets["agency"]} == {"STNMT": 1, "STP": 1, "UBND-AT": 1}
    assert {f["value"]: f["count"] for f in facets["level"]} == {"province": 2, "commune": 1}
    legal = {f["value"]: f for f in facets["legal"]}
    assert legal["61/2018/ND-CP"]["count"] == 2
    assert legal["61/2018/ND-CP"]["label"] == "61/2018/NĐ-CP"
    assert {f["value"] for f in facets["field"]} == {"Đất đai", "Chứng thực", "Thuỷ lợi"}
    assert {f["value"]: f["count"] for f in facets["admin_procedure"]} == {"1.004227": 1, "2.000815": 1}
    assert {f["value"]: f["count"] for f in facets["status"]} == {"active": 3}
    agency_labels = {f["value"]: f["label"] for f in facets["agency"]}
    assert agency_labels["UBND-AT"] == "Uỷ ban nhân dân xã An Trường"


def test_facets_follow_the_filters(corpus, search):
    facets = search("nghị định", level="province")["facets"]
    assert {f["value"] for f in facets["agency"]} == {"STNMT", "STP"}


def test_snippet_marks_the_words_even_without_diacritics(corpus, search):
    snippet = search("mot cua lien thong")["hits"][0]["snippet"]
    assert "<mark>một</mark> <mark>cửa</mark> <mark>liên</mark> <mark>thông</mark>" in snippet


def test_snippet_is_html_escaped(add, search):
    add("QT-40/STP", "Quy trình thẻ", ["Dùng thẻ <b>đậm</b> & <script>alert('x')</script> khi soạn thảo."])
    snippet = search("soạn thảo")["hits"][0]["snippet"]
    assert "<script>" not in snippet and "<b>" not in snippet
    assert "&lt;script&gt;" in snippet and "&amp;" in snippet


def test_pagination(add, search):
    created = [add(f"QT-5{n}/STP", f"Quy trình mẫu số {n}", [f"Nội dung kiểm soát tài liệu số {n}."]) for n in range(5)]
    first = search("kiểm soát tài liệu", per_page=2, page=1)
    second = search("kiểm soát tài liệu", per_page=2, page=2)
    third = search("kiểm soát tài liệu", per_page=2, page=3)
    assert first["total"] == second["total"] == third["total"] == 5
    assert len(first["hits"]) == len(second["hits"]) == 2 and len(third["hits"]) == 1
    assert sorted(ids(first) + ids(second) + ids(third)) == sorted(created)
    assert search("kiểm soát tài liệu", per_page=2, page=9)["hits"] == []


def test_history_is_searched_on_request_and_names_the_version(add, search, admin_api, make_docx):
    pid = add("QT-60/STP", "Quy trình tiếp công dân", ["Tiếp công dân theo Quyết định số 1291/QĐ-UBND cũ."])
    response = admin_api.upload(pid, make_docx(code="QT-60/STP", paragraphs=["Tiếp công dân theo quy chế mới."]))
    assert response.status_code == 201
    assert search("1291/QĐ-UBND")["total"] == 0
    assert search('"quy chế mới"')["hits"][0]["version"] == 2
    old = search("1291/QĐ-UBND", include_history="true")
    assert ids(old) == [pid]
    assert old["hits"][0]["version"] == 1
    assert old["hits"][0]["is_current_version"] is False
    assert old["hits"][0]["current_version"] == 2
    assert "<mark>1291/QĐ-UBND</mark>" in old["hits"][0]["snippet"]
    both = search("tiếp công dân", include_history="1")
    assert ids(both) == [pid] and both["hits"][0]["version"] == 2


def test_drafts_waiting_for_approval_are_not_searchable(make_agency, make_procedure, api_as, make_docx, search):
    make_agency("STC", "Sở Tài chính", approval_required=True)
    procedure = make_procedure(agency="STC", code="QT-70/STC", title="Quy trình thẩm định giá")
    editor = api_as("editor", agency="STC")
    assert editor.upload(procedure["id"], make_docx(paragraphs=["Bản nháp về định giá tài sản công."])).status_code == 201
    assert search("định giá tài sản")["total"] == 0
    assert ids(search("thẩm định giá")) == [procedure["id"]]
    assert search("thẩm định giá")["hits"][0]["version"] is None


@pytest.mark.parametrize("query", ['"chứng thực', 'AND OR NOT', '((( ***', 'đất -- )) ', '"""', "1.", "/QĐ-",
                                   "<script>alert(1)</script>", "\x01\x1f", "'; DROP TABLE procedures; --",
                                   "%_%", "\\", "&&||!", "đất:*", "a" * 900])
def test_malformed_queries_never_fail(corpus, search, query):
    result = search(query)
    assert isinstance(result["hits"], list)


def test_nul_in_query_is_refused_with_400(corpus, admin_api):
    """NUL is refused for every request's fields before any search (PostgreSQL cannot store it)."""
    response = admin_api.get("/api/v1/search", query_string={"q": "\x00\x1f"})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_characters"


def test_huge_query_is_refused_with_400(corpus, admin_api):
    response = admin_api.get("/api/v1/search", query_string={"q": "đất đai " * 1430})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "query_too_long"


@pytest.mark.parametrize("params", [{"level": "planet"}, {"status": "deleted"}, {"stale": "maybe"},
                                    {"page": "0"}, {"page": "abc"}, {"per_page": "1000"}, {"legal": "not a symbol"},
                                    {"include_history": "perhaps"}, {"agency": "X" * 100}])
def test_bad_parameters_are_refused_with_a_reason(corpus, admin_api, params):
    response = admin_api.get("/api/v1/search", query_string={"q": "đất", **params})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "invalid_parameter"
    assert error["message"]


def test_search_needs_a_token(client):
    response = client.get("/api/v1/search?q=đất")
    assert response.status_code == 401


def test_every_role_reads_every_agency(corpus, api_as):
    viewer = api_as("viewer", agency="STP")
    result = viewer.get("/api/v1/search", query_string={"q": "quy trình"}).get_json()
    assert result["total"] == 3


def test_empty_query_with_a_filter_lists_the_agency(corpus, search):
    assert ids(search("", agency="STP")) == [corpus["justice"]]
