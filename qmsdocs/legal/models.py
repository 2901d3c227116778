"""The legal document registry (văn bản quy phạm pháp luật) and the changes between documents."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow
from qmsdocs.text import N_

# Status as the national legal database (vbpl.vn) records it, by stable code.
STATUS_LABELS = {
    "in_force": N_("Còn hiệu lực"),
    "partially_expired": N_("Hết hiệu lực một phần"),
    "expired": N_("Hết hiệu lực toàn bộ"),
    "not_yet_in_force": N_("Chưa có hiệu lực"),
    "suspended": N_("Ngưng hiệu lực"),
    # Inferred: a detailing or guiding document lapses with the document it details (Law 64/2025/QH15).
    "expired_with_parent": N_("Hết hiệu lực cùng văn bản được quy định chi tiết"),
}
STATUSES = tuple(STATUS_LABELS)

# Relations between documents. The first five make cited procedures stale; the last two
# (quy định chi tiết, hướng dẫn) are kept for the registry only.
CHANGE_LABELS = {
    "amended": N_("Được sửa đổi, bổ sung bởi"),
    "replaced": N_("Bị thay thế bởi"),
    "repealed": N_("Bị bãi bỏ bởi"),
    "expired": N_("Hết hiệu lực toàn bộ"),
    "partially_expired": N_("Hết hiệu lực một phần"),
    "detailed": N_("Được quy định chi tiết bởi"),
    "guided": N_("Được hướng dẫn bởi"),
}
CHANGE_KINDS = tuple(CHANGE_LABELS)
ALERTING_CHANGES = ("amended", "replaced", "repealed", "expired", "partially_expired")


class LegalDocument(Base):
    __tablename__ = "legal_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Số ký hiệu as properly written (61/2018/NĐ-CP).
    symbol: Mapped[str] = mapped_column(String(128))
    # The registry's own key: the citation key for central documents; for a document of a local
    # authority the citation key plus its province (25/2019/QD-UBND@TRA-VINH), so provinces never meet.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    # The key citations carry (qmsdocs.docx.citations.citation_key), without any province.
    citation_key: Mapped[str | None] = mapped_column(String(128), index=True)
    # Province of the issuing local authority (UBND/HĐND tỉnh …); None for central documents.
    province: Mapped[str | None] = mapped_column(String(64))
    # Loại văn bản: Luật, Nghị định, Thông tư, Quyết định, …
    doc_type: Mapped[str] = mapped_column(String(64))
    issuer: Mapped[str | None] = mapped_column(String(255))
    # Trích yếu.
    title: Mapped[str] = mapped_column(Text)
    issued_on: Mapped[date | None] = mapped_column(Date)
    effective_on: Mapped[date | None] = mapped_column(Date)
    # A code of STATUS_LABELS.
    status: Mapped[str] = mapped_column(String(32), default="in_force", index=True)
    # Why the status is what it is when the registry inferred it (lapsed with the document it details).
    status_reason: Mapped[str | None] = mapped_column(Text)
    # The document this one lapsed with (its parent in the detailing chain), when inferred.
    lapsed_with_id: Mapped[int | None] = mapped_column(ForeignKey("legal_documents.id"))
    # When an administrator last set the status by hand: it overrides any inference made before.
    status_set_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    lapsed_with: Mapped[LegalDocument | None] = relationship(remote_side=[id], foreign_keys=[lapsed_with_id])
    aliases: Mapped[list[LegalAlias]] = relationship(back_populates="document", order_by="LegalAlias.id")
    changes: Mapped[list[LegalChange]] = relationship(
        back_populates="document", foreign_keys="LegalChange.document_id", order_by="LegalChange.effective_on"
    )

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<LegalDocument {self.symbol}>"


class LegalAlias(Base):
    """Another way a document is cited: a name ("Luật Đất đai 2024") or another symbol."""

    __tablename__ = "legal_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("legal_documents.id"), index=True)
    alias: Mapped[str] = mapped_column(String(255))
    # A citation key when the alias is a symbol; otherwise the name folded (no diacritics, lower case).
    key: Mapped[str] = mapped_column(String(255), unique=True)
    is_symbol: Mapped[bool] = mapped_column(Boolean, default=False)

    document: Mapped[LegalDocument] = relationship(back_populates="aliases")

    def __repr__(self) -> str:
        return f"<LegalAlias {self.alias}>"


class LegalChange(Base):
    """One relation the national database records: `document` was amended/replaced/… by `by_document`."""

    __tablename__ = "legal_changes"
    __table_args__ = (UniqueConstraint("document_id", "kind", "by_document_id", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("legal_documents.id"), index=True)
    # A code of CHANGE_LABELS.
    kind: Mapped[str] = mapped_column(String(32))
    # The source document (văn bản tác động); None for a plain expiry.
    by_document_id: Mapped[int | None] = mapped_column(ForeignKey("legal_documents.id"), index=True)
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    # Articles the change touches ("5", "7.2" = khoản 2 Điều 7), comma-separated; None = the whole document.
    articles: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    document: Mapped[LegalDocument] = relationship(back_populates="changes", foreign_keys=[document_id])
    by_document: Mapped[LegalDocument | None] = relationship(foreign_keys=[by_document_id])

    @property
    def label(self) -> str:
        return CHANGE_LABELS.get(self.kind, self.kind)

    @property
    def article_list(self) -> list[str]:
        return [a for a in (self.articles or "").split(",") if a]

    def __repr__(self) -> str:
        return f"<LegalChange {self.document_id} {self.kind} by {self.by_document_id}>"


class NameCitation(Base):
    """A version citing a registered document by one of its names rather than its symbol.

    Found when the version becomes current (or when the name is registered), so the
    alert rules look names up through this index instead of rescanning text.
    """

    __tablename__ = "legal_name_citations"
    __table_args__ = (UniqueConstraint("version_id", "document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("legal_documents.id"), index=True)
    alias: Mapped[str] = mapped_column(String(255))

    def __repr__(self) -> str:
        return f"<NameCitation v{self.version_id} → {self.document_id}>"
