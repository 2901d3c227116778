"""The service's own name over time, and the former provinces it was formed from.

After 1 July 2025 one service may hold a merged province ("UBND tỉnh Vĩnh Long", formed from
Trà Vinh, Bến Tre and Vĩnh Long); a report of 2024 still names "UBND tỉnh Trà Vinh".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from qmsdocs.agencies.models import ServiceName
from qmsdocs.agencies.provinces import province_named
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput


@dataclass(frozen=True)
class ServiceNameOn:
    name: str
    province: str | None
    former_provinces: tuple[str, ...]
    since: date | None


def _province(text: str, what: str) -> str:
    province = province_named(text)
    if province is None:
        raise InvalidInput(f"{what}: '{text.strip()[:60]}' không phải tên một tỉnh, thành phố "
                           "(ví dụ: Vĩnh Long, Trà Vinh, Bến Tre).", code="invalid_province")
    return province


def set_service_name(name: str, *, effective_on: date, province: str | None = None,
                     former_provinces: list[str] | tuple[str, ...] = (), decision: str | None = None,
                     actor=None) -> ServiceName:
    """Record the name the service goes by from a date (the same date again replaces that entry)."""
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise InvalidInput("Tên đơn vị không được để trống và dài tối đa 255 ký tự.", code="invalid_name")
    province = _province(province, "Tỉnh") if province else None
    formers = list(dict.fromkeys(_province(item, "Tỉnh cũ") for item in former_provinces if item.strip()))
    entry = session.scalar(select(ServiceName).where(ServiceName.effective_on == effective_on))
    if entry is None:
        entry = ServiceName(effective_on=effective_on)
        session.add(entry)
    entry.name, entry.province, entry.former_provinces = name, province, ", ".join(formers)
    entry.decision = (decision or "").strip()[:255] or None
    session.flush()
    record(actor, "service.rename", "service", entry.id, name=name, province=province, former_provinces=formers,
           effective_on=effective_on.isoformat())
    return entry


def history() -> list[ServiceName]:
    return list(session.scalars(select(ServiceName).order_by(ServiceName.effective_on)))


def service_name_on(on: date | None = None) -> ServiceNameOn | None:
    """The name in force on a date (today when None); None when the service has never been named."""
    stmt = select(ServiceName).order_by(ServiceName.effective_on.desc()).limit(1)
    if on is not None:
        stmt = stmt.where(ServiceName.effective_on <= on)
    entry = session.scalar(stmt)
    if entry is None:
        return None
    formers = tuple(part.strip() for part in (entry.former_provinces or "").split(",") if part.strip())
    return ServiceNameOn(entry.name, entry.province, formers, entry.effective_on)
