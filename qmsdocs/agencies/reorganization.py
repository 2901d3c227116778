"""Reorganization (sắp xếp tổ chức bộ máy): rename, merge, split and dissolve agencies.

Agencies are renamed, merged, split and dissolved (Vietnam removed the district level and
merged provinces in 2025). A reorganization never rewrites the past: procedures move to the
successor with all their versions untouched and every party's before/after state is kept
(see qmsdocs.agencies.history). The areas built on agencies act through qmsdocs.events:
procedures are handed over (`procedures_handed_over`, then `procedures_moved` for alerts and readers) and
users follow their agency to its successor (`agency_succeeded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from qmsdocs import events
from qmsdocs.agencies.history import change_json
from qmsdocs.agencies.kinds import KINDS, UNIT_TYPES_BY_LEVEL
from qmsdocs.agencies.models import LEVELS, Agency, AgencyChange, AgencyChangeParty, ProcedureTransfer
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, NotFound


# --- reorganization --------------------------------------------------------------------------


@dataclass
class NewAgency:
    """An agency a merge or split creates."""

    code: str
    name: str
    level: str
    kind: str | None = None
    unit_type: str | None = None
    parent_code: str | None = None


@dataclass
class ReorganizationResult:
    change: AgencyChange
    moved: list[ProcedureTransfer]

    def as_dict(self) -> dict:
        return change_json(self.change)


def _get(code: str) -> Agency:
    agency = session.scalar(select(Agency).where(Agency.code == (code or "").strip()))
    if agency is None:
        raise NotFound(f"Không có cơ quan mã '{code}'. Hãy kiểm tra lại mã cơ quan.", code="agency_not_found")
    return agency


def _active(code: str) -> Agency:
    agency = _get(code)
    if not agency.active:
        raise Conflict(f"Cơ quan '{agency.code}' đã ngừng hoạt động; không thể sắp xếp lại thêm.",
                       code="agency_inactive")
    return agency


def _validate_date(effective_on) -> date:
    if isinstance(effective_on, date):
        return effective_on
    try:
        return date.fromisoformat(str(effective_on or "").strip())
    except ValueError:
        raise InvalidInput("Ngày hiệu lực phải có dạng YYYY-MM-DD (ví dụ 2025-07-01).",
                           code="invalid_effective_on") from None


def _validate_kind(kind: str | None) -> str | None:
    if kind is None or kind == "":
        return None
    if kind not in KINDS:
        raise InvalidInput(f"Loại cơ quan '{kind}' không hợp lệ. Dùng một trong: {', '.join(KINDS)}.",
                           code="invalid_kind")
    return kind


def _validate_unit_type(unit_type: str | None, level: str) -> str | None:
    if not unit_type:
        return None
    if unit_type not in UNIT_TYPES_BY_LEVEL.get(level, ()):
        allowed = ", ".join(UNIT_TYPES_BY_LEVEL.get(level, ())) or "không có"
        raise InvalidInput(f"Loại đơn vị hành chính '{unit_type}' không hợp với cấp '{level}' (được phép: {allowed}).",
                           code="invalid_unit_type")
    return unit_type


def _new_agency(spec: NewAgency, effective_on: date, fallback_parent: Agency | None, actor) -> Agency:
    code = (spec.code or "").strip()
    name = (spec.name or "").strip()
    if not code or len(code) > 64:
        raise InvalidInput("Mã cơ quan mới không được để trống và dài tối đa 64 ký tự.", code="invalid_code")
    if not name or len(name) > 255:
        raise InvalidInput("Tên cơ quan mới không được để trống và dài tối đa 255 ký tự.", code="invalid_name")
    if spec.level not in LEVELS:
        raise InvalidInput("Cấp cơ quan phải là province, district hoặc commune.", code="invalid_level")
    if session.scalar(select(Agency.id).where(Agency.code == code)):
        raise Conflict(f"Mã cơ quan '{code}' đã có. Hãy dùng mã khác cho cơ quan mới.", code="agency_exists")
    parent = _active(spec.parent_code) if spec.parent_code else fallback_parent
    agency = Agency(code=code, name=name, level=spec.level, kind=_validate_kind(spec.kind),
                    unit_type=_validate_unit_type(spec.unit_type, spec.level), parent=parent,
                    established_on=effective_on)
    session.add(agency)
    session.flush()
    record(actor, "agency.create", "agency", agency.id, agency_id=agency.id, code=code, reorganization=True)
    return agency


def _party(change: AgencyChange, agency: Agency, role: str, before: dict | None = None) -> AgencyChangeParty:
    before = before or _state(agency)
    party = AgencyChangeParty(
        change=change, agency=agency, role=role,
        name_before=before["name"], name_after=agency.name,
        level_before=before["level"], level_after=agency.level,
        kind_before=before["kind"], kind_after=agency.kind,
        unit_type_before=before["unit_type"], unit_type_after=agency.unit_type,
    )
    session.add(party)
    return party


def _state(agency: Agency) -> dict:
    return {"name": agency.name, "level": agency.level, "kind": agency.kind, "unit_type": agency.unit_type}


def _start(action: str, effective_on, decision: str | None, note: str | None, actor) -> AgencyChange:
    # Only administrators reorganize: the pages and the API check it before calling (as for every agency edit).
    change = AgencyChange(action=action, effective_on=_validate_date(effective_on),
                          decision=(decision or "").strip()[:255] or None, note=(note or "").strip(),
                          actor_id=getattr(actor, "id", None))
    session.add(change)
    return change


def _hand_over_procedures(change: AgencyChange, source: Agency, assignment: dict, default: Agency | None,
                          reason: str, actor) -> list[ProcedureTransfer]:
    """Ask the procedures area to hand each of the source's procedures to its successor.

    `default` is where procedures not named in `assignment` go: an agency, the source itself
    (they stay), or None (they are retired with the agency).
    """
    answers = events.procedures_handed_over.send(source, change=change, assignment=assignment, default=default,
                                                 reason=reason, actor=actor)
    return [transfer for _receiver, transfers in answers for transfer in transfers or ()]


def _retire_agency(agency: Agency, effective_on: date, successor: Agency | None, actor) -> None:
    """The agency ceases: inactive from the date, its units and users go to the successor."""
    agency.active = False
    agency.dissolved_on = effective_on
    if successor is not None:
        for child in list(agency.children):
            if child.id != successor.id:
                child.parent = successor
        events.agency_succeeded.send(agency, successor=successor, actor=actor)
    record(actor, "agency.dissolve", "agency", agency.id, agency_id=agency.id,
           effective_on=effective_on.isoformat(), successor=successor.code if successor else None)


def rename(code: str, new_name: str, *, effective_on, kind: str | None = None, unit_type: str | None = None,
           level: str | None = None, decision: str | None = None, note: str | None = None,
           actor=None) -> ReorganizationResult:
    """Đổi tên (and possibly kind or level, e.g. a district becoming a town): same agency, same procedures."""
    change = _start("rename", effective_on, decision, note, actor)
    agency = _active(code)
    new_name = (new_name or "").strip()
    if not new_name or len(new_name) > 255:
        raise InvalidInput("Tên mới không được để trống và dài tối đa 255 ký tự.", code="invalid_name")
    before = _state(agency)
    new_level = level or agency.level
    if new_level not in LEVELS:
        raise InvalidInput("Cấp cơ quan phải là province, district hoặc commune.", code="invalid_level")
    agency.name = new_name
    agency.level = new_level
    if kind:
        agency.kind = _validate_kind(kind)
    if unit_type:
        agency.unit_type = _validate_unit_type(unit_type, new_level)
    if _state(agency) == before:
        raise InvalidInput("Tên, cấp và loại mới trùng với hiện tại; không có gì để đổi.", code="no_change")
    _party(change, agency, "renamed", before)
    session.flush()
    record(actor, "agency.rename", "agency", agency.id, agency_id=agency.id, before=before, after=_state(agency),
           effective_on=change.effective_on.isoformat())
    return ReorganizationResult(change, [])


def merge(codes: list[str], *, into: str | NewAgency, effective_on, decision: str | None = None,
          note: str | None = None, actor=None) -> ReorganizationResult:
    """Hợp nhất / sáp nhập: several agencies become one (an existing agency or a new one)."""
    change = _start("merge", effective_on, decision, note, actor)
    if not isinstance(codes, (list, tuple)) or not codes:
        raise InvalidInput("Hãy nêu ít nhất một cơ quan được sáp nhập.", code="invalid_sources")
    sources = []
    for code in codes:
        agency = _active(code)
        if agency in sources:
            raise InvalidInput(f"Cơ quan '{agency.code}' được nêu hai lần.", code="invalid_sources")
        sources.append(agency)
    if isinstance(into, NewAgency):
        target = _new_agency(into, change.effective_on, sources[0].parent, actor)
        created = True
    else:
        target = _active(into)
        created = False
        if target in sources:
            raise InvalidInput("Cơ quan nhận sáp nhập không thể đồng thời là cơ quan bị sáp nhập.",
                               code="invalid_sources")
    if len(sources) + (0 if created else 1) < 2:
        raise InvalidInput("Hợp nhất cần ít nhất hai cơ quan.", code="invalid_sources")
    moved = []
    for source in sources:
        _party(change, source, "predecessor")
        reason = f"Sáp nhập {source.name} vào {target.name} từ {change.effective_on:%d/%m/%Y}."
        moved += _hand_over_procedures(change, source, {}, target, reason, actor)
        _retire_agency(source, change.effective_on, target, actor)
    _party(change, target, "successor")
    session.flush()
    record(actor, "agency.merge", "agency", target.id, agency_id=target.id, sources=[s.code for s in sources],
           effective_on=change.effective_on.isoformat(), created=created)
    return ReorganizationResult(change, moved)


def split(code: str, *, into: list[NewAgency | str], assignment: dict[str, str] | None = None, effective_on,
          keep_source: bool = False, decision: str | None = None, note: str | None = None,
          actor=None) -> ReorganizationResult:
    """Chia tách: one agency's work goes to several (new or existing) agencies.

    `assignment` maps a procedure code to the code of the agency that takes it; procedures
    not named go to the first successor. With `keep_source` the agency continues (tách một
    phần) and keeps the procedures not named.
    """
    change = _start("split", effective_on, decision, note, actor)
    source = _active(code)
    if not isinstance(into, (list, tuple)) or len(into) < (1 if keep_source else 2):
        raise InvalidInput("Chia tách cần ít nhất hai cơ quan kế thừa (hoặc một, khi cơ quan cũ vẫn tồn tại).",
                           code="invalid_successors")
    successors = []
    for item in into:
        agency = (_new_agency(item, change.effective_on, source.parent, actor) if isinstance(item, NewAgency)
                  else _active(item))
        if agency.id == source.id or agency in successors:
            raise InvalidInput(f"Cơ quan kế thừa '{agency.code}' không hợp lệ hoặc bị nêu hai lần.",
                               code="invalid_successors")
        successors.append(agency)
    by_code = {agency.code: agency for agency in successors}
    if keep_source:
        by_code[source.code] = source
    targets = {}
    # Procedure codes the source does not have are refused by the procedures area during the hand-over.
    for procedure_code, agency_code in (assignment or {}).items():
        if agency_code not in by_code:
            raise InvalidInput(f"Quy trình '{procedure_code}' được giao cho '{agency_code}', "
                               "không phải cơ quan kế thừa.", code="invalid_assignment")
        targets[procedure_code] = by_code[agency_code]
    _party(change, source, "predecessor")
    reason = f"Chia tách {source.name} từ {change.effective_on:%d/%m/%Y}."
    if keep_source:
        moved = _hand_over_procedures(change, source, targets, source, reason, actor)
    else:
        moved = _hand_over_procedures(change, source, targets, successors[0], reason, actor)
        _retire_agency(source, change.effective_on, successors[0], actor)
    for agency in successors:
        _party(change, agency, "successor")
    session.flush()
    record(actor, "agency.split", "agency", source.id, agency_id=source.id,
           successors=[a.code for a in successors], effective_on=change.effective_on.isoformat())
    return ReorganizationResult(change, moved)


def dissolve(code: str, *, effective_on, successor: str | None = None, decision: str | None = None,
             note: str | None = None, actor=None) -> ReorganizationResult:
    """Giải thể: the agency ceases; its procedures go to the successor, or are retired if there is none."""
    change = _start("dissolve", effective_on, decision, note, actor)
    source = _active(code)
    target = _active(successor) if successor else None
    if target is not None and target.id == source.id:
        raise InvalidInput("Cơ quan tiếp nhận không thể là chính cơ quan bị giải thể.", code="invalid_successor")
    if target is None and any(child.active for child in source.children):
        raise Conflict("Cơ quan còn đơn vị trực thuộc đang hoạt động; hãy nêu cơ quan tiếp nhận hoặc sắp xếp "
                       "các đơn vị đó trước.", code="agency_has_units")
    _party(change, source, "predecessor")
    reason = f"Giải thể {source.name} từ {change.effective_on:%d/%m/%Y}."
    moved = _hand_over_procedures(change, source, {}, target, reason, actor)
    _retire_agency(source, change.effective_on, target, actor)
    if target is not None:
        _party(change, target, "successor")
    session.flush()
    return ReorganizationResult(change, moved)
