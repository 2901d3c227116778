"""GET /healthz and the request log: what a load balancer and an operator see."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from sqlalchemy import create_engine, update

from qmsdocs import jobs
from qmsdocs.db import session, utcnow
from qmsdocs.search.models import SearchOutbox


def test_healthy_service_answers_200_without_sign_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "data_dir", "search_index", "search_outbox"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["search_outbox"]["lag_seconds"] == 0
    assert response.headers["Cache-Control"] == "no-store"


def test_unreachable_database_is_named(app, client, tmp_path):
    real = app.extensions["qmsdocs.engine"]
    app.extensions["qmsdocs.engine"] = create_engine(f"sqlite:///{tmp_path}/no-such-folder/x.sqlite3")
    try:
        response = client.get("/healthz")
    finally:
        app.extensions["qmsdocs.engine"].dispose()
        app.extensions["qmsdocs.engine"] = real
    assert response.status_code == 503
    assert "database" in response.get_json()["failing"]
    assert "unable to open" in response.get_json()["checks"]["database"]["error"]


def test_unwritable_data_folder_is_named(app, client, tmp_path):
    real = app.config["DATA_DIR"]
    not_a_folder = tmp_path / "plain-file"
    not_a_folder.write_text("x")
    app.config["DATA_DIR"] = not_a_folder
    try:
        response = client.get("/healthz")
    finally:
        app.config["DATA_DIR"] = real
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["data_dir"]


def test_unreadable_search_index_is_named(app, client, monkeypatch):
    backend = app.extensions["qmsdocs.search"]

    def broken(*args, **kwargs):
        raise OSError("index segment unreadable")

    monkeypatch.setattr(backend, "search", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["search_index"]


def test_outbox_lag_over_the_limit_is_named_with_its_age(app, client, make_procedure, monkeypatch):
    procedure_id = make_procedure()["id"]
    monkeypatch.setattr(jobs, "drain", lambda app: 0)  # no worker running
    with app.app_context():
        session.add(SearchOutbox(procedure_id=procedure_id, created_at=utcnow() - timedelta(seconds=30)))
        session.commit()
    ok = client.get("/healthz").get_json()
    assert ok["status"] == "ok" and 29 <= ok["checks"]["search_outbox"]["lag_seconds"] < 60
    with app.app_context():
        session.execute(update(SearchOutbox).values(created_at=utcnow() - timedelta(seconds=600)))
        session.commit()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["search_outbox"] and body["checks"]["search_outbox"]["lag_seconds"] >= 600
    monkeypatch.undo()
    jobs.drain(app)
    assert client.get("/healthz").status_code == 200


def test_every_request_is_logged_once_with_its_id_and_duration(client, admin_api, caplog):
    caplog.set_level(logging.INFO, logger="qmsdocs.request")
    response = admin_api.get("/api/v1/procedures", query_string={"agency": "bí mật"})
    request_id = response.headers["X-Request-Id"]
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "qmsdocs.request"]
    (line,) = [entry for entry in lines if entry["request_id"] == request_id]
    assert line["method"] == "GET" and line["path"] == "/api/v1/procedures" and line["status"] == 200
    assert line["duration_ms"] >= 0 and line["user"] == admin_api.username
    assert "bí mật" not in caplog.text  # query strings may hold search words: not logged


def test_a_proxys_request_id_is_kept_and_a_hostile_one_replaced(client):
    assert client.get("/healthz", headers={"X-Request-Id": "nginx-abc123"}).headers["X-Request-Id"] == "nginx-abc123"
    replaced = client.get("/healthz", headers={"X-Request-Id": "x;Set-Cookie: a=1" + "y" * 100})
    assert replaced.headers["X-Request-Id"] != "" and "\n" not in replaced.headers["X-Request-Id"]
    assert len(replaced.headers["X-Request-Id"]) == 32
