"""`qms demo`: load the illustrative data set for a first look."""

from __future__ import annotations

import time

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.models import AuditEvent
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import demo_steps, qms
from qmsdocs.db import session

DEMO_MARK = "demo.load"


SIZES = ("province", "core")


@qms.command("demo")
@click.option("--scenario", type=click.Choice(["2019", "2025"]), default="2019", show_default=True,
              help="2019: tỉnh Trà Vinh theo báo cáo năm 2019; 2025: tỉnh Vĩnh Long sau hợp nhất ba tỉnh cũ.")
@click.option("--size", type=click.Choice(SIZES), default=None,
              help="province: mọi cơ quan đều có quy trình (mặc định); core: chỉ vài quy trình mẫu.")
def demo_command(scenario: str, size: str | None) -> None:
    """Load the demo province (once): 168 agencies, their procedures with their versions, laws and alerts;
    or, with --scenario 2025, the merged province built from three former provinces' services."""
    from qmsdocs.demo.data import DEMO_PASSWORD, load_core_demo

    size = size or current_app.config.get("DEMO_SIZE") or "province"
    started = time.monotonic()

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
    click.echo("- Cơ quan, người dùng, danh mục TTHC và quy trình mẫu")
    load_core_demo()
    procedures = _load_province() if size == "province" else 0
    for name, step in demo_steps:
        step()
        click.echo(f"- {name}")
    if procedures:
        _evaluate_alerts()
    record(SYSTEM, DEMO_MARK, "demo", None, size=size)
    session.commit()
    if procedures:
        _build_search_index()
    click.echo(f"Đã nạp dữ liệu minh họa trong {time.monotonic() - started:.0f} giây. "
               f"Đăng nhập: admin / {DEMO_PASSWORD} (hoặc bientap, pheduyet, xem).")


def _load_province() -> int:
    from qmsdocs.demo.province import load_province

    agencies = session.scalar(select(func.count()).select_from(Agency).where(Agency.parent_id.is_not(None)))
    with click.progressbar(length=agencies, label="- Quy trình của từng cơ quan", show_pos=True) as bar:
        count = load_province(progress=bar.update)
    click.echo(f"  {count} quy trình.")
    return count


def _evaluate_alerts() -> None:
    from qmsdocs.alerts.evaluation import evaluate_all

    from qmsdocs.alerts.models import ACTIVE_STATUSES, Alert
    from qmsdocs.procedures.models import Procedure

    evaluate_all(actor=SYSTEM)
    alerts, agencies = session.execute(
        select(func.count(), func.count(func.distinct(Procedure.agency_id)))
        .select_from(Alert).join(Procedure, Procedure.id == Alert.procedure_id)
        .where(Alert.status.in_(ACTIVE_STATUSES))).one()
    click.echo(f"- Cảnh báo: {alerts} cảnh báo đang mở ở {agencies} cơ quan")


def _build_search_index() -> None:
    from qmsdocs.search import indexer
    from qmsdocs.search.checks import check_index
    from qmsdocs.search.documents import all_procedure_ids

    total = len(all_procedure_ids())
    session.rollback()
    with click.progressbar(length=total, label="- Chỉ mục tìm kiếm", show_pos=True) as bar:
        indexer.rebuild(progress=bar.update)
    # The demo loads alone, so the new index holds every change the loading marked for it: the
    # marks go, and the service does not start with a backlog its health check reports.
    indexer.forget_marks()
    check_index(repair=True)
    session.commit()


def init_app(app: Flask) -> None:
    """Commands register on import; nothing else to bind."""
