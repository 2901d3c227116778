"""Alert and procedure lists open on the official's own agency, and say so with a link to every agency."""

from __future__ import annotations

import pytest

from qmsdocs.demo.data import DEMO_PASSWORD
from tests.conftest import PASSWORD


@pytest.fixture
def editor(client, runner):
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    client.post("/login", data={"username": "bientap", "password": DEMO_PASSWORD})  # editor of STNMT
    return client


def test_the_procedure_list_opens_on_the_editors_agency_and_widens_on_request(editor):
    page = editor.get("/procedures").get_data(as_text=True)
    assert 'id="scope-note"' in page and "Sở Tài nguyên và Môi trường" in page
    assert "QT-01/STNMT" in page and "QT-05/STP" not in page
    assert 'href="/procedures?agency=' in page  # the link to every agency
    widened = editor.get("/procedures?agency=").get_data(as_text=True)
    assert "QT-01/STNMT" in widened and "QT-05/STP" in widened and 'id="scope-note"' not in widened


def test_paging_links_of_a_widened_list_stay_widened():
    from qmsdocs.procedures.queries import ProcedureFilters

    assert ProcedureFilters.from_args({"agency": ""}).as_args(page=2)["agency"] == ""


def test_the_alert_list_opens_on_the_editors_agency_and_widens_on_request(editor):
    page = editor.get("/alerts").get_data(as_text=True)
    assert 'id="scope-note"' in page
    assert "QT-01/STNMT" in page and "QT-HT-01" not in page
    widened = editor.get("/alerts?agency=").get_data(as_text=True)
    assert "QT-HT-01" in widened and 'id="scope-note"' not in widened


def test_the_alert_export_follows_the_same_default_scope(editor):
    rows = editor.get("/alerts/export.csv").get_data(as_text=True)
    assert "QT-01/STNMT" in rows and "QT-HT-01" not in rows
    assert "QT-HT-01" in editor.get("/alerts/export.csv?agency=").get_data(as_text=True)


def test_another_agency_chosen_explicitly_is_shown(editor):
    page = editor.get("/procedures?agency=STP").get_data(as_text=True)
    assert "QT-05/STP" in page and "QT-01/STNMT" not in page and 'id="scope-note"' not in page


def test_an_admin_without_an_agency_sees_every_agency(client, runner, make_user):
    assert runner.invoke(args=["qms", "demo"]).exit_code == 0
    make_user("quantri", "admin")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    page = client.get("/procedures").get_data(as_text=True)
    assert "QT-01/STNMT" in page and "QT-05/STP" in page and 'id="scope-note"' not in page
