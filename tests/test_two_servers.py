"""Two gunicorn servers, two local data folders, one PostgreSQL schema: either serves what the other received.

Upload through A, read it back through B (exact bytes, preview, diff, search); approve through B
and see it through A; kill A with SIGKILL in the middle of a burst of uploads, then every upload
A acknowledged is served by B, B's worker takes over the search outbox, and `qms check` passes.
Bounded to about a minute.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from io import BytesIO
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs import jobs
from qmsdocs.db import session
from tests.conftest import POSTGRES_URL, create_test_user, initialized_app
from tests.docx_factory import make_docx
from tests.servers import LiveServer, start_gunicorn

pytestmark = [pytest.mark.server,
              pytest.mark.skipif(not POSTGRES_URL, reason="several servers share one PostgreSQL database; "
                                                          "SQLite is for a single server (QMSDOCS_TEST_DATABASE_URL unset)")]

BURST_PROCEDURES = 4


def start_server(stack: ExitStack, name: str, data_dir: Path, app, tokens: dict) -> tuple[LiveServer, subprocess.Popen]:
    data_dir.mkdir()
    env = {key: value for key, value in os.environ.items() if not key.startswith("QMSDOCS_")}
    # No QMSDOCS_SECRET_KEY and no blob store setting: the defaults on PostgreSQL share both.
    env.update({"QMSDOCS_DATA_DIR": str(data_dir), "QMSDOCS_DATABASE_URL": app.config["DATABASE_URL"],
                "QMSDOCS_SEARCH_BACKEND": "postgres", "QMSDOCS_WORKER_POLL_SECONDS": "0.5",
                "QMSDOCS_WORKER_TAKEOVER_SECONDS": "1"})
    return start_gunicorn(stack, env, tokens, name=name)


def upload(server: LiveServer, procedure_id: int, data: bytes, token: str = "bientap", timeout: float = 15):
    boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename="quy-trinh.docx"), "note": "Cập nhật"})
    return server.call("POST", f"/api/v1/procedures/{procedure_id}/versions", body=body, token=token, timeout=timeout,
                       headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})


def wait_for(predicate, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.25)
    raise AssertionError(f"not within {seconds} s: {what}")


def test_two_servers_serve_each_others_files_and_survive_the_loss_of_one(tmp_path):
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.auth.services import mint_token, user_by_name
    from qmsdocs.procedures.services import create_procedure
    from qmsdocs.search.models import SearchOutbox

    with initialized_app(tmp_path, TESTING=True, SECRET_KEY=None) as app, ExitStack() as stack:
        assert app.config["BLOB_STORE"] == "database"
        with app.app_context():
            create_agency("STP", "Sở Tư pháp", "province", approval_required=True, actor=SYSTEM)
            session.commit()
        for name, role in (("quantri", "admin"), ("bientap", "editor")):
            create_test_user(app, name, role, None if role == "admin" else "STP")
        with app.app_context():
            tokens = {name: mint_token(user_by_name(name)) for name in ("quantri", "bientap")}
            admin = user_by_name("quantri")
            procedures = [create_procedure("STP", f"QT-{n:02d}/STP", f"Quy trình {n}", actor=admin).id
                          for n in range(1 + BURST_PROCEDURES)]
            session.commit()
        main = procedures[0]
        # The test's own app ran the jobs once during `qms init`: it must not keep their locks.
        jobs.get_worker(app).release_locks()
        server_a, process_a = start_server(stack, "A", tmp_path / "server-a", app, tokens)
        time.sleep(1)  # A's worker takes the job locks first; B will stand by
        server_b, _process_b = start_server(stack, "B", tmp_path / "server-b", app, tokens)

        # Upload through A; exact bytes, preview, diff and search through B.
        first = make_docx(paragraphs=["Tiếp nhận hồ sơ đăng ký hộ tịch tại bộ phận một cửa."])
        second = make_docx(paragraphs=["Tiếp nhận hồ sơ đăng ký hộ tịch trực tuyến qua cổng dịch vụ công."])
        for data in (first, second):
            reply = upload(server_a, main, data)
            assert reply.status == 201, reply.body
        file_b = server_b.call("GET", f"/api/v1/procedures/{main}/versions/2/file", token="quantri")
        assert file_b.status == 200 and file_b.body == second
        preview = server_b.call("GET", f"/api/v1/procedures/{main}/versions/2/html", token="quantri")
        assert preview.status == 200 and "trực tuyến".encode() in preview.body
        diff = server_b.call("GET", f"/api/v1/procedures/{main}/diff?from=1&to=2", token="quantri")
        assert diff.status == 200 and json.loads(diff.body)["changes"]

        # Approve through B (a session B signed is valid on A: one shared key), see it through A.
        approved = server_b.call("POST", f"/api/v1/procedures/{main}/versions/2/approve", body={}, token="quantri")
        assert approved.status == 200, approved.body
        seen = json.loads(server_a.call("GET", f"/api/v1/procedures/{main}/versions/2", token="quantri").body)
        assert seen["state"] == "approved"
        signed_in_b = server_b.sign_in("quantri", "mat-khau-thu-nghiem")
        cookie = signed_in_b.headers["Set-Cookie"].split(";", 1)[0]
        assert server_a.call("GET", "/procedures", headers={"Cookie": cookie}).status == 200

        def search_b(words):
            reply = server_b.call("GET", "/api/v1/search?q=" + quote(words), token="quantri")
            assert reply.status == 200, reply.body
            return {hit["procedure_id"] for hit in json.loads(reply.body)["hits"]}
        wait_for(lambda: main in search_b("trực tuyến"), 15, "search through B")

        # A burst of uploads to A; A is killed in the middle of it.
        acknowledged: list[tuple[int, int, str]] = []
        lock = threading.Lock()

        def burst(procedure_id: int):
            for n in range(1000):
                data = make_docx(paragraphs=[f"Bản {n} của quy trình {procedure_id}: lưu trữ hồ sơ điện tử."])
                try:
                    reply = upload(server_a, procedure_id, data, token="quantri", timeout=10)
                except OSError:
                    return
                if reply.status != 201:
                    return
                with lock:
                    acknowledged.append((procedure_id, json.loads(reply.body)["version"],
                                         hashlib.sha256(data).hexdigest()))

        with ThreadPoolExecutor(BURST_PROCEDURES) as pool:
            futures = [pool.submit(burst, pid) for pid in procedures[1:]]
            wait_for(lambda: len(acknowledged) >= 6, 30, "uploads acknowledged by A")
            os.kill(process_a.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            for future in futures:
                future.result(timeout=30)
        assert acknowledged
        with app.app_context():
            # Work left for whoever runs the jobs now: only B is alive to take it over.
            session.add_all([SearchOutbox(procedure_id=pid) for pid in procedures])
            session.commit()

        for procedure_id, number, sha in acknowledged:
            reply = server_b.call("GET", f"/api/v1/procedures/{procedure_id}/versions/{number}/file", token="quantri")
            assert reply.status == 200 and hashlib.sha256(reply.body).hexdigest() == sha

        def outbox_empty():
            with app.app_context():
                remaining = session.scalar(select(func.count()).select_from(SearchOutbox))
                session.rollback()
            return remaining == 0
        wait_for(outbox_empty, 20, "B's worker drains the search outbox after A was killed")
        takeover = time.monotonic() - killed_at
        print(f"{len(acknowledged)} uploads acknowledged by A before SIGKILL; B took over in {takeover:.1f} s")
        assert takeover < 20

        checked = app.test_cli_runner().invoke(args=["qms", "check"])
        assert checked.exit_code == 0, checked.output
