"""The index stays true to the database: after commit only, durable marks, recovery, one writer."""

from __future__ import annotations

import fcntl
import os
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select, text, update

from qmsdocs import create_app, jobs
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import get_engine, session, utcnow
from qmsdocs.procedures import services as procedures
from qmsdocs.procedures.models import Procedure
from qmsdocs.search import indexer, services
from qmsdocs.search.models import SearchOutbox
from tests.conftest import close_connections


@pytest.fixture
def search(admin_api):
    def search(q="", **params):
        response = admin_api.get("/api/v1/search", query_string={"q": q, **params})
        assert response.status_code == 200, response.get_json()
        return [hit["procedure_id"] for hit in response.get_json()["hits"]]
    return search


def outbox_count(app) -> int:
    with app.app_context():
        return session.scalar(select(func.count()).select_from(SearchOutbox))


def age_marks(app, seconds: int = 3600) -> None:
    with app.app_context():
        session.execute(update(SearchOutbox).values(created_at=utcnow() - timedelta(seconds=seconds)))
        session.commit()


@contextmanager
def index_lock_held(app):
    """Another writer holding the index: an embedded index's writer in another process, or a PostgreSQL session."""
    backend = app.extensions["qmsdocs.search"]
    if backend.name in ("whoosh", "tantivy"):
        with open(backend.root / "WRITELOCK", "a+b") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            yield
        return
    from qmsdocs.search.postgres_backend import LOCK, LOCK_KEY

    engine = create_engine(app.config["DATABASE_URL"])
    with engine.connect() as connection:
        connection.execute(text(f"SELECT pg_advisory_lock{LOCK}"), {"key": LOCK_KEY})
        try:
            yield
        finally:
            connection.execute(text(f"SELECT pg_advisory_unlock{LOCK}"), {"key": LOCK_KEY})
            connection.commit()
    engine.dispose()


def test_upload_is_searchable_as_soon_as_the_request_returns(make_procedure, admin_api, make_docx, search, app):
    procedure = make_procedure(code="QT-01/STP", title="Quy trình cấp phiếu lý lịch tư pháp")
    assert admin_api.upload(procedure["id"], make_docx(paragraphs=["Tra cứu thông tin lý lịch tư pháp."])).status_code == 201
    assert search("tra cứu thông tin") == [procedure["id"]]
    assert outbox_count(app) == 0


def test_rolled_back_upload_never_appears(app, make_procedure, make_docx, search):
    procedure_id = make_procedure(code="QT-02/STP", title="Quy trình thử")["id"]
    with app.app_context():
        procedure = session.get(Procedure, procedure_id)
        procedures.add_version(procedure, make_docx(paragraphs=["Nội dung bí mật chưa lưu."]), "a.docx",
                               actor=SYSTEM, max_bytes=10_000_000)
        # Before the commit the change is not in the index, even to a reader on its own connection.
        with app.app_context(), app.test_request_context("/search"):
            assert services.search(services.parse_request({"q": "bí mật chưa lưu"})).total == 0
        session.rollback()
    assert search("bí mật chưa lưu") == []
    assert outbox_count(app) == 0


def test_indexing_waits_for_the_commit(app, make_procedure, make_docx, search):
    procedure_id = make_procedure(code="QT-03/STP", title="Quy trình thử")["id"]
    with app.app_context():
        procedure = session.get(Procedure, procedure_id)
        procedures.add_version(procedure, make_docx(paragraphs=["Nội dung đã lưu chắc chắn."]), "a.docx",
                               actor=SYSTEM, max_bytes=10_000_000)
        session.flush()
        with app.app_context(), app.test_request_context("/search"):
            assert services.search(services.parse_request({"q": "đã lưu chắc chắn"})).total == 0
        session.commit()
    assert search("đã lưu chắc chắn") == [procedure_id]


def test_a_released_savepoint_does_not_index_before_the_real_commit(app, make_procedure, make_docx, search):
    procedure_id = make_procedure(code="QT-05/STP", title="Quy trình thử")["id"]
    with app.app_context():
        procedure = session.get(Procedure, procedure_id)
        with session.begin_nested():
            procedures.add_version(procedure, make_docx(paragraphs=["Nội dung trong điểm lưu tạm."]), "a.docx",
                                   actor=SYSTEM, max_bytes=10_000_000)
        with app.app_context(), app.test_request_context("/search"):
            assert services.search(services.parse_request({"q": "điểm lưu tạm"})).total == 0
        session.commit()
    assert search("điểm lưu tạm") == [procedure_id]
    assert outbox_count(app) == 0


def worker_dead(monkeypatch):
    """The process dies right after its commit: no worker applies the marks it left."""
    monkeypatch.setattr(jobs, "drain", lambda app: 0)


def test_a_crash_between_commit_and_indexing_is_repaired_by_check(app, make_procedure, admin_api, make_docx, search,
                                                                  runner, monkeypatch):
    procedure = make_procedure(code="QT-04/STP", title="Quy trình lưu trữ")
    worker_dead(monkeypatch)
    assert admin_api.upload(procedure["id"], make_docx(paragraphs=["Chỉnh lý tài liệu lưu trữ."])).status_code == 201
    assert search("chỉnh lý tài liệu") == []
    assert outbox_count(app) >= 1
    age_marks(app, 600)
    result = runner.invoke(args=["qms", "check"])
    assert result.exit_code == 1
    assert f"quy trình {procedure['id']}" in result.output
    repaired = runner.invoke(args=["qms", "check", "--repair"])
    assert "ĐÃ SỬA" in repaired.output, repaired.output
    assert outbox_count(app) == 0
    assert search("chỉnh lý tài liệu") == [procedure["id"]]
    assert runner.invoke(args=["qms", "check"]).exit_code == 0


def test_marks_left_by_a_dead_process_are_applied_by_the_next_worker(app, make_procedure, admin_api, make_docx,
                                                                      search, monkeypatch):
    procedure = make_procedure(code="QT-05/STP", title="Quy trình văn thư")
    worker_dead(monkeypatch)
    admin_api.upload(procedure["id"], make_docx(paragraphs=["Đăng ký văn bản đến."]))
    assert search("văn bản đến") == []
    monkeypatch.undo()
    jobs.get_worker(app).stop()  # its lock goes with it
    # Another process on the same data folder and database: its worker finds the marks.
    other = create_app({key: app.config[key] for key in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "SEARCH_BACKEND",
                                                        "WORKER")})
    try:
        assert jobs.drain(other) == 1
    finally:
        close_connections(other)
    assert outbox_count(app) == 0
    assert search("văn bản đến") == [procedure["id"]]


def test_an_engine_failure_never_fails_the_request_and_is_retried(app, make_procedure, admin_api, make_docx, search,
                                                                 monkeypatch, caplog):
    procedure = make_procedure(code="QT-08/STP", title="Quy trình kiểm tra")
    backend = app.extensions["qmsdocs.search"]

    def broken(timeout):
        raise OSError("disk full")

    monkeypatch.setattr(backend, "writer", broken)
    response = admin_api.upload(procedure["id"], make_docx(paragraphs=["Kiểm tra nội bộ định kỳ."]))
    assert response.status_code == 201
    assert "search_outbox job failed" in caplog.text
    with app.app_context():
        mark = session.scalars(select(SearchOutbox)).first()
        assert mark.attempts == 1 and "disk full" in mark.last_error
    monkeypatch.undo()
    age_marks(app)
    search("kiểm tra nội bộ")
    assert search("kiểm tra nội bộ") == [procedure["id"]]


def test_a_mark_that_keeps_failing_does_not_hold_up_others(app, make_procedure, admin_api, make_docx, search,
                                                            monkeypatch):
    broken = make_procedure(code="QT-10/STP", title="Quy trình hỏng")["id"]
    healthy = make_procedure(code="QT-11/STP", title="Quy trình lành")["id"]
    real_documents_for = indexer.documents_for

    def documents_for(ids, *args, **kwargs):
        if broken in ids:
            raise ValueError("unreadable text")
        return real_documents_for(ids, *args, **kwargs)

    monkeypatch.setattr(indexer, "documents_for", documents_for)
    assert admin_api.upload(broken, make_docx(paragraphs=["Văn bản hỏng."])).status_code == 201
    age_marks(app)
    assert admin_api.upload(healthy, make_docx(paragraphs=["Văn bản lành mạnh."])).status_code == 201
    assert search("lành mạnh") == [healthy]
    with app.app_context():
        attempts = session.scalars(select(SearchOutbox.attempts).where(SearchOutbox.procedure_id == broken)).all()
        assert attempts and max(attempts) >= 2
        session.execute(update(SearchOutbox).values(attempts=indexer.MAX_AUTOMATIC_ATTEMPTS))
        session.commit()
        assert not indexer.has_stale_marks()  # given up automatically; `qms check` reports it


def test_a_busy_index_leaves_the_work_marked(app, make_procedure, admin_api, make_docx, search, monkeypatch):
    procedure = make_procedure(code="QT-09/STP", title="Quy trình tiếp dân")
    monkeypatch.setattr(indexer, "LOCK_WAIT_SECONDS", 0.3)
    with index_lock_held(app):
        response = admin_api.upload(procedure["id"], make_docx(paragraphs=["Tiếp công dân định kỳ."]))
        assert response.status_code == 201
    assert outbox_count(app) >= 1
    age_marks(app)
    search("tiếp công dân định kỳ")
    assert search("tiếp công dân định kỳ") == [procedure["id"]]


def test_concurrent_uploads_lose_no_update(app, make_procedure, admin_api, make_docx):
    created = [make_procedure(code=f"QT-1{n}/STP", title=f"Quy trình song song {n}")["id"] for n in range(4)]
    payloads = {pid: [make_docx(paragraphs=[f"Phiên bản {v} của quy trình số {pid} từ khoá{pid}x{v}."])
                      for v in (1, 2)] for pid in created}
    errors: list = []

    def upload(pid):
        client = app.test_client()
        try:
            for data in payloads[pid]:
                from io import BytesIO

                response = client.post(f"/api/v1/procedures/{pid}/versions", headers=admin_api.headers,
                                       data={"file": (BytesIO(data), "q.docx"), "note": "song song"},
                                       content_type="multipart/form-data")
                assert response.status_code == 201, response.get_json()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=upload, args=(pid,)) for pid in created]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    for pid in created:
        hits = admin_api.get("/api/v1/search", query_string={"q": f"từ khoá{pid}x2"}).get_json()["hits"]
        assert [(h["procedure_id"], h["version"]) for h in hits] == [(pid, 2)]
        old = admin_api.get("/api/v1/search", query_string={"q": f"từ khoá{pid}x1", "include_history": "1"}).get_json()
        assert [(h["procedure_id"], h["version"]) for h in old["hits"]] == [(pid, 1)]
    assert outbox_count(app) == 0


def test_racing_indexers_of_one_procedure_end_with_the_latest_state(app, make_procedure):
    procedure_id = make_procedure(code="QT-20/STP", title="Quy trình ban đầu")["id"]
    titles = [f"Quy trình đổi tên lần {n} mãsố{n}" for n in range(6)]
    barrier = threading.Barrier(len(titles))

    def rename(title):
        with app.app_context():
            barrier.wait()
            procedure = session.get(Procedure, procedure_id)
            procedure.title = title
            session.commit()

    threads = [threading.Thread(target=rename, args=(t,)) for t in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    jobs.drain(app)
    with app.app_context():
        final = session.get(Procedure, procedure_id).title
        number = final.rsplit("mãsố", 1)[1]
        assert services.search(services.parse_request({"q": f"mãsố{number}"})).total == 1
        others = [t for t in titles if t != final]
        for title in others:
            assert services.search(services.parse_request({"q": title.rsplit(" ", 1)[1]})).total == 0


def test_reindex_rebuilds_everything_while_search_answers(app, make_procedure, admin_api, make_docx, runner):
    procedure = make_procedure(code="QT-30/STP", title="Quy trình thi đua khen thưởng")
    admin_api.upload(procedure["id"], make_docx(paragraphs=["Xét tặng danh hiệu thi đua."]))
    answers = []
    with app.app_context():
        def progress(_count):
            with app.app_context():
                answers.append(services.search(services.parse_request({"q": "danh hiệu thi đua"})).total)
        indexer.rebuild(progress=progress, batch=1)
        session.commit()
    assert answers and all(total == 1 for total in answers)
    result = runner.invoke(args=["qms", "reindex"])
    assert result.exit_code == 0, result.output
    assert "1 quy trình" in result.output
    hits = admin_api.get("/api/v1/search", query_string={"q": "danh hieu thi dua"}).get_json()["hits"]
    assert [h["procedure_id"] for h in hits] == [procedure["id"]]


def test_check_reports_index_and_database_disagreement_and_repair_fixes_it(app, make_procedure, runner, search):
    kept = make_procedure(code="QT-40/STP", title="Quy trình bảo mật")
    with app.app_context():
        with indexer.get_backend().writer(5) as writer:
            writer.replace(kept["id"], [])  # the index lost a procedure
        session.commit()
    assert search("bảo mật") == []
    result = runner.invoke(args=["qms", "check"])
    assert result.exit_code == 1
    assert "index_missing" in result.output
    assert runner.invoke(args=["qms", "check", "--repair"]).exit_code == 0
    assert search("bảo mật") == [kept["id"]]
    assert runner.invoke(args=["qms", "check"]).exit_code == 0


def test_renaming_an_agency_reindexes_its_procedures(app, make_procedure, search):
    from qmsdocs.agencies.models import Agency

    procedure = make_procedure(agency="STP", code="QT-50/STP", title="Quy trình một cửa")
    with app.app_context():
        agency = session.scalar(select(Agency).where(Agency.code == "STP"))
        agency.name = "Sở Tư pháp tỉnh Hậu Giang"
        session.commit()
    assert search("hau giang") == [procedure["id"]]


def test_a_postgres_backend_on_sqlite_is_refused_at_startup(tmp_path):
    with pytest.raises(RuntimeError, match="PostgreSQL"):
        create_app({"TESTING": True, "DATA_DIR": tmp_path, "SECRET_KEY": "x",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SEARCH_BACKEND": "postgres"})
    with pytest.raises(RuntimeError, match="tantivy, whoosh hoặc postgres"):
        create_app({"TESTING": True, "DATA_DIR": tmp_path, "SECRET_KEY": "x",
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SEARCH_BACKEND": "elastic"})


def test_init_creates_the_index_and_is_safe_to_run_again(app, runner, make_procedure, search):
    procedure = make_procedure(code="QT-60/STP", title="Quy trình khởi tạo")
    assert runner.invoke(args=["qms", "init"]).exit_code == 0
    assert search("khởi tạo") == [procedure["id"]]
    with app.app_context():
        get_engine()
        backend = app.extensions["qmsdocs.search"]
        # The backend asked for, whatever the database: PostgreSQL runs the Whoosh checks too when asked.
        assert backend.name == os.environ.get("QMSDOCS_TEST_SEARCH_BACKEND", "tantivy")
        if backend.name in ("whoosh", "tantivy"):
            generation = (backend.root / "CURRENT").read_text().strip()
            assert generation and (backend.root / generation).is_dir()
        assert set(backend.indexed_state()) == {procedure["id"]}
