"""Stale-procedure alerts and recorded periodic reviews."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow
from qmsdocs.text import N_

RULE_LABELS = {
    "legal_change": N_("Văn bản được viện dẫn đã thay đổi"),
    "not_in_force": N_("Viện dẫn văn bản chưa có hiệu lực hoặc bị ngưng hiệu lực"),
    "review_overdue": N_("Quá hạn rà soát định kỳ"),
    "admin_procedure": N_("Thủ tục hành chính đã thay đổi hoặc bị bãi bỏ"),
    "review_requested": N_("Cần rà soát lại"),
}
RULES = tuple(RULE_LABELS)
STATUS_LABELS = {
    "open": N_("Mới"),
    "acknowledged": N_("Đang xử lý"),
    "resolved": N_("Đã giải quyết"),
    "dismissed": N_("Đã bỏ qua"),
}
STATUSES = tuple(STATUS_LABELS)
ACTIVE_STATUSES = ("open", "acknowledged")


class Alert(Base):
    """A reason a procedure may be out of date, tracked until a new version fixes it or someone dismisses it."""

    __tablename__ = "alerts"
    # A cause may be raised again (a later version still meets it after a dismissal, or the condition
    # came back after a resolution): each time is a new row with the next occurrence, so the history
    # stays and racing evaluations collide on the constraint instead of duplicating an alert.
    __table_args__ = (UniqueConstraint("procedure_id", "cause", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    # A code of RULE_LABELS.
    rule: Mapped[str] = mapped_column(String(32), index=True)
    # What exactly raised it, e.g. change:17, not_in_force:4:suspended, review:2026-03-05, tthc:1.004227:…
    cause: Mapped[str] = mapped_column(String(255))
    # 1 for the first alert of this cause on this procedure, 2 for the next one, …
    occurrence: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    legal_document_id: Mapped[int | None] = mapped_column(ForeignKey("legal_documents.id"), index=True)
    legal_change_id: Mapped[int | None] = mapped_column(ForeignKey("legal_changes.id"), index=True)
    tthc_code: Mapped[str | None] = mapped_column(String(64))
    # The current version when it was opened.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    # The change takes effect later (effective_on in the future): raised ahead of time.
    upcoming: Mapped[bool] = mapped_column(Boolean, default=False)
    effective_on: Mapped[date | None] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")
    # What will resolve it, in words.
    resolution_hint: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(Text)
    dismissed_at: Mapped[datetime | None]
    dismissed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    dismissal_reason: Mapped[str | None] = mapped_column(Text)
    # The version current when it was dismissed: a dismissal is a judgement about that version only.
    dismissed_version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"))
    # For a change naming the articles it touches: whether the procedure cites one of them
    # (ranked first) or not (lower priority); None when the change names no articles.
    cites_touched_article: Mapped[bool | None] = mapped_column(Boolean)

    procedure = relationship("Procedure")
    legal_document = relationship("LegalDocument")
    legal_change = relationship("LegalChange")
    acknowledged_by = relationship("User", foreign_keys=[acknowledged_by_id])
    resolved_by = relationship("User", foreign_keys=[resolved_by_id])
    dismissed_by = relationship("User", foreign_keys=[dismissed_by_id])

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def rule_label(self) -> str:
        return RULE_LABELS.get(self.rule, self.rule)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    def __repr__(self) -> str:
        return f"<Alert {self.id} {self.rule} {self.status} on procedure {self.procedure_id}>"


class ProcedureReview(Base):
    """A periodic review (rà soát định kỳ) recorded without a new version: the procedure is still right."""

    __tablename__ = "procedure_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    reviewed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    reviewed_by = relationship("User")

    def __repr__(self) -> str:
        return f"<ProcedureReview {self.procedure_id} {self.reviewed_on}>"
