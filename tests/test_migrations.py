"""The Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from qmsdocs.db import get_engine
from qmsdocs.schema import pending_heads, target_metadata


def test_migrations_match_models(app):
    with app.app_context():
        engine = get_engine()
        assert pending_heads(engine) == set()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, target_metadata())
        assert differences == []
