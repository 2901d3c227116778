"""Template filters every area's pages share: audit actions, roles and levels as officials read them."""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape
from flask_babel import lazy_gettext as _l

from qmsdocs.web.forms import LEVEL_LABELS, ROLE_LABELS

# Audit actions as officials read them.
ACTION_LABELS = {
    "procedure.create": _l("Tạo quy trình"),
    "procedure.retire": _l("Bãi bỏ quy trình"),
    "procedure.move": _l("Chuyển quy trình sang cơ quan khác"),
    "procedure.review": _l("Rà soát định kỳ"),
    "procedure.admin_procedures": _l("Cập nhật thủ tục hành chính liên quan"),
    "procedure.admin_procedures.suggest": _l("Gợi ý thủ tục hành chính liên quan"),
    "procedure.admin_procedure.confirm": _l("Xác nhận thủ tục hành chính liên quan"),
    "procedure.admin_procedure.reject": _l("Bỏ gợi ý thủ tục hành chính"),
    "version.upload": _l("Tải lên phiên bản"),
    "form.attach": _l("Gắn biểu mẫu"),
    "form.replace": _l("Thay biểu mẫu"),
    "version.approve": _l("Phê duyệt phiên bản"),
    "version.return": _l("Trả lại bản nháp"),
    "version.in_force": _l("Phiên bản đến ngày hiệu lực, trở thành bản hiện hành"),
    "change_request.submit": _l("Gửi đề nghị sửa đổi"),
    "change_request.accept": _l("Chấp thuận đề nghị sửa đổi"),
    "change_request.decline": _l("Không chấp thuận đề nghị sửa đổi"),
    "change_request.done": _l("Thực hiện đề nghị sửa đổi bằng phiên bản mới"),
    "alert.open": _l("Mở cảnh báo"),
    "alert.acknowledge": _l("Tiếp nhận cảnh báo"),
    "alert.dismiss": _l("Bỏ qua cảnh báo"),
    "alert.resolve": _l("Đóng cảnh báo"),
    "agency.create": _l("Tạo cơ quan"),
    "agency.update": _l("Sửa thông tin cơ quan"),
    "agency.rename": _l("Đổi tên cơ quan"),
    "agency.merge": _l("Sáp nhập cơ quan"),
    "agency.split": _l("Chia tách cơ quan"),
    "agency.dissolve": _l("Giải thể cơ quan"),
    "agency.reorganization_plan": _l("Áp dụng kế hoạch sắp xếp tổ chức"),
    "service.rename": _l("Ghi tên đơn vị dùng hệ thống"),
    "user.create": _l("Tạo người dùng"),
    "user.update": _l("Sửa vai trò người dùng"),
    "user.password": _l("Đặt mật khẩu"),
    "user.locked": _l("Tạm khoá tài khoản sau nhiều lần nhập sai"),
    "user.activate": _l("Kích hoạt tài khoản"),
    "user.deactivate": _l("Ngừng kích hoạt tài khoản"),
    "user.move": _l("Chuyển người dùng sang cơ quan khác"),
    "token.create": _l("Cấp mã API"),
    "token.revoke": _l("Thu hồi mã API"),
    "legal.document.create": _l("Thêm văn bản pháp luật"),
    "legal.document.update": _l("Sửa văn bản pháp luật"),
    "legal.document.status": _l("Đổi tình trạng hiệu lực văn bản"),
    "legal.change.create": _l("Ghi nhận thay đổi văn bản pháp luật"),
    "legal.alias.add": _l("Thêm tên gọi khác của văn bản"),
    "user.login": _l("Đăng nhập"),
    "user.logout": _l("Đăng xuất"),
    "user.login_failed": _l("Đăng nhập sai mật khẩu"),
    "user.login_refused": _l("Từ chối đăng nhập"),
    "user.sign_in_blocked": _l("Chặn đăng nhập tạm thời"),
    "user.sign_in_guarded": _l("Làm chậm đăng nhập sau nhiều lần sai"),
    "user.unlock": _l("Mở khoá tài khoản"),
    "auth.address_slowed": _l("Làm chậm đăng nhập từ một địa chỉ"),
    "version.upload_warnings": _l("Tải lên phiên bản dù có cảnh báo"),
    "reading.confirm": _l("Xác nhận đã đọc và hiểu"),
    "reading.policy": _l("Đặt người phải đọc quy trình"),
    "admin_procedure.create": _l("Thêm thủ tục hành chính"),
    "admin_procedure.change": _l("Sửa thủ tục hành chính"),
    "admin_procedure.abolish": _l("Bãi bỏ thủ tục hành chính"),
    "admin_procedure.restore": _l("Khôi phục thủ tục hành chính"),
    "admin_procedure.import": _l("Nhập danh mục thủ tục hành chính"),
    "agency.bulk_create": _l("Nhập danh sách cơ quan"),
    "procedure.bulk_create": _l("Tạo nhiều quy trình một lần"),
    "assessment.create": _l("Ghi kết quả đánh giá"),
    "assessment.update": _l("Sửa kết quả đánh giá"),
    "assessment.bulk_create": _l("Ghi nhiều kết quả đánh giá"),
    "assessment.import": _l("Nhập kết quả đánh giá"),
    "demo.load": _l("Nạp dữ liệu mẫu"),
}

SYSTEM_NAME = _l("Hệ thống")


def person(user, login: str | None = None) -> Markup:
    """A person as officials know them: the full name, the login as a tooltip; no one is the system."""
    login = getattr(user, "username", None) or login
    if not login or login == "system":
        return Markup(escape(str(SYSTEM_NAME)))
    name = getattr(user, "full_name", None) or login
    return Markup('<span class="person" title="{}">{}</span>').format(login, name)


def event_actor(event) -> Markup:
    """The event's actor by full name; the session's identity map reads each person once per page."""
    from qmsdocs.auth.models import User
    from qmsdocs.db import session

    user = session.get(User, event.actor_id) if event.actor_id else None
    return person(user, event.actor_name)


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


def event_procedure_id(event) -> int | None:
    """The procedure an audit event is about: its object, or the one named in its details (alerts)."""
    if event.object_type == "procedure":
        return event.object_id
    value = (event.details or {}).get("procedure_id")
    return value if isinstance(value, int) else None


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def level_label(level: str) -> str:
    return str(LEVEL_LABELS.get(level, level))


def init_app(app: Flask) -> None:
    app.add_template_filter(action_label, "action_label")
    app.add_template_filter(person, "person")
    app.add_template_filter(event_actor, "event_actor")
    app.add_template_filter(role_label, "role_label")
    app.add_template_filter(level_label, "level_label")
    app.add_template_global(event_procedure_id, "event_procedure_id")
