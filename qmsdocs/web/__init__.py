"""Pages for officials: layout, CSRF protection, navigation. Area pages live in each area's routes.py."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError, CSRFProtect

from qmsdocs.errors import QmsError

csrf = CSRFProtect()

# (endpoint, label); an entry shows only once its area has registered the endpoint.
NAV_ITEMS = [
    ("web.home", _l("Trang chủ")),
    ("web.procedures", _l("Quy trình")),
    ("search.search_page", _l("Tìm kiếm")),
    ("alerts.dashboard", _l("Cảnh báo")),
    ("legal.index", _l("Văn bản pháp luật")),
    ("catalog.index", _l("Thủ tục hành chính")),
    ("reports.index", _l("Báo cáo")),
    ("web.agencies", _l("Cơ quan")),
    ("web.users", _l("Người dùng")),
]


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

    @app.errorhandler(CSRFError)
    def _csrf_error(_error):
        from qmsdocs.http import error_response

        return error_response(QmsError(
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Hãy tải lại trang rồi gửi lại.",
            code="csrf_failed", status=400,
        ))

    @app.context_processor
    def _navigation():
        items = [(endpoint, label) for endpoint, label in NAV_ITEMS if endpoint in app.view_functions]
        return {"nav_items": items}
