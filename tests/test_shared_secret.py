"""On PostgreSQL without a configured key, every server reads the one key the first server wrote."""

from __future__ import annotations

import pytest

from qmsdocs import create_app
from qmsdocs.config import load_config
from tests.conftest import POSTGRES_URL, close_connections, initialized_app


def test_sqlite_keeps_its_generated_key_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("QMSDOCS_SECRET_KEY", raising=False)
    config = load_config({"DATA_DIR": tmp_path, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert config["SECRET_KEY"] == (tmp_path / "secret_key").read_text() and not config["SECRET_KEY_SHARED"]


@pytest.mark.skipif(not POSTGRES_URL, reason="the shared key lives in PostgreSQL (QMSDOCS_TEST_DATABASE_URL unset)")
def test_servers_on_one_postgresql_share_the_key_written_by_the_first(tmp_path, monkeypatch):
    monkeypatch.delenv("QMSDOCS_SECRET_KEY", raising=False)
    with initialized_app(tmp_path, SECRET_KEY=None) as first:
        key = first.config["SECRET_KEY"]
        assert key and len(key) == 64
        second_dir = tmp_path / "second"
        second_dir.mkdir()
        second = create_app({"DATA_DIR": second_dir, "DATABASE_URL": first.config["DATABASE_URL"], "WORKER": "off",
                             "SEARCH_BACKEND": first.config["SEARCH_BACKEND"]})
        try:
            assert second.config["SECRET_KEY"] == key == second.secret_key
            assert not (second_dir / "secret_key").exists() and not (tmp_path / "data" / "secret_key").exists()
        finally:
            close_connections(second)
