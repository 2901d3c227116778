"""A real gunicorn with the project's settings on 127.0.0.1, for the tests that need real sockets."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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


def start_gunicorn(stack: ExitStack, env: dict, tokens: dict, procedure_id: int = 0,
                   name: str = "") -> tuple[LiveServer, subprocess.Popen]:
    """`gunicorn -c gunicorn.conf.py -w 1 wsgi:app` on a free port; stopped when `stack` closes.

    One process keeps the tests light on a loaded machine; threads come from gunicorn.conf.py.
    Returns once the server answers the sign-in page.
    """
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

    def stop():
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        reader.join(timeout=5)
        process.stderr.close()

    stack.callback(stop)
    label = f"gunicorn {name}".strip()
    assert listening.wait(BOOT_SECONDS), f"{label} did not start:\n" + "".join(log)
    port = int(re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", "".join(log)).group(1))
    server = LiveServer(port, tokens, procedure_id, log)
    deadline = time.monotonic() + BOOT_SECONDS
    while True:
        try:
            if server.call("GET", "/login", timeout=5).status == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, f"{label} did not answer:\n" + "".join(log)
        time.sleep(0.2)
    return server, process
