"""Sign-in and sign-out pages (Flask-Login sessions)."""

from __future__ import annotations

import time
from urllib.parse import urlparse

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from qmsdocs.auth.models import User
from qmsdocs.api import use_token_loader
from qmsdocs.auth.services import end_sessions, note_token_use, user_for_token
from qmsdocs.auth.signin import sign_in
from qmsdocs.db import SAFE_METHODS, credential_reads, session
from qmsdocs.http import keep_changes_on_error

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Hãy đăng nhập để tiếp tục."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


# Keys this app keeps in the signed session cookie.
GENERATION = "qms_generation"
SIGNED_IN_AT = "qms_signed_in_at"
SEEN_AT = "qms_seen_at"
# The idle clock in the cookie is moved on at most this often, not on every request.
SEEN_RESOLUTION_SECONDS = 60


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, unless the session was ended (logout, new password) or expired."""
    try:
        user = session.get(User, int(user_id)) if 0 < int(user_id) <= 2**31 - 1 else None
    except ValueError:
        return None
    now = time.time()
    signed_in_at, seen_at = cookie.get(SIGNED_IN_AT), cookie.get(SEEN_AT)
    config = current_app.config
    if (user is None or not user.active or cookie.get(GENERATION) != user.session_generation
            or not isinstance(signed_in_at, (int, float)) or not isinstance(seen_at, (int, float))):
        _forget_session()
        return None
    if now - seen_at > config["SESSION_IDLE_MINUTES"] * 60 or now - signed_in_at > config["SESSION_MAX_HOURS"] * 3600:
        _forget_session()
        flash(_("Phiên làm việc đã hết hạn. Hãy đăng nhập lại."), "info")
        return None
    if now - seen_at >= SEEN_RESOLUTION_SECONDS:
        cookie[SEEN_AT] = now
    return user


def _forget_session() -> None:
    for key in ("_user_id", "_fresh", "_id", GENERATION, SIGNED_IN_AT, SEEN_AT):
        cookie.pop(key, None)


def _start_session(user: User) -> None:
    now = time.time()
    cookie[GENERATION] = user.session_generation
    cookie[SIGNED_IN_AT] = now
    cookie[SEEN_AT] = now


def _load_signed_in_user() -> None:
    """Before a page's write: who is signed in, read outside the request's write transaction."""
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    with credential_reads():
        current_user._get_current_object()


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site (and is a plain path: no controls, no backslash)."""
    if (target and target.startswith("/") and not target.startswith("//") and not urlparse(target).netloc
            and not any(ord(character) < 32 or character in "\\\x7f" for character in target)):
        return target
    return url_for("web.home") if "web.home" in _endpoints() else "/"


def _endpoints():
    return current_app.view_functions


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    error = None
    status = 200
    headers = {}
    if request.method == "POST":
        result = sign_in(request.form.get("username", ""), request.form.get("password", ""), request.remote_addr)
        # Failed attempts are counted even though this answer is an error.
        keep_changes_on_error()
        if result.user is not None:
            cookie.clear()
            login_user(result.user, remember=False)
            _start_session(result.user)
            return redirect(_safe_next(request.args.get("next")))
        status = 401
        if result.refusal == "slow_down":
            status = 429
            headers["Retry-After"] = str(result.retry_after)
            error = _("Có quá nhiều lần đăng nhập sai từ máy của bạn. Hãy đợi %(s)d giây rồi thử lại.",
                      s=result.retry_after)
        elif result.refusal == "blocked":
            headers["Retry-After"] = str(result.retry_after)
            error = _("Tài khoản này đang tạm chặn đăng nhập từ máy của bạn sau nhiều lần nhập sai mật khẩu. "
                      "Hãy thử lại sau %(m)d phút, đăng nhập từ máy khác, hoặc nhờ quản trị viên mở khoá.",
                      m=max(1, -(-result.retry_after // 60)))
        else:
            error = _("Sai tên đăng nhập hoặc mật khẩu. Sau nhiều lần nhập sai, máy của bạn sẽ bị tạm chặn "
                      "đăng nhập vào tài khoản này.")
    return (render_template("auth/login.html", error=error, username=request.form.get("username", "")),
            status, headers)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Every user can change their own password, knowing the current one."""
    from werkzeug.security import check_password_hash

    from qmsdocs.auth.services import set_password
    from qmsdocs.errors import InvalidInput
    from qmsdocs.auth.forms import OwnPasswordForm

    user = current_user._get_current_object()
    form = OwnPasswordForm()
    error = None
    if request.method == "POST":
        if not form.validate():
            error = " ".join(str(message) for messages in form.errors.values() for message in messages)
        elif not check_password_hash(user.password_hash, form.current.data or ""):
            error = _("Mật khẩu hiện tại không đúng.")
        else:
            try:
                set_password(user, form.password.data, actor=user)
            except InvalidInput as exc:
                error = exc.message
            else:
                # Every other session of this user ends; this one carries on.
                cookie[GENERATION] = user.session_generation
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("auth.account"), 303)
    return render_template("auth/account.html", form=form, error=error), (400 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    """Signing out ends every session of the user, on every browser."""
    end_sessions(current_user._get_current_object(), actor=current_user._get_current_object())
    logout_user()
    _forget_session()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    app.before_request(_load_signed_in_user)
    use_token_loader(app, user_for_token, note_token_use)
    app.register_blueprint(bp)
