"""Legal symbols read as the documents write them (Đ, leading zeros as issued) in facets, chips and the TTHC page."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def demo(client, runner, make_user):
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    return client


def _facet_labels(page: str) -> list[str]:
    return re.findall(r'<span class="symbol">([^<]+)</span></a>', page)


def test_search_facets_show_symbols_as_written(demo):
    page = demo.get("/search?q=quy+trình").get_data(as_text=True)
    labels = _facet_labels(page)
    assert "01/2018/TT-VPCP" in labels and "61/2018/NĐ-CP" in labels
    assert "1/2018/TT-VPCP" not in labels and "61/2018/ND-CP" not in labels


def test_a_filter_chip_shows_the_symbol_as_written_whatever_was_typed(demo):
    page = demo.get("/search?q=&legal=61/2018/nd-cp").get_data(as_text=True)
    chips = re.search(r'<p class="active-filters">(.*?)</p>', page, re.S).group(1)
    assert "61/2018/NĐ-CP" in chips and "ND-CP" not in chips
    page = demo.get("/search?q=&legal=1/2018/TT-VPCP").get_data(as_text=True)
    assert "01/2018/TT-VPCP" in re.search(r'<p class="active-filters">(.*?)</p>', page, re.S).group(1)


def test_the_api_facets_carry_the_written_symbol(demo, admin_api):
    facets = admin_api.get("/api/v1/search?q=quy+trình").get_json()["facets"]["legal"]
    labels = {facet["value"]: facet["label"] for facet in facets}
    assert labels.get("1/2018/TT-VPCP") == "01/2018/TT-VPCP"


def test_the_tthc_page_shows_each_legal_basis_once_as_written(demo):
    page = demo.get("/admin-procedures/1.004227").get_data(as_text=True)
    assert "43/2014/NĐ-CP" in page and "(43/2014/ND-CP)" not in page
    assert "[STNMT]" not in page


def test_symbols_do_not_wrap_inside(demo):
    page = demo.get("/search?q=quy+trình").get_data(as_text=True)
    assert '<span class="symbol">61/2018/NĐ-CP</span>' in page
    response = demo.get("/static/app.css")
    css = response.get_data(as_text=True)
    response.close()
    assert re.search(r"\.symbol\s*\{\s*white-space:\s*nowrap", css)
