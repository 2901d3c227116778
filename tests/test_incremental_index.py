"""The worker indexes only what changed: the new current record and the previous one, whatever the history."""

from __future__ import annotations

from qmsdocs.search import indexer


def test_a_new_version_writes_two_records_whatever_the_history_length(app, make_procedure, admin_api, make_docx,
                                                                      runner, monkeypatch):
    procedure_id = make_procedure()["id"]
    for n in range(1, 9):
        assert admin_api.upload(procedure_id, make_docx(paragraphs=[f"Nội dung lần {n} riêng{n}."])).status_code == 201
    written: list[tuple[list[str], set[str]]] = []
    backend = app.extensions["qmsdocs.search"]
    real_writer = backend.writer

    def spying_writer(timeout):
        context = real_writer(timeout)

        class Spy:
            def __enter__(self):
                inner = context.__enter__()
                real_update = inner.update

                def update(pid, docs, remove_keys):
                    written.append(([doc.key for doc in docs], set(remove_keys)))
                    return real_update(pid, docs, remove_keys)

                inner.update = update
                return inner

            def __exit__(self, *exc):
                return context.__exit__(*exc)

        return Spy()

    monkeypatch.setattr(backend, "writer", spying_writer)
    assert admin_api.upload(procedure_id, make_docx(paragraphs=["Nội dung lần 9 riêng9."])).status_code == 201
    versions = {v["version"]: v for v in admin_api.get(f"/api/v1/procedures/{procedure_id}").get_json()["versions"]}
    assert len(written) == 1
    keys, removed = written[0]
    assert keys[0] == f"p{procedure_id}" and len(keys) == 2 and keys[1].startswith("v") and removed == set()
    monkeypatch.undo()

    def hits(q, **params):
        body = admin_api.get("/api/v1/search", query_string={"q": q, **params}).get_json()
        return [(hit["procedure_id"], hit["version"]) for hit in body["hits"]]

    assert hits("riêng9") == [(procedure_id, 9)]
    assert hits("riêng8") == []
    assert hits("riêng8", include_history="1") == [(procedure_id, 8)]
    assert hits("riêng1", include_history="1") == [(procedure_id, 1)]
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    assert len(versions) == 9


def test_a_title_change_rewrites_every_record_and_check_agrees(app, make_procedure, admin_api, make_docx, runner):
    procedure_id = make_procedure()["id"]
    for n in range(1, 4):
        admin_api.upload(procedure_id, make_docx(paragraphs=[f"Bản {n}."]))
    from qmsdocs.db import session
    from qmsdocs.procedures.models import Procedure

    with app.app_context():
        session.get(Procedure, procedure_id).title = "Quy trình đổi tên hoàntoànmới"
        session.commit()
    body = admin_api.get("/api/v1/search", query_string={"q": "hoàntoànmới", "include_history": "1"}).get_json()
    assert [hit["procedure_id"] for hit in body["hits"]] == [procedure_id]
    with app.app_context():
        records = indexer.get_backend().indexed_records([procedure_id])[procedure_id]
        from qmsdocs.search.documents import procedure_states

        assert records == procedure_states([procedure_id])[procedure_id].record_signatures()
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
