"""Previews rendered once per stored file and kept beside the blobs: `<DATA_DIR>/previews/ab/cd/…`.

Converting a Word file to sanitized HTML costs seconds for a large one, so
it must not run on every view. The cache is keyed by what decides its content: the blob's
SHA-256, RENDERER_VERSION (bump it whenever `to_html` changes) and, for large files, the
text limit. It holds nothing that cannot be recomputed: it may be deleted at any time and is
left out of backups.

Files over PREVIEW_FULL_MAX_MB are not converted at all: their preview is the first
PREVIEW_SHORT_CHARS characters of the text already extracted at upload, as plain paragraphs,
and the pages that show it link to the download.
"""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path

from flask import Flask, current_app

from qmsdocs.docx.preview import to_html

RENDERER_VERSION = "2"


def cache_root() -> Path:
    return Path(current_app.config["DATA_DIR"]) / "previews"


def is_short(size: int) -> bool:
    """Large files get the short, text-only preview."""
    return size > current_app.config["PREVIEW_FULL_MAX_BYTES"]


def _cache_path(sha256: str, size: int) -> Path:
    if is_short(size):
        variant = f"short{current_app.config['PREVIEW_SHORT_CHARS']}"
    else:
        variant = "full"
    return cache_root() / sha256[:2] / sha256[2:4] / f"{sha256}.r{RENDERER_VERSION}.{variant}.html"


def short_preview(text: str, limit: int) -> str:
    """The first `limit` characters of the extracted text, cut at a paragraph where possible."""
    kept: list[str] = []
    used = 0
    for paragraph in (line for line in text.split("\n") if line.strip()):
        if used + len(paragraph) > limit:
            if not kept:
                kept.append(paragraph[:limit] + "…")
            break
        kept.append(paragraph)
        used += len(paragraph)
    return "".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in kept)


def preview_html(sha256: str, size: int, load_bytes, text: str) -> str:
    """The sanitized preview of one stored file, from the cache or rendered and cached now."""
    path = _cache_path(sha256, size)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    if is_short(size):
        rendered = short_preview(text, current_app.config["PREVIEW_SHORT_CHARS"])
    else:
        rendered = to_html(load_bytes())
    _store(path, rendered)
    return rendered


def _store(path: Path, content: str) -> None:
    """Atomic, so a reader never sees half a preview; a failure only costs a later re-render."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(tmp_name, path)
    except OSError:
        current_app.logger.warning("could not cache the preview %s", path.name, exc_info=True)


def init_app(app: Flask) -> None:
    full_mb = float(app.config.get("PREVIEW_FULL_MAX_MB") or os.environ.get("QMSDOCS_PREVIEW_FULL_MAX_MB") or 5)
    app.config.setdefault("PREVIEW_FULL_MAX_BYTES", int(full_mb * 1024 * 1024))
    app.config.setdefault("PREVIEW_SHORT_CHARS", int(os.environ.get("QMSDOCS_PREVIEW_SHORT_CHARS", "20000")))

    @app.template_global("preview_is_short")
    def _preview_is_short(version) -> bool:
        return is_short(version.size)
