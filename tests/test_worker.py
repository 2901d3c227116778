"""The background worker: one runner per kind, takeover when it stops, retries with backoff, visible lag."""

from __future__ import annotations

import time
from datetime import timedelta
from io import BytesIO

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from qmsdocs import create_app, jobs
from qmsdocs.db import session, utcnow
from qmsdocs.jobs import registry
from qmsdocs.jobs.worker import backoff_seconds
from qmsdocs.search.models import SearchOutbox
from tests.conftest import close_connections

SHARED = ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "SEARCH_BACKEND", "PASSWORD_HASH_METHOD")


@pytest.fixture
def second_app(app):
    """Another server process on the same data folder and database."""
    other = create_app({**{key: app.config[key] for key in SHARED}, "WORKER": "off", "TESTING": True,
                        "WORKER_POLL_SECONDS": 0.05, "WORKER_TAKEOVER_SECONDS": 0.2})
    yield other
    close_connections(other)


def outbox_count(app) -> int:
    with app.app_context():
        return session.scalar(select(func.count()).select_from(SearchOutbox))


def mark_changed(app, procedure_id: int) -> None:
    """A change committed by some process: its outbox mark, as a request would leave it."""
    with app.app_context():
        session.add(SearchOutbox(procedure_id=procedure_id))
        session.commit()


def wait_until(condition, timeout: float = 8.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def worker_dead(monkeypatch):
    monkeypatch.setattr(jobs, "drain", lambda app: 0)


def test_one_runner_per_kind_and_a_standby_takes_over_when_it_stops(app, second_app, make_procedure):
    procedure_id = make_procedure()["id"]
    first, second = jobs.get_worker(app), jobs.get_worker(second_app)
    first.tick(force=True)
    second.tick(force=True)
    assert first.states["search_outbox"].role == "runner"
    assert second.states["search_outbox"].role == "standby"

    mark_changed(app, procedure_id)
    assert second.tick(force=True) == 0  # a standby does not touch the work
    assert outbox_count(app) == 1
    first.stop()  # the runner's process ends: its lock goes with it

    second.start()
    try:
        assert wait_until(lambda: outbox_count(app) == 0), second.states["search_outbox"]
        assert second.states["search_outbox"].role == "runner"
        mark_changed(app, procedure_id)
        assert wait_until(lambda: outbox_count(app) == 0)  # picked up at the next poll, no wake needed
    finally:
        second.stop()


def test_a_standby_thread_takes_over_within_seconds(app, second_app, make_procedure):
    procedure_id = make_procedure()["id"]
    app.config.update(WORKER_POLL_SECONDS=0.05, WORKER_TAKEOVER_SECONDS=0.2)
    first, second = jobs.get_worker(app), jobs.get_worker(second_app)
    first.start()
    assert wait_until(lambda: first.states.get("search_outbox") and first.states["search_outbox"].role == "runner")
    second.start()
    assert wait_until(lambda: second.states.get("search_outbox") and second.states["search_outbox"].role == "standby")
    first.stop()
    stopped = time.monotonic()
    mark_changed(app, procedure_id)
    assert wait_until(lambda: outbox_count(app) == 0, timeout=5)
    assert time.monotonic() - stopped < 5
    assert second.states["search_outbox"].role == "runner"


def test_a_failing_kind_is_retried_with_growing_pauses(app, monkeypatch):
    calls = []

    def flaky():
        calls.append(time.time())
        if len(calls) <= 2:
            raise OSError("disk full")
        return 1

    monkeypatch.setattr(registry, "_kinds", {"flaky": registry.JobKind("flaky", "Thử", flaky, lambda: 7.0)})
    worker = jobs.get_worker(app)
    assert worker.tick() == 0
    state = worker.states["flaky"]
    assert state.failures == 1 and "disk full" in state.last_error
    assert state.retry_at - time.time() == pytest.approx(backoff_seconds(1), abs=0.5)
    assert worker.tick() == 0 and len(calls) == 1  # still pausing: not run again
    assert worker.tick(force=True) == 0 and state.failures == 2
    assert state.retry_at - time.time() == pytest.approx(backoff_seconds(2), abs=0.5)
    assert worker.tick(force=True) == 1
    assert state.failures == 0 and state.last_error is None and state.items_done == 1
    with app.app_context():
        (row,) = worker.report()
    assert row["lag_seconds"] == 7.0 and row["role"] == "runner"
    assert [backoff_seconds(n) for n in (1, 2, 3, 4, 10)] == [1, 2, 4, 8, 60]


def test_a_request_wakes_the_thread_and_answers_before_indexing(app, make_procedure, admin_api, make_docx):
    """With a live worker thread (no draining), an upload is found by search within seconds."""
    procedure_id = make_procedure()["id"]
    app.config.update(WORKER_POLL_SECONDS=30)  # only the request's wake-up can explain a quick pick-up
    plain = FlaskClient(app, app.response_class, use_cookies=False)
    worker = jobs.get_worker(app)
    worker.start()
    try:
        response = plain.post(f"/api/v1/procedures/{procedure_id}/versions", headers=admin_api.headers,
                              data={"file": (BytesIO(make_docx(paragraphs=["Thẩm định hồ sơ lưu."])), "a.docx"),
                                    "note": "v1"})
        assert response.status_code == 201, response.get_json()

        def found():
            answer = plain.get("/api/v1/search", query_string={"q": "thẩm định hồ sơ lưu"}, headers=admin_api.headers)
            # (a 503 "busy" while the worker writes is the token-use write of reads, handled elsewhere)
            return answer.status_code == 200 and [h["procedure_id"] for h in answer.get_json()["hits"]] == [procedure_id]

        assert wait_until(found, timeout=10)
    finally:
        worker.stop()


def test_procedure_page_says_the_index_is_being_updated(app, make_procedure, admin_api, make_docx, client, make_user,
                                                        monkeypatch):
    from tests.conftest import PASSWORD

    procedure_id = make_procedure()["id"]
    make_user("xem", "viewer", "STP")
    client.post("/login", data={"username": "xem", "password": PASSWORD})
    worker_dead(monkeypatch)
    assert admin_api.upload(procedure_id, make_docx(paragraphs=["Nội dung mới."])).status_code == 201
    assert "đang cập nhật chỉ mục" in client.get(f"/procedures/{procedure_id}").get_data(as_text=True)
    monkeypatch.undo()
    jobs.drain(app)
    assert "đang cập nhật chỉ mục" not in client.get(f"/procedures/{procedure_id}").get_data(as_text=True)


def test_qms_worker_once_applies_what_is_waiting(app, make_procedure, runner):
    procedure_id = make_procedure()["id"]
    mark_changed(app, procedure_id)
    jobs.get_worker(app).release_locks()
    result = runner.invoke(args=["qms", "worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "Đã xử lý 1 việc nền" in result.output
    assert outbox_count(app) == 0


def test_an_unknown_worker_mode_is_refused_at_startup(tmp_path):
    with pytest.raises(RuntimeError, match="QMSDOCS_WORKER"):
        create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "x", "WORKER": "celery"})


def test_the_admin_page_shows_each_kind_its_runner_and_lag(app, client, make_user, make_procedure, monkeypatch):
    from tests.conftest import PASSWORD

    procedure_id = make_procedure()["id"]
    worker_dead(monkeypatch)
    mark_changed(app, procedure_id)
    with app.app_context():
        session.execute(update(SearchOutbox).values(created_at=utcnow() - timedelta(seconds=42)))
        session.commit()
    make_user("quantri", "admin")
    make_user("bientap", "editor", "STP")
    client.post("/login", data={"username": "bientap", "password": PASSWORD})
    assert client.get("/system").status_code == 403
    client.post("/logout")
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    page = client.get("/system").get_data(as_text=True)
    assert "Cập nhật chỉ mục tìm kiếm" in page and "search_outbox" in page
    assert "42." in page or "43." in page


def test_a_busy_resource_is_retried_soon_and_is_not_a_failure(app, monkeypatch):
    def held_elsewhere():
        raise jobs.Busy("search index busy for more than 10s")

    monkeypatch.setattr(registry, "_kinds", {"busy": registry.JobKind("busy", "Thử", held_elsewhere)})
    worker = jobs.get_worker(app)
    for _ in range(3):
        assert worker.tick(force=True) == 0
    state = worker.states["busy"]
    assert state.failures == 0 and state.last_error.startswith("busy:")
    assert state.retry_at - time.time() == pytest.approx(1.0, abs=0.5)
