"""Bulk import of a folder of Word files into one agency's procedures (`qms import`).

Each file is one unit of work: the caller (the CLI command, the commit point) commits after a
stored file and rolls back after a refused one, so one bad file loses nothing else.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
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
from qmsdocs.procedures.models import Procedure
from qmsdocs.storage import sha256_hex

WORD_SUFFIXES = {".docx", ".docm", ".doc", ".dotx", ".dot"}
TITLE_PATTERN = re.compile(r"^\s*quy\s*tr[iì]nh\b", re.IGNORECASE)


@dataclass(frozen=True)
class FileOutcome:
    """What importing one file did: created | added | unchanged | refused (with the reason)."""

    name: str
    outcome: str
    reason: str | None = None
    # Stored despite these warnings (revision not advanced, same as an earlier version …).
    warnings: tuple[str, ...] = ()

    @property
    def stored(self) -> bool:
        return self.outcome in ("created", "added")


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
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
    """Word files below the folder, in a stable order; Word's lock files (~$…) are skipped."""
    return sorted(
        path for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in WORD_SUFFIXES and not path.name.startswith("~$")
    )


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
    for path in word_files(folder):
        name = str(path.relative_to(folder))
        try:
            outcome, warnings = _import_one(path, agency_id, agency_code, actor=actor, max_bytes=max_bytes)
        except Conflict as error:
            yield FileOutcome(name, "unchanged") if error.code == "no_change" else \
                FileOutcome(name, "refused", error.message)
        except QmsError as error:
            yield FileOutcome(name, "refused", error.message)
        except OSError as error:
            yield FileOutcome(name, "refused", f"Không đọc được tệp ({error.strerror or error}).")
        else:
            yield FileOutcome(name, outcome, warnings=tuple(warnings))


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
