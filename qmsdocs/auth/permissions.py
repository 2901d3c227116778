"""Who may do what. Checked by services' callers on every route, never only in templates.

Reading is open to every signed-in user: procedures are public administrative documents
and officials search across agencies. Writing is scoped to the user's own agency.
"""

from __future__ import annotations

from qmsdocs.errors import Forbidden

WRITE_ROLES = ("editor", "approver")


def is_admin(user) -> bool:
    return user is not None and user.role == "admin"


def can_write(user, agency_id: int | None) -> bool:
    if is_admin(user):
        return True
    return user is not None and user.role in WRITE_ROLES and agency_id is not None and user.agency_id == agency_id


def can_approve(user, agency_id: int | None) -> bool:
    if is_admin(user):
        return True
    return user is not None and user.role == "approver" and user.agency_id == agency_id


def require_write(user, agency_id: int | None) -> None:
    if not can_write(user, agency_id):
        raise Forbidden(
            "Bạn không có quyền sửa quy trình của cơ quan này. Hãy liên hệ quản trị viên nếu cần quyền.",
            code="forbidden",
        )


def require_approve(user, agency_id: int | None) -> None:
    if not can_approve(user, agency_id):
        raise Forbidden(
            "Chỉ người phê duyệt của cơ quan hoặc quản trị viên mới được làm việc này.", code="forbidden"
        )


def require_admin(user) -> None:
    if not is_admin(user):
        raise Forbidden("Chỉ quản trị viên mới được làm việc này.", code="forbidden")


class SystemActor:
    """The actor for command-line and scheduled work run by the server's operator."""

    id = None
    username = "system"
    role = "admin"
    agency_id = None
    is_authenticated = True


SYSTEM = SystemActor()
