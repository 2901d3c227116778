"""Change requests (phiếu đề nghị soạn thảo/sửa đổi tài liệu), numbered per agency and year."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow

# open: waiting for the agency's approver; accepted: an editor is drafting the revision;
# declined: refused with a reason; done: a version was uploaded for it.
STATUS_LABELS = {
    "open": "Chờ xem xét",
    "accepted": "Đã chấp thuận, đang soạn",
    "declined": "Không chấp thuận",
    "done": "Đã thực hiện",
}
STATUSES = tuple(STATUS_LABELS)


class ChangeRequest(Base):
    """A proposal to revise a procedure, or to draft a new one for an agency."""

    __tablename__ = "change_requests"
    # Racing submissions for one agency collide here instead of sharing a number.
    __table_args__ = (UniqueConstraint("agency_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # Số 12/2026: the number restarts at 1 each calendar year (Vietnam's calendar) per agency.
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    # None: a new procedure is proposed (proposed_code/proposed_title say which).
    procedure_id: Mapped[int | None] = mapped_column(ForeignKey("procedures.id"), index=True)
    proposed_code: Mapped[str | None] = mapped_column(String(64))
    proposed_title: Mapped[str | None] = mapped_column(String(500))
    # Phần/mục liên quan: the part of the procedure concerned (e.g. "Mục 5.2, bước 3").
    part: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    # The alert this request was made from, when it was.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), index=True)
    # The marked-up file attached, kept in the blob store under its checksum.
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_size: Mapped[int | None] = mapped_column(BigInteger)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    # Why it was declined, or the approver's instructions when accepted.
    decision_note: Mapped[str | None] = mapped_column(Text)
    # Người được giao soạn thảo and the date the revision is due.
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    # The version uploaded for it, which closed it.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    closed_at: Mapped[datetime | None]

    agency = relationship("Agency")
    procedure = relationship("Procedure")
    alert = relationship("Alert")
    version = relationship("ProcedureVersion")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    editor = relationship("User", foreign_keys=[editor_id])

    @property
    def label(self) -> str:
        """Số 12/2026, as the form and the version page print it."""
        return f"{self.number}/{self.year}"

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def subject(self) -> str:
        """What the request is about: the procedure, or the new one proposed."""
        if self.procedure is not None:
            return f"{self.procedure.code} — {self.procedure.title}"
        return " — ".join(part for part in (self.proposed_code, self.proposed_title) if part)

    def __repr__(self) -> str:
        return f"<ChangeRequest {self.label} of agency {self.agency_id}>"
