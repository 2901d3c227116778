"""`qms worker`: run the background jobs in the foreground, for servers started with QMSDOCS_WORKER=off."""

from __future__ import annotations

import signal

import click
from flask import current_app

from qmsdocs.cli import qms


@qms.command("worker")
@click.option("--once", is_flag=True, help="Chạy hết việc đang chờ rồi thoát (run what is due, then exit).")
def worker_command(once: bool) -> None:
    """Chạy các việc nền (cập nhật chỉ mục tìm kiếm, …) cho tới khi bị dừng."""
    from qmsdocs.jobs import drain, get_worker

    app = current_app._get_current_object()
    worker = get_worker(app)
    if once:
        click.echo(f"Đã xử lý {drain(app)} việc nền.")
        worker.release_locks()
        return

    def _stop(_signum, _frame):
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    click.echo("Đang chạy việc nền; dừng bằng Ctrl+C.")
    worker.run_forever()
    click.echo("Đã dừng việc nền.")
