"""Alerts opening or closing move a procedure's stale flag in the index without rewriting its records."""

from __future__ import annotations

import pytest

from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure
from qmsdocs.search import indexer
from qmsdocs.search.documents import procedure_states


@pytest.fixture
def spied_writes(app, monkeypatch):
    """Every record the worker writes (keys) and every flag-only update (procedure id, stale)."""
    written: list[str] = []
    flags: list[tuple[int, bool]] = []
    backend = app.extensions["qmsdocs.search"]
    real_writer = backend.writer

    def spying_writer(timeout):
        context = real_writer(timeout)

        class Spy:
            def __enter__(self):
                inner = context.__enter__()
                real_update, real_set_stale = inner.update, inner.set_stale

                def update(pid, docs, remove_keys):
                    written.extend(doc.key for doc in docs)
                    return real_update(pid, docs, remove_keys)

                def set_stale(pid, stale, signatures):
                    flags.append((pid, stale))
                    return real_set_stale(pid, stale, signatures)

                inner.update, inner.set_stale = update, set_stale
                return inner

            def __exit__(self, *exc):
                return context.__exit__(*exc)

        return Spy()

    monkeypatch.setattr(backend, "writer", spying_writer)
    return written, flags


def _set_alerts(app, procedure_id: int, count: int) -> None:
    with app.app_context():
        session.get(Procedure, procedure_id).open_alerts = count
        session.commit()


def _search(admin_api, **params) -> dict:
    response = admin_api.get("/api/v1/search", query_string={"q": "quytrìnhcờ", **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def _stale_facet(body) -> dict[str, int]:
    return {value["value"]: value["count"] for value in body["facets"]["stale"]}


def test_a_stale_flag_moves_without_rewriting_records(app, make_procedure, admin_api, make_docx, runner,
                                                      spied_writes):
    written, flags = spied_writes
    first = make_procedure(code="QT-01/STP", title="Quy trình thứ nhất")["id"]
    second = make_procedure(code="QT-02/STP", title="Quy trình thứ hai")["id"]
    for procedure_id in (first, second):
        for n in range(1, 4):
            response = admin_api.upload(procedure_id, make_docx(paragraphs=[f"Nội dung quytrìnhcờ bản {n}."]))
            assert response.status_code == 201
    assert _stale_facet(_search(admin_api)) == {"false": 2}
    written.clear()

    _set_alerts(app, first, 2)
    assert _search(admin_api)["total"] == 2  # the worker ran before this request
    assert written == [] and flags == [(first, True)]
    assert [hit["procedure_id"] for hit in _search(admin_api, stale="true")["hits"]] == [first]
    assert [hit["procedure_id"] for hit in _search(admin_api, stale="false")["hits"]] == [second]
    assert _stale_facet(_search(admin_api)) == {"true": 1, "false": 1}
    history = _search(admin_api, q="bản", include_history="1", stale="true")
    assert [hit["procedure_id"] for hit in history["hits"]] == [first]
    assert _stale_facet(_search(admin_api, include_history="1")) == {"true": 1, "false": 1}
    with app.app_context():
        held = indexer.get_backend().indexed_records([first])[first]
        assert held == procedure_states([first])[first].record_signatures()
    assert runner.invoke(args=["qms", "check"]).exit_code == 0

    # A new version while the flag is moved (the upload recounts the alerts: none are real here):
    # its records carry the flag, the others keep the override.
    assert admin_api.upload(first, make_docx(paragraphs=["Nội dung quytrìnhcờ bản 4."])).status_code == 201
    assert _search(admin_api, stale="true")["total"] == 0
    _set_alerts(app, first, 1)
    assert [hit["procedure_id"] for hit in _search(admin_api, stale="true")["hits"]] == [first]
    assert _stale_facet(_search(admin_api, include_history="1")) == {"true": 1, "false": 1}
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    _set_alerts(app, first, 0)
    _search(admin_api)
    assert flags[-1] == (first, False)
    assert _search(admin_api, stale="true")["total"] == 0
    assert _stale_facet(_search(admin_api)) == {"false": 2}
    assert _stale_facet(_search(admin_api, include_history="1")) == {"false": 2}
    assert runner.invoke(args=["qms", "check"]).exit_code == 0


def test_a_rebuild_carries_the_moved_flags(app, make_procedure, admin_api, make_docx, runner):
    procedure_id = make_procedure(code="QT-03/STP", title="Quy trình thứ ba")["id"]
    assert admin_api.upload(procedure_id, make_docx(paragraphs=["Nội dung quytrìnhcờ."])).status_code == 201
    _set_alerts(app, procedure_id, 1)
    assert _search(admin_api, stale="true")["total"] == 1
    assert runner.invoke(args=["qms", "reindex"]).exit_code == 0
    assert _search(admin_api, stale="true")["total"] == 1
    assert _stale_facet(_search(admin_api)) == {"true": 1}
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
