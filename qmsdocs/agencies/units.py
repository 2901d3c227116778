"""The official communes and wards of a province (after 1 July 2025), as commune-level people's committees.

The list comes from the `vietnam-provinces` package (pinned in requirements.txt), which carries
the administrative divisions after the July 2025 rearrangement with the national statistics
codes (mã đơn vị hành chính, Tổng cục Thống kê). Loading is idempotent: a committee is found by
its unit code and updated, or created.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.provinces import fold_province, province_named
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, NotFound
from qmsdocs.text import fold

# The package's division types, as the unit types of Agency.unit_type.
UNIT_TYPES = {"xã": "commune", "phường": "ward", "đặc khu": "commune", "thị trấn": "township"}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str  # "Xã Cái Nhum", "Phường Long Châu"
    unit_type: str


@dataclass
class LoadReport:
    province: str
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def total(self) -> int:
        return len(self.created) + len(self.updated) + self.unchanged


@lru_cache(maxsize=1)
def _divisions() -> tuple:
    from vietnam_provinces import NESTED_DIVISIONS_JSON_PATH

    return tuple(json.loads(NESTED_DIVISIONS_JSON_PATH.read_text(encoding="utf-8")))


def data_version() -> str:
    import vietnam_provinces

    return f"vietnam-provinces {vietnam_provinces.__version__} (dữ liệu {vietnam_provinces.__data_version__})"


def units_of(province: str) -> tuple[str, list[Unit]]:
    """The province's official name and its commune-level units; an unknown or former province is refused."""
    wanted = fold_province(province_named(province) or province)
    for division in _divisions():
        if fold_province(division["name"].removeprefix("Thành phố ").removeprefix("Tỉnh ")) == wanted:
            units = [Unit(str(ward["code"]), ward["name"], UNIT_TYPES.get(ward["division_type"], "commune"))
                     for ward in division["wards"]]
            return division["name"], sorted(units, key=lambda unit: int(unit.code))
    raise NotFound(f"'{province}' không phải một trong 34 tỉnh, thành phố từ ngày 01/7/2025 (tỉnh cũ như Trà Vinh "
                   "đã nhập vào tỉnh khác). Ví dụ: --province \"Vĩnh Long\".", code="province_not_found")


def committee_name(unit: Unit) -> str:
    return f"UBND {unit.name[0].lower()}{unit.name[1:]}"


def load_units(province: str, *, parent_code: str | None = None, actor=None) -> LoadReport:
    """Create or update the people's committee of every commune and ward of the province."""
    name, units = units_of(province)
    parent = None
    if parent_code:
        parent = session.scalar(select(Agency).where(Agency.code == parent_code))
        if parent is None:
            raise NotFound(f"Không có cơ quan mã '{parent_code}' để làm cơ quan cấp trên. Hãy tạo UBND tỉnh trước "
                           "hoặc bỏ --parent.", code="agency_not_found")
    province_name = province_named(name)
    report = LoadReport(name)
    existing = {agency.unit_code: agency for agency in session.scalars(
        select(Agency).where(Agency.unit_code.in_([unit.code for unit in units])))}
    # Committees typed in before the codes were known are found by their name and given the code.
    unnumbered = {fold(agency.name): agency for agency in session.scalars(
        select(Agency).where(Agency.level == "commune", Agency.unit_code.is_(None), Agency.active.is_(True)))}
    taken = set(session.scalars(select(Agency.code)))
    for unit in units:
        wanted = {"name": committee_name(unit), "level": "commune", "kind": "commune_committee",
                  "unit_type": unit.unit_type, "province": province_name}
        agency = existing.get(unit.code) or unnumbered.pop(fold(wanted["name"]), None)
        if agency is not None and agency.unit_code is None:
            agency.unit_code = unit.code
            wanted["unit_code"] = unit.code
        if agency is None:
            code = f"UBND-{unit.code}"
            if code in taken:
                raise InvalidInput(f"Mã cơ quan '{code}' đã được dùng cho một cơ quan khác; hãy đổi mã cơ quan đó "
                                   "hoặc ghi mã đơn vị hành chính cho nó.", code="agency_exists")
            agency = Agency(code=code, unit_code=unit.code, parent=parent, **wanted)
            session.add(agency)
            session.flush()
            report.created.append(code)
            record(actor, "agency.create", "agency", agency.id, agency_id=agency.id, code=code, unit_code=unit.code)
            continue
        changed = {key: value for key, value in wanted.items() if getattr(agency, key) != value or key == "unit_code"}
        if parent is not None and agency.parent_id != parent.id:
            agency.parent = parent
            changed["parent"] = parent.code
        if not changed:
            report.unchanged += 1
            continue
        for key, value in changed.items():
            if key != "parent":
                setattr(agency, key, value)
        report.updated.append(agency.code)
        record(actor, "agency.update", "agency", agency.id, agency_id=agency.id, **changed)
    session.flush()
    return report
