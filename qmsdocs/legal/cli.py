"""`qms legal import FILE`: load the registry from CSV or JSON."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from qmsdocs.db import session

legal_group = AppGroup("legal", help="Danh mục văn bản pháp luật.")


@legal_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(path: Path) -> None:
    """Import documents or changes (CSV or JSON); refused rows are listed, the rest applied."""
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.errors import QmsError
    from qmsdocs.legal.importer import import_registry

    try:
        report = import_registry(path.read_bytes(), path.name, actor=SYSTEM)
    except QmsError as error:
        session.rollback()
        click.echo(f"Không nhập được {path.name}: {error.message}", err=True)
        raise SystemExit(1) from None
    session.commit()
    for line in report.lines():
        click.echo(line)


def register() -> None:
    from qmsdocs.cli import qms

    if "legal" not in qms.commands:
        qms.add_command(legal_group)
