"""Pages for officials: layout, CSRF protection, navigation. Area pages live in each area's routes.py."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect

from qmsdocs.errors import QmsError
from qmsdocs.web import filters

csrf = CSRFProtect()

# (endpoint, label); an entry shows only once its area has registered the endpoint.
NAV_ITEMS = [
    ("web.home", _l("Trang chủ")),
    ("web.procedures", _l("Quy trình")),
    ("search.search_page", _l("Tìm kiếm")),
    ("alerts.dashboard", _l("Cảnh báo")),
    ("doccontrol.requests_list", _l("Đề nghị sửa đổi")),
    ("legal.index", _l("Văn bản pháp luật")),
    ("catalog.index", _l("Thủ tục hành chính")),
    ("reports.index", _l("Báo cáo")),
    ("registers.internal_page", _l("Danh mục tài liệu")),
    ("web.agencies", _l("Cơ quan")),
    ("web.users", _l("Người dùng")),
    ("jobs.system_page", _l("Hệ thống")),
]
# Shown only to administrators (the views check the role themselves).
ADMIN_ONLY = {"web.users", "jobs.system_page"}


def _protect_forms() -> None:
    """Every form post is CSRF-checked; the token-authenticated JSON API is not cookie-based."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not request.path.startswith("/api/"):
        csrf.protect()


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(_protect_forms)
    filters.init_app(app)

    @app.get("/favicon.ico")
    def _favicon():
        # Browsers ask for /favicon.ico on every page whatever the <link> says; answer it, no 404.
        return app.send_static_file("favicon.svg")

    @app.errorhandler(CSRFError)
    def _csrf_error(_error):
        from qmsdocs.http import error_response

        return error_response(QmsError(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang rồi gửi lại.",
            code="csrf_failed", status=400,
        ))

    @app.context_processor
    def _navigation():
        from flask_login import current_user

        from qmsdocs.auth.permissions import is_admin

        admin = is_admin(current_user) if current_user and current_user.is_authenticated else False
        items = [(endpoint, label) for endpoint, label in NAV_ITEMS
                 if endpoint in app.view_functions and (admin or endpoint not in ADMIN_ONLY)]
        return {"nav_items": items, "nav_section": _nav_section(items),
                "search_endpoint": "search.search_page" if "search.search_page" in app.view_functions else None}

    app.after_request(_security_headers)


def _nav_section(items) -> str | None:
    """The navigation entry the current page belongs to (a procedure page belongs to Quy trình)."""
    endpoint = request.endpoint or ""
    blueprint = endpoint.split(".", 1)[0]
    for candidate, _label in items:
        if candidate == endpoint:
            return candidate
    if endpoint.startswith("web.") and ("procedure" in endpoint or "version" in endpoint or endpoint in (
            "web.upload", "web.inspect_upload", "web.compare", "web.retire", "web.new_procedure")):
        return "web.procedures"
    if endpoint in ("web.new_agency", "web.edit_agency") or blueprint in ("agencies", "reorganize"):
        return "web.agencies"
    if endpoint.startswith("web.") and "user" in endpoint or endpoint in ("web.mint_token", "web.revoke_token"):
        return "web.users"
    for candidate, _label in items:
        if candidate.split(".", 1)[0] == blueprint and blueprint != "web":
            return candidate
    return None


def _security_headers(response):
    """Pages may only be framed by the app itself; browsers must not guess content types."""
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
