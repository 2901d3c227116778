"""The default backend: an embedded tantivy index in `<DATA_DIR>/tantivy/`, no server needed.

tantivy is a compiled (Rust) engine: matching, BM25 ranking, phrase positions and facet counts
(terms aggregations over columnar fields) run outside Python, which is what keeps a
merged province (75,000 procedures, 260,000 versions) under the latency targets and a full
rebuild within minutes (see docs/search.md for the figures).

Text never reaches tantivy's own analysis: the shared Vietnamese analyzer (NFC, tone
placement, đ → d) has already produced each word's exact and folded form, which are
written space-separated and split on whitespace only. Symbols and codes are whole terms
of a keyword field, so `61/2018/NĐ-CP` is never cut into pieces.

Layout: `tantivy/CURRENT` names the generation in use (`tantivy/gen-…/`, one index holding
current and older versions, told apart by a `current` flag); `qms reindex` builds a new
generation beside the live one and swaps the pointer while searches go on.

Each record stores its key (`p<procedure id>`, `v<version id>`) and signature: the worker reads
them for the procedures it indexes (through the indexed `pk` term) and rewrites only the records
whose signature changed, deleting each by its key term before adding it again.

One writer at a time across processes: an exclusive `flock` on `tantivy/WRITELOCK`, waited for
a bounded time (IndexBusy then; the outbox keeps the work), with tantivy's own writer lock
behind it. After each commit the writer waits for its segment merges and removes the files
no segment uses any more, so the index does not grow without bound.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from pathlib import Path

import tantivy
from tantivy import Occur, Query

from qmsdocs.search.backend import (
    FACET_NAMES,
    STALE_KEY,
    BackendHit,
    BackendResult,
    Clause,
    Filters,
    IndexBusy,
    Phrase,
    Word,
    document_keywords,
    facet_limit,
    record_texts,
)
from qmsdocs.search.documents import IndexedDoc, with_stale_flag
from qmsdocs.search.generations import GenerationFolders

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # 2: one signature per record (incremental updates)
WORDS = "qmsdocs_words"  # the whitespace analyzer every words field uses

FIELD_WEIGHTS = {"title": 3.0, "meta": 2.0, "body": 1.0}
EXACT_WEIGHT = 0.6  # extra weight, relative to the field, when the diacritics match too
PHRASE_WEIGHT = 2.0
KEYWORD_WEIGHT = 6.0
# Facet values counted per segment before the top ones are kept: above any real cardinality
# (agencies, TTHC, cited documents), so the counts are exact.
FACET_SEGMENT_SIZE = 100_000
FACET_FIELDS = {name: f"f_{name}" for name in FACET_NAMES}
WRITER_HEAP = 64_000_000
REBUILD_HEAP = 400_000_000
# An `include_history` search collapses versions per procedure here; past this many matching
# records it keeps the best-scored ones (the total then counts procedures among those).
HISTORY_SCAN_LIMIT = 200_000


def make_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("pk", tokenizer_name="raw", index_option="basic")  # procedure id, for deletes
    # record key (`p<procedure id>`, `v<version id>`): the term `update` deletes a record by
    builder.add_text_field("key", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_unsigned_field("pid", stored=True, fast=True)
    builder.add_unsigned_field("number", stored=True, fast=True)  # 0: no approved version yet
    builder.add_boolean_field("current", indexed=True, fast=True)
    builder.add_text_field("sig", stored=True, tokenizer_name="raw", index_option="basic")  # the record's signature
    for part in FIELD_WEIGHTS:
        builder.add_text_field(part, tokenizer_name=WORDS, index_option="position")
        builder.add_text_field(f"{part}_x", tokenizer_name=WORDS, index_option="freq")
    builder.add_text_field("kw", tokenizer_name="raw", index_option="basic")
    for field_name in FACET_FIELDS.values():
        builder.add_text_field(field_name, tokenizer_name="raw", fast=True, index_option="basic")
    # Agency then procedure code: the order of results that have no score (filters only).
    builder.add_text_field("order", tokenizer_name="raw", fast=True, index_option="basic")
    return builder.build()


SCHEMA = make_schema()


def _words_analyzer():
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def tantivy_document(doc: IndexedDoc) -> tantivy.Document:
    values: dict[str, object] = {
        "pk": str(doc.procedure_id),
        "key": doc.key,
        "pid": doc.procedure_id,
        "number": doc.version_number or 0,
        "current": doc.is_current,
        "sig": doc.signature,
        "kw": document_keywords(doc),
        "f_agency": doc.agency_code,
        "f_level": doc.level,
        "f_status": doc.status,
        "f_stale": "true" if doc.stale else "false",
        "f_admin_procedure": list(dict.fromkeys(doc.admin_codes)),
        "f_legal": list(dict.fromkeys(doc.legal_keys)),
        "order": f"{doc.agency_code}\x00{doc.code}",
    }
    if doc.field:
        values["f_field"] = doc.field
    for part, runs in record_texts(doc).items():
        # One value per run: tantivy leaves a gap between values, so no phrase spans two runs.
        values[part] = [folded for _exact, folded in runs if folded]
        values[f"{part}_x"] = [exact for exact, _folded in runs if exact]
    return tantivy.Document.from_dict({k: v for k, v in values.items() if v != []}, SCHEMA)


# Queries --------------------------------------------------------------------------------------

def _term(field_name: str, value) -> Query:
    return Query.term_query(SCHEMA, field_name, value)


def _any(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _filter(query: Query) -> Query:
    """A condition that restricts without adding to the score."""
    return Query.const_score_query(query, 0.0)


def _phrase_in_text(words: tuple[Word, ...], weight: float) -> Query:
    folded = [w.folded for w in words]
    if len(folded) == 1:
        return _any([Query.boost_query(_term(part, folded[0]), weight * w) for part, w in FIELD_WEIGHTS.items()])
    return _any([Query.boost_query(Query.phrase_query(SCHEMA, part, folded), weight * w)
                 for part, w in FIELD_WEIGHTS.items()])


def _exact_bonus(words: Iterable[Word]) -> list[tuple[Occur, Query]]:
    """Optional clauses that rank a word typed with its diacritics above the same letters without."""
    bonus = []
    for word in words:
        if word.exact != word.folded:
            bonus += [(Occur.Should, Query.boost_query(_term(f"{part}_x", word.exact), weight * EXACT_WEIGHT))
                      for part, weight in FIELD_WEIGHTS.items()]
    return bonus


def _pk_set(pids) -> Query:
    return Query.term_set_query(SCHEMA, "pk", [str(pid) for pid in sorted(pids)])


def _stale_query(moved: dict[int, bool]) -> Query:
    """Records of stale procedures: the flag they carry, unless it moved since (see stale_flags)."""
    carried = _term("kw", STALE_KEY)
    if not moved:
        return carried
    parts = [(Occur.Should, Query.boolean_query([(Occur.Must, carried), (Occur.MustNot, _pk_set(moved))]))]
    now_stale = [pid for pid, stale in moved.items() if stale]
    if now_stale:
        parts.append((Occur.Should, _pk_set(now_stale)))
    return Query.boolean_query(parts)


def build_query(clauses: list[Clause], filters: Filters, *, current_only: bool,
                moved: dict[int, bool] | None = None) -> Query:
    parts: list[tuple[Occur, Query]] = []
    for clause in clauses:
        if isinstance(clause, Word):
            parts.append((Occur.Must, _phrase_in_text((clause,), 1.0)))
            parts += _exact_bonus([clause])
        elif isinstance(clause, Phrase):
            parts.append((Occur.Must, _phrase_in_text(clause.words, PHRASE_WEIGHT)))
            parts += _exact_bonus(clause.words)
        else:
            options = [Query.boost_query(_term("kw", key), KEYWORD_WEIGHT) for key in clause.keys]
            if clause.pieces:
                options.append(_phrase_in_text(clause.pieces, PHRASE_WEIGHT))
            parts.append((Occur.Must, _any(options)))
    for key in filters.keys():
        if key != STALE_KEY:
            parts.append((Occur.Must, _filter(_term("kw", key))))
    if current_only:
        parts.append((Occur.Must, _filter(_term("current", True))))
    if filters.stale is True:
        parts.append((Occur.Must, _filter(_stale_query(moved or {}))))
    elif filters.stale is False:
        parts.append((Occur.MustNot, _stale_query(moved or {})))
    if not any(occur == Occur.Must for occur, _q in parts):
        parts.append((Occur.Must, _filter(Query.all_query())))
    return Query.boolean_query(parts)


def _facet_request() -> dict:
    return {name: {"terms": {"field": field_name, "size": facet_limit(name), "segment_size": FACET_SEGMENT_SIZE}}
            for name, field_name in FACET_FIELDS.items()}


def _facets(aggregations: dict, stale_moves: tuple[int, int] = (0, 0)) -> dict[str, list[tuple[str, int]]]:
    """Facet lists from tantivy's aggregations; `stale_moves` corrects the stale counts by the
    matching records whose flag moved since they were written (became stale, became fresh)."""
    facets = {}
    for name in FACET_NAMES:
        buckets = aggregations.get(name, {}).get("buckets", [])
        counted = {str(bucket["key"]): int(bucket["doc_count"]) for bucket in buckets if bucket["key"] != ""}
        if name == "stale" and any(stale_moves):
            became_stale, became_fresh = stale_moves
            counted["true"] = counted.get("true", 0) + became_stale - became_fresh
            counted["false"] = counted.get("false", 0) + became_fresh - became_stale
            counted = {value: count for value, count in counted.items() if count > 0}
        facets[name] = sorted(counted.items(), key=lambda item: (-item[1], item[0]))[:facet_limit(name)]
    return facets


def _stale_moves(searcher, query: Query, moved: dict[int, bool]) -> tuple[int, int]:
    """How many records matching `query` became stale, and became fresh, since they were written."""
    if not moved:
        return 0, 0
    carried = _term("kw", STALE_KEY)
    counts = []
    for stale, carried_occur in ((True, Occur.MustNot), (False, Occur.Must)):
        pids = [pid for pid, flag in moved.items() if flag is stale]
        if not pids:
            counts.append(0)
            continue
        moved_query = Query.boolean_query([(Occur.Must, query), (Occur.Must, _pk_set(pids)),
                                           (carried_occur, carried)])
        counts.append(searcher.search(moved_query, limit=1, count=True).count)
    return counts[0], counts[1]


# The backend ----------------------------------------------------------------------------------

class TantivyBackend(GenerationFolders):
    name = "tantivy"
    schema_version = SCHEMA_VERSION

    def __init__(self, root: Path):
        super().__init__(root)
        self._open_lock = threading.Lock()
        # generation name → (index, meta.json stamp when last reloaded)
        self._opened: dict[str, list] = {}

    # Generations and the pointer ---------------------------------------------------------

    def _create_index(self, path: Path) -> None:
        (path / "index").mkdir()
        index = tantivy.Index(SCHEMA, path=str(path / "index"))
        del index

    def _cleanup(self, keep: set[str]) -> None:
        super()._cleanup(keep)
        with self._open_lock:
            for name in [n for n in self._opened if n not in keep]:
                del self._opened[name]

    def _index(self, name: str) -> tantivy.Index:
        """The open index of a generation, reloaded when a writer has committed since."""
        meta = self.root / name / "index" / "meta.json"
        try:
            stat = meta.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        with self._open_lock:
            opened = self._opened.get(name)
            if opened is None:
                index = tantivy.Index.open(str(self.root / name / "index"))
                index.register_tokenizer(WORDS, _words_analyzer())
                index.config_reader(reload_policy="Manual")
                opened = self._opened[name] = [index, stamp]
            elif opened[1] != stamp:
                opened[0].reload()
                opened[1] = stamp
            return opened[0]

    def _searcher(self) -> tantivy.Searcher:
        return self._reading()[0]

    def _reading(self) -> tuple[tantivy.Searcher, dict[int, bool]]:
        """A searcher of the generation in use, and its moved stale flags."""
        name = self._pointer()
        if not self._generation_ok(name):
            log.warning("search index missing or outdated in %s: created empty; run `qms reindex`", self.root)
            self.ensure_index()
            name = self._pointer()
        return self._index(name).searcher(), self._stale_flags.read(self.root / name)

    # Writing -----------------------------------------------------------------------------

    @contextmanager
    def writer(self, timeout: float):
        with self._write_lock(timeout):
            name = self._pointer()
            if not self._generation_ok(name):
                name = self._new_generation().name
                self._set_pointer(name)
            index = self._index(name)
            try:
                engine_writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as error:  # tantivy's own lock, held by a writer outside this protocol
                raise IndexBusy(f"tantivy writer lock: {error}") from None
            batch = _TantivyWriter(engine_writer, self._stale_flags.read(self.root / name))
            try:
                yield batch
            except BaseException:
                engine_writer.rollback()
                engine_writer.wait_merging_threads()
                raise
            if batch.changed:
                engine_writer.commit()
                engine_writer.garbage_collect_files()
            else:
                engine_writer.rollback()
            engine_writer.wait_merging_threads()
            self._stale_flags.write(self.root / name, batch.stale_changes)

    def rebuild(self, batches: Iterable[list[IndexedDoc]], progress: Callable[[int], None]) -> None:
        path = self._new_generation()
        try:
            index = tantivy.Index.open(str(path / "index"))
            index.register_tokenizer(WORDS, _words_analyzer())
            engine_writer = index.writer(heap_size=REBUILD_HEAP, num_threads=2)
            try:
                for docs in batches:
                    for doc in docs:
                        engine_writer.add_document(tantivy_document(doc))
                    progress(len({doc.procedure_id for doc in docs}))
                engine_writer.commit()
                engine_writer.garbage_collect_files()
            except BaseException:
                engine_writer.rollback()
                raise
            finally:
                engine_writer.wait_merging_threads()
            del index
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._switch_to(path)

    # Reading -----------------------------------------------------------------------------

    def search(self, clauses: list[Clause], filters: Filters, *, offset: int, limit: int,
               include_history: bool) -> BackendResult:
        searcher, moved = self._reading()
        if include_history:
            return self._search_history(searcher, moved, clauses, filters, offset=offset, limit=limit)
        query = build_query(clauses, filters, current_only=True, moved=moved)
        if clauses:
            found = searcher.search(query, limit=limit, offset=offset, count=True)
        else:
            found = searcher.search(query, limit=limit, offset=offset, count=True,
                                    order_by_field="order", order=tantivy.Order.Asc)
        addresses = [address for _key, address in found.hits]
        pids = searcher.fast_field_values("pid", addresses)
        numbers = searcher.fast_field_values("number", addresses)
        hits = [
            BackendHit(doc_key=f"{pid}:{number or None}", procedure_id=pid, version_number=number or None,
                       is_current=True, score=round(float(key), 4) if clauses else 0.0)
            for (key, _address), pid, number in zip(found.hits, pids, numbers)
        ]
        facets = _facets(searcher.aggregate(query, _facet_request()),
                         _stale_moves(searcher, query, moved)) if found.count else {}
        return BackendResult(total=found.count, hits=hits, facets=facets)

    def _search_history(self, searcher, moved, clauses, filters, *, offset: int, limit: int) -> BackendResult:
        """Every matching record, one per procedure: its current version when that matches,
        else the newest older version that does."""
        query = build_query(clauses, filters, current_only=False, moved=moved)
        if clauses:
            found = searcher.search(query, limit=HISTORY_SCAN_LIMIT, count=False)
        else:  # no score: in (agency, code) order, the same for every version of a procedure
            found = searcher.search(query, limit=HISTORY_SCAN_LIMIT, count=False,
                                    order_by_field="order", order=tantivy.Order.Asc)
        addresses = [address for _key, address in found.hits]
        pids = searcher.fast_field_values("pid", addresses)
        numbers = searcher.fast_field_values("number", addresses)
        currents = searcher.fast_field_values("current", addresses)
        best: dict[int, tuple] = {}  # dicts keep the order procedures were first met in
        for (key, address), pid, number, current in zip(found.hits, pids, numbers, currents):
            candidate = (bool(current), number or 0, float(key) if clauses else 0.0, address)
            kept = best.get(pid)
            if kept is None or candidate[:2] > kept[:2]:
                best[pid] = candidate
        chosen = list(best.items())
        if clauses:
            chosen.sort(key=lambda item: (-item[1][2], item[0]))
        page = chosen[offset: offset + limit]
        hits = [
            BackendHit(doc_key=f"{pid}:{number or None}", procedure_id=pid, version_number=number or None,
                       is_current=current, score=round(score, 4) if clauses else 0.0)
            for pid, (current, number, score, _address) in page
        ]
        facets: dict[str, list[tuple[str, int]]] = {}
        if chosen:
            keys = [searcher.doc(candidate[3])["key"][0] for _pid, candidate in chosen]
            chosen_query = Query.term_set_query(SCHEMA, "key", keys)
            facets = _facets(searcher.aggregate(chosen_query, _facet_request()),
                             _stale_moves(searcher, chosen_query, moved))
        return BackendResult(total=len(best), hits=hits, facets=facets)

    def _stored_records(self, query_of: Callable[[], Query]) -> Iterable[tuple[int, str, str]]:
        """(procedure id, record key, signature) of every record the query matches, with the
        stale flag as it is now."""
        searcher, moved = self._reading()
        query = query_of()
        count = searcher.search(query, limit=1, count=True).count
        if not count:
            return
        for _score, address in searcher.search(query, limit=count, count=False).hits:
            stored = searcher.doc(address)
            pid, signature = int(stored["pid"][0]), stored["sig"][0] if stored["sig"] else ""
            if pid in moved:
                signature = with_stale_flag(signature, moved[pid])
            yield pid, stored["key"][0], signature

    def indexed_state(self) -> dict[int, tuple[set[str], set[str]]]:
        state: dict[int, tuple[set[str], set[str]]] = {}
        for pid, key, signature in self._stored_records(Query.all_query):
            signatures, keys = state.setdefault(pid, (set(), set()))
            signatures.add(signature)
            keys.add(key)
        return state

    def indexed_records(self, procedure_ids: list[int]) -> dict[int, dict[str, str]]:
        records: dict[int, dict[str, str]] = {pid: {} for pid in procedure_ids}
        if not procedure_ids:
            return records
        # Only these procedures' records, found through the indexed `pk` term, not a full scan.
        for pid, key, signature in self._stored_records(lambda: _pk_set(set(procedure_ids))):
            records.setdefault(pid, {})[key] = signature
        return records


class _TantivyWriter:
    def __init__(self, engine_writer, moved: dict[int, bool]):
        self._writer = engine_writer
        self._moved = moved
        self.changed = False
        # procedure id → stale flag to keep beside the records (None: forget it); see stale_flags
        self.stale_changes: dict[int, bool | None] = {}

    def replace(self, procedure_id: int, docs: list[IndexedDoc]) -> None:
        self.changed = True
        self._writer.delete_documents_by_term("pk", str(procedure_id))
        for doc in docs:
            self._writer.add_document(tantivy_document(doc))
        if procedure_id in self._moved:
            self.stale_changes[procedure_id] = None  # every record now carries the flag

    def update(self, procedure_id: int, docs: list[IndexedDoc], remove_keys: Iterable[str]) -> None:
        self.changed = True
        for key in {*remove_keys, *(doc.key for doc in docs)}:
            self._writer.delete_documents_by_term("key", key)
        for doc in docs:
            self._writer.add_document(tantivy_document(doc))
        if docs and procedure_id in self._moved:
            # The records written carry today's flag; the others keep theirs, overridden here.
            self.stale_changes[procedure_id] = docs[0].stale

    def set_stale(self, procedure_id: int, stale: bool, signatures: dict[str, str]) -> None:
        self.stale_changes[procedure_id] = stale
