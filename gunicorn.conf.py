"""Settings gunicorn reads from the working folder when it serves `wsgi:app`.

Threaded workers (gunicorn's `gthread`, with a read timeout: `qmsdocs.server`): a slow or
stalled client costs one thread, never a whole worker, and never the database (the app reads
every request body whole before it touches the database). Threads are cheap while they wait
for a client; they are sized so that a few dozen slow uploads at once leave threads free for
everyone else, with or without a buffering proxy in front (docs/operations.md).

Every value can be overridden on the command line (`-w`, `--threads`, `-b`, ...).
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


cores = multiprocessing.cpu_count()

worker_class = "qmsdocs.server.TimedThreadWorker"
# One process per core (at least 2, so one busy process never stops the service), at most 4:
# the work is mostly I/O and database; more processes only multiply memory and index readers.
workers = _int("QMSDOCS_WORKERS", max(2, min(cores, 4)))
# Threads per process: slow clients wait in threads, so each process needs more threads than
# slow clients expected at once. The kernel does not spread connections evenly between the
# processes (under load one may accept most of 50 trickling uploads), so each process alone
# must hold them: 64.
threads = _int("QMSDOCS_THREADS", 64)
# Connections a process keeps open at once (waiting in the poller costs no thread).
worker_connections = 1000
# gthread: the worker's heartbeat, not a per-request limit (those are the read timeouts).
timeout = 120
graceful_timeout = 30
# Idle kept-alive connections are closed after this many seconds.
keepalive = 5

# Long request lines are let through to the app, so an over-long search gets the app's own
# JSON answer (400, in Vietnamese) rather than the server's bare 414 page.
limit_request_line = 0
limit_request_field_size = 32768
