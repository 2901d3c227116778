"""`qms demo`: load the illustrative data set for a first look."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.cli import qms
from qmsdocs.db import session

# Further areas append (name, function) steps; each runs after the core data exists.
demo_steps: list = []


def demo_step(name: str):
    def register(func):
        if all(existing != name for existing, _ in demo_steps):
            demo_steps.append((name, func))
        return func
    return register


@qms.command("demo")
def demo_command() -> None:
    """Load demo agencies, users and procedures with several versions (once)."""
    from qmsdocs.demo.data import DEMO_PASSWORD, load_core_demo

    if session.scalar(select(Agency).where(Agency.code == "STNMT")):
        click.echo("Dữ liệu minh họa đã có; không nạp lại.")
        return
    load_core_demo()
    for name, step in demo_steps:
        step()
        click.echo(f"- {name}")
    session.commit()
    click.echo(f"Đã nạp dữ liệu minh họa. Đăng nhập: admin / {DEMO_PASSWORD} (hoặc bientap, pheduyet, xem).")


def init_app(app: Flask) -> None:
    """Commands register on import; nothing else to bind."""
