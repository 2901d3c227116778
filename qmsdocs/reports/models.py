"""The annual assessment of each agency's quality-management system (đánh giá, phân loại hàng năm)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow
from qmsdocs.text import N_

# good: Tốt; satisfactory: Đạt yêu cầu; unsatisfactory: Không đạt yêu cầu.
CLASSIFICATIONS = ("good", "satisfactory", "unsatisfactory")
CLASSIFICATION_LABELS = {"good": N_("Tốt"), "satisfactory": N_("Đạt yêu cầu"), "unsatisfactory": N_("Không đạt yêu cầu"),
                         "unassessed": N_("Chưa đánh giá")}


class Assessment(Base):
    """One agency's result for one year, with the agency as it was that year.

    The agency_* columns are a snapshot taken when the result is entered, so a later rename,
    merge or change of level does not rewrite an old report.
    """

    __tablename__ = "iso_assessments"
    __table_args__ = (UniqueConstraint("agency_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    # Đã xây dựng HTQLCL / đã áp dụng (công bố và áp dụng) in that year.
    qms_built: Mapped[bool] = mapped_column(Boolean, default=False)
    qms_applied: Mapped[bool] = mapped_column(Boolean, default=False)
    # good | satisfactory | unsatisfactory, or None while not yet classified.
    classification: Mapped[str | None] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text, default="")
    agency_code: Mapped[str] = mapped_column(String(64))
    agency_name: Mapped[str] = mapped_column(String(255))
    agency_level: Mapped[str] = mapped_column(String(16))
    agency_kind: Mapped[str | None] = mapped_column(String(64))
    agency_unit_type: Mapped[str | None] = mapped_column(String(16))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    agency = relationship("Agency")
    entered_by = relationship("User")

    @property
    def classification_label(self) -> str:
        return CLASSIFICATION_LABELS[self.classification or "unassessed"]

    def __repr__(self) -> str:
        return f"<Assessment {self.agency_code} {self.year} {self.classification}>"
