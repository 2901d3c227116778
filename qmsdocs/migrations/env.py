"""Alembic environment: run against the connection qmsdocs hands over (see qmsdocs.schema)."""

from alembic import context

from qmsdocs.schema import target_metadata

connection = context.config.attributes.get("connection")


def run() -> None:
    if connection is None:
        raise RuntimeError("Run migrations through `flask --app wsgi qms init`.")
    context.configure(
        connection=connection,
        target_metadata=target_metadata(),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
