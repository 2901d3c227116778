"""qmsdocs: document control for the ISO 9001 procedures of Vietnamese public agencies."""

from __future__ import annotations

import importlib
import logging

from flask import Flask

from qmsdocs.config import load_config

# Areas in the order they are bound; each module has `init_app(app)`.
AREAS = [
    "qmsdocs.requestlog",
    "qmsdocs.db",
    "qmsdocs.storage",
    "qmsdocs.blobs",
    "qmsdocs.cluster",
    "qmsdocs.previews",
    "qmsdocs.docx.conversion",
    "qmsdocs.http",
    "qmsdocs.i18n",
    "qmsdocs.web",
    "qmsdocs.cli",
    "qmsdocs.auth",
    "qmsdocs.jobs",
    "qmsdocs.health",
    "qmsdocs.backup",
    "qmsdocs.archive",
    "qmsdocs.auth.web",
    "qmsdocs.auth.cli",
    "qmsdocs.agencies.api",
    "qmsdocs.procedures",
    "qmsdocs.procedures.api",
    "qmsdocs.procedures.cli",
    "qmsdocs.demo.cli",
    # Areas built on the core; each package's __init__ has init_app(app).
    "qmsdocs.search",
    "qmsdocs.legal",
    "qmsdocs.alerts",
    "qmsdocs.catalog",
    "qmsdocs.reports",
    "qmsdocs.doccontrol",
    "qmsdocs.registers",
    "qmsdocs.notifications",
    "qmsdocs.agencies.routes",
    "qmsdocs.reorganize",
    # Page modules on the shared `web` blueprint, then the blueprint itself.
    "qmsdocs.procedures.routes",
    "qmsdocs.web.home",
    "qmsdocs.pages",
    "qmsdocs.openapi",
]


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, template_folder="../templates", static_folder="static")
    app.config.update(load_config(test_config))
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in AREAS:
        importlib.import_module(name).init_app(app)
    return app
