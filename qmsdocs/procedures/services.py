"""Procedures and their versions: creating, uploading, approving, retiring, reading back.

Services flush and never commit: the request (or CLI command) that called them owns the
single commit point. Blobs are written before the rows that point at them, so a crash
between the two leaves at most an orphan blob for `qms check --repair`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.agencies.models import ORIGIN_PROVINCE, Agency
from qmsdocs.agencies.provinces import province_named
from qmsdocs.agencies.services import get_agency
from qmsdocs.audit.services import record
from qmsdocs.clock import local_today
from qmsdocs.auth.permissions import can_approve, require_approve, require_write
from qmsdocs.db import session, utcnow
from qmsdocs.docx.citations import extract_citations
from qmsdocs.docx.conversion import converted_notice, doc_converter, prepare_upload
from qmsdocs.docx.diff import diff_paragraphs
from qmsdocs.docx.reader import read_docx
from qmsdocs.docx.safety import check_package
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.paging import Page, PageRequest
from qmsdocs.procedures import revisions
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion
from qmsdocs.previews import preview_html
from qmsdocs.storage import blob_store, sha256_hex

MAX_NOTE_LENGTH = 2000
TTHC_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-_]{0,63}$")


def list_procedures(*, agency_code: str | None = None, status: str | None = None,
                    former_province: str | None = None, paging: PageRequest = PageRequest()) -> Page:
    """One page of procedures with what their summaries show loaded alongside (a fixed number of queries)."""
    stmt = select(Procedure).join(Agency)
    if agency_code:
        stmt = stmt.where(Agency.code == agency_code)
    if former_province:
        province = province_named(former_province)
        if province is None:
            raise InvalidInput(f"Tham số 'former_province': '{former_province.strip()[:60]}' không phải tên một tỉnh "
                               "(ví dụ: Trà Vinh, Bến Tre).", code="invalid_parameter")
        stmt = stmt.where(ORIGIN_PROVINCE == province)
    if status:
        stmt = stmt.where(Procedure.status == status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.options(selectinload(Procedure.current_version), selectinload(Procedure.admin_procedures),
                     selectinload(Procedure.agency))
        .order_by(Agency.code, Procedure.code).limit(paging.per_page).offset(paging.offset))
    return Page.of(items, total, paging)


MAX_ID = 2**31 - 1


def get_procedure(procedure_id: int) -> Procedure:
    procedure = session.get(Procedure, procedure_id) if 0 < procedure_id <= MAX_ID else None
    if procedure is None:
        raise NotFound(f"Không có quy trình số {procedure_id}.", code="procedure_not_found")
    return procedure


def find_procedure(agency_id: int, code: str) -> Procedure | None:
    return session.scalar(select(Procedure).where(Procedure.agency_id == agency_id, Procedure.code == code))


def _same_code_exists(agency_id: int, code: str) -> bool:
    """Codes differing only in letter case or separators name the same procedure."""
    key = revisions.code_key(code)
    codes = session.scalars(select(Procedure.code).where(Procedure.agency_id == agency_id))
    return any(revisions.code_key(existing) == key for existing in codes)


def _clean_codes(codes) -> list[str]:
    if codes is None:
        return []
    if isinstance(codes, str):
        codes = [part for part in re.split(r"[,;\s]+", codes) if part]
    if not isinstance(codes, (list, tuple)):
        raise InvalidInput("Danh sách mã thủ tục hành chính phải là một mảng.", code="invalid_admin_procedures")
    cleaned = []
    for code in codes:
        if not isinstance(code, str):
            raise InvalidInput(
                "Mã thủ tục hành chính phải được gửi dưới dạng chuỗi ký tự, ví dụ \"1.004227\" "
                "(không gửi dạng số, vì số sẽ làm mất chữ số 0 ở cuối).",
                code="invalid_admin_procedures",
            )
        code = code.strip()
        if not TTHC_CODE.match(code):
            raise InvalidInput(
                f"Mã thủ tục hành chính '{code}' không hợp lệ (ví dụ đúng: 1.004227).",
                code="invalid_admin_procedures",
            )
        if code not in cleaned:
            cleaned.append(code)
    return cleaned


def create_procedure(agency_code: str, code: str, title: str, *, field: str | None = None,
                     admin_procedures=None, review_interval_months: int | None = None, actor=None) -> Procedure:
    agency = get_agency(agency_code)
    require_write(actor, agency.id)
    code = unicodedata.normalize("NFC", (code or "").strip())
    title = unicodedata.normalize("NFC", (title or "").strip())
    if not code or len(code) > 64:
        raise InvalidInput("Mã quy trình không được để trống và dài tối đa 64 ký tự.", code="invalid_code")
    if not title or len(title) > 500:
        raise InvalidInput("Tên quy trình không được để trống và dài tối đa 500 ký tự.", code="invalid_title")
    if review_interval_months is not None and (
        not isinstance(review_interval_months, int) or not 1 <= review_interval_months <= 120
    ):
        raise InvalidInput("Chu kỳ rà soát phải từ 1 đến 120 tháng.", code="invalid_review_interval")
    if not agency.active:
        raise Conflict("Cơ quan này đã ngừng hoạt động; không thể thêm quy trình mới.", code="agency_inactive")
    if find_procedure(agency.id, code) or _same_code_exists(agency.id, code):
        raise Conflict(
            f"Cơ quan đã có quy trình mã '{code}'. Hãy tải phiên bản mới lên quy trình đó.",
            code="procedure_exists",
        )
    procedure = Procedure(
        agency=agency,
        code=code,
        title=title,
        field=(field or "").strip() or None,
        review_interval_months=review_interval_months,
    )
    procedure.admin_procedures = [ProcedureAdminProcedure(code=c) for c in _clean_codes(admin_procedures)]
    session.add(procedure)
    session.flush()
    record(actor, "procedure.create", "procedure", procedure.id, agency_id=agency.id, code=code)
    events.procedure_changed.send(procedure)
    return procedure


def retire_procedure(procedure: Procedure, reason: str, *, actor=None) -> None:
    require_approve(actor, procedure.agency_id)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Hãy ghi lý do bãi bỏ quy trình.", code="reason_required")
    if procedure.status == "retired":
        raise Conflict("Quy trình này đã bị bãi bỏ từ trước.", code="already_retired")
    procedure.status = "retired"
    procedure.retired_reason = reason
    procedure.retired_at = utcnow()
    record(actor, "procedure.retire", "procedure", procedure.id, agency_id=procedure.agency_id, reason=reason)
    events.procedure_changed.send(procedure)


def clean_filename(name: str | None) -> str:
    """The name a file is served back under; never used as a path on disk."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "quy-trinh.docx"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190] + dot + ext) if dot and len(ext) <= 8 else name[:200]
    return name


@dataclass
class UploadResult:
    version: ProcedureVersion
    details: list[revisions.UploadWarning] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [warning.message for warning in self.details]

    @property
    def warning_details(self) -> list[dict]:
        return [warning.as_dict() for warning in self.details]
    # The upload was a legacy .doc, read through its LibreOffice conversion (the .doc is stored).
    converted: bool = False


@dataclass(frozen=True)
class ParsedUpload:
    """An uploaded file checked and read: the work of an upload that needs no database."""

    digest: str
    prepared: object  # qmsdocs.docx.conversion.PreparedUpload
    content: object  # qmsdocs.docx.reader.DocxContent
    citations: list


def parse_upload(data: bytes, *, max_bytes: int) -> ParsedUpload:
    """Check and read an upload (a .doc converted first).

    Done before the write transaction where the caller can (`db.before_writing`): on SQLite
    every other writer waits while a transaction holds the lock, and reading a document is
    most of an upload's time.
    """
    digest = sha256_hex(data)
    prepared = prepare_upload(data, digest, doc_converter(), max_bytes=max_bytes)
    check_package(prepared.docx, max_bytes=max_bytes)
    content = read_docx(prepared.docx)
    return ParsedUpload(digest, prepared, content, extract_citations(content.paragraphs))


def check_upload_allowed(procedure: Procedure, actor) -> None:
    """The refusals that come before the file is even read: who may upload, and to what."""
    require_write(actor, procedure.agency_id)
    _refuse_if_retired(procedure)


def add_version(procedure: Procedure, data: bytes, filename: str | None, *, note: str = "",
                base_version: int | None = None, actor=None, max_bytes: int,
                effective_on: date | None = None, change_request: str | None = None,
                parsed: ParsedUpload | None = None) -> UploadResult:
    """The upload pipeline: validate → check conflicts → extract → store blob → record.

    `effective_on`: the day an approved version takes effect (the previous one stays current
    until then); `change_request`: the request it answers ("12/2026"), for the areas listening;
    `parsed`: the file already read by `parse_upload` (outside the write transaction).
    """
    require_write(actor, procedure.agency_id)
    _refuse_effective_before_approval(effective_on)
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvalidInput(f"Ghi chú thay đổi dài tối đa {MAX_NOTE_LENGTH} ký tự.", code="note_too_long")
    _refuse_if_retired(procedure)
    parsed = parsed or parse_upload(data, max_bytes=max_bytes)
    digest, prepared, content, citations = parsed.digest, parsed.prepared, parsed.content, parsed.citations
    latest = _lock_latest_version(procedure)
    latest_number = latest.number if latest else 0
    if base_version is not None and base_version != latest_number:
        raise Conflict(
            f"Bạn đang sửa từ phiên bản {base_version}, nhưng quy trình đã có phiên bản {latest_number}. "
            "Hãy xem phiên bản mới nhất, đưa thay đổi của bạn vào đó rồi tải lên lại.",
            code="stale_base_version",
            current_version=latest_number,
        )
    _refuse_if_unchanged(latest, digest)
    # Compared before the new version exists, with the versions as the person saw them.
    details = revisions.compare_with_earlier(procedure, code=content.metadata.code,
                                             revision=content.metadata.revision,
                                             issued_on=content.metadata.issued_on, sha256=digest)
    details += revisions.note_missing(note)
    blob_store().put(data)

    approved = not needs_approval(procedure, actor)
    version = ProcedureVersion(
        procedure=procedure,
        number=latest_number + 1,
        sha256=digest,
        size=len(data),
        filename=clean_filename(filename),
        uploaded_by_id=getattr(actor, "id", None),
        note=note,
        doc_code=content.metadata.code,
        doc_revision=content.metadata.revision,
        doc_issued_on=content.metadata.issued_on,
        text=content.text,
        state="approved" if approved else "pending",
        effective_on=effective_on,
    )
    version.citations = [
        Citation(symbol=c.symbol, key=c.key, location=c.location, context=c.context[:400],
                 articles=",".join(c.articles)[:255] or None) for c in citations
    ]
    session.add(version)
    session.flush()
    record(actor, "version.upload", "procedure", procedure.id, agency_id=procedure.agency_id,
           version=version.number, sha256=digest, state=version.state)
    if details:
        # Warnings never block; who went on despite them stays on record.
        record(actor, "version.upload_warnings", "procedure", procedure.id, agency_id=procedure.agency_id,
               version=version.number, warnings=[w.as_dict() for w in details])
    in_force_now = approved and not _takes_effect_later(version)
    events.version_added.send(version, became_current=in_force_now, change_request=change_request, actor=actor)
    if in_force_now:
        make_current(version)
    elif approved:
        details.append(revisions.UploadWarning(
            revisions.EFFECTIVE_LATER,
            f"Phiên bản sẽ có hiệu lực từ ngày {effective_on:%d/%m/%Y}; đến ngày đó phiên bản trước vẫn là bản hiện hành."))
    else:
        details.append(revisions.UploadWarning(
            revisions.PENDING_APPROVAL, "Phiên bản đang chờ duyệt; nó chỉ có hiệu lực sau khi người phê duyệt đồng ý."))
    if prepared.converted:
        details.insert(0, revisions.UploadWarning(revisions.CONVERTED_FROM_DOC, converted_notice()))
    return UploadResult(version, details, prepared.converted)


def _lock_latest_version(procedure: Procedure) -> ProcedureVersion | None:
    """Lock the procedure row (PostgreSQL) so racing uploads queue, then read the head version."""
    session.execute(select(Procedure.id).where(Procedure.id == procedure.id).with_for_update())
    return _latest_version(procedure)


def _latest_version(procedure: Procedure) -> ProcedureVersion | None:
    return session.scalar(
        select(ProcedureVersion)
        .where(ProcedureVersion.procedure_id == procedure.id)
        .order_by(ProcedureVersion.number.desc())
        .limit(1)
    )


def needs_approval(procedure: Procedure, actor) -> bool:
    """A draft waits for an approver; with four-eyes approval even an approver's own upload does."""
    agency = procedure.agency
    if agency.four_eyes_approval:
        return True
    return agency.approval_required and not can_approve(actor, procedure.agency_id)


def _refuse_effective_before_approval(effective_on: date | None) -> None:
    """A version cannot take effect before the day it is approved (today at the earliest)."""
    today = local_today()
    if effective_on is not None and effective_on < today:
        raise InvalidInput(
            f"Ngày hiệu lực {effective_on:%d/%m/%Y} trước ngày phê duyệt ({today:%d/%m/%Y}). "
            "Hãy chọn ngày hiệu lực từ hôm nay trở đi, hoặc để trống để có hiệu lực ngay khi được duyệt.",
            code="effective_before_approval",
        )


def _takes_effect_later(version: ProcedureVersion) -> bool:
    return version.effective_on is not None and version.effective_on > local_today()


def make_current(version: ProcedureVersion, *, in_force_from: date | None = None) -> None:
    """The version comes into force: everything that reads the current version follows it from now.

    `in_force_from`: the effective date it reached (the day it legally took effect), else today.
    """
    procedure = version.procedure
    previous = procedure.current_version
    procedure.current_version = version
    version.in_force_from = in_force_from or local_today()
    procedure.updated_at = utcnow()
    session.flush()
    events.version_became_current.send(version, previous=previous)
    events.procedure_changed.send(procedure)


def _refuse_if_retired(procedure: Procedure) -> None:
    if procedure.status == "retired":
        raise Conflict(
            "Quy trình đã bị bãi bỏ nên không nhận phiên bản mới. Hãy tạo quy trình mới nếu cần.",
            code="procedure_retired",
        )


def _refuse_if_unchanged(latest: ProcedureVersion | None, digest: str) -> None:
    if latest is not None and latest.sha256 == digest:
        raise Conflict(
            f"Tệp giống hệt phiên bản {latest.number} nên không có gì thay đổi. Hãy kiểm tra lại tệp bạn chọn.",
            code="no_change",
            current_version=latest.number,
        )


KEEP = object()


def decide_version(version: ProcedureVersion, *, approve: bool, comment: str = "", actor=None,
                   effective_on=KEEP) -> None:
    """Approve a draft (it becomes current, now or on its effective date) or return it with a reason.

    `effective_on` replaces the date the uploader proposed (None: in force on approval).
    """
    procedure = version.procedure
    require_approve(actor, procedure.agency_id)
    comment = (comment or "").strip()
    if version.state != "pending":
        raise Conflict("Phiên bản này không ở trạng thái chờ duyệt.", code="not_pending")
    if approve and procedure.agency.four_eyes_approval and version.uploaded_by_id is not None \
            and version.uploaded_by_id == getattr(actor, "id", None):
        raise Conflict(
            "Cơ quan áp dụng phê duyệt hai người: người tải phiên bản lên không được tự phê duyệt. "
            "Hãy nhờ một người phê duyệt khác của cơ quan.",
            code="four_eyes_same_person",
        )
    if approve:
        chosen = version.effective_on if effective_on is KEEP else effective_on
        _refuse_effective_before_approval(chosen)
    if not approve and not comment:
        raise InvalidInput("Hãy ghi lý do trả lại để người soạn biết cần sửa gì.", code="reason_required")
    newer_approved = session.scalar(
        select(func.count()).select_from(ProcedureVersion).where(
            ProcedureVersion.procedure_id == procedure.id,
            ProcedureVersion.number > version.number,
            ProcedureVersion.state == "approved",
        )
    )
    if approve and newer_approved:
        raise Conflict("Đã có phiên bản mới hơn được duyệt; không thể duyệt bản nháp cũ này.", code="superseded_draft")
    version.state = "approved" if approve else "returned"
    if approve:
        version.effective_on = chosen
    version.decided_by_id = getattr(actor, "id", None)
    version.decided_at = utcnow()
    version.decision_comment = comment or None
    record(actor, "version.approve" if approve else "version.return", "procedure", procedure.id,
           agency_id=procedure.agency_id, version=version.number, comment=comment,
           effective_on=version.effective_on.isoformat() if approve and version.effective_on else None)
    if approve and not _takes_effect_later(version):
        make_current(version)


def get_version(procedure: Procedure, number: int) -> ProcedureVersion:
    version = None
    if 0 < number <= MAX_ID:
        version = session.scalar(
            select(ProcedureVersion).where(
                ProcedureVersion.procedure_id == procedure.id, ProcedureVersion.number == number
            )
        )
    if version is None:
        raise NotFound(f"Quy trình {procedure.code} không có phiên bản {number}.", code="version_not_found")
    return version


def version_bytes(version: ProcedureVersion) -> bytes:
    return blob_store().get(version.sha256)


def version_docx(version: ProcedureVersion) -> bytes:
    """The version as .docx: its stored file, or the cached conversion of a stored .doc."""
    data = version_bytes(version)
    return prepare_upload(data, version.sha256, doc_converter()).docx


# Stable codes for programs; the phrases are what a reader sees (and what file names carry).
VERSION_STATUS_LABELS = {
    "current": "hiện hành",
    "superseded": "hết hiệu lực",
    "retired": "hết hiệu lực",
    "pending": "chờ duyệt",
    "returned": "bị trả lại",
    "scheduled": "sẽ có hiệu lực",
}


def version_status(version: ProcedureVersion) -> str:
    """What a reader must know before using a copy, as a code: current, superseded, retired, pending,
    returned, scheduled (approved, waiting for its effective date)."""
    if version.state in ("pending", "returned"):
        return version.state
    if version.procedure.status == "retired":
        return "retired"
    if version.procedure.current_version_id == version.id:
        return "current"
    if is_scheduled(version):
        return "scheduled"
    return "superseded"


def is_scheduled(version: ProcedureVersion) -> bool:
    """Approved, never in force yet, and newer than the version in force: it waits for its date."""
    if version.state != "approved" or version.in_force_from is not None or version.effective_on is None:
        return False
    current = version.procedure.current_version
    return current is None or version.number > current.number


def version_status_label(version: ProcedureVersion) -> str:
    """The Vietnamese phrase of version_status: in force, superseded, draft, in force from a date…"""
    status = version_status(version)
    if status == "scheduled":
        return f"sẽ có hiệu lực từ {version.effective_on:%d/%m/%Y}"
    return VERSION_STATUS_LABELS[status]


def download_name(version: ProcedureVersion) -> str:
    """Superseded, retired and draft copies say so in their file name."""
    name = version.filename
    status = version_status(version)
    if status == "current":
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, "docx"
    tag = {"superseded": "HET-HIEU-LUC", "retired": "HET-HIEU-LUC", "pending": "BAN-NHAP",
           "returned": "BI-TRA-LAI", "scheduled": "CHUA-HIEU-LUC"}[status]
    return f"{stem} [{tag} v{version.number}].{ext}"


def version_preview(version: ProcedureVersion) -> str:
    """Rendered once per stored file and cached (see qmsdocs.previews); large files get a short preview.

    A stored .doc is previewed through its (cached) conversion to .docx.
    """
    return preview_html(version.sha256, version.size, lambda: version_docx(version), version.text)


def diff_versions(procedure: Procedure, from_number: int, to_number: int):
    old = get_version(procedure, from_number)
    new = get_version(procedure, to_number)
    return old, new, diff_paragraphs(old.paragraphs, new.paragraphs)


@dataclass
class UploadInspection:
    """What an uploaded file says about itself, read without storing anything (the confirmation step)."""

    filename: str
    sha256: str
    size: int
    code: str | None
    revision: str | None
    issued_on: date | None
    citations: list
    paragraph_count: int
    warnings: list[str] = field(default_factory=list)
    details: list[revisions.UploadWarning] = field(default_factory=list)
    # chờ duyệt: the upload would wait for an approver instead of taking effect at once.
    needs_approval: bool = False


def inspect_upload(data: bytes, max_bytes: int, *, filename: str | None = None,
                   procedure: Procedure | None = None, actor=None) -> UploadInspection:
    """Run the upload pipeline's checks and extraction, store nothing, and say what would happen.

    The same refusals as `add_version` (unsafe or non-.docx file, retired procedure, file
    identical to the latest version), so the person learns them before confirming.
    """
    prepared = prepare_upload(data, sha256_hex(data), doc_converter(), max_bytes=max_bytes)
    check_package(prepared.docx, max_bytes=max_bytes)
    content = read_docx(prepared.docx)
    inspection = UploadInspection(
        filename=clean_filename(filename),
        sha256=sha256_hex(data),
        size=len(data),
        code=content.metadata.code,
        revision=content.metadata.revision,
        issued_on=content.metadata.issued_on,
        citations=extract_citations(content.paragraphs),
        paragraph_count=sum(1 for paragraph in content.paragraphs if paragraph.text.strip()),
    )
    if prepared.converted:
        inspection.details.append(revisions.UploadWarning(revisions.CONVERTED_FROM_DOC, converted_notice()))
    if procedure is not None:
        _refuse_if_retired(procedure)
        _refuse_if_unchanged(_latest_version(procedure), inspection.sha256)
        inspection.details.extend(revisions.compare_with_earlier(
            procedure, code=inspection.code, revision=inspection.revision, issued_on=inspection.issued_on,
            sha256=inspection.sha256))
        if not inspection.code:
            inspection.details.append(revisions.UploadWarning(
                revisions.METADATA_MISSING,
                "Không đọc được mã hiệu, lần ban hành, ngày ban hành ở đầu tài liệu. "
                "Hãy kiểm tra tài liệu có khối thông tin ISO (Mã hiệu / Lần ban hành / Ngày ban hành)."))
        inspection.needs_approval = needs_approval(procedure, actor)
        if inspection.needs_approval:
            inspection.details.append(revisions.UploadWarning(
                revisions.PENDING_APPROVAL,
                "Cơ quan yêu cầu phê duyệt: phiên bản sẽ ở trạng thái chờ duyệt và chỉ có hiệu lực "
                "sau khi người phê duyệt đồng ý."))
    # Every warning has its code (for the page's script and programs) and its message.
    inspection.warnings = [warning.message for warning in inspection.details]
    return inspection
