"""`qms import FOLDER --agency CODE`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app

from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.errors import QmsError
from qmsdocs.procedures.importer import ImportReport, import_files, word_files


@qms.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--agency", "agency_code", required=True, help="Mã cơ quan nhận các quy trình.")
def import_command(folder: Path, agency_code: str) -> None:
    """Import a folder of .docx procedures: match by header code, then file name, else create.

    The command is the commit point: each stored file commits on its own, each refused one rolls back.
    """
    total = len(word_files(folder))
    report = ImportReport()
    try:
        with click.progressbar(length=total, label="Đang nhập", file=sys.stderr) as bar:
            for result in import_files(folder, agency_code, actor=SYSTEM,
                                       max_bytes=current_app.config["MAX_UPLOAD_BYTES"]):
                if result.stored:
                    session.commit()
                else:
                    session.rollback()
                report.count(result)
                bar.update(1)
    except QmsError as error:
        session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(
        f"Tổng {total} tệp: {len(report.created)} quy trình mới, {len(report.added)} phiên bản mới, "
        f"{len(report.unchanged)} không đổi, {len(report.refused)} bị từ chối."
        + (f" {len(report.forms)} quy trình được gắn thêm biểu mẫu." if report.forms else "")
    )
    for name, reason in report.refused:
        click.echo(f"TỪ CHỐI {name}: {reason}")
    for name, warnings in report.warned:
        for warning in warnings:
            click.echo(f"LƯU Ý {name}: {warning}")


def init_app(app: Flask) -> None:
    """Commands register on import; nothing else to bind."""
