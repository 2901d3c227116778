"""The Whoosh backend's writer leaves no index file open when a commit fails."""

from __future__ import annotations

import gc

import pytest
from whoosh.writing import SegmentWriter

from qmsdocs.search.backend import IndexBusy
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
