"""Portable archives of a whole QMS: `qms export ARCHIVE` and `qms import-archive ARCHIVE`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qmsdocs.archive import cli  # noqa: F401 - registers the commands on `qms`
