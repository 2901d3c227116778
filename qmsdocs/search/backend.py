"""The small interface between search services and an engine (Whoosh, PostgreSQL).

Services parse the query once into clauses and filters; a backend only matches, scores,
counts and pages. Snippets, labels and links are made by the services from the database,
so both engines answer alike and either can be replaced by another (e.g. tantivy).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from qmsdocs.search.analysis import analyze, analyzed_text, fold, fold_key
from qmsdocs.search.documents import IndexedDoc

FACET_NAMES = ("agency", "level", "field", "admin_procedure", "legal", "status", "stale")
# Every backend returns at most this many values per facet, the most frequent first; the page shows
# as many. The agency facet goes up to AGENCY_FACET_LIMIT, so that the service can add every agency's
# count up by former province without one more search per province; it shows FACET_LIMIT of them.
FACET_LIMIT = 50
AGENCY_FACET_LIMIT = 2000


def facet_limit(name: str) -> int:
    return AGENCY_FACET_LIMIT if name == "agency" else FACET_LIMIT


@dataclass(frozen=True)
class Word:
    exact: str
    folded: str


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Keyword:
    """A legal symbol or a code, matched whole: any of `keys`, or its pieces side by side in the text."""

    raw: str
    keys: tuple[str, ...]
    pieces: tuple[Word, ...] = ()


Clause = Word | Phrase | Keyword


@dataclass
class Filters:
    agency: str | None = None
    level: str | None = None
    field_key: str | None = None
    admin_procedure: str | None = None
    legal: str | None = None
    status: str | None = None
    stale: bool | None = None
    former_province: str | None = None

    def keys(self) -> list[str]:
        """The keyword terms every record must carry (`stale=False` is handled apart)."""
        wanted = []
        if self.agency:
            wanted.append(agency_key(self.agency))
        if self.level:
            wanted.append(f"level:{self.level}")
        if self.field_key:
            wanted.append(field_keyword(self.field_key))
        if self.admin_procedure:
            wanted.append(tthc_key(self.admin_procedure))
        if self.legal:
            wanted.append(law_key(self.legal))
        if self.status:
            wanted.append(f"status:{self.status}")
        if self.stale:
            wanted.append(STALE_KEY)
        if self.former_province:
            wanted.append(origin_key(self.former_province))
        return wanted


@dataclass
class BackendHit:
    doc_key: str
    procedure_id: int
    version_number: int | None
    is_current: bool
    score: float


@dataclass
class BackendResult:
    total: int
    hits: list[BackendHit]
    # facet name → [(value, count)], most frequent first
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)


class IndexBusy(Exception):
    """Another writer held the index longer than the bounded wait; the outbox keeps the work."""


class IndexWriter(Protocol):
    def replace(self, procedure_id: int, docs: list[IndexedDoc]) -> None:
        """Make the procedure's records exactly `docs` (none: remove it)."""

    def update(self, procedure_id: int, docs: list[IndexedDoc], remove_keys: Iterable[str]) -> None:
        """Write these records (replacing any of the same key) and remove those keys; leave the others."""

    def set_stale(self, procedure_id: int, stale: bool, signatures: dict[str, str]) -> None:
        """Move the procedure's stale flag without rewriting its records; `signatures` are the
        new signatures of the records whose flag alone changed (record key → signature)."""


class SearchBackend(Protocol):
    name: str

    def ensure_index(self) -> bool:
        """Create an empty index if there is none; True when it had to be created."""

    def writer(self, timeout: float) -> AbstractContextManager[IndexWriter]:
        """The single writer: waits at most `timeout` seconds (IndexBusy), commits on success."""

    def rebuild(self, batches: Iterable[list[IndexedDoc]], progress: Callable[[int], None]) -> None:
        """Build a complete new index from these records and swap it in; searches go on meanwhile."""

    def search(self, clauses: list[Clause], filters: Filters, *, offset: int, limit: int,
               include_history: bool) -> BackendResult: ...

    def indexed_state(self) -> dict[int, tuple[set[str], set[str]]]:
        """procedure id → (signatures seen, record keys) of what the index holds."""

    def indexed_records(self, procedure_ids: list[int]) -> dict[int, dict[str, str]]:
        """procedure id → {record key: signature} of what the index holds for these procedures."""


# Keyword terms shared by both engines -------------------------------------------------------

STALE_KEY = "stale:1"
_CODE_SEPARATORS = re.compile(r"[\s._\-/–—]+")


def law_key(key: str) -> str:
    return f"law:{key}"


def tthc_key(code: str) -> str:
    return f"tthc:{code.strip().upper()}"


def code_key(code: str) -> str:
    """A procedure code compared without separators, case or đ: `QT-01/STP` ~ `qt01stp`."""
    return "code:" + _CODE_SEPARATORS.sub("", fold(code)).upper()


def agency_key(code: str) -> str:
    return f"agency:{code.strip().upper()}"


def origin_key(province: str) -> str:
    """The former province an agency comes from, compared folded: `Trà Vinh` ~ `tra vinh`."""
    return "origin:" + fold_key(province).replace(" ", "_")


def field_keyword(field_key: str) -> str:
    return "field:" + field_key.replace(" ", "_")


def document_keywords(doc: IndexedDoc) -> list[str]:
    """Filter and whole-keyword terms of one record."""
    keywords = [agency_key(doc.agency_code), f"level:{doc.level}", f"status:{doc.status}", code_key(doc.code)]
    if doc.field:
        keywords.append(field_keyword(fold_key(doc.field)))
    if doc.stale:
        keywords.append(STALE_KEY)
    if doc.origin:
        keywords.append(origin_key(doc.origin))
    keywords += [tthc_key(code) for code in doc.admin_codes]
    keywords += [law_key(key) for key in doc.legal_keys]
    return list(dict.fromkeys(keywords))


def record_words(doc: IndexedDoc) -> dict[str, list[list[tuple[str, str]]]]:
    """The words of a record by part, each part a list of runs (no phrase spans two runs).

    title: the procedure's title and code; meta: agency, lĩnh vực, TTHC codes and names;
    body: the version's full text.
    """
    meta = [doc.agency_code, doc.agency_name, doc.field or ""]
    for code, name in doc.admin_procedures:
        meta += [code, name or ""]
    return {
        "title": [analyze(doc.title), analyze(doc.code)],
        "meta": [analyze(part) for part in meta if part],
        "body": [analyze(doc.text)],
    }


def record_texts(doc: IndexedDoc) -> dict[str, list[tuple[str, str]]]:
    """The parts of `record_words` as (exact words, folded words) strings per run, space-separated."""
    meta = [doc.agency_code, doc.agency_name, doc.field or ""]
    for code, name in doc.admin_procedures:
        meta += [code, name or ""]
    return {
        "title": [analyzed_text(doc.title), analyzed_text(doc.code)],
        "meta": [analyzed_text(part) for part in meta if part],
        "body": [analyzed_text(doc.text)],
    }
