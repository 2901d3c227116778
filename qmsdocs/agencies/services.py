"""Creating and looking up agencies."""

from __future__ import annotations

from sqlalchemy import func, select

from qmsdocs.agencies.models import LEVELS, Agency
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, NotFound


def list_agencies(*, level: str | None = None, include_inactive: bool = False) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.level, Agency.code)
    if level:
        stmt = stmt.where(Agency.level == level)
    if not include_inactive:
        stmt = stmt.where(Agency.active.is_(True))
    return list(session.scalars(stmt))


def get_agency(code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{code}'. Hãy kiểm tra lại mã cơ quan.", code="agency_not_found")
    return agency


def create_agency(code: str, name: str, level: str, *, parent_code: str | None = None, kind: str | None = None,
                  approval_required: bool = False, review_interval_months: int = 12, actor=None) -> Agency:
    code = (code or "").strip()
    name = (name or "").strip()
    if not code or len(code) > 64:
        raise InvalidInput("Mã cơ quan không được để trống và dài tối đa 64 ký tự.", code="invalid_code")
    if not name:
        raise InvalidInput("Tên cơ quan không được để trống.", code="invalid_name")
    if level not in LEVELS:
        raise InvalidInput(
            "Cấp cơ quan phải là province (tỉnh), district (huyện) hoặc commune (xã).", code="invalid_level"
        )
    if not isinstance(review_interval_months, int) or not 1 <= review_interval_months <= 120:
        raise InvalidInput("Chu kỳ rà soát phải từ 1 đến 120 tháng.", code="invalid_review_interval")
    if session.scalar(select(func.count()).select_from(Agency).where(Agency.code == code)):
        raise Conflict(f"Mã cơ quan '{code}' đã có. Hãy dùng mã khác.", code="agency_exists")
    parent = get_agency(parent_code) if parent_code else None
    agency = Agency(
        code=code,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        approval_required=bool(approval_required),
        review_interval_months=review_interval_months,
    )
    session.add(agency)
    session.flush()
    record(actor, "agency.create", "agency", agency.id, agency_id=agency.id, code=code)
    return agency
