"""Search: Vietnamese full-text search by content, administrative procedure and cited law."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

BACKENDS = ("tantivy", "whoosh", "postgres")


def make_backend(app: Flask):
    """The engine named by SEARCH_BACKEND (tantivy by default); a configuration that cannot work is refused at startup."""
    name = str(app.config.get("SEARCH_BACKEND") or "tantivy").strip().lower()
    if name == "tantivy":
        from qmsdocs.search.tantivy_backend import TantivyBackend

        return TantivyBackend(Path(app.config["DATA_DIR"]) / "tantivy")
    if name == "whoosh":
        from qmsdocs.search.whoosh_backend import WhooshBackend

        return WhooshBackend(Path(app.config["DATA_DIR"]) / "index")
    if name == "postgres":
        if not str(app.config["DATABASE_URL"]).startswith("postgresql"):
            raise RuntimeError(
                "QMSDOCS_SEARCH_BACKEND=postgres cần cơ sở dữ liệu PostgreSQL (QMSDOCS_DATABASE_URL=postgresql+psycopg://…). "
                "Với SQLite hãy dùng QMSDOCS_SEARCH_BACKEND=tantivy hoặc whoosh. "
                "(The postgres search backend needs a PostgreSQL database.)"
            )
        from qmsdocs.search.postgres_backend import PostgresBackend

        return PostgresBackend()
    raise RuntimeError(
        f"QMSDOCS_SEARCH_BACKEND='{name}' không hợp lệ: chọn tantivy, whoosh hoặc postgres. "
        "(Unknown search backend; use tantivy, whoosh or postgres.)"
    )


def _create_index(app: Flask) -> None:
    """`qms init`: create the index; build it from the database when it was missing or outdated."""
    from qmsdocs.db import session
    from qmsdocs.search import indexer

    backend = app.extensions["qmsdocs.search"]
    if backend.ensure_index() and indexer.all_procedure_ids():
        indexer.rebuild()
        session.commit()


def init_app(app: Flask) -> None:
    from qmsdocs.cli import init_hook
    from qmsdocs.health import register_check as register_health_check
    from qmsdocs.integrity import register_check
    from qmsdocs.search import api, cli, indexer, routes  # noqa: F401 - cli registers `qms reindex`
    from qmsdocs.search.checks import check_index
    from qmsdocs.search.health import check_outbox, check_search_index

    app.extensions["qmsdocs.search"] = make_backend(app)
    indexer.connect_signals()
    indexer.listen(app.extensions["qmsdocs.sessionmaker"])
    indexer.register_job()
    app.add_template_global(indexer.is_pending, "search_index_pending")
    app.register_blueprint(routes.bp)
    app.register_blueprint(api.bp)
    init_hook(_create_index)
    register_check(check_index)
    register_health_check("search_index", check_search_index)
    register_health_check("search_outbox", check_outbox)
