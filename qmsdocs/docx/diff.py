"""Paragraph-level comparison of two revisions of a procedure, with word-level marks.

Paragraphs are compared by their normalized text (NFC, collapsed whitespace) so that a
re-typed accent or a double space does not show up as a change. Blank paragraphs are
ignored. Indexes in the result refer to the caller's original lists.

List labels ("3.", "Bước 3:", "Điều 5.", "b)") are set apart before comparing: paragraphs
are aligned by what follows the label. Inserting a step renumbers every later one, yet none
of them changed: each is an "equal" op marked `renumbered`, with only its label shown as
removed and added, while the inserted step is the one "added" op.
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
# A label at the start of a paragraph: Word's generated ones end in a tab; typed ones
# ("1. ", "a) ", "Điều 5. ") in punctuation and a space. An optional label word comes first.
_LABEL_WORDS = r"(?:bước|điều|khoản|điểm|mục|chương|phần|phụ lục|step|article|section|chapter|part)"
_LABEL = re.compile(
    rf"^(?P<label>(?:{_LABEL_WORDS}\s+)?[(\[]?(?:\d{{1,4}}|[ivxlcdm]{{1,7}}|[IVXLCDM]{{1,7}}|[a-zA-ZđĐ])"
    r"(?:[.\-](?:\d{1,4}|[a-zA-Z]))*[.):\]]*"
    r"|[•◦▪■□●○❖➢✓\-–—+*])"
    r"(?:\t|(?<=[.):\]•◦▪■□●○❖➢✓\-–—+*]) )",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class DiffOp:
    op: str
    old_index: int | None = None
    new_index: int | None = None
    old_text: str | None = None
    new_text: str | None = None
    old_html: str | None = None
    new_html: str | None = None
    # Same content under another list label: the step moved in its list, nothing else changed.
    renumbered: bool = False


def diff_paragraphs(old: list[str], new: list[str]) -> list[DiffOp]:
    """Ops in reading order: equal, added, removed, or changed (with inline <del>/<ins>)."""
    old_items = _non_blank(old)
    new_items = _non_blank(new)
    matcher = difflib.SequenceMatcher(None, [_body(t) for _, t in old_items], [_body(t) for _, t in new_items],
                                      autojunk=False)
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
    """NFC, whitespace collapsed; a label's tab is kept so the label stays recognizable."""
    text = unicodedata.normalize("NFC", text).strip()
    label, body = split_label(text)
    body = _SPACES.sub(" ", body).strip()
    return f"{label}\t{body}" if label else body


def split_label(text: str) -> tuple[str, str]:
    """(list label, the rest) of a paragraph's text; ("", text) when it has no label."""
    match = _LABEL.match(text)
    if not match:
        return "", text
    return match.group("label"), text[match.end():].lstrip()


def _body(text: str) -> str:
    return split_label(text)[1]


def _shown(text: str) -> str:
    """A normalized paragraph as displayed: label and text separated by a space."""
    return text.replace("\t", " ", 1)


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
    return difflib.SequenceMatcher(None, _body(old_text).split(), _body(new_text).split(), autojunk=False).ratio()


def _equal(old_item: tuple[int, str], new_item: tuple[int, str]) -> DiffOp:
    old_text, new_text = _shown(old_item[1]), _shown(new_item[1])
    old_label, body = split_label(old_item[1])
    new_label = split_label(new_item[1])[0]
    if old_label == new_label:
        return DiffOp("equal", old_item[0], new_item[0], old_text, new_text)
    escaped = html.escape(body)
    old_html = f"<del>{html.escape(old_label)}</del> {escaped}" if old_label else escaped
    new_html = f"<ins>{html.escape(new_label)}</ins> {escaped}" if new_label else escaped
    return DiffOp("equal", old_item[0], new_item[0], old_text, new_text, old_html, new_html, renumbered=True)


def _removed(item: tuple[int, str]) -> DiffOp:
    text = _shown(item[1])
    return DiffOp("removed", old_index=item[0], old_text=text, old_html=html.escape(text))


def _added(item: tuple[int, str]) -> DiffOp:
    text = _shown(item[1])
    return DiffOp("added", new_index=item[0], new_text=text, new_html=html.escape(text))


def _changed(old_item: tuple[int, str], new_item: tuple[int, str]) -> DiffOp:
    old_text, new_text = _shown(old_item[1]), _shown(new_item[1])
    old_html, new_html = inline_diff(old_text, new_text)
    return DiffOp("changed", old_item[0], new_item[0], old_text, new_text, old_html, new_html)
