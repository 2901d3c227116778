"""Content-addressed blob store for uploaded files: a local folder, or the database.

`QMSDOCS_BLOB_STORE=folder|database` chooses (default: `database` on PostgreSQL, so several
app servers share every file, `folder` on SQLite); `qmsdocs.blobs.store` holds the database
implementation. In the folder, blobs are named by their SHA-256, written atomically (temporary file, fsync, rename,
fsync of the folder) and verified on every read. Nothing here overwrites a stored blob;
only the integrity checker's repair removes orphans nobody refers to.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class BlobCorrupted(Exception):
    """A stored blob no longer matches its checksum."""


class BlobMissing(Exception):
    """No blob is stored under that key."""


class BlobStore(Protocol):
    def put(self, data: bytes) -> str: ...

    def get(self, sha256: str) -> bytes: ...

    def exists(self, sha256: str) -> bool: ...

    def keys(self) -> Iterator[str]: ...

    def verify(self, sha256: str) -> bool: ...

    def age_seconds(self, sha256: str) -> float: ...

    def remove_orphan(self, sha256: str) -> None: ...

    def stale_temporaries(self) -> list[Path]: ...


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_key(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class LocalBlobStore:
    """Blobs under `<root>/ab/cd/<sha256>`; safe for several processes sharing the folder."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_for(self, sha256: str) -> Path:
        if not _is_key(sha256):
            raise ValueError("not a sha256 key")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        target = self.path_for(key)
        if target.exists() and self.verify(key):
            return key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, 0o444)
            # Replacing is only ever done over a missing or corrupted copy of the same content.
            os.replace(tmp_name, target)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)
        return key

    def get(self, sha256: str) -> bytes:
        path = self.path_for(sha256)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise BlobMissing(sha256) from exc
        if sha256_hex(data) != sha256:
            raise BlobCorrupted(sha256)
        return data

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).exists()

    def verify(self, sha256: str) -> bool:
        try:
            self.get(sha256)
        except (BlobMissing, BlobCorrupted):
            return False
        return True

    def keys(self) -> Iterator[str]:
        for path in sorted(self.root.glob("*/*/*")):
            if path.is_file() and _is_key(path.name):
                yield path.name

    def age_seconds(self, sha256: str) -> float:
        return time.time() - self.path_for(sha256).stat().st_mtime

    def remove_orphan(self, sha256: str) -> None:
        self.path_for(sha256).unlink(missing_ok=True)

    def stale_temporaries(self) -> list[Path]:
        """Leftovers of writes interrupted by a crash."""
        return sorted(self.root.glob("*/*/.incoming-*"))


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the folder's entry, not only the file)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


BLOB_STORES = ("database", "folder")


def default_blob_store(database_url: str) -> str:
    """Blobs live in PostgreSQL when several servers may share it; in the data folder beside SQLite."""
    return "database" if database_url.startswith("postgresql") else "folder"


# kind → factory(app); the database store is registered by its own package (qmsdocs.blobs).
_factories: dict[str, Callable[[Flask], BlobStore]] = {
    "folder": lambda app: LocalBlobStore(Path(app.config["DATA_DIR"]) / "blobs"),
}


def register_blob_store(kind: str, factory: Callable[[Flask], BlobStore]) -> None:
    _factories[kind] = factory


# Areas other than procedures that keep files in the store (attachments of change requests…) say
# which blobs are theirs, so the integrity check, blob migration and backups keep them too.
# Each function takes the session and yields (sha256, size, what it belongs to).
_blob_users: list[Callable] = []


def register_blob_users(func: Callable) -> Callable:
    if func not in _blob_users:
        _blob_users.append(func)
    return func


def other_blob_users(db_session) -> list[tuple[str, int, str]]:
    """Blobs referenced by registered areas, beyond the procedure versions."""
    return [entry for func in _blob_users for entry in func(db_session)]


def init_app(app: Flask) -> None:
    kind = app.config.get("BLOB_STORE") or default_blob_store(app.config["DATABASE_URL"])
    if kind not in BLOB_STORES:
        raise ValueError(f"QMSDOCS_BLOB_STORE must be one of {', '.join(BLOB_STORES)}, not {kind!r}")
    app.config["BLOB_STORE"] = kind


def make_blob_store(app: Flask, kind: str) -> BlobStore:
    return _factories[kind](app)


def blob_store() -> BlobStore:
    """The configured store, built on first use (after every area has registered its kind)."""
    store = current_app.extensions.get("qmsdocs.blobs")
    if store is None:
        store = current_app.extensions["qmsdocs.blobs"] = make_blob_store(current_app, current_app.config["BLOB_STORE"])
    return store
