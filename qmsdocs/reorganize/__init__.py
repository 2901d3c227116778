"""A whole reorganization plan applied at once (`qms reorganize FILE`, the plan page).

The agencies area knows one rename, merge, split or dissolution at a time; this area reads a
plan of many (a province's districts abolished, its communes merged), checks it as a whole
against the agencies and procedures of the service, and applies it in one transaction.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qmsdocs.reorganize import api, cli, routes  # noqa: F401 - cli registers `qms reorganize`

    api.init_app(app)
    routes.init_app(app)
