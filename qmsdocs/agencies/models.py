from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow

LEVELS = ("province", "district", "commune")
LEVEL_LABELS = {"province": "Cấp tỉnh", "district": "Cấp huyện", "commune": "Cấp xã"}


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # province | district | commune (cấp tỉnh / huyện / xã)
    level: Mapped[str] = mapped_column(String(16), index=True)
    # Finer classification (sở, chi cục, đơn vị sự nghiệp, UBND xã…); free text until the catalog defines kinds.
    kind: Mapped[str | None] = mapped_column(String(64))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # ISO 9001 clause 7.5: when set, an editor's upload waits for an approver (chờ duyệt).
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Default periodic review interval for the agency's procedures, in months.
    review_interval_months: Mapped[int] = mapped_column(Integer, default=12)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"
