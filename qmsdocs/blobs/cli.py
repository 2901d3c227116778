"""`qms blobs migrate --to database|folder`: move every blob between the two stores.

One blob per transaction, read verified from the source and checked in the target before the
next, so an interrupted run resumes where it stopped, and a second run finds nothing to do.
The source is left as it was: switch QMSDOCS_BLOB_STORE, restart, then remove the old copy.
"""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.storage import BLOB_STORES, BlobCorrupted, BlobMissing, make_blob_store


@qms.group("blobs")
def blobs_group() -> None:
    """Kho tệp (blob): chuyển giữa thư mục dữ liệu và cơ sở dữ liệu."""


def referenced_keys() -> list[str]:
    from qmsdocs.procedures.models import ProcedureVersion

    from qmsdocs.storage import other_blob_users

    return sorted(set(session.scalars(select(ProcedureVersion.sha256))) | {sha for sha, _s, _o in other_blob_users(session)})


def migrate_blobs(to: str, echo=lambda line: None) -> dict[str, int]:
    """Copy every referenced blob into the `to` store; returns counts (copied, present, failed)."""
    source = make_blob_store(current_app, "folder" if to == "database" else "database")
    target = make_blob_store(current_app, to)
    counts = {"copied": 0, "present": 0, "failed": 0}
    for sha in referenced_keys():
        if target.verify(sha):
            counts["present"] += 1
            continue
        try:
            data = source.get(sha)
        except (BlobMissing, BlobCorrupted) as error:
            echo(f"{sha}: không đọc được từ kho nguồn ({type(error).__name__})")
            counts["failed"] += 1
            session.rollback()
            continue
        target.put(data)
        session.commit()
        if not target.verify(sha):
            echo(f"{sha}: bản chép vào kho đích sai checksum")
            counts["failed"] += 1
            continue
        counts["copied"] += 1
    session.commit()
    return counts


@blobs_group.command("migrate")
@click.option("--to", "to", type=click.Choice(BLOB_STORES), required=True,
              help="Kho đích: database (PostgreSQL, dùng chung cho nhiều máy chủ) hoặc folder.")
def migrate_command(to: str) -> None:
    """Chép mọi tệp của các phiên bản sang kho đích (chạy lại được, kiểm tra checksum)."""
    counts = migrate_blobs(to, echo=click.echo)
    click.echo(f"Đã chép {counts['copied']}, đã có sẵn {counts['present']}, lỗi {counts['failed']}.")
    if to != current_app.config["BLOB_STORE"]:
        click.echo(f"Đặt QMSDOCS_BLOB_STORE={to} rồi khởi động lại các máy chủ để dùng kho mới.")
    if counts["failed"]:
        raise SystemExit(1)
