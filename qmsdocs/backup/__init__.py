"""Hot backup and restore: `qms backup DEST`, `qms backup --verify DEST`, `qms restore SRC`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qmsdocs.backup import cli  # noqa: F401 - registers the commands on `qms`
