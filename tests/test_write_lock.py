"""Short write transactions: reads never wait for writers, writers wait a bounded time, then 503."""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, select, text

from qmsdocs.auth.models import ApiToken
from qmsdocs.db import session
from tests.conftest import initialized_app

LOCK_TIMEOUT = 0.5


@pytest.fixture
def app(tmp_path):
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False, LOCK_TIMEOUT_SECONDS=LOCK_TIMEOUT) as app:
        yield app


@contextmanager
def another_writer_holds_the_lock(app):
    """A second connection in the middle of a long write, as another process would be."""
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        # Blocks every insert and update of the procedure tables, not reads.
        connection.execute(text("LOCK TABLE procedures, audit_events IN SHARE ROW EXCLUSIVE MODE"))
        try:
            yield
        finally:
            connection.rollback()
    engine.dispose()


def test_api_reads_answer_while_another_writer_holds_the_lock(app, admin_api, make_procedure):
    procedure = make_procedure()
    with another_writer_holds_the_lock(app):
        started = time.monotonic()
        response = admin_api.get(f"/api/v1/procedures/{procedure['id']}")
        search = admin_api.get("/api/v1/procedures?agency=STP")
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.get_json()
    assert search.status_code == 200
    assert elapsed < 2


def test_a_write_that_cannot_get_the_lock_in_time_is_a_503_with_retry_after_and_changes_nothing(
        app, admin_api, make_procedure):
    make_procedure()
    with another_writer_holds_the_lock(app):
        started = time.monotonic()
        response = admin_api.post("/api/v1/procedures", json={"agency": "STP", "code": "QT-02", "title": "Mới"})
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()
    assert "thử lại" in response.get_json()["error"]["message"]
    assert elapsed < LOCK_TIMEOUT + 5
    codes = [item["code"] for item in admin_api.get("/api/v1/procedures").get_json()["items"]]
    assert codes == ["QT-01/STP"]


def test_a_token_use_is_recorded_outside_the_request_and_at_most_once_a_minute(app, admin_api, make_procedure):
    def last_used():
        with app.app_context():
            return session.scalar(select(ApiToken.last_used_at).order_by(ApiToken.id.desc()).limit(1))

    make_procedure()
    first = last_used()
    assert first is not None
    admin_api.get("/api/v1/procedures")
    assert last_used() == first
    with app.app_context():
        session.execute(text("UPDATE api_tokens SET last_used_at = :old"), {"old": first.replace(year=2020)})
        session.commit()
    from qmsdocs.auth import services

    services._recent_token_uses.clear()
    admin_api.get("/api/v1/procedures")
    assert last_used() > first.replace(year=2020)


def test_a_token_read_while_the_database_is_locked_still_answers(app, admin_api, make_procedure):
    make_procedure()
    from qmsdocs.auth import services

    services._recent_token_uses.clear()
    with app.app_context():
        session.execute(text("UPDATE api_tokens SET last_used_at = NULL"))
        session.commit()
    with another_writer_holds_the_lock(app):
        response = admin_api.get("/api/v1/procedures")
    assert response.status_code == 200


def test_behind_a_proxy_the_client_address_comes_from_x_forwarded_for(tmp_path):
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False, PROXY_HOPS=1) as app:
        from qmsdocs.auth import signin

        client = app.test_client()
        for _ in range(signin.PAIR_LIMIT):
            client.post("/login", data={"username": "ai-do", "password": "sai"},
                        headers={"X-Forwarded-For": "203.0.113.50"})
        with app.app_context():
            from qmsdocs.auth.models import SignInThrottle

            keys = set(session.scalars(select(SignInThrottle.key).where(SignInThrottle.scope == "address")))
        assert keys == {"203.0.113.50"}
