"""`qms demo`: load the illustrative data set for a first look."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.models import AuditEvent
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import demo_steps, qms
from qmsdocs.db import session

DEMO_MARK = "demo.load"


@qms.command("demo")
@click.option("--scenario", type=click.Choice(["2019", "2025"]), default="2019", show_default=True,
              help="2019: tỉnh Trà Vinh theo báo cáo năm 2019; 2025: tỉnh Vĩnh Long sau hợp nhất ba tỉnh cũ.")
def demo_command(scenario: str) -> None:
    """Load demo agencies, users and procedures with several versions (once)."""
    from qmsdocs.demo.data import DEMO_PASSWORD, load_core_demo

    if session.scalar(select(AuditEvent.id).where(AuditEvent.action == DEMO_MARK).limit(1)):
        click.echo("Dữ liệu minh họa đã có; không nạp lại.")
        return
    agencies = session.scalar(select(func.count()).select_from(Agency))
    if agencies:
        raise click.ClickException(
            f"Cơ sở dữ liệu đã có dữ liệu ({agencies} cơ quan) nên không nạp dữ liệu minh họa vào đây. "
            "Hãy đặt QMSDOCS_DATA_DIR sang một thư mục trống rồi chạy lại `qms init` và `qms demo`."
        )
    if scenario == "2025":
        from qmsdocs.demo.merger import load_merger_demo

        load_merger_demo(echo=click.echo)
        record(SYSTEM, DEMO_MARK, "demo", None, scenario=scenario)
        session.commit()
        click.echo(f"Đã nạp dữ liệu minh họa tỉnh Vĩnh Long sau hợp nhất. Đăng nhập: admin / {DEMO_PASSWORD} (hoặc xem).")
        return
    load_core_demo()
    for name, step in demo_steps:
        step()
        click.echo(f"- {name}")
    record(SYSTEM, DEMO_MARK, "demo", None)
    session.commit()
    click.echo(f"Đã nạp dữ liệu minh họa. Đăng nhập: admin / {DEMO_PASSWORD} (hoặc bientap, pheduyet, xem).")


def init_app(app: Flask) -> None:
    """Commands register on import; nothing else to bind."""
