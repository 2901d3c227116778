"""Detailing regulations lapse with their parent (Law 64/2025/QH15 on promulgation of legal
documents, as amended by Law 87/2025/QH15): a document that details or guides another expires
together with it unless the registry says otherwise.

A pure function of the registry's relations, so the registry page (status and reason) and
the alert rules infer the same thing. Bad data with cycles cannot hang it: each document is
settled once, at the earliest date one of its ancestors lapses.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from qmsdocs.db import session
from qmsdocs.legal.models import LegalChange, LegalDocument

# Changes after which a document no longer applies at all.
LAPSING_CHANGES = ("replaced", "repealed", "expired")
# Relations by which a document depends on another (the `by` document details or guides it).
DETAILING_CHANGES = ("detailed", "guided")


@dataclass(frozen=True)
class OwnLapse:
    """A document's own replacement, repeal or expiry."""

    change_id: int
    effective_on: date
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Lapse:
    """`document_id` lapses with `parent_id` (which it details or guides) on `effective_on`."""

    document_id: int
    parent_id: int
    relation: str  # detailed | guided
    root_document_id: int
    root_change_id: int
    effective_on: date


def detailing_edges(rows: Iterable[tuple[int, str, int | None]]) -> dict[int, list[tuple[int, str]]]:
    """parent id -> [(child id, relation)] from (document_id, kind, by_document_id) change rows."""
    children: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for parent_id, kind, child_id in rows:
        if kind in DETAILING_CHANGES and child_id is not None and child_id != parent_id:
            children[parent_id].append((child_id, kind))
    return children


def infer_lapses(children: dict[int, list[tuple[int, str]]], own: dict[int, OwnLapse],
                 status_set_at: dict[int, datetime] | None = None) -> dict[int, Lapse]:
    """Every document that lapses with an ancestor, transitively, at the earliest such date.

    A document with its own replacement, repeal or expiry follows that (and passes it on to its
    own children); one whose status an administrator set by hand after the ancestor's change was
    recorded keeps that status (and so do its children through it).
    """
    status_set_at = status_set_at or {}
    heap: list[tuple[date, int, int, int]] = []  # (date, root change, root document, document)
    for document_id, lapse in own.items():
        heapq.heappush(heap, (lapse.effective_on, lapse.change_id, document_id, document_id))
    settled: set[int] = set()
    inferred: dict[int, Lapse] = {}
    recorded = {lapse.change_id: lapse.recorded_at for lapse in own.values()}
    while heap:
        day, change_id, root_id, document_id = heapq.heappop(heap)
        if document_id in settled:
            continue
        settled.add(document_id)
        for child_id, relation in children.get(document_id, ()):
            if child_id in settled or child_id in own:
                continue
            set_at, root_recorded = status_set_at.get(child_id), recorded.get(change_id)
            if set_at is not None and (root_recorded is None or set_at >= root_recorded):
                continue
            if child_id not in inferred or (day, change_id) < (inferred[child_id].effective_on,
                                                                inferred[child_id].root_change_id):
                inferred[child_id] = Lapse(child_id, document_id, relation, root_id, change_id, day)
                heapq.heappush(heap, (day, change_id, root_id, child_id))
    return inferred


def creates_cycle(children: dict[int, list[tuple[int, str]]], parent_id: int, child_id: int) -> bool:
    """Whether recording `child_id` as detailing `parent_id` would close a loop (or is a self-loop)."""
    if parent_id == child_id:
        return True
    seen, stack = set(), [child_id]
    while stack:
        current = stack.pop()
        if current == parent_id:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack.extend(grandchild for grandchild, _relation in children.get(current, ()))
    return False


def descendants(children: dict[int, list[tuple[int, str]]], roots: Iterable[int]) -> set[int]:
    """The roots and every document detailing or guiding them, transitively (cycles safe)."""
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        stack.extend(child for child, _relation in children.get(current, ()))
    return seen


def load_graph():
    """(children by parent, own lapses, hand-set statuses) as the registry holds them now."""
    children = detailing_edges(session.execute(
        select(LegalChange.document_id, LegalChange.kind, LegalChange.by_document_id)
        .where(LegalChange.kind.in_(DETAILING_CHANGES))))
    own: dict[int, OwnLapse] = {}
    for change_id, document_id, effective_on, recorded_at in session.execute(
            select(LegalChange.id, LegalChange.document_id, LegalChange.effective_on, LegalChange.recorded_at)
            .where(LegalChange.kind.in_(LAPSING_CHANGES)).order_by(LegalChange.effective_on, LegalChange.id)):
        own.setdefault(document_id, OwnLapse(change_id, effective_on, recorded_at))
    status_set_at = dict(session.execute(select(LegalDocument.id, LegalDocument.status_set_at)
                                         .where(LegalDocument.status_set_at.is_not(None))).all())
    return children, own, status_set_at


def current_lapses() -> dict[int, Lapse]:
    """Every inferred lapse in the registry now (dates may lie ahead: upcoming)."""
    children, own, status_set_at = load_graph()
    return infer_lapses(children, own, status_set_at)
