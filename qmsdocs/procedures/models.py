from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow

PROCEDURE_STATUSES = ("active", "retired")
# approved: in force or superseded; pending: a draft waiting for an approver (chờ duyệt);
# returned: a draft the approver sent back. Versions are never deleted, whatever their state.
VERSION_STATES = ("approved", "pending", "returned")


class Procedure(Base):
    __tablename__ = "procedures"
    __table_args__ = (UniqueConstraint("agency_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    # Lĩnh vực: the field of administration (đất đai, hộ tịch, …).
    field: Mapped[str | None] = mapped_column(String(255))
    # Overrides the agency's default review interval when set.
    review_interval_months: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None]
    # The approved version in force; None until the first approved upload.
    # Open stale-procedure alerts; kept up to date by the alerts area, read by lists and search.
    open_alerts: Mapped[int] = mapped_column(Integer, default=0)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("procedure_versions.id", use_alter=True, name="fk_procedures_current_version")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    agency = relationship("Agency")
    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure",
        order_by="ProcedureVersion.number",
        foreign_keys="ProcedureVersion.procedure_id",
    )
    current_version: Mapped[ProcedureVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )
    admin_procedures: Mapped[list[ProcedureAdminProcedure]] = relationship(
        back_populates="procedure", cascade="all, delete-orphan", order_by="ProcedureAdminProcedure.code"
    )

    @property
    def admin_procedure_codes(self) -> list[str]:
        return [link.code for link in self.admin_procedures]

    @property
    def is_stale(self) -> bool:
        return self.open_alerts > 0

    @property
    def latest_version(self) -> ProcedureVersion | None:
        return self.versions[-1] if self.versions else None

    def __repr__(self) -> str:
        return f"<Procedure {self.code} of agency {self.agency_id}>"


class ProcedureAdminProcedure(Base):
    """Link to an administrative procedure (thủ tục hành chính, TTHC) by its national code."""

    __tablename__ = "procedure_admin_procedures"
    __table_args__ = (UniqueConstraint("procedure_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    # Opaque national code such as 1.004227; never parsed as a number.
    code: Mapped[str] = mapped_column(String(64), index=True)
    # False while only suggested from the document's text; a person confirms the link.
    confirmed: Mapped[bool] = mapped_column(Boolean, default=True)

    procedure: Mapped[Procedure] = relationship(back_populates="admin_procedures")

    def __repr__(self) -> str:
        return f"<ProcedureAdminProcedure {self.code}>"


class ProcedureVersion(Base):
    """One uploaded revision. Never modified after it is stored, apart from its approval state."""

    __tablename__ = "procedure_versions"
    __table_args__ = (UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    # 1..n, contiguous per procedure; the unique constraint makes racing uploads collide.
    number: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    filename: Mapped[str] = mapped_column(String(255))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The uploader's name as recorded by another service, when the version came from an archive
    # and no user of that name exists here.
    uploaded_by_name: Mapped[str | None] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    # Read from the document's ISO header block: Mã hiệu, Lần ban hành, Ngày ban hành.
    doc_code: Mapped[str | None] = mapped_column(String(64))
    doc_revision: Mapped[str | None] = mapped_column(String(32))
    doc_issued_on: Mapped[date | None] = mapped_column(Date)
    # Paragraphs joined by newlines, NFC.
    text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16), default="approved")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Likewise for the approver of an archived version.
    decided_by_name: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    # Ngày hiệu lực chosen for an approved version: it becomes current on that day (Vietnam's calendar),
    # the previous version staying in force until then. None: in force as soon as it is approved.
    effective_on: Mapped[date | None] = mapped_column(Date)
    # The day it actually became current; None while it never was. What "as of a date" pages read.
    in_force_from: Mapped[date | None] = mapped_column(Date, index=True)

    procedure: Mapped[Procedure] = relationship(back_populates="versions", foreign_keys=[procedure_id])
    uploaded_by = relationship("User", foreign_keys=[uploaded_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    citations: Mapped[list[Citation]] = relationship(
        back_populates="version", cascade="all, delete-orphan", order_by="Citation.id"
    )

    @property
    def uploader_name(self) -> str | None:
        """Who uploaded it: the user here, or the name recorded by the service it came from."""
        return self.uploaded_by.username if self.uploaded_by else self.uploaded_by_name

    @property
    def is_current(self) -> bool:
        return self.procedure.current_version_id == self.id

    @property
    def paragraphs(self) -> list[str]:
        return [line for line in self.text.split("\n") if line.strip()]

    def __repr__(self) -> str:
        return f"<ProcedureVersion {self.procedure_id} v{self.number}>"


class Citation(Base):
    """A legal document symbol cited by a version, as written and under its normalized key."""

    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("procedure_versions.id"), index=True)
    symbol: Mapped[str] = mapped_column(String(128))
    # All spellings of one document meet here (61/2018/ND-CP, 61/2018/NĐ–CP …).
    key: Mapped[str] = mapped_column(String(128), index=True)
    # body | table | header | footer | footnote | endnote | textbox
    location: Mapped[str] = mapped_column(String(32))
    context: Mapped[str] = mapped_column(String(400), default="")
    # Articles cited with the symbol ("5", "7.2" = khoản 2 Điều 7), comma-separated; None = none named.
    articles: Mapped[str | None] = mapped_column(String(255))

    version: Mapped[ProcedureVersion] = relationship(back_populates="citations")

    def __repr__(self) -> str:
        return f"<Citation {self.key}>"
