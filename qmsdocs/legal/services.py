"""The legal registry: documents, their other names, and the changes between them.

Registry writes are for administrators (the provincial Department of Justice keeps the list
for the whole province). Recording a change opens the alerts it causes in the same
transaction. Services flush; the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, or_, select

from qmsdocs import events
from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM, require_admin
from qmsdocs.db import session, utcnow
from qmsdocs.docx.citations import canonical_symbol, normalize_symbol
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.i18n import local_today
from qmsdocs.legal import lapse, provincial
from qmsdocs.legal.models import (
    CHANGE_KINDS,
    STATUS_LABELS,
    LegalAlias,
    LegalChange,
    LegalDocument,
    NameCitation,
)
from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion

DOCUMENT_TYPES = (
    "Hiến pháp", "Bộ luật", "Luật", "Pháp lệnh", "Lệnh", "Nghị quyết", "Nghị quyết liên tịch", "Nghị định",
    "Quyết định", "Thông tư", "Thông tư liên tịch", "Chỉ thị", "Hướng dẫn", "Kế hoạch", "Công văn", "Văn bản hợp nhất",
)
# The type a symbol's suffix implies when none is given (QH → Luật; a law is the usual case).
TYPE_BY_SUFFIX = {
    "QH": "Luật", "UBTVQH": "Nghị quyết", "ND": "Nghị định", "QD": "Quyết định", "TT": "Thông tư",
    "TTLT": "Thông tư liên tịch", "NQ": "Nghị quyết", "NQLT": "Nghị quyết liên tịch", "CT": "Chỉ thị",
    "L": "Lệnh", "PL": "Pháp lệnh", "HD": "Hướng dẫn", "KH": "Kế hoạch",
}
CHANGE_WORDS = {
    # Words people and the national database use for each relation, folded (no diacritics).
    "amended": ("amended", "sua doi", "sua doi bo sung", "bo sung", "duoc sua doi, bo sung", "sua doi, bo sung"),
    "replaced": ("replaced", "thay the", "bi thay the"),
    "repealed": ("repealed", "bai bo", "bi bai bo"),
    "expired": ("expired", "het hieu luc", "het hieu luc toan bo"),
    "partially_expired": ("partially_expired", "partially expired", "het hieu luc mot phan"),
    "detailed": ("detailed", "quy dinh chi tiet", "duoc quy dinh chi tiet"),
    "guided": ("guided", "huong dan", "duoc huong dan"),
}
MAX_TITLE = 2000
MAX_ALIAS = 255
MAX_NOTE = 2000


# ---------------------------------------------------------------- parsing what people type

def fold(text: str) -> str:
    """Lower case without diacritics and with single spaces, so names match however they are typed."""
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip().lower()


EARLIEST_YEAR, LATEST_YEAR = 1945, 2100


def parse_date(value, field_name: str, *, required: bool = False) -> date | None:
    """ISO (2024-08-01) or Vietnamese (01/08/2024, 1-8-2024, 01.08.2024) dates, between 1945 and 2100
    (no legal document, change or review of the Republic lies outside; 0001-01-01 is a typing slip)."""
    day = _parse_day(value, field_name, required=required)
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise InvalidInput(f"Ngày '{field_name}' ({day:%d/%m/%Y}) nằm ngoài khoảng {EARLIEST_YEAR}–{LATEST_YEAR}; "
                           "hãy kiểm tra lại năm.", code="date_out_of_range")
    return day


def _parse_day(value, field_name: str, *, required: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Thiếu ngày '{field_name}' (dạng dd/mm/yyyy hoặc yyyy-mm-dd).", code="missing_field")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Ngày '{field_name}' phải là chuỗi dạng dd/mm/yyyy hoặc yyyy-mm-dd.", code="invalid_date")
    text = value.strip()
    try:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise InvalidInput(f"Ngày '{field_name}' không hợp lệ: '{text[:40]}'. Hãy ghi dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
                       code="invalid_date")


def parse_status(value) -> str | None:
    """A status code from its code or its Vietnamese label, with or without diacritics."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidInput("Tình trạng hiệu lực phải là chuỗi ký tự.", code="invalid_status")
    folded = fold(value).replace("-", "_")
    for code, label in STATUS_LABELS.items():
        if folded in (code, code.replace("_", " "), fold(label)):
            return code
    labels = "; ".join(STATUS_LABELS.values())
    raise InvalidInput(f"Tình trạng hiệu lực '{value[:60]}' không hợp lệ; dùng một trong: {labels}.",
                       code="invalid_status")


ARTICLE = re.compile(r"(?:khoan\s+(?P<clause>\d{1,3})\s+)?(?:dieu\s+)?(?P<article>\d{1,4})(?:\.(?P<dot>\d{1,3}))?")
MAX_ARTICLES = 50


def parse_articles(value) -> list[str]:
    """`["5", "7.2"]` (or "Điều 5", "khoản 2 Điều 7"): the articles a change touches, as "5" and "7.2"."""
    if value is None or value == "" or value == []:
        return []
    if isinstance(value, str):
        value = [part for part in re.split(r"[;,]", value) if part.strip()]
    if not isinstance(value, list) or len(value) > MAX_ARTICLES:
        raise InvalidInput(f"Trường 'articles' phải là danh sách (tối đa {MAX_ARTICLES}) các điều, khoản bị tác động, "
                           'ví dụ ["5", "7.2"] (7.2 = khoản 2 Điều 7).', code="invalid_articles")
    articles = []
    for item in value:
        match = ARTICLE.fullmatch(fold(item)) if isinstance(item, str) else None
        if match is None or (match["clause"] and match["dot"]):
            shown = str(item)[:40]
            raise InvalidInput(f"Trường 'articles': '{shown}' không phải số điều hoặc khoản; hãy ghi như \"5\" "
                               '(Điều 5) hoặc "7.2" (khoản 2 Điều 7).', code="invalid_articles")
        clause = match["clause"] or match["dot"]
        article = str(int(match["article"])) + (f".{int(clause)}" if clause else "")
        if article not in articles:
            articles.append(article)
    return articles


def article_label(article: str) -> str:
    """"7.2" → "khoản 2 Điều 7", "5" → "Điều 5"."""
    number, _, clause = article.partition(".")
    return f"khoản {clause} Điều {number}" if clause else f"Điều {number}"


def parse_change_kind(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput("Thiếu loại thay đổi 'change' (amended, replaced, repealed, expired, partially_expired, "
                           "detailed, guided).", code="missing_field")
    folded = fold(value).replace("-", " ")
    for kind, words in CHANGE_WORDS.items():
        if folded in words or folded.replace(" ", "_") == kind:
            return kind
    raise InvalidInput(f"Loại thay đổi '{value[:60]}' không hợp lệ; dùng một trong: {', '.join(CHANGE_KINDS)}.",
                       code="invalid_change")


def infer_type(symbol: str) -> str:
    key = normalize_symbol(symbol) or ""
    suffix = key.rsplit("/", 1)[-1].split("-", 1)[0]
    suffix = re.sub(r"\d+$", "", suffix)
    return TYPE_BY_SUFFIX.get(suffix, "Văn bản")


def clean_type(value, symbol: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return infer_type(symbol)
    if not isinstance(value, str) or len(value.strip()) > 64:
        raise InvalidInput("Loại văn bản phải là chuỗi, dài tối đa 64 ký tự (ví dụ: Luật, Nghị định, Thông tư).",
                           code="invalid_type")
    value = unicodedata.normalize("NFC", value.strip())
    for known in DOCUMENT_TYPES:
        if fold(known) == fold(value):
            return known
    return value


def clean_symbol(value, field_name: str = "symbol") -> tuple[str, str]:
    """(symbol as properly written, matching key), or a refusal saying what a symbol looks like."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"Thiếu số ký hiệu văn bản '{field_name}' (ví dụ: 31/2024/QH15, 61/2018/NĐ-CP).",
                           code="missing_field")
    key = normalize_symbol(value)
    if key is None:
        raise InvalidInput(
            f"Trường '{field_name}': '{value.strip()[:60]}' không phải số ký hiệu văn bản hợp lệ. Hãy ghi dạng "
            "số/năm/loại-cơ quan, ví dụ 61/2018/NĐ-CP, 01/2018/TT-VPCP, 31/2024/QH15.", code="invalid_symbol")
    return canonical_symbol(value) or value.strip(), key


def _clean_text(value, name: str, *, required: bool, max_length: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Thiếu trường '{name}'.", code="missing_field")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Trường '{name}' phải là chuỗi ký tự.", code="invalid_field")
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > max_length:
        raise InvalidInput(f"Trường '{name}' dài tối đa {max_length} ký tự.", code="invalid_field")
    return value


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
    query = query.order_by(LegalDocument.issued_on.desc().nulls_last(), LegalDocument.symbol).offset(offset)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def list_changes(*, document: LegalDocument | None = None, limit: int | None = None) -> list[LegalChange]:
    query = select(LegalChange).order_by(LegalChange.effective_on.desc(), LegalChange.id.desc())
    if document is not None:
        query = query.where(or_(LegalChange.document_id == document.id, LegalChange.by_document_id == document.id))
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def citing_procedures(document: LegalDocument) -> list[Procedure]:
    """Active procedures whose current version cites the document (by symbol, other symbol or name)."""
    keys = [document.key] + [a.key for a in document.aliases if a.is_symbol]
    versions = select(Citation.version_id).where(Citation.key.in_(keys)).union(
        select(NameCitation.version_id).where(NameCitation.document_id == document.id))
    return list(session.scalars(select(Procedure).where(Procedure.current_version_id.in_(versions),
                                                        Procedure.status == "active").order_by(Procedure.code)))


@dataclass
class UnknownCitation:
    key: str
    symbol: str
    procedures: int
    # Provinces whose document of this number the registry has, when none could be chosen.
    candidates: list[str] = field(default_factory=list)


def unknown_citations(limit: int | None = None) -> list[UnknownCitation]:
    """Keys cited by current versions that match nothing in the registry, most cited first; and
    provincial symbols whose citing agency's province has no entry, or that several could mean."""
    known = (select(LegalDocument.key)
             .union(select(LegalAlias.key).where(LegalAlias.is_symbol.is_(True)),
                    select(LegalDocument.citation_key).where(LegalDocument.province.is_not(None))))
    query = (
        select(Citation.key, func.min(Citation.symbol), func.count(func.distinct(Procedure.id)))
        .join(Procedure, Procedure.current_version_id == Citation.version_id)
        .where(Procedure.status == "active", Citation.key.not_in(known))
        .group_by(Citation.key)
    )
    found = [UnknownCitation(key, canonical_symbol(symbol) or symbol, count)
             for key, symbol, count in session.execute(query)]
    found += _unresolved_provincial()
    found.sort(key=lambda u: (-u.procedures, u.key))
    return found[:limit] if limit else found


def _unresolved_provincial() -> list[UnknownCitation]:
    candidates: dict[str, dict[str, int]] = defaultdict(dict)
    for document_id, key, province in session.execute(
            select(LegalDocument.id, LegalDocument.citation_key, LegalDocument.province)
            .where(LegalDocument.province.is_not(None))):
        candidates[key][province] = document_id
    if not candidates:
        return []
    rows = session.execute(
        select(Citation.key, Citation.symbol, Procedure.id, Agency.province, Agency.former_province,
               ProcedureVersion.doc_issued_on, ProcedureVersion.uploaded_at)
        .join(ProcedureVersion, ProcedureVersion.id == Citation.version_id)
        .join(Procedure, Procedure.current_version_id == Citation.version_id)
        .join(Agency, Agency.id == Procedure.agency_id)
        .where(Procedure.status == "active", Citation.key.in_(list(candidates))))
    unresolved: dict[str, tuple[str, set[int]]] = {}
    for key, symbol, procedure_id, province, former, issued_on, uploaded_at in rows:
        day = issued_on or uploaded_at.date()
        if provincial.resolve(candidates[key], province, former, day) is None:
            unresolved.setdefault(key, (canonical_symbol(symbol) or symbol, set()))[1].add(procedure_id)
    return [UnknownCitation(key, symbol, len(ids), sorted(candidates[key]))
            for key, (symbol, ids) in unresolved.items()]


@dataclass
class CitedEntry:
    """How one citation of a version reads against the registry (for the procedure page)."""

    symbol: str
    articles: list[str]
    document: LegalDocument | None
    candidates: list[str]


def cited_entries(version: ProcedureVersion) -> list[CitedEntry]:
    """Each symbol a version cites, with the registry entry it resolves to (the agency's own province
    for a provincial symbol) or the provinces it could mean."""
    procedure = version.procedure
    agency = procedure.agency
    day = version.doc_issued_on or version.uploaded_at.date()
    entries: dict[str, CitedEntry] = {}
    for citation in version.citations:
        entry = entries.get(citation.key)
        if entry is None:
            document, candidates = _resolve_citation(citation.key, agency, day)
            entry = entries[citation.key] = CitedEntry(citation.symbol, [], document, candidates)
        for article in (citation.articles or "").split(","):
            if article and article not in entry.articles:
                entry.articles.append(article)
    return list(entries.values())


def _resolve_citation(key: str, agency: Agency, day: date) -> tuple[LegalDocument | None, list[str]]:
    document = session.scalar(select(LegalDocument).where(LegalDocument.key == key))
    if document is not None:
        return document, []
    alias = session.scalar(select(LegalAlias).where(LegalAlias.key == key))
    if alias is not None:
        return alias.document, []
    local = {d.province: d for d in session.scalars(select(LegalDocument).where(
        LegalDocument.citation_key == key, LegalDocument.province.is_not(None)))}
    chosen = provincial.resolve({name: d.id for name, d in local.items()}, agency.province, agency.former_province,
                                day)
    if chosen is not None:
        return session.get(LegalDocument, chosen), []
    return None, sorted(local)


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
    title = _clean_text(pick("title", current.title if current else None), "title", required=True,
                        max_length=MAX_TITLE)
    issuer = _clean_text(pick("issuer", current.issuer if current else None), "issuer", required=False,
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
    note = _clean_text(pick("note", current.note if current else None), "note", required=False,
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
    alias = _clean_text(alias, "alias", required=True, max_length=MAX_ALIAS)
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
    issuer = _clean_text(data.get("issuer"), "issuer", required=False, max_length=255)
    by_issuer = _clean_text(data.get("by_issuer"), "by_issuer", required=False, max_length=255)
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
    note = _clean_text(data.get("note"), "note", required=False, max_length=MAX_NOTE) or ""
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
