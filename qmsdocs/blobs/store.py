"""`DatabaseBlobStore`: blobs written in the request's own transaction, verified on read.

Because a blob is inserted by the same session (and so the same transaction) as the version
row that refers to it, a rolled-back upload leaves nothing behind: the orphan-blob case of
the folder store cannot happen on this path. Two uploads of the same content at once both
insert the header with ON CONFLICT DO NOTHING; the second waits for the first to commit or
roll back, and writes the chunks only if its own header row went in.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from qmsdocs.blobs.models import CHUNK_BYTES, StoredBlob, StoredBlobChunk
from qmsdocs.db import utcnow
from qmsdocs.storage import BlobCorrupted, BlobMissing, _is_key, sha256_hex


def _insert_ignoring_duplicates(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


class DatabaseBlobStore:
    """Blobs in `stored_blobs` / `stored_blob_chunks`, read and written through `session_factory()`."""

    def __init__(self, session_factory):
        self._session_factory = session_factory

    @property
    def session(self) -> Session:
        return self._session_factory()

    def put(self, data: bytes) -> str:
        key = sha256_hex(data)
        db = self.session
        insert = _insert_ignoring_duplicates(db.get_bind().dialect.name)
        view = memoryview(data)
        chunk_count = max(1, -(-len(data) // CHUNK_BYTES))
        inserted = db.execute(
            insert(StoredBlob)
            .values(sha256=key, size=len(data), chunks=chunk_count, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["sha256"])
            .returning(StoredBlob.sha256)
        ).scalar()
        if inserted is None:
            if self.verify(key):
                return key
            # A damaged copy of the same content: replace it with the good bytes.
            db.execute(delete(StoredBlobChunk).where(StoredBlobChunk.sha256 == key))
            db.execute(delete(StoredBlob).where(StoredBlob.sha256 == key))
            db.execute(insert(StoredBlob).values(sha256=key, size=len(data), chunks=chunk_count,
                                                 created_at=utcnow()))
        for seq in range(chunk_count):
            # One chunk at a time, each a slice of the upload, so memory holds one extra copy of 1 MiB.
            chunk = bytes(view[seq * CHUNK_BYTES:(seq + 1) * CHUNK_BYTES])
            db.execute(insert(StoredBlobChunk).values(sha256=key, seq=seq, data=chunk))
        db.flush()
        return key

    def iter_chunks(self, sha256: str) -> Iterator[bytes]:
        """The blob's bytes chunk by chunk, checked against its checksum when the last one is read."""
        if not _is_key(sha256):
            raise ValueError("not a sha256 key")
        db = self.session
        header = db.get(StoredBlob, sha256)
        if header is None:
            raise BlobMissing(sha256)
        digest = hashlib.sha256()
        count = size = 0
        rows = db.execute(
            select(StoredBlobChunk.seq, StoredBlobChunk.data)
            .where(StoredBlobChunk.sha256 == sha256).order_by(StoredBlobChunk.seq)
            .execution_options(yield_per=4)
        )
        for seq, data in rows:
            if seq != count:
                raise BlobCorrupted(sha256)
            data = bytes(data)
            digest.update(data)
            count += 1
            size += len(data)
            yield data
        if count != header.chunks or size != header.size or digest.hexdigest() != sha256:
            raise BlobCorrupted(sha256)

    def get(self, sha256: str) -> bytes:
        return b"".join(self.iter_chunks(sha256))

    def exists(self, sha256: str) -> bool:
        if not _is_key(sha256):
            raise ValueError("not a sha256 key")
        return self.session.get(StoredBlob, sha256) is not None

    def verify(self, sha256: str) -> bool:
        try:
            for _chunk in self.iter_chunks(sha256):
                pass
        except (BlobMissing, BlobCorrupted):
            return False
        return True

    def keys(self) -> Iterator[str]:
        yield from self.session.scalars(select(StoredBlob.sha256).order_by(StoredBlob.sha256)).all()

    def age_seconds(self, sha256: str) -> float:
        created = self.session.scalar(select(StoredBlob.created_at).where(StoredBlob.sha256 == sha256))
        if created is None:
            raise BlobMissing(sha256)
        return (utcnow() - created).total_seconds()

    def remove_orphan(self, sha256: str) -> None:
        db = self.session
        db.execute(delete(StoredBlobChunk).where(StoredBlobChunk.sha256 == sha256))
        db.execute(delete(StoredBlob).where(StoredBlob.sha256 == sha256))
        db.flush()

    def stale_temporaries(self) -> list[Path]:
        """Interrupted writes roll back with their transaction: there are never any."""
        return []

    def total_bytes(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.sum(StoredBlob.size), 0))))

