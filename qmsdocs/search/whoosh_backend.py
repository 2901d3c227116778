"""The default backend: an embedded Whoosh index in `<DATA_DIR>/index/`, no server needed.

Layout: `index/CURRENT` names the generation folder in use (`index/gen-…/`), which holds two
Whoosh indexes: `current` (one record per procedure) and `history` (older versions), so that
ordinary searches never read the postings of old versions. `qms reindex` builds a new
generation beside the live one and swaps the pointer; searches go on meanwhile.

Whoosh stores the postings; matching and scoring are done here, per segment, with set
operations over cached posting lists, instead of Whoosh's query parser and collectors:
the parser splits `61/2018/NĐ-CP` into pieces, and its collectors score and facet every
matching document one Python call at a time, which is too slow at province scale. Phrases
are matched on a field of adjacent word pairs (bigrams), a whole phrase needing all its pairs.

One writer at a time across processes: an exclusive `flock` on `index/WRITELOCK`, waited
for a bounded time (IndexBusy then; the outbox keeps the work), and Whoosh's own lock taken
with a timeout behind it.
"""

from __future__ import annotations

import heapq
import json
import logging
import math
import shutil
import threading
from collections import Counter, OrderedDict, defaultdict
from itertools import chain
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from array import array
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.index import LockError
from whoosh.system import pack_uint
from whoosh.reading import TermNotFound

from qmsdocs.search.analysis import bigrams
from qmsdocs.search.backend import (
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
    record_words,
)
from qmsdocs.search.documents import IndexedDoc, with_stale_flag
from qmsdocs.search.generations import GenerationFolders

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2"  # 2: one signature per record (incremental updates)
INDEX_NAMES = ("current", "history")

# Scoring: BM25 term saturation without length normalization, weighted by field.
K1 = 1.2
FIELD_WEIGHTS = {"title": 3.0, "meta": 2.0, "body": 1.0}
EXACT_WEIGHT = 0.6  # extra weight, relative to the field, when the diacritics match too
PHRASE_WEIGHT = 2.0
KEYWORD_WEIGHT = 6.0
# Words in nearly every document (idf below this) add nothing worth their postings' cost.
MIN_IDF = 0.35
# ... but only when their postings are long: in a small index every hit keeps a real score.
MIN_IDF_POSTINGS = 2000
POSTINGS_CACHE_LIMIT = 4_000_000  # cached postings, across segments and fields


class AnalysedWords(TEXT):
    """A words field fed the list of words the Vietnamese analyzer already produced.

    Counting them here in one C-level pass replaces Whoosh's token-by-token pipeline,
    which dominated indexing time.
    """

    def __init__(self):
        super().__init__(analyzer=SpaceSeparatedTokenizer(), phrase=False)

    def index(self, value, **_kwargs):
        counts = Counter(value.split() if isinstance(value, str) else value)
        return ((word.encode("utf-8"), freq, float(freq), pack_uint(freq)) for word, freq in counts.items())


def make_schema() -> Schema:
    def words():
        return AnalysedWords()

    return Schema(
        key=ID(unique=True, stored=True),
        pid=ID(stored=True),
        sig=STORED,
        title=words(), title_x=words(),
        meta=words(), meta_x=words(),
        body=words(), body_x=words(),
        bi=words(),
        # Scorable only so Whoosh keeps a length column: without one its writer checks the
        # file system once per posting.
        kw=KEYWORD(scorable=True),
        facets=COLUMN(VarBytesColumn()),
    )


HISTORY_NOTE = """Older versions are three quarters of all records but searched only on request,
so their text is indexed by folded words alone: no exact forms, no word pairs. In them
a quoted phrase matches when its words all occur, and diacritics do not change the rank.
That halves the index and its build time."""


def whoosh_fields(doc: IndexedDoc) -> dict:
    parts = record_words(doc)
    fields = {
        "key": doc.key,
        "pid": str(doc.procedure_id),
        "sig": doc.signature,
        "kw": " ".join(document_keywords(doc)),
    }
    pairs: list[str] = []
    for part, runs in parts.items():
        fields[part] = [f for run in runs for _x, f in run]
        if part == "body" and not doc.is_current:
            continue  # older versions: their text by folded words only (see HISTORY_NOTE)
        fields[f"{part}_x"] = [x for run in runs for x, _f in run]
        for run in runs:
            pairs += bigrams([f for _x, f in run])
    fields["bi"] = pairs
    row = [doc.procedure_id, doc.version_number, doc.agency_code, doc.level, doc.field or "", doc.status,
           doc.stale, doc.admin_codes, doc.legal_keys, f"{doc.agency_code}\x00{doc.code}"]
    fields["facets"] = json.dumps(row, ensure_ascii=False).encode()
    return fields


FACET_COLUMNS = ("agency", "level", "field", "status", "stale", "admin_procedure", "legal")


class _SegmentRows:
    """Per-document values of one segment, read once from its column into plain lists.

    Facets are then counted with `Counter(map(list.__getitem__, matched))`, at C speed,
    instead of one Python call per matching document and facet.
    """

    def __init__(self, raw_values):
        self.pid: list[int] = []
        self.number: list[int | None] = []
        self.order: list[str] = []
        self.values: dict[str, list] = {name: [] for name in FACET_COLUMNS}
        for raw in raw_values:
            (pid, number, agency, level, field, status, stale, tthc, legal, order) = json.loads(raw) if raw else (
                0, None, "", "", "", "", False, [], [], "")
            self.pid.append(pid)
            self.number.append(number)
            self.order.append(order)
            for name, value in zip(FACET_COLUMNS, (agency, level, field, status, "true" if stale else "false",
                                                   tuple(tthc), tuple(legal))):
                self.values[name].append(value)
        ranked = sorted(range(len(self.order)), key=self.order.__getitem__)
        # rank[doc]: the document's place in (agency, code) order, the tie-breaker of equal scores.
        self.rank = [0] * len(ranked)
        for place, doc in enumerate(ranked):
            self.rank[doc] = place


class _Segment:
    """One segment of an open reader, with what a search needs from it."""

    def __init__(self, reader, segid: str, history: bool):
        self.reader = reader
        self.segid = segid
        self.history = history
        self.deleted = reader.deleted_docs_set
        self.doc_count_all = reader.doc_count_all()


class WhooshBackend(GenerationFolders):
    name = "whoosh"
    schema_version = SCHEMA_VERSION

    def __init__(self, root: Path):
        super().__init__(root)
        self._search_lock = threading.RLock()
        self._opened: dict[str, tuple] = {}  # index name → (generation folder, index, reader, segments)
        self._postings: OrderedDict = OrderedDict()
        self._postings_size = 0
        self._rows: dict[str, _SegmentRows] = {}
        # segment id → (the moved flags it was computed with, its stale documents)
        self._stale_docs: dict[str, tuple[dict, set[int]]] = {}

    # Generations and the pointer -------------------------------------------------------------

    def _create_index(self, path: Path) -> None:
        schema = make_schema()
        for name in INDEX_NAMES:
            whoosh_index.create_in(str(path), schema, indexname=name)

    def _moved(self) -> dict[int, bool]:
        name = self._pointer()
        return self._stale_flags.read(self.root / name) if name else {}

    # Writing -------------------------------------------------------------------------------

    @contextmanager
    def writer(self, timeout: float):
        with self._write_lock(timeout):
            name = self._pointer()
            if not self._generation_ok(name):
                name = self._new_generation().name
                self._set_pointer(name)
            writers = {}
            try:
                for index_name in INDEX_NAMES:
                    ix = whoosh_index.open_dir(str(self.root / name), indexname=index_name)
                    writers[index_name] = ix.writer(timeout=timeout, delay=0.05)
            except LockError:
                for open_writer in writers.values():
                    _cancel(open_writer)
                raise IndexBusy("Whoosh write lock held by another writer") from None
            batch = _WhooshWriter(writers, self._stale_flags.read(self.root / name))
            # Writers not yet committed or cancelled: whatever fails (the batch, or the first
            # commit), they are cancelled, so no segment file stays open and no Whoosh lock held.
            unfinished = dict(writers)
            try:
                yield batch
                for index_name in INDEX_NAMES:  # current first: what ordinary searches read
                    if batch.changed:
                        unfinished[index_name].commit()
                    else:
                        unfinished[index_name].cancel()
                    del unfinished[index_name]
            finally:
                for open_writer in unfinished.values():
                    _cancel(open_writer)
            self._stale_flags.write(self.root / name, batch.stale_changes)

    def rebuild(self, batches: Iterable[list[IndexedDoc]], progress: Callable[[int], None]) -> None:
        path = self._new_generation()
        try:
            # One process: Whoosh's multiprocessing writer gained little here, and forked
            # children would share the app's database connections.
            writers = {name: whoosh_index.open_dir(str(path), indexname=name).writer(limitmb=256)
                       for name in INDEX_NAMES}
            try:
                for docs in batches:
                    for doc in docs:
                        writers["current" if doc.is_current else "history"].add_document(**whoosh_fields(doc))
                    progress(len({doc.procedure_id for doc in docs}))
            except BaseException:
                for open_writer in writers.values():
                    open_writer.cancel()
                raise
            for open_writer in writers.values():
                open_writer.commit()
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            raise
        self._switch_to(path)

    # Reading -------------------------------------------------------------------------------

    def _segments(self, index_name: str) -> tuple[object, list[_Segment]]:
        """The open reader of an index (reopened when a writer committed) and its segments."""
        name = self._pointer()
        if not self._generation_ok(name):
            log.warning("search index missing or outdated in %s: created empty; run `qms reindex`", self.root)
            self.ensure_index()
            name = self._pointer()
        opened = self._opened.get(index_name)
        if opened is not None and opened[0] == name and opened[1].latest_generation() == opened[2].generation():
            return opened[2], opened[3]
        ix = opened[1] if opened is not None and opened[0] == name else \
            whoosh_index.open_dir(str(self.root / name), indexname=index_name)
        reader = ix.reader()
        segments = [_Segment(leaf, leaf.segment().segment_id(), index_name == "history")
                    for leaf, _base in reader.leaf_readers() if leaf.segment() is not None]
        if opened is not None:
            try:
                opened[2].close()
            except Exception:  # noqa: BLE001 - an already closed reader is no concern
                pass
        self._opened[index_name] = (name, ix, reader, segments)
        live = {s.segid for opened_index in self._opened.values() for s in opened_index[3]}
        for segid in [s for s in self._rows if s not in live]:
            del self._rows[segid]
        return reader, segments

    def _ids(self, segment: _Segment, field: str, term: str) -> tuple[array, array]:
        """Doc numbers and frequencies of a term in one segment (deleted documents included)."""
        cache_key = (segment.segid, field, term)
        cached = self._postings.get(cache_key)
        if cached is not None:
            self._postings.move_to_end(cache_key)
            return cached
        ids, weights = array("i"), array("f")
        reader = segment.reader
        try:
            matcher = reader._terms.matcher(field, reader._text_to_bytes(field, term), reader.schema[field].format)
        except (TermNotFound, KeyError):
            matcher = None
        if matcher is not None:
            if isinstance(matcher, W3LeafMatcher):
                # Whole blocks at a time: far faster than one posting per call.
                while True:
                    matcher._read_ids()
                    matcher._read_weights()
                    ids.extend(matcher._ids)
                    weights.extend(matcher._weights)
                    if matcher._lastblock:
                        break
                    matcher._goto(matcher._nextoffset)
            else:
                while matcher.is_active():
                    ids.append(matcher.id())
                    weights.append(matcher.weight())
                    matcher.next()
        self._postings[cache_key] = (ids, weights)
        self._postings_size += len(ids) + 1
        while self._postings_size > POSTINGS_CACHE_LIMIT and self._postings:
            _key, (old_ids, _w) = self._postings.popitem(last=False)
            self._postings_size -= len(old_ids) + 1
        return ids, weights

    def _set(self, segment: _Segment, field: str, term: str) -> set[int]:
        return set(self._ids(segment, field, term)[0])

    def _rows_of(self, segment: _Segment) -> _SegmentRows:
        rows = self._rows.get(segment.segid)
        if rows is None:
            rows = _SegmentRows(segment.reader.column_reader("facets"))
            self._rows[segment.segid] = rows
        return rows

    def _clause_set(self, segment: _Segment, clause: Clause) -> set[int]:
        if isinstance(clause, Word):
            found = self._set(segment, "title", clause.folded)
            found.update(self._ids(segment, "meta", clause.folded)[0])
            found.update(self._ids(segment, "body", clause.folded)[0])
            return found
        if isinstance(clause, Phrase):
            return self._phrase_set(segment, clause.words)
        found: set[int] = set()
        for key in clause.keys:
            found.update(self._ids(segment, "kw", key)[0])
        if clause.pieces:
            found |= self._phrase_set(segment, clause.pieces)
        return found

    def _phrase_set(self, segment: _Segment, words: tuple[Word, ...]) -> set[int]:
        if len(words) == 1:
            return self._clause_set(segment, words[0])
        if segment.history:
            found = self._clause_set(segment, words[0])
            for word in words[1:]:
                found &= self._clause_set(segment, word)
            return found
        pairs = sorted(bigrams([w.folded for w in words]), key=lambda p: len(self._ids(segment, "bi", p)[0]))
        found = self._set(segment, "bi", pairs[0])
        for pair in pairs[1:]:
            if not found:
                break
            found.intersection_update(self._ids(segment, "bi", pair)[0])
        return found

    def _stale_set(self, segment: _Segment, moved: dict[int, bool]) -> set[int]:
        """Documents of stale procedures: the flag they carry unless it moved since (see stale_flags)."""
        carried = self._ids(segment, "kw", STALE_KEY)[0]
        if not moved:
            return set(carried)
        cached = self._stale_docs.get(segment.segid)
        if cached is not None and cached[0] is moved:
            return cached[1]
        pids = self._rows_of(segment).pid
        stale = {doc for doc in carried if pids[doc] not in moved}
        stale.update(doc for doc, pid in enumerate(pids) if moved.get(pid))
        self._stale_docs[segment.segid] = (moved, stale)
        return stale

    def _match(self, segment: _Segment, clauses: list[Clause], filters: Filters, moved: dict[int, bool]) -> set[int]:
        sets = []
        for key in filters.keys():
            sets.append(self._stale_set(segment, moved) if key == STALE_KEY else self._set(segment, "kw", key))
            if not sets[-1]:
                return set()
        for clause in clauses:
            sets.append(self._clause_set(segment, clause))
            if not sets[-1]:
                return set()
        if sets:
            sets.sort(key=len)
            matched = sets[0]
            for other in sets[1:]:
                matched &= other
                if not matched:
                    return matched
        else:
            matched = set(range(segment.doc_count_all))
        if filters.stale is False:
            matched.difference_update(self._stale_set(segment, moved))
        if segment.deleted:
            matched -= segment.deleted
        return matched

    @staticmethod
    def _scoring_terms(clause: Clause) -> list[tuple[str, str, float]]:
        if isinstance(clause, Word):
            terms = [(field, clause.folded, weight) for field, weight in FIELD_WEIGHTS.items()]
            if clause.exact != clause.folded:
                terms += [(f"{field}_x", clause.exact, weight * EXACT_WEIGHT) for field, weight in FIELD_WEIGHTS.items()]
            return terms
        if isinstance(clause, Phrase):
            terms = [t for word in clause.words for t in WhooshBackend._scoring_terms(word)]
            return terms + [("bi", pair, PHRASE_WEIGHT) for pair in bigrams([w.folded for w in clause.words])]
        terms = [("kw", key, KEYWORD_WEIGHT) for key in clause.keys]
        return terms + [("bi", pair, PHRASE_WEIGHT) for pair in bigrams([w.folded for w in clause.pieces])]

    def _score(self, reader, segment: _Segment, clauses: list[Clause], matched: set[int]) -> dict[int, float]:
        scores: dict[int, float] = defaultdict(float)
        total_docs = max(reader.doc_count_all(), 1)
        for clause in clauses:
            for field, term, weight in self._scoring_terms(clause):
                frequency = reader.doc_frequency(field, term)
                if not frequency:
                    continue
                idf = math.log(1 + (total_docs - frequency + 0.5) / (frequency + 0.5))
                if idf < MIN_IDF and frequency > MIN_IDF_POSTINGS:
                    continue
                factor = weight * idf
                ids, tfs = self._ids(segment, field, term)
                if len(ids) > 4 * len(matched):
                    frequencies = dict(zip(ids, tfs))
                    for doc in matched:
                        tf = frequencies.get(doc)
                        if tf:
                            scores[doc] += factor * tf * (K1 + 1) / (tf + K1)
                else:
                    for doc, tf in zip(ids, tfs):
                        if doc in matched:
                            scores[doc] += factor * tf * (K1 + 1) / (tf + K1)
        return scores

    def search(self, clauses: list[Clause], filters: Filters, *, offset: int, limit: int,
               include_history: bool) -> BackendResult:
        wanted = offset + limit
        with self._search_lock:
            moved = self._moved()
            # (score, tie-break order, rows, doc, index name) of the best candidates of every segment
            found: list[tuple[float, str, _SegmentRows, int, str]] = []
            counted: list[tuple[_SegmentRows, Iterable[int]]] = []
            per_procedure: dict[int, tuple] = {}
            for index_name in INDEX_NAMES if include_history else INDEX_NAMES[:1]:
                reader, segments = self._segments(index_name)
                for segment in segments:
                    matched = self._match(segment, clauses, filters, moved)
                    if not matched:
                        continue
                    rows = self._rows_of(segment)
                    scores = self._score(reader, segment, clauses, matched) if clauses else {}
                    if include_history:
                        current = index_name == "current"
                        for doc in matched:
                            candidate = (current, rows.number[doc] or 0, scores.get(doc, 0.0), rows, doc, segment)
                            kept = per_procedure.get(rows.pid[doc])
                            if kept is None or candidate[:2] > kept[:2]:
                                per_procedure[rows.pid[doc]] = candidate
                        continue
                    counted.append((rows, matched, segment))
                    found += [(scores.get(d, 0.0), rows.order[d], rows, d, index_name)
                              for d in _best(matched, scores, rows.rank, wanted)]
            total = sum(len(docs) for _rows, docs, _segment in counted)
            if include_history:
                total = len(per_procedure)
                by_segment: dict[int, tuple[_SegmentRows, list[int], _Segment]] = {}
                for current, _number, score, rows, doc, segment in per_procedure.values():
                    by_segment.setdefault(id(rows), (rows, [], segment))[1].append(doc)
                    found.append((score, rows.order[doc], rows, doc, "current" if current else "history"))
                counted = list(by_segment.values())
            found.sort(key=lambda item: (-item[0], item[1], item[2].number[item[3]] or 0))
            hits = [
                BackendHit(doc_key=f"{rows.pid[doc]}:{rows.number[doc]}", procedure_id=rows.pid[doc],
                           version_number=rows.number[doc], is_current=index_name == "current",
                           score=round(score, 4))
                for score, _order, rows, doc, index_name in found[offset: offset + limit]
            ]
            stale_docs = {id(rows): self._stale_set(segment, moved) for rows, _docs, segment in counted} \
                if moved else None
            return BackendResult(total=total, hits=hits, facets=_facets(counted, stale_docs))

    def indexed_state(self) -> dict[int, tuple[set[str], set[str]]]:
        state: dict[int, tuple[set[str], set[str]]] = {}
        with self._search_lock:
            for index_name in INDEX_NAMES:
                reader, _segments = self._segments(index_name)
                moved = self._moved()
                for _docnum, stored in reader.iter_docs():
                    pid, signature = int(stored["pid"]), stored.get("sig", "")
                    signatures, keys = state.setdefault(pid, (set(), set()))
                    signatures.add(with_stale_flag(signature, moved[pid]) if pid in moved else signature)
                    keys.add(stored["key"])
        return state


    def indexed_records(self, procedure_ids: list[int]) -> dict[int, dict[str, str]]:
        records: dict[int, dict[str, str]] = {pid: {} for pid in procedure_ids}
        with self._search_lock:
            moved = self._moved()
            for index_name in INDEX_NAMES:
                reader, _segments = self._segments(index_name)
                for pid in procedure_ids:
                    if ("pid", str(pid)) not in reader:
                        continue
                    for docnum in reader.postings("pid", str(pid)).all_ids():
                        if not reader.is_deleted(docnum):
                            stored = reader.stored_fields(docnum)
                            signature = stored.get("sig", "")
                            records[pid][stored["key"]] = \
                                with_stale_flag(signature, moved[pid]) if pid in moved else signature
        return records


def _best(matched: set[int], scores: dict[int, float], rank: list[int], wanted: int) -> list[int]:
    """The `wanted` best documents: by score, then in (agency, code) order."""
    scored = [doc for doc in scores if scores[doc] > 0]
    best = heapq.nsmallest(wanted, scored, key=lambda doc: (-scores[doc], rank[doc]))
    if len(best) < wanted:
        unscored = matched.difference(scored) if scored else matched
        best += heapq.nsmallest(wanted - len(best), unscored, key=rank.__getitem__)
    return best


def _facets(counted: list[tuple[_SegmentRows, Iterable[int], _Segment]],
            stale_docs: dict[int, set[int]] | None = None) -> dict[str, list[tuple[str, int]]]:
    """Facet counts; `stale_docs` (rows id → stale documents) when some flags moved since written."""
    counters = {name: Counter() for name in FACET_COLUMNS}
    for rows, docs, _segment in counted:
        docs = list(docs)
        for name in FACET_COLUMNS:
            if name == "stale" and stale_docs is not None:
                stale = sum(1 for doc in docs if doc in stale_docs[id(rows)])
                counters[name].update({"true": stale, "false": len(docs) - stale})
                continue
            values = map(rows.values[name].__getitem__, docs)
            counters[name].update(chain.from_iterable(values) if name in ("admin_procedure", "legal") else values)
    counters["field"].pop("", None)
    counters["stale"] = +counters["stale"]  # no zero counts
    return {name: sorted(counter.items(), key=lambda item: (-item[1], item[0]))[:facet_limit(name)]
            for name, counter in counters.items()}


def _cancel(open_writer) -> None:
    """Cancel a Whoosh writer, even one whose commit failed half-way: its files closed, its lock released."""
    if open_writer.is_closed:
        return
    try:
        open_writer.cancel()
    except Exception:  # noqa: BLE001 - the error that brought us here is the one to report
        log.warning("could not cancel a search index writer", exc_info=True)
        if open_writer.writelock:
            try:
                open_writer.writelock.release()
            except Exception:  # noqa: BLE001
                pass


class _WhooshWriter:
    def __init__(self, writers: dict, moved: dict[int, bool]):
        self._writers = writers
        self._moved = moved
        self.changed = False
        # procedure id → stale flag to keep beside the records (None: forget it); see stale_flags
        self.stale_changes: dict[int, bool | None] = {}

    def set_stale(self, procedure_id: int, stale: bool, signatures: dict[str, str]) -> None:
        self.stale_changes[procedure_id] = stale

    def replace(self, procedure_id: int, docs: list[IndexedDoc]) -> None:
        self.changed = True
        for open_writer in self._writers.values():
            open_writer.delete_by_term("pid", str(procedure_id))
        for doc in docs:
            self._writers["current" if doc.is_current else "history"].add_document(**whoosh_fields(doc))
        if procedure_id in self._moved:
            self.stale_changes[procedure_id] = None  # every record now carries the flag

    def update(self, procedure_id: int, docs: list[IndexedDoc], remove_keys: Iterable[str]) -> None:
        self.changed = True
        for key in {*remove_keys, *(doc.key for doc in docs)}:
            for open_writer in self._writers.values():
                open_writer.delete_by_term("key", key)
        for doc in docs:
            self._writers["current" if doc.is_current else "history"].add_document(**whoosh_fields(doc))
        if docs and procedure_id in self._moved:
            # The records written carry today's flag; the others keep theirs, overridden here.
            self.stale_changes[procedure_id] = docs[0].stale
