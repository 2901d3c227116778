"""The catalog of administrative procedures (thủ tục hành chính, TTHC).

Mirrors the fields of the national database of administrative procedures. A TTHC is
known by its national code, an opaque string such as `1.004227` (never a number: the
digits after the dot are significant, leading zeros included). Legal bases are kept as
symbols with their normalized key (`qmsdocs.docx.citations.citation_key`), so they meet
the legal registry and the procedures' citations by key, without a foreign key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from qmsdocs.db import Base, utcnow
from qmsdocs.text import N_, fold_key

ADMIN_PROCEDURE_STATUSES = ("active", "abolished")
STATUS_LABELS = {"active": N_("Đang thực hiện"), "abolished": N_("Đã bãi bỏ")}
# created | changed (legal bases) | updated (other fields) | abolished | restored
CHANGE_KINDS = ("created", "changed", "updated", "abolished", "restored")
CHANGE_LABELS = {
    "created": N_("Công bố mới"),
    "changed": N_("Thay đổi căn cứ pháp lý"),
    "updated": N_("Cập nhật thông tin"),
    "abolished": N_("Bãi bỏ"),
    "restored": N_("Thực hiện lại"),
}


def search_key(text: str | None) -> str:
    """How the catalog compares names and fields: lower case, no diacritics, đ → d, single spaces.

    The search area's analyzer, so "Đăng ký", "đăng ký" and "dang ky" are one key; SQLite's
    lower() would only fold ASCII letters.
    """
    return fold_key(text or "")


class AdminProcedure(Base):
    """One TTHC as published in the national database."""

    __tablename__ = "admin_procedures"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Opaque national code (mã TTHC) such as 1.004227.
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(1000))
    # search_key(name): kept in step by _keep_search_keys, so lists filter without folding in SQL.
    name_key: Mapped[str] = mapped_column(String(1000), default="")
    # Lĩnh vực: đất đai, hộ tịch, lý lịch tư pháp …
    field: Mapped[str | None] = mapped_column(String(255), index=True)
    # search_key(field): "dat dai" for "Đất đai", the value the field filter compares.
    field_key: Mapped[str | None] = mapped_column(String(255), index=True)
    # Cấp thực hiện: space-separated levels among province, district, commune.
    levels: Mapped[str] = mapped_column(String(64), default="")
    # Cơ quan thực hiện: space-separated agency kinds (see qmsdocs.agencies.kinds.KINDS).
    agency_kinds: Mapped[str] = mapped_column(String(255), default="")
    # Cơ quan thực hiện as published (free text), and the local agencies it names, space-separated codes.
    # With agency codes the TTHC applies to those agencies only; otherwise to every agency of its levels and kinds.
    implementing_agency: Mapped[str | None] = mapped_column(String(1000))
    agency_codes: Mapped[str] = mapped_column(String(1000), default="")
    # Quyết định công bố: the decision that published (or last amended) the TTHC.
    publishing_decision: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # Ngày bãi bỏ, when abolished.
    abolished_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    legal_bases: Mapped[list[AdminProcedureLegalBasis]] = relationship(
        back_populates="admin_procedure", cascade="all, delete-orphan", order_by="AdminProcedureLegalBasis.position"
    )
    changes: Mapped[list[AdminProcedureChange]] = relationship(
        back_populates="admin_procedure", cascade="all, delete-orphan", order_by="AdminProcedureChange.id"
    )

    @validates("name", "field")
    def _keep_search_keys(self, attribute: str, value: str | None) -> str | None:
        """Every writer (API, form, import) goes through here, so the folded copies never lag."""
        key = search_key(value)
        if attribute == "name":
            self.name_key = key[:1000]
        else:
            self.field_key = key[:255] or None
        return value

    @property
    def level_list(self) -> list[str]:
        return self.levels.split()

    @property
    def kind_list(self) -> list[str]:
        return self.agency_kinds.split()

    @property
    def agency_code_list(self) -> list[str]:
        return self.agency_codes.split()

    @property
    def legal_basis_keys(self) -> list[str]:
        return [basis.key for basis in self.legal_bases]

    @property
    def is_active(self) -> bool:
        return self.status == "active"

    def __repr__(self) -> str:
        return f"<AdminProcedure {self.code}>"


class AdminProcedureLegalBasis(Base):
    """Căn cứ pháp lý: a legal document a TTHC rests on, linked to the legal registry by key."""

    __tablename__ = "admin_procedure_legal_bases"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_procedure_id: Mapped[int] = mapped_column(ForeignKey("admin_procedures.id"), index=True)
    symbol: Mapped[str] = mapped_column(String(128))
    # citation_key(symbol): the same key the legal registry and procedure citations use.
    key: Mapped[str] = mapped_column(String(128), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    admin_procedure: Mapped[AdminProcedure] = relationship(back_populates="legal_bases")

    def __repr__(self) -> str:
        return f"<AdminProcedureLegalBasis {self.key}>"


class AdminProcedureChange(Base):
    """One entry of a TTHC's history: published, amended, abolished … and from which import."""

    __tablename__ = "admin_procedure_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    admin_procedure_id: Mapped[int] = mapped_column(ForeignKey("admin_procedures.id"), index=True)
    change: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    # {"legal_bases": {"before": [...], "after": [...]}, "fields": {...}}
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    # The imported file (or "api", "form") the change came from.
    source: Mapped[str | None] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    admin_procedure: Mapped[AdminProcedure] = relationship(back_populates="changes")
    actor = relationship("User")

    @property
    def label(self) -> str:
        return CHANGE_LABELS.get(self.change, self.change)

    def __repr__(self) -> str:
        return f"<AdminProcedureChange {self.change} of {self.admin_procedure_id}>"


class RejectedLinkSuggestion(Base):
    """A suggested procedure ↔ TTHC link a person rejected, so later versions do not suggest it again."""

    __tablename__ = "rejected_link_suggestions"
    __table_args__ = (UniqueConstraint("procedure_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedures.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    rejected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rejected_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<RejectedLinkSuggestion {self.procedure_id} {self.code}>"
