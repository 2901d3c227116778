"""Blobs in the database: chunked, written with the version row, verified on read, moved by `qms blobs migrate`."""

from __future__ import annotations

import hashlib
import os

import pytest
from sqlalchemy import func, select, update

from qmsdocs.blobs.models import CHUNK_BYTES, StoredBlob, StoredBlobChunk
from qmsdocs.blobs.store import DatabaseBlobStore
from qmsdocs.db import session
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.storage import BlobCorrupted, BlobMissing, LocalBlobStore, blob_store, default_blob_store
from tests.conftest import initialized_app


@pytest.fixture
def app(tmp_path):
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False, BLOB_STORE="database") as app:
        yield app


def test_the_database_is_the_default_store_on_postgresql_only():
    assert default_blob_store("postgresql+psycopg://db/qms") == "database"
    assert default_blob_store("sqlite:////data/qms.sqlite3") == "folder"


def test_a_large_blob_is_stored_in_chunks_and_read_back_verified(app):
    data = os.urandom(2 * CHUNK_BYTES + 12345)
    with app.app_context():
        store = blob_store()
        assert isinstance(store, DatabaseBlobStore)
        key = store.put(data)
        session.commit()
        assert key == hashlib.sha256(data).hexdigest()
        assert session.scalar(select(func.count()).select_from(StoredBlobChunk)) == 3
        assert store.put(data) == key  # the same content twice is one blob
        session.commit()
        assert store.get(key) == data
        assert list(store.keys()) == [key] and store.exists(key) and store.verify(key)
        assert b"".join(store.iter_chunks(key)) == data
        with pytest.raises(BlobMissing):
            store.get("0" * 64)
        with pytest.raises(ValueError):
            store.get("../../etc/passwd")


def test_a_corrupted_chunk_is_detected_and_a_good_upload_replaces_it(app):
    with app.app_context():
        store = blob_store()
        key = store.put(b"ban goc")
        session.execute(update(StoredBlobChunk).values(data=b"bi sua"))
        session.commit()
        with pytest.raises(BlobCorrupted):
            store.get(key)
        assert not store.verify(key)
        store.put(b"ban goc")
        session.commit()
        assert store.get(key) == b"ban goc"


def test_a_rolled_back_upload_leaves_no_blob(app):
    with app.app_context():
        blob_store().put(b"khong bao gio commit")
        session.rollback()
        assert session.scalar(select(func.count()).select_from(StoredBlob)) == 0


def test_upload_download_and_refusal_through_the_api(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    data = make_docx(paragraphs=["Nội dung lưu trong cơ sở dữ liệu."])
    assert admin_api.upload(procedure["id"], data).status_code == 201
    download = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert download.status_code == 200 and download.data == data
    refused = admin_api.upload(procedure["id"], b"khong phai docx")
    assert refused.status_code == 422
    with app.app_context():
        assert session.scalar(select(func.count()).select_from(StoredBlob)) == 1
        session.execute(update(StoredBlobChunk).values(data=b"hong"))
        session.commit()
    broken = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert broken.status_code >= 400 and broken.status_code != 500
    assert broken.get_json()["error"]["code"]


def test_check_finds_orphan_and_corrupt_blobs_and_repairs_orphans(app, runner, admin_api, make_procedure, make_docx):
    from datetime import timedelta

    from qmsdocs.db import utcnow
    from qmsdocs.procedures import checks

    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx())
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    with app.app_context():
        orphan = blob_store().put(b"mo coi")
        young = blob_store().put(b"dang tai len")
        old = utcnow() - timedelta(seconds=checks.ORPHAN_GRACE_SECONDS + 5)
        session.execute(update(StoredBlob).where(StoredBlob.sha256 == orphan).values(created_at=old))
        session.commit()
    found = runner.invoke(args=["qms", "check"])
    assert found.exit_code == 1 and "orphan_blob" in found.output
    assert runner.invoke(args=["qms", "check", "--repair"]).exit_code == 0
    with app.app_context():
        assert not blob_store().exists(orphan) and blob_store().exists(young)
        sha = session.scalars(select(ProcedureVersion.sha256)).one()
        session.execute(update(StoredBlobChunk).where(StoredBlobChunk.sha256 == sha).values(data=b"hong"))
        session.commit()
    broken = runner.invoke(args=["qms", "check", "--repair"])
    assert broken.exit_code == 1 and "corrupt_blob" in broken.output


def test_blobs_migrate_between_stores_is_verified_resumable_and_idempotent(app, runner, admin_api, make_procedure,
                                                                           make_docx):
    procedure = make_procedure()
    files = [make_docx(paragraphs=[f"Lần {n}."]) for n in range(3)]
    for data in files:
        assert admin_api.upload(procedure["id"], data).status_code == 201
    folder = LocalBlobStore(app.config["DATA_DIR"] / "blobs")

    moved = runner.invoke(args=["qms", "blobs", "migrate", "--to", "folder"])
    assert moved.exit_code == 0, moved.output
    assert "Đã chép 3, đã có sẵn 0, lỗi 0" in moved.output
    assert {folder.get(hashlib.sha256(d).hexdigest()) for d in files} == set(files)
    again = runner.invoke(args=["qms", "blobs", "migrate", "--to", "folder"])
    assert "Đã chép 0, đã có sẵn 3, lỗi 0" in again.output

    # Back into an emptied database store, interrupted after one blob: the rerun copies the rest.
    with app.app_context():
        for sha in list(blob_store().keys()):
            blob_store().remove_orphan(sha)
        session.commit()
        blob_store().put(files[0])
        session.commit()
    resumed = runner.invoke(args=["qms", "blobs", "migrate", "--to", "database"])
    assert "Đã chép 2, đã có sẵn 1, lỗi 0" in resumed.output, resumed.output
    assert runner.invoke(args=["qms", "check"]).exit_code == 0

    # A damaged source copy is reported, not copied.
    sha = hashlib.sha256(files[1]).hexdigest()
    with app.app_context():
        blob_store().remove_orphan(sha)
        session.commit()
    path = folder.path_for(sha)
    path.chmod(0o644)
    path.write_bytes(b"hong")
    failed = runner.invoke(args=["qms", "blobs", "migrate", "--to", "database"])
    assert failed.exit_code == 1 and sha in failed.output


def test_backup_says_the_blobs_are_inside_the_database(app, runner, admin_api, make_procedure, make_docx, tmp_path):
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx())
    result = runner.invoke(args=["qms", "backup", str(tmp_path / "backup")])
    assert result.exit_code == 0, result.output
    assert "nằm trong cơ sở dữ liệu" in result.output
    assert not any((tmp_path / "backup" / "blobs").glob("*/*/*"))
    assert runner.invoke(args=["qms", "backup", str(tmp_path / "backup"), "--verify"]).exit_code == 0
