"""Creating users, checking passwords and API tokens. No HTTP here."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.models import ROLES, ApiToken, User
from qmsdocs.db import session, utcnow, write_aside
from qmsdocs.errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD_LENGTH = 8
TOKEN_PREFIX = "qms_"
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def create_user(username: str, password: str, role: str, *, agency_code: str | None = None,
                full_name: str = "", actor=None) -> User:
    username = (username or "").strip()
    if not username or len(username) > 64:
        raise InvalidInput("Tên đăng nhập không được để trống và dài tối đa 64 ký tự.", code="invalid_username")
    _check_role(role)
    _check_password(password)
    agency = _agency_for_role(role, agency_code)
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict(f"Tên đăng nhập '{username}' đã có. Hãy chọn tên khác.", code="user_exists")
    user = User(
        username=username,
        full_name=full_name or username,
        password_hash=_hash_password(password),
        role=role,
        agency_id=agency.id if agency else None,
    )
    session.add(user)
    session.flush()
    record(actor, "user.create", "user", user.id, agency_id=user.agency_id, username=username, role=role)
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidInput(
            f"Vai trò '{role}' không hợp lệ. Hãy chọn một trong: {', '.join(ROLES)}.", code="invalid_role"
        )


def _check_password(password: str | None) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự. Hãy chọn mật khẩu dài hơn.",
            code="weak_password",
        )


def _agency_for_role(role: str, agency_code: str | None) -> Agency | None:
    """Every user but an admin belongs to an agency."""
    if agency_code:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise NotFound(f"Không có cơ quan mã '{agency_code}'. Hãy tạo cơ quan trước.", code="agency_not_found")
        return agency
    if role != "admin":
        raise InvalidInput(
            "Người dùng không phải quản trị phải thuộc một cơ quan. Hãy chọn cơ quan (--agency).",
            code="agency_required",
        )
    return None


def _hash_password(password: str) -> str:
    """scrypt by default; tests choose a cheaper method through PASSWORD_HASH_METHOD."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def user_by_name(username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"Không có người dùng '{username}'.", code="user_not_found")
    return user


def set_password(user: User, password: str, actor=None) -> None:
    """A new password also ends every session signed in with the old one."""
    _check_password(password)
    user.password_hash = _hash_password(password)
    user.session_generation = (user.session_generation or 0) + 1
    record(actor, "user.password", "user", user.id, agency_id=user.agency_id, sessions_ended=True)


def end_sessions(user: User, actor=None, *, reason: str = "logout") -> None:
    """Sign the user out everywhere: every session cookie carries the old generation."""
    user.session_generation = (user.session_generation or 0) + 1
    record(actor, f"user.{reason}", "user", user.id, agency_id=user.agency_id, sessions_ended=True)


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def mint_token(user: User, name: str = "", actor=None) -> str:
    """Create a token and return it; only its hash is kept, so this is the one chance to see it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=_hash_token(token), prefix=token[:10])
    session.add(row)
    session.flush()
    record(actor or user, "token.create", "user", user.id, agency_id=user.agency_id, token_id=row.id)
    return token


def revoke_token(token_row: ApiToken, actor=None) -> None:
    token_row.revoked_at = utcnow()
    record(actor, "token.revoke", "user", token_row.user_id, token_id=token_row.id)


def user_for_token(token: str) -> tuple[User, int, datetime | None] | None:
    """The token's user, the token's id and when it was last used; reading only."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash_token(token or "")))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user, row.id, row.last_used_at


# (database, token id) -> when this process last recorded its use (monotonic seconds)
_recent_token_uses: dict[tuple[str, int], float] = {}
_recent_token_uses_lock = threading.Lock()


def note_token_use(token_id: int, last_used_at: datetime | None) -> bool:
    """Record a token's use at most once a minute, outside any request's transaction.

    Reads never write: a GET with a token must not need the write lock, so this runs after
    the request's own transaction and gives up at once if the database is busy.
    """
    now = utcnow()
    if last_used_at is not None and now - last_used_at < TOKEN_USE_RESOLUTION:
        return False
    moment = time.monotonic()
    key = (current_app.config["DATABASE_URL"], token_id)
    with _recent_token_uses_lock:
        if moment - _recent_token_uses.get(key, -1e9) < TOKEN_USE_RESOLUTION.total_seconds():
            return False
        _recent_token_uses[key] = moment
        if len(_recent_token_uses) > 10000:
            _recent_token_uses.clear()
    return write_aside(
        "UPDATE api_tokens SET last_used_at = :now WHERE id = :id AND (last_used_at IS NULL OR last_used_at < :cutoff)",
        {"now": now, "id": token_id, "cutoff": now - TOKEN_USE_RESOLUTION},
    )


def get_user(user_id: int) -> User:
    user = session.get(User, user_id) if 0 < user_id <= 2**31 - 1 else None
    if user is None:
        raise NotFound(f"Không có người dùng số {user_id}.", code="user_not_found")
    return user


def list_users() -> list[User]:
    from sqlalchemy.orm import selectinload

    return list(session.scalars(
        select(User).options(selectinload(User.agency), selectinload(User.tokens)).order_by(User.username)
    ))


def _other_active_admins(user: User) -> int:
    from sqlalchemy import func

    return session.scalar(
        select(func.count()).select_from(User).where(User.role == "admin", User.active.is_(True), User.id != user.id)
    ) or 0


def update_user(user: User, *, role: str, agency_code: str | None, full_name: str = "", actor=None) -> User:
    """Change a user's role, agency and display name; the last active admin cannot lose the role."""
    _check_role(role)
    agency = _agency_for_role(role, agency_code)
    if user.role == "admin" and role != "admin" and user.active and not _other_active_admins(user):
        raise Conflict(
            "Đây là quản trị viên cuối cùng đang hoạt động; hãy cấp quyền quản trị cho người khác trước.",
            code="last_admin",
        )
    full_name = (full_name or "").strip()[:255] or user.full_name
    changes = {}
    for attribute, value in (("role", role), ("full_name", full_name)):
        if getattr(user, attribute) != value:
            changes[attribute] = value
            setattr(user, attribute, value)
    if user.agency_id != (agency.id if agency else None):
        changes["agency"] = agency.code if agency else None
    user.agency = agency
    session.flush()
    if changes:
        record(actor, "user.update", "user", user.id, agency_id=user.agency_id, **changes)
    return user


def set_user_active(user: User, active: bool, actor=None) -> None:
    """Deactivated users can neither sign in nor use their API tokens; nothing is deleted."""
    if not active and getattr(actor, "id", None) == user.id:
        raise Conflict("Bạn không thể tự khoá tài khoản của chính mình.", code="self_deactivate")
    if not active and user.role == "admin" and user.active and not _other_active_admins(user):
        raise Conflict(
            "Đây là quản trị viên cuối cùng đang hoạt động; không thể ngừng kích hoạt.", code="last_admin"
        )
    if user.active == active:
        return
    user.active = active
    record(actor, "user.activate" if active else "user.deactivate", "user", user.id, agency_id=user.agency_id)


def reset_password(user: User, password: str, actor=None) -> None:
    """An administrator sets a new password; it also lifts the account's sign-in blocks."""
    from qmsdocs.auth.signin import unlock

    set_password(user, password, actor=actor)
    unlock(user, actor=actor)


def get_token(user: User, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id) if 0 < token_id <= 2**31 - 1 else None
    if token is None or token.user_id != user.id:
        raise NotFound("Không có mã API này của người dùng.", code="token_not_found")
    return token
