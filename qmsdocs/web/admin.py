"""Agency tree for everyone; agency settings, users and their API tokens for administrators."""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from qmsdocs.agencies import services as agency_services
from qmsdocs.auth import services as auth_services
from qmsdocs.auth import signin
from qmsdocs.auth.permissions import is_admin, require_admin
from qmsdocs.db import utcnow
from qmsdocs.docx.conversion import doc_converter
from qmsdocs.errors import Conflict, InvalidInput, NotFound
from qmsdocs.auth.forms import PasswordResetForm
from qmsdocs.pages import actor, agency_choices, bp, form_errors
from qmsdocs.procedures import queries
from qmsdocs.web.forms import ROLE_LABELS, AgencyForm, ConfirmForm, TokenForm, UserCreateForm, UserEditForm

FORM_ERRORS = (InvalidInput, Conflict, NotFound)


def _agency_choices(*, blank: str, leave_out: str | None = None) -> list:
    agencies = [a for a in queries.agencies_for_select() if a.code != leave_out]
    return agency_choices(agencies, blank=blank)


# Agencies ---------------------------------------------------------------------------

@bp.get("/agencies")
@login_required
def agencies():
    return render_template("web/agencies.html", tree=queries.agency_tree(include_inactive=is_admin(actor())),
                           admin=is_admin(actor()))


@bp.route("/agencies/new", methods=["GET", "POST"])
@login_required
def new_agency():
    require_admin(actor())
    form = AgencyForm()
    form.parent.choices = _agency_choices(blank=_("(không có — cấp cao nhất)"))
    if request.method == "GET":
        form.parent.data = request.args.get("parent", "")
        if form.review_interval_months.data is None:
            form.review_interval_months.data = 12
        return render_template("web/agency_form.html", form=form, agency=None)
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        agency = agency_services.create_agency(
            form.code.data, form.name.data, form.level.data, parent_code=form.parent.data or None,
            kind=(form.kind.data or "").strip() or None, approval_required=form.approval_required.data,
            four_eyes_approval=form.four_eyes_approval.data,
            review_interval_months=form.review_interval_months.data, actor=actor(),
        )
    except FORM_ERRORS as error:
        return render_template("web/agency_form.html", form=form, agency=None, error=error.message), error.status
    flash(_("Đã tạo cơ quan %(code)s.", code=agency.code), "success")
    return redirect(url_for("web.agencies"), 303)


@bp.route("/agencies/<int:agency_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agency(agency_id: int):
    require_admin(actor())
    agency = agency_services.get_agency_by_id(agency_id)
    form = AgencyForm(obj=agency) if request.method == "GET" else AgencyForm()
    form.parent.choices = _agency_choices(blank=_("(không có — cấp cao nhất)"), leave_out=agency.code)
    # The code and level identify the agency; they are shown, not edited.
    form.code.data, form.level.data = agency.code, agency.level
    if request.method == "GET":
        form.parent.data = agency.parent.code if agency.parent else ""
        return render_template("web/agency_form.html", form=form, agency=agency)
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        agency_services.update_agency(
            agency, name=form.name.data, kind=form.kind.data, parent_code=form.parent.data or None,
            approval_required=form.approval_required.data, four_eyes_approval=form.four_eyes_approval.data,
            review_interval_months=form.review_interval_months.data, active=form.active.data, actor=actor(),
        )
    except FORM_ERRORS as error:
        return render_template("web/agency_form.html", form=form, agency=agency, error=error.message), error.status
    flash(_("Đã lưu thông tin cơ quan %(code)s.", code=agency.code), "success")
    return redirect(url_for("web.agencies"), 303)


# Users and tokens -----------------------------------------------------------------------

@bp.get("/users")
@login_required
def users():
    require_admin(actor())
    converter = doc_converter()
    return render_template("web/users.html", users=auth_services.list_users(), role_labels=ROLE_LABELS,
                           now=utcnow(), doc_conversion=converter.status() if converter else None)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
def new_user():
    require_admin(actor())
    form = UserCreateForm()
    form.agency.choices = _agency_choices(blank=_("(không thuộc cơ quan nào — chỉ cho quản trị viên)"))
    if request.method == "GET":
        return render_template("web/user_new.html", form=form)
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        user = auth_services.create_user(
            form.username.data, form.password.data, form.role.data, agency_code=form.agency.data or None,
            full_name=(form.full_name.data or "").strip(), actor=actor(),
        )
    except FORM_ERRORS as error:
        return render_template("web/user_new.html", form=form, error=error.message), error.status
    flash(_("Đã tạo người dùng %(name)s.", name=user.username), "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)


def _user_page(user, *, edit_form=None, password_form=None, token_form=None, error=None, new_token=None,
               status=200):
    if edit_form is None:
        edit_form = UserEditForm(obj=user, formdata=None)
        edit_form.agency.data = user.agency.code if user.agency else ""
    edit_form.agency.choices = _agency_choices(blank=_("(không thuộc cơ quan nào — chỉ cho quản trị viên)"))
    response = make_response(render_template(
        "web/user_detail.html", user=user, edit_form=edit_form,
        password_form=password_form or PasswordResetForm(formdata=None),
        token_form=token_form or TokenForm(formdata=None), confirm_form=ConfirmForm(formdata=None),
        role_labels=ROLE_LABELS, error=error, new_token=new_token, now=utcnow(),
        sign_in_blocks=signin.blocked_addresses(user), sign_in_guarded=signin.account_guarded(user),
    ), status)
    if new_token:
        # The token is shown this once; keep the page out of every cache.
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users/<int:user_id>")
@login_required
def user_detail(user_id: int):
    require_admin(actor())
    return _user_page(auth_services.get_user(user_id))


@bp.post("/users/<int:user_id>/edit")
@login_required
def edit_user(user_id: int):
    require_admin(actor())
    user = auth_services.get_user(user_id)
    form = UserEditForm()
    form.agency.choices = _agency_choices(blank="")
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        auth_services.update_user(user, role=form.role.data, agency_code=form.agency.data or None,
                                  full_name=form.full_name.data or "", actor=actor())
    except FORM_ERRORS as error:
        return _user_page(user, edit_form=form, error=error.message, status=error.status)
    flash(_("Đã lưu vai trò và cơ quan của %(name)s.", name=user.username), "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/password")
@login_required
def reset_user_password(user_id: int):
    require_admin(actor())
    user = auth_services.get_user(user_id)
    form = PasswordResetForm()
    try:
        if not form.validate():
            raise InvalidInput(form_errors(form), code="invalid_form")
        auth_services.reset_password(user, form.password.data, actor=actor())
    except FORM_ERRORS as error:
        return _user_page(user, password_form=form, error=error.message, status=error.status)
    flash(_("Đã đặt mật khẩu mới cho %(name)s; tài khoản được mở khoá.", name=user.username), "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/unlock")
@login_required
def unlock_user(user_id: int):
    """Lift every sign-in block of the account, from every address."""
    require_admin(actor())
    user = auth_services.get_user(user_id)
    signin.unlock(user, actor=actor())
    flash(_("Đã mở khoá đăng nhập cho %(name)s.", name=user.username), "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/active")
@login_required
def set_user_active(user_id: int):
    require_admin(actor())
    user = auth_services.get_user(user_id)
    active = request.form.get("active") == "1"
    try:
        auth_services.set_user_active(user, active, actor=actor())
    except FORM_ERRORS as error:
        return _user_page(user, error=error.message, status=error.status)
    if active:
        flash(_("Đã kích hoạt lại tài khoản %(name)s.", name=user.username), "success")
    else:
        flash(_("Đã ngừng kích hoạt %(name)s: không đăng nhập và không dùng mã API được nữa.", name=user.username),
              "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/tokens")
@login_required
def mint_token(user_id: int):
    require_admin(actor())
    user = auth_services.get_user(user_id)
    form = TokenForm()
    if not form.validate():
        return _user_page(user, token_form=form, error=form_errors(form), status=400)
    if not user.active:
        return _user_page(user, error=_("Tài khoản đang ngừng kích hoạt; hãy kích hoạt lại trước khi cấp mã API."),
                          status=409)
    token = auth_services.mint_token(user, (form.name.data or "").strip(), actor=actor())
    return _user_page(user, new_token=token)


@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(user_id: int, token_id: int):
    require_admin(actor())
    user = auth_services.get_user(user_id)
    token = auth_services.get_token(user, token_id)
    if token.revoked_at is None:
        auth_services.revoke_token(token, actor=actor())
        flash(_("Đã thu hồi mã API %(prefix)s…; mọi yêu cầu dùng mã này sẽ bị từ chối.", prefix=token.prefix),
              "success")
    return redirect(url_for("web.user_detail", user_id=user.id), 303)
