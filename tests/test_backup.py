"""Hot backup, verification and restore: a backup taken while the service writes restores to the same contents."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from qmsdocs import create_app
from qmsdocs.backup import archive
from qmsdocs.db import session
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.storage import blob_store
from tests.conftest import POSTGRES_URL, DrainingCliRunner, close_connections

ON_POSTGRES = bool(POSTGRES_URL)


def contents(app) -> dict[tuple[int, int], bytes]:
    """(procedure id, version number) → the exact bytes served for it."""
    with app.app_context():
        rows = session.execute(select(ProcedureVersion.procedure_id, ProcedureVersion.number, ProcedureVersion.sha256))
        return {(pid, number): blob_store().get(sha) for pid, number, sha in rows}


@pytest.fixture
def restore_target(app, tmp_path):
    """An app on an empty data folder; on PostgreSQL the database is the one pg_restore would have filled."""
    made = []

    def make():
        data_dir = tmp_path / f"restored-{len(made)}"
        data_dir.mkdir()
        url = app.config["DATABASE_URL"] if ON_POSTGRES else f"sqlite:///{data_dir / 'qmsdocs.sqlite3'}"
        other = create_app({"DATA_DIR": data_dir, "DATABASE_URL": url, "SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
                            "BLOB_STORE": app.config["BLOB_STORE"],
                            "WORKER": "off", "TESTING": True, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        other.test_cli_runner_class = DrainingCliRunner
        made.append(other)
        return other

    yield make
    for other in made:
        close_connections(other)


@pytest.fixture
def with_versions(make_procedure, admin_api, make_docx):
    first = make_procedure(code="QT-01/STP", title="Quy trình cấp phiếu lý lịch tư pháp")["id"]
    second = make_procedure(code="QT-02/STP", title="Quy trình chứng thực")["id"]
    for n in range(1, 4):
        assert admin_api.upload(first, make_docx(paragraphs=[f"Nội dung lần {n} về lý lịch."])).status_code == 201
    assert admin_api.upload(second, make_docx(paragraphs=["Chứng thực bản sao từ bản chính."])).status_code == 201
    return first, second


@pytest.mark.folder_blobs
def test_backup_verify_and_restore_round_trip(app, runner, with_versions, restore_target, tmp_path, client):
    dest = tmp_path / "backup"
    result = runner.invoke(args=["qms", "backup", str(dest)])
    assert result.exit_code == 0, result.output
    assert "chép 4 tệp mới" in result.output
    (snapshot,) = archive.snapshots(dest)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert len(manifest["blobs"]) == 4 and "secret_key" in manifest["files"]
    if ON_POSTGRES:
        assert "pg_dump --format=custom" in result.output
    else:
        assert manifest["database"] == {"kind": "sqlite", "file": "qmsdocs.sqlite3"}
    verified = runner.invoke(args=["qms", "backup", "--verify", str(dest)])
    assert verified.exit_code == 0 and "toàn vẹn: 4 tệp" in verified.output, verified.output

    target = restore_target()
    restored = target.test_cli_runner().invoke(args=["qms", "restore", str(dest)])
    assert restored.exit_code == 0, restored.output
    assert "không có vấn đề" in restored.output
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0
    assert contents(target) == contents(app)
    assert (Path(target.config["DATA_DIR"]) / "secret_key").read_text() == app.config["SECRET_KEY"]
    from qmsdocs.search import services

    with target.app_context(), target.test_request_context("/search"):
        found = services.search(services.parse_request({"q": "chứng thực bản sao"}))
        assert [hit.procedure_id for hit in found.hits] == [with_versions[1]]


@pytest.mark.folder_blobs
def test_a_second_backup_copies_only_new_files_and_verifies_the_rest(app, runner, with_versions, admin_api, make_docx,
                                                                     tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["qms", "backup", str(dest)]).exit_code == 0
    admin_api.upload(with_versions[1], make_docx(paragraphs=["Bản sửa đổi mới."]))
    second = runner.invoke(args=["qms", "backup", str(dest)])
    assert "chép 1 tệp mới, 4 tệp đã có được kiểm tra lại" in second.output, second.output
    assert len(archive.snapshots(dest)) == 2


@pytest.mark.folder_blobs
def test_verify_finds_a_damaged_backup_and_the_next_backup_repairs_it(app, runner, with_versions, tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["qms", "backup", str(dest)]).exit_code == 0
    damaged = next((dest / "blobs").glob("*/*/*"))
    os.chmod(damaged, 0o644)
    damaged.write_bytes(b"not the document")
    result = runner.invoke(args=["qms", "backup", "--verify", str(dest)])
    assert result.exit_code == 1
    assert f"tệp {damaged.name} sai checksum" in result.output
    again = runner.invoke(args=["qms", "backup", str(dest)])
    assert "1 tệp hỏng được chép lại" in again.output, again.output
    assert runner.invoke(args=["qms", "backup", "--verify", str(dest)]).exit_code == 0


@pytest.mark.folder_blobs
def test_restore_refuses_a_data_folder_in_use_and_a_damaged_backup(app, runner, with_versions, restore_target,
                                                                    tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["qms", "backup", str(dest)]).exit_code == 0
    in_use = runner.invoke(args=["qms", "restore", str(dest)])
    assert in_use.exit_code != 0 and "đã có dữ liệu" in in_use.output
    (snapshot,) = archive.snapshots(dest)
    key = snapshot / "secret_key"
    os.chmod(key, 0o600)
    key.write_text("another key")
    target = restore_target()
    refused = target.test_cli_runner().invoke(args=["qms", "restore", str(dest)])
    assert refused.exit_code != 0 and "secret_key sai checksum" in refused.output, refused.output
    assert not any((Path(target.config["DATA_DIR"]) / "blobs").glob("*/*/*"))


def test_an_interrupted_backup_is_never_taken_for_a_complete_one(app, runner, with_versions, tmp_path):
    dest = tmp_path / "backup"
    assert runner.invoke(args=["qms", "backup", str(dest)]).exit_code == 0
    (dest / "snapshots" / ".incoming-20991231T000000Z-1").mkdir()  # killed half-way, newer than the rest
    (complete,) = archive.snapshots(dest)
    assert archive.resolve_snapshot(dest)[0] == complete
    assert runner.invoke(args=["qms", "backup", "--verify", str(dest)]).exit_code == 0


def test_keep_prunes_old_snapshots_and_the_files_only_they_used(app, runner, with_versions, tmp_path):
    dest = tmp_path / "backup"
    for _ in range(3):
        assert runner.invoke(args=["qms", "backup", str(dest), "--keep", "2"]).exit_code == 0
    assert len(archive.snapshots(dest)) == 2
    assert runner.invoke(args=["qms", "backup", "--verify", str(dest)]).exit_code == 0


@pytest.mark.folder_blobs
def test_a_backup_taken_while_uploads_go_on_restores_to_the_same_contents(app, runner, with_versions, admin_api,
                                                                         make_docx, restore_target, tmp_path):
    """Uploads run in another thread during the backup; the snapshot holds one consistent state."""
    dest = tmp_path / "backup"
    stop = threading.Event()
    uploaded: list[int] = []
    plain = FlaskClient(app, app.response_class, use_cookies=False)

    def upload_continuously():
        from io import BytesIO

        n = 0
        while not stop.is_set() and n < 40:
            n += 1
            data = {"file": (BytesIO(make_docx(paragraphs=[f"Sửa đổi đồng thời số {n}."])), "a.docx"), "note": str(n)}
            response = plain.post(f"/api/v1/procedures/{with_versions[0]}/versions", data=data,
                                  headers=admin_api.headers)
            if response.status_code == 201:
                uploaded.append(n)

    thread = threading.Thread(target=upload_continuously)
    thread.start()
    try:
        while len(uploaded) < 2 and thread.is_alive():
            time.sleep(0.01)
        acknowledged_before = len(uploaded)
        result = runner.invoke(args=["qms", "backup", str(dest)])
    finally:
        stop.set()
        thread.join(60)
    assert result.exit_code == 0, result.output
    (snapshot,) = archive.snapshots(dest)
    manifest = json.loads((snapshot / "manifest.json").read_text())
    assert runner.invoke(args=["qms", "backup", "--verify", str(dest)]).exit_code == 0
    if ON_POSTGRES:
        return  # the database side is pg_dump's; the files referenced at that moment are checked above
    target = restore_target()
    restored = target.test_cli_runner().invoke(args=["qms", "restore", str(dest)])
    assert restored.exit_code == 0, restored.output
    after = contents(target)
    live = contents(app)
    assert len(after) >= 4 + acknowledged_before  # everything acknowledged before the backup began
    assert {hashlib.sha256(data).hexdigest() for data in after.values()} <= set(manifest["blobs"])
    assert all(live[key] == data for key, data in after.items())  # every restored version byte-identical
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0
