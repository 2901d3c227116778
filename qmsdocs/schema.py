"""Creating and upgrading the database schema with Alembic (`qms init`).

Each area keeps its own migration branch off the core revision, so areas can evolve
independently; `upgrade heads` applies them all.
"""

from __future__ import annotations

import importlib
import importlib.util

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from qmsdocs.db import Base

# Every area package; those with a `models` module are imported before anything reads the metadata.
MODEL_PACKAGES = [
    "qmsdocs.agencies",
    "qmsdocs.auth",
    "qmsdocs.blobs",
    "qmsdocs.cluster",
    "qmsdocs.audit",
    "qmsdocs.procedures",
    "qmsdocs.legal",
    "qmsdocs.alerts",
    "qmsdocs.search",
    "qmsdocs.catalog",
    "qmsdocs.reports",
    "qmsdocs.registers",
    "qmsdocs.web",
    "qmsdocs.doccontrol",
    "qmsdocs.notifications",
]


def target_metadata():
    for package in MODEL_PACKAGES:
        if importlib.util.find_spec(f"{package}.models") is not None:
            importlib.import_module(f"{package}.models")
    return Base.metadata


def alembic_config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", "qmsdocs:migrations")
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "heads")


def pending_heads(engine: Engine) -> set[str]:
    """Heads of the migration scripts the database has not reached yet."""
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return set(script.get_heads()) - current
