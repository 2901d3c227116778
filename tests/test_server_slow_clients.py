"""A real gunicorn with the project's settings: stalled and slow clients cost a thread, not the service.

Each test starts `gunicorn -c gunicorn.conf.py wsgi:app` on 127.0.0.1 (a free port chosen by
the kernel) against its own data folder and database, and is bounded in time (about 30 s).
Select them with `-m server`; they are part of the normal run.
"""

from __future__ import annotations

import json
import os
import threading
import time
from contextlib import ExitStack
from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs.db import session
from tests.conftest import PASSWORD, close_connections, create_test_user, initialized_app
from tests.docx_factory import make_docx
from tests.servers import read_status, start_gunicorn

pytestmark = pytest.mark.server

READ_TIMEOUT = 4


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
        close_connections(app)  # the server's own worker takes the job locks
        env = {**os.environ,
               "QMSDOCS_DATA_DIR": str(app.config["DATA_DIR"]),
               "QMSDOCS_DATABASE_URL": app.config["DATABASE_URL"],
               "QMSDOCS_SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
               "QMSDOCS_SECRET_KEY": "test-secret",
               "QMSDOCS_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT)}
        with ExitStack() as stack:
            server, _process = start_gunicorn(stack, env, tokens, procedure_id)
            yield server


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
