"""Generation folders: how both embedded backends (tantivy, Whoosh) keep their index on disk.

Each full build writes a new folder `gen-<time>-<id>` beside the one in use; a pointer file
names the folder searches read, replaced atomically when the build is done, so search keeps
answering from the old folder meanwhile. A `SCHEMA` marker in each folder says which record
layout it holds: an older layout is not used, and the next build replaces it. One writer at a
time per index, across processes, through an exclusive lock on a file beside the folders.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from qmsdocs.search.backend import IndexBusy
from qmsdocs.search.stale_flags import StaleFlags

POINTER = "CURRENT"
LOCK_FILE = "WRITELOCK"


class GenerationFolders:
    """The folder, pointer and writer lock part of an embedded backend.

    A subclass sets `schema_version`, creates its empty index in `_create_index(path)` and may
    extend `_cleanup` to drop what it keeps open on removed folders.
    """

    schema_version: str

    def __init__(self, root: Path):
        self.root = Path(root)
        self._stale_flags = StaleFlags()

    def _create_index(self, path: Path) -> None:
        raise NotImplementedError

    def _pointer(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        return name or None

    def _set_pointer(self, name: str) -> None:
        temporary = self.root / f"{POINTER}.tmp"
        temporary.write_text(name, encoding="ascii")
        os.replace(temporary, self.root / POINTER)

    def _generation_ok(self, name: str | None) -> bool:
        if not name:
            return False
        marker = self.root / name / "SCHEMA"
        return marker.exists() and marker.read_text(encoding="ascii").strip() == self.schema_version

    def _new_generation(self) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        path.mkdir()
        self._create_index(path)
        (path / "SCHEMA").write_text(self.schema_version, encoding="ascii")
        return path

    def ensure_index(self) -> bool:
        if self._generation_ok(self._pointer()):
            return False
        with self._write_lock(timeout=60):
            if self._generation_ok(self._pointer()):
                return False
            self._set_pointer(self._new_generation().name)
        return True

    def _switch_to(self, path: Path) -> None:
        """Searches read the newly built generation from now on; the older ones go, but for the
        one just replaced (a search may still be reading it)."""
        with self._write_lock(timeout=600):
            previous = self._pointer()
            self._set_pointer(path.name)
        self._cleanup({path.name, previous or ""})

    def _cleanup(self, keep: set[str]) -> None:
        """Remove generations neither in use nor just replaced (a search may still be reading it)."""
        for path in self.root.glob("gen-*"):
            if path.name not in keep and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
        self._stale_flags.forget({self.root / name for name in keep})

    @contextmanager
    def _write_lock(self, timeout: float):
        self.root.mkdir(parents=True, exist_ok=True)
        handle = open(self.root / LOCK_FILE, "a+b")
        deadline = time.monotonic() + timeout
        try:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise IndexBusy(f"search index busy for more than {timeout:.0f}s") from None
                    time.sleep(0.02)
            yield
        finally:
            handle.close()  # closing releases the lock
