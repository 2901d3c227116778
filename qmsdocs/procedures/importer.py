"""Bulk import of a folder of Word files into one agency's procedures (`qms import`).

Each file is one unit of work: the caller (the CLI command, the commit point) commits after a
stored file and rolls back after a refused one, so one bad file loses nothing else. Files that
travel with a procedure file (its forms, `QT-01 BM-01.docx` beside `QT-01.docx`) are recognized
and stored by the area that registers them (`register_companions`), in the same unit of work.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from qmsdocs.agencies.services import get_agency
from qmsdocs.db import session
from qmsdocs.docx.conversion import doc_converter, prepare_upload
from qmsdocs.docx.reader import read_docx
from qmsdocs.docx.safety import check_package
from qmsdocs.errors import Conflict, QmsError
from qmsdocs.procedures import services
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.storage import sha256_hex

WORD_SUFFIXES = {".docx", ".docm", ".doc", ".dotx", ".dot"}
TITLE_PATTERN = re.compile(r"^\s*quy\s*tr[iì]nh\b", re.IGNORECASE)


@dataclass(frozen=True)
class Companions:
    """Files stored with a procedure file rather than as procedures.

    `owner(path)` is the name (stem) of the procedure file a path goes with, or None when the
    path is not such a file; `attach(version, paths, actor, max_bytes)` stores them on the version
    and returns what it did, one line per file (an empty list: nothing new), or raises QmsError.
    """

    owner: Callable[[Path], str | None]
    attach: Callable[..., list[str]]


_companions: list[Companions] = []


def register_companions(companions: Companions) -> None:
    if companions not in _companions:
        _companions.append(companions)


def _owner(path: Path) -> str | None:
    for companions in _companions:
        owner = companions.owner(path)
        if owner:
            return owner
    return None


@dataclass(frozen=True)
class FileOutcome:
    """What importing one file did: created | added | forms (only its forms were new) | unchanged | refused."""

    name: str
    outcome: str
    reason: str | None = None
    # Stored despite these warnings (revision not advanced, same as an earlier version …).
    warnings: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        return self.outcome in ("created", "added", "forms")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # Procedure files already imported whose forms beside them were new.
    forms: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    # Files stored despite warnings (revision not advanced, same as an earlier version …): (file, messages).
    warned: list[tuple[str, list[str]]] = field(default_factory=list)

    def count(self, result: FileOutcome) -> None:
        if result.outcome == "refused":
            self.refused.append((result.name, result.reason))
        else:
            getattr(self, result.outcome).append(result.name)
        if result.warnings:
            self.warned.append((result.name, list(result.warnings)))


def word_files(folder: Path) -> list[Path]:
    """Procedure files below the folder, in a stable order; Word's lock files (~$…) and the files that
    go with a procedure (its forms) are skipped."""
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in WORD_SUFFIXES and not path.name.startswith("~$")
        and _owner(path) is None
    )


def companion_files(folder: Path) -> dict[tuple[Path, str], list[Path]]:
    """(folder, code key of the procedure file's name) → the files that go with it."""
    found: dict[tuple[Path, str], list[Path]] = defaultdict(list)
    if not _companions:
        return found
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.name.startswith("~$"):
            owner = _owner(path)
            if owner:
                found[(path.parent, code_key(owner))].append(path)
    return found


def code_key(code: str) -> str:
    folded = unicodedata.normalize("NFC", code).upper().replace("Đ", "D")
    return re.sub(r"[^0-9A-Z]+", "", folded)


def guess_title(paragraphs, fallback: str) -> str:
    for paragraph in paragraphs:
        text = " ".join(paragraph.text.split())
        if TITLE_PATTERN.match(text) and 10 <= len(text) <= 500:
            return text
    return fallback


def _match_procedure(agency_id: int, doc_code: str | None, stem: str) -> Procedure | None:
    candidates = {code_key(p.code): p for p in session.scalars(select(Procedure).where(Procedure.agency_id == agency_id))}
    for key in (doc_code, stem):
        if key and code_key(key) in candidates:
            return candidates[code_key(key)]
    return None


def import_files(folder: Path, agency_code: str, *, actor, max_bytes: int) -> Iterator[FileOutcome]:
    """Import every Word file in turn, yielding each outcome; the caller commits or rolls back before the next."""
    agency_id = get_agency(agency_code).id
    companions = companion_files(folder)
    for path in word_files(folder):
        name = str(path.relative_to(folder))
        beside = companions.pop((path.parent, code_key(path.stem)), [])
        try:
            outcome, warnings = _import_one(path, agency_id, agency_code, actor=actor, max_bytes=max_bytes)
            if beside:
                outcome, warnings = _attach_companions(path, beside, agency_id, outcome, warnings, actor=actor,
                                                       max_bytes=max_bytes)
        except Conflict as error:
            yield FileOutcome(name, "unchanged") if error.code == "no_change" else \
                FileOutcome(name, "refused", error.message)
        except QmsError as error:
            yield FileOutcome(name, "refused", error.message)
        except OSError as error:
            yield FileOutcome(name, "refused", f"Không đọc được tệp ({error.strerror or error}).")
        else:
            yield FileOutcome(name, outcome, warnings=tuple(warnings))
    for paths in companions.values():
        for path in paths:
            yield FileOutcome(str(path.relative_to(folder)), "refused",
                              "Không có tệp quy trình cùng tên trong thư mục cho tệp này "
                              "(ví dụ 'QT-01 BM-01.docx' cần có 'QT-01.docx' bên cạnh).")


def _attach_companions(path: Path, beside: list[Path], agency_id: int, outcome: str, warnings: list[str], *,
                       actor, max_bytes: int) -> tuple[str, list[str]]:
    """Store the forms beside a procedure file on the version that file is (just stored, or found again)."""
    version = _version_of_file(path, agency_id)
    if version is None:
        return outcome, warnings
    if version.number != version.procedure.latest_version.number:
        return outcome, [*warnings, f"Bỏ qua {len(beside)} biểu mẫu bên cạnh: tệp quy trình là phiên bản cũ "
                                    f"({version.number}) của {version.procedure.code}."]
    done: list[str] = []
    for companions in _companions:
        mine = [p for p in beside if companions.owner(p)]
        if mine:
            done += companions.attach(version, mine, actor=actor, max_bytes=max_bytes)
    if done and outcome == "unchanged":
        outcome = "forms"
    return outcome, [*warnings, *done]


def _version_of_file(path: Path, agency_id: int) -> ProcedureVersion | None:
    """The agency's version stored from this file (by checksum), the latest if several."""
    digest = sha256_hex(path.read_bytes())
    return session.scalar(select(ProcedureVersion).join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
                          .where(ProcedureVersion.sha256 == digest, Procedure.agency_id == agency_id)
                          .order_by(ProcedureVersion.id.desc()).limit(1))


def _import_one(path: Path, agency_id: int, agency_code: str, *, actor, max_bytes: int) -> tuple[str, list[str]]:
    data = path.read_bytes()
    prepared = prepare_upload(data, sha256_hex(data), doc_converter(), max_bytes=max_bytes)
    check_package(prepared.docx, max_bytes=max_bytes)
    content = read_docx(prepared.docx)
    procedure = _match_procedure(agency_id, content.metadata.code, path.stem)
    outcome = "added"
    if procedure is not None and sha256_hex(data) in {v.sha256 for v in procedure.versions}:
        # Already imported (perhaps as an older version): importing a folder again changes nothing.
        return "unchanged", []
    if procedure is None:
        code = (content.metadata.code or path.stem).strip()[:64]
        title = guess_title(content.paragraphs, path.stem)[:500]
        procedure = services.create_procedure(agency_code, code, title, actor=actor)
        outcome = "created"
    result = services.add_version(procedure, data, path.name, note=f"Nhập hàng loạt từ {path.name}", actor=actor,
                                  max_bytes=max_bytes)
    return outcome, [w.message for w in result.details if w.code != "pending_approval"]
