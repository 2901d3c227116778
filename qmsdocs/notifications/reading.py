"""Read and understood (đã đọc và hiểu): who must read a version that took effect, and their confirmations.

When a version becomes current, each reader of its agency (the agency's reading policy) gets a
line in the distribution log (sổ theo dõi phân phối) and a notification; they confirm with one
click. A newer version supersedes the lines not yet confirmed and asks again; a retired
procedure stops asking. Lines are never deleted: the log shows who was asked, when, and who
confirmed what.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select, true, update
from sqlalchemy.orm import selectinload

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.models import ROLES, User
from qmsdocs.auth.permissions import require_approve
from qmsdocs.db import session, utcnow
from qmsdocs.text import N_
from qmsdocs.errors import Conflict, Forbidden, InvalidInput, NotFound
from qmsdocs.notifications.models import (
    READER_SCOPES, Notification, ReadingAssignment, ReadingPolicy, ReadingPolicyUser,
)
from qmsdocs.notifications.services import notify_many
from qmsdocs.procedures.models import Procedure, ProcedureVersion

READER_ROLES = tuple(role for role in ROLES if role != "admin")
STATE_LABELS = {"pending": N_("chưa xác nhận"), "confirmed": N_("đã đọc và hiểu"),
                "superseded": N_("đã có bản mới"), "withdrawn": N_("không còn phải đọc")}
SCOPE_LABELS = {"none": N_("Không yêu cầu"), "all": N_("Mọi người dùng của cơ quan"),
                "chosen": N_("Vai trò và người được chọn")}
ROLE_LABELS = {"editor": N_("Biên tập viên"), "approver": N_("Người phê duyệt"), "viewer": N_("Người xem")}


# The agency's policy ------------------------------------------------------------------------------

def policy_of(agency_id: int) -> ReadingPolicy:
    found = session.get(ReadingPolicy, agency_id)
    return found if found is not None else ReadingPolicy(agency_id=agency_id, scope="none", roles="")


def set_policy(agency: Agency, *, scope, roles=(), usernames=(), actor) -> ReadingPolicy:
    """Who must read this agency's procedures; the current versions are given to new readers at once."""
    require_approve(actor, agency.id)
    if scope not in READER_SCOPES:
        raise InvalidInput("Phạm vi phải là none (không yêu cầu), all (mọi người dùng của cơ quan) hoặc chosen "
                           "(vai trò và người được chọn).", code="invalid_scope")
    roles, usernames = _string_list(roles, "roles"), _string_list(usernames, "users")
    unknown_roles = [role for role in roles if role not in READER_ROLES]
    if unknown_roles:
        raise InvalidInput(f"Vai trò không hợp lệ: {', '.join(unknown_roles)}. Chọn trong: {', '.join(READER_ROLES)}.",
                           code="invalid_role")
    users = list(session.scalars(select(User).where(User.username.in_(usernames)))) if usernames else []
    missing = sorted(set(usernames) - {user.username for user in users})
    if missing:
        raise InvalidInput(f"Không có người dùng: {', '.join(missing)}. Hãy kiểm tra tên đăng nhập.",
                           code="unknown_user")
    if scope == "chosen" and not roles and not users:
        raise InvalidInput("Với phạm vi chosen, hãy chọn ít nhất một vai trò hoặc một người dùng.",
                           code="no_readers_chosen")
    policy = session.get(ReadingPolicy, agency.id)
    if policy is None:
        policy = ReadingPolicy(agency_id=agency.id)
        session.add(policy)
    policy.scope = scope
    policy.roles = ",".join(sorted(set(roles))) if scope == "chosen" else ""
    policy.updated_at = utcnow()
    policy.updated_by_id = getattr(actor, "id", None)
    chosen_ids = {user.id for user in users} if scope == "chosen" else set()
    policy.users = [entry for entry in policy.users if entry.user_id in chosen_ids]
    kept = {entry.user_id for entry in policy.users}
    policy.users += [ReadingPolicyUser(agency_id=agency.id, user_id=uid) for uid in sorted(chosen_ids - kept)]
    session.flush()
    record(actor, "reading.policy", "agency", agency.id, agency_id=agency.id, scope=scope,
           roles=policy.role_list, users=sorted(user.username for user in users))
    sync_agency(agency.id)
    return policy


def _string_list(value, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",")]
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"Trường '{name}' phải là mảng chuỗi hoặc chuỗi ngăn cách bởi dấu phẩy.",
                           code="invalid_field")
    return [item.strip() for item in value if item.strip()]


def readers_of(agency_id: int) -> set[int]:
    """Active users who must read this agency's procedures under its policy now."""
    policy = session.get(ReadingPolicy, agency_id)
    if policy is None or policy.scope == "none":
        return set()
    active = User.active.is_(True)
    if policy.scope == "all":
        return set(session.scalars(select(User.id).where(User.agency_id == agency_id, active)))
    found = set()
    if policy.role_list:
        found |= set(session.scalars(select(User.id).where(User.agency_id == agency_id, active,
                                                           User.role.in_(policy.role_list))))
    found |= set(session.scalars(select(User.id).join(ReadingPolicyUser, ReadingPolicyUser.user_id == User.id)
                                 .where(ReadingPolicyUser.agency_id == agency_id, active)))
    return found


# Distribution -------------------------------------------------------------------------------------

def distribute(version: ProcedureVersion, **_kwargs) -> int:
    """A version became current: earlier unconfirmed lines are superseded and its readers are asked."""
    procedure = version.procedure
    now = utcnow()
    session.execute(update(ReadingAssignment).where(
        ReadingAssignment.procedure_id == procedure.id, ReadingAssignment.version_id != version.id,
        ReadingAssignment.state == "pending").values(state="superseded", closed_at=now))
    if procedure.status != "active":
        return 0
    return _ask(version, readers_of(procedure.agency_id), now)


def _ask(version: ProcedureVersion, reader_ids: set[int], now) -> int:
    """Add the missing lines for these readers and tell each of them; returns how many were asked."""
    procedure = version.procedure
    lines = {line.user_id: line for line in session.scalars(select(ReadingAssignment).where(
        ReadingAssignment.version_id == version.id))}
    new_ids = sorted(reader_ids - set(lines))
    for user_id in new_ids:
        session.add(ReadingAssignment(version_id=version.id, procedure_id=procedure.id, agency_id=procedure.agency_id,
                                      user_id=user_id, state="pending", assigned_at=now))
    # People dropped from the readers and named again are asked again (their line was withdrawn).
    for user_id in sorted(reader_ids & set(lines)):
        if lines[user_id].state == "withdrawn":
            lines[user_id].state, lines[user_id].closed_at, lines[user_id].assigned_at = "pending", None, now
            new_ids.append(user_id)
    session.flush()
    notify_many(new_ids, "must_read",
                f"Cần đọc và xác nhận: {procedure.code} phiên bản {version.number}",
                f"Quy trình «{procedure.title}» có phiên bản {version.number} mới có hiệu lực. "
                "Hãy đọc rồi bấm «Tôi đã đọc và hiểu» trên trang quy trình hoặc trang chủ.",
                f"/procedures/{procedure.id}")
    return len(new_ids)


def stop_asking(procedure: Procedure, **_kwargs) -> None:
    """A retired procedure asks no one any more (its confirmed lines stay in the log)."""
    if procedure.status != "retired" or procedure.id is None:
        return
    session.execute(update(ReadingAssignment).where(
        ReadingAssignment.procedure_id == procedure.id, ReadingAssignment.state == "pending")
        .values(state="withdrawn", closed_at=utcnow()))


def sync_moved(_source, *, moves, **_kwargs) -> int:
    """Procedures a reorganization moved are read by their new agency's readers from now on."""
    return sync_procedures([procedure for procedure, _reason in moves])


# Versions whose reading lines are read and changed per statement.
_BATCH = 500


def sync_procedures(procedures: list[Procedure]) -> int:
    """Make the current versions' lines match the readers of each procedure's agency now.

    A reorganization moves thousands of procedures at once: the readers are looked up once per
    agency and the lines read and changed a few hundred versions per statement."""
    for procedure in procedures:
        if procedure.status != "active" or procedure.current_version_id is None:
            stop_asking(procedure)
    by_agency: dict[int, list[Procedure]] = defaultdict(list)
    for procedure in procedures:
        if procedure.status == "active" and procedure.current_version_id is not None:
            by_agency[procedure.agency_id].append(procedure)
    now, asked = utcnow(), 0
    for agency_id, group in by_agency.items():
        readers = readers_of(agency_id)
        for start in range(0, len(group), _BATCH):
            asked += _sync_batch(group[start:start + _BATCH], readers, now)
    return asked


def _sync_batch(procedures: list[Procedure], readers: set[int], now) -> int:
    version_ids = [procedure.current_version_id for procedure in procedures]
    session.execute(update(ReadingAssignment).where(
        ReadingAssignment.version_id.in_(version_ids), ReadingAssignment.state == "pending",
        ReadingAssignment.user_id.not_in(readers) if readers else true())
        .values(state="withdrawn", closed_at=now))
    if not readers:
        return 0
    versions = session.scalars(select(ProcedureVersion).where(ProcedureVersion.id.in_(version_ids)))
    return sum(_ask(version, readers, now) for version in versions)


def sync_agency(agency_id: int) -> int:
    return sync_procedures(list(session.scalars(select(Procedure).where(
        Procedure.agency_id == agency_id, Procedure.status == "active", Procedure.current_version_id.is_not(None)))))


# Confirming ---------------------------------------------------------------------------------------

def confirm(version: ProcedureVersion, user) -> ReadingAssignment:
    """The person has read and understood this version: once, and only while it is current."""
    procedure = version.procedure
    if procedure.status != "active":
        raise Conflict("Quy trình đã bị bãi bỏ nên không còn cần xác nhận đã đọc.", code="procedure_retired")
    if procedure.current_version_id != version.id:
        current = procedure.current_version
        hint = (f" Hãy đọc và xác nhận phiên bản hiện hành (phiên bản {current.number})." if current
                else " Quy trình chưa có phiên bản hiện hành.")
        raise Conflict(f"Phiên bản {version.number} không phải bản đang có hiệu lực nên không xác nhận được.{hint}",
                       code="version_not_current")
    line = session.scalar(select(ReadingAssignment).where(ReadingAssignment.version_id == version.id,
                                                          ReadingAssignment.user_id == user.id))
    if line is None:
        if user.id not in readers_of(procedure.agency_id):
            raise Forbidden("Bạn không thuộc danh sách phải đọc quy trình này nên không cần xác nhận. "
                            "Nếu cần, hãy đề nghị người phê duyệt của cơ quan thêm bạn vào danh sách.",
                            code="not_a_reader")
        line = ReadingAssignment(version_id=version.id, procedure_id=procedure.id, agency_id=procedure.agency_id,
                                 user_id=user.id, state="pending", assigned_at=utcnow())
        session.add(line)
        session.flush()
    if line.state == "confirmed":
        raise _already(line)
    if line.state == "withdrawn":
        raise Forbidden("Bạn không còn thuộc danh sách phải đọc quy trình này nên không cần xác nhận.",
                        code="not_a_reader")
    now = utcnow()
    # Conditional, so that of two clicks racing exactly one confirms.
    changed = session.execute(update(ReadingAssignment).where(
        ReadingAssignment.id == line.id, ReadingAssignment.state == "pending")
        .values(state="confirmed", confirmed_at=now).execution_options(synchronize_session=False)).rowcount
    session.refresh(line)
    if not changed:
        raise _already(line)
    record(user, "reading.confirm", "procedure", procedure.id, agency_id=procedure.agency_id, version=version.number)
    # What asked them to read it is done with.
    session.execute(update(Notification).where(
        Notification.user_id == user.id, Notification.kind == "must_read", Notification.read_at.is_(None),
        Notification.link == f"/procedures/{procedure.id}").values(read_at=now))
    return line


def _already(line: ReadingAssignment) -> Conflict:
    from qmsdocs.i18n import format_date

    return Conflict(f"Bạn đã xác nhận đọc và hiểu phiên bản này lúc {format_date(line.confirmed_at)}; "
                    "không cần xác nhận lại.", code="already_confirmed")


# Reading the log ----------------------------------------------------------------------------------

def _with_details(query):
    return query.options(selectinload(ReadingAssignment.user), selectinload(ReadingAssignment.version),
                         selectinload(ReadingAssignment.procedure).selectinload(Procedure.agency))


def to_read(user_id: int) -> list[ReadingAssignment]:
    """What this person still must read: lines pending on current versions of active procedures."""
    return list(session.scalars(_with_details(
        select(ReadingAssignment).join(Procedure, Procedure.id == ReadingAssignment.procedure_id).where(
            ReadingAssignment.user_id == user_id, ReadingAssignment.state == "pending",
            Procedure.status == "active", Procedure.current_version_id == ReadingAssignment.version_id))
        .order_by(ReadingAssignment.assigned_at, ReadingAssignment.id)))


@dataclass
class VersionReaders:
    version: ProcedureVersion
    confirmed: list
    pending: list
    closed: list

    @property
    def total(self) -> int:
        return len(self.confirmed) + len(self.pending)


def readers_by_version(procedure: Procedure) -> list[VersionReaders]:
    """Per version (newest first): who confirmed, who has not, who was asked but the version was replaced."""
    lines = log_lines(procedure_id=procedure.id)
    by_version: dict[int, VersionReaders] = {}
    for line in lines:
        entry = by_version.setdefault(line.version_id, VersionReaders(line.version, [], [], []))
        {"confirmed": entry.confirmed, "pending": entry.pending}.get(line.state, entry.closed).append(line)
    return sorted(by_version.values(), key=lambda entry: entry.version.number, reverse=True)


def log_lines(*, procedure_id: int | None = None, agency_id: int | None = None, user_id: int | None = None,
              limit: int | None = None, offset: int = 0) -> list[ReadingAssignment]:
    query = select(ReadingAssignment)
    if procedure_id is not None:
        query = query.where(ReadingAssignment.procedure_id == procedure_id)
    if agency_id is not None:
        query = query.where(ReadingAssignment.agency_id == agency_id)
    if user_id is not None:
        query = query.where(ReadingAssignment.user_id == user_id)
    query = _with_details(query).order_by(ReadingAssignment.procedure_id, ReadingAssignment.version_id,
                                          ReadingAssignment.id)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(session.scalars(query))


def count_lines(*, procedure_id: int | None = None, agency_id: int | None = None) -> int:
    from sqlalchemy import func

    query = select(func.count()).select_from(ReadingAssignment)
    if procedure_id is not None:
        query = query.where(ReadingAssignment.procedure_id == procedure_id)
    if agency_id is not None:
        query = query.where(ReadingAssignment.agency_id == agency_id)
    return session.scalar(query) or 0


def get_version_of(procedure_id: int, number: int) -> ProcedureVersion:
    version = session.scalar(select(ProcedureVersion).where(ProcedureVersion.procedure_id == procedure_id,
                                                            ProcedureVersion.number == number))
    if version is None:
        raise NotFound(f"Quy trình không có phiên bản {number}.", code="version_not_found")
    return version


def log_workbook(lines: list[ReadingAssignment], title: str) -> bytes:
    """The distribution log as an .xlsx sheet, laid out like the paper book."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from qmsdocs.i18n import format_date

    book = Workbook()
    sheet = book.active
    sheet.title = "So theo doi phan phoi"
    sheet.append(["SỔ THEO DÕI PHÂN PHỐI TÀI LIỆU"])
    sheet.append([title])
    sheet.append([])
    header = ["STT", "Cơ quan", "Mã quy trình", "Tên quy trình", "Phiên bản", "Lần ban hành", "Người nhận",
              "Họ và tên", "Ngày phân phối", "Trạng thái", "Ngày xác nhận đã đọc và hiểu"]
    sheet.append(header)
    for cell in sheet[1] + sheet[4]:
        cell.font = Font(bold=True)
    for number, line in enumerate(lines, start=1):
        procedure, version, user = line.procedure, line.version, line.user
        sheet.append([number, procedure.agency.code, procedure.code, procedure.title, version.number,
                      version.doc_revision or "", user.username, user.full_name or user.username,
                      format_date(line.assigned_at), STATE_LABELS.get(line.state, line.state),
                      format_date(line.confirmed_at) if line.confirmed_at else ""])
    for column, width in zip("ABCDEFGHIJK", (6, 10, 14, 48, 10, 12, 16, 26, 18, 18, 22)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=5):
        row[3].alignment = Alignment(wrap_text=True, vertical="top")
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
