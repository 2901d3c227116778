"""Sign-in and sign-out pages (Flask-Login sessions)."""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user

from qmsdocs.auth.models import User
from qmsdocs.api import use_token_loader
from qmsdocs.auth.services import authenticate, user_for_token
from qmsdocs.db import session

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Hãy đăng nhập để tiếp tục."
login_manager.login_message_category = "info"
login_manager.session_protection = "strong"


@login_manager.user_loader
def load_user(user_id: str):
    try:
        user = session.get(User, int(user_id))
    except ValueError:
        return None
    return user if user is not None and user.active else None


def _safe_next(target: str | None) -> str:
    """Only follow a `next` that stays on this site."""
    if target and not urlparse(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home") if "web.home" in _endpoints() else "/"


def _endpoints():
    from flask import current_app

    return current_app.view_functions


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    error = None
    if request.method == "POST":
        user = authenticate(request.form.get("username", ""), request.form.get("password", ""))
        # Failed attempts are counted even though this answer is an error: commit them now.
        session.commit()
        if user is not None:
            login_user(user, remember=False)
            return redirect(_safe_next(request.args.get("next")))
        error = _("Sai tên đăng nhập hoặc mật khẩu, hoặc tài khoản đang tạm khoá sau nhiều lần nhập sai "
                  "(thử lại sau 15 phút).")
    status = 401 if error else 200
    return render_template("auth/login.html", error=error, username=request.form.get("username", "")), status


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
            error = " ".join(message for messages in form.errors.values() for message in messages)
        elif not check_password_hash(user.password_hash, form.current.data or ""):
            error = _("Mật khẩu hiện tại không đúng.")
        else:
            try:
                set_password(user, form.password.data, actor=user)
            except InvalidInput as exc:
                error = exc.message
            else:
                flash(_("Đã đổi mật khẩu."), "success")
                return redirect(url_for("auth.account"), 303)
    return render_template("auth/account.html", form=form, error=error), (400 if error else 200)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    use_token_loader(app, user_for_token)
    app.register_blueprint(bp)
