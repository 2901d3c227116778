"""The legal registry: documents, their other names, and the changes between them.

Registry writes are for administrators (the provincial Department of Justice keeps the list
for the whole province). Recording a change opens the alerts it causes in the same
transaction. Services flush; the caller commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from qmsdocs import events
from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM, require_admin
from qmsdocs.db import session, utcnow
from qmsdocs.docx.citations import canonical_symbol, normalize_symbol
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.clock import local_today
from qmsdocs.legal import lapse, provincial
# parse_date, fold and parse_status are also read from here by other modules.
from qmsdocs.legal.parsing import (
    MAX_ALIAS,
    MAX_NOTE,
    MAX_TITLE,
    clean_text,
    clean_symbol,
    clean_type,
    fold,
    infer_type,
    parse_articles,
    parse_change_kind,
    parse_date,
    parse_status,
)
from qmsdocs.legal.models import (
    LegalAlias,
    LegalChange,
    LegalDocument,
    NameCitation,
)
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion

# ---------------------------------------------------------------- reading

def get_document(document_id: int) -> LegalDocument:
    document = session.get(LegalDocument, document_id) if 0 < document_id <= 2**31 - 1 else None
    if document is None:
        raise NotFound(f"Không có văn bản số {document_id} trong danh mục.", code="legal_document_not_found")
    return document


def find_document(text: str, issuer: str | None = None) -> LegalDocument | None:
    """A registered document by symbol (any spelling), another symbol, or one of its names.

    A local authority's symbol (QĐ-UBND …) is found by its province when `issuer` names one, or
    when a single province has it; several provinces without an issuer is refused as ambiguous.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    key = normalize_symbol(text)
    if key:
        document = session.scalar(select(LegalDocument).where(LegalDocument.key == key))
        if document and not (issuer and provincial.is_local_key(key)):
            return document
        local = list(session.scalars(select(LegalDocument).where(LegalDocument.citation_key == key,
                                                                 LegalDocument.province.is_not(None))))
        if issuer and local:
            province = provincial.province_named(issuer)
            return next((d for d in local if provincial.same_province(d.province, province)), None)
        if len(local) == 1:
            return local[0]
        if len(local) > 1:
            raise Conflict(f"Có {len(local)} văn bản số {canonical_symbol(text) or text} của các tỉnh "
                           f"{', '.join(d.province for d in local)}; hãy ghi cơ quan ban hành (trường 'issuer', "
                           "ví dụ 'UBND tỉnh Trà Vinh') hoặc dùng mã số văn bản.", code="ambiguous_document",
                           candidates=[{"id": d.id, "province": d.province} for d in local])
    alias_key = key or fold(text)
    return session.scalar(select(LegalDocument).join(LegalAlias).where(LegalAlias.key == alias_key))


def document_by_symbol(symbol: str) -> LegalDocument:
    document = find_document(symbol)
    if document is None:
        raise NotFound(f"Văn bản '{symbol[:60]}' chưa có trong danh mục văn bản pháp luật.",
                       code="legal_document_not_found")
    return document


def list_documents(*, q: str | None = None, status: str | None = None, doc_type: str | None = None,
                   limit: int | None = None, offset: int = 0) -> tuple[list[LegalDocument], int]:
    query = select(LegalDocument)
    if q:
        key = normalize_symbol(q)
        pattern = f"%{q.strip()}%"
        conditions = [LegalDocument.symbol.ilike(pattern), LegalDocument.title.ilike(pattern),
                      LegalDocument.key.ilike(f"%{q.strip().upper()}%")]
        if key:
            conditions.append(LegalDocument.key == key)
        aliased_ids = select(LegalAlias.document_id).where(
            or_(LegalAlias.alias.ilike(pattern), LegalAlias.key.ilike(f"%{fold(q)}%")))
        conditions.append(LegalDocument.id.in_(aliased_ids))
        query = query.where(or_(*conditions))
    if status:
        query = query.where(LegalDocument.status == status)
    if doc_type:
        query = query.where(LegalDocument.doc_type == doc_type)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    query = (query.options(selectinload(LegalDocument.aliases))
             .order_by(LegalDocument.issued_on.desc().nulls_last(), LegalDocument.symbol).offset(offset))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def list_changes(*, document: LegalDocument | None = None, limit: int | None = None,
                 offset: int = 0) -> list[LegalChange]:
    query = (_changes_of(document).options(joinedload(LegalChange.document), joinedload(LegalChange.by_document))
             .order_by(LegalChange.effective_on.desc(), LegalChange.id.desc()).offset(offset))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def count_changes(*, document: LegalDocument | None = None) -> int:
    return session.scalar(select(func.count()).select_from(_changes_of(document).subquery())) or 0


def _changes_of(document: LegalDocument | None):
    query = select(LegalChange)
    if document is not None:
        query = query.where(or_(LegalChange.document_id == document.id, LegalChange.by_document_id == document.id))
    return query


def citing_procedures(document: LegalDocument) -> list[Procedure]:
    """Active procedures whose current version cites the document (by symbol, other symbol or name)."""
    keys = [document.key] + [a.key for a in document.aliases if a.is_symbol]
    versions = select(Citation.version_id).where(Citation.key.in_(keys)).union(
        select(NameCitation.version_id).where(NameCitation.document_id == document.id))
    return list(session.scalars(select(Procedure).where(Procedure.current_version_id.in_(versions),
                                                        Procedure.status == "active").order_by(Procedure.code)))


# ---------------------------------------------------------------- writing

def _ensure_key_free(key: str, *, document: LegalDocument | None = None) -> None:
    owner = session.scalar(select(LegalDocument).where(LegalDocument.key == key))
    if owner is not None and owner is not document:
        raise Conflict(f"Văn bản {owner.symbol} đã có trong danh mục.", code="legal_document_exists",
                       document_id=owner.id)
    alias = session.scalar(select(LegalAlias).where(LegalAlias.key == key))
    if alias is not None and alias.document is not document:
        raise Conflict(f"'{alias.alias}' đã là tên gọi khác của văn bản {alias.document.symbol}.",
                       code="alias_exists", document_id=alias.document_id)


@dataclass
class DocumentFields:
    symbol: str
    key: str
    citation_key: str
    province: str | None
    doc_type: str
    title: str
    issuer: str | None
    issued_on: date | None
    effective_on: date | None
    status: str
    note: str


def document_fields(data: dict, *, partial_of: LegalDocument | None = None) -> DocumentFields:
    """Validate the fields of a document (all of them, or over an existing one for an edit)."""
    current = partial_of

    def pick(name, fallback):
        return data[name] if name in data else fallback

    # In the order of the form (and of a person reading the body), so a refusal names the first problem.
    symbol, key = clean_symbol(pick("symbol", current.symbol if current else None))
    doc_type = clean_type(pick("type", current.doc_type if current else None), symbol)
    title = clean_text(pick("title", current.title if current else None), "title", required=True,
                        max_length=MAX_TITLE)
    issuer = clean_text(pick("issuer", current.issuer if current else None), "issuer", required=False,
                         max_length=255)
    citation_key, province = key, None
    if provincial.is_local_key(key):
        if issuer is None and current is None:
            raise InvalidInput(f"Trường 'issuer': {symbol} là văn bản của chính quyền địa phương; hãy ghi cơ quan ban "
                               "hành kèm tên tỉnh (ví dụ 'UBND tỉnh Trà Vinh') để không lẫn với văn bản cùng số "
                               "của tỉnh khác.", code="missing_field")
        if issuer is not None:
            province = provincial.authority_province(issuer, known=_agency_provinces())
            key = provincial.local_key(citation_key, province)
    issued_on = parse_date(pick("issued_on", current.issued_on if current else None), "issued_on")
    effective_on = parse_date(pick("effective_on", current.effective_on if current else None), "effective_on")
    status = parse_status(pick("status", current.status if current else None)) or "in_force"
    note = clean_text(pick("note", current.note if current else None), "note", required=False,
                       max_length=MAX_NOTE) or ""
    if issued_on and effective_on and effective_on < issued_on:
        raise InvalidInput("Ngày có hiệu lực không thể trước ngày ban hành.", code="invalid_date")
    return DocumentFields(symbol, key, citation_key, province, doc_type, title, issuer, issued_on, effective_on,
                          status, note)


def _agency_provinces() -> set[str]:
    """Provinces the agencies record, besides the list of provinces (a newly created unit, say)."""
    rows = session.execute(select(Agency.province, Agency.former_province)).all()
    return {name for row in rows for name in row if name}


def _apply(document: LegalDocument, fields: DocumentFields) -> dict:
    changed = {}
    for name in ("symbol", "key", "citation_key", "province", "doc_type", "title", "issuer", "issued_on",
                 "effective_on", "status", "note"):
        value = getattr(fields, name)
        if getattr(document, name) != value:
            changed[name] = value.isoformat() if isinstance(value, date) else value
            setattr(document, name, value)
    return changed


def create_document(data: dict, *, actor) -> LegalDocument:
    """Every field and alias is checked before anything is written, so a refusal leaves nothing behind."""
    require_admin(actor)
    fields = document_fields(data)
    _ensure_key_free(fields.key)
    aliases = _checked_aliases(None, _alias_list(data.get("aliases")), own_key=fields.key)
    document = LegalDocument()
    _apply(document, fields)
    session.add(document)
    session.flush()
    record(actor, "legal.document.create", "legal_document", document.id, symbol=document.symbol)
    for alias, key, is_symbol in aliases:
        _store_alias(document, alias, key, is_symbol, actor=actor)
    events.legal_document_changed.send(document, actor=actor)
    return document


def update_document(document: LegalDocument, data: dict, *, actor) -> dict:
    """Edit fields; returns what changed. A new status or date re-evaluates rule (b) for its citers."""
    require_admin(actor)
    fields = document_fields(data, partial_of=document)
    if fields.key != document.key:
        _ensure_key_free(fields.key, document=document)
    aliases = _checked_aliases(document, _alias_list(data.get("aliases")), own_key=fields.key)
    changed = _apply(document, fields)
    if "status" in changed:
        # Stated by hand: overrides what earlier changes or a lapsing parent would infer.
        document.status_set_at = utcnow()
        document.status_reason = None
        document.lapsed_with_id = None
    for alias, key, is_symbol in aliases:
        _store_alias(document, alias, key, is_symbol, actor=actor)
        changed.setdefault("aliases", []).append(alias)
    if changed:
        apply_lapses(today=local_today(), actor=actor)
        session.flush()
        record(actor, "legal.document.update", "legal_document", document.id, symbol=document.symbol, **{
            k: v for k, v in changed.items() if k not in ("key", "aliases")})
        events.legal_document_changed.send(document, actor=actor)
    return changed


def _alias_list(value) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[;\n]", value)]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("Tên gọi khác 'aliases' phải là danh sách chuỗi (hoặc chuỗi ngăn cách bằng dấu ;).",
                           code="invalid_field")
    return [v.strip() for v in value if v.strip()]


def _check_alias(document: LegalDocument | None, alias, *, own_key: str | None = None) -> tuple[str, str, bool] | None:
    """(alias, key, is_symbol) for a new alias, None when the document already has it; refuses clashes."""
    alias = clean_text(alias, "alias", required=True, max_length=MAX_ALIAS)
    symbol_key = normalize_symbol(alias)
    key = symbol_key or fold(alias)
    if len(key) < 4:
        raise InvalidInput(f"Tên gọi khác '{alias}' quá ngắn; hãy ghi đủ, ví dụ 'Luật Đất đai 2024'.",
                           code="invalid_alias")
    if symbol_key is not None and symbol_key == (own_key or (document.key if document else None)):
        return None
    existing = session.scalar(select(LegalAlias).where(LegalAlias.key == key))
    if existing is not None and document is not None and existing.document_id == document.id:
        return None
    _ensure_key_free(key)
    return alias, key, symbol_key is not None


def _checked_aliases(document: LegalDocument | None, aliases: list[str], *, own_key: str) -> list[tuple[str, str, bool]]:
    checked, keys = [], set()
    for alias in aliases:
        entry = _check_alias(document, alias, own_key=own_key)
        if entry is not None and entry[1] not in keys:
            keys.add(entry[1])
            checked.append(entry)
    return checked


def _store_alias(document: LegalDocument, alias: str, key: str, is_symbol: bool, *, actor) -> LegalAlias:
    entry = LegalAlias(document=document, alias=alias, key=key, is_symbol=is_symbol)
    session.add(entry)
    session.flush()
    record(actor, "legal.alias.add", "legal_document", document.id, alias=alias)
    if not is_symbol:
        _index_name_everywhere(entry)
    return entry


def add_alias(document: LegalDocument, alias: str, *, actor) -> LegalAlias | None:
    """Another name or symbol; a new name is looked for in current versions once, now."""
    require_admin(actor)
    checked = _check_alias(document, alias)
    if checked is None:
        return None
    entry = _store_alias(document, *checked, actor=actor)
    events.legal_document_changed.send(document, actor=actor)
    return entry


def _name_pattern(folded_name: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(folded_name) + r"(?!\w)")


def index_name_citations(version: ProcedureVersion) -> int:
    """Record which registered names a version's text mentions (done once, when it becomes current)."""
    aliases = session.execute(select(LegalAlias.document_id, LegalAlias.alias, LegalAlias.key)
                              .where(LegalAlias.is_symbol.is_(False))).all()
    if not aliases:
        return 0
    text = fold(version.text or "")
    known = set(session.scalars(select(NameCitation.document_id).where(NameCitation.version_id == version.id)))
    added = 0
    for document_id, alias, key in aliases:
        if document_id not in known and _name_pattern(key).search(text):
            session.add(NameCitation(version_id=version.id, document_id=document_id, alias=alias))
            known.add(document_id)
            added += 1
    if added:
        session.flush()
    return added


def _index_name_everywhere(alias: LegalAlias) -> None:
    """A new name: look for it in every current version once (only here is text read again)."""
    pattern = _name_pattern(alias.key)
    known = set(session.scalars(select(NameCitation.version_id).where(NameCitation.document_id == alias.document_id)))
    rows = session.execute(
        select(ProcedureVersion.id, ProcedureVersion.text)
        .join(Procedure, Procedure.current_version_id == ProcedureVersion.id)
        .where(Procedure.status == "active")
    ).yield_per(500)
    for version_id, text in rows:
        if version_id not in known and pattern.search(fold(text or "")):
            session.add(NameCitation(version_id=version_id, document_id=alias.document_id, alias=alias.alias))
    session.flush()


def _register_stub(symbol: str, *, actor, kind_hint: str) -> LegalDocument:
    """A document named by a change but not yet in the registry: registered with what we know."""
    canonical, key = clean_symbol(symbol)
    document = LegalDocument(symbol=canonical, key=key, citation_key=key, doc_type=infer_type(canonical),
                             title=f"Văn bản {canonical} (chưa nhập trích yếu)", status="in_force",
                             note=f"Tự thêm khi ghi nhận thay đổi ({kind_hint}); hãy bổ sung trích yếu và ngày.")
    _ensure_key_free(key)
    session.add(document)
    session.flush()
    record(actor, "legal.document.create", "legal_document", document.id, symbol=canonical, stub=True)
    return document


def _resolved_key(text: str, issuer: str | None = None) -> str | None:
    document = find_document(text, issuer)
    return document.key if document else normalize_symbol(text)


@dataclass
class ChangeResult:
    change: LegalChange
    created: bool
    alerts_opened: int
    registered: list[str]


def record_change(data: dict, *, actor) -> ChangeResult:
    """`{symbol, change, by?, effective_on, note?}`: store the relation (once) and open the alerts it causes.

    Fields are checked in the order a person reads them, so a refusal names the first one missing.
    """
    require_admin(actor)
    symbol = data.get("symbol")
    issuer = clean_text(data.get("issuer"), "issuer", required=False, max_length=255)
    by_issuer = clean_text(data.get("by_issuer"), "by_issuer", required=False, max_length=255)
    if find_document(symbol, issuer) is None:
        clean_symbol(symbol)
    kind = parse_change_kind(data.get("change"))
    by = data.get("by")
    if by is None or (isinstance(by, str) and not by.strip()):
        by = None
    elif not isinstance(by, str):
        raise InvalidInput("Trường 'by' phải là số ký hiệu văn bản tác động, dạng chuỗi (ví dụ: 31/2024/QH15).",
                           code="invalid_field")
    elif find_document(by, by_issuer) is None:
        clean_symbol(by, "by")
    if kind in ("detailed", "guided") and by is None:
        raise InvalidInput("Hãy ghi văn bản quy định chi tiết hoặc hướng dẫn vào trường 'by'.", code="missing_field")
    if by is not None and _resolved_key(by, by_issuer) == _resolved_key(symbol, issuer):
        raise InvalidInput("Trường 'by': văn bản tác động phải khác văn bản bị thay đổi (một văn bản không thể "
                           "quy định chi tiết, thay thế hay sửa đổi chính nó).", code="invalid_change")
    effective_on = parse_date(data.get("effective_on"), "effective_on", required=True)
    articles = parse_articles(data.get("articles"))
    if articles and kind not in ("amended", "partially_expired"):
        raise InvalidInput("Trường 'articles' chỉ dùng cho thay đổi sửa đổi, bổ sung (amended) hoặc hết hiệu lực "
                           "một phần (partially_expired).", code="invalid_articles")
    note = clean_text(data.get("note"), "note", required=False, max_length=MAX_NOTE) or ""
    if kind in lapse.DETAILING_CHANGES and find_document(symbol, issuer) and find_document(by, by_issuer):
        _refuse_detailing_cycle(find_document(symbol, issuer), find_document(by, by_issuer))
    registered = []
    document = find_document(symbol, issuer)
    if document is None:
        document = _register_stub(symbol, actor=actor, kind_hint=kind)
        registered.append(document.symbol)
    by_document = None
    if by is not None:
        by_document = find_document(by, by_issuer)
        if by_document is None:
            by_document = _register_stub(by, actor=actor, kind_hint=kind)
            registered.append(by_document.symbol)
    existing = session.scalar(select(LegalChange).where(
        LegalChange.document_id == document.id, LegalChange.kind == kind,
        LegalChange.by_document_id == by_document.id if by_document else LegalChange.by_document_id.is_(None),
        LegalChange.effective_on == effective_on))
    if existing is not None:
        return ChangeResult(existing, False, 0, registered)
    change = LegalChange(document=document, kind=kind, by_document=by_document, effective_on=effective_on,
                         articles=",".join(articles) or None, note=note, recorded_by_id=getattr(actor, "id", None),
                         recorded_at=utcnow())
    session.add(change)
    session.flush()
    record(actor, "legal.change.create", "legal_document", document.id, change_id=change.id, kind=kind,
           by=by_document.symbol if by_document else None, effective_on=effective_on.isoformat(),
           articles=articles or None)
    _apply_status(change, local_today(), actor)
    apply_lapses(today=local_today(), actor=actor)
    opened = events.opened_by(events.legal_change_recorded.send(change, actor=actor))
    return ChangeResult(change, True, opened, registered)


def _refuse_detailing_cycle(parent: LegalDocument, child: LegalDocument) -> None:
    """A document cannot detail itself, nor (through others) a document that details it."""
    children, _own, _set_at = lapse.load_graph()
    if lapse.creates_cycle(children, parent.id, child.id):
        raise InvalidInput(
            f"Trường 'by': {child.symbol} không thể quy định chi tiết hoặc hướng dẫn {parent.symbol} vì "
            f"{parent.symbol} đã (trực tiếp hoặc gián tiếp) quy định chi tiết {child.symbol}; "
            "quan hệ như vậy tạo vòng lặp. Hãy kiểm tra lại chiều của quan hệ.", code="detailing_cycle")


def _apply_status(change: LegalChange, today: date, actor) -> bool:
    """A change in force moves the document's status the way the national database shows it,
    unless an administrator stated the status by hand after the change was recorded."""
    if change.effective_on > today:
        return False
    document = change.document
    if document.status_set_at is not None and change.recorded_at is not None \
            and document.status_set_at >= change.recorded_at:
        return False
    new_status = None
    if change.kind in ("replaced", "repealed", "expired") and document.status in ("in_force", "partially_expired"):
        new_status = "expired"
    elif change.kind == "partially_expired" and document.status == "in_force":
        new_status = "partially_expired"
    if new_status is None:
        return False
    record(actor or SYSTEM, "legal.document.status", "legal_document", document.id, symbol=document.symbol,
           old=document.status, new=new_status, change_id=change.id)
    document.status = new_status
    return True


def apply_due_changes(*, today: date, actor=None) -> int:
    """Statuses for changes whose date has come, and documents that have entered into force."""
    updated = 0
    for change in session.scalars(select(LegalChange).where(LegalChange.effective_on <= today,
                                                            LegalChange.kind.in_(("replaced", "repealed", "expired",
                                                                                  "partially_expired")))):
        updated += _apply_status(change, today, actor)
    for document in session.scalars(select(LegalDocument).where(LegalDocument.status == "not_yet_in_force",
                                                                LegalDocument.effective_on <= today)):
        record(actor or SYSTEM, "legal.document.status", "legal_document", document.id, symbol=document.symbol,
               old=document.status, new="in_force")
        document.status = "in_force"
        updated += 1
    updated += apply_lapses(today=today, actor=actor)
    session.flush()
    return updated


def apply_lapses(*, today: date, actor=None) -> int:
    """Give documents lapsing with the one they detail the status "expired with its parent", with its
    reason, once the day has come; undo it where the registry no longer infers it. Returns how many moved."""
    due = {doc_id: found for doc_id, found in lapse.current_lapses().items() if found.effective_on <= today}
    moved = 0
    marked = set(session.scalars(select(LegalDocument.id).where(LegalDocument.status == "expired_with_parent")))
    for document_id in marked - set(due):
        document = session.get(LegalDocument, document_id)
        if document.status_set_at is not None and document.lapsed_with_id is None:
            continue  # stated by hand
        record(actor or SYSTEM, "legal.document.status", "legal_document", document.id, symbol=document.symbol,
               old=document.status, new="in_force", reason="no longer inferred")
        document.status, document.status_reason, document.lapsed_with_id = "in_force", None, None
        moved += 1
    for document_id, found in due.items():
        document = session.get(LegalDocument, document_id)
        if document.status not in ("in_force", "partially_expired", "expired_with_parent"):
            continue
        parent = session.get(LegalDocument, found.parent_id)
        reason = lapse_reason(parent, found)
        if document.status == "expired_with_parent" and document.status_reason == reason:
            continue
        record(actor or SYSTEM, "legal.document.status", "legal_document", document.id, symbol=document.symbol,
               old=document.status, new="expired_with_parent", parent=parent.symbol)
        document.status, document.status_reason, document.lapsed_with_id = "expired_with_parent", reason, parent.id
        moved += 1
    if moved:
        session.flush()
    return moved


def lapse_reason(parent: LegalDocument, found: lapse.Lapse) -> str:
    relation = "quy định chi tiết" if found.relation == "detailed" else "hướng dẫn"
    name = f"{parent.doc_type} {parent.symbol}" if parent.doc_type not in ("", "Văn bản") else parent.symbol
    return (f"Hết hiệu lực cùng {name} mà văn bản này {relation}, từ ngày {found.effective_on:%d/%m/%Y} "
            "(Luật Ban hành văn bản quy phạm pháp luật 64/2025/QH15, sửa đổi bởi 87/2025/QH15).")
