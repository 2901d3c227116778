"""What the index holds for each procedure, read from the database in bulk.

A procedure gives one record for its current version (key `p<procedure id>`; a procedure
with no approved version yet is still found by its code, title, agency and TTHC) and one
record per older approved version (key `v<version id>`), searched only on request. Drafts
waiting for approval and returned drafts are not searchable.

Every record carries its own signature: a fingerprint of everything indexed in it (the
procedure's facts and the version it holds). Version text and citations never change once
stored, so version ids stand for them, and signatures are cheap to compute for every
procedure when `qms check` compares index and database. Because a record's signature does not
depend on the other records, a change rewrites only the records whose signature changed: a new
current version rewrites the current record and adds the previous one to the history, whatever
the length of the history.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select

from qmsdocs.agencies.models import ORIGIN_PROVINCE, Agency
from qmsdocs.catalog.services import admin_procedure_names as catalog_names
from qmsdocs.db import session
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion

CHUNK = 400


@dataclass(frozen=True)
class AttachedText:
    """Text a version carries besides its own (attached forms), given by the area that stores it.

    `fingerprints(version_ids)` → {version id: what changes when that text changes};
    `texts(version_ids)` → {version id: the text}. Only the current version's record holds it.
    """

    fingerprints: Callable[[list[int]], dict[int, str]]
    texts: Callable[[list[int]], dict[int, str]]


_attached: list[AttachedText] = []


def register_attached_text(source: AttachedText) -> None:
    if source not in _attached:
        _attached.append(source)


def _attached_fingerprints(version_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = defaultdict(list)
    for source in _attached:
        for version_id, fingerprint in source.fingerprints(version_ids).items():
            if fingerprint:
                found[version_id].append(fingerprint)
    return {version_id: "|".join(parts) for version_id, parts in found.items()}


def _attached_texts(version_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = defaultdict(list)
    for source in _attached:
        for version_id, text in source.texts(version_ids).items():
            if text:
                found[version_id].append(text)
    return {version_id: "\n".join(parts) for version_id, parts in found.items()}
STALE_FLAGS = {True: "1", False: "0"}


def content_signature(signature: str) -> str:
    """A record's signature without its stale flag."""
    return signature.rpartition(":")[0] or signature


def with_stale_flag(signature: str, stale: bool) -> str:
    return f"{content_signature(signature)}:{STALE_FLAGS[stale]}"


@dataclass
class IndexedDoc:
    key: str
    procedure_id: int
    version_id: int | None
    version_number: int | None
    is_current: bool
    code: str
    title: str
    agency_code: str
    agency_name: str
    level: str
    field: str | None
    status: str
    stale: bool
    # (TTHC code, name or None when the catalog does not know it)
    admin_procedures: list[tuple[str, str | None]]
    legal_keys: list[str]
    text: str
    signature: str
    # The former province the agency comes from (or its province): filter and facet of a merged province.
    origin: str | None = None

    @property
    def admin_codes(self) -> list[str]:
        return [code for code, _name in self.admin_procedures]


@dataclass
class ProcedureState:
    """A procedure's indexable facts apart from version text and citations."""

    procedure_id: int
    code: str
    title: str
    field: str | None
    status: str
    stale: bool
    agency_code: str
    agency_name: str
    level: str
    current_version: tuple[int, int] | None  # (version id, number)
    history: list[tuple[int, int]]  # older approved versions (id, number), oldest first
    admin_procedures: list[tuple[str, str | None]] = field(default_factory=list)
    # Fingerprint of the attached text of the current version (its forms); "" when it has none.
    attached: str = ""
    origin: str | None = None

    @property
    def doc_keys(self) -> frozenset[str]:
        return frozenset([f"p{self.procedure_id}", *(f"v{version_id}" for version_id, _ in self.history)])

    def record_signatures(self) -> dict[str, str]:
        """Record key → the fingerprint of what that record holds: its content, then its stale flag.

        The flag is apart (`<content>:1` or `<content>:0`) because alerts move it far more often
        than anything else changes: a record whose content is unchanged gets a flag-only update.
        """
        facts = [self.code, self.title, self.field, self.status, self.agency_code, self.agency_name,
                 self.level, self.admin_procedures]
        if self.origin:  # only then: records of a service without provinces keep their signatures
            facts.append(self.origin)
        flag = STALE_FLAGS[self.stale]

        def signature(key: str, version) -> str:
            content = hashlib.sha256(json.dumps([key, version, *facts], ensure_ascii=False).encode()).hexdigest()[:32]
            return f"{content}:{flag}"

        current = [self.current_version, self.attached] if self.attached else self.current_version
        signatures = {f"p{self.procedure_id}": signature(f"p{self.procedure_id}", current)}
        for version_id, number in self.history:
            signatures[f"v{version_id}"] = signature(f"v{version_id}", [version_id, number])
        return signatures


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start: start + CHUNK]


def all_procedure_ids() -> list[int]:
    return list(session.scalars(select(Procedure.id).order_by(Procedure.id)))


def procedure_states(procedure_ids: Iterable[int] | None = None) -> dict[int, ProcedureState]:
    """The indexable facts of these procedures (all when None); absent ids are left out."""
    ids = sorted(set(procedure_ids)) if procedure_ids is not None else all_procedure_ids()
    states: dict[int, ProcedureState] = {}
    for chunk in _chunks(ids):
        current_ids: dict[int, int | None] = {}
        rows = session.execute(
            select(Procedure.id, Procedure.code, Procedure.title, Procedure.field, Procedure.status,
                   Procedure.open_alerts, Procedure.current_version_id, Agency.code, Agency.name, Agency.level,
                   ORIGIN_PROVINCE)
            .join(Agency, Agency.id == Procedure.agency_id)
            .where(Procedure.id.in_(chunk))
        )
        for pid, code, title, field_name, status, open_alerts, current_id, a_code, a_name, level, origin in rows:
            states[pid] = ProcedureState(pid, code, title, field_name, status, (open_alerts or 0) > 0,
                                         a_code, a_name, level, None, [], origin=origin)
            current_ids[pid] = current_id
        versions = session.execute(
            select(ProcedureVersion.procedure_id, ProcedureVersion.id, ProcedureVersion.number,
                   ProcedureVersion.state, ProcedureVersion.in_force_from)
            .where(ProcedureVersion.procedure_id.in_(chunk))
            .order_by(ProcedureVersion.procedure_id, ProcedureVersion.number)
        )
        for pid, version_id, number, state_name, in_force_from in versions:
            state = states.get(pid)
            if state is None:
                continue
            if current_ids.get(pid) == version_id:
                state.current_version = (version_id, number)
            elif state_name == "approved" and (in_force_from is not None or (
                    state.current_version is None and current_ids.get(pid) is not None)):
                # Past versions only: one approved but still waiting for its effective date (never in
                # force, newer than the current one) is not history. Versions come in number order.
                state.history.append((version_id, number))
        current_versions = {s.current_version[0]: s for s in states.values()
                            if s.current_version and s.procedure_id in current_ids}
        if current_versions and _attached:
            for version_id, fingerprint in _attached_fingerprints(list(current_versions)).items():
                current_versions[version_id].attached = fingerprint
        links = session.execute(
            select(ProcedureAdminProcedure.procedure_id, ProcedureAdminProcedure.code)
            .where(ProcedureAdminProcedure.procedure_id.in_(chunk))
            .order_by(ProcedureAdminProcedure.procedure_id, ProcedureAdminProcedure.code)
        )
        codes_by_procedure: dict[int, list[str]] = defaultdict(list)
        for pid, code in links:
            codes_by_procedure[pid].append(code)
        names = admin_procedure_names(sorted({c for codes in codes_by_procedure.values() for c in codes}))
        for pid, codes in codes_by_procedure.items():
            if pid in states:
                states[pid].admin_procedures = [(code, names.get(code)) for code in codes]
    return states


def admin_procedure_names(codes: list[str]) -> dict[str, str]:
    """TTHC names from the catalog, so a search for the procedure's name finds it."""
    return catalog_names(codes) if codes else {}


def documents_for(procedure_ids: Iterable[int], states: dict[int, ProcedureState] | None = None,
                  only: dict[int, set[str]] | None = None) -> dict[int, list[IndexedDoc]]:
    """Records of these procedures, with text; a procedure no longer in the database maps to [].

    `only` limits each procedure to the record keys named (their text alone is read).
    """
    ids = sorted(set(procedure_ids))
    states = procedure_states(ids) if states is None else states

    def wanted(pid: int, key: str) -> bool:
        return only is None or key in only.get(pid, ())

    result: dict[int, list[IndexedDoc]] = {pid: [] for pid in ids}
    wanted_versions = [v for pid, s in states.items()
                       for v in ([s.current_version] if s.current_version and wanted(pid, f"p{pid}") else [])
                       + [h for h in s.history if wanted(pid, f"v{h[0]}")]]
    version_ids = [version_id for version_id, _ in wanted_versions]
    texts: dict[int, str] = {}
    keys: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(version_ids):
        texts.update(session.execute(select(ProcedureVersion.id, ProcedureVersion.text)
                                     .where(ProcedureVersion.id.in_(chunk))).all())
        for version_id, key in session.execute(
            select(Citation.version_id, Citation.key).where(Citation.version_id.in_(chunk)).order_by(Citation.id)
        ):
            if key not in keys[version_id]:
                keys[version_id].append(key)
    current_ids = [s.current_version[0] for pid, s in states.items()
                   if s.current_version and s.attached and wanted(pid, f"p{pid}")]
    attached = _attached_texts(current_ids) if current_ids else {}
    for pid, state in states.items():
        if pid not in result:
            continue
        signatures = state.record_signatures()
        records = [(f"p{pid}", state.current_version, True)]
        records += [(f"v{version_id}", (version_id, number), False) for version_id, number in state.history]
        for key, version, is_current in records:
            if not wanted(pid, key):
                continue
            version_id, number = version if version else (None, None)
            result[pid].append(IndexedDoc(
                key=key, procedure_id=pid, version_id=version_id, version_number=number, is_current=is_current,
                code=state.code, title=state.title, agency_code=state.agency_code, agency_name=state.agency_name,
                level=state.level, field=state.field, status=state.status, stale=state.stale,
                admin_procedures=state.admin_procedures, legal_keys=keys.get(version_id, []) if version_id else [],
                text=_with_attached(texts.get(version_id, ""), attached.get(version_id) if is_current else None)
                if version_id else "", signature=signatures[key], origin=state.origin,
            ))
    return result


def _with_attached(text: str, attached: str | None) -> str:
    return f"{text}\n{attached}" if attached else text
