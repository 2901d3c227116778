"""`qms mail status`, `qms mail test ADDRESS`, `qms mail retry`: looking after the mail outbox."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from qmsdocs.db import session

mail_group = AppGroup("mail", help="Thư thông báo (hàng đợi gửi thư).")


@mail_group.command("status")
def status_command() -> None:
    """How many mails wait, were sent, or were given up on; the last errors."""
    from qmsdocs.notifications.models import MailOutbox

    if current_app.config.get("SMTP") is None:
        click.echo("Chưa cấu hình gửi thư (QMSDOCS_SMTP_URL trống): thông báo chỉ hiện trong ứng dụng.")
    counts = dict(session.execute(select(MailOutbox.state, func.count()).group_by(MailOutbox.state)).all())
    click.echo(", ".join(f"{state}: {counts.get(state, 0)}" for state in ("pending", "sending", "sent", "failed")))
    for mail in session.scalars(select(MailOutbox).where(MailOutbox.last_error.is_not(None))
                                .order_by(MailOutbox.id.desc()).limit(5)):
        click.echo(f"  #{mail.id} {mail.state} → {mail.to_address} ({mail.attempts} lần): {mail.last_error}")


@mail_group.command("test")
@click.argument("address")
def test_command(address: str) -> None:
    """Queue a test mail to ADDRESS; the background worker sends it."""
    from qmsdocs.db import utcnow
    from qmsdocs.notifications.mail import queue_mail
    from qmsdocs.notifications.services import EMAIL_PATTERN

    if current_app.config.get("SMTP") is None:
        raise click.ClickException("Chưa cấu hình QMSDOCS_SMTP_URL và QMSDOCS_MAIL_FROM nên không gửi được thư.")
    if not EMAIL_PATTERN.match(address):
        raise click.BadParameter(f"Địa chỉ thư '{address}' không hợp lệ.", param_hint="ADDRESS")
    queue_mail(None, address, "Thư thử nghiệm từ hệ thống quản lý quy trình ISO",
               "Cấu hình gửi thư của qmsdocs hoạt động. Bạn không cần trả lời thư này.",
               dedupe_key=f"test:{address}:{utcnow().isoformat()}")
    session.commit()
    click.echo(f"Đã xếp thư thử nghiệm gửi tới {address}; xem kết quả bằng `qms mail status`.")


@mail_group.command("retry")
def retry_command() -> None:
    """Queue again the mails given up on (after fixing the cause)."""
    from qmsdocs.notifications.mail import retry_failed

    count = retry_failed()
    session.commit()
    click.echo(f"Đã xếp lại {count} thư để gửi.")


def register() -> None:
    from qmsdocs.cli import qms

    if "mail" not in qms.commands:
        qms.add_command(mail_group)
