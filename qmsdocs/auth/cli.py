"""`qms user ...`: create users and mint API tokens from the command line."""

from __future__ import annotations

import os

import click
from flask import Flask
from flask.cli import AppGroup

from qmsdocs.auth import services
from qmsdocs.auth.models import ROLES
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.errors import QmsError

user_group = AppGroup("user", help="Người dùng và mã API.")


@user_group.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--agency", "agency_code", default=None, help="Mã cơ quan (không cần với admin).")
@click.option("--full-name", default="", help="Họ và tên.")
def create_user_command(name: str, role: str, agency_code: str | None, full_name: str) -> None:
    """Create a user; the password comes from $QMSDOCS_PASSWORD, else it is prompted."""
    password = os.environ.get("QMSDOCS_PASSWORD") or click.prompt(
        "Mật khẩu", hide_input=True, confirmation_prompt=True
    )
    try:
        user = services.create_user(name, password, role, agency_code=agency_code, full_name=full_name, actor=SYSTEM)
    except QmsError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(f"Đã tạo người dùng {user.username} ({user.role}).")


@user_group.command("token")
@click.argument("name")
@click.option("--label", default="cli", help="Tên gợi nhớ của mã.")
def token_command(name: str, label: str) -> None:
    """Mint an API token; it is printed alone on the last line and never shown again."""
    try:
        user = services.user_by_name(name)
        token = services.mint_token(user, label, actor=SYSTEM)
    except QmsError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    session.commit()
    click.echo(f"Mã API mới cho {user.username} (chỉ hiện một lần):", err=True)
    click.echo(token)


def init_app(app: Flask) -> None:
    qms.add_command(user_group)
