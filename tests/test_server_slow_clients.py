"""A real gunicorn with the project's settings: stalled and slow clients cost a thread, not the service.

Each test starts `gunicorn -c gunicorn.conf.py wsgi:app` on 127.0.0.1 (a free port chosen by
the kernel) against its own data folder and database, and is bounded in time (about 30 s).
Select them with `-m server`; they are part of the normal run.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs.db import session
from tests.conftest import PASSWORD, create_test_user, get_engine_of, initialized_app
from tests.docx_factory import make_docx

pytestmark = pytest.mark.server

ROOT = Path(__file__).resolve().parent.parent
READ_TIMEOUT = 4
BOOT_SECONDS = 40


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    elapsed: float


@dataclass
class LiveServer:
    port: int
    tokens: dict
    procedure_id: int
    log: list

    def call(self, method, path, *, body=None, headers=None, token=None, timeout=15) -> Reply:
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {self.tokens[token]}"
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        started = time.monotonic()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        return Reply(response.status, response.headers, data, time.monotonic() - started)

    def sign_in(self, username, password) -> Reply:
        started = time.monotonic()
        page = self.call("GET", "/login")
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        csrf = re.search(rb'name="csrf_token" value="([^"]+)"', page.body).group(1).decode()
        form = f"csrf_token={csrf}&username={username}&password={password}".encode()
        reply = self.call("POST", "/login", body=form, headers={
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
        reply.elapsed = time.monotonic() - started
        return reply

    def open_raw(self, head: bytes) -> socket.socket:
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        raw.sendall(head)
        return raw


def read_status(raw: socket.socket) -> int:
    data = b""
    while b"\r\n" not in data:
        chunk = raw.recv(4096)
        if not chunk:
            break
        data += chunk
    raw.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0


@pytest.fixture
def live_server(tmp_path):
    with initialized_app(tmp_path, TESTING=True) as app:
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM
        from qmsdocs.auth.services import mint_token, user_by_name
        from qmsdocs.procedures.services import create_procedure

        with app.app_context():
            create_agency("STP", "Sở Tư pháp", "province", actor=SYSTEM)
            session.commit()
        for name, role in (("quantri", "admin"), ("bientap", "editor"), ("xem", "viewer")):
            create_test_user(app, name, role, None if role == "admin" else "STP")
        with app.app_context():
            tokens = {name: mint_token(user_by_name(name)) for name in ("quantri", "bientap", "xem")}
            procedure = create_procedure("STP", "QT-01/STP", "Quy trình thử", actor=user_by_name("quantri"))
            session.commit()
            procedure_id = procedure.id
        get_engine_of(app).dispose()
        env = {**os.environ,
               "QMSDOCS_DATA_DIR": str(app.config["DATA_DIR"]),
               "QMSDOCS_DATABASE_URL": app.config["DATABASE_URL"],
               "QMSDOCS_SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
               "QMSDOCS_SECRET_KEY": "test-secret",
               "QMSDOCS_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT)}
        # One process keeps the test light on a loaded machine; threads come from gunicorn.conf.py.
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py"), "-w", "1",
             "-b", "127.0.0.1:0", "--no-control-socket", "wsgi:app"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        log: list[str] = []
        listening = threading.Event()

        def drain():
            for line in process.stderr:
                log.append(line)
                if "Listening at:" in line:
                    listening.set()

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            assert listening.wait(BOOT_SECONDS), "gunicorn did not start:\n" + "".join(log)
            port = int(re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", "".join(log)).group(1))
            server = LiveServer(port, tokens, procedure_id, log)
            deadline = time.monotonic() + BOOT_SECONDS
            while True:
                try:
                    if server.call("GET", "/login", timeout=5).status == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "gunicorn did not answer:\n" + "".join(log)
                time.sleep(0.2)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
            reader.join(timeout=5)
            process.stderr.close()


def test_a_stalled_request_body_holds_up_no_write_read_or_sign_in(live_server):
    head = (b"POST /api/v1/procedures HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Authorization: Bearer " + live_server.tokens["xem"].encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 140\r\n\r\n" + b'{"agency":')
    stalled = live_server.open_raw(head)
    time.sleep(0.5)  # the server has the headers and waits for the other 130 bytes

    write = live_server.call("POST", "/api/v1/procedures", token="bientap",
                             body={"agency": "STP", "code": "QT-02/STP", "title": "Quy trình mới"})
    assert write.status == 201, write.body
    read = live_server.call("GET", f"/api/v1/procedures/{live_server.procedure_id}", token="quantri")
    assert read.status == 200
    signed_in = live_server.sign_in("bientap", PASSWORD)
    assert signed_in.status == 302
    assert max(write.elapsed, read.elapsed, signed_in.elapsed) < 5, (write.elapsed, read.elapsed, signed_in.elapsed)

    # The stalled client is told off once it has sent nothing for the read timeout; nothing is stored.
    started = time.monotonic()
    assert read_status(stalled) == 408
    assert time.monotonic() - started < READ_TIMEOUT + 10
    codes = [item["code"] for item in json.loads(
        live_server.call("GET", "/api/v1/procedures", token="quantri").body)["items"]]
    assert sorted(codes) == ["QT-01/STP", "QT-02/STP"]


def test_twenty_slow_uploads_leave_pages_and_api_reads_answering(live_server):
    slow_clients = 20
    statuses: list[int] = []

    def trickle(number: int) -> None:
        data = make_docx(revision="02", paragraphs=[f"Bản sửa chậm số {number}."] * 40)
        boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename=f"sua-{number}.docx"),
                                           "note": f"Sửa đổi {number}"})
        head = (f"POST /api/v1/procedures/{live_server.procedure_id}/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Authorization: Bearer {live_server.tokens['bientap']}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n").encode()
        raw = live_server.open_raw(head)
        pieces = 25
        size = -(-len(body) // pieces)
        for start in range(0, len(body), size):  # the whole body over about 8 seconds
            raw.sendall(body[start:start + size])
            time.sleep(8 / pieces)
        statuses.append(read_status(raw))

    clients = [threading.Thread(target=trickle, args=(number,)) for number in range(slow_clients)]
    for client in clients:
        client.start()
    time.sleep(1.5)  # every slow client is now part-way through its upload

    latencies = []
    until = time.monotonic() + 5
    while time.monotonic() < until:
        page = live_server.call("GET", "/login")
        read = live_server.call("GET", f"/api/v1/procedures/{live_server.procedure_id}", token="quantri")
        assert page.status == 200 and read.status == 200
        latencies += [page.elapsed, read.elapsed]
        time.sleep(0.2)
    for client in clients:
        client.join(timeout=40)

    assert max(latencies) < 3, sorted(latencies)[-5:]
    assert sorted(statuses) == [201] * slow_clients, statuses
