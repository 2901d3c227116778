"""Every agency drop-down is grouped by level (province, district, commune), sorted by name, nothing pre-selected."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from qmsdocs.pages import agency_groups
from qmsdocs.text import fold
from tests.conftest import PASSWORD

GROUPS = ["Cấp tỉnh", "Cấp huyện", "Cấp xã"]


def _select(page: str, select_id: str) -> str:
    match = re.search(rf'<select[^>]*\bid="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert match, f"no select #{select_id}"
    return match.group(1)


def _groups(select_html: str) -> list[tuple[str, list[str]]]:
    return [(label, re.findall(r"<option[^>]*>([^<]*)</option>", body))
            for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', select_html, re.S)]


@pytest.fixture
def demo_admin(client, runner, make_user):
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    return client


@pytest.mark.parametrize("path, select_id", [
    ("/procedures/new", "agency"), ("/procedures", "f-agency"), ("/alerts", "f-agency"),
    ("/reports/coverage", "f-agency"), ("/users/new", "agency"), ("/agencies/new", "parent"),
])
def test_agency_pickers_are_grouped_by_level_and_sorted_by_name(demo_admin, path, select_id):
    page = demo_admin.get(path).get_data(as_text=True)
    select = _select(page, select_id)
    groups = _groups(select)
    assert [label for label, _ in groups] == GROUPS
    for _label, names in groups:
        assert names == sorted(names, key=lambda name: fold(name.rsplit(" (", 1)[0])), names[:5]
    assert "Cầu Kè" not in groups[0][1][0]  # a commune no longer comes first
    assert not re.search(r'<option (?:selected )?value="[^"]+"\s*selected|<option selected value="[^"]+"', select)


def test_the_new_procedure_form_preselects_nothing_and_starts_with_the_blank_choice(demo_admin):
    select = _select(demo_admin.get("/procedures/new").get_data(as_text=True), "agency")
    first = re.search(r"<option[^>]*>([^<]*)</option>", select)
    assert first.group(0).startswith('<option value=""') and "Chọn cơ quan" in first.group(1)


def test_the_chosen_filter_agency_stays_selected(demo_admin):
    select = _select(demo_admin.get("/procedures?agency=STP").get_data(as_text=True), "f-agency")
    assert re.search(r'<option value="STP"\s+selected', select)


def test_agencies_of_several_former_provinces_are_grouped_per_province_then_level():
    def agency(code, name, level, former):
        return SimpleNamespace(code=code, name=name, level=level, province="Vĩnh Long", former_province=former)

    groups = agency_groups([
        agency("X2", "UBND xã Long Hòa", "commune", "Trà Vinh"), agency("X1", "UBND xã Long Hòa", "commune", "Bến Tre"),
        agency("S1", "Sở Y tế", "province", "Vĩnh Long"), agency("S2", "Sở Tư pháp", "province", "Vĩnh Long"),
    ])
    assert [(title, [a.code for a in members]) for title, members in groups] == [
        ("Bến Tre · Cấp xã", ["X1"]), ("Trà Vinh · Cấp xã", ["X2"]), ("Vĩnh Long · Cấp tỉnh", ["S2", "S1"]),
    ]


def test_one_province_needs_no_province_in_the_group_titles():
    groups = agency_groups([SimpleNamespace(code="A", name="Ấp B", level="commune", province=None, former_province=None),
                            SimpleNamespace(code="B", name="An C", level="commune", province=None, former_province=None)])
    assert [(title, [a.code for a in members]) for title, members in groups] == [("Cấp xã", ["B", "A"])]


def test_demo_agency_names_read_as_officials_write_them(demo_admin):
    page = demo_admin.get("/procedures/new").get_data(as_text=True)
    assert "xã xã" not in page and "phố Trà Vinh" not in page.replace("thành phố Trà Vinh", "")
    assert "UBND Phường 1, thành phố Trà Vinh" in page and "UBND xã Duyên Hải (thị xã) 01" in page
