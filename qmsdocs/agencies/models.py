from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qmsdocs.db import Base, utcnow
from qmsdocs.text import N_

LEVELS = ("province", "district", "commune")
LEVEL_LABELS = {"province": N_("Cấp tỉnh"), "district": N_("Cấp huyện"), "commune": N_("Cấp xã")}


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
    # Four-eyes approval (hai người): a version needs an approver other than its uploader, so an
    # approver's own upload waits too. Implies approval_required.
    four_eyes_approval: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Default periodic review interval for the agency's procedures, in months.
    review_interval_months: Mapped[int] = mapped_column(Integer, default=12)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Loại đơn vị hành chính of a people's committee: city | town | district (cấp huyện),
    # ward | township | commune (cấp xã); None for other agencies.
    unit_type: Mapped[str | None] = mapped_column(String(16))
    # Dates of establishment and of ceasing (merged, split or dissolved); None when not known / still active.
    established_on: Mapped[date | None] = mapped_column(Date)
    dissolved_on: Mapped[date | None] = mapped_column(Date)
    # Province the agency belongs to (e.g. "Vĩnh Long"), and the province it belonged to before the
    # provinces merged on 1 July 2025 (e.g. "Trà Vinh"): provincial documents cited by its procedures
    # (QĐ-UBND, NQ-HĐND …) resolve to that province's registry entry. None when not recorded.
    province: Mapped[str | None] = mapped_column(String(64))
    former_province: Mapped[str | None] = mapped_column(String(64))
    # Mã đơn vị hành chính: the national statistics code of the commune or ward a people's committee
    # governs (e.g. "29641"), as loaded by `qms agencies load-units`; None for other agencies.
    unit_code: Mapped[str | None] = mapped_column(String(16), index=True)

    parent: Mapped[Agency | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Agency]] = relationship(back_populates="parent")

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


# The province an agency's procedures come from, in SQL: its former province (brought in by a
# merger), else its own province. What lists and search filter and group by.
ORIGIN_PROVINCE = func.coalesce(Agency.former_province, Agency.province)


class AgencyChange(Base):
    """One reorganization (sắp xếp tổ chức): rename, merge, split or dissolve, effective on a date."""

    __tablename__ = "agency_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    # rename | merge | split | dissolve
    action: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    # The decision behind it (e.g. "Quyết định số 12/QĐ-UBND"), and a free note.
    decision: Mapped[str | None] = mapped_column(String(255))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parties: Mapped[list[AgencyChangeParty]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="AgencyChangeParty.id"
    )
    transfers: Mapped[list[ProcedureTransfer]] = relationship(
        back_populates="change", cascade="all, delete-orphan", order_by="ProcedureTransfer.id"
    )

    def __repr__(self) -> str:
        return f"<AgencyChange {self.action} {self.effective_on}>"


class AgencyChangeParty(Base):
    """An agency taking part in a reorganization, with what it was before and after.

    The before/after columns let a report for an earlier year show the agency as it was then.
    """

    __tablename__ = "agency_change_parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("agency_changes.id"), index=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    # predecessor (ceases or gives up procedures) | successor (receives them) | renamed
    role: Mapped[str] = mapped_column(String(16))
    name_before: Mapped[str | None] = mapped_column(String(255))
    name_after: Mapped[str | None] = mapped_column(String(255))
    level_before: Mapped[str | None] = mapped_column(String(16))
    level_after: Mapped[str | None] = mapped_column(String(16))
    kind_before: Mapped[str | None] = mapped_column(String(64))
    kind_after: Mapped[str | None] = mapped_column(String(64))
    unit_type_before: Mapped[str | None] = mapped_column(String(16))
    unit_type_after: Mapped[str | None] = mapped_column(String(16))

    change: Mapped[AgencyChange] = relationship(back_populates="parties")
    agency: Mapped[Agency] = relationship()

    def __repr__(self) -> str:
        return f"<AgencyChangeParty {self.role} {self.agency_id}>"


class ProcedureTransfer(Base):
    """A procedure handed from one agency to its successor, versions and all."""

    __tablename__ = "procedure_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("agency_changes.id"), index=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    # The procedure's code before the move; it changes only when the successor already used it.
    code_before: Mapped[str] = mapped_column(String(64))
    code_after: Mapped[str] = mapped_column(String(64))
    # moved | retired (dissolved without successor)
    outcome: Mapped[str] = mapped_column(String(16), default="moved")

    change: Mapped[AgencyChange] = relationship(back_populates="transfers")
    procedure = relationship("Procedure")
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency | None] = relationship(foreign_keys=[to_agency_id])

    def __repr__(self) -> str:
        return f"<ProcedureTransfer {self.procedure_id} {self.from_agency_id}->{self.to_agency_id}>"


class ServiceName(Base):
    """The name the whole service goes by from a date ("UBND tỉnh Trà Vinh" until 30/6/2025, then "UBND tỉnh Vĩnh Long").

    Each row holds from `effective_on` until the next row's date; reports of a year show the
    name in force then.
    """

    __tablename__ = "service_names"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    province: Mapped[str | None] = mapped_column(String(64))
    # The former provinces the province was formed from, comma separated ("Trà Vinh, Bến Tre, Vĩnh Long").
    former_provinces: Mapped[str] = mapped_column(Text, default="")
    effective_on: Mapped[date] = mapped_column(Date, unique=True)
    decision: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<ServiceName {self.name} {self.effective_on}>"
