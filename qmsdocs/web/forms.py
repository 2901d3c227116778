"""Web forms (Flask-WTF): field checks with Vietnamese messages; the domain rules stay in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectChoice, HiddenField, IntegerField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional

from qmsdocs.agencies.models import LEVELS
from qmsdocs.auth.models import ROLES
from qmsdocs.auth.services import MIN_PASSWORD_LENGTH
from qmsdocs.procedures.services import MAX_NOTE_LENGTH

ROLE_LABELS = {
    "admin": _l("Quản trị viên"),
    "editor": _l("Biên tập (tải lên)"),
    "approver": _l("Phê duyệt"),
    "viewer": _l("Chỉ xem"),
}
LEVEL_LABELS = {"province": _l("Cấp tỉnh"), "district": _l("Cấp huyện"), "commune": _l("Cấp xã")}

REQUIRED = _l("Trường này không được để trống.")


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _interval_field(label, *, required: bool):
    validators = [NumberRange(1, 120, message=_l("Chu kỳ rà soát phải từ 1 đến 120 tháng."))]
    validators.insert(0, InputRequired(message=REQUIRED) if required else Optional())
    return IntegerField(label, validators=validators)


class ProcedureForm(FlaskForm):
    agency = SelectField(_l("Cơ quan"), validators=[DataRequired(message=REQUIRED)])
    code = StringField(_l("Mã quy trình"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    title = StringField(_l("Tên quy trình"), validators=[DataRequired(message=REQUIRED), Length(max=500)])
    field = StringField(_l("Lĩnh vực"), validators=[Optional(), Length(max=255)])
    admin_procedures = StringField(_l("Mã thủ tục hành chính (cách nhau bởi dấu phẩy)"),
                                   validators=[Optional(), Length(max=1000)])
    review_interval_months = _interval_field(_l("Chu kỳ rà soát riêng (tháng)"), required=False)


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp Word (.docx)"))
    note = TextAreaField(_l("Nội dung thay đổi"),
                         validators=[DataRequired(message=_l("Hãy ghi nội dung thay đổi của phiên bản này.")),
                                     Length(max=MAX_NOTE_LENGTH)])
    base_version = HiddenField()


class RetireForm(FlaskForm):
    reason = TextAreaField(_l("Lý do bãi bỏ"),
                           validators=[DataRequired(message=_l("Hãy ghi lý do bãi bỏ quy trình.")), Length(max=2000)])


class ApproveForm(FlaskForm):
    comment = TextAreaField(_l("Ý kiến phê duyệt (không bắt buộc)"), validators=[Optional(), Length(max=2000)])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"),
                           validators=[DataRequired(message=_l("Hãy ghi lý do trả lại để người soạn biết cần sửa gì.")),
                                       Length(max=2000)])


class AgencyForm(FlaskForm):
    code = StringField(_l("Mã cơ quan"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    name = StringField(_l("Tên cơ quan"), validators=[DataRequired(message=REQUIRED), Length(max=255)])
    level = SelectField(_l("Cấp"), choices=choices((level, LEVEL_LABELS[level]) for level in LEVELS))
    kind = StringField(_l("Loại (sở, chi cục, UBND xã…)"), validators=[Optional(), Length(max=64)])
    parent = SelectField(_l("Cơ quan cấp trên"), validators=[Optional()])
    approval_required = BooleanField(_l("Phiên bản mới phải được phê duyệt trước khi có hiệu lực"))
    review_interval_months = _interval_field(_l("Chu kỳ rà soát định kỳ (tháng)"), required=True)
    active = BooleanField(_l("Đang hoạt động"), default=True)


def _password_fields():
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(message=REQUIRED),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=_l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[
        DataRequired(message=REQUIRED), EqualTo("password", message=_l("Hai lần nhập mật khẩu không khớp.")),
    ])
    return password, confirm


class UserCreateForm(FlaskForm):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES), default="viewer")
    agency = SelectField(_l("Cơ quan"), validators=[Optional()])
    password, confirm = _password_fields()


class UserEditForm(FlaskForm):
    full_name = StringField(_l("Họ và tên"), validators=[Optional(), Length(max=255)])
    role = SelectField(_l("Vai trò"), choices=choices((role, ROLE_LABELS[role]) for role in ROLES))
    agency = SelectField(_l("Cơ quan"), validators=[Optional()])


class PasswordResetForm(FlaskForm):
    password, confirm = _password_fields()


class OwnPasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(message=REQUIRED)])
    password, confirm = _password_fields()


class TokenForm(FlaskForm):
    name = StringField(_l("Tên gợi nhớ của mã (ví dụ: phần mềm một cửa)"), validators=[Optional(), Length(max=128)])


class ConfirmForm(FlaskForm):
    """A button-only form (revoke, deactivate…): carries just the CSRF token."""
