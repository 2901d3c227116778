"""`qms export ARCHIVE [--agency CODE …]` and `qms import-archive ARCHIVE [--mapping CSV] [--dry-run]`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from qmsdocs.archive import export, importer
from qmsdocs.archive.format import ArchiveError
from qmsdocs.cli import qms
from qmsdocs.db import reading_only, session


@qms.command("export")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--agency", "agencies", multiple=True, help="Mã cơ quan cần xuất (lặp lại; mặc định: tất cả).")
def export_command(archive: Path, agencies: tuple[str, ...]) -> None:
    """Xuất toàn bộ hệ thống quản lý chất lượng của các cơ quan ra một tệp lưu trữ (zip) di chuyển được."""
    try:
        report = export.export_archive(archive, list(agencies))
    except ArchiveError as error:
        raise click.ClickException(str(error)) from None
    finally:
        session.rollback()
    click.echo(f"Đã xuất {report.agencies} cơ quan, {report.procedures} quy trình, {report.versions} phiên bản, "
               f"{report.blobs} tệp ({report.blob_bytes} byte) vào {archive} ({report.archive_bytes} byte).")


@qms.command("import-archive")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV code,action,target[,rename_suffix][,former_province]: cơ quan trong tệp lưu trữ đi đâu.")
@click.option("--dry-run", is_flag=True, help="Chỉ in những gì sẽ làm, không thay đổi gì.")
def import_command(archive: Path, mapping: Path | None, dry_run: bool) -> None:
    """Nhập tệp lưu trữ của một dịch vụ khác: cơ quan mới hoặc gộp vào cơ quan đã có."""
    try:
        rows = importer.read_mapping(mapping) if mapping else None
        reader = importer.open_archive(archive)
        try:
            with reading_only():  # verifying and planning never hold up the service's writers
                checked = reader.verify()
                plan = importer.make_plan(reader, rows)
                session.rollback()
            for line in plan.lines():
                click.echo(line)
            if dry_run:
                session.rollback()
                click.echo(f"Chạy thử: {checked} tệp đúng checksum; không thay đổi gì.")
                if plan.problems:
                    sys.exit(1)
                return
            report = importer.import_archive(reader, plan, session.commit, session.rollback)
        finally:
            reader.close()
    except ArchiveError as error:
        session.rollback()
        raise click.ClickException(str(error)) from None
    for failure in report.failures:
        click.echo(f"LỖI: {failure}", err=True)
    click.echo(f"Đã nhập {report.agencies} cơ quan, {report.procedures} quy trình mới, {report.versions} phiên bản; "
               f"{report.blobs_checked} tệp đúng checksum.")
    if report.failures:
        sys.exit(1)
