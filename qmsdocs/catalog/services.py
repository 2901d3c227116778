"""Catalog operations: look-ups, creation, import and linking of TTHC to procedures.

An import is idempotent: the same file twice changes nothing the second time. A later file
that changes a TTHC's legal bases, or abolishes it, records the change in its history and
tells the alerts area, which flags the procedures implementing it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date

from sqlalchemy import and_, false, func, or_, select
from sqlalchemy.orm import selectinload

from qmsdocs.agencies.models import LEVELS, Agency
from qmsdocs.agencies.kinds import parse_kind
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin, require_write
from qmsdocs.catalog.models import (
    ADMIN_PROCEDURE_STATUSES,
    AdminProcedure,
    AdminProcedureChange,
    AdminProcedureLegalBasis,
    RejectedLinkSuggestion,
    search_key,
)
from qmsdocs.db import session
from qmsdocs.docx.citations import canonical_symbol, extract_citations, normalize_symbol
from qmsdocs.errors import Conflict, InvalidInput, NotFound

log = logging.getLogger(__name__)

# National TTHC codes: one digit, a dot, six digits (1.004227, 2.000488). Stored as text.
CODE_PATTERN = re.compile(r"^\d{1,2}\.\d{6}$")
# In running text, with no digit or dot around it, so amounts like 1.500.000 do not match.
CODE_IN_TEXT = re.compile(r"(?<![\d.,])\d\.\d{6}(?![\d.,]?\d)")
# "central" (cấp Bộ, trung ương) is kept for completeness; no local agency implements it.
ADMIN_LEVELS = ("central", *LEVELS)
LEVEL_WORDS = {
    "central": ("central", "trung uong", "cap bo", "bo", "cap trung uong"),
    "province": ("province", "tinh", "cap tinh"),
    "district": ("district", "huyen", "cap huyen"),
    "commune": ("commune", "xa", "cap xa"),
}
STATUS_WORDS = {
    "active": ("active", "dang thuc hien", "con hieu luc", "hieu luc", "dang ap dung", "cong bo moi", ""),
    "abolished": ("abolished", "bai bo", "da bai bo", "het hieu luc", "bi bai bo"),
}
MAX_NAME = 1000
# The catalog fields a procedure's search record holds for each linked TTHC (besides the code).
SEARCHED_FIELDS = ("name",)


def fold(text: str) -> str:
    """Lower case without diacritics and with single spaces, for matching headers and names."""
    text = unicodedata.normalize("NFD", (text or "").replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text).strip().lower()


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


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _name_matches(words: list[str]):
    """Every query word begins a word of the folded name: "dang ky" finds "Đăng ký khai sinh"."""
    return and_(*[or_(AdminProcedure.name_key.startswith(word, autoescape=True),
                      AdminProcedure.name_key.contains(" " + word, autoescape=True)) for word in words])


def list_admin_procedures(*, q: str | None = None, field_name: str | None = None, level: str | None = None,
                          status: str | None = None, page: int = 1, per_page: int = 50) -> Page:
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
                                 .order_by(AdminProcedure.code).limit(per_page).offset((page - 1) * per_page)))
    return Page(items, total or 0, page, per_page)


def fields() -> list[str]:
    """Each lĩnh vực once, however its spellings differ in case or diacritics ("Đất đai", "đất đai")."""
    rows = session.execute(select(AdminProcedure.field_key, func.min(AdminProcedure.field))
                           .where(AdminProcedure.field_key.is_not(None)).group_by(AdminProcedure.field_key))
    return sorted((name for _key, name in rows if name), key=search_key)


def linked_procedures(code: str) -> list:
    from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

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
    from qmsdocs.integrity import Finding

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


# --- parsing one record ----------------------------------------------------------------------


class RowRefused(Exception):
    """One record of an import (or one API body) is not acceptable; the message says why."""


@dataclass
class Record:
    """A TTHC as read from a file, API body or form, already validated."""

    code: str
    name: str
    field: str | None = None
    levels: list[str] = default(default_factory=list)
    agency_kinds: list[str] = default(default_factory=list)
    implementing_agency: str | None = None
    agency_codes: list[str] = default(default_factory=list)
    legal_bases: list[tuple[str, str]] = default(default_factory=list)
    publishing_decision: str | None = None
    status: str = "active"
    effective_on: date | None = None
    warnings: list[str] = default(default_factory=list)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _split(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in re.split(r"[;,\n|]+", _text(value)) if part.strip()]


def parse_code(value) -> str:
    """The national code as text; a number is refused, as it has already lost the code's trailing zeros.

    Spreadsheets are the one exception, handled by the XLSX reader (`spreadsheet_code`).
    """
    if value is not None and not isinstance(value, str):
        shown = str(value).lower() if isinstance(value, bool) else str(value)[:40]
        raise RowRefused(f"Mã TTHC phải là chuỗi ký tự trong ngoặc kép, ví dụ \"1.004227\", không phải số hay giá trị "
                         f"khác ({shown}): ghi dạng số sẽ mất các chữ số 0 ở cuối mã.")
    code = _text(value)
    if not code:
        raise RowRefused("Thiếu mã thủ tục hành chính.")
    if not CODE_PATTERN.match(code):
        raise RowRefused(f"Mã TTHC '{code[:40]}' không đúng dạng của Cơ sở dữ liệu quốc gia (ví dụ 1.004227).")
    return code


def spreadsheet_code(value):
    """A code cell Excel turned into a number (2.00048) gets its six decimals back (2.000480).

    Every national code has six digits after the dot, so the number is recoverable; other values pass
    through unchanged for `parse_code` to judge.
    """
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:.6f}" if 0 < value < 100 else str(value)
    return value


def parse_levels(value) -> list[str]:
    levels = []
    for part in _split(value):
        folded = fold(part)
        folded = re.sub(r"^(cap|co quan)\s+", "cap ", folded)
        found = next((level for level, words in LEVEL_WORDS.items() if folded in words
                      or folded.replace("cap ", "") in words), None)
        if found is None:
            raise RowRefused(f"Cấp thực hiện '{part[:40]}' không hiểu được. Dùng Cấp tỉnh, Cấp huyện, Cấp xã "
                             "(hoặc province, district, commune).")
        if found not in levels:
            levels.append(found)
    return sorted(levels, key=ADMIN_LEVELS.index)


def agency_names() -> dict[str, str]:
    """Folded agency name → code, to recognise agencies named in 'cơ quan thực hiện'."""
    return {fold(name): code for code, name in session.execute(select(Agency.code, Agency.name))}


def parse_agencies(value, names: dict[str, str] | None = None) -> tuple[list[str], list[str], str | None]:
    """Kinds and local agency codes named by 'cơ quan thực hiện' (keys, labels or published text)."""
    text = "; ".join(_split(value)) if isinstance(value, (list, tuple)) else _text(value)
    if not text:
        return [], [], None
    kinds, codes = [], []
    names = agency_names() if names is None else names
    known_codes = set(names.values())
    for part in _split(text):
        if part in known_codes:
            codes.append(part)
            continue
        if fold(part) in names:
            codes.append(names[fold(part)])
            continue
        kind = parse_kind(part)
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds, sorted(set(codes)), text[:1000]


def parse_legal_bases(value) -> tuple[list[tuple[str, str]], list[str]]:
    """(symbol, key) pairs of the legal documents named, in order, and warnings for the rest."""
    bases, warnings, seen = [], [], set()
    parts = value if isinstance(value, (list, tuple)) else [_text(value)] if _text(value) else []
    for part in parts:
        part = _text(part)
        if not part:
            continue
        exact = normalize_symbol(part)
        found = [(canonical_symbol(part) or part, exact)] if exact else [
            (canonical_symbol(c.symbol) or c.symbol, c.key) for c in extract_citations(part)]
        if not found:
            warnings.append(f"Không nhận ra số hiệu văn bản trong căn cứ pháp lý '{part[:60]}'.")
        for symbol, key in found:
            if key not in seen:
                seen.add(key)
                bases.append((symbol[:128], key[:128]))
    return bases, warnings


def parse_status(value) -> str:
    folded = fold(_text(value))
    for status, words in STATUS_WORDS.items():
        if folded in words:
            return status
    raise RowRefused(f"Trạng thái '{_text(value)[:40]}' không hiểu được. Dùng 'Đang thực hiện' hoặc 'Bãi bỏ' "
                     "(active / abolished).")


def parse_date(value) -> date | None:
    from datetime import datetime

    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RowRefused(f"Ngày '{text[:20]}' không hợp lệ. Dùng dd/mm/yyyy hoặc yyyy-mm-dd.")


def parse_record(data: dict, names: dict[str, str] | None = None) -> Record:
    """Validate one TTHC given with canonical keys (code, name, field, levels, agency_kinds …).

    `names` (from `agency_names()`) saves a query per row during a file import.
    """
    names = agency_names() if names is None else names
    for key in ("code", "name", "field", "publishing_decision", "status", "effective_on"):
        if isinstance(data.get(key), (list, tuple, dict, set)):
            raise RowRefused(f"Trường '{key}' phải là một giá trị đơn (chuỗi ký tự), không phải danh sách.")
    code = parse_code(data.get("code"))
    name = _text(data.get("name"))
    if not name:
        raise RowRefused(f"TTHC {code}: thiếu tên thủ tục.")
    if len(name) > MAX_NAME:
        raise RowRefused(f"TTHC {code}: tên dài quá {MAX_NAME} ký tự.")
    field_name = _text(data.get("field"))[:255] or None
    levels = parse_levels(data.get("levels"))
    kinds, codes, implementing = parse_agencies(data.get("agency_kinds"), names)
    known_codes = set(names.values())
    for extra in _split(data.get("agency_codes")):
        if extra not in known_codes:
            raise RowRefused(f"TTHC {code}: không có cơ quan mã '{extra[:64]}' (cột mã cơ quan).")
        if extra not in codes:
            codes.append(extra)
    if len(" ".join(codes)) > 1000:
        raise RowRefused(f"TTHC {code}: danh sách cơ quan thực hiện quá dài; hãy dùng loại cơ quan thay cho từng mã.")
    legal_bases, warnings = parse_legal_bases(data.get("legal_bases"))
    status = parse_status(data.get("status"))
    return Record(
        code=code, name=name, field=field_name, levels=levels, agency_kinds=kinds,
        implementing_agency=implementing, agency_codes=sorted(codes), legal_bases=legal_bases,
        publishing_decision=_text(data.get("publishing_decision"))[:255] or None, status=status,
        effective_on=parse_date(data.get("effective_on")), warnings=[f"TTHC {code}: {w}" for w in warnings],
    )


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
    """Tell the alerts area, which flags every procedure implementing the TTHC."""
    try:
        from qmsdocs.alerts.services import raise_admin_procedure_change
    except ImportError:
        log.warning("alerts area not installed; change of TTHC %s not raised", code)
        return
    raise_admin_procedure_change(code, change, effective_on=effective_on or date.today(), description=description,
                                 actor=actor)


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
    from qmsdocs import events
    from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

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
            item.abolished_on = rec.effective_on or date.today()
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


# --- linking procedures to TTHC --------------------------------------------------------------


def suggest_links(version) -> list[str]:
    """TTHC codes a version's text points at: national codes written in it, and catalogued names found in it."""
    from qmsdocs.procedures.models import ProcedureAdminProcedure

    procedure = version.procedure
    text = unicodedata.normalize("NFC", version.text or "")
    candidates: list[str] = []
    for code in CODE_IN_TEXT.findall(text):
        if code not in candidates:
            candidates.append(code)
    folded_text = " " + fold(" ".join([procedure.title or "", text])) + " "
    for code, name in session.execute(select(AdminProcedure.code, AdminProcedure.name)
                                      .where(AdminProcedure.status == "active")):
        core = fold(re.sub(r"^\s*thủ tục\s+", "", name, flags=re.IGNORECASE))
        if len(core) >= 12 and f" {core}" in folded_text and code not in candidates:
            candidates.append(code)
    existing = set(session.scalars(select(ProcedureAdminProcedure.code)
                                   .where(ProcedureAdminProcedure.procedure_id == procedure.id)))
    rejected = set(session.scalars(select(RejectedLinkSuggestion.code)
                                   .where(RejectedLinkSuggestion.procedure_id == procedure.id)))
    return [code for code in candidates if code not in existing and code not in rejected]


def record_suggestions(version) -> list[str]:
    """Store suggestions as unconfirmed links (confirmed=False) for a person to confirm or reject."""
    from qmsdocs.procedures.models import ProcedureAdminProcedure

    codes = suggest_links(version)
    for code in codes:
        session.add(ProcedureAdminProcedure(procedure_id=version.procedure_id, code=code, confirmed=False))
    if codes:
        session.flush()
        record(None, "procedure.admin_procedures.suggest", "procedure", version.procedure_id,
               agency_id=version.procedure.agency_id, codes=codes, version=version.number)
    return codes


def on_version_became_current(version, previous=None, **_kwargs) -> None:
    record_suggestions(version)


def _link(procedure_id: int, code: str):
    from qmsdocs.procedures.models import ProcedureAdminProcedure

    link = session.scalar(select(ProcedureAdminProcedure).where(
        ProcedureAdminProcedure.procedure_id == procedure_id, ProcedureAdminProcedure.code == code))
    if link is None:
        raise NotFound(f"Quy trình này không có liên kết (hay gợi ý) với TTHC mã '{code}'.", code="link_not_found")
    return link


def confirm_link(procedure, code: str, *, actor):
    require_write(actor, procedure.agency_id)
    link = _link(procedure.id, code)
    if not link.confirmed:
        link.confirmed = True
        session.flush()
        record(actor, "procedure.admin_procedure.confirm", "procedure", procedure.id,
               agency_id=procedure.agency_id, code=code)
        from qmsdocs import events

        events.procedure_changed.send(procedure)
    return link


def reject_link(procedure, code: str, *, actor) -> None:
    """Remove a suggested (or confirmed) link and remember the refusal, so it is not suggested again."""
    require_write(actor, procedure.agency_id)
    link = _link(procedure.id, code)
    was_confirmed = link.confirmed
    procedure.admin_procedures.remove(link)
    session.delete(link)
    if not session.scalar(select(RejectedLinkSuggestion.id).where(
            RejectedLinkSuggestion.procedure_id == procedure.id, RejectedLinkSuggestion.code == code)):
        session.add(RejectedLinkSuggestion(procedure_id=procedure.id, code=code,
                                           rejected_by_id=getattr(actor, "id", None)))
    session.flush()
    record(actor, "procedure.admin_procedure.reject", "procedure", procedure.id, agency_id=procedure.agency_id,
           code=code, was_confirmed=was_confirmed)
    from qmsdocs import events

    events.procedure_changed.send(procedure)


def pending_suggestions(*, agency_code: str | None = None, limit: int = 500) -> list:
    from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

    stmt = (select(ProcedureAdminProcedure).join(Procedure)
            .where(ProcedureAdminProcedure.confirmed.is_(False))
            .options(selectinload(ProcedureAdminProcedure.procedure))
            .order_by(Procedure.agency_id, Procedure.code, ProcedureAdminProcedure.code).limit(limit))
    if agency_code:
        stmt = stmt.join(Agency, Agency.id == Procedure.agency_id).where(Agency.code == agency_code)
    return list(session.scalars(stmt))


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



def suggest_for_all_current() -> int:
    """Record suggestions for every active procedure's current version; returns how many were added."""
    from qmsdocs.procedures.models import Procedure

    procedures = session.scalars(select(Procedure).where(Procedure.status == "active",
                                                         Procedure.current_version_id.is_not(None)))
    return sum(len(record_suggestions(p.current_version)) for p in procedures)
