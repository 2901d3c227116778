"""Sign-in throttling that protects users instead of locking them out; sessions that can be ended."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth import signin
from qmsdocs.db import session
from tests.conftest import PASSWORD


def attempt(app, username, password, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/login", data={"username": username, "password": password})
    return client, response


def actions(app) -> list[str]:
    with app.app_context():
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_an_attacker_blocks_only_their_own_address_not_the_real_user(app, make_user):
    make_user("canbo")
    for _ in range(signin.PAIR_LIMIT):
        assert attempt(app, "canbo", "doan-sai", "203.0.113.9")[1].status_code == 401
    blocked = attempt(app, "canbo", PASSWORD, "203.0.113.9")[1]
    assert blocked.status_code == 401
    assert "tạm chặn" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 0
    assert attempt(app, "canbo", PASSWORD, "10.1.2.3")[1].status_code == 302
    assert {"user.login_failed", "user.sign_in_blocked", "user.login_refused", "user.login"} <= set(actions(app))


def test_a_guarded_account_accepts_the_right_password_only_from_an_address_that_has_not_failed(app, make_user):
    make_user("admin2")
    for number in range(signin.ACCOUNT_LIMIT):
        attempt(app, "admin2", "doan-sai", f"198.51.100.{number}")
    # Each of those addresses failed once; while the account is guarded none of them gets in.
    assert attempt(app, "admin2", PASSWORD, "198.51.100.3")[1].status_code == 401
    assert attempt(app, "admin2", PASSWORD, "10.9.9.9")[1].status_code == 302
    assert "user.sign_in_guarded" in actions(app)


def test_many_failures_from_one_address_across_accounts_slow_that_address_down(app, make_user):
    make_user("canbo")
    for number in range(signin.ADDRESS_LIMIT):
        assert attempt(app, f"ten-doan-{number}", "doan-sai", "192.0.2.7")[1].status_code == 401
    slowed = attempt(app, "canbo", PASSWORD, "192.0.2.7")[1]
    assert slowed.status_code == 429
    assert int(slowed.headers["Retry-After"]) >= 1
    assert "đợi" in slowed.get_data(as_text=True)
    assert attempt(app, "canbo", PASSWORD, "192.0.2.8")[1].status_code == 302
    assert "auth.address_slowed" in actions(app)


def test_an_admin_unlocks_an_account_for_every_address(app, make_user):
    make_user("canbo")
    admin, _ = attempt(app, "canbo", PASSWORD, "10.0.0.1")
    for _ in range(signin.PAIR_LIMIT):
        attempt(app, "canbo", "doan-sai", "203.0.113.20")
    assert attempt(app, "canbo", PASSWORD, "203.0.113.20")[1].status_code == 401
    with app.app_context():
        from qmsdocs.auth.services import user_by_name

        user_id = user_by_name("canbo").id
    page = admin.get(f"/users/{user_id}").get_data(as_text=True)
    assert "203.0.113.20" in page
    assert admin.post(f"/users/{user_id}/unlock").status_code == 303
    assert attempt(app, "canbo", PASSWORD, "203.0.113.20")[1].status_code == 302
    assert "user.unlock" in actions(app)


def test_unknown_and_known_names_cost_the_same_password_check(app, make_user, monkeypatch):
    make_user("canbo")
    checked = []
    real_check = signin.check_password_hash

    def counting_check(hash_value, password):
        checked.append(hash_value.split("$", 1)[0])
        return real_check(hash_value, password)

    monkeypatch.setattr(signin, "check_password_hash", counting_check)
    attempt(app, "khong-co-ai", "doan-sai", "10.0.0.5")
    attempt(app, "canbo", "doan-sai", "10.0.0.6")
    assert len(checked) == 2
    assert checked[0] == checked[1] == app.config["PASSWORD_HASH_METHOD"]


def test_unknown_names_are_throttled_like_known_ones(app):
    for _ in range(signin.PAIR_LIMIT):
        attempt(app, "khong-co-ai", "doan-sai", "203.0.113.30")
    assert "tạm chặn" in attempt(app, "khong-co-ai", "doan-sai", "203.0.113.30")[1].get_data(as_text=True)


def test_logout_ends_every_session_of_the_user(app, make_user):
    make_user("canbo")
    laptop, _ = attempt(app, "canbo", PASSWORD, "10.0.0.1")
    phone, _ = attempt(app, "canbo", PASSWORD, "10.0.0.2")
    assert phone.get("/procedures").status_code == 200
    laptop.post("/logout")
    assert laptop.get("/procedures").status_code == 302
    assert phone.get("/procedures").status_code == 302
    assert "user.logout" in actions(app)


def test_an_old_session_cookie_stops_working_after_logout(app, make_user):
    make_user("canbo")
    client, _ = attempt(app, "canbo", PASSWORD, "10.0.0.1")
    stolen = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.environ_base["REMOTE_ADDR"] = "10.0.0.1"
    thief.set_cookie("session", stolen)
    assert thief.get("/procedures").status_code == 302


def test_a_password_change_ends_the_other_sessions_but_not_this_one(app, make_user):
    make_user("canbo")
    laptop, _ = attempt(app, "canbo", PASSWORD, "10.0.0.1")
    phone, _ = attempt(app, "canbo", PASSWORD, "10.0.0.2")
    response = laptop.post("/account", data={"current": PASSWORD, "password": "mat-khau-moi-123",
                                             "confirm": "mat-khau-moi-123"})
    assert response.status_code == 303
    assert laptop.get("/procedures").status_code == 200
    assert phone.get("/procedures").status_code == 302
    assert "user.password" in actions(app)


@pytest.mark.parametrize("setting, elapsed", [("SESSION_IDLE_MINUTES", 31 * 60), ("SESSION_MAX_HOURS", 3 * 3600)])
def test_sessions_expire_after_idle_time_and_absolute_time(app, make_user, monkeypatch, setting, elapsed):
    import qmsdocs.auth.web as auth_web

    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_MAX_HOURS=2)
    make_user("canbo")
    client, _ = attempt(app, "canbo", PASSWORD, "10.0.0.1")
    start = auth_web.time.time()
    clock = {"now": start}
    monkeypatch.setattr(auth_web.time, "time", lambda: clock["now"])
    if setting == "SESSION_MAX_HOURS":
        # Active all along (a request every 20 minutes), yet the absolute limit ends it.
        while clock["now"] - start + 1200 < 2 * 3600:
            clock["now"] += 1200
            assert client.get("/procedures").status_code == 200
    clock["now"] = start + elapsed
    response = client.get("/procedures")
    assert response.status_code == 302
    assert "hết hạn" in client.get(response.headers["Location"]).get_data(as_text=True)
