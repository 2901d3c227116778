"""Change requests: proposing, numbering, deciding, and closing them with the version that answers them.

Services flush and never commit (the request or command owns the commit). The attached file is
written to the blob store before the row that points at it, as procedure files are.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from qmsdocs import events
from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.services import get_agency
from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert
from qmsdocs.audit.services import record
from qmsdocs.auth.models import User
from qmsdocs.auth.permissions import SYSTEM, can_write, require_approve
from qmsdocs.clock import local_time, local_today
from qmsdocs.db import session, utcnow
from qmsdocs.docx.safety import check_package
from qmsdocs.doccontrol.models import STATUSES, ChangeRequest
from qmsdocs.errors import Conflict, Forbidden, InvalidInput, NotFound, UploadRefused
from qmsdocs.paging import Page, PageRequest
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.procedures.services import clean_filename
from qmsdocs.storage import blob_store, sha256_hex

MAX_TEXT = 4000
MAX_PART = 500
LABEL = re.compile(r"^\s*(?:số\s*)?(\d{1,6})\s*/\s*(\d{4})\s*$", re.IGNORECASE)
# The marked-up file: a Word document or a PDF (a scan of the annotated paper copy).
ATTACHMENT_TYPES = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    ".pdf": "application/pdf"}


def _text(value, name: str, label: str, *, required: bool, max_length: int = MAX_TEXT) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"Trường '{name}' phải là chuỗi ký tự.", code="invalid_field")
    value = unicodedata.normalize("NFC", (value or "").strip())
    if required and not value:
        raise InvalidInput(f"Hãy ghi {label}.", code="missing_field")
    if len(value) > max_length:
        raise InvalidInput(f"{label[:1].upper()}{label[1:]} dài tối đa {max_length} ký tự.", code="invalid_field")
    return value


def _require_signed_in(actor) -> None:
    """Anyone signed in may propose (or the system, for commands); an anonymous caller may not."""
    signed_in = getattr(actor, "id", None) is not None or actor is SYSTEM
    if not signed_in:
        raise Forbidden("Hãy đăng nhập để gửi đề nghị sửa đổi.", code="forbidden")


def _refuse_retired(procedure: Procedure) -> None:
    if procedure.status == "retired":
        raise Conflict(
            f"Quy trình {procedure.code} đã bị bãi bỏ nên không nhận đề nghị sửa đổi. "
            "Nếu cần quy trình mới thay thế, hãy gửi đề nghị soạn thảo quy trình mới cho cơ quan.",
            code="procedure_retired",
        )


@dataclass
class Attachment:
    data: bytes
    filename: str | None


def _checked_attachment(attachment: Attachment | None, max_bytes: int) -> tuple[bytes, str] | None:
    """A .docx (checked like procedure files) or a .pdf (its header); never rendered by the server."""
    if attachment is None:
        return None
    name = clean_filename(attachment.filename)
    extension = "." + name.rpartition(".")[2].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise UploadRefused("Tệp đính kèm phải là tệp Word (.docx) hoặc PDF (.pdf) có đánh dấu chỗ cần sửa.",
                            code="attachment_type")
    if not attachment.data:
        raise UploadRefused("Tệp đính kèm rỗng. Hãy chọn lại tệp.", code="empty_file", status=400)
    if len(attachment.data) > max_bytes:
        raise UploadRefused(f"Tệp đính kèm lớn quá {max_bytes // (1024 * 1024)} MB. Hãy nén hoặc rút gọn tệp.",
                            code="file_too_large", status=413)
    if extension == ".pdf":
        if not attachment.data.startswith(b"%PDF-"):
            raise UploadRefused("Tệp đính kèm không phải PDF hợp lệ (thiếu phần đầu %PDF-).",
                                code="attachment_content")
    else:
        check_package(attachment.data, max_bytes=max_bytes)
    return attachment.data, name


def _next_number(agency: Agency, year: int) -> int:
    """Lock the agency row (PostgreSQL) so racing submissions queue, then take the next number."""
    session.execute(select(Agency.id).where(Agency.id == agency.id).with_for_update())
    last = session.scalar(select(func.max(ChangeRequest.number))
                          .where(ChangeRequest.agency_id == agency.id, ChangeRequest.year == year))
    return (last or 0) + 1


def submit_request(*, procedure: Procedure | None = None, agency_code: str | None = None, content, reason,
                   part=None, proposed_code=None, proposed_title=None, attachment: Attachment | None = None,
                   alert: Alert | None = None, actor=None, max_bytes: int) -> ChangeRequest:
    """Phiếu đề nghị: any signed-in user may propose a revision, or a new procedure for an agency."""
    _require_signed_in(actor)
    content = _text(content, "content", "nội dung đề nghị", required=True)
    reason = _text(reason, "reason", "lý do đề nghị", required=True)
    part = _text(part, "part", "phần/mục liên quan", required=False, max_length=MAX_PART)
    if procedure is not None:
        _refuse_retired(procedure)
        agency = procedure.agency
        proposed_code = proposed_title = None
    else:
        if not agency_code:
            raise InvalidInput("Hãy chọn quy trình cần sửa đổi, hoặc cơ quan nếu đề nghị soạn quy trình mới.",
                               code="missing_field")
        agency = get_agency(agency_code)
        proposed_code = _text(proposed_code, "proposed_code", "mã quy trình đề xuất", required=False, max_length=64)
        proposed_title = _text(proposed_title, "proposed_title", "tên quy trình đề xuất", required=True,
                               max_length=500)
    if not agency.active:
        raise Conflict("Cơ quan này đã ngừng hoạt động; không nhận đề nghị mới.", code="agency_inactive")
    stored = _checked_attachment(attachment, max_bytes)
    year = local_today().year
    number = _next_number(agency, year)
    if stored is not None:
        blob_store().put(stored[0])
    change_request = ChangeRequest(
        agency=agency, year=year, number=number, procedure=procedure, proposed_code=proposed_code or None,
        proposed_title=proposed_title or None, part=part, content=content, reason=reason, alert=alert,
        attachment_sha256=sha256_hex(stored[0]) if stored else None, attachment_name=stored[1] if stored else None,
        attachment_size=len(stored[0]) if stored else None, requested_by_id=getattr(actor, "id", None),
        status="open",
    )
    session.add(change_request)
    session.flush()
    record(actor, "change_request.submit", "procedure" if procedure else "agency",
           procedure.id if procedure else agency.id, agency_id=agency.id, request=change_request.label,
           alert=alert.id if alert else None)
    events.change_request_changed.send(change_request, what="submitted", actor=actor)
    return change_request


def request_from_alert(alert: Alert, *, actor=None, max_bytes: int) -> ChangeRequest:
    """One step from an open alert to a request to revise its procedure, the alert's text as the reason."""
    if alert.status not in ACTIVE_STATUSES:
        raise Conflict("Cảnh báo này đã được giải quyết hoặc bỏ qua; không cần lập đề nghị sửa đổi.",
                       code="alert_closed")
    existing = session.scalar(select(ChangeRequest).where(ChangeRequest.alert_id == alert.id,
                                                          ChangeRequest.status.in_(("open", "accepted"))))
    if existing is not None:
        raise Conflict(f"Cảnh báo này đã có đề nghị sửa đổi số {existing.label}; hãy theo dõi đề nghị đó.",
                       code="request_exists", request_id=existing.id)
    return submit_request(
        procedure=alert.procedure, content=f"Rà soát, sửa đổi quy trình theo cảnh báo: {alert.message}",
        reason=f"{alert.rule_label}. {alert.resolution_hint or ''}".strip(), alert=alert, actor=actor,
        max_bytes=max_bytes)


def accept_request(change_request: ChangeRequest, *, editor, due_on, note=None, actor=None) -> None:
    """The approver accepts: names who drafts the revision and by when."""
    require_approve(actor, change_request.agency_id)
    _refuse_undecided_only(change_request)
    if change_request.procedure is not None:
        _refuse_retired(change_request.procedure)
    note = _text(note, "note", "ý kiến", required=False)
    if not editor:
        raise InvalidInput("Hãy chọn người được giao soạn thảo.", code="missing_field")
    if isinstance(editor, str):
        editor = session.scalar(select(User).where(User.username == editor.strip()))
        if editor is None:
            raise InvalidInput("Không có người dùng này. Hãy chọn người soạn thảo trong danh sách.",
                               code="invalid_editor")
    if not editor.active or not can_write(editor, change_request.agency_id) or editor.role == "admin":
        raise InvalidInput(
            f"{editor.username} không có quyền soạn quy trình của cơ quan này. Hãy giao cho một người soạn "
            "thảo hoặc người phê duyệt của cơ quan.", code="invalid_editor")
    if due_on is None:
        raise InvalidInput("Hãy ghi hạn hoàn thành.", code="missing_field")
    if due_on < local_today():
        raise InvalidInput(f"Hạn hoàn thành {due_on:%d/%m/%Y} đã qua. Hãy chọn một ngày từ hôm nay trở đi.",
                           code="invalid_due_on")
    change_request.status = "accepted"
    change_request.editor = editor
    change_request.due_on = due_on
    _decided(change_request, note, actor)
    record(actor, "change_request.accept", *_target(change_request), agency_id=change_request.agency_id,
           request=change_request.label, editor=editor.username, due_on=due_on.isoformat())
    events.change_request_changed.send(change_request, what="accepted", actor=actor)


def decline_request(change_request: ChangeRequest, *, reason, actor=None) -> None:
    require_approve(actor, change_request.agency_id)
    _refuse_undecided_only(change_request)
    reason = _text(reason, "reason", "lý do không chấp thuận để người đề nghị biết", required=True)
    change_request.status = "declined"
    change_request.closed_at = utcnow()
    _decided(change_request, reason, actor)
    record(actor, "change_request.decline", *_target(change_request), agency_id=change_request.agency_id,
           request=change_request.label, reason=reason)
    events.change_request_changed.send(change_request, what="declined", actor=actor)


def _refuse_undecided_only(change_request: ChangeRequest) -> None:
    if change_request.status != "open":
        raise Conflict(f"Đề nghị số {change_request.label} đã được xem xét ({change_request.status_label.lower()}).",
                       code="already_decided")


def _decided(change_request: ChangeRequest, note: str, actor) -> None:
    change_request.decided_by_id = getattr(actor, "id", None)
    change_request.decided_at = utcnow()
    change_request.decision_note = note or None
    session.flush()


def _target(change_request: ChangeRequest) -> tuple[str, int]:
    if change_request.procedure_id is not None:
        return "procedure", change_request.procedure_id
    return "agency", change_request.agency_id


# Closing a request with the version that answers it ------------------------------------------

def find_by_label(agency_id: int, label: str) -> ChangeRequest | None:
    match = LABEL.match(label or "")
    if match is None:
        raise InvalidInput(f"Số đề nghị '{label[:20]}' không hợp lệ; hãy ghi dạng số/năm, ví dụ 12/2026.",
                           code="invalid_change_request")
    return session.scalar(select(ChangeRequest).where(
        ChangeRequest.agency_id == agency_id, ChangeRequest.number == int(match[1]),
        ChangeRequest.year == int(match[2])))


def on_version_added(version: ProcedureVersion, *, change_request: str | None = None, actor=None, **_kw) -> None:
    """Link the upload to the request it answers and close it; a wrong number refuses the upload."""
    procedure = version.procedure
    if change_request:
        found = find_by_label(procedure.agency_id, change_request)
        if found is None:
            raise InvalidInput(f"Cơ quan không có đề nghị số {change_request}. Hãy kiểm tra lại số đề nghị.",
                               code="change_request_not_found")
        if found.procedure_id not in (None, procedure.id):
            raise InvalidInput(f"Đề nghị số {found.label} là về quy trình {found.procedure.code}, không phải "
                               f"{procedure.code}.", code="change_request_other_procedure")
        if found.status != "accepted":
            raise Conflict(f"Đề nghị số {found.label} đang ở trạng thái \"{found.status_label.lower()}\"; chỉ đề nghị "
                           "đã được chấp thuận mới gắn được với phiên bản mới.", code="change_request_not_accepted")
    else:
        accepted = session.scalars(select(ChangeRequest).where(
            ChangeRequest.procedure_id == procedure.id, ChangeRequest.status == "accepted")).all()
        if len(accepted) != 1:
            return  # none, or several: the uploader must name the one it answers
        found = accepted[0]
    found.procedure = procedure
    found.version = version
    found.status = "done"
    found.closed_at = utcnow()
    session.flush()
    record(actor, "change_request.done", "procedure", procedure.id, agency_id=procedure.agency_id,
           request=found.label, version=version.number)


# Reading ----------------------------------------------------------------------------------

def get_request(request_id: int) -> ChangeRequest:
    found = session.get(ChangeRequest, request_id) if 0 < request_id <= 2**31 - 1 else None
    if found is None:
        raise NotFound(f"Không có đề nghị sửa đổi số {request_id}.", code="change_request_not_found")
    return found


@dataclass
class RequestFilters:
    agency: str = ""
    status: str = ""
    year: int | None = None
    procedure_id: int | None = None
    q: str = ""

    def as_args(self, **changes) -> dict:
        values = {"agency": self.agency, "status": self.status, "year": self.year or "",
                  "procedure": self.procedure_id or "", "q": self.q}
        values.update(changes)
        return {key: value for key, value in values.items() if value not in ("", None)}


def parse_status(value: str | None) -> str:
    value = (value or "").strip()
    if value and value not in STATUSES:
        raise InvalidInput(f"Trạng thái '{value[:20]}' không hợp lệ; chọn một trong: {', '.join(STATUSES)}.",
                           code="invalid_parameter")
    return value


def list_requests(filters: RequestFilters, paging: PageRequest = PageRequest()) -> Page:
    stmt = select(ChangeRequest).join(Agency, Agency.id == ChangeRequest.agency_id)
    if filters.agency:
        stmt = stmt.where(Agency.code == filters.agency)
    if filters.status:
        stmt = stmt.where(ChangeRequest.status == filters.status)
    if filters.year:
        stmt = stmt.where(ChangeRequest.year == filters.year)
    if filters.procedure_id:
        stmt = stmt.where(ChangeRequest.procedure_id == filters.procedure_id)
    if filters.q:
        pattern = f"%{filters.q}%"
        stmt = stmt.outerjoin(Procedure, Procedure.id == ChangeRequest.procedure_id).where(or_(
            Procedure.code.ilike(pattern), Procedure.title.ilike(pattern), ChangeRequest.content.ilike(pattern),
            ChangeRequest.proposed_title.ilike(pattern)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(
        stmt.options(selectinload(ChangeRequest.agency), selectinload(ChangeRequest.procedure),
                     selectinload(ChangeRequest.requested_by), selectinload(ChangeRequest.editor),
                     selectinload(ChangeRequest.version))
        .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())
        .limit(paging.per_page).offset(paging.offset))
    return Page.of(items, total, paging)


def requests_for_procedure(procedure_id: int) -> list[ChangeRequest]:
    return list(session.scalars(select(ChangeRequest).where(ChangeRequest.procedure_id == procedure_id)
                                .order_by(ChangeRequest.requested_at.desc(), ChangeRequest.id.desc())))


def accepted_for_procedure(procedure_id: int) -> list[ChangeRequest]:
    return list(session.scalars(select(ChangeRequest).where(ChangeRequest.procedure_id == procedure_id,
                                                            ChangeRequest.status == "accepted")
                                .order_by(ChangeRequest.id)))


def request_of_version(version_id: int) -> ChangeRequest | None:
    return session.scalar(select(ChangeRequest).where(ChangeRequest.version_id == version_id).limit(1))


def attachment_bytes(change_request: ChangeRequest) -> bytes:
    if not change_request.attachment_sha256:
        raise NotFound(f"Đề nghị số {change_request.label} không có tệp đính kèm.", code="attachment_not_found")
    return blob_store().get(change_request.attachment_sha256)


def attachment_blobs(db_session) -> list[tuple[str, int, str]]:
    """Blob-store users: every request's attachment (see qmsdocs.storage.register_blob_users)."""
    rows = db_session.execute(select(ChangeRequest.attachment_sha256, ChangeRequest.attachment_size,
                                     ChangeRequest.number, ChangeRequest.year, ChangeRequest.agency_id)
                              .where(ChangeRequest.attachment_sha256.is_not(None)))
    return [(sha, size or 0, f"đề nghị sửa đổi {number}/{year} (cơ quan {agency_id})")
            for sha, size, number, year, agency_id in rows]


def requested_day(change_request: ChangeRequest):
    return local_time(change_request.requested_at).date()
