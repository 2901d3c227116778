"""Signing in and out of the web interface."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_pages_require_sign_in(client):
    response = client.get("/procedures")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_sign_in_and_out(client, make_user):
    make_user("canbo")
    response = client.post("/login", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/procedures").status_code == 200
    client.post("/logout")
    assert client.get("/procedures").status_code == 302


def test_repeated_failed_sign_ins_lock_the_account(client, make_user):
    make_user("canbo")
    for _ in range(5):
        failed = client.post("/login", data={"username": "canbo", "password": "sai-mat-khau"})
        assert failed.status_code == 401
        assert "Sai tên đăng nhập" in failed.get_data(as_text=True)
    locked = client.post("/login", data={"username": "canbo", "password": PASSWORD})
    assert locked.status_code == 401


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("canbo")
    response = client.post("/login?next=https://evil.example/", data={"username": "canbo", "password": PASSWORD})
    assert "evil.example" not in response.headers["Location"]


def test_forms_are_csrf_protected(app, make_user):
    app.config["WTF_CSRF_ENABLED"] = True
    make_user("canbo")
    response = app.test_client().post("/login", data={"username": "canbo", "password": PASSWORD})
    assert response.status_code == 400
    assert "tải lại trang" in response.get_data(as_text=True)
