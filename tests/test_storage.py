"""The content-addressed blob store."""

from __future__ import annotations

import hashlib

import pytest

from qmsdocs.storage import BlobCorrupted, BlobMissing, LocalBlobStore


def test_put_is_content_addressed_and_read_back_verified(tmp_path):
    store = LocalBlobStore(tmp_path)
    key = store.put(b"noi dung")
    assert key == hashlib.sha256(b"noi dung").hexdigest()
    assert store.get(key) == b"noi dung"
    assert list(store.keys()) == [key]
    assert store.put(b"noi dung") == key
    assert not store.stale_temporaries()


def test_corrupted_blob_is_detected_on_read(tmp_path):
    store = LocalBlobStore(tmp_path)
    key = store.put(b"ban goc")
    path = store.path_for(key)
    path.chmod(0o644)
    path.write_bytes(b"bi sua")
    with pytest.raises(BlobCorrupted):
        store.get(key)
    assert not store.verify(key)


def test_a_corrupted_copy_is_replaced_by_a_good_upload_of_the_same_content(tmp_path):
    store = LocalBlobStore(tmp_path)
    key = store.put(b"ban goc")
    path = store.path_for(key)
    path.chmod(0o644)
    path.write_bytes(b"hong")
    store.put(b"ban goc")
    assert store.get(key) == b"ban goc"


def test_missing_blob_and_bad_keys(tmp_path):
    store = LocalBlobStore(tmp_path)
    with pytest.raises(BlobMissing):
        store.get("0" * 64)
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")
