"""`qms catalog ...`: import the TTHC catalog and refresh link suggestions."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.errors import QmsError

catalog = AppGroup("catalog", help="Danh mục thủ tục hành chính (TTHC).")


@catalog.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "xlsx"]), default=None,
              help="Định dạng tệp, khi đuôi tệp không nói rõ.")
def import_command(path: Path, fmt: str | None) -> None:
    """Import TTHC from a CSV, JSON or XLSX file (idempotent); print refused rows with the reason."""
    from qmsdocs.catalog.importer import import_file

    try:
        report = import_file(path.read_bytes(), path.name, fmt=fmt, actor=SYSTEM)
    except QmsError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    session.commit()
    for line in report.lines():
        click.echo(line)


@catalog.command("suggest")
def suggest_command() -> None:
    """Suggest TTHC links for every current procedure version (e.g. after a first catalog import)."""
    from qmsdocs.catalog.links import suggest_for_all_current

    count = suggest_for_all_current()
    session.commit()
    click.echo(f"Đã thêm {count} gợi ý liên kết chờ xác nhận.")


qms.add_command(catalog)
