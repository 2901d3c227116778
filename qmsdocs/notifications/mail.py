"""Mail: the SMTP settings, the outbox the worker drains, and the daily digest.

Nothing here runs inside a request. Requests (and `notify`) only add rows to `mail_outbox`;
the background worker claims a row (pending → sending, committed before the SMTP dialogue),
sends it, and records sent, or the error and the time of the next attempt. A server that is
down or refuses costs a retry later, never the mail. A row left in `sending` by a crash is
sent again after SENDING_STALE_SECONDS with the same Message-ID, so a receiving system can
tell the rare duplicate (a crash between the server's acceptance and our record) from a new mail.
"""

from __future__ import annotations

import base64
import logging
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app
from sqlalchemy import or_, select, update

from qmsdocs.db import reading_only, session, utcnow
from qmsdocs.notifications.models import MailOutbox

log = logging.getLogger(__name__)

BATCH = 20
MAX_ATTEMPTS = 12
RETRY_FIRST_SECONDS = 60
RETRY_MAX_SECONDS = 6 * 3600
SENDING_STALE_SECONDS = 600
TRUE_WORDS = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    implicit_tls: bool
    timeout: float


def parse_smtp_url(url: str) -> SmtpSettings:
    """smtp://user:pass@host:587?starttls=1, or smtps://… (TLS from the start, port 465 by default)."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise RuntimeError(
            "QMSDOCS_SMTP_URL phải có dạng smtp://người-dùng:mật-khẩu@máy-chủ:587?starttls=1 hoặc smtps://…:465. "
            "(QMSDOCS_SMTP_URL must look like smtp://user:pass@host:587?starttls=1 or smtps://host:465.)")
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    implicit = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if implicit else 25)
        timeout = float(query.get("timeout", "30"))
    except ValueError:
        raise RuntimeError("QMSDOCS_SMTP_URL: cổng hoặc timeout không phải số. "
                           "(The port or timeout of QMSDOCS_SMTP_URL is not a number.)") from None
    return SmtpSettings(parts.hostname, port, unquote(parts.username) if parts.username else None,
                        unquote(parts.password) if parts.password else None,
                        query.get("starttls", "0").lower() in TRUE_WORDS, implicit, timeout)


def configure(app) -> None:
    """Read QMSDOCS_SMTP_URL, QMSDOCS_MAIL_FROM, QMSDOCS_PUBLIC_URL, QMSDOCS_DIGEST_HOUR; refuse what cannot work."""
    import os

    app.config.setdefault("SMTP_URL", os.environ.get("QMSDOCS_SMTP_URL", "").strip() or None)
    app.config.setdefault("MAIL_FROM", os.environ.get("QMSDOCS_MAIL_FROM", "").strip() or None)
    public_url_given = bool(app.config.get("PUBLIC_URL") or os.environ.get("QMSDOCS_PUBLIC_URL", "").strip())
    app.config.setdefault("PUBLIC_URL", os.environ.get("QMSDOCS_PUBLIC_URL", "").strip() or "http://127.0.0.1:8000")
    app.config.setdefault("DIGEST_HOUR", int(os.environ.get("QMSDOCS_DIGEST_HOUR", "7") or 7))
    if app.config["SMTP_URL"]:
        app.config["SMTP"] = parse_smtp_url(app.config["SMTP_URL"])
        sender = parseaddr(app.config["MAIL_FROM"] or "")[1]
        if "@" not in sender:
            raise RuntimeError(
                "Đã đặt QMSDOCS_SMTP_URL nhưng thiếu QMSDOCS_MAIL_FROM (ví dụ \"QMS Sở Tư pháp <qms@stp.gov.vn>\"). "
                "(QMSDOCS_SMTP_URL is set but QMSDOCS_MAIL_FROM is missing.)")
        if not public_url_given:
            log.warning("QMSDOCS_PUBLIC_URL is not set: links in mail point to %s", app.config["PUBLIC_URL"])
    else:
        app.config["SMTP"] = None


def absolute_link(path: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + path


# Queueing (in the caller's transaction) -----------------------------------------------------------

def queue_mail(user_id: int | None, to_address: str, subject: str, body: str, *, dedupe_key: str) -> MailOutbox | None:
    """Add a mail to the outbox unless one with this key is already there; sent after the commit."""
    from qmsdocs.notifications.services import MAIL_QUEUED

    if session.scalar(select(MailOutbox.id).where(MailOutbox.dedupe_key == dedupe_key)) is not None:
        return None
    sender = parseaddr(current_app.config["MAIL_FROM"])[1]
    domain = sender.rpartition("@")[2] or "qmsdocs.local"
    mail = MailOutbox(user_id=user_id, to_address=to_address, subject=" ".join(subject.split())[:300],
                      body_text=body, dedupe_key=dedupe_key, message_id=f"<{uuid.uuid4().hex}@{domain}>",
                      state="pending", attempts=0, next_attempt_at=utcnow(), created_at=utcnow())
    session.add(mail)
    session.flush()
    session.info[MAIL_QUEUED] = True
    return mail


# Sending (the worker's job) -----------------------------------------------------------------------

def build_message(mail: MailOutbox) -> EmailMessage:
    message = EmailMessage()
    name, address = parseaddr(current_app.config["MAIL_FROM"])
    message["From"] = Address(display_name=name, addr_spec=address) if name else address
    message["To"] = mail.to_address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = mail.message_id
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps Vietnamese readable in any mail client and passes 7-bit relays.
    message.set_content(mail.body_text, charset="utf-8", cte="quoted-printable")
    return message


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    return timedelta(seconds=min(RETRY_MAX_SECONDS, RETRY_FIRST_SECONDS * 2 ** max(attempts - 1, 0)))


class MailDeliveryFailed(Exception):
    """Some mails could not be sent this round; they wait for their next attempt (shown on the system page)."""


def _due_ids(now: datetime, limit: int) -> list[int]:
    stale = now - timedelta(seconds=SENDING_STALE_SECONDS)
    with reading_only():  # polling must not take SQLite's write lock
        ids = list(session.scalars(select(MailOutbox.id).where(or_(
            (MailOutbox.state == "pending") & (MailOutbox.next_attempt_at <= now),
            (MailOutbox.state == "sending") & (MailOutbox.claimed_at < stale)))
            .order_by(MailOutbox.next_attempt_at, MailOutbox.id).limit(limit)))
        session.rollback()
    return ids


def _claim(mail_id: int, now: datetime) -> MailOutbox | None:
    """pending → sending, committed before the SMTP dialogue: no other worker sends the same mail."""
    stale = now - timedelta(seconds=SENDING_STALE_SECONDS)
    claimed = session.execute(update(MailOutbox).where(MailOutbox.id == mail_id, or_(
        (MailOutbox.state == "pending") & (MailOutbox.next_attempt_at <= now),
        (MailOutbox.state == "sending") & (MailOutbox.claimed_at < stale)))
        .values(state="sending", claimed_at=now, attempts=MailOutbox.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return session.get(MailOutbox, mail_id, populate_existing=True) if claimed else None


def _record(mail: MailOutbox, error: str | None, now: datetime) -> None:
    if error is None:
        mail.state, mail.sent_at, mail.last_error = "sent", now, None
    else:
        mail.last_error = error[:1000]
        if mail.attempts >= MAX_ATTEMPTS:
            mail.state = "failed"
            log.error("mail %s to %s given up after %d attempts: %s", mail.id, mail.to_address, mail.attempts, error)
        else:
            mail.state = "pending"
            mail.next_attempt_at = now + retry_delay(mail.attempts)
            log.warning("mail %s to %s not sent (attempt %d), retry at %s: %s", mail.id, mail.to_address,
                        mail.attempts, mail.next_attempt_at, error)
    session.commit()


def _connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.implicit_tls:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                  context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
    if settings.username:
        try:
            _sign_in(client, settings.username, settings.password or "")
        except BaseException:
            _quit(client)
            raise
    return client


def _sign_in(client: smtplib.SMTP, username: str, password: str) -> None:
    """smtplib encodes credentials as ASCII; a Vietnamese password goes as UTF-8 in AUTH PLAIN (RFC 4616)."""
    if (username + password).isascii():
        client.login(username, password)
        return
    client.ehlo_or_helo_if_needed()
    token = base64.b64encode(b"\0" + username.encode() + b"\0" + password.encode()).decode("ascii")
    code, reply = client.docmd("AUTH", "PLAIN " + token)
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Worker step: send the mails that are due; returns how many were handled (sent or rescheduled)."""
    settings = current_app.config.get("SMTP")
    if settings is None:
        return 0
    ids = _due_ids(now or utcnow(), limit)
    if not ids:
        return 0
    client, errors, handled = None, [], 0
    try:
        for mail_id in ids:
            moment = now or utcnow()
            mail = _claim(mail_id, moment)
            if mail is None:
                continue
            handled += 1
            connecting = client is None
            try:
                if client is None:
                    client = _connect(settings)
                client.send_message(build_message(mail), from_addr=parseaddr(current_app.config["MAIL_FROM"])[1],
                                    to_addrs=[mail.to_address])
            except Exception as error:  # noqa: BLE001 - whatever stopped this mail is recorded and retried later
                text = f"{type(error).__name__}: {error}"
                errors.append(text)
                _record(mail, text, moment)
                if client is not None:  # the dialogue may be half-way: start the next mail afresh
                    _quit(client)
                    client = None
                if connecting:
                    break  # the server is unreachable or refuses us: the others wait for the next round
                continue
            _record(mail, None, moment)
    finally:
        if client is not None:
            _quit(client)
    if errors:
        raise MailDeliveryFailed(f"{len(errors)} thư chưa gửi được, sẽ thử lại: {errors[0]}")
    return handled


def _quit(client) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


def outbox_lag_seconds() -> float:
    """How long the oldest due mail has waited (0 when none)."""
    if current_app.config.get("SMTP") is None:
        return 0.0
    oldest = session.scalar(select(MailOutbox.created_at).where(MailOutbox.state.in_(("pending", "sending")),
                                                                MailOutbox.next_attempt_at <= utcnow())
                            .order_by(MailOutbox.created_at).limit(1))
    session.rollback()
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0


def retry_failed() -> int:
    """`qms mail retry`: mails given up on are queued again (after the cause was fixed)."""
    result = session.execute(update(MailOutbox).where(MailOutbox.state == "failed").values(
        state="pending", attempts=0, next_attempt_at=utcnow()))
    return result.rowcount or 0
