"""`qms reorganize FILE [--dry-run]`: apply a whole reorganization plan from a CSV, JSON or XLSX file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select

from qmsdocs.auth.models import User
from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.errors import QmsError
from qmsdocs.reorganize import plan as plans
from qmsdocs.reorganize.runner import PlanRefused, apply_plan


def run_plan_file(path: Path, *, dry_run: bool, actor=None):
    """Read, check and apply a plan file in one transaction; a dry run rolls it back. Returns the outcome."""
    rows = plans.read_plan(path.read_bytes(), path.name)
    plan = plans.check_plan(rows)
    try:
        outcome = apply_plan(plan, actor=actor)
    except BaseException:
        session.rollback()
        raise
    if dry_run:
        session.rollback()
    else:
        session.commit()
    return outcome


@qms.command("reorganize")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ làm, không thay đổi gì.")
@click.option("--user", "username", help="Tên đăng nhập của người thực hiện (ghi vào nhật ký).")
def reorganize_command(plan_file: Path, dry_run: bool, username: str | None) -> None:
    """Áp dụng một kế hoạch sắp xếp tổ chức (CSV, JSON hoặc XLSX) trong một giao dịch."""
    actor = None
    if username:
        actor = session.scalar(select(User).where(User.username == username))
        if actor is None:
            raise click.ClickException(f"Không có người dùng '{username}'. Hãy bỏ --user hoặc dùng tên đăng nhập đúng.")
    try:
        outcome = run_plan_file(plan_file, dry_run=dry_run, actor=actor)
    except PlanRefused as refused:
        for problem in refused.problems:
            click.echo(f"LỖI: {problem}", err=True)
        click.echo(f"Kế hoạch có {len(refused.problems)} vấn đề; không thay đổi gì. Hãy sửa tệp rồi chạy lại.", err=True)
        sys.exit(1)
    except QmsError as error:
        raise click.ClickException(error.message) from None
    for line in outcome.lines():
        click.echo(line)
    click.echo("Chạy thử: không thay đổi gì." if dry_run else "Đã áp dụng kế hoạch.")
