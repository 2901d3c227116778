"""Integrity check of the blob store against the versions that reference it (`qms check`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from sqlalchemy import select

from qmsdocs.db import session
from qmsdocs.integrity import Finding
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.storage import blob_store

# A blob younger than this may belong to an upload whose row is about to commit.
ORPHAN_GRACE_SECONDS = 600

# Other areas that keep files in the blob store (attached forms) say which blobs they use, so
# those are checked like version files and never taken for orphans: () -> [(sha256, who uses it)].
BlobReferences = Callable[[], Iterable[tuple[str, str]]]
_blob_references: list[BlobReferences] = []


def register_blob_references(func: BlobReferences) -> None:
    if func not in _blob_references:
        _blob_references.append(func)


def check_blobs(repair: bool) -> list[Finding]:
    store = blob_store()
    findings: list[Finding] = []
    referenced: dict[str, list[str]] = {}
    for procedure_id, number, sha in session.execute(
        select(ProcedureVersion.procedure_id, ProcedureVersion.number, ProcedureVersion.sha256)
    ):
        referenced.setdefault(sha, []).append(f"quy trình {procedure_id} v{number}")
    for references in _blob_references:
        for sha, user in references():
            referenced.setdefault(sha, []).append(user)
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
