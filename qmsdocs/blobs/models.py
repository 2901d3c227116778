"""Content-addressed blobs in the database: one header row per SHA-256, the bytes in chunk rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from qmsdocs.db import Base, utcnow

# Rows of at most this many bytes: a 20 MB file is written and read one chunk at a time.
CHUNK_BYTES = 1024 * 1024


class StoredBlob(Base):
    __tablename__ = "stored_blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # Number of chunk rows; a blob is complete when all of them are there (same transaction).
    chunks: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<StoredBlob {self.sha256[:12]} {self.size} B>"


class StoredBlobChunk(Base):
    __tablename__ = "stored_blob_chunks"

    sha256: Mapped[str] = mapped_column(
        String(64), ForeignKey("stored_blobs.sha256", ondelete="CASCADE"), primary_key=True)
    # 0-based position of the chunk in the blob.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    def __repr__(self) -> str:
        return f"<StoredBlobChunk {self.sha256[:12]} #{self.seq}>"
