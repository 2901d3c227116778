"""Procedures (quy trình) and their immutable versions: the core of qmsdocs."""

from __future__ import annotations


def init_app(app) -> None:
    """Take over procedures when an agency is reorganized; check the blob store in `qms check`."""
    from qmsdocs import events
    from qmsdocs.integrity import register_check
    from qmsdocs.procedures.checks import check_blobs
    from qmsdocs.procedures.transfers import on_procedures_handed_over

    events.procedures_handed_over.connect(on_procedures_handed_over, weak=False)
    register_check(check_blobs)
