"""Procedure page forms (Flask-WTF): field checks with Vietnamese messages; the rules stay in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from qmsdocs.pages import REQUIRED, interval_field
from qmsdocs.procedures.services import MAX_NOTE_LENGTH


class ProcedureForm(FlaskForm):
    agency = SelectField(_l("Cơ quan"), validators=[DataRequired(message=_l("Hãy chọn cơ quan ban hành quy trình."))])
    code = StringField(_l("Mã quy trình"), validators=[DataRequired(message=REQUIRED), Length(max=64)])
    title = StringField(_l("Tên quy trình"), validators=[DataRequired(message=REQUIRED), Length(max=500)])
    field = StringField(_l("Lĩnh vực"), validators=[Optional(), Length(max=255)])
    admin_procedures = StringField(_l("Mã thủ tục hành chính (cách nhau bởi dấu phẩy)"),
                                   validators=[Optional(), Length(max=1000)])
    review_interval_months = interval_field(_l("Chu kỳ rà soát riêng (tháng)"), required=False)


class UploadForm(FlaskForm):
    file = FileField(_l("Tệp Word (.docx)"))
    note = TextAreaField(_l("Nội dung thay đổi"),
                         validators=[DataRequired(message=_l("Hãy ghi nội dung thay đổi của phiên bản này.")),
                                     Length(max=MAX_NOTE_LENGTH)])
    base_version = HiddenField()
    # Ngày hiệu lực: empty means in force as soon as it is approved.
    effective_on = StringField(_l("Ngày hiệu lực (để trống: có hiệu lực ngay khi được duyệt)"),
                               validators=[Optional(), Length(max=10)])
    # The change request this version answers (số 12/2026); empty: the single accepted one, if any.
    change_request = StringField(_l("Theo đề nghị số"), validators=[Optional(), Length(max=20)])


class RetireForm(FlaskForm):
    reason = TextAreaField(_l("Lý do bãi bỏ"),
                           validators=[DataRequired(message=_l("Hãy ghi lý do bãi bỏ quy trình.")), Length(max=2000)])


class ApproveForm(FlaskForm):
    comment = TextAreaField(_l("Ý kiến phê duyệt (không bắt buộc)"), validators=[Optional(), Length(max=2000)])
    effective_on = StringField(_l("Ngày hiệu lực"), validators=[Optional(), Length(max=10)])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"),
                           validators=[DataRequired(message=_l("Hãy ghi lý do trả lại để người soạn biết cần sửa gì.")),
                                       Length(max=2000)])
