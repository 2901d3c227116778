"""Forms attached to procedure versions (biểu mẫu BM-01, BM-02 …)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow

FORM_KINDS = ("docx", "xlsx", "pdf")


class FormFile(Base):
    """One stored form file, immutable like a version: versions point at it through VersionForm."""

    __tablename__ = "form_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    # The name it is served back under; never a path on disk.
    filename: Mapped[str] = mapped_column(String(255))
    # docx | xlsx | pdf, decided by the content checks, not by the name alone.
    kind: Mapped[str] = mapped_column(String(8))
    # Searchable text (.docx paragraphs, .xlsx cell strings); empty for a PDF, which is never read.
    text: Mapped[str] = mapped_column(Text, default="")
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)

    uploaded_by = relationship("User")

    def __repr__(self) -> str:
        return f"<FormFile {self.filename}>"


class VersionForm(Base):
    """A form as one version carries it: a new version copies these links, so unchanged forms carry over."""

    __tablename__ = "version_forms"
    __table_args__ = (UniqueConstraint("version_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    # Ký hiệu biểu mẫu, normalized: BM-01, BM-02, BM-03a …
    code: Mapped[str] = mapped_column(String(16))
    form_file_id: Mapped[int] = mapped_column(ForeignKey("form_files.id"), index=True)
    # The version number the file was first attached at (older than the carrying version when carried over).
    attached_at_version: Mapped[int] = mapped_column()

    form_file: Mapped[FormFile] = relationship()
    version = relationship("ProcedureVersion")

    def __repr__(self) -> str:
        return f"<VersionForm v{self.version_id} {self.code}>"
