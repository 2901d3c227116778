"""Archive parts: what a later area adds to an agency's share of the archive, without the archive knowing it.

An area registers one `ArchivePart` from its init_app (`register_part`). The export writes each part's
records to `records/agency-NNNN/<name>.jsonl` beside the core members, and the blobs the records name
(`blobs(record)`) to `blobs/` like version files, listed in the manifest with their checksums. The
import stores those blobs (checked) before the agency's write transaction, then, inside it and after
the core rows (procedures, versions, alerts), hands each part its records with the id maps built so
far (`ImportContext`). This module imports no area: areas import it (tests/test_architecture.py).

Rules a part keeps, so the import stays all-or-nothing per agency and idempotent:
- rows tied to a procedure or a version are written only for those this run brought in
  (`ImportContext.procedures`, `.versions`): a second run brings in none, so writes none;
- rows of the agency itself (a policy, a request for a new procedure) are written only when
  `already_imported` is false, and matched against what the target already holds;
- a person is named by username in the archive; one who does not exist here is kept by name
  where the model has a column for it, otherwise in the details of an audit event;
- a part raises to refuse; the importer rolls the whole agency back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

_NAME = re.compile(r"^[a-z_]+$")


@dataclass
class ExportContext:
    """One agency being exported: its id and its procedures' ids in the source service."""

    agency_id: int
    agency_code: str
    procedure_ids: list[int]
    # user id (or None) → username, looked up once each; `recorded` is returned for None.
    user_name: Callable[..., str | None]


@dataclass
class ImportContext:
    """One agency being imported, with what the core import wrote for it in this run."""

    archive_id: str
    source_code: str  # the agency's code in the archive
    agency_id: int  # the agency here
    already_imported: bool  # an earlier run of this archive filled this agency
    procedures: dict[int, int]  # procedure id in the archive → id here (brought in by this run)
    versions: dict[tuple[int, int], int]  # (procedure id in the archive, version number) → version id here
    alerts: dict[int, int]  # alert id in the archive → id here
    users: dict[str, int]  # username → user id here
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ArchivePart:
    # Member name (records/agency-NNNN/<name>.jsonl): lowercase letters and underscores.
    name: str
    # The records of one agency, in a stable order; streamed, never all in memory.
    export: Callable[[ExportContext], Iterator[dict]]
    # (sha256, size or None) of every blob one record needs. A record tied to a procedure names it in
    # `procedure_source_id`: its blobs are stored only when the run brings that procedure in.
    blobs: Callable[[dict], Iterable[tuple[str, int]]]
    # Write the records into this service; returns how many rows were written.
    load: Callable[[ImportContext, Iterable[dict]], int]
    # What the part holds, for the manifest and messages (Vietnamese).
    label: str = ""


_parts: dict[str, ArchivePart] = {}


def register_part(part: ArchivePart) -> ArchivePart:
    """Called from an area's init_app; registering the same name again replaces it (one per app)."""
    from qmsdocs.archive.format import AGENCY_RECORDS

    if not _NAME.match(part.name) or part.name in AGENCY_RECORDS:
        raise ValueError(f"archive part name must match {_NAME.pattern} and not be a core member: {part.name!r}")
    _parts[part.name] = part
    return part


def registered_parts() -> list[ArchivePart]:
    return [_parts[name] for name in sorted(_parts)]
