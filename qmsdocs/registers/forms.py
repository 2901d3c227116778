"""Forms attached to procedure versions: attaching, carrying over, reading back.

The pipeline is the procedure upload's: check (type, safety, text) → store blob → record link.
Services flush and never commit; the request or CLI command that called them is the commit point.
A version's forms are a set of links to immutable files; a new version copies the links of the
version before it, so unchanged forms carry over and a replaced one is a new link on the new version.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_write
from qmsdocs.db import session
from qmsdocs.errors import Conflict, InvalidInput, NotFound, UploadRefused
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.procedures.services import clean_filename, version_status_label
from qmsdocs.registers.formcheck import check_form, form_code
from qmsdocs.registers.models import FormFile, VersionForm
from qmsdocs.storage import blob_store, sha256_hex


def version_forms(version: ProcedureVersion) -> list[VersionForm]:
    return list(session.scalars(
        select(VersionForm).where(VersionForm.version_id == version.id)
        .options(selectinload(VersionForm.form_file)).order_by(VersionForm.code)))


def get_form(version: ProcedureVersion, code: str) -> VersionForm:
    normalized = form_code(code)
    link = session.scalar(
        select(VersionForm).where(VersionForm.version_id == version.id, VersionForm.code == normalized)
    ) if normalized else None
    if link is None:
        raise NotFound(f"Phiên bản {version.number} của quy trình {version.procedure.code} không có biểu mẫu "
                       f"'{code}'.", code="form_not_found")
    return link


def attach_form(version: ProcedureVersion, data: bytes, filename: str | None, *, code: str | None = None,
                replace: bool = False, actor=None, max_bytes: int) -> VersionForm:
    """Check the file, store it and link it to the version under its form code (BM-01 …)."""
    procedure = version.procedure
    require_write(actor, procedure.agency_id)
    if procedure.status == "retired":
        raise Conflict("Quy trình đã bị bãi bỏ nên không nhận thêm biểu mẫu.", code="procedure_retired")
    if is_superseded(version):
        raise Conflict(
            f"Phiên bản {version.number} đã hết hiệu lực; biểu mẫu của nó được giữ nguyên như khi còn hiệu lực. "
            "Hãy gắn biểu mẫu vào phiên bản hiện hành hoặc bản nháp mới.", code="version_superseded")
    name = clean_filename(filename or "")
    normalized = form_code(code) if code else form_code(name)
    if normalized is None:
        given = f"'{code}'" if code else f"tên tệp '{name}'"
        raise InvalidInput(
            f"Không xác định được ký hiệu biểu mẫu từ {given}. Hãy ghi ký hiệu dạng BM-01 "
            "(hoặc đặt tên tệp như 'QT-01 BM-01.docx').", code="invalid_form_code")
    checked = check_form(data, name, max_bytes=max_bytes)
    existing = session.scalar(
        select(VersionForm).where(VersionForm.version_id == version.id, VersionForm.code == normalized)
        .with_for_update())
    digest = sha256_hex(data)
    if existing is not None:
        if existing.form_file.sha256 == digest:
            raise Conflict(f"Biểu mẫu {normalized} của phiên bản {version.number} đã giống hệt tệp này.",
                           code="no_change")
        if not replace:
            raise Conflict(
                f"Phiên bản {version.number} đã có biểu mẫu {normalized}. Chọn “thay thế” nếu muốn thay tệp này, "
                "hoặc tải lên phiên bản mới của quy trình.", code="form_exists")
    blob_store().put(data)
    stored = FormFile(sha256=digest, size=len(data), filename=name, kind=checked.kind, text=checked.text,
                      uploaded_by_id=getattr(actor, "id", None))
    session.add(stored)
    if existing is not None:
        existing.form_file = stored
        existing.attached_at_version = version.number
        link = existing
    else:
        link = VersionForm(version_id=version.id, code=normalized, form_file=stored,
                           attached_at_version=version.number)
        session.add(link)
    session.flush()
    record(actor, "form.replace" if existing is not None else "form.attach", "procedure", procedure.id,
           agency_id=procedure.agency_id, version=version.number, form=normalized, sha256=digest,
           filename=name)
    events.version_forms_changed.send(version)
    return link


def is_superseded(version: ProcedureVersion) -> bool:
    """An approved version no longer in force: a record whose forms stay as they were."""
    return version.state == "approved" and version.procedure.current_version_id != version.id


def carry_forms_over(version: ProcedureVersion, **_kwargs) -> None:
    """A new version starts with the forms of the version before it (signal receiver of version_added)."""
    previous = session.scalar(select(ProcedureVersion.id).where(
        ProcedureVersion.procedure_id == version.procedure_id, ProcedureVersion.number == version.number - 1))
    if previous is None:
        return
    links = session.scalars(select(VersionForm).where(VersionForm.version_id == previous)).all()
    for link in links:
        session.add(VersionForm(version_id=version.id, code=link.code, form_file_id=link.form_file_id,
                                attached_at_version=link.attached_at_version))
    if links:
        session.flush()


def attach_uploaded_forms(version: ProcedureVersion, *, files: list[tuple[bytes, str]], actor,
                          max_bytes: int) -> list[str]:
    """Forms sent with a version upload replace those carried over under the same code."""
    codes = []
    for data, filename in files:
        try:
            link = attach_form(version, data, filename, replace=True, actor=actor, max_bytes=max_bytes)
        except Conflict as error:
            if error.code == "no_change":
                continue
            raise _naming(error, filename) from None
        except (InvalidInput, UploadRefused) as error:
            raise _naming(error, filename) from None
        codes.append(link.code)
    return codes


def _naming(error, filename: str):
    """The same refusal, saying which form it is about (the version was not stored either)."""
    return type(error)(f"Biểu mẫu {filename}: {error.message} Phiên bản chưa được lưu.", code=error.code,
                       status=error.status)


def form_bytes(link: VersionForm) -> bytes:
    return blob_store().get(link.form_file.sha256)


def form_download_name(link: VersionForm, version: ProcedureVersion) -> str:
    """Forms of a superseded or draft version say so in their name, like the procedure file."""
    name = link.form_file.filename
    label = version_status_label(version)
    if label == "hiện hành":
        return name
    stem, dot, ext = name.rpartition(".")
    tag = {"hết hiệu lực": "HET-HIEU-LUC", "chờ duyệt": "BAN-NHAP", "bị trả lại": "BI-TRA-LAI"}[label]
    return f"{stem} [{tag} v{version.number}].{ext}" if dot else f"{name} [{tag} v{version.number}]"


# --- for other areas: search text, blob references ------------------------------------------

def forms_by_version(version_ids: Iterable[int]) -> dict[int, list[tuple[str, str, str]]]:
    """version id → [(code, sha256, text)] in code order, in one query per 400 ids."""
    ids = sorted(set(version_ids))
    found: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for start in range(0, len(ids), 400):
        rows = session.execute(
            select(VersionForm.version_id, VersionForm.code, FormFile.sha256, FormFile.text)
            .join(FormFile, FormFile.id == VersionForm.form_file_id)
            .where(VersionForm.version_id.in_(ids[start:start + 400]))
            .order_by(VersionForm.version_id, VersionForm.code))
        for version_id, code, sha, text in rows:
            found[version_id].append((code, sha, text))
    return found


def form_fingerprints(version_ids: Iterable[int]) -> dict[int, str]:
    """What the index must know changed: each version's form codes and checksums."""
    return {vid: ",".join(f"{code}:{sha}" for code, sha, _ in forms) for vid, forms in
            forms_by_version(version_ids).items()}


def form_texts(version_ids: Iterable[int]) -> dict[int, str]:
    return {vid: "\n".join(f"{code}\n{text}" for code, _sha, text in forms) for vid, forms in
            forms_by_version(version_ids).items()}


def form_blobs(db_session) -> list[tuple[str, int, str]]:
    """Blob-store users (see qmsdocs.storage.register_blob_users): a form's blob is checked, backed
    up and migrated like a version's, never taken for an orphan."""
    rows = db_session.execute(
        select(FormFile.sha256, FormFile.size, VersionForm.code, ProcedureVersion.procedure_id,
               ProcedureVersion.number)
        .join(VersionForm, VersionForm.form_file_id == FormFile.id, isouter=True)
        .join(ProcedureVersion, ProcedureVersion.id == VersionForm.version_id, isouter=True))
    return [(sha, size, f"biểu mẫu {code} của quy trình {procedure_id} v{number}" if code else "biểu mẫu")
            for sha, size, code, procedure_id, number in rows]


# --- `qms import`: forms that sit beside their procedure file ------------------------------

FORM_SUFFIXES = (".docx", ".xlsx", ".pdf")
BESIDE_PATTERN = re.compile(r"^(?P<owner>.+?)[\s_]+BM[\s._\-]*\d", re.IGNORECASE)


def form_owner(path: Path) -> str | None:
    """`QT-01 BM-01.docx` → "QT-01": the procedure file (by name) this form goes with."""
    if path.suffix.lower() not in FORM_SUFFIXES:
        return None
    match = BESIDE_PATTERN.match(unicodedata.normalize("NFC", path.stem))
    return match.group("owner").strip() if match else None


def import_forms(version: ProcedureVersion, paths: list[Path], *, actor, max_bytes: int) -> list[str]:
    """Attach each file (replacing a form of the same code); identical ones change nothing.

    A refused file refuses the whole unit (the caller rolls back), its message naming the file.
    """
    done = []
    for path in paths:
        try:
            link = attach_form(version, path.read_bytes(), path.name, replace=True, actor=actor,
                               max_bytes=max_bytes)
        except Conflict as error:
            if error.code == "no_change":
                continue
            raise type(error)(f"Biểu mẫu {path.name}: {error.message}", code=error.code,
                              status=error.status) from None
        except (InvalidInput, UploadRefused) as error:
            raise type(error)(f"Biểu mẫu {path.name}: {error.message}", code=error.code,
                              status=error.status) from None
        done.append(f"Đã gắn biểu mẫu {link.code} ({path.name}) vào phiên bản {version.number}.")
    return done
