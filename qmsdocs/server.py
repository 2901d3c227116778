"""The gunicorn worker that serves qmsdocs: gunicorn's threaded worker (`gthread`), plus a read timeout.

With `gthread` a slow or stalled client costs one thread of a worker, never the whole worker.
gunicorn 27 waits at most 5 s for a connection's first byte, but then reads headers and body
from a blocking socket without limit; this worker gives every client socket a read timeout
(`QMSDOCS_READ_TIMEOUT_SECONDS`, default 30), so a client that stops sending its headers or
its body for that long loses its connection (headers) or gets 408 (body) and frees the thread.
The app itself also bounds the whole body (`QMSDOCS_REQUEST_BODY_SECONDS`, see `qmsdocs.http`).
"""

from __future__ import annotations

import os

from gunicorn.workers.gthread import ThreadWorker

READ_TIMEOUT_SECONDS = float(os.environ.get("QMSDOCS_READ_TIMEOUT_SECONDS", "") or 30)


class TimedThreadWorker(ThreadWorker):
    """`gthread` whose client sockets time out after `READ_TIMEOUT_SECONDS` without data."""

    def handle(self, conn):
        if not getattr(conn, "read_timeout_applied", False):
            conn.read_timeout_applied = True
            initialize = conn.init

            def init_with_read_timeout():
                # gunicorn makes the socket blocking (no timeout) just before this call,
                # for new and kept-alive connections alike.
                initialize()
                conn.sock.settimeout(READ_TIMEOUT_SECONDS)

            conn.init = init_with_read_timeout
        return super().handle(conn)
