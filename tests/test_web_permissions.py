"""Who may do what in the web interface, checked at the request level for every role and action.

Roles: admin; editor of the procedure's agency ("editor_own") or of another ("editor_other");
approver of the agency; viewer; anonymous. The procedure belongs to STNMT, which requires
approval, and has one approved version and one draft waiting (chờ duyệt).
"""

from __future__ import annotations

from io import BytesIO

import pytest

from qmsdocs.db import session
from tests.conftest import PASSWORD

USERS = {
    "admin": ("quantri", "admin", None),
    "editor_own": ("bientap", "editor", "STNMT"),
    "editor_other": ("bientap_stp", "editor", "STP"),
    "approver_own": ("pheduyet", "approver", "STNMT"),
    "approver_other": ("pheduyet_stp", "approver", "STP"),
    "viewer": ("xem", "viewer", "STNMT"),
}
ROLES = [*USERS, "anonymous"]


@pytest.fixture
def world(app, make_agency, make_user, make_docx):
    """Two agencies, one user per role, a procedure with a current version and a pending draft."""
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.auth.services import user_by_name
    from qmsdocs.procedures.services import add_version, create_procedure

    make_agency("STNMT", "Sở Tài nguyên và Môi trường", approval_required=True)
    make_agency("STP", "Sở Tư pháp")
    for username, role, agency in USERS.values():
        make_user(username, role, agency)
    with app.app_context():
        procedure = create_procedure("STNMT", "QT-01/STNMT", "Quy trình cấp giấy chứng nhận", actor=SYSTEM)
        add_version(procedure, make_docx(code="QT-01/STNMT", revision="01"), "qt01.docx", note="Ban hành",
                    actor=SYSTEM, max_bytes=app.config["MAX_UPLOAD_BYTES"])
        add_version(procedure, make_docx(code="QT-01/STNMT", revision="02"), "qt01-lan2.docx", note="Sửa đổi",
                    actor=user_by_name("bientap"), max_bytes=app.config["MAX_UPLOAD_BYTES"])
        session.commit()
        return {"procedure_id": procedure.id}


def client_for(app, role):
    client = app.test_client()
    if role != "anonymous":
        response = client.post("/login", data={"username": USERS[role][0], "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
    return client


def assert_outcome(response, allowed: bool, role: str):
    if role == "anonymous":
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]
    elif allowed:
        assert response.status_code in (200, 201, 302, 303), response.get_data(as_text=True)[:2000]
    else:
        assert response.status_code == 403, response.get_data(as_text=True)[:2000]
        assert "quyền" in response.get_data(as_text=True)


def version_state(app, procedure_id, number):
    from qmsdocs.procedures.services import get_procedure, get_version

    with app.app_context():
        return get_version(get_procedure(procedure_id), number).state


def procedure_status(app, procedure_id):
    from qmsdocs.procedures.services import get_procedure

    with app.app_context():
        return get_procedure(procedure_id).status


# View -----------------------------------------------------------------------------

VIEW_ALLOWED = {"admin", "editor_own", "editor_other", "approver_own", "approver_other", "viewer"}


READ_PAGES = [
    "/", "/procedures", "/procedures/{id}", "/procedures/{id}/versions/1", "/procedures/{id}/versions/1/preview",
    "/procedures/{id}/versions/1/download", "/procedures/{id}/compare?from=1&to=2", "/agencies", "/account",
]


@pytest.mark.parametrize("role", ROLES)
def test_every_signed_in_user_reads_every_page_and_anonymous_is_sent_to_sign_in(app, world, role):
    client = client_for(app, role)
    for path in READ_PAGES:
        response = client.get(path.format(id=world["procedure_id"]))
        assert_outcome(response, role in VIEW_ALLOWED, role)
        if role != "anonymous":
            assert response.status_code == 200, path


# Create procedure ------------------------------------------------------------------

CREATE_ALLOWED = {"admin", "editor_own", "approver_own"}


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_procedure_in_stnmt(app, world, role):
    client = client_for(app, role)
    response = client.post("/procedures/new", data={"agency": "STNMT", "code": "QT-09/STNMT", "title": "Quy trình mới"})
    assert_outcome(response, role in CREATE_ALLOWED, role)
    listing = client_for(app, "admin").get("/procedures?agency=STNMT").get_data(as_text=True)
    assert ("QT-09/STNMT" in listing) == (role in CREATE_ALLOWED)


@pytest.mark.parametrize("role", ROLES)
def test_the_new_procedure_form_is_for_writers_only(app, world, role):
    response = client_for(app, role).get("/procedures/new")
    assert_outcome(response, role in CREATE_ALLOWED | {"editor_other", "approver_other"}, role)


def test_the_new_procedure_form_offers_only_the_users_own_agency(app, world):
    page = client_for(app, "editor_other").get("/procedures/new").get_data(as_text=True)
    assert 'value="STP"' in page
    assert 'value="STNMT"' not in page


# Upload -----------------------------------------------------------------------------

UPLOAD_ALLOWED = {"admin", "editor_own", "approver_own"}


@pytest.mark.parametrize("role", ROLES)
def test_the_upload_form_of_a_procedure(app, world, role):
    response = client_for(app, role).get(f"/procedures/{world['procedure_id']}/upload")
    assert_outcome(response, role in UPLOAD_ALLOWED, role)


@pytest.mark.parametrize("role", ROLES)
def test_uploading_a_version(app, world, role, make_docx):
    data = {"file": (BytesIO(make_docx(code="QT-01/STNMT", revision="03")), "qt01-lan3.docx"), "note": "Lần 3"}
    response = client_for(app, role).post(f"/procedures/{world['procedure_id']}/upload", data=data,
                                          content_type="multipart/form-data")
    assert_outcome(response, role in UPLOAD_ALLOWED, role)
    with app.app_context():
        from qmsdocs.procedures.queries import latest_number
        from qmsdocs.procedures.services import get_procedure

        assert latest_number(get_procedure(world["procedure_id"])) == (3 if role in UPLOAD_ALLOWED else 2)


@pytest.mark.parametrize("role", ROLES)
def test_inspecting_an_upload(app, world, role, make_docx):
    data = {"file": (BytesIO(make_docx(code="QT-01/STNMT", revision="03")), "qt01-lan3.docx")}
    response = client_for(app, role).post(f"/procedures/{world['procedure_id']}/upload/inspect", data=data,
                                          content_type="multipart/form-data", headers={"Accept": "application/json"})
    if role == "anonymous":
        assert response.status_code in (302, 401)
    else:
        assert response.status_code == (200 if role in UPLOAD_ALLOWED else 403)


# Approve / return ---------------------------------------------------------------------

APPROVE_ALLOWED = {"admin", "approver_own"}


@pytest.mark.parametrize("role", ROLES)
def test_approving_a_draft(app, world, role):
    response = client_for(app, role).post(f"/procedures/{world['procedure_id']}/versions/2/approve",
                                          data={"comment": "Đồng ý"})
    assert_outcome(response, role in APPROVE_ALLOWED, role)
    assert version_state(app, world["procedure_id"], 2) == ("approved" if role in APPROVE_ALLOWED else "pending")


@pytest.mark.parametrize("role", ROLES)
def test_returning_a_draft(app, world, role):
    response = client_for(app, role).post(f"/procedures/{world['procedure_id']}/versions/2/return",
                                          data={"reason": "Thiếu biểu mẫu"})
    assert_outcome(response, role in APPROVE_ALLOWED, role)
    assert version_state(app, world["procedure_id"], 2) == ("returned" if role in APPROVE_ALLOWED else "pending")


# Retire -------------------------------------------------------------------------------

RETIRE_ALLOWED = {"admin", "approver_own"}


@pytest.mark.parametrize("role", ROLES)
def test_the_retire_form(app, world, role):
    response = client_for(app, role).get(f"/procedures/{world['procedure_id']}/retire")
    assert_outcome(response, role in RETIRE_ALLOWED, role)


@pytest.mark.parametrize("role", ROLES)
def test_retiring_a_procedure(app, world, role):
    response = client_for(app, role).post(f"/procedures/{world['procedure_id']}/retire",
                                          data={"reason": "Thay bằng quy trình mới"})
    assert_outcome(response, role in RETIRE_ALLOWED, role)
    assert procedure_status(app, world["procedure_id"]) == ("retired" if role in RETIRE_ALLOWED else "active")


# Administration -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_administration_pages_are_for_admins_only(app, world, role):
    client = client_for(app, role)
    for path in ["/users", "/users/new", "/users/1", "/agencies/new", "/agencies/1/edit"]:
        assert_outcome(client.get(path), role == "admin", role)


@pytest.mark.parametrize("role", ROLES)
def test_creating_a_user(app, world, role):
    response = client_for(app, role).post("/users/new", data={
        "username": "moi", "role": "viewer", "agency": "STP", "password": "mat-khau-moi-1", "confirm": "mat-khau-moi-1",
    })
    assert_outcome(response, role == "admin", role)
    from sqlalchemy import select

    from qmsdocs.auth.models import User

    with app.app_context():
        assert (session.scalar(select(User).where(User.username == "moi")) is not None) == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_minting_a_token_for_someone(app, world, role):
    from qmsdocs.auth.services import user_by_name

    with app.app_context():
        target = user_by_name("xem").id
    response = client_for(app, role).post(f"/users/{target}/tokens", data={"name": "tích hợp"})
    assert_outcome(response, role == "admin", role)
    assert ("qms_" in response.get_data(as_text=True)) == (role == "admin")


@pytest.mark.parametrize("role", ROLES)
def test_changing_an_agency_setting(app, world, role):
    with app.app_context():
        from qmsdocs.agencies.services import get_agency

        agency_id = get_agency("STP").id
    response = client_for(app, role).post(f"/agencies/{agency_id}/edit", data={
        "name": "Sở Tư pháp", "approval_required": "y", "review_interval_months": "6", "active": "y",
    })
    assert_outcome(response, role == "admin", role)
    with app.app_context():
        assert get_agency("STP").approval_required == (role == "admin")


def test_the_users_menu_entry_is_shown_to_admins_only(app, world):
    assert 'href="/users"' in client_for(app, "admin").get("/").get_data(as_text=True)
    assert 'href="/users"' not in client_for(app, "editor_own").get("/").get_data(as_text=True)
