"""Searching procedures: reading the query, routing it, and dressing the backend's hits.

The query language is deliberately small, so that nothing an official types can break it:

* words are all required, with or without diacritics (`dat dai` finds `đất đai`);
* "quoted words" must stand side by side (`"cấp giấy chứng nhận"`);
* a legal symbol (`61/2018/NĐ-CP`, `61/2018/nd-cp`, `61 / 2018 / ND – CP`) finds the procedures
  citing it, and a code (`1.004227`, `QT-01/STP`) is matched whole, as a TTHC or procedure
  code or side by side in the text;
* any other punctuation is ignored; an unbalanced quote is read as plain text.

Services know nothing of HTTP: both the page and the JSON API call `parse_request` and `search`.
"""

from __future__ import annotations

import html
import time
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from markupsafe import Markup, escape
from sqlalchemy import and_, func, or_, select

from qmsdocs.agencies.models import LEVEL_LABELS, LEVELS, ORIGIN_PROVINCE, Agency
from qmsdocs.db import session
from qmsdocs.docx.citations import canonical_symbol, normalize_symbol
from qmsdocs.errors import InvalidInput
from qmsdocs.legal.models import LegalDocument
from qmsdocs.paging import page_request
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion
from qmsdocs.search import indexer
from qmsdocs.search.analysis import FOLD_TABLE, QUOTES, fold, fold_key, nfc, word_forms, words
from qmsdocs.search.backend import (
    AGENCY_FACET_LIMIT,
    FACET_LIMIT,
    FACET_NAMES,
    Clause,
    Filters,
    Keyword,
    Phrase,
    Word,
    code_key,
    law_key,
    tthc_key,
)
from qmsdocs.search.documents import admin_procedure_names

MAX_QUERY_LENGTH = 1000
MAX_CLAUSES = 32
MAX_PAGE = 1000
DEFAULT_PER_PAGE = 20
MAX_PER_PAGE = 100
SNIPPET_WIDTH = 260
# Enough matches to choose the best window; a common word can occur thousands of times.
MAX_SNIPPET_SPANS = 120
# A symbol may be typed with spaces inside ("61 / 2018 / NĐ-CP"): try up to this many tokens.
SYMBOL_MAX_TOKENS = 7
NATIONAL_TTHC_CODE = re.compile(r"^(\d)\.?(\d{6})(?:\.\d{3}\.\d{2}\.\d{2}\.[^\W_]\d{2})?$")
CODE_LIKE = re.compile(r"^[^\W_]+(?:[./\-_–—][^\W_]+)+$")
EDGE_PUNCTUATION = "()[]{}<>,;:!?.…'\"`*+=|~^&%$#@\\"
TRUE_WORDS = {"1", "true", "yes", "on", "co", "có"}
FALSE_WORDS = {"0", "false", "no", "off", "khong", "không"}
DASHES = "-‐‑‒–—―−"
STATUS_LABELS = {"active": "Đang áp dụng", "retired": "Đã bãi bỏ"}
STALE_LABELS = {"true": "Cần rà soát", "false": "Không có cảnh báo"}


# Reading the request ----------------------------------------------------------------------------

@dataclass
class SearchRequest:
    q: str = ""
    clauses: list[Clause] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    include_history: bool = False
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    # The filters as given, for links and forms.
    args: dict[str, str] = field(default_factory=dict)


def parse_request(args: Mapping[str, str]) -> SearchRequest:
    """Read q, the filters and paging from query-string values; InvalidInput says what is wrong."""
    def text(name: str, max_length: int = 255) -> str | None:
        value = nfc(str(args.get(name) or "")).strip()
        if len(value) > max_length:
            raise InvalidInput(f"Tham số '{name}' dài tối đa {max_length} ký tự.", code="invalid_parameter")
        return value or None

    q = str(args.get("q") or "")
    request = SearchRequest(q=q, clauses=parse_query(q))
    filters = request.filters
    filters.agency = text("agency", 64)
    filters.level = text("level", 16)
    if filters.level and filters.level not in LEVELS:
        raise InvalidInput("Tham số 'level' phải là province, district hoặc commune (cấp tỉnh, huyện, xã).",
                           code="invalid_parameter")
    field_name = text("field")
    filters.field_key = fold_key(field_name) if field_name else None
    filters.admin_procedure = text("admin_procedure", 64)
    legal = text("legal", 128)
    if legal:
        filters.legal = normalize_symbol(legal)
        if filters.legal is None:
            raise InvalidInput(
                f"'{legal}' không phải số hiệu văn bản pháp luật (ví dụ đúng: 61/2018/NĐ-CP, 45/2013/QH13).",
                code="invalid_parameter",
            )
    filters.status = text("status", 16)
    if filters.status and filters.status not in STATUS_LABELS:
        raise InvalidInput("Tham số 'status' phải là active (đang áp dụng) hoặc retired (đã bãi bỏ).",
                           code="invalid_parameter")
    filters.stale = _flag(args, "stale")
    filters.former_province = text("former_province", 64)
    request.include_history = bool(_flag(args, "include_history"))
    paging = page_request(args, per_page=DEFAULT_PER_PAGE, max_per_page=MAX_PER_PAGE, max_page=MAX_PAGE)
    request.page, request.per_page = paging.page, paging.per_page
    request.args = {name: str(args.get(name)) for name in
                    ("agency", "level", "field", "admin_procedure", "legal", "status", "stale", "former_province",
                     "include_history")
                    if args.get(name) not in (None, "")}
    return request


def _flag(args: Mapping[str, str], name: str) -> bool | None:
    value = str(args.get(name) or "").strip().lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise InvalidInput(f"Tham số '{name}' phải là true hoặc false.", code="invalid_parameter")


def parse_query(q: str) -> list[Clause]:
    """The clauses of a query, all required. Never fails on odd input except excessive length."""
    q = nfc(q or "").translate(QUOTES)
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"Nội dung tìm kiếm dài {len(q)} ký tự; tối đa {MAX_QUERY_LENGTH}. "
            "Hãy rút gọn thành vài từ khoá, số hiệu văn bản hoặc mã thủ tục.",
            code="query_too_long",
        )
    q = "".join(ch if ch.isprintable() else " " for ch in q)
    parts = q.split('"')
    clauses: list[Clause] = []
    for index, part in enumerate(parts):
        # Odd parts sit between quotes; the last one after an unbalanced quote is plain text.
        quoted = index % 2 == 1 and index < len(parts) - 1
        clauses += _quoted(part) if quoted else _plain(part)
    unique = list(dict.fromkeys(clauses))
    return unique[:MAX_CLAUSES]


def _word(word: str) -> Word:
    exact, folded = word_forms(word)
    return Word(exact, folded)


def _quoted(text: str) -> list[Clause]:
    stripped = text.strip().strip(EDGE_PUNCTUATION)
    special = _special(stripped)
    if special is not None:
        return [special]
    found = [_word(w) for w in words(text)]
    if len(found) > 1:
        return [Phrase(tuple(found))]
    return found


def _plain(text: str) -> list[Clause]:
    tokens = text.split()
    clauses: list[Clause] = []
    index = 0
    while index < len(tokens):
        consumed = 0
        for end in range(min(len(tokens), index + SYMBOL_MAX_TOKENS), index, -1):
            candidate = " ".join(tokens[index:end]).strip(EDGE_PUNCTUATION)
            key = normalize_symbol(candidate) if "/" in candidate else None
            if key:
                clauses.append(Keyword(candidate, (law_key(key),)))
                consumed = end - index
                break
        if consumed:
            index += consumed
            continue
        token = tokens[index].strip(EDGE_PUNCTUATION)
        special = _special(token)
        if special is not None:
            clauses.append(special)
        else:
            clauses += [_word(w) for w in words(token)]
        index += 1
    return clauses


def _special(token: str) -> Keyword | None:
    """A legal symbol or a code written as one token, else None."""
    if not token:
        return None
    key = normalize_symbol(token) if "/" in token else None
    if key:
        return Keyword(token, (law_key(key),))
    national = NATIONAL_TTHC_CODE.match(token)
    if national:
        # A TTHC code as the national portal writes it (`1.004227`), without its dot (`1004227`)
        # or in a province's localized form (`1.004227.000.00.00.H01`): found by its national code.
        code = f"{national[1]}.{national[2]}"
        keys = (tthc_key(code), tthc_key(token), code_key(token))
        return Keyword(token, tuple(dict.fromkeys(keys)), (_word(national[1]), _word(national[2])))
    has_digit = any(ch.isdigit() for ch in token)
    if CODE_LIKE.match(token) and has_digit:
        pieces = tuple(_word(w) for w in words(token))
        return Keyword(token, (tthc_key(token), code_key(token)), pieces)
    if has_digit and token.isalnum() and not token.isdigit():
        # A code typed without its punctuation (`qt01stp`), or simply a word with digits.
        return Keyword(token, (tthc_key(token), code_key(token)), (_word(token),))
    return None


# Searching --------------------------------------------------------------------------------------

@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchHit:
    procedure_id: int
    code: str
    title: str
    agency: str
    agency_name: str
    level: str
    field: str | None
    status: str
    stale: bool
    version: int | None  # the version that matched
    current_version: int | None
    is_current_version: bool
    admin_procedures: list[dict]
    score: float
    snippet: Markup


@dataclass
class SearchResults:
    request: SearchRequest
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    # How the active filters read, where not as given (a legal key as the documents write it).
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.per_page))


def search(request: SearchRequest) -> SearchResults:
    indexer.catch_up_after_commit()
    backend = indexer.get_backend()
    offset = (request.page - 1) * request.per_page
    result = backend.search(request.clauses, request.filters, offset=offset, limit=request.per_page,
                            include_history=request.include_history)
    rows, links = _hit_rows(result.hits)
    # One query for the TTHC names of the hits and of the facet.
    names = admin_procedure_names(sorted({code for codes in links.values() for code in codes}
                                         | {value for value, _count in result.facets.get("admin_procedure", [])}))
    hits = _hits(result.hits, request.clauses, rows, links, names)
    symbols = written_symbols([value for value, _count in result.facets.get("legal", [])] + [request.filters.legal])
    labels = {"legal": symbols[request.filters.legal]} if request.filters.legal else {}
    # Every agency matched comes back (AGENCY_FACET_LIMIT): all are summed by former province, where
    # the service holds several, and the page shows the FACET_LIMIT most frequent.
    every_agency = result.facets.get("agency", [])
    shown = {**result.facets, "agency": every_agency[:FACET_LIMIT]}
    origins = [] if request.filters.former_province else service_origins()
    several_origins = len(origins) >= 2
    agencies = _facet_agencies(every_agency if several_origins else shown["agency"])
    facets = _label_facets(shown, names, symbols, {code: name for code, (name, _o) in agencies.items()})
    facets["former_province"] = [FacetValue(name, name, count) for name, count in
                                 _origin_facet(backend, request, result, agencies, origins)] if several_origins else []
    return SearchResults(request, result.total, hits, facets, labels)


def _facet_agencies(agency_counts: list[tuple[str, int]]) -> dict[str, tuple[str, str | None]]:
    """Name and former province (or province) of the agencies in the agency facet, in one query."""
    if not agency_counts:
        return {}
    return {code: (name, origin) for code, name, origin in session.execute(
        select(Agency.code, Agency.name, ORIGIN_PROVINCE).where(Agency.code.in_([code for code, _n in agency_counts])))}


# Whether the service holds agencies of several former provinces, per process for a minute:
# it changes when a former province's service is imported, not between two searches.
ORIGINS_SECONDS = 60
_origins_cache: dict[str, tuple[float, list[str]]] = {}


def service_origins() -> list[str]:
    database, now = str(session.get_bind().url), time.monotonic()
    remembered = _origins_cache.get(database)
    if remembered is None or now - remembered[0] >= ORIGINS_SECONDS:
        remembered = (now, list(session.scalars(select(ORIGIN_PROVINCE).where(ORIGIN_PROVINCE.is_not(None)).distinct().order_by(ORIGIN_PROVINCE))))
        _origins_cache[database] = remembered
    return remembered[1]


def _origin_facet(backend, request: SearchRequest, result, agencies, origins: list[str]) -> list[tuple[str, int]]:
    """Matches per former province, where the service holds agencies of several.

    Summed from the agency facet, which lists every agency matched up to AGENCY_FACET_LIMIT;
    beyond that, one count per former province, filtered on its keyword."""
    if not result.total:
        return []
    agency_counts = result.facets.get("agency", [])
    counts: dict[str, int] = {}
    if len(agency_counts) < AGENCY_FACET_LIMIT:
        upper = {code.upper(): origin for code, (_name, origin) in agencies.items()}
        for code, count in agency_counts:
            origin = upper.get(code.upper())
            if origin:
                counts[origin] = counts.get(origin, 0) + count
    else:
        for origin in origins:
            only = replace(request.filters, former_province=origin)
            counts[origin] = backend.search(request.clauses, only, offset=0, limit=1,
                                            include_history=request.include_history).total
    return sorted(((origin, n) for origin, n in counts.items() if n), key=lambda item: (-item[1], item[0]))


def _hit_rows(backend_hits) -> tuple[dict, dict[int, list[str]]]:
    """The page's procedures with the text of the version that matched, and their TTHC codes,
    read in column queries (no ORM objects, no version text read twice)."""
    if not backend_hits:
        return {}, {}
    ids = sorted({hit.procedure_id for hit in backend_hits})
    rows = {
        row.id: row for row in session.execute(
            select(Procedure.id, Procedure.code, Procedure.title, Procedure.field, Procedure.status,
                   Procedure.open_alerts, Agency.code.label("agency"), Agency.name.label("agency_name"),
                   Agency.level, ProcedureVersion.number.label("current_number"),
                   ProcedureVersion.text.label("current_text"))
            .join(Agency, Agency.id == Procedure.agency_id)
            .outerjoin(ProcedureVersion, ProcedureVersion.id == Procedure.current_version_id)
            .where(Procedure.id.in_(ids))
        )
    }
    links: dict[int, list[str]] = {}
    for pid, code in session.execute(
        select(ProcedureAdminProcedure.procedure_id, ProcedureAdminProcedure.code)
        .where(ProcedureAdminProcedure.procedure_id.in_(ids))
        .order_by(ProcedureAdminProcedure.procedure_id, ProcedureAdminProcedure.code)
    ):
        links.setdefault(pid, []).append(code)
    return rows, links


def _hits(backend_hits, clauses: list[Clause], rows: dict, links: dict[int, list[str]],
          names: dict[str, str]) -> list[SearchHit]:
    older = [(hit.procedure_id, hit.version_number) for hit in backend_hits
             if hit.version_number and hit.procedure_id in rows
             and hit.version_number != rows[hit.procedure_id].current_number]
    texts = {
        (pid, number): text for pid, number, text in session.execute(
            select(ProcedureVersion.procedure_id, ProcedureVersion.number, ProcedureVersion.text)
            .where(or_(*(and_(ProcedureVersion.procedure_id == pid, ProcedureVersion.number == number)
                         for pid, number in older)))
        )
    } if older else {}
    texts.update({(pid, row.current_number): row.current_text or "" for pid, row in rows.items()})
    highlighter = Highlighter(clauses)
    hits = []
    for hit in backend_hits:
        row = rows.get(hit.procedure_id)
        if row is None:
            continue  # removed since it was indexed; the index catches up on its own
        hits.append(SearchHit(
            procedure_id=row.id,
            code=row.code,
            title=row.title,
            agency=row.agency,
            agency_name=row.agency_name,
            level=row.level,
            field=row.field,
            status=row.status,
            stale=(row.open_alerts or 0) > 0,
            version=hit.version_number,
            current_version=row.current_number,
            is_current_version=hit.is_current,
            admin_procedures=[{"code": c, "name": names.get(c)} for c in links.get(row.id, [])],
            score=hit.score,
            snippet=highlighter.snippet(texts.get((hit.procedure_id, hit.version_number), "")),
        ))
    return hits


def _label_facets(facets: dict[str, list[tuple[str, int]]], tthc_names: dict[str, str],
                  symbols: dict[str, str], agencies: dict[str, str]) -> dict[str, list[FacetValue]]:
    labels = {
        "agency": lambda v: agencies.get(v, v),
        "level": lambda v: LEVEL_LABELS.get(v, v),
        "field": lambda v: v,
        "admin_procedure": lambda v: f"{v} — {tthc_names[v]}" if v in tthc_names else v,
        "legal": lambda v: symbols.get(v, v),
        "status": lambda v: STATUS_LABELS.get(v, v),
        "stale": lambda v: STALE_LABELS.get(v, v),
    }
    return {name: [FacetValue(value, labels[name](value), count) for value, count in facets.get(name, [])]
            for name in FACET_NAMES}


_LEADING_ZEROS = re.compile(r"^0+(?=\d)")


# Symbols as the documents write them, per process: they change only when new spellings are
# cited, and counting a popular key's citations costs milliseconds at a province's size.
WRITTEN_SYMBOLS_SECONDS = 600
_written_cache: dict[tuple[str, str], tuple[float, str]] = {}  # (database, key) → (when, symbol)


def written_symbols(keys) -> dict[str, str]:
    """Each legal key as the documents write it: `1/2018/TT-VPCP` → `01/2018/TT-VPCP`.

    The registry's symbol when the document is registered (as issued: Đ, leading zeros);
    otherwise the commonest properly written spelling among the citations (the canonical form but
    for leading zeros), remembered for a few minutes; the canonical form when none is.
    """
    keys = {key for key in keys if key}
    if not keys:
        return {}
    found = dict(session.execute(
        select(LegalDocument.citation_key, LegalDocument.symbol).where(LegalDocument.citation_key.in_(keys))
    ).all())
    now = time.monotonic()
    database = str(session.get_bind().url)
    for key in keys - found.keys():
        remembered = _written_cache.get((database, key))
        if remembered is not None and now - remembered[0] < WRITTEN_SYMBOLS_SECONDS:
            found[key] = remembered[1]
    missing = keys - found.keys()
    if missing:
        best: dict[str, tuple[int, str]] = {}
        for key, symbol, count in session.execute(
                select(Citation.key, Citation.symbol, func.count()).where(Citation.key.in_(missing))
                .group_by(Citation.key, Citation.symbol)):
            if _LEADING_ZEROS.sub("", symbol) == canonical_symbol(key) and count > best.get(key, (0, ""))[0]:
                best[key] = (count, symbol)
        for key in missing:
            found[key] = best[key][1] if key in best else (canonical_symbol(key) or key)
            _written_cache[(database, key)] = (now, found[key])
    return found


# Snippets ---------------------------------------------------------------------------------------

class Highlighter:
    """Marks the query's words in a text, matched without diacritics, so `dat` marks `đất`.

    The pattern matches the original text directly (each letter a class of all its accented and
    capital forms), so a snippet costs one regular-expression scan and no folded copy of the text.
    """

    def __init__(self, clauses: list[Clause]):
        folded: set[str] = set()
        patterns: list[str] = []
        for clause in clauses:
            if isinstance(clause, Word):
                folded.add(clause.folded)
            elif isinstance(clause, Phrase):
                folded.update(w.folded for w in clause.words)
            else:
                for key in clause.keys:
                    if key.startswith("law:"):
                        patterns.append(_symbol_pattern(key[4:]))
                if clause.pieces:
                    patterns.append(r"[\s./\-_]*".join(_loose(w.folded) for w in clause.pieces))
        patterns += [_loose(word) for word in sorted(folded, key=len, reverse=True)]
        # No leading look-behind: a pattern that starts with a literal (a code's digits) then lets
        # the regular-expression engine skip ahead to it; the word start is checked in `_matches`.
        self._regex = re.compile(r"(?:" + "|".join(patterns) + r")(?![^\W_])") if patterns else None

    def _matches(self, text: str):
        """Matches that start a word: the first one at or after each rejected start is looked for again."""
        position = 0
        search = self._regex.search
        while True:
            match = search(text, position)
            if match is None:
                return
            start = match.start()
            if start and _is_word_char(text[start - 1]):
                position = start + 1
                continue
            yield match
            position = max(match.end(), start + 1)

    def snippet(self, text: str, width: int = SNIPPET_WIDTH) -> Markup:
        text = nfc(text or "").replace("\n", " · ")
        if not text:
            return Markup("")
        spans = []
        if self._regex is not None:
            terms: dict[str, str] = {}
            for match in self._matches(text):
                found = match.group()
                term = terms.get(found) or terms.setdefault(found, fold(found))
                spans.append((match.start(), match.end(), term))
                if len(spans) >= MAX_SNIPPET_SPANS:
                    break
        if not spans:
            return escape(text[:width]) + (Markup("…") if len(text) > width else Markup(""))
        start = self._best_window(spans, width)
        start = max(0, start - width // 5)
        if start:
            space = text.rfind(" ", 0, start)
            start = space + 1 if space >= 0 and start - space < 30 else start
        end = min(len(text), start + width)
        if end < len(text):
            space = text.find(" ", end)
            end = space if 0 <= space - end < 30 else end
        out = ["…"] if start else []
        position = start
        for span_start, span_end, _term in spans:
            if span_start < start or span_end > end:
                continue
            out += [html.escape(text[position:span_start]), "<mark>", html.escape(text[span_start:span_end]), "</mark>"]
            position = span_end
        out.append(html.escape(text[position:end]))
        if end < len(text):
            out.append("…")
        return Markup("".join(out))  # every piece of the document's text was escaped above

    @staticmethod
    def _best_window(spans, width: int) -> int:
        """Start of the window of `width` characters showing the most distinct query terms."""
        best_start, best_score = spans[0][0], 0
        left = 0
        counts: dict[str, int] = {}
        for right, (span_start, _end, term) in enumerate(spans):
            counts[term] = counts.get(term, 0) + 1
            while span_start - spans[left][0] > width * 3 // 4:
                old = spans[left][2]
                counts[old] -= 1
                if not counts[old]:
                    del counts[old]
                left += 1
            score = len(counts) * 100 + (right - left)
            if score > best_score:
                best_score, best_start = score, spans[left][0]
        return best_start


def _is_word_char(char: str) -> bool:
    return char.isalnum()


def _symbol_pattern(key: str) -> str:
    """A loose pattern for a legal symbol: any dash, spaces, leading zeros, Đ or D, any case."""
    number, *rest = fold(key).split("/")
    dash = f"\\s*[{re.escape(DASHES)}]\\s*"
    parts = ["0*" + re.escape(number)] + [dash.join(_loose(p) for p in part.split("-")) for part in rest]
    return r"\s*/\s*".join(parts)


def _letter_forms() -> dict[str, str]:
    """Folded letter → a regular-expression class of every character that folds to it."""
    forms: dict[str, set[str]] = {}
    for code, folded in FOLD_TABLE.items():
        forms.setdefault(folded, {folded, folded.upper()}).add(chr(code))
    return {letter: "[" + "".join(sorted(chars)) + "]" for letter, chars in forms.items()}


LETTER_FORMS = _letter_forms()


def _loose(folded: str) -> str:
    """A pattern matching `folded` in the original text, with or without diacritics, any case."""
    return "".join(LETTER_FORMS.get(char) or re.escape(char) for char in folded)
