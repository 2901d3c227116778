"""Search backends' writers: a failed commit leaves nothing open; updates touch only the given records."""

from __future__ import annotations

import gc

import pytest
from whoosh.writing import SegmentWriter

from qmsdocs.search.documents import IndexedDoc
from qmsdocs.search.tantivy_backend import TantivyBackend
from qmsdocs.search.whoosh_backend import WhooshBackend


def test_a_failed_commit_cancels_the_other_index_writer(tmp_path, monkeypatch):
    backend = WhooshBackend(tmp_path / "index")
    backend.ensure_index()
    real_commit = SegmentWriter.commit

    def failing_commit(self, *args, **kwargs):
        if self.indexname == "current":
            raise OSError("disk full")
        return real_commit(self, *args, **kwargs)

    monkeypatch.setattr(SegmentWriter, "commit", failing_commit)
    with pytest.raises(OSError, match="disk full"):
        with backend.writer(timeout=1) as writer:
            writer.update(1, [], ["p1"])
    gc.collect()  # an unclosed postings file would warn here (an error under filterwarnings)
    monkeypatch.setattr(SegmentWriter, "commit", real_commit)
    # Both Whoosh locks were released: the next writer does not wait.
    with backend.writer(timeout=1) as writer:
        writer.update(1, [], ["p1"])
    assert backend.indexed_records([1]) == {1: {}}


def _record(key: str, procedure_id: int, number: int, current: bool, signature: str) -> IndexedDoc:
    return IndexedDoc(key=key, procedure_id=procedure_id, version_id=number, version_number=number,
                      is_current=current, code=f"QT-{procedure_id}", title="Cấp giấy phép xây dựng",
                      agency_code="SXD", agency_name="Sở Xây dựng", level="province", field=None,
                      status="active", stale=False, admin_procedures=[], legal_keys=[], text="đất đai",
                      signature=signature)


@pytest.mark.parametrize("backend_class", [WhooshBackend, TantivyBackend])
def test_update_rewrites_and_removes_only_the_given_records(tmp_path, backend_class):
    backend = backend_class(tmp_path / "index")
    backend.ensure_index()
    with backend.writer(timeout=1) as writer:
        writer.replace(1, [_record("p1", 1, 2, True, "a"), _record("v10", 1, 1, False, "b")])
        writer.replace(2, [_record("p2", 2, 1, True, "c")])
    assert backend.indexed_records([1]) == {1: {"p1": "a", "v10": "b"}}
    with backend.writer(timeout=1) as writer:
        writer.update(1, [_record("p1", 1, 3, True, "a2"), _record("v11", 1, 2, False, "d")], ["v10"])
    assert backend.indexed_records([1, 2, 3]) == {1: {"p1": "a2", "v11": "d"}, 2: {"p2": "c"}, 3: {}}
    assert backend.indexed_state() == {1: ({"a2", "d"}, {"p1", "v11"}), 2: ({"c"}, {"p2"})}
