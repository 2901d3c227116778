"""The integrity checker: returns findings; the caller prints, fails or repairs.

Areas register their checks with `register_check` in their init_app (procedures: the blob store;
search: the index; catalog: search keys); this module imports no area.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Finding:
    kind: str  # missing_blob | corrupt_blob | orphan_blob | stale_temp | index_missing | …
    subject: str
    message: str
    repaired: bool = False

    def line(self) -> str:
        mark = "ĐÃ SỬA" if self.repaired else "LỖI"
        return f"[{mark}] {self.kind}: {self.subject} — {self.message}"


CheckFunc = Callable[[bool], list[Finding]]
_checks: list[CheckFunc] = []


def register_check(func: CheckFunc) -> CheckFunc:
    if func not in _checks:
        _checks.append(func)
    return func


def run_checks(repair: bool = False) -> list[Finding]:
    findings: list[Finding] = []
    for check in _checks:
        findings.extend(check(repair))
    return findings
