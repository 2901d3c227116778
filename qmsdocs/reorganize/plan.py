"""Reading a reorganization plan (CSV, JSON or XLSX) and checking it as a whole before anything changes.

One row per old agency: what becomes of it (merge, split, dissolve, rename), its successor and
the date. Rows of the same merge (same successor and date) form one merge, rows of the same
split (same agency and date) one split whose rows say which procedures each successor takes.
Every problem of the plan is listed at once, with the row it comes from, so a person fixes the
file in one go; only a plan without problems is applied.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from qmsdocs import tabular
from qmsdocs.agencies.kinds import KINDS, UNIT_TYPES_BY_LEVEL, parse_kind
from qmsdocs.agencies.models import LEVELS, Agency, AgencyChange, AgencyChangeParty
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput
from qmsdocs.procedures.models import Procedure
from qmsdocs.text import fold

MAX_PLAN_ROWS = 5_000
COLUMNS = tabular.Columns({
    "action": ("action", "thao tac", "hinh thuc", "hinh thuc sap xep"),
    "agency": ("agency", "code", "old", "old agency", "ma co quan", "co quan cu", "ma co quan cu"),
    "successor": ("successor", "target", "new", "new agency", "co quan ke thua", "ma co quan ke thua",
                  "co quan moi", "ma co quan moi"),
    "effective_on": ("effective_on", "effective on", "date", "ngay hieu luc", "hieu luc tu"),
    "procedures": ("procedures", "procedure codes", "quy trinh", "ma quy trinh", "quy trinh giao"),
    "successor_name": ("successor_name", "successor name", "new name", "ten moi", "ten co quan moi",
                       "ten co quan ke thua"),
    "successor_level": ("successor_level", "successor level", "level", "cap", "cap co quan moi"),
    "successor_kind": ("successor_kind", "successor kind", "kind", "loai", "loai co quan moi"),
    "successor_unit_type": ("successor_unit_type", "unit type", "unit_type", "loai don vi hanh chinh"),
    "successor_parent": ("successor_parent", "parent", "truc thuoc", "co quan cap tren"),
    "decision": ("decision", "quyet dinh", "can cu"),
    "note": ("note", "ghi chu"),
})
ACTION_WORDS = {
    "merge": "merge", "hop nhat": "merge", "sap nhap": "merge", "hop nhat, sap nhap": "merge",
    "split": "split", "chia tach": "split", "tach": "split",
    "dissolve": "dissolve", "giai the": "dissolve", "ket thuc hoat dong": "dissolve",
    "rename": "rename", "doi ten": "rename",
}
MISSING_COLUMNS = ("Kế hoạch sắp xếp cần các cột action (thao tác), agency (mã cơ quan cũ), successor "
                   "(mã cơ quan kế thừa) và effective_on (ngày hiệu lực). Xem mẫu trong docs/reorganization.md.")


@dataclass
class PlanRow:
    """One line of the plan as read, with the line number the person sees in the file."""

    line: int
    action: str
    agency: str
    successor: str
    effective_on: date | None
    procedures: list[str]
    successor_name: str = ""
    successor_level: str = ""
    successor_kind: str | None = None
    successor_unit_type: str | None = None
    successor_parent: str = ""
    decision: str = ""
    note: str = ""

    def as_dict(self) -> dict:
        return {"line": self.line, "action": self.action, "agency": self.agency, "successor": self.successor,
                "effective_on": self.effective_on.isoformat() if self.effective_on else None,
                "procedures": self.procedures, "successor_name": self.successor_name,
                "successor_level": self.successor_level, "successor_kind": self.successor_kind,
                "successor_unit_type": self.successor_unit_type, "successor_parent": self.successor_parent,
                "decision": self.decision, "note": self.note}


@dataclass
class Operation:
    """One reorganization the plan makes: the rows that form it, in the order they are applied."""

    action: str
    effective_on: date
    rows: list[PlanRow]

    @property
    def line(self) -> int:
        return self.rows[0].line

    @property
    def decision(self) -> str:
        return next((row.decision for row in self.rows if row.decision), "")

    @property
    def note(self) -> str:
        return next((row.note for row in self.rows if row.note), "")

    @property
    def sources(self) -> list[str]:
        return list(dict.fromkeys(row.agency for row in self.rows))

    @property
    def successors(self) -> list[str]:
        return list(dict.fromkeys(row.successor for row in self.rows if row.successor))


@dataclass
class Plan:
    rows: list[PlanRow]
    operations: list[Operation] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------


def read_plan(data: bytes, filename: str) -> list[PlanRow]:
    """The rows of a plan file; a row that cannot be read is kept with what it has, and checked later."""
    fmt = tabular.detect_format(filename)
    if fmt == "json":
        payload = tabular.json_payload(data)
        if isinstance(payload, dict):
            payload = payload.get("items", payload.get("rows"))
        numbered = tabular.json_rows(payload, COLUMNS, max_rows=MAX_PLAN_ROWS)
    else:
        table = tabular.csv_table(data) if fmt == "csv" else tabular.xlsx_table(data, max_rows=MAX_PLAN_ROWS)
        numbered = tabular.table_rows(table, COLUMNS, required=("action", "agency", "effective_on"),
                                      missing_message=MISSING_COLUMNS, max_rows=MAX_PLAN_ROWS)
    return [_row(line, cells or {}) for line, cells in numbered]


def rows_from_json(items: list[dict]) -> list[PlanRow]:
    """Rows handed back by the preview page (PlanRow.as_dict), read with the same rules."""
    return [_row(item.get("line", number), {key: item.get(key) for key in COLUMNS.aliases})
            for number, item in enumerate(items, start=1) if isinstance(item, dict)]


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, date):
        return value if not hasattr(value, "date") else value.date()
    text = _text(value)
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", text)
    try:
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date.fromisoformat(text)
    except ValueError:
        return None


def _codes(value) -> list[str]:
    if isinstance(value, list):
        return [_text(item) for item in value if _text(item)]
    return [part.strip() for part in re.split(r"[;,\n]", _text(value)) if part.strip()]


def _row(line, cells: dict) -> PlanRow:
    action_text = _text(cells.get("action"))
    kind_text = _text(cells.get("successor_kind"))
    return PlanRow(
        line=line,
        action=ACTION_WORDS.get(fold(action_text), action_text),
        agency=_text(cells.get("agency")),
        successor=_text(cells.get("successor")),
        effective_on=_date(cells.get("effective_on")),
        procedures=_codes(cells.get("procedures")),
        successor_name=_text(cells.get("successor_name")),
        successor_level=_text(cells.get("successor_level")).lower(),
        successor_kind=(parse_kind(kind_text) or kind_text) if kind_text else None,
        successor_unit_type=_text(cells.get("successor_unit_type")).lower() or None,
        successor_parent=_text(cells.get("successor_parent")),
        decision=_text(cells.get("decision"))[:255],
        note=_text(cells.get("note"))[:2000],
    )


# --- checking --------------------------------------------------------------------------------


@dataclass
class _AgencyState:
    exists: bool
    active: bool
    last_change: date | None
    procedures: set[str]
    created_by_plan: date | None = None


def check_plan(rows: list[PlanRow]) -> Plan:
    """Group the rows into operations and list every problem, changing nothing."""
    plan = Plan(rows)
    if not rows:
        plan.problems.append("Kế hoạch không có dòng nào. Hãy thêm ít nhất một dòng sắp xếp.")
        return plan
    for row in rows:
        plan.problems += _row_problems(row)
    if plan.problems:
        return plan
    plan.operations = _group(rows, plan.problems)
    _check_cycles(plan.operations, plan.problems)
    _simulate(plan.operations, plan.problems)
    return plan


def _row_problems(row: PlanRow) -> list[str]:
    where = f"Dòng {row.line}"
    problems = []
    if row.action not in ("merge", "split", "dissolve", "rename"):
        problems.append(f"{where}: thao tác '{row.action}' không hợp lệ; dùng merge (sáp nhập), split (chia tách), "
                        "dissolve (giải thể) hoặc rename (đổi tên).")
    if not row.agency:
        problems.append(f"{where}: thiếu mã cơ quan cũ (cột agency).")
    if row.effective_on is None:
        problems.append(f"{where}: ngày hiệu lực phải có dạng YYYY-MM-DD hoặc DD/MM/YYYY (ví dụ 2025-07-01).")
    if row.action in ("merge", "split") and not row.successor:
        problems.append(f"{where}: thiếu mã cơ quan kế thừa (cột successor).")
    if row.action == "rename" and not row.successor_name:
        problems.append(f"{where}: đổi tên cần tên mới (cột successor_name).")
    if row.action == "merge" and row.successor == row.agency and row.agency:
        problems.append(f"{where}: cơ quan '{row.agency}' không thể sáp nhập vào chính nó.")
    if row.procedures and row.action != "split":
        problems.append(f"{where}: chỉ khi chia tách mới giao quy trình (cột procedures); "
                        "sáp nhập và giải thể chuyển mọi quy trình.")
    if row.successor_level and row.successor_level not in LEVELS:
        problems.append(f"{where}: cấp '{row.successor_level}' không hợp lệ; dùng province, district hoặc commune.")
    if row.successor_kind and row.successor_kind not in KINDS:
        problems.append(f"{where}: loại cơ quan '{row.successor_kind}' không hợp lệ; dùng một trong: "
                        f"{', '.join(KINDS)}.")
    if row.successor_unit_type and row.successor_unit_type not in UNIT_TYPES_BY_LEVEL.get(
            row.successor_level or "commune", ()):
        problems.append(f"{where}: loại đơn vị hành chính '{row.successor_unit_type}' không hợp với cấp "
                        f"'{row.successor_level or 'commune'}'.")
    return problems


def _group(rows: list[PlanRow], problems: list[str]) -> list[Operation]:
    groups: dict[tuple, Operation] = {}
    sources_seen: dict[str, int] = {}
    for row in rows:
        if row.action == "merge":
            key = ("merge", row.successor, row.effective_on)
        elif row.action == "split":
            key = ("split", row.agency, row.effective_on)
        else:
            key = (row.action, row.agency, row.effective_on, row.line)
        operation = groups.setdefault(key, Operation(row.action, row.effective_on, []))
        operation.rows.append(row)
        if row.action == "split":
            continue
        first = sources_seen.setdefault(row.agency, row.line)
        if first != row.line and row.action != "rename":
            problems.append(f"Dòng {row.line}: cơ quan '{row.agency}' đã được sắp xếp ở dòng {first}; "
                            "mỗi cơ quan chỉ được sáp nhập, chia tách hoặc giải thể một lần.")
    for operation in groups.values():
        if operation.action == "split":
            first = sources_seen.setdefault(operation.rows[0].agency, operation.line)
            if first != operation.line:
                problems.append(f"Dòng {operation.line}: cơ quan '{operation.rows[0].agency}' đã được sắp xếp ở dòng "
                                f"{first}; mỗi cơ quan chỉ được sáp nhập, chia tách hoặc giải thể một lần.")
            _check_split(operation, problems)
    return sorted(groups.values(), key=lambda op: (op.effective_on, op.line))


def _check_split(operation: Operation, problems: list[str]) -> None:
    rest = [row for row in operation.rows if not row.procedures]
    if len(rest) > 1:
        problems.append(f"Dòng {rest[1].line}: khi chia tách '{operation.rows[0].agency}' chỉ một dòng được để trống "
                        "cột procedures (cơ quan nhận các quy trình còn lại).")
    given: dict[str, int] = {}
    for row in operation.rows:
        for code in row.procedures:
            if code in given:
                problems.append(f"Dòng {row.line}: quy trình '{code}' đã được giao ở dòng {given[code]}.")
            given.setdefault(code, row.line)
    seen: dict[str, int] = {}
    for row in operation.rows:
        if row.successor in seen:
            problems.append(f"Dòng {row.line}: cơ quan kế thừa '{row.successor}' đã có ở dòng {seen[row.successor]}; "
                            "hãy gộp các quy trình vào một dòng.")
        seen.setdefault(row.successor, row.line)


def _check_cycles(operations: list[Operation], problems: list[str]) -> None:
    """A → B and B → A (or a longer ring) in the same plan: nobody would be left to receive the work."""
    edges: dict[str, set[str]] = defaultdict(set)
    line_of: dict[tuple[str, str], int] = {}
    for operation in operations:
        for row in operation.rows:
            if row.successor and row.action in ("merge", "split", "dissolve") and row.successor != row.agency:
                edges[row.agency].add(row.successor)
                line_of.setdefault((row.agency, row.successor), row.line)
    reported: set[frozenset] = set()

    def visit(node: str, path: list[str]) -> None:
        for following in sorted(edges.get(node, ())):
            if following in path:
                ring = path[path.index(following):] + [following]
                if frozenset(ring) not in reported:
                    reported.add(frozenset(ring))
                    problems.append(f"Dòng {line_of[(node, following)]}: vòng lặp trong kế hoạch: {' → '.join(ring)}. "
                                    "Một cơ quan không thể vừa là cơ quan cũ vừa là cơ quan kế thừa của nhau.")
                continue
            visit(following, path + [following])

    for start in sorted(edges):
        visit(start, [start])


def _state_of(code: str, cache: dict[str, _AgencyState]) -> _AgencyState:
    if code not in cache:
        agency = session.scalar(select(Agency).where(Agency.code == code))
        if agency is None:
            cache[code] = _AgencyState(False, False, None, set())
        else:
            last = session.scalar(select(AgencyChange.effective_on).join(AgencyChangeParty)
                                  .where(AgencyChangeParty.agency_id == agency.id)
                                  .order_by(AgencyChange.effective_on.desc()).limit(1))
            codes = set(session.scalars(select(Procedure.code).where(Procedure.agency_id == agency.id)))
            cache[code] = _AgencyState(True, agency.active, last, codes)
    return cache[code]


def _simulate(operations: list[Operation], problems: list[str]) -> None:
    """Walk the operations in date order against the agencies as they would be, listing what fails."""
    states: dict[str, _AgencyState] = {}

    def usable(code: str, line: int, role: str, on: date) -> _AgencyState | None:
        state = _state_of(code, states)
        if not state.exists:
            problems.append(f"Dòng {line}: không có cơ quan mã '{code}' ({role}). Hãy kiểm tra mã, hoặc ghi tên và cấp "
                            "ở các cột successor_name, successor_level để tạo cơ quan kế thừa mới.")
            return None
        if not state.active:
            problems.append(f"Dòng {line}: cơ quan '{code}' ({role}) đã ngừng hoạt động trước ngày {on:%d/%m/%Y}.")
            return None
        if state.last_change and state.last_change > on:
            problems.append(f"Dòng {line}: cơ quan '{code}' đã được sắp xếp lại từ {state.last_change:%d/%m/%Y}, "
                            f"sau ngày hiệu lực {on:%d/%m/%Y} của dòng này; ngày hiệu lực phải từ ngày đó trở đi.")
        if state.created_by_plan and state.created_by_plan > on:
            problems.append(f"Dòng {line}: cơ quan '{code}' chỉ được thành lập từ {state.created_by_plan:%d/%m/%Y} "
                            "theo kế hoạch này.")
        return state

    def successor(row: PlanRow, on: date) -> _AgencyState | None:
        state = _state_of(row.successor, states)
        if not state.exists and row.successor_name:
            if not row.successor_level:
                problems.append(f"Dòng {row.line}: cơ quan mới '{row.successor}' cần cấp (cột successor_level).")
            if row.successor_parent:
                usable(row.successor_parent, row.line, "cơ quan cấp trên", on)
            states[row.successor] = _AgencyState(True, True, None, set(), created_by_plan=on)
            return states[row.successor]
        return usable(row.successor, row.line, "cơ quan kế thừa", on)

    for operation in operations:
        on = operation.effective_on
        if operation.action == "merge":
            target = successor(operation.rows[0], on)
            for row in operation.rows:
                source = usable(row.agency, row.line, "cơ quan cũ", on)
                if source is not None:
                    source.active = False
                    if target is not None:
                        target.procedures |= source.procedures
        elif operation.action == "split":
            first = operation.rows[0]
            source = usable(first.agency, first.line, "cơ quan cũ", on)
            targets = [successor(row, on) for row in operation.rows]
            if source is not None:
                for row in operation.rows:
                    for code in row.procedures:
                        if code not in source.procedures:
                            problems.append(f"Dòng {row.line}: cơ quan '{first.agency}' không có quy trình mã "
                                            f"'{code}'.")
                keep = any(row.successor == first.agency for row in operation.rows)
                for target in targets:
                    if target is not None and target is not source:
                        target.procedures |= source.procedures
                source.active = keep
        elif operation.action == "dissolve":
            row = operation.rows[0]
            source = usable(row.agency, row.line, "cơ quan cũ", on)
            if row.successor:
                target = usable(row.successor, row.line, "cơ quan tiếp nhận", on)
                if target is not None and source is not None:
                    target.procedures |= source.procedures
            if source is not None:
                source.active = False
        else:
            row = operation.rows[0]
            usable(row.agency, row.line, "cơ quan đổi tên", on)
