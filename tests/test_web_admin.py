"""Administration in the web interface: users, their API tokens, agencies."""

from __future__ import annotations

import re

import pytest

from qmsdocs.db import session
from tests.conftest import PASSWORD


@pytest.fixture
def admin(app, make_user, make_agency):
    make_agency("STP", "Sở Tư pháp")
    make_user("quantri", "admin")
    client = app.test_client()
    client.post("/login", data={"username": "quantri", "password": PASSWORD})
    return client


def user_id(app, username):
    from qmsdocs.auth.services import user_by_name

    with app.app_context():
        return user_by_name(username).id


def text_of(response):
    return response.get_data(as_text=True)


def sign_in(app, username, password=PASSWORD):
    client = app.test_client()
    return client, client.post("/login", data={"username": username, "password": password})


def test_an_admin_creates_a_user_who_can_then_sign_in(app, admin):
    response = admin.post("/users/new", data={"username": "canbo", "full_name": "Cán bộ Một", "role": "editor",
                                              "agency": "STP", "password": "mat-khau-dai-1", "confirm": "mat-khau-dai-1"})
    assert response.status_code == 303
    assert "Cán bộ Một" in text_of(admin.get("/users"))
    assert sign_in(app, "canbo", "mat-khau-dai-1")[1].status_code == 302


@pytest.mark.parametrize("fields, message", [
    ({"password": "ngan", "confirm": "ngan"}, "ít nhất 8 ký tự"),
    ({"password": "mat-khau-dai-1", "confirm": "khac-hoan-toan"}, "không khớp"),
    ({"agency": ""}, "phải thuộc một cơ quan"),
    ({"username": "quantri"}, "đã có"),
])
def test_user_creation_refusals_are_explained(admin, fields, message):
    data = {"username": "canbo", "role": "editor", "agency": "STP", "password": "mat-khau-dai-1",
            "confirm": "mat-khau-dai-1", **fields}
    response = admin.post("/users/new", data=data)
    assert response.status_code in (400, 409)
    assert message in text_of(response)


def test_changing_a_users_role_and_agency(app, admin, make_user, make_agency):
    make_agency("STNMT", "Sở Tài nguyên và Môi trường")
    make_user("canbo", "viewer", "STP")
    uid = user_id(app, "canbo")
    response = admin.post(f"/users/{uid}/edit", data={"role": "approver", "agency": "STNMT", "full_name": "Cán bộ"})
    assert response.status_code == 303
    from qmsdocs.auth.services import get_user

    with app.app_context():
        user = get_user(uid)
        assert (user.role, user.agency.code) == ("approver", "STNMT")


def test_the_last_admin_cannot_lose_the_role_or_be_deactivated(app, admin):
    uid = user_id(app, "quantri")
    demoted = admin.post(f"/users/{uid}/edit", data={"role": "viewer", "agency": "STP"})
    assert demoted.status_code == 409 and "quản trị viên cuối cùng" in text_of(demoted)
    deactivated = admin.post(f"/users/{uid}/active", data={"active": "0"})
    assert deactivated.status_code == 409 and "chính mình" in text_of(deactivated)


def test_a_deactivated_user_can_neither_sign_in_nor_use_a_token(app, admin, api_as):
    viewer = api_as("viewer", agency="STP", username="canbo")
    assert viewer.get("/api/v1/procedures").status_code == 200
    uid = user_id(app, "canbo")
    assert admin.post(f"/users/{uid}/active", data={"active": "0"}).status_code == 303
    assert sign_in(app, "canbo")[1].status_code == 401
    assert viewer.get("/api/v1/procedures").status_code == 401
    assert admin.post(f"/users/{uid}/active", data={"active": "1"}).status_code == 303
    assert sign_in(app, "canbo")[1].status_code == 302


def test_a_signed_in_user_who_is_deactivated_is_signed_out(app, admin, make_user):
    make_user("canbo", "viewer", "STP")
    client, _ = sign_in(app, "canbo")
    assert client.get("/procedures").status_code == 200
    admin.post(f"/users/{user_id(app, 'canbo')}/active", data={"active": "0"})
    assert client.get("/procedures").status_code == 302


def test_resetting_a_password_also_lifts_a_lockout(app, admin, make_user):
    make_user("canbo", "viewer", "STP")
    for _ in range(5):
        sign_in(app, "canbo", "sai-mat-khau")
    assert sign_in(app, "canbo")[1].status_code == 401
    uid = user_id(app, "canbo")
    assert "đăng nhập đang bị chặn" in text_of(admin.get(f"/users/{uid}"))
    admin.post(f"/users/{uid}/password", data={"password": "mat-khau-moi-9", "confirm": "mat-khau-moi-9"})
    assert sign_in(app, "canbo", "mat-khau-moi-9")[1].status_code == 302


def test_a_minted_token_is_shown_once_works_and_stops_working_once_revoked(app, admin, client, make_user):
    make_user("tichhop", "viewer", "STP")
    uid = user_id(app, "tichhop")
    response = admin.post(f"/users/{uid}/tokens", data={"name": "Phần mềm một cửa"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    token = re.search(r'value="(qms_[^"]+)"', text_of(response)).group(1)
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/procedures", headers=headers).status_code == 200

    page = text_of(admin.get(f"/users/{uid}"))
    assert token not in page and token[:10] in page and "Phần mềm một cửa" in page
    token_id = re.search(rf"/users/{uid}/tokens/(\d+)/revoke", page).group(1)
    assert admin.post(f"/users/{uid}/tokens/{token_id}/revoke").status_code == 303
    assert client.get("/api/v1/procedures", headers=headers).status_code == 401
    assert "đã thu hồi" in text_of(admin.get(f"/users/{uid}"))


def test_a_token_of_another_user_cannot_be_revoked_through_this_user(app, admin, make_user):
    from qmsdocs.auth.services import mint_token, user_by_name

    make_user("mot", "viewer", "STP")
    make_user("hai", "viewer", "STP")
    with app.app_context():
        mint_token(user_by_name("hai"))
        session.commit()
    response = admin.post(f"/users/{user_id(app, 'mot')}/tokens/1/revoke")
    assert response.status_code == 404


def test_unknown_users_are_404(admin):
    assert admin.get("/users/4242").status_code == 404


def test_every_user_changes_their_own_password(app, make_user, make_agency):
    make_agency("STP", "Sở Tư pháp")
    make_user("canbo2", "viewer", "STP")
    client, _ = sign_in(app, "canbo2")
    wrong = client.post("/account", data={"current": "sai", "password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1"})
    assert wrong.status_code == 400 and "không đúng" in text_of(wrong)
    assert client.post("/account", data={"current": PASSWORD, "password": "mat-khau-moi-1",
                                         "confirm": "mat-khau-moi-1"}).status_code == 303
    assert sign_in(app, "canbo2", "mat-khau-moi-1")[1].status_code == 302


# Agencies ------------------------------------------------------------------------------------

def test_an_admin_creates_agencies_under_their_parents(app, admin):
    admin.post("/agencies/new", data={"code": "UBND-CL", "name": "UBND huyện Càng Long", "level": "district",
                                      "parent": "", "review_interval_months": "12"})
    response = admin.post("/agencies/new", data={"code": "UBND-CL-AT", "name": "UBND xã An Trường",
                                                 "level": "commune", "parent": "UBND-CL",
                                                 "review_interval_months": "6", "approval_required": "y"})
    assert response.status_code == 303
    from qmsdocs.agencies.services import get_agency

    with app.app_context():
        commune = get_agency("UBND-CL-AT")
        assert commune.parent.code == "UBND-CL" and commune.approval_required and commune.review_interval_months == 6


@pytest.mark.parametrize("fields, message", [
    ({"code": "STP"}, "đã có"),
    ({"review_interval_months": "0"}, "từ 1 đến 120 tháng"),
    ({"name": ""}, "không được để trống"),
])
def test_agency_creation_refusals_are_explained(admin, fields, message):
    data = {"code": "MOI", "name": "Cơ quan mới", "level": "province", "review_interval_months": "12", **fields}
    response = admin.post("/agencies/new", data=data)
    assert response.status_code in (400, 409)
    assert message in text_of(response)


def test_approval_can_be_required_and_an_agency_cannot_sit_under_itself(app, admin, make_agency):
    make_agency("UBND-CL", "UBND huyện Càng Long", "district", parent_code="STP")
    from qmsdocs.agencies.services import get_agency

    with app.app_context():
        stp = get_agency("STP").id
    ok = admin.post(f"/agencies/{stp}/edit", data={"name": "Sở Tư pháp tỉnh", "approval_required": "y",
                                                   "review_interval_months": "24", "active": "y"})
    assert ok.status_code == 303
    cycle = admin.post(f"/agencies/{stp}/edit", data={"name": "Sở Tư pháp", "parent": "UBND-CL",
                                                      "review_interval_months": "12", "active": "y"})
    assert cycle.status_code == 400 and "trực thuộc" in text_of(cycle)
    with app.app_context():
        agency = get_agency("STP")
        assert (agency.name, agency.approval_required, agency.review_interval_months, agency.parent_id) == (
            "Sở Tư pháp tỉnh", True, 24, None)


def test_agency_changes_are_recorded_in_the_audit_trail(app, admin):
    from sqlalchemy import select

    from qmsdocs.agencies.services import get_agency
    from qmsdocs.audit.models import AuditEvent

    with app.app_context():
        stp = get_agency("STP").id
    admin.post(f"/agencies/{stp}/edit", data={"name": "Sở Tư pháp", "approval_required": "y",
                                              "review_interval_months": "12", "active": "y"})
    with app.app_context():
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "agency.update"))
        assert event.details == {"approval_required": True} and event.actor_name == "quantri"
