"""Search tables: the durable "needs reindex" outbox, and the PostgreSQL backend's documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, text
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from qmsdocs.db import Base, utcnow

# A tsvector on PostgreSQL; plain text elsewhere, where the table stays empty.
SearchVector = Text().with_variant(TSVECTOR(), "postgresql")


class SearchOutbox(Base):
    """A procedure whose search entry must be rebuilt: written in the transaction that changed it.

    Rows are deleted only once the index holds the change, so a crash between the commit and
    the indexing leaves the mark behind, and the next write, search, `qms check --repair` or
    `qms reindex` applies it. Several rows for one procedure are harmless.
    """

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: a mark outlives nothing it should not, and indexing a vanished
    # procedure simply removes it from the index.
    procedure_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Failed indexing attempts so far, and the last error, for `qms check`.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<SearchOutbox procedure {self.procedure_id}>"


class SearchDocument(Base):
    """One searchable record of the PostgreSQL backend: a procedure's current version or an older one."""

    __tablename__ = "search_documents"
    __table_args__ = (
        Index("ix_search_documents_document", "document", postgresql_using="gin"),
        Index("ix_search_documents_keywords", "keywords", postgresql_using="gin"),
        # Ordinary searches read current records only: a third of all, with indexes of their own.
        Index("ix_search_documents_current_document", "document", postgresql_using="gin",
              postgresql_where=text("is_current")),
        Index("ix_search_documents_current_keywords", "keywords", postgresql_using="gin",
              postgresql_where=text("is_current")),
        Index("ix_search_documents_current_pairs", "pairs", postgresql_using="gin",
              postgresql_where=text("is_current")),
        Index("ix_search_documents_current_ranking", "ranking", postgresql_using="gin",
              postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "p<procedure id>" for the current record, "v<version id>" for an older version.
    doc_key: Mapped[str] = mapped_column(String(32), unique=True)
    procedure_id: Mapped[int] = mapped_column(Integer, index=True)
    version_id: Mapped[int | None] = mapped_column(Integer)
    version_number: Mapped[int | None] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean)
    agency_code: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(16))
    field: Mapped[str | None] = mapped_column(String(255))
    # The lĩnh vực folded (no case, no diacritics) for filtering.
    field_key: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    stale: Mapped[bool] = mapped_column(Boolean)
    # Space-separated TTHC codes and normalized legal symbol keys, for facets.
    admin_codes: Mapped[str] = mapped_column(Text, default="")
    legal_keys: Mapped[str] = mapped_column(Text, default="")
    # Fingerprint of what was indexed, compared by `qms check` with the database.
    signature: Mapped[str] = mapped_column(String(64))
    # Words, exact and folded, weighted A (title) B (code, agency, TTHC, field) D (text).
    document = mapped_column(SearchVector)
    # Whole keywords: law:<key>, tthc:<code>, code:<procedure code key>.
    keywords = mapped_column(SearchVector)
    # The title and meta words of `document` alone (weights A and B): small enough to stay in the
    # row, so ranking every match never reads the large text vectors.
    ranking = mapped_column(SearchVector)
    # Current records only: every pair of adjacent folded words ('ho so'), without positions, so a
    # quoted phrase is found in the GIN index instead of re-reading each candidate's positions.
    pairs = mapped_column(SearchVector)

    def __repr__(self) -> str:
        return f"<SearchDocument {self.doc_key}>"
