"""The `qms` command group: `flask --app wsgi qms ...`. Areas add their own subcommands."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from qmsdocs import schema
from qmsdocs.db import get_engine, session

qms = AppGroup("qms", help="Quản lý hệ thống qmsdocs (qmsdocs administration).")

# Run after the schema is created or upgraded, e.g. to create the search index.
init_hooks: list = []


def init_hook(func):
    if func not in init_hooks:
        init_hooks.append(func)
    return func


# `qms demo` steps areas add as (name, function); each runs after the core demo data exists.
demo_steps: list = []


def demo_step(name: str):
    def register(func):
        if all(existing != name for existing, _ in demo_steps):
            demo_steps.append((name, func))
        return func
    return register


@qms.command("init")
def init_command() -> None:
    """Create or upgrade the database schema and the search index (safe to run again)."""
    schema.upgrade(get_engine())
    for hook in init_hooks:
        hook(current_app)
    click.echo(f"Đã khởi tạo cơ sở dữ liệu và chỉ mục tại {current_app.config['DATA_DIR']}.")


@qms.command("check")
@click.option("--repair", is_flag=True, help="Xoá blob mồ côi và sửa những gì sửa được.")
def check_command(repair: bool) -> None:
    """Verify every blob, find missing and orphaned blobs and index disagreements."""
    from qmsdocs.integrity import run_checks

    findings = run_checks(repair=repair)
    for finding in findings:
        click.echo(finding.line())
    problems = [f for f in findings if not f.repaired]
    if problems:
        click.echo(f"{len(problems)} vấn đề chưa được xử lý.")
        session.commit()
        raise SystemExit(1)
    session.commit()
    click.echo("Không có vấn đề." if not findings else "Đã sửa mọi vấn đề tìm thấy.")


def init_app(app: Flask) -> None:
    app.cli.add_command(qms)
