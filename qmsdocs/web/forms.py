"""Agency and user administration forms (Flask-WTF); the domain rules stay in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from qmsdocs.agencies.models import LEVELS
from qmsdocs.auth.forms import password_fields
from qmsdocs.auth.models import ROLES
from qmsdocs.pages import REQUIRED, choices, interval_field

ROLE_LABELS = {
    "admin": _l("Quản trị viên"),
    "editor": _l("Biên tập (tải lên)"),
    "approver": _l("Phê duyệt"),
    "viewer": _l("Chỉ xem"),
}
LEVEL_LABELS = {"province": _l("Cấp tỉnh"), "district": _l("Cấp huyện"), "commune": _l("Cấp xã")}


class AgencyForm(FlaskForm):
    code = StringField(_l("Mã cơ quan"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    name = StringField(_l("Tên cơ quan"), validators=[DataRequired(message=REQUIRED), Length(max=255)])
    level = SelectField(_l("Cấp"), choices=choices((level, LEVEL_LABELS[level]) for level in LEVELS))
    kind = StringField(_l("Loại (sở, chi cục, UBND xã…)"), validators=[Optional(), Length(max=64)])
    parent = SelectField(_l("Cơ quan cấp trên"), validators=[Optional()])
    approval_required = BooleanField(_l("Phiên bản mới phải được phê duyệt trước khi có hiệu lực"))
    four_eyes_approval = BooleanField(_l("Phê duyệt hai người: người tải lên không được tự phê duyệt phiên bản của mình"))
    review_interval_months = interval_field(_l("Chu kỳ rà soát định kỳ (tháng)"), required=True)
    active = BooleanField(_l("Đang hoạt động"), default=True)


class UserCreateForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES), default="viewer")
    agency = SelectField(_l("Cơ quan"), validators=[Optional()])
    password, confirm = password_fields()


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES))
    agency = SelectField(_l("Cơ quan"), validators=[Optional()])


class TokenForm(FlaskForm):
    name = StringField(_l("Tên gợi nhớ của mã (ví dụ: phần mềm một cửa)"), validators=[Optional(), Length(max=128)])


class ConfirmForm(FlaskForm):
    """A button-only form (revoke, deactivate…): carries just the CSRF token."""
