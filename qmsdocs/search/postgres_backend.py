"""PostgreSQL full-text backend, for deployments where several app servers share one database.

Text is analysed in Python with the same analyzer as the Whoosh backend (NFC, case folding,
diacritics folded with đ → d, tone placement unified), and the words are stored as a
`tsvector` literal (exact and folded forms at the same positions; weight A title, B agency /
lĩnh vực / TTHC, D text) with a GIN index. PostgreSQL's own parser and `unaccent` are
not used: `unaccent` leaves old and new tone placement apart and is an extension a superuser must
install in every database (the tests' included). Queries are cast to `tsquery` from
lexemes built here, so PostgreSQL never re-parses `61/2018/NĐ-CP` into pieces: symbols
and codes live whole in a second `tsvector` of keywords.

At province scale (25,000 procedures, a common word matching every current record) the time
goes to reading the matching rows, so a search reads as little of each as it can:

* matching is answered by GIN indexes, with partial ones over current records (what ordinary
  searches read), and a rebuild writes current records before older versions so they share pages,
  then analyzes the table (without statistics the planner reads the index of all versions);
* a quoted phrase is found by its adjacent word pairs (`pairs`, current records, GIN): `<->`
  would re-read the large text vector of every record holding the phrase's words, which for
  common words is every record; longer phrases are checked on the positions of a bounded number
  of candidates, and of the page shown;
* ranking reads `ranking`, the title and meta words alone (weights A and B, a few hundred bytes
  kept in the row), never the large text vector of every match; a match found only in the text
  ranks after those found in title or meta, by agency and code;
* the one-valued facets are counted in one pass (grouping sets), and the TTHC and legal facets,
  several values per record, on a sample of about FACET_SAMPLE procedures when more match
  (estimates then, scaled to the total);
* plain words matching more than LEADING_ONLY_ABOVE records (common words, which at 75,000
  procedures every record holds) are counted exactly, but only the records whose title and meta
  hold every word are ranked (from the GIN index of `ranking`) and come first; the rest follow
  by agency and code, and every facet is counted on a sample: no pass keeps or ranks every match;
* snippets are made by the service for the page shown only, from the version's text.

Writes happen in the caller's transaction under a transaction-level advisory lock, so the
index rows, the deletion of the outbox marks and the change they record commit together;
a rebuild replaces every row in one transaction while searches keep reading the old ones.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import contextmanager

from sqlalchemy import ARRAY, Column, MetaData, Table, Text, bindparam, cast, delete, func, insert, select, text
from sqlalchemy.dialects.postgresql import TSVECTOR

from qmsdocs.db import session
from qmsdocs.search.analysis import fold_key
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
from qmsdocs.search.documents import IndexedDoc
from qmsdocs.search.models import SearchDocument

# Arbitrary constant naming the search writer's advisory lock; the lock is per schema (advisory
# locks are per database), so databases holding several instances side by side do not wait on each other.
LOCK_KEY = 0x5EA2C4
LOCK = "(:key, hashtext(current_schema()))"
MAX_POSITION = 16383  # PostgreSQL's limit for a word position
MAX_POSITIONS_PER_WORD = 256
WEIGHT_LETTERS = {"title": "A", "meta": "B", "body": "D"}
KEYWORD_SCORE = 1.0
# ts_rank weights of D, C, B, A: the ranking vector holds only title (A) and meta (B) words.
RANK_WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
# GROUPING() bit masks of the one-valued facets (agency, level, field, status, stale).
SINGLE_FACETS = {"agency": 0b01111, "level": 0b10111, "field": 0b11011, "status": 0b11101, "stale": 0b11110}
WORK_MEM = "32MB"
# Above this many matches, the TTHC and legal facets (several values per record, the costly
# ones) are counted on a sample of about this many procedures and scaled: estimates, not counts.
FACET_SAMPLE = 2000
# Up to this many matches the body's words count too (a tenth of a title word): reading each
# match's whole text vector is cheap for a few thousand and what makes "hoà" rank the text that
# writes "hoà" above the one writing "hoa". Above it, the title and meta vector alone ranks.
FULL_RANK_LIMIT = 2000
BODY_RANK_SHARE = 0.1
# A quoted phrase of three words or more is found by its adjacent pairs, then checked on the
# positions of up to this many candidates (each check reads a large text vector, ~5 µs); above
# it, the count and facets take a record holding every pair of the phrase as a match (as the
# Whoosh backend does), and only the page shown is checked.
PHRASE_CHECK_LIMIT = 5000
# Above this many matches of plain words, ranking every match (one `ts_rank` per record, ~1 µs per
# query word) is most of a search's time, so only the records whose title and meta hold every
# word (found in the GIN index of `ranking`) are ranked, and come first; the others follow by
# agency and code. At or below it every match is ranked, as before.
LEADING_ONLY_ABOVE = 10000
MANY_MATCHES_SAMPLE = 5000  # procedures the facets are counted on above LEADING_ONLY_ABOVE
PAGE_CHECK_SLACK = 500  # records of the ranked order checked beyond the page, above the limit
SAMPLE_MULTIPLIER = 2654435761  # spreads procedure ids over the sample's residues


def _lexeme(word: str) -> str:
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(doc: IndexedDoc, words: dict[str, list[list[tuple[str, str]]]] | None = None) -> str:
    """Exact and folded words with positions and weights, as PostgreSQL's tsvector input reads them."""
    positions: dict[str, list[str]] = defaultdict(list)
    position = 0
    for part, runs in (words or record_words(doc)).items():
        letter = WEIGHT_LETTERS[part]
        for run in runs:
            position += 1  # a gap: no phrase spans two runs
            for exact, folded in run:
                position += 1
                for form in {exact, folded}:
                    places = positions[form]
                    if position <= MAX_POSITION and len(places) < MAX_POSITIONS_PER_WORD:
                        places.append(f"{position}{letter}")
    return " ".join(f"{_lexeme(word)}:{','.join(places)}" if places else _lexeme(word)
                    for word, places in positions.items())


def word_pairs(doc: IndexedDoc, words: dict[str, list[list[tuple[str, str]]]] | None = None) -> list[str]:
    """Every pair of adjacent folded words ('ho so') of a run, over the words that have positions
    (the first MAX_POSITION): what a quoted phrase is looked up by."""
    pairs: dict[str, None] = {}
    position = 0
    for runs in (words or record_words(doc)).values():
        for run in runs:
            position += 1
            previous = None
            for _exact, folded in run:
                position += 1
                if position > MAX_POSITION:
                    return list(pairs)
                if previous is not None:
                    pairs[f"{previous} {folded}"] = None
                previous = folded
    return list(pairs)


def _document_row(doc: IndexedDoc) -> dict:
    words = record_words(doc)
    return {
        "doc_key": doc.key,
        "procedure_id": doc.procedure_id,
        "version_id": doc.version_id,
        "version_number": doc.version_number,
        "is_current": doc.is_current,
        "agency_code": doc.agency_code,
        "level": doc.level,
        "field": doc.field,
        "field_key": fold_key(doc.field) if doc.field else None,
        "status": doc.status,
        "stale": doc.stale,
        "admin_codes": " ".join(doc.admin_codes),
        "legal_keys": " ".join(doc.legal_keys),
        "signature": doc.signature,
        "document_literal": tsvector_literal(doc, words),
        "keyword_list": document_keywords(doc),
        # Older versions have none: `include_history` checks phrases on their positions.
        "pair_list": word_pairs(doc, words) if doc.is_current else None,
    }


_table = SearchDocument.__table__
_INSERT = insert(_table).values(
    document=cast(bindparam("document_literal"), TSVECTOR),
    ranking=func.ts_filter(cast(bindparam("document_literal"), TSVECTOR), text("'{a,b}'")),
    keywords=func.array_to_tsvector(cast(bindparam("keyword_list"), ARRAY(Text))),
    pairs=func.array_to_tsvector(cast(bindparam("pair_list"), ARRAY(Text))),
)


# Older versions wait here during a rebuild, to be written after every current record.
_HISTORY_LOAD = Table("search_history_load", MetaData(),
                      *[Column(column.name, column.type) for column in _table.columns if column.name != "id"],
                      prefixes=["TEMPORARY"])
_HISTORY_INSERT = insert(_HISTORY_LOAD).values(
    document=cast(bindparam("document_literal"), TSVECTOR),
    ranking=func.ts_filter(cast(bindparam("document_literal"), TSVECTOR), text("'{a,b}'")),
    keywords=func.array_to_tsvector(cast(bindparam("keyword_list"), ARRAY(Text))),
    pairs=func.array_to_tsvector(cast(bindparam("pair_list"), ARRAY(Text))),
)


class _PostgresWriter:
    def replace(self, procedure_id: int, docs: list[IndexedDoc]) -> None:
        session.execute(delete(_table).where(_table.c.procedure_id == procedure_id))
        if docs:
            session.execute(_INSERT, [_document_row(doc) for doc in docs])

    def update(self, procedure_id: int, docs: list[IndexedDoc], remove_keys: Iterable[str]) -> None:
        keys = {*remove_keys, *(doc.key for doc in docs)}
        if keys:
            session.execute(delete(_table).where(_table.c.doc_key.in_(sorted(keys))))
        if docs:
            session.execute(_INSERT, [_document_row(doc) for doc in docs])


    def set_stale(self, procedure_id: int, stale: bool, signatures: dict[str, str]) -> None:
        """The flag column, the `stale:1` keyword and the signature, in place: no text rewritten."""
        keywords = (f"keywords || array_to_tsvector(ARRAY['{STALE_KEY}'])" if stale
                    else f"ts_delete(keywords, '{STALE_KEY}'::text)")
        session.execute(
            text(f"UPDATE search_documents SET stale = :stale, keywords = {keywords}, signature = :signature "
                 "WHERE procedure_id = :pid AND doc_key = :key"),
            [{"stale": stale, "signature": signature, "pid": procedure_id, "key": key}
             for key, signature in signatures.items()],
        )


def _phrase_query(words: tuple[Word, ...]) -> str:
    return "(" + " <-> ".join(_lexeme(w.folded) for w in words) + ")"


class PostgresBackend:
    name = "postgres"
    # The rebuild replaces all rows in the caller's transaction: its reads must stay in it.
    rebuild_in_transaction = True

    def ensure_index(self) -> bool:
        """The table and its GIN indexes come with the migration; True while it is still empty."""
        return session.scalar(select(_table.c.id).limit(1)) is None

    @contextmanager
    def writer(self, timeout: float):
        deadline = time.monotonic() + timeout
        while not session.scalar(text(f"SELECT pg_try_advisory_xact_lock{LOCK}"), {"key": LOCK_KEY}):
            if time.monotonic() >= deadline:
                raise IndexBusy(f"search writer lock held for more than {timeout:.0f}s")
            time.sleep(0.05)
        yield _PostgresWriter()
        session.flush()

    def rebuild(self, batches: Iterable[list[IndexedDoc]], progress: Callable[[int], None]) -> None:
        """Current records are written first and older versions after them, so that the rows an
        ordinary search reads sit together in the table's first pages, not among three times as many."""
        session.execute(text(f"SELECT pg_advisory_xact_lock{LOCK}"), {"key": LOCK_KEY})
        session.execute(delete(_table))
        _HISTORY_LOAD.create(session.connection())
        try:
            for docs in batches:
                current = [_document_row(doc) for doc in docs if doc.is_current]
                older = [_document_row(doc) for doc in docs if not doc.is_current]
                if current:
                    session.execute(_INSERT, current)
                if older:
                    session.execute(_HISTORY_INSERT, older)
                progress(len({doc.procedure_id for doc in docs}))
            columns = ", ".join(column.name for column in _HISTORY_LOAD.columns)
            session.execute(text(f"INSERT INTO search_documents ({columns}) "
                                 f"SELECT {columns} FROM {_HISTORY_LOAD.name} ORDER BY procedure_id"))
        finally:
            _HISTORY_LOAD.drop(session.connection())
        # Every row was replaced: without fresh statistics the planner guesses one matching row per
        # query and reads the index of all versions (three times the rows) for an ordinary search.
        # ANALYZE counts this transaction's own new rows and leaves out the ones it deleted.
        session.execute(text("ANALYZE search_documents"))
        session.flush()

    def indexed_records(self, procedure_ids: list[int]) -> dict[int, dict[str, str]]:
        records: dict[int, dict[str, str]] = {pid: {} for pid in procedure_ids}
        rows = session.execute(select(_table.c.procedure_id, _table.c.doc_key, _table.c.signature)
                               .where(_table.c.procedure_id.in_(procedure_ids)))
        for pid, key, signature in rows:
            records[pid][key] = signature
        return records

    def indexed_state(self) -> dict[int, tuple[set[str], set[str]]]:
        state: dict[int, tuple[set[str], set[str]]] = {}
        for pid, key, signature in session.execute(select(_table.c.procedure_id, _table.c.doc_key, _table.c.signature)):
            signatures, keys = state.setdefault(pid, (set(), set()))
            signatures.add(signature)
            keys.add(key)
        return state

    def search(self, clauses: list[Clause], filters: Filters, *, offset: int, limit: int,
               include_history: bool) -> BackendResult:
        params: dict = {"offset": offset, "limit": limit}
        where = [] if include_history else ["is_current"]
        text_parts: list[str] = []
        folded_words: list[str] = []
        exact_words: list[str] = []
        keyword_scores: list[str] = []
        phrase_checks: list[str] = []
        for number, clause in enumerate(clauses):
            if isinstance(clause, Word):
                text_parts.append(_lexeme(clause.folded))
                folded_words.append(clause.folded)
                exact_words.append(clause.exact)
            elif isinstance(clause, Phrase):
                words = clause.words
                folded_words += [w.folded for w in words]
                exact_words += [w.exact for w in words]
                if include_history or len(words) < 2:  # older versions have no pairs
                    text_parts.append(_phrase_query(words))
                    continue
                # Found by its adjacent pairs in their GIN index: exact for two words; a longer
                # phrase is also checked on the positions, up to PHRASE_CHECK_LIMIT candidates.
                params[f"w{number}"] = " & ".join(_lexeme(f"{a.folded} {b.folded}") for a, b in zip(words, words[1:]))
                where.append(f"pairs @@ CAST(:w{number} AS tsquery)")
                if len(words) > 2:
                    phrase_checks.append(_phrase_query(words))
            else:
                params[f"k{number}"] = " | ".join(_lexeme(key) for key in clause.keys)
                keyword_match = f"keywords @@ CAST(:k{number} AS tsquery)"
                if clause.pieces:
                    params[f"p{number}"] = _phrase_query(clause.pieces)
                    where.append(f"({keyword_match} OR document @@ CAST(:p{number} AS tsquery))")
                else:
                    where.append(keyword_match)
                keyword_scores.append(f"CASE WHEN {keyword_match} THEN {KEYWORD_SCORE} ELSE 0 END")
        score = ["0"]
        text_match = "document @@ CAST(:text_query AS tsquery)"
        if text_parts:
            params["text_query"] = " & ".join(text_parts)
            where.append(text_match)
        if folded_words:
            # Ranked on the small title and meta vector: ranking on the whole text would read
            # every matching record's large vector (see the module's docstring).
            # Folded and exact forms together: a word typed with its diacritics matches both forms
            # of a record that has them, so that record ranks above one with the letters alone.
            params["rank_query"] = " | ".join(_lexeme(word) for word in dict.fromkeys(folded_words + exact_words))
            score.append(f"ts_rank('{RANK_WEIGHTS}', ranking, CAST(:rank_query AS tsquery))")
        score += keyword_scores
        # The stale flag is read from its column, not its keyword: a tenth of all records carry it, and
        # through the keyword's index the planner then tested `document @@` on each of them, reading
        # its large text vector back (100 ms for a common word at 75,000 procedures, 23 by the column).
        filter_keys = [key for key in filters.keys() if key.startswith(("tthc:", "law:", "origin:"))]
        if filter_keys:
            params["filter_keys"] = " & ".join(_lexeme(key) for key in filter_keys)
            where.append("keywords @@ CAST(:filter_keys AS tsquery)")
        for column, value in (("agency_code", filters.agency and filters.agency.upper()), ("level", filters.level),
                              ("field_key", filters.field_key), ("status", filters.status)):
            if value:
                params[column] = value
                where.append(f"upper({column}) = :{column}" if column == "agency_code" else f"{column} = :{column}")
        if filters.stale is not None:
            where.append("stale" if filters.stale else "NOT stale")
        condition = " AND ".join(where) or "TRUE"
        # The matches stay in memory (spilled to disk, every facet pass reads them back), the
        # planner, blind to what testing a large text vector costs, uses the GIN index rather than
        # testing `document @@` on every row of a table scan, and no JIT: the estimated cost of a
        # common word crosses jit_above_cost, and compiling took longer than running (173 → 81 ms).
        session.execute(text(f"SET LOCAL work_mem = '{WORK_MEM}'; SET LOCAL enable_seqscan = off; SET LOCAL jit = off"))
        # Plain words (no phrase, no older versions) matching very many records: ranked by those
        # whose title and meta hold every word (see LEADING_ONLY_ABOVE), once the count says so.
        total = None
        if text_parts and not include_history and not any(isinstance(c, Phrase) for c in clauses):
            total = session.scalar(text(f"SELECT count(*) FROM search_documents WHERE {condition}"), params)
            if total <= LEADING_ONLY_ABOVE:
                total = None
        # With older versions, one record per procedure (`best`); otherwise the matches themselves.
        source = "best" if include_history else "matched"
        collapse = ("SELECT DISTINCT ON (procedure_id) * FROM matched "
                    "ORDER BY procedure_id, is_current DESC, version_number DESC NULLS LAST")
        # The one-valued facets in one pass over the matches (grouping sets), the many-valued
        # ones by unnesting their lists; each keeps its most frequent values (facet_limit).
        facet_sql = {name: f"SELECT v, n FROM single WHERE g = {mask}" for name, mask in SINGLE_FACETS.items()}
        for name, column in (("admin_procedure", "admin_codes"), ("legal", "legal_keys")):
            facet_sql[name] = (f"SELECT v, count(*) * step AS n FROM sample, "
                               f"unnest(string_to_array(nullif({column}, ''), ' ')) AS v GROUP BY v, step")
        facet_columns = ",\n".join(
            f"(SELECT coalesce(json_agg(json_build_array(v, n)), '[]') FROM "
            f"({sql} ORDER BY n DESC, v LIMIT {facet_limit(name)}) f_{name}) AS {name}"
            for name, sql in facet_sql.items()
        )
        if folded_words:
            # The body's rank is a subquery under CASE, run only when the size (known once) is within
            # the limit: as a join condition it still read the primary key of every record.
            ranked = (f"SELECT b.id, b.procedure_id, b.version_number, b.is_current, b.agency_code, b.score + "
                      f"CASE WHEN (SELECT total FROM size) <= {FULL_RANK_LIMIT} THEN coalesce(("
                      f"SELECT {BODY_RANK_SHARE} * ts_rank('{RANK_WEIGHTS}', d.document, CAST(:rank_query AS tsquery)) "
                      f"FROM search_documents d WHERE d.id = b.id), 0) ELSE 0 END AS score FROM {source} b")
        else:
            ranked = f"SELECT id, procedure_id, version_number, is_current, agency_code, score FROM {source}"
        columns = ("id, procedure_id, version_number, is_current, agency_code, level, field, status, stale, "
                   f"admin_codes, legal_keys, {' + '.join(score)} AS score")
        if phrase_checks:
            # The words side by side, read from each candidate's positions (its large text vector,
            # out of line): below the limit only; above it, the adjacent pairs alone decide.
            params["phrase_check"] = " & ".join(phrase_checks)
            matched = f"""
                candidates AS MATERIALIZED (SELECT {columns} FROM search_documents WHERE {condition}),
                matched AS MATERIALIZED (
                    SELECT * FROM candidates c
                    WHERE (SELECT count(*) FROM candidates) > {PHRASE_CHECK_LIMIT} OR EXISTS (
                        SELECT FROM search_documents d
                        WHERE d.id = c.id AND d.document @@ CAST(:phrase_check AS tsquery))
                ),"""
        else:
            matched = f"matched AS MATERIALIZED (SELECT {columns} FROM search_documents WHERE {condition}),"
        # The page is sorted straight from the scores as they are computed: no materialized copy.
        page = f"SELECT * FROM ({ranked}) ranked ORDER BY score DESC, agency_code, procedure_id OFFSET :offset LIMIT :limit"
        if phrase_checks:
            # Above the limit the shown page is still checked, in rank order until it is full (a
            # record with every pair but not the words side by side is passed over).
            page = (f"SELECT * FROM (SELECT * FROM ({ranked}) ranked ORDER BY score DESC, agency_code, procedure_id "
                    f"LIMIT :offset + :limit + {PAGE_CHECK_SLACK}) r WHERE EXISTS (SELECT FROM search_documents d "
                    f"WHERE d.id = r.id AND d.document @@ CAST(:phrase_check AS tsquery)) OFFSET :offset LIMIT :limit")
        size = f"SELECT count(*) AS total FROM {source}"
        sample = (f"SELECT admin_codes, legal_keys, greatest(1, total / {FACET_SAMPLE}) AS step FROM {source}, size "
                  f"WHERE (procedure_id::bigint * {SAMPLE_MULTIPLIER}) % greatest(1, total / {FACET_SAMPLE}) = 0")
        single_source, single_count = source, "count(*)"
        if total is not None:
            # Ranked: the records whose title and meta hold every word, from the GIN index of
            # `ranking` (a subset of the matches: those words are in `document` too). The others are
            # read again, without a rank, only when the page reaches past the ranked ones; the facets
            # are counted on a sample (estimates, scaled to the count), so no pass keeps every match.
            params["total"] = total
            params["step"] = max(1, total // MANY_MATCHES_SAMPLE)
            ranked_first = " AND ".join(["ranking @@ CAST(:text_query AS tsquery)"]
                                        + [part for part in where if part != text_match])
            matched = f"""
                sampled AS MATERIALIZED (SELECT agency_code, level, field, status, stale, admin_codes, legal_keys
                    FROM search_documents WHERE {condition}
                    AND (procedure_id::bigint * {SAMPLE_MULTIPLIER}) % :step = 0),
                ranked_first AS MATERIALIZED (SELECT id, procedure_id, version_number, is_current, agency_code,
                    {' + '.join(score)} AS score FROM search_documents WHERE {ranked_first}),"""
            size = "SELECT CAST(:total AS bigint) AS total"
            sample = "SELECT admin_codes, legal_keys, CAST(:step AS bigint) AS step FROM sampled"
            single_source, single_count = "sampled", "count(*) * :step"
            page = f"""SELECT procedure_id, version_number, is_current, score FROM (
                (SELECT procedure_id, version_number, is_current, score, 1 AS leads, agency_code FROM ranked_first
                 ORDER BY score DESC, agency_code, procedure_id LIMIT :offset + :limit)
                UNION ALL
                (SELECT procedure_id, version_number, is_current, {' + '.join(['0'] + keyword_scores)} AS score,
                        0 AS leads, agency_code FROM search_documents
                 WHERE {condition} AND (SELECT count(*) FROM ranked_first) < :offset + :limit
                 AND id NOT IN (SELECT id FROM ranked_first)
                 ORDER BY score DESC, agency_code, procedure_id LIMIT :offset + :limit)
            ) both_parts ORDER BY leads DESC, score DESC, agency_code, procedure_id OFFSET :offset LIMIT :limit"""
        statement = f"""
            WITH {matched}
            {f'best AS MATERIALIZED ({collapse}),' if include_history else ''}
            size AS MATERIALIZED ({size}),
            sample AS MATERIALIZED ({sample}),
            single AS MATERIALIZED (
                SELECT GROUPING(agency_code, level, field, status, stale) AS g,
                       coalesce(agency_code, level, field, status,
                                CASE WHEN stale THEN 'true' WHEN NOT stale THEN 'false' END) AS v,
                       {single_count} AS n
                FROM {single_source} GROUP BY GROUPING SETS ((agency_code), (level), (field), (status), (stale))
            )
            SELECT (SELECT total FROM size) AS total,
                   (SELECT coalesce(json_agg(json_build_array(procedure_id, version_number, is_current, score)), '[]')
                    FROM ({page}) page) AS hits,
                   {facet_columns}
        """
        row = session.execute(text(statement), params).one()
        values = row._mapping

        def parsed(value):
            return json.loads(value) if isinstance(value, str) else value

        hits = [BackendHit(doc_key=f"{pid}:{number}", procedure_id=pid, version_number=number, is_current=current,
                           score=round(float(score_value), 4))
                for pid, number, current, score_value in parsed(values["hits"])]
        facets = {name: [(str(v), int(n)) for v, n in parsed(values[name])] for name in facet_sql}
        return BackendResult(total=int(values["total"]), hits=hits, facets=facets)
