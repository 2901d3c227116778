"""`qms alerts evaluate` (daily, e.g. by cron) and `qms alerts digest --since DATE`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from qmsdocs.clock import parse_date
from qmsdocs.db import session

alerts_group = AppGroup("alerts", help="Cảnh báo quy trình lạc hậu.")


@alerts_group.command("evaluate")
def evaluate_command() -> None:
    """Full re-evaluation of every rule (review overdue, changes that took effect); safe to repeat."""
    from qmsdocs import events
    from qmsdocs.alerts.services import evaluate_all
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.clock import local_today

    # Versions reaching their effective date today become current before the rules read the state.
    in_force = events.opened_by(events.daily_run.send(None, today=local_today(), actor=SYSTEM))
    if in_force:
        click.echo(f"{in_force} phiên bản đến ngày hiệu lực đã trở thành bản hiện hành.")
    report = evaluate_all(actor=SYSTEM)
    session.commit()
    click.echo(report.line())


@alerts_group.command("digest")
@click.option("--since", "since", required=True, help="Từ ngày (dd/mm/yyyy hoặc yyyy-mm-dd).")
def digest_command(since: str) -> None:
    """Print, per agency, the alerts opened, resolved and dismissed since a day (for e-mail or print)."""
    from qmsdocs.alerts.services import digest
    from qmsdocs.errors import InvalidInput

    try:
        day = parse_date(since, "since", required=True)
    except InvalidInput as error:
        raise click.BadParameter(error.message, param_hint="--since") from None
    click.echo(f"TÌNH HÌNH CẢNH BÁO QUY TRÌNH TỪ NGÀY {day.strftime('%d/%m/%Y')}")
    entries = digest(day)
    if not entries:
        click.echo("Không có cảnh báo mới, được giải quyết hay bỏ qua trong thời gian này.")
    for entry in entries:
        click.echo("")
        click.echo(f"{entry.agency_name} ({entry.agency_code}) — còn {entry.still_active} cảnh báo chưa xử lý xong")
        for title, alerts in (("Cảnh báo mới", entry.opened), ("Đã giải quyết", entry.resolved),
                              ("Đã bỏ qua", entry.dismissed)):
            if not alerts:
                continue
            click.echo(f"  {title} ({len(alerts)}):")
            for alert in alerts:
                tag = " [sắp hiệu lực]" if alert.upcoming and alert.is_active else ""
                click.echo(f"   - {alert.procedure.code}: {alert.message}{tag}")
                if title == "Đã bỏ qua" and alert.dismissal_reason:
                    click.echo(f"     Lý do: {alert.dismissal_reason}")
                if title == "Đã giải quyết" and alert.resolution:
                    click.echo(f"     {alert.resolution}")


def register() -> None:
    from qmsdocs.cli import qms

    if "alerts" not in qms.commands:
        qms.add_command(alerts_group)
