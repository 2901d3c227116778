"""Applying a checked plan: every operation in date order, in the caller's one transaction.

The caller commits once at the end (or rolls back for a dry run): a plan is applied whole or
not at all. After the moves, procedures that now sit side by side in one successor with the
same code before the move or the same title are listed as duplicates for a person to resolve
(which stays current, which is retired); nothing is retired silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select

from qmsdocs.agencies import reorganization
from qmsdocs.agencies.models import Agency, ProcedureTransfer
from qmsdocs.audit.services import record
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.procedures.models import Procedure
from qmsdocs.reorganize.plan import Operation, Plan, PlanRow
from qmsdocs.text import fold


class PlanRefused(InvalidInput):
    """The plan has problems; `problems` lists every one, with its line."""

    def __init__(self, problems: list[str]):
        super().__init__("Kế hoạch sắp xếp chưa áp dụng được (không thay đổi gì): " + " ".join(problems),
                         code="plan_refused", problems=problems)
        self.problems = problems


@dataclass
class Outcome:
    """What the plan did (or would do): the operations, every procedure moved and the duplicates found."""

    changes: list[dict] = field(default_factory=list)
    moved: list[dict] = field(default_factory=list)
    retired: list[dict] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for change in self.changes:
            out.append(f"{change['effective_on']} {change['action_label']}: {change['summary']}")
        for move in self.moved:
            renamed = f" (mã mới {move['code_after']})" if move["code_after"] != move["code_before"] else ""
            out.append(f"  chuyển {move['from']}/{move['code_before']} → {move['to']}{renamed}")
        for item in self.retired:
            out.append(f"  hết hiệu lực {item['from']}/{item['code_before']}")
        for pair in self.duplicates:
            first, second = pair["procedures"]
            out.append(f"TRÙNG tại {pair['agency']}: {first['code']} «{first['title']}» và "
                       f"{second['code']} «{second['title']}» — hãy chọn quy trình giữ lại và bãi bỏ quy trình kia.")
        out.append(f"Tổng: {len(self.changes)} lần sắp xếp, {len(self.created)} cơ quan mới, {len(self.moved)} quy trình "
                   f"chuyển (đánh dấu cần rà soát), {len(self.retired)} quy trình hết hiệu lực, "
                   f"{len(self.duplicates)} cặp trùng cần xử lý.")
        return out

    def as_dict(self) -> dict:
        return {"changes": self.changes, "moved": self.moved, "retired": self.retired, "created": self.created,
                "duplicates": self.duplicates}


def _new(row: PlanRow) -> reorganization.NewAgency | None:
    if not row.successor_name or session.scalar(select(Agency.id).where(Agency.code == row.successor)):
        return None
    return reorganization.NewAgency(code=row.successor, name=row.successor_name, level=row.successor_level,
                                    kind=row.successor_kind, unit_type=row.successor_unit_type,
                                    parent_code=row.successor_parent or None)


def _apply_one(operation: Operation, actor, created: list[str]) -> reorganization.ReorganizationResult:
    common = {"effective_on": operation.effective_on, "decision": operation.decision or None,
              "note": operation.note or None, "actor": actor}
    first = operation.rows[0]
    if operation.action == "merge":
        new = _new(first)
        if new is not None:
            created.append(new.code)
        return reorganization.merge(operation.sources, into=new or first.successor, **common)
    if operation.action == "split":
        keep = any(row.successor == first.agency for row in operation.rows)
        # The row without procedures receives the rest: split() gives the rest to the first successor.
        ordered = sorted((row for row in operation.rows if row.successor != first.agency),
                         key=lambda row: bool(row.procedures))
        into = []
        for row in ordered:
            new = _new(row)
            if new is not None:
                created.append(new.code)
            into.append(new or row.successor)
        assignment = {code: row.successor for row in operation.rows for code in row.procedures}
        return reorganization.split(first.agency, into=into, assignment=assignment, keep_source=keep, **common)
    if operation.action == "dissolve":
        return reorganization.dissolve(first.agency, successor=first.successor or None, **common)
    return reorganization.rename(first.agency, first.successor_name, kind=first.successor_kind,
                                 unit_type=first.successor_unit_type, level=first.successor_level or None, **common)


def _summary(operation: Operation) -> str:
    sources = ", ".join(operation.sources)
    if operation.action == "merge":
        return f"{sources} → {operation.rows[0].successor}"
    if operation.action == "split":
        return f"{sources} → {', '.join(operation.successors)}"
    if operation.action == "dissolve":
        return f"{sources} → {operation.rows[0].successor or '(không có cơ quan tiếp nhận)'}"
    return f"{sources}: «{operation.rows[0].successor_name}»"


def apply_plan(plan: Plan, *, actor=None) -> Outcome:
    """Apply every operation of a checked plan; raises PlanRefused (the caller rolls back) on any problem."""
    if plan.problems:
        raise PlanRefused(plan.problems)
    outcome = Outcome()
    transfers: list[ProcedureTransfer] = []
    for operation in plan.operations:
        try:
            result = _apply_one(operation, actor, outcome.created)
        except QmsError as error:
            raise PlanRefused([f"Dòng {operation.line}: {error.message}"]) from None
        change = result.as_dict()
        change["summary"] = _summary(operation)
        change["line"] = operation.line
        outcome.changes.append(change)
        transfers += result.moved
    for transfer in transfers:
        item = {"procedure_id": transfer.procedure_id, "from": transfer.from_agency.code,
                "to": transfer.to_agency.code if transfer.to_agency else None,
                "code_before": transfer.code_before, "code_after": transfer.code_after}
        (outcome.moved if transfer.outcome == "moved" else outcome.retired).append(item)
    outcome.duplicates = duplicates_after(transfers)
    record(actor, "agency.reorganization_plan", "agency", None, operations=len(plan.operations),
           moved=len(outcome.moved), retired=len(outcome.retired), created=outcome.created,
           duplicates=len(outcome.duplicates))
    return outcome


def _procedure_json(procedure: Procedure) -> dict:
    return {"id": procedure.id, "code": procedure.code, "title": procedure.title,
            "versions": len(procedure.versions), "current_version_id": procedure.current_version_id}


def duplicates_after(transfers: list[ProcedureTransfer]) -> list[dict]:
    """Active procedures of one successor that are the same procedure twice: same code before the move, or same title."""
    receiving = {t.to_agency_id for t in transfers if t.outcome == "moved" and t.to_agency_id}
    moved_ids = {t.procedure_id for t in transfers if t.outcome == "moved"}
    code_before = {t.procedure_id: t.code_before for t in transfers if t.outcome == "moved"}
    pairs = []
    for agency_id in sorted(receiving):
        agency = session.get(Agency, agency_id)
        procedures = list(session.scalars(select(Procedure).where(Procedure.agency_id == agency_id,
                                                                  Procedure.status == "active")
                                          .order_by(Procedure.code)))
        groups: dict[tuple, list[Procedure]] = defaultdict(list)
        for procedure in procedures:
            groups[("code", code_before.get(procedure.id, procedure.code))].append(procedure)
            groups[("title", fold(procedure.title))].append(procedure)
        seen: set[tuple[int, int]] = set()
        for group in groups.values():
            for index, first in enumerate(group):
                for second in group[index + 1:]:
                    key = (first.id, second.id)
                    if key in seen or not ({first.id, second.id} & moved_ids):
                        continue
                    seen.add(key)
                    pairs.append({"agency": agency.code, "agency_name": agency.name,
                                  "procedures": [_procedure_json(first), _procedure_json(second)]})
    return pairs
