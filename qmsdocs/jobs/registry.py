"""The kinds of background job, registered by the areas that own them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    """A kind of background work.

    `step` does some due work inside an app context and returns how many items it handled
    (0: nothing due); the worker commits after it, or rolls back and retries later when it
    raises. Steps must be idempotent: one cut short by a crash is run again from the
    database's state. `lag` says how long the oldest waiting item has waited, in seconds.
    """

    name: str
    title: str
    step: Callable[[], int]
    lag: Callable[[], float | None] = lambda: None


class Busy(Exception):
    """A step found its resource held by someone else (an index writer): retry soon, not a failure."""


_kinds: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    _kinds[kind.name] = kind
    return kind


def registered_kinds() -> list[JobKind]:
    return list(_kinds.values())
