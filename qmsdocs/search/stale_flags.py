"""The stale flag of embedded indexes, moved without rewriting records.

Alerts open and close far more often than procedures change, and neither tantivy nor Whoosh can
change one field of a stored record: rewriting it means reading and analysing every version's
text again. So an embedded index generation keeps, beside its records, a small file of the
procedures whose flag moved since their records were written (procedure id → stale). Searches
read it (reloaded when the file changes) and let it override the flag the records carry; a
rebuild starts a new generation without one. Only the single writer writes it, under its lock.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

FILE_NAME = "STALE.json"


class StaleFlags:
    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple | None, dict[int, bool]]] = {}

    def read(self, generation: Path) -> dict[int, bool]:
        """procedure id → stale, for the procedures whose flag moved (empty for most generations)."""
        path = generation / FILE_NAME
        try:
            stat = path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        except FileNotFoundError:
            stamp = None
        with self._lock:
            cached = self._cache.get(path)
            if cached is not None and cached[0] == stamp:
                return cached[1]
        flags = {int(pid): bool(stale) for pid, stale in json.loads(path.read_text("utf-8")).items()} if stamp else {}
        with self._lock:
            self._cache[path] = (stamp, flags)
        return flags

    def write(self, generation: Path, changes: dict[int, bool | None]) -> None:
        """Apply these changes (None: forget the procedure); the caller holds the writer lock."""
        if not changes:
            return
        flags = dict(self.read(generation))
        for pid, stale in changes.items():
            if stale is None:
                flags.pop(pid, None)
            else:
                flags[pid] = stale
        temporary = generation / f"{FILE_NAME}.tmp"
        temporary.write_text(json.dumps({str(pid): stale for pid, stale in sorted(flags.items())}), "utf-8")
        os.replace(temporary, generation / FILE_NAME)

    def forget(self, keep: set[Path]) -> None:
        with self._lock:
            for path in [p for p in self._cache if p.parent not in keep]:
                del self._cache[path]
