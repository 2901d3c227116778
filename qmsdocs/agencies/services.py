"""Creating and looking up agencies."""

from __future__ import annotations

from sqlalchemy import func, select

from qmsdocs.agencies.history import AgencySnapshot, agency_as_of, existing_on
from qmsdocs.agencies.models import LEVELS, Agency
from qmsdocs.agencies.provinces import province_named
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, NotFound


def list_agencies(*, level: str | None = None, include_inactive: bool = False,
                  former_province: str | None = None) -> list[Agency]:
    stmt = select(Agency).order_by(Agency.level, Agency.code)
    if level:
        stmt = stmt.where(Agency.level == level)
    if former_province:
        stmt = stmt.where(Agency.former_province == _province(former_province, "former_province"))
    if not include_inactive:
        stmt = stmt.where(Agency.active.is_(True))
    return list(session.scalars(stmt))


def get_agency(code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == code))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{code}'. Hãy kiểm tra lại mã cơ quan.", code="agency_not_found")
    return agency


def create_agency(code: str, name: str, level: str, *, parent_code: str | None = None, kind: str | None = None,
                  approval_required: bool = False, review_interval_months: int = 12,
                  province: str | None = None, former_province: str | None = None, actor=None,
                  four_eyes_approval: bool = False) -> Agency:
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
    province, former_province = (_province(province, "province"), _province(former_province, "former_province"))
    parent = get_agency(parent_code) if parent_code else None
    agency = Agency(
        code=code,
        province=province,
        former_province=former_province,
        name=name,
        level=level,
        kind=kind,
        parent=parent,
        # Four-eyes approval needs an approval step.
        approval_required=bool(approval_required or four_eyes_approval),
        four_eyes_approval=bool(four_eyes_approval),
        review_interval_months=review_interval_months,
    )
    session.add(agency)
    session.flush()
    record(actor, "agency.create", "agency", agency.id, agency_id=agency.id, code=code)
    return agency


def get_agency_by_id(agency_id: int) -> Agency:
    agency = session.get(Agency, agency_id) if 0 < agency_id <= 2**31 - 1 else None
    if agency is None:
        raise NotFound(f"Không có cơ quan số {agency_id}.", code="agency_not_found")
    return agency


def update_agency(agency: Agency, *, name: str, kind: str | None = None, parent_code: str | None = None,
                  approval_required: bool = False, review_interval_months: int = 12, active: bool = True,
                  actor=None, four_eyes_approval: bool | None = None) -> Agency:
    """Edit an agency's settings; the code is its identity and never changes."""
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise InvalidInput("Tên cơ quan không được để trống và dài tối đa 255 ký tự.", code="invalid_name")
    if not isinstance(review_interval_months, int) or not 1 <= review_interval_months <= 120:
        raise InvalidInput("Chu kỳ rà soát phải từ 1 đến 120 tháng.", code="invalid_review_interval")
    if kind and len(kind.strip()) > 64:
        raise InvalidInput("Loại cơ quan dài tối đa 64 ký tự.", code="invalid_kind")
    parent = get_agency(parent_code) if parent_code else None
    ancestor, seen = parent, set()
    while ancestor is not None and ancestor.id not in seen:
        seen.add(ancestor.id)
        if ancestor.id == agency.id:
            raise InvalidInput(
                "Cơ quan cấp trên không thể là chính cơ quan này hoặc một đơn vị trực thuộc của nó.",
                code="invalid_parent",
            )
        ancestor = ancestor.parent
    changes = {}
    for attribute, value in (("name", name), ("kind", (kind or "").strip() or None),
                             ("approval_required", bool(approval_required or four_eyes_approval)),
                             ("four_eyes_approval", agency.four_eyes_approval if four_eyes_approval is None
                              else bool(four_eyes_approval)),
                             ("review_interval_months", review_interval_months), ("active", bool(active))):
        if getattr(agency, attribute) != value:
            changes[attribute] = value
            setattr(agency, attribute, value)
    if agency.parent is not parent:
        changes["parent"] = parent.code if parent else None
        agency.parent = parent
    session.flush()
    if changes:
        record(actor, "agency.update", "agency", agency.id, agency_id=agency.id, **changes)
    return agency


def _province(name: str | None, field_name: str) -> str | None:
    """A province by its usual name (with or without diacritics, or as "UBND tỉnh …"); None when not given."""
    if name is None or not name.strip():
        return None
    province = province_named(name)
    if province is None:
        raise InvalidInput(f"Trường '{field_name}': '{name.strip()[:60]}' không phải tên một tỉnh, thành phố "
                           "(ví dụ: Vĩnh Long, Trà Vinh, Bến Tre).", code="invalid_province")
    return province


def agencies_as_of(on, *, former_province: str | None = None) -> list[tuple[Agency, AgencySnapshot]]:
    """The agencies that existed on a date, each with how it was named and placed then."""
    province = _province(former_province, "former_province") if former_province else None
    return [(agency, agency_as_of(agency, on)) for agency in existing_on(on, assessed_only=False)
            if province is None or agency.former_province == province]
