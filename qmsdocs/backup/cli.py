"""`qms backup DEST`, `qms backup --verify DEST`, `qms restore SRC`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app

from qmsdocs.backup import archive
from qmsdocs.cli import qms
from qmsdocs.db import get_engine, session


def _echo_report(report: archive.Report) -> None:
    for note in report.notes:
        click.echo(note)
    for problem in report.problems:
        click.echo(f"LỖI: {problem}")


@qms.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--verify", "verify_only", is_flag=True, help="Chỉ kiểm tra bản sao lưu mới nhất trong DEST.")
@click.option("--database-dump", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PostgreSQL: tệp pg_dump vừa tạo, đưa vào bản sao lưu.")
@click.option("--keep", type=click.IntRange(min=1), default=None,
              help="Giữ N bản sao lưu mới nhất, xoá bản cũ hơn.")
def backup_command(dest: Path, verify_only: bool, database_dump: Path | None, keep: int | None) -> None:
    """Sao lưu nóng khi dịch vụ vẫn chạy: cơ sở dữ liệu, mọi tệp đang được dùng, khoá bí mật, manifest."""
    try:
        if verify_only:
            report = archive.verify(dest)
            _echo_report(report)
            if report.problems:
                click.echo(f"Bản sao lưu {report.snapshot.name} KHÔNG toàn vẹn: {len(report.problems)} lỗi.")
                raise SystemExit(1)
            click.echo(f"Bản sao lưu {report.snapshot.name} toàn vẹn: {report.blobs_verified} tệp đúng checksum.")
            return
        config = current_app.config
        report = archive.create_backup(dest=dest, data_dir=config["DATA_DIR"], database_url=config["DATABASE_URL"],
                                       secret_key=config["SECRET_KEY"], db_session=session,
                                       database_dump=database_dump, keep=keep,
                                       blobs_in_database=config["BLOB_STORE"] == "database")
    except archive.BackupError as error:
        raise click.ClickException(str(error)) from None
    _echo_report(report)
    click.echo(f"Đã sao lưu vào {report.snapshot}: chép {report.blobs_copied} tệp mới, "
               f"{report.blobs_verified} tệp đã có được kiểm tra lại"
               + (f", {report.blobs_repaired} tệp hỏng được chép lại" if report.blobs_repaired else "") + ".")


@qms.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore_command(src: Path) -> None:
    """Khôi phục bản sao lưu vào thư mục dữ liệu trống, kiểm tra rồi dựng lại chỉ mục tìm kiếm."""
    from sqlalchemy import inspect

    from qmsdocs import schema
    from qmsdocs.integrity import run_checks
    from qmsdocs.search import indexer

    config = current_app.config
    try:
        snapshot, _blobs = archive.resolve_snapshot(src)
        database = archive.read_manifest(snapshot)["database"]
        if database["kind"] != "sqlite" and not inspect(get_engine()).has_table("procedure_versions"):
            dump = snapshot / database.get("file", archive.DUMP_FILE)
            raise archive.BackupError(
                "Cơ sở dữ liệu PostgreSQL còn trống: khôi phục nó trước bằng "
                f"`pg_restore --no-owner --dbname '<URL>' '{dump}'`, rồi chạy lại `qms restore {src}`.")
        report = archive.restore_files(src, data_dir=config["DATA_DIR"], database_url=config["DATABASE_URL"],
                                       write_secret=not os.environ.get("QMSDOCS_SECRET_KEY"))
    except archive.BackupError as error:
        raise click.ClickException(str(error)) from None
    _echo_report(report)
    # Connections opened before the database file was put in place go; the session's first, or its
    # connection would outlive the discarded pool (and be dropped open by the garbage collector).
    session.close()
    get_engine().dispose()
    schema.upgrade(get_engine())  # a backup of an older release is brought up to this one
    indexer.get_backend().ensure_index()
    total = indexer.rebuild()
    session.commit()
    # Changes that were waiting for the index at backup time are in the rebuilt index: their marks go.
    findings = [f for f in run_checks(repair=True) if not f.repaired]
    session.commit()
    for finding in findings:
        click.echo(finding.line())
    if findings:
        click.echo(f"Đã khôi phục nhưng `qms check` còn {len(findings)} vấn đề.", err=True)
        sys.exit(1)
    click.echo(f"Đã khôi phục {report.blobs_copied} tệp từ {report.snapshot.name}, dựng lại chỉ mục tìm kiếm "
               f"({total} quy trình); `qms check` không có vấn đề.")
