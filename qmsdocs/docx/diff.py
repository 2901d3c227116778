"""Paragraph-level comparison of two revisions of a procedure, with word-level marks.

Paragraphs are compared by their normalized text (NFC, collapsed whitespace) so that a
re-typed accent or a double space does not show up as a change. Blank paragraphs are
ignored. Indexes in the result refer to the caller's original lists.
"""

from __future__ import annotations

import difflib
import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

OPS = ("equal", "added", "removed", "changed")
# Below this similarity a replaced paragraph is shown as removed + added, not as edited.
CHANGED_MIN_SIMILARITY = 0.4

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class DiffOp:
    op: str
    old_index: int | None = None
    new_index: int | None = None
    old_text: str | None = None
    new_text: str | None = None
    old_html: str | None = None
    new_html: str | None = None


def diff_paragraphs(old: list[str], new: list[str]) -> list[DiffOp]:
    """Ops in reading order: equal, added, removed, or changed (with inline <del>/<ins>)."""
    old_items = _non_blank(old)
    new_items = _non_blank(new)
    matcher = difflib.SequenceMatcher(None, [t for _, t in old_items], [t for _, t in new_items], autojunk=False)
    ops: list[DiffOp] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            ops += [_equal(o, n) for o, n in zip(old_items[i1:i2], new_items[j1:j2])]
        elif tag == "delete":
            ops += [_removed(item) for item in old_items[i1:i2]]
        elif tag == "insert":
            ops += [_added(item) for item in new_items[j1:j2]]
        else:
            ops += _replaced(old_items[i1:i2], new_items[j1:j2])
    return ops


def summarize(ops: list[DiffOp]) -> dict[str, int]:
    """How many paragraphs fall under each op; every op is present, zero or not."""
    counts = Counter(op.op for op in ops)
    return {name: counts.get(name, 0) for name in OPS}


def normalize_paragraph(text: str) -> str:
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def inline_diff(old_text: str, new_text: str) -> tuple[str, str]:
    """Both sides as escaped HTML, removed words in <del> on the old, added in <ins> on the new."""
    old_words, new_words = old_text.split(" "), new_text.split(" ")
    old_html: list[str] = []
    new_html: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_chunk = html.escape(" ".join(old_words[i1:i2]))
        new_chunk = html.escape(" ".join(new_words[j1:j2]))
        if tag == "equal":
            old_html.append(old_chunk)
            new_html.append(new_chunk)
            continue
        if old_chunk:
            old_html.append(f"<del>{old_chunk}</del>")
        if new_chunk:
            new_html.append(f"<ins>{new_chunk}</ins>")
    return " ".join(old_html), " ".join(new_html)


def _non_blank(paragraphs: list[str]) -> list[tuple[int, str]]:
    normalized = ((index, normalize_paragraph(text)) for index, text in enumerate(paragraphs))
    return [(index, text) for index, text in normalized if text]


def _replaced(old_items: list[tuple[int, str]], new_items: list[tuple[int, str]]) -> list[DiffOp]:
    """Pair replaced paragraphs in order; dissimilar pairs and leftovers are removed/added."""
    ops: list[DiffOp] = []
    for old_item, new_item in zip(old_items, new_items):
        if _similarity(old_item[1], new_item[1]) >= CHANGED_MIN_SIMILARITY:
            ops.append(_changed(old_item, new_item))
        else:
            ops += [_removed(old_item), _added(new_item)]
    paired = min(len(old_items), len(new_items))
    ops += [_removed(item) for item in old_items[paired:]]
    ops += [_added(item) for item in new_items[paired:]]
    return ops


def _similarity(old_text: str, new_text: str) -> float:
    return difflib.SequenceMatcher(None, old_text.split(), new_text.split(), autojunk=False).ratio()


def _equal(old_item: tuple[int, str], new_item: tuple[int, str]) -> DiffOp:
    return DiffOp("equal", old_item[0], new_item[0], old_item[1], new_item[1])


def _removed(item: tuple[int, str]) -> DiffOp:
    return DiffOp("removed", old_index=item[0], old_text=item[1], old_html=html.escape(item[1]))


def _added(item: tuple[int, str]) -> DiffOp:
    return DiffOp("added", new_index=item[0], new_text=item[1], new_html=html.escape(item[1]))


def _changed(old_item: tuple[int, str], new_item: tuple[int, str]) -> DiffOp:
    old_html, new_html = inline_diff(old_item[1], new_item[1])
    return DiffOp("changed", old_item[0], new_item[0], old_item[1], new_item[1], old_html, new_html)
