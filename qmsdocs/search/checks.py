"""`qms check`: does the search index hold exactly what the database says?"""

from __future__ import annotations

from qmsdocs.integrity import Finding
from qmsdocs.search import indexer
from qmsdocs.search.backend import IndexBusy
from qmsdocs.search.documents import procedure_states

# A mark younger than this belongs to a writer that is indexing right now.
IN_FLIGHT_SECONDS = 60


def check_index(repair: bool) -> list[Finding]:
    """Compare every procedure's signature and records with the index; --repair reindexes the differences."""
    backend = indexer.get_backend()
    states = procedure_states()
    indexed = backend.indexed_state()
    in_flight = {pid for pid, _ in indexer.pending_marks()} - {pid for pid, _ in
                                                                indexer.pending_marks(IN_FLIGHT_SECONDS)}
    findings: dict[int, Finding] = {}
    for pid, state in states.items():
        if pid in in_flight:
            continue
        held = indexed.get(pid)
        subject = f"quy trình {pid} ({state.code})"
        if held is None:
            findings[pid] = Finding("index_missing", subject, "không có trong chỉ mục tìm kiếm")
        elif held[0] != set(state.record_signatures().values()) or held[1] != set(state.doc_keys):
            findings[pid] = Finding("index_stale", subject, "chỉ mục tìm kiếm khác cơ sở dữ liệu (chưa cập nhật)")
    for pid in indexed.keys() - states.keys():
        findings[pid] = Finding("index_orphan", f"quy trình {pid}", "còn trong chỉ mục nhưng không có trong cơ sở dữ liệu")
    for pid, attempts in indexer.pending_marks(IN_FLIGHT_SECONDS):
        if pid not in findings:
            note = f" sau {attempts} lần thử lỗi" if attempts else ""
            findings[pid] = Finding("index_pending", f"quy trình {pid}", f"đang chờ cập nhật chỉ mục{note}")
    if repair and findings:
        try:
            indexer.apply(sorted(findings), timeout=120)
        except IndexBusy:
            return list(findings.values())
        for finding in findings.values():
            finding.repaired = True
    return list(findings.values())
