"""The integrity checker: returns findings; the caller prints, fails or repairs.

Areas (search, …) register their own checks with `register_check`.
"""

from __future__ import annotations

from collections.abc import Callable
import time
from dataclasses import dataclass

from sqlalchemy import select

from qmsdocs.db import session
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.storage import blob_store


@dataclass
class Finding:
    kind: str  # missing_blob | corrupt_blob | orphan_blob | stale_temp | index_missing | …
    subject: str
    message: str
    repaired: bool = False

    def line(self) -> str:
        mark = "ĐÃ SỬA" if self.repaired else "LỖI"
        return f"[{mark}] {self.kind}: {self.subject} — {self.message}"


ORPHAN_GRACE_SECONDS = 600

CheckFunc = Callable[[bool], list[Finding]]
_extra_checks: list[CheckFunc] = []


def register_check(func: CheckFunc) -> CheckFunc:
    if func not in _extra_checks:
        _extra_checks.append(func)
    return func


def check_blobs(repair: bool) -> list[Finding]:
    store = blob_store()
    findings: list[Finding] = []
    referenced: dict[str, list[str]] = {}
    for procedure_id, number, sha in session.execute(
        select(ProcedureVersion.procedure_id, ProcedureVersion.number, ProcedureVersion.sha256)
    ):
        referenced.setdefault(sha, []).append(f"quy trình {procedure_id} v{number}")
    for sha, users in referenced.items():
        if not store.exists(sha):
            findings.append(Finding("missing_blob", sha, f"thiếu tệp của {', '.join(users)}"))
        elif not store.verify(sha):
            findings.append(Finding("corrupt_blob", sha, f"tệp của {', '.join(users)} sai checksum"))
    for sha in store.keys():
        if sha not in referenced:
            if store.age_seconds(sha) <= ORPHAN_GRACE_SECONDS:
                # So young it may belong to an upload whose row is about to commit: not a fault yet.
                continue
            finding = Finding("orphan_blob", sha, "tệp không thuộc phiên bản nào (tải lên bị gián đoạn)")
            if repair:
                store.remove_orphan(sha)
                finding.repaired = True
            findings.append(finding)
    for path in store.stale_temporaries():
        finding = Finding("stale_temp", path.name, "tệp tạm còn sót lại sau một lần ghi bị gián đoạn")
        if repair and time.time() - path.stat().st_mtime > ORPHAN_GRACE_SECONDS:
            path.unlink(missing_ok=True)
            finding.repaired = True
        findings.append(finding)
    return findings


def run_checks(repair: bool = False) -> list[Finding]:
    findings = check_blobs(repair)
    for check in _extra_checks:
        findings.extend(check(repair))
    return findings
