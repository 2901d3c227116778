"""Password forms (Flask-WTF): the user's own change and an administrator's reset."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from qmsdocs.auth.services import MIN_PASSWORD_LENGTH
from qmsdocs.pages import REQUIRED


def password_fields():
    """A new password and its confirmation, checked against the minimum length."""
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(message=REQUIRED),
        Length(min=MIN_PASSWORD_LENGTH, max=200,
               message=_l("Mật khẩu phải có ít nhất %(n)s ký tự.", n=MIN_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[
        DataRequired(message=REQUIRED), EqualTo("password", message=_l("Hai lần nhập mật khẩu không khớp.")),
    ])
    return password, confirm


class PasswordResetForm(FlaskForm):
    password, confirm = password_fields()


class OwnPasswordForm(FlaskForm):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired(message=REQUIRED)])
    password, confirm = password_fields()
