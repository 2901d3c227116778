"""Catalog operations: look-ups, listing, creation and import of TTHC, with their history.

An import is idempotent: the same file twice changes nothing the second time. A later file
that changes a TTHC's legal bases, or abolishes it, records the change in its history and
sends `admin_procedure_changed`, on which the alerts area flags the procedures implementing it.
"""

from __future__ import annotations

import unicodedata
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin
from qmsdocs.catalog.models import (
    ADMIN_PROCEDURE_STATUSES,
    AdminProcedure,
    AdminProcedureChange,
    AdminProcedureLegalBasis,
    search_key,
)
from qmsdocs.catalog.records import ADMIN_LEVELS, Record, RowRefused, parse_record
from qmsdocs.clock import local_today
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.integrity import Finding
from qmsdocs.paging import Page, PageRequest
from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

# The catalog fields a procedure's search record holds for each linked TTHC (besides the code).
SEARCHED_FIELDS = ("name",)


# --- look-ups --------------------------------------------------------------------------------


def admin_procedure_names(codes: list[str]) -> dict[str, str]:
    """Code → name of the catalogued TTHC among `codes`; unknown codes are left out."""
    wanted = {str(code).strip() for code in codes if code and str(code).strip()}
    if not wanted:
        return {}
    rows = session.execute(
        select(AdminProcedure.code, AdminProcedure.name).where(AdminProcedure.code.in_(sorted(wanted)))
    )
    return {code: name for code, name in rows}


def get_admin_procedure(code: str) -> AdminProcedure:
    item = session.scalar(select(AdminProcedure).where(AdminProcedure.code == (code or "").strip()))
    if item is None:
        raise NotFound(f"Không có thủ tục hành chính mã '{code}' trong danh mục. Hãy kiểm tra lại mã.",
                       code="admin_procedure_not_found")
    return item


def _name_matches(words: list[str]):
    """Every query word begins a word of the folded name: "dang ky" finds "Đăng ký khai sinh"."""
    return and_(*[or_(AdminProcedure.name_key.startswith(word, autoescape=True),
                      AdminProcedure.name_key.contains(" " + word, autoescape=True)) for word in words])


def list_admin_procedures(*, q: str | None = None, field_name: str | None = None, level: str | None = None,
                          status: str | None = None, paging: PageRequest = PageRequest()) -> Page:
    """The catalog filtered as people type: names and fields without regard to case or diacritics.

    Matching reads the folded copies stored with each TTHC (`name_key`, `field_key`), one indexed
    column scan even for the ~5,000 TTHC a province publishes.
    """
    stmt = select(AdminProcedure)
    if q and q.strip():
        text = unicodedata.normalize("NFC", q.strip())
        words = search_key(text).split()
        by_name = _name_matches(words) if words else false()
        stmt = stmt.where(or_(AdminProcedure.code.contains(text, autoescape=True), by_name))
    if field_name and field_name.strip():
        stmt = stmt.where(AdminProcedure.field_key == search_key(field_name))
    if level:
        if level not in ADMIN_LEVELS:
            raise InvalidInput("Cấp thực hiện phải là central, province, district hoặc commune.",
                               code="invalid_level")
        stmt = stmt.where(AdminProcedure.levels.contains(level))
    if status:
        if status not in ADMIN_PROCEDURE_STATUSES:
            raise InvalidInput("Trạng thái phải là active (đang thực hiện) hoặc abolished (đã bãi bỏ).",
                               code="invalid_status")
        stmt = stmt.where(AdminProcedure.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery()))
    items = list(session.scalars(stmt.options(selectinload(AdminProcedure.legal_bases))
                                 .order_by(AdminProcedure.code).limit(paging.per_page).offset(paging.offset)))
    return Page.of(items, total or 0, paging)


def fields() -> list[str]:
    """Each lĩnh vực once, however its spellings differ in case or diacritics ("Đất đai", "đất đai")."""
    rows = session.execute(select(AdminProcedure.field_key, func.min(AdminProcedure.field))
                           .where(AdminProcedure.field_key.is_not(None)).group_by(AdminProcedure.field_key))
    return sorted((name for _key, name in rows if name), key=search_key)


def linked_procedures(code: str) -> list:
    return list(session.scalars(
        select(Procedure).join(ProcedureAdminProcedure)
        .where(ProcedureAdminProcedure.code == code)
        .options(selectinload(Procedure.admin_procedures))
        .order_by(Procedure.agency_id, Procedure.code)
    ))


def check_search_keys(repair: bool) -> list:
    """`qms check`: the folded copies of names and fields agree with today's analyzer; --repair refolds them.

    They can only drift when the search analyzer's folding changes after they were written.
    """
    findings = []
    rows = session.execute(select(AdminProcedure.id, AdminProcedure.code, AdminProcedure.name, AdminProcedure.field,
                                  AdminProcedure.name_key, AdminProcedure.field_key))
    for item_id, code, name, field_name, name_key, field_key in rows:
        if (name_key, field_key) == (search_key(name)[:1000], search_key(field_name)[:255] or None):
            continue
        finding = Finding("catalog_search_key_stale", f"TTHC {code}",
                          "bản tìm kiếm không dấu của tên hoặc lĩnh vực đã cũ (danh mục tra cứu sai)")
        if repair:
            item = session.get(AdminProcedure, item_id)
            item.name, item.field = name, field_name
            finding.repaired = True
        findings.append(finding)
    if repair and findings:
        session.flush()
    return findings



# --- storing ---------------------------------------------------------------------------------


def _values(item: AdminProcedure) -> dict:
    return {
        "name": item.name, "field": item.field, "levels": item.levels, "agency_kinds": item.agency_kinds,
        "implementing_agency": item.implementing_agency, "agency_codes": item.agency_codes,
        "publishing_decision": item.publishing_decision,
    }


def _record_values(rec: Record) -> dict:
    return {
        "name": rec.name, "field": rec.field, "levels": " ".join(rec.levels),
        "agency_kinds": " ".join(rec.agency_kinds), "implementing_agency": rec.implementing_agency,
        "agency_codes": " ".join(rec.agency_codes), "publishing_decision": rec.publishing_decision,
    }


def _add_change(item: AdminProcedure, change: str, *, effective_on: date | None, description: str,
                details: dict, source: str | None, actor) -> AdminProcedureChange:
    entry = AdminProcedureChange(admin_procedure=item, change=change, effective_on=effective_on,
                                 description=description, details=details, source=source,
                                 actor_id=getattr(actor, "id", None))
    session.add(entry)
    return entry


def _notify_alerts(code: str, change: str, *, effective_on: date | None, description: str, actor) -> None:
    """Tell whoever listens (the alerts area flags every procedure implementing the TTHC)."""
    events.admin_procedure_changed.send(code, change=change, effective_on=effective_on or local_today(),
                                        description=description, actor=actor)


def load_catalog(codes: list[str]) -> dict[str, AdminProcedure]:
    """The catalogued TTHC among `codes` with their legal bases, in a few queries (for file imports)."""
    found: dict[str, AdminProcedure] = {}
    unique = sorted(set(codes))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        for item in session.scalars(select(AdminProcedure).where(AdminProcedure.code.in_(chunk))
                                    .options(selectinload(AdminProcedure.legal_bases))):
            found[item.code] = item
    return found


def reindex_linked(codes) -> int:
    """Have search rebuild the records of every procedure linked to these TTHC; returns how many.

    A procedure's search record holds the names of its TTHC (`SEARCHED_FIELDS`), so a TTHC that
    enters the catalog, or is renamed, changes the records of procedures linked to it beforehand.
    The search area turns `procedure_changed` into a durable reindex mark in this transaction.
    """
    wanted = sorted({code for code in codes if code})
    seen: set[int] = set()
    for start in range(0, len(wanted), 500):
        linked = (select(ProcedureAdminProcedure.procedure_id)
                  .where(ProcedureAdminProcedure.code.in_(wanted[start:start + 500])))
        for procedure in session.scalars(select(Procedure).where(Procedure.id.in_(linked)).order_by(Procedure.id)):
            if procedure.id not in seen:
                seen.add(procedure.id)
                events.procedure_changed.send(procedure)
    return len(seen)


def apply_record(rec: Record, *, source: str | None, actor, create_only: bool = False,
                 known: dict[str, AdminProcedure] | None = None, to_reindex: set[str] | None = None) -> str:
    """Create or update one TTHC; returns what happened: created, changed, abolished, restored, updated, unchanged.

    `known` (from `load_catalog`) spares a query per row; a TTHC missing from it is new. When the
    TTHC is new or a field search indexes changed, its linked procedures are reindexed now, or its
    code is added to `to_reindex` for the caller to pass to `reindex_linked` once for a whole file.
    """

    def reindex_later() -> None:
        if to_reindex is None:
            reindex_linked([rec.code])
        else:
            to_reindex.add(rec.code)

    if known is not None:
        item = known.get(rec.code)
    else:
        item = session.scalar(select(AdminProcedure).where(AdminProcedure.code == rec.code)
                              .options(selectinload(AdminProcedure.legal_bases)))
    values = _record_values(rec)
    new_keys = [key for _, key in rec.legal_bases]
    if item is None:
        item = AdminProcedure(code=rec.code, status=rec.status, **values)
        item.abolished_on = rec.effective_on if rec.status == "abolished" else None
        item.legal_bases = [AdminProcedureLegalBasis(symbol=s, key=k, position=i)
                            for i, (s, k) in enumerate(rec.legal_bases)]
        session.add(item)
        _add_change(item, "created", effective_on=rec.effective_on, source=source, actor=actor,
                    description=f"Đưa vào danh mục: {rec.name}",
                    details={"legal_bases": {"before": [], "after": new_keys}})
        session.flush()
        record(actor, "admin_procedure.create", "admin_procedure", item.id, code=rec.code, source=source)
        reindex_later()
        return "created"
    if create_only:
        raise Conflict(f"Danh mục đã có TTHC mã '{rec.code}'. Hãy dùng chức năng nhập tệp để cập nhật.",
                       code="admin_procedure_exists")

    outcome = "unchanged"
    old_keys = item.legal_basis_keys
    old_values = _values(item)
    changed_fields = {k: {"before": old_values[k], "after": v} for k, v in values.items() if old_values[k] != v}
    if changed_fields:
        for attribute, value in values.items():
            setattr(item, attribute, value)
        outcome = "updated"
        if any(name in changed_fields for name in SEARCHED_FIELDS):
            reindex_later()
    if sorted(old_keys) != sorted(new_keys) or [b.symbol for b in item.legal_bases] != [s for s, _ in rec.legal_bases]:
        legal_changed = sorted(old_keys) != sorted(new_keys)
        item.legal_bases = [AdminProcedureLegalBasis(symbol=s, key=k, position=i)
                            for i, (s, k) in enumerate(rec.legal_bases)]
        if legal_changed:
            added = [k for k in new_keys if k not in old_keys]
            removed = [k for k in old_keys if k not in new_keys]
            description = "Thay đổi căn cứ pháp lý của TTHC " + rec.code
            if added:
                description += f"; bổ sung {', '.join(added)}"
            if removed:
                description += f"; bỏ {', '.join(removed)}"
            _add_change(item, "changed", effective_on=rec.effective_on, source=source, actor=actor,
                        description=description, details={"legal_bases": {"before": old_keys, "after": new_keys}})
            session.flush()
            record(actor, "admin_procedure.change", "admin_procedure", item.id, code=rec.code,
                   before=old_keys, after=new_keys)
            if item.status == "active" and rec.status == "active":
                _notify_alerts(rec.code, "changed", effective_on=rec.effective_on, description=description,
                               actor=actor)
            outcome = "changed"
        elif outcome == "unchanged":
            outcome = "updated"
    if changed_fields:
        _add_change(item, "updated", effective_on=rec.effective_on, source=source, actor=actor,
                    description="Cập nhật " + ", ".join(changed_fields), details={"fields": changed_fields})
    if item.status != rec.status:
        if rec.status == "abolished":
            item.status = "abolished"
            item.abolished_on = rec.effective_on or local_today()
            description = f"Bãi bỏ TTHC {rec.code} - {rec.name}"
            if rec.publishing_decision:
                description += f" theo {rec.publishing_decision}"
            _add_change(item, "abolished", effective_on=item.abolished_on, source=source, actor=actor,
                        description=description, details={})
            session.flush()
            record(actor, "admin_procedure.abolish", "admin_procedure", item.id, code=rec.code)
            _notify_alerts(rec.code, "abolished", effective_on=item.abolished_on, description=description,
                           actor=actor)
            outcome = "abolished"
        else:
            item.status = "active"
            item.abolished_on = None
            _add_change(item, "restored", effective_on=rec.effective_on, source=source, actor=actor,
                        description=f"TTHC {rec.code} được công bố thực hiện lại", details={})
            record(actor, "admin_procedure.restore", "admin_procedure", item.id, code=rec.code)
            outcome = "restored"
    session.flush()
    return outcome


def create_admin_procedure(data: dict, *, actor) -> AdminProcedure:
    require_admin(actor)
    try:
        rec = parse_record(data)
    except RowRefused as refused:
        raise InvalidInput(str(refused), code="invalid_admin_procedure") from None
    apply_record(rec, source="api", actor=actor, create_only=True)
    return get_admin_procedure(rec.code)


def admin_procedure_json(item: AdminProcedure, *, detail: bool = False) -> dict:
    body = {
        "code": item.code,
        "name": item.name,
        "field": item.field,
        "levels": item.level_list,
        "agency_kinds": item.kind_list,
        "implementing_agency": item.implementing_agency,
        "agency_codes": item.agency_code_list,
        "legal_bases": [{"symbol": b.symbol, "key": b.key} for b in item.legal_bases],
        "publishing_decision": item.publishing_decision,
        "status": item.status,
        "abolished_on": item.abolished_on.isoformat() if item.abolished_on else None,
    }
    if detail:
        body["changes"] = [{
            "change": c.change, "effective_on": c.effective_on.isoformat() if c.effective_on else None,
            "description": c.description, "details": c.details, "source": c.source,
            "at": c.created_at.isoformat(timespec="seconds") + "Z",
        } for c in item.changes]
        body["procedures"] = []
        for procedure in linked_procedures(item.code):
            link = next(l for l in procedure.admin_procedures if l.code == item.code)
            body["procedures"].append({"id": procedure.id, "agency": procedure.agency.code, "code": procedure.code,
                                       "title": procedure.title, "confirmed": link.confirmed,
                                       "status": procedure.status})
    return body
