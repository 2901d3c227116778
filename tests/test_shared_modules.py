"""The shared helpers every area uses: the Vietnamese fold, dates, paging and the tabular reader."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta, timezone

import openpyxl
import pytest
from werkzeug.datastructures import MultiDict

from qmsdocs import clock, tabular
from qmsdocs.errors import InvalidInput
from qmsdocs.paging import MAX_PAGE, Page, PageRequest, lenient_page, page_request
from qmsdocs.text import fold, fold_key

# --- fold ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, expected", [
    ("Đăng ký khai sinh", "dang ky khai sinh"),
    ("  ĐẤT   ĐAI\t", "dat dai"),
    ("THUỶ LỢI", "thuy loi"),
    ("Thủy lợi", "thuy loi"),
    ("cấp tỉnh", "cap tinh"),
    ("Ngh\u0306i", "nghi"),            # decomposed input (NFD) folds the same
    ("ma_tthc", "ma_tthc"),             # underscores are the caller's business (header folding)
    (None, ""),
    ("", ""),
])
def test_fold_drops_case_diacritics_and_extra_spaces(text, expected):
    assert fold(text) == expected


def test_fold_key_keeps_only_words():
    assert fold_key("Đất đai, nhà ở (cấp huyện)") == "dat dai nha o cap huyen"


def test_every_area_uses_the_one_fold():
    from qmsdocs.agencies import kinds
    from qmsdocs.legal import services as legal
    from qmsdocs.search import analysis

    assert legal.fold is fold and kinds.fold is fold and analysis.fold is fold
    assert analysis.fold_key is fold_key


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("2024-08-01", date(2024, 8, 1)), ("01/08/2024", date(2024, 8, 1)), ("1-8-2024", date(2024, 8, 1)),
    ("01.08.2024", date(2024, 8, 1)), ("2024-08-01T10:00:00", date(2024, 8, 1)),
    (datetime(2024, 8, 1, 23, 0), date(2024, 8, 1)), (date(2024, 8, 1), date(2024, 8, 1)), ("", None), (None, None),
])
def test_parse_date_reads_iso_and_vietnamese_dates(value, expected):
    assert clock.parse_date(value, "ngày") == expected


@pytest.mark.parametrize("value", ["31/02/2024", "ngày mai", "2024/13/01", 20240801])
def test_parse_date_refuses_what_is_no_date_with_a_400(value):
    with pytest.raises(InvalidInput) as refused:
        clock.parse_date(value, "effective_on")
    assert refused.value.status == 400 and "effective_on" in refused.value.message


def test_a_missing_required_date_is_named():
    with pytest.raises(InvalidInput) as refused:
        clock.parse_date(" ", "reviewed_on", required=True)
    assert refused.value.code == "missing_field"


def test_today_is_the_day_in_vietnam_not_on_the_server(monkeypatch):
    """At 20:00 UTC on 31 December it is already 1 January in Vietnam."""
    late_evening_utc = datetime(2025, 12, 31, 20, 0, tzinfo=timezone.utc)

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return late_evening_utc.astimezone(tz) if tz else late_evening_utc.replace(tzinfo=None)

    monkeypatch.setattr(clock, "datetime", FrozenDatetime)
    assert clock.local_today() == date(2026, 1, 1)
    assert clock.local_time(datetime(2025, 12, 31, 20, 0)).date() == date(2026, 1, 1)
    assert (late_evening_utc + timedelta(hours=7)).date() == clock.local_today()


def test_reports_and_alerts_read_the_one_clock():
    from qmsdocs.alerts import services as alerts
    from qmsdocs.reports import api, exports, routes
    from qmsdocs.procedures import queries

    for module in (alerts, api, exports, routes, queries):
        assert module.local_today is clock.local_today, module.__name__


# --- paging ----------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [{"page": "10^30"}, {"page": "99999999999999999999"}, {"page": "-1"},
                                  {"page": "0"}, {"page": "abc"}, {"per_page": "0"}, {"per_page": "5000"},
                                  {"per_page": "1.5"}, {"page": "１"}])
def test_api_paging_refuses_bad_numbers_with_a_400_naming_the_parameter(args):
    with pytest.raises(InvalidInput) as refused:
        page_request(MultiDict(args))
    assert refused.value.status == 400 and f"'{next(iter(args))}'" in refused.value.message


@pytest.mark.parametrize("value, page", [("10^30", 1), ("99999999999999999999", MAX_PAGE), ("-5", 1), ("abc", 1),
                                         ("", 1), ("7", 7), ("+3", 3)])
def test_page_paging_falls_back_or_clamps(value, page):
    assert lenient_page(MultiDict({"page": value}), per_page=20) == PageRequest(page, 20)


def test_the_older_limit_and_offset_still_work():
    request = page_request(MultiDict({"limit": "20", "offset": "40"}), legacy_limit=True)
    assert (request.page, request.per_page, request.offset) == (3, 20, 40)
    assert page_request(MultiDict({"limit": "10000"}), legacy_limit=True).per_page == 1000
    with pytest.raises(InvalidInput):
        page_request(MultiDict({"offset": "-1"}), legacy_limit=True)


def test_a_page_answers_with_items_total_page_and_per_page():
    page = Page.of(["a", "b"], 12, PageRequest(2, 5))
    assert page.pages == 3
    assert page.as_json(str.upper) == {"items": ["A", "B"], "total": 12, "page": 2, "per_page": 5}


# --- tabular ---------------------------------------------------------------------------------

COLUMNS = tabular.Columns({"code": ("code", "ma tthc"), "name": ("name", "ten thu tuc")})


def _rows(data: bytes):
    return tabular.table_rows(tabular.csv_table(data), COLUMNS, required=("code",), missing_message="thiếu cột")


@pytest.mark.parametrize("data", [
    "Mã TTHC,Tên thủ tục\n1.000001,Đăng ký\n".encode(),
    "\ufeffMã TTHC;Tên thủ tục\n1.000001;Đăng ký\n".encode(),
    "MA_TTHC (*)\tTEN THU TUC:\n1.000001\tĐăng ký\n".encode(),
])
def test_csv_with_or_without_bom_and_any_separator_gives_the_same_rows(data):
    assert _rows(data) == [(2, {"code": "1.000001", "name": "Đăng ký"})]


def test_rows_are_numbered_as_lines_of_the_file_and_blank_lines_skipped():
    rows = _rows("\n\nma tthc,ten thu tuc\n1.000001,A\n,\n1.000002\n".encode())
    assert rows == [(4, {"code": "1.000001", "name": "A"}), (6, {"code": "1.000002", "name": None})]


@pytest.mark.parametrize("data, code", [(b"", "empty_file"), (b"name\nx\n", "missing_column"),
                                        ("ma,ten\n".encode("utf-16"), "invalid_encoding")])
def test_unreadable_tables_are_refused_with_a_code(data, code):
    with pytest.raises(InvalidInput) as refused:
        _rows(data)
    assert refused.value.code == code


def test_too_many_rows_are_refused():
    data = ("code\n" + "1.000001\n" * 11).encode()
    with pytest.raises(InvalidInput) as refused:
        tabular.table_rows(tabular.csv_table(data), COLUMNS, required=("code",), missing_message="", max_rows=10)
    assert refused.value.code == "too_many_rows"


def test_json_rows_map_known_fields_and_mark_non_objects():
    rows = tabular.json_rows([{"Mã TTHC": "1.000001", "other": 1}, "x"], COLUMNS)
    assert rows == [(1, {"code": "1.000001"}), (2, None)]
    with pytest.raises(InvalidInput) as refused:
        tabular.json_payload(b"{broken")
    assert refused.value.code == "invalid_json"


def test_xlsx_rows_are_read_and_an_oversized_package_is_refused_unopened(monkeypatch):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Mã TTHC", "Tên thủ tục"])
    workbook.active.append(["1.000001", "Đăng ký"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = tabular.xlsx_table(buffer.getvalue())
    assert tabular.table_rows(table, COLUMNS, required=("code",), missing_message="") == \
        [(2, {"code": "1.000001", "name": "Đăng ký"})]
    monkeypatch.setattr(tabular, "MAX_XLSX_UNCOMPRESSED", 100)
    with pytest.raises(InvalidInput) as refused:
        tabular.xlsx_table(buffer.getvalue())
    assert refused.value.code == "too_large"


def test_a_zip_that_is_no_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("hello.txt", "not a workbook")
    with pytest.raises(InvalidInput) as refused:
        tabular.xlsx_table(buffer.getvalue())
    assert refused.value.code == "bad_xlsx"


def test_the_refused_row_report_is_shared_by_every_importer():
    from qmsdocs.catalog.importer import ImportReport as CatalogReport
    from qmsdocs.legal.importer import ImportReport as LegalReport
    from qmsdocs.reports.importer import AssessmentImportReport

    for report_class in (CatalogReport, LegalReport, AssessmentImportReport):
        assert issubclass(report_class, tabular.ImportReport)
    report = CatalogReport(source="x.csv")
    report.refuse(4, "Thiếu tên.", code="1.000001")
    assert report.as_dict()["refused"] == [{"row": 4, "code": "1.000001", "reason": "Thiếu tên."}]
    assert report.lines()[-1] == "TỪ CHỐI dòng 4 (1.000001): Thiếu tên."


# --- areas talk through signals --------------------------------------------------------------


def _imported_modules(package: str) -> set[str]:
    import ast
    from pathlib import Path

    import qmsdocs

    found = set()
    for path in (Path(qmsdocs.__file__).parent / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_the_catalog_imports_neither_alerts_nor_search():
    """The catalog is below both: it sends `admin_procedure_changed`, the alerts area listens; search reads it."""
    imported = _imported_modules("catalog")
    assert not [name for name in imported if name.startswith(("qmsdocs.alerts", "qmsdocs.search"))]


def test_a_tthc_change_reaches_the_alerts_area_through_its_signal(app):
    """Wired by the alerts area's init_app (the catalog import tests check the alerts it opens)."""
    import weakref

    from qmsdocs import events
    from qmsdocs.alerts import services as alerts

    receivers = [receiver() if isinstance(receiver, weakref.ref) else receiver
                 for receiver in events.admin_procedure_changed.receivers.values()]
    assert alerts.raise_admin_procedure_change in receivers


def test_search_reads_its_page_numbers_with_the_shared_parser():
    """A 5,000-digit page number is a 400, not int()'s digit-limit ValueError turned into a 500."""
    from qmsdocs.search.services import MAX_PAGE, parse_request

    with pytest.raises(InvalidInput) as refused:
        parse_request(MultiDict({"q": "hoa", "page": "9" * 5000}))
    assert refused.value.code == "invalid_parameter"
    assert parse_request(MultiDict({"q": "hoa", "page": str(MAX_PAGE)})).page == MAX_PAGE
