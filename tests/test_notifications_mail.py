"""Notifications by mail through a real SMTP server on 127.0.0.1 (aiosmtpd), sent by the background worker."""

from __future__ import annotations

import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select, update

from qmsdocs import jobs
from qmsdocs.db import session, utcnow
from qmsdocs.notifications.mail import deliver_due, parse_smtp_url
from qmsdocs.notifications.models import MailOutbox
from tests.conftest import initialized_app

PUBLIC_URL = "https://qms.example.gov.vn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An SMTP handler keeping what it received; `refuse` makes it answer a temporary failure."""

    def __init__(self):
        self.messages = []
        self.refuse: str | None = None
        self.lock = threading.Lock()

    async def handle_DATA(self, server, smtp_session, envelope):
        if self.refuse:
            return self.refuse
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  message_from_bytes(envelope.original_content or envelope.content,
                                                     policy=policy.default)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self):
        self.port = free_port()
        self.mailbox = Mailbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app(tmp_path, smtp):
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False,
                         SMTP_URL=f"smtp://127.0.0.1:{smtp.port}?timeout=5",
                         MAIL_FROM="Hệ thống QMS tỉnh <qms@stp.example.gov.vn>", PUBLIC_URL=PUBLIC_URL) as app:
        yield app


@pytest.fixture
def stp(admin_api, make_procedure, api_as):
    procedure = make_procedure()
    editor = api_as("editor", agency="STP", username="bientap")
    reader = api_as("viewer", agency="STP", username="xem1")
    assert admin_api.post("/api/v1/agencies/STP/reading-policy",
                          json={"scope": "chosen", "users": ["xem1"]}).status_code == 200
    return procedure, editor, reader


def upload(api, procedure_id, make_docx, revision="01"):
    response = api.upload(procedure_id, make_docx(code="QT-01/STP", revision=revision,
                                                  paragraphs=[f"Bước 1: tiếp nhận hồ sơ lần {revision}."]))
    assert response.status_code == 201, response.get_json()


def outbox(app):
    with app.app_context():
        rows = [(m.state, m.attempts, m.to_address, m.next_attempt_at, m.last_error)
                for m in session.scalars(select(MailOutbox).order_by(MailOutbox.id))]
        session.rollback()
        return rows


def test_a_version_i_must_read_is_mailed_at_once_in_vietnamese_with_a_link(app, smtp, stp, make_docx):
    procedure, editor, reader = stp
    saved = reader.post("/api/v1/notification-settings", json={"email": "xem1@stp.example.gov.vn",
                                                               "mail_mode": "immediate"})
    assert saved.status_code == 200 and saved.get_json()["mail_configured"] is True
    upload(editor, procedure["id"], make_docx)
    assert len(smtp.mailbox.messages) == 1
    sender, recipients, message = smtp.mailbox.messages[0]
    assert sender == "qms@stp.example.gov.vn" and recipients == ["xem1@stp.example.gov.vn"]
    assert message["Subject"] == "Cần đọc và xác nhận: QT-01/STP phiên bản 1"
    assert "=?utf-8?" in message.as_string().split("\n\n", 1)[0].lower()  # header encoded, not raw bytes
    assert str(message["From"]) == "Hệ thống QMS tỉnh <qms@stp.example.gov.vn>"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    body = message.get_content()
    assert "Quy trình cấp phiếu lý lịch tư pháp" in body and "Tôi đã đọc và hiểu" in body
    assert f"{PUBLIC_URL}/procedures/{procedure['id']}" in body
    assert f"{PUBLIC_URL}/notifications/settings" in body
    assert message["Message-ID"].endswith("@stp.example.gov.vn>")
    # Drained again (as every request does): nothing is sent twice.
    jobs.drain(app)
    reader.get("/api/v1/notifications")
    assert len(smtp.mailbox.messages) == 1
    assert [row[:3] for row in outbox(app)] == [("sent", 1, "xem1@stp.example.gov.vn")]


def test_no_mail_leaves_inside_the_request_and_a_rolled_back_request_queues_none(app, smtp, stp, make_docx, monkeypatch):
    procedure, editor, reader = stp
    reader.post("/api/v1/notification-settings", json={"email": "xem1@stp.example.gov.vn", "mail_mode": "immediate"})
    # The worker is kept from running: the upload answers without any mail having been sent.
    monkeypatch.setattr(jobs, "drain", lambda app: 0)
    upload(editor, procedure["id"], make_docx)
    assert smtp.mailbox.messages == [] and [row[0] for row in outbox(app)] == ["pending"]
    refused = editor.upload(procedure["id"], make_docx(code="QT-01/STP", paragraphs=["Bước 1: tiếp nhận hồ sơ lần 01."]),
                            base_version=0)
    assert refused.status_code == 409
    assert len(outbox(app)) == 1
    monkeypatch.undo()
    jobs.drain(app)
    assert len(smtp.mailbox.messages) == 1


def test_a_server_that_is_down_or_refuses_costs_a_retry_later_never_the_mail(app, smtp, stp, make_docx, caplog):
    procedure, editor, reader = stp
    reader.post("/api/v1/notification-settings", json={"email": "xem1@stp.example.gov.vn", "mail_mode": "immediate"})
    smtp.stop()
    upload(editor, procedure["id"], make_docx)  # the worker tried after the commit, and failed
    [(state, attempts, _to, next_at, error)] = outbox(app)
    assert state == "pending" and attempts == 1 and "Connection" in error and next_at > utcnow()
    assert any("not sent (attempt 1)" in record.getMessage() for record in caplog.records)

    smtp.start()
    jobs.drain(app)  # not due yet: nothing is sent before its retry time
    assert smtp.mailbox.messages == []
    smtp.mailbox.refuse = "451 4.3.0 Hệ thống đang bận, thử lại sau"
    with app.app_context():
        with pytest.raises(Exception, match="thư chưa gửi được"):
            deliver_due(now=utcnow() + timedelta(minutes=2))
    [(state, attempts, _to, _next, error)] = outbox(app)
    assert state == "pending" and attempts == 2 and "451" in error
    assert smtp.mailbox.messages == []

    smtp.mailbox.refuse = None
    with app.app_context():
        assert deliver_due(now=utcnow() + timedelta(minutes=10)) == 1
        assert deliver_due(now=utcnow() + timedelta(hours=10)) == 0
    assert len(smtp.mailbox.messages) == 1
    assert [row[:2] for row in outbox(app)] == [("sent", 3)]


def test_a_send_cut_short_is_sent_again_with_the_same_message_id(app, smtp, stp, make_docx, monkeypatch):
    procedure, editor, reader = stp
    reader.post("/api/v1/notification-settings", json={"email": "xem1@stp.example.gov.vn", "mail_mode": "immediate"})
    monkeypatch.setattr(jobs, "drain", lambda app: 0)
    upload(editor, procedure["id"], make_docx)
    with app.app_context():
        # A worker claimed it and died before recording anything.
        session.execute(update(MailOutbox).values(state="sending", claimed_at=utcnow(), attempts=1))
        session.commit()
        message_id = session.scalar(select(MailOutbox.message_id))
        assert deliver_due() == 0  # another worker leaves a fresh claim alone
        assert deliver_due(now=utcnow() + timedelta(minutes=11)) == 1
    assert [m["Message-ID"] for _f, _t, m in smtp.mailbox.messages] == [message_id]


def test_daily_digest_gathers_new_alerts_and_waiting_notifications_in_one_mail_once_a_day(
        app, smtp, stp, admin_api, make_docx, api_as):
    procedure, editor, reader = stp
    approver = api_as("approver", agency="STP", username="pheduyet")
    reader.post("/api/v1/notification-settings", json={"email": "xem1@stp.example.gov.vn", "mail_mode": "daily"})
    approver.post("/api/v1/notification-settings", json={"email": "pheduyet@stp.example.gov.vn", "mail_mode": "off"})
    editor.post("/api/v1/notification-settings", json={"email": "bientap@stp.example.gov.vn"})  # daily by default
    data = make_docx(code="QT-01/STP", paragraphs=["Căn cứ Luật Đất đai số 45/2013/QH13."])
    assert editor.upload(procedure["id"], data).status_code == 201
    for number in ("45/2013/QH13", "31/2024/QH15"):
        assert admin_api.post("/api/v1/legal-documents", json={
            "symbol": number, "doc_type": "Luật", "title": f"Luật Đất đai {number}"}).status_code == 201
    changed = admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                            "by": "31/2024/QH15", "effective_on": "2024-08-01"})
    assert changed.status_code == 201 and changed.get_json()["alerts_opened"] == 1
    assert smtp.mailbox.messages == []  # daily mode: nothing yet

    from qmsdocs.notifications.dispatch import send_daily_digests

    alerts = admin_api.get("/api/v1/alerts?agency=STP&status=active").get_json()["total"]
    assert alerts >= 1
    # The next 07:30 in Vietnam (00:30 UTC), less than a day after the alerts opened.
    morning = utcnow().replace(hour=0, minute=30, second=0, microsecond=0) + timedelta(days=1)
    with app.app_context():
        assert send_daily_digests(now=morning - timedelta(hours=1)) == 0  # before the digest hour
        assert send_daily_digests(now=morning) > 0
        session.commit()
        assert send_daily_digests(now=morning + timedelta(hours=3)) == 0  # once a day
        session.commit()
    jobs.drain(app)
    received = {recipients[0]: message for _f, recipients, message in smtp.mailbox.messages}
    assert set(received) == {"xem1@stp.example.gov.vn", "bientap@stp.example.gov.vn"}
    digest = received["xem1@stp.example.gov.vn"]
    day = morning.strftime("%d/%m/%Y")
    assert digest["Subject"] == f"Tổng hợp ngày {day}: {alerts} cảnh báo mới, 1 thông báo"
    body = digest.get_content()
    assert f"CẢNH BÁO MỚI CHO CƠ QUAN CỦA BẠN ({alerts})" in body and "45/2013/QH13" in body
    assert "Cần đọc và xác nhận: QT-01/STP phiên bản 1" in body
    assert f"{PUBLIC_URL}/procedures/{procedure['id']}" in body
    # The bell has the day's alerts as one item, beside the version to read.
    kinds = sorted(item["kind"] for item in reader.get("/api/v1/notifications").get_json()["items"])
    assert kinds == ["alerts_digest", "must_read"]
    # The next day's digest carries only what is new since.
    with app.app_context():
        send_daily_digests(now=morning + timedelta(days=1))
        session.commit()
    jobs.drain(app)
    assert len(smtp.mailbox.messages) == 2


def test_following_a_procedure_an_agency_and_a_legal_document(app, smtp, stp, admin_api, api_as, make_docx):
    procedure, editor, reader = stp
    watcher = api_as("viewer", agency="STP", username="theodoi")
    watcher.post("/api/v1/notification-settings", json={"email": "theodoi@stp.example.gov.vn", "mail_mode": "immediate"})
    assert watcher.post("/api/v1/follows", json={"type": "procedure", "id": procedure["id"]}).status_code == 201
    again = watcher.post("/api/v1/follows", json={"type": "procedure", "id": procedure["id"]})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_following"
    assert watcher.post("/api/v1/follows", json={"type": "thing", "id": 1}).status_code == 400
    assert watcher.post("/api/v1/follows", json={"type": "agency", "id": 999}).status_code == 404
    created = admin_api.post("/api/v1/legal-documents", json={"symbol": "45/2013/QH13", "doc_type": "Luật",
                                                              "title": "Luật Đất đai"})
    document_id = created.get_json()["id"]
    assert watcher.post("/api/v1/follows", json={"type": "legal_document", "id": document_id}).status_code == 201
    follows = watcher.get("/api/v1/follows").get_json()["items"]
    assert {item["type"] for item in follows} == {"procedure", "legal_document"}
    assert follows[0]["label"]

    upload(editor, procedure["id"], make_docx)
    admin_api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "amended",
                                                  "effective_on": "2025-01-01"})
    subjects = [m["Subject"] for _f, _t, m in smtp.mailbox.messages]
    assert "Quy trình QT-01/STP có phiên bản 1 mới có hiệu lực" in subjects
    assert any(subject.startswith("Văn bản 45/2013/QH13 có thay đổi") for subject in subjects)
    path = f"/api/v1/follows/procedure/{procedure['id']}"
    assert watcher.client.delete(path, headers=watcher.headers).status_code == 200
    assert watcher.client.delete(path, headers=watcher.headers).get_json()["error"]["code"] == "not_following"
    notes = watcher.get("/api/v1/notifications?unread=true").get_json()
    assert notes["unread"] == len(notes["items"]) >= 2
    first = notes["items"][0]["id"]
    assert watcher.post(f"/api/v1/notifications/{first}/read").get_json()["read"] is True
    assert watcher.post("/api/v1/notifications/read-all").get_json()["marked"] == notes["unread"] - 1
    assert reader.post(f"/api/v1/notifications/{first}/read").status_code == 404  # not theirs


def test_settings_are_checked(app, stp):
    _procedure, _editor, reader = stp
    for body, code in (({"email": "không phải thư"}, "invalid_email"), ({"email": "a@b.vn\r\nBcc: x@y.vn"}, "invalid_email"),
                       ({"mail_mode": "weekly"}, "invalid_mail_mode"), ({"email": 5}, "invalid_field")):
        answer = reader.post("/api/v1/notification-settings", json=body)
        assert answer.status_code == 400 and answer.get_json()["error"]["code"] == code, body
    assert reader.get("/api/v1/notification-settings").get_json() == {
        "email": None, "mail_mode": "daily", "mail_configured": True}


def test_the_smtp_address_says_how_to_connect():
    settings = parse_smtp_url("smtp://qms%40stp:m%E1%BA%ADt-kh%E1%BA%A9u@mail.example.gov.vn:587?starttls=1")
    assert (settings.host, settings.port, settings.username, settings.password, settings.starttls) == (
        "mail.example.gov.vn", 587, "qms@stp", "mật-khẩu", True)
    assert parse_smtp_url("smtps://mail.example.gov.vn").port == 465
    assert parse_smtp_url("smtp://mail.example.gov.vn").port == 25
    with pytest.raises(RuntimeError, match="QMSDOCS_SMTP_URL"):
        parse_smtp_url("http://mail.example.gov.vn")


def test_smtp_without_a_sender_is_refused_at_start(tmp_path):
    from qmsdocs import create_app

    with pytest.raises(RuntimeError, match="QMSDOCS_MAIL_FROM"):
        create_app({"DATA_DIR": tmp_path, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x",
                    "WORKER": "off", "TESTING": True, "SMTP_URL": "smtp://127.0.0.1:2525"})


def test_without_smtp_nothing_is_queued(tmp_path, make_docx):
    from tests.conftest import create_test_user

    with initialized_app(tmp_path, TESTING=True) as plain:
        create_test_user(plain, "admin")
        with plain.app_context():
            from qmsdocs.notifications.services import notify, save_settings
            from qmsdocs.auth.services import user_by_name

            user = user_by_name("admin")
            save_settings(user, email="admin@example.gov.vn", mail_mode="immediate")
            notify(user, "request_assigned", "Đề nghị số 12/2026 được giao cho bạn", "", "/procedures/1")
            session.commit()
            assert session.scalar(select(func.count()).select_from(MailOutbox)) == 0


def test_the_worker_signs_in_to_a_server_that_asks_for_it(tmp_path, make_docx):
    from aiosmtpd.smtp import AuthResult

    seen = []

    def authenticator(_server, _session, _envelope, mechanism, data):
        seen.append((mechanism, data.login, data.password))
        return AuthResult(success=data.login == b"qms@stp" and data.password == "mật-khẩu".encode())

    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        url = f"smtp://qms%40stp:m%E1%BA%ADt-kh%E1%BA%A9u@127.0.0.1:{port}"
        with initialized_app(tmp_path, TESTING=True, SMTP_URL=url, MAIL_FROM="qms@stp.example.gov.vn") as app:
            from qmsdocs.notifications.mail import queue_mail

            with app.app_context():
                queue_mail(None, "nhan@stp.example.gov.vn", "Thử đăng nhập", "Nội dung có dấu: ệ ữ ỗ.",
                           dedupe_key="auth-test")
                session.commit()
            jobs.drain(app)
    finally:
        controller.stop()
    assert seen and seen[0][1:] == (b"qms@stp", "mật-khẩu".encode())
    [(_sender, _to, message)] = mailbox.messages
    assert message["Subject"] == "Thử đăng nhập" and message.get_content().strip() == "Nội dung có dấu: ệ ữ ỗ."


def test_an_unreachable_server_is_tried_once_per_round_and_every_mail_waits(app, smtp, stp, make_docx, api_as):
    procedure, editor, reader = stp
    other = api_as("viewer", agency="STP", username="xem2")
    for api, address in ((reader, "xem1@stp.example.gov.vn"), (other, "xem2@stp.example.gov.vn")):
        api.post("/api/v1/notification-settings", json={"email": address, "mail_mode": "immediate"})
    from qmsdocs.agencies.services import get_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.notifications.reading import set_policy

    with app.app_context():
        set_policy(get_agency("STP"), scope="chosen", usernames=["xem1", "xem2"], actor=SYSTEM)
        session.commit()
    smtp.stop()
    upload(editor, procedure["id"], make_docx)
    before = sorted(attempts for state, attempts, *_ in outbox(app))
    assert [state for state, *_ in outbox(app)] == ["pending", "pending"]
    with app.app_context():
        with pytest.raises(Exception, match="1 thư chưa gửi được"):
            deliver_due(now=utcnow() + timedelta(hours=7))  # both due: one connection attempt, not one per mail
    assert sum(sorted(attempts for _s, attempts, *_ in outbox(app))) == sum(before) + 1
    smtp.start()
    with app.app_context():
        assert deliver_due(now=utcnow() + timedelta(hours=14)) == 2
    assert sorted(r[1][0] for r in smtp.mailbox.messages) == ["xem1@stp.example.gov.vn", "xem2@stp.example.gov.vn"]
