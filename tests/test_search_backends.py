"""Moving between search backends: the new index is built while the old one keeps answering."""

from __future__ import annotations

from qmsdocs import create_app
from qmsdocs.db import session
from qmsdocs.search import services
from tests.conftest import close_connections


def found(app, q: str) -> list[int]:
    with app.app_context():
        results = services.search(services.parse_request({"q": q}))
        session.rollback()
        return [hit.procedure_id for hit in results.hits]


def test_reindex_moves_to_another_backend_while_the_old_one_keeps_answering(app, make_procedure):
    old_backend = app.extensions["qmsdocs.search"].name
    new_backend = "whoosh" if old_backend == "tantivy" else "tantivy"
    first = make_procedure(code="QT-70/STP", title="Quy trình chứng thực chữ ký")
    moved = create_app({**{k: app.config[k] for k in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY")},
                        "TESTING": True, "SEARCH_BACKEND": new_backend})
    try:
        # 1. The new index is built beside the old one, which still answers.
        result = moved.test_cli_runner().invoke(args=["qms", "reindex"])
        assert result.exit_code == 0, result.output
        assert f"({new_backend})" in result.output
        assert found(app, "chứng thực chữ ký") == [first["id"]]
        assert found(moved, "chung thuc chu ky") == [first["id"]]
        # 2. A change made on the old servers before they are switched over...
        second = make_procedure(code="QT-71/STP", title="Quy trình chứng thực bản sao")
        assert found(app, "chứng thực bản sao") == [second["id"]]
        # 3. ...is caught up by `qms check --repair` on the new backend.
        result = moved.test_cli_runner().invoke(args=["qms", "check", "--repair"])
        assert "index_missing" in result.output
        assert moved.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0
        assert found(moved, "chứng thực bản sao") == [second["id"]]
    finally:
        close_connections(moved)
