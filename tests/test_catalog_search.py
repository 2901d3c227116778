"""Finding TTHC as people type them, codes kept as text, and search kept true when the catalog changes."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from sqlalchemy import select, update

from qmsdocs.catalog import services
from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.db import session
from qmsdocs.search.models import SearchOutbox

CATALOG = (
    ("2.000889", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.000894", "ĐĂNG KÝ KẾT HÔN", "hộ tịch"),
    ("1.004227", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai"),
    ("2.000305", "Thủ tục hòa giải ở cơ sở", "Phổ biến, giáo dục pháp luật"),
    ("1.001022", "Thủ tục thuỷ lợi nội đồng", "Thủy lợi"),
)


@pytest.fixture
def catalog(admin_api):
    for code, name, field in CATALOG:
        response = admin_api.post("/api/v1/admin-procedures", json={"code": code, "name": name, "field": field})
        assert response.status_code == 201, response.get_json()


def found(api, **params) -> list[str]:
    response = api.get("/api/v1/admin-procedures", query_string=params)
    assert response.status_code == 200, response.get_json()
    return [item["code"] for item in response.get_json()["items"]]


def upload(api, data: bytes, filename: str):
    return api.client.post("/api/v1/admin-procedures/import", data={"file": (io.BytesIO(data), filename)},
                           headers=api.headers, content_type="multipart/form-data")


def search_codes(api, q: str) -> list[str]:
    response = api.get("/api/v1/search", query_string={"q": q})
    assert response.status_code == 200, response.get_json()
    return [hit["code"] for hit in response.get_json()["hits"]]


# --- case and diacritics ------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["đăng ký", "ĐĂNG KÝ", "dang ky", "Dang Ky", unicodedata.normalize("NFD", "Đăng ký"),
                                   "  đăng   ký  ", "đăng k"])
def test_names_are_found_without_regard_to_case_diacritics_or_spacing(admin_api, catalog, query):
    assert found(admin_api, q=query) == ["1.000894", "2.000889"]


@pytest.mark.parametrize("query, codes", [
    ("khai sinh đăng ký", ["2.000889"]),  # every word, in any order
    ("hoà giải", ["2.000305"]),  # new tone placement finds the old one
    ("thủy lợi", ["1.001022"]),  # old placement finds the new one
    ("quyen su dung dat", ["1.004227"]),
    ("inh", []),  # words match from their start, not from the middle
    ("1.004227", ["1.004227"]),
    ("004227", ["1.004227"]),
    ("%", []),
    ("!!!", []),
])
def test_every_query_word_begins_a_word_of_the_name(admin_api, catalog, query, codes):
    assert found(admin_api, q=query) == codes


@pytest.mark.parametrize("field", ["dat dai", "Đất đai", "ĐẤT ĐAI", " đất  đai "])
def test_field_filter_ignores_case_and_diacritics(admin_api, catalog, field):
    assert found(admin_api, field=field) == ["1.004227"]


def test_spellings_of_one_field_are_one_choice_and_one_filter(admin_api, catalog, app):
    assert found(admin_api, field="Hộ tịch") == ["1.000894", "2.000889"]
    with app.app_context():
        assert services.fields() == ["Đất đai", "Hộ tịch", "Phổ biến, giáo dục pháp luật", "Thủy lợi"]


def test_catalog_page_filters_like_the_api(client, make_user, catalog):
    from tests.conftest import PASSWORD

    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    page = client.get("/admin-procedures", query_string={"q": "dang ky ket hon"}).get_data(as_text=True)
    assert "ĐĂNG KÝ KẾT HÔN" in page and "Đăng ký khai sinh" not in page
    page = client.get("/admin-procedures", query_string={"field": "dat dai"}).get_data(as_text=True)
    assert "quyền sử dụng đất" in page and "khai sinh" not in page


def test_a_renamed_tthc_is_found_by_its_new_name_only(admin_api, catalog):
    csv = "Mã TTHC,Tên thủ tục,Lĩnh vực\n2.000889,Cấp bản sao trích lục khai sinh,Hộ tịch\n".encode()
    assert upload(admin_api, csv, "doi-ten.csv").get_json()["updated"] == 1
    assert found(admin_api, q="trich luc") == ["2.000889"]
    assert found(admin_api, q="đăng ký") == ["1.000894"]


def test_stored_search_keys_follow_every_write(app):
    with app.app_context():
        item = AdminProcedure(code="9.000001", name="Đăng Ký", field="Đất Đai")
        assert (item.name_key, item.field_key) == ("dang ky", "dat dai")
        item.name = "Thủ tục Hòa giải"
        item.field = None
        assert (item.name_key, item.field_key) == ("thu tuc hoa giai", None)


# --- codes are text -----------------------------------------------------------------------------

@pytest.mark.parametrize("code", [1.5, 1.004227, 2, True, None, ["1.004227"]])
def test_a_code_that_is_not_a_string_is_refused_with_a_reason(admin_api, code):
    response = admin_api.post("/api/v1/admin-procedures", json={"code": code, "name": "Thủ tục thử"})
    assert response.status_code == 400
    assert response.get_json()["error"]["message"]
    assert admin_api.get("/api/v1/admin-procedures").get_json()["total"] == 0


def test_a_json_number_explains_that_codes_are_quoted_text(admin_api):
    message = admin_api.post("/api/v1/admin-procedures", json={"code": 1.004227, "name": "Thủ tục thử"}
                             ).get_json()["error"]["message"]
    assert "chuỗi" in message and '"1.004227"' in message


def test_json_import_refuses_number_codes_row_by_row(admin_api):
    items = [{"code": 1.00422, "name": "Mã dạng số"}, {"code": "1.004220", "name": "Mã dạng chuỗi"}]
    report = upload(admin_api, json.dumps(items).encode(), "tthc.json").get_json()
    assert report["created"] == 1
    assert [(row["row"], row["code"]) for row in report["refused"]] == [(1, "1.00422")]
    assert "chuỗi" in report["refused"][0]["reason"]
    assert found(admin_api) == ["1.004220"]


# --- search is told when the catalog changes ----------------------------------------------------

def test_importing_a_tthc_reindexes_procedures_linked_to_it_beforehand(admin_api, make_procedure, runner):
    make_procedure(code="QT-HT-09", title="Quy trình liên kết trước", admin_procedures=["2.000889"])
    assert search_codes(admin_api, "Quaggaphon") == []
    csv = "Mã TTHC,Tên thủ tục\n2.000889,Thủ tục Quaggaphon khai sinh\n".encode()
    assert upload(admin_api, csv, "tthc.csv").get_json()["created"] == 1
    assert search_codes(admin_api, "quaggaphon") == ["QT-HT-09"]
    renamed = "Mã TTHC,Tên thủ tục\n2.000889,Thủ tục Okapifrim khai sinh\n".encode()
    assert upload(admin_api, renamed, "tthc.csv").get_json()["updated"] == 1
    assert search_codes(admin_api, "okapifrim") == ["QT-HT-09"]
    assert search_codes(admin_api, "quaggaphon") == []
    check = runner.invoke(args=["qms", "check"])
    assert check.exit_code == 0, check.output


def test_a_change_to_fields_search_does_not_hold_reindexes_nothing(admin_api, make_procedure):
    procedure = make_procedure(code="QT-HT-10", admin_procedures=["2.000889"])
    admin_api.post("/api/v1/admin-procedures", json={"code": "2.000889", "name": "Đăng ký khai sinh"})
    sent = []
    from qmsdocs import events

    def listener(sender, **_kw):
        sent.append(sender.id)

    events.procedure_changed.connect(listener)
    try:
        csv = "Mã TTHC,Tên thủ tục,Lĩnh vực\n2.000889,Đăng ký khai sinh,Hộ tịch\n".encode()
        assert upload(admin_api, csv, "tthc.csv").get_json()["updated"] == 1
    finally:
        events.procedure_changed.disconnect(listener)
    assert procedure["id"] not in sent


def test_the_reindex_mark_is_written_with_the_catalog_change(admin_api, make_procedure, app, monkeypatch):
    """The mark commits with the TTHC, so an index that fails after the commit is caught up later."""
    procedure = make_procedure(code="QT-HT-11", admin_procedures=["2.000889"])
    backend = app.extensions["qmsdocs.search"]

    def broken(timeout):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "writer", broken)
    created = admin_api.post("/api/v1/admin-procedures", json={"code": "2.000889", "name": "Thủ tục Wombatiq"})
    assert created.status_code == 201
    with app.app_context():
        marked = set(session.scalars(select(SearchOutbox.procedure_id)))
    assert procedure["id"] in marked


def test_check_finds_and_repairs_folded_copies_that_drifted(admin_api, catalog, app, runner):
    with app.app_context():
        session.execute(update(AdminProcedure).where(AdminProcedure.code == "1.004227")
                        .values(name_key="cap giay", field_key="Đất đai"))
        session.commit()
    assert found(admin_api, field="dat dai") == []
    check = runner.invoke(args=["qms", "check"])
    assert check.exit_code == 1 and "catalog_search_key_stale: TTHC 1.004227" in check.output
    assert runner.invoke(args=["qms", "check", "--repair"]).exit_code == 0
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    assert found(admin_api, field="dat dai", q="quyen su dung") == ["1.004227"]
