"""A backup folder: content-addressed blobs shared by dated snapshots, each with a manifest.

    DEST/blobs/ab/cd/<sha256>                 every blob any kept snapshot refers to
    DEST/snapshots/<UTC time>/manifest.json   format, time, checksums of everything below
    DEST/snapshots/<UTC time>/qmsdocs.sqlite3 the database (SQLite), or database.pgdump
    DEST/snapshots/<UTC time>/secret_key      the session signing key

A snapshot is written under `.incoming-…` and renamed once its manifest is durable, so an
interrupted backup (a crash, `kill -9`) leaves no snapshot that looks complete. The database
is copied with SQLite's online backup API, which reads one consistent state while the
service keeps writing (WAL); the blobs listed are those that copy refers to, so the snapshot
is consistent whatever was uploaded meanwhile. Blobs never change once stored: a blob
already in DEST is verified, not copied again, which makes nightly backups incremental.
On PostgreSQL the database is dumped by `pg_dump` (the command is printed; a dump given with
`--database-dump` is checksummed into the snapshot) and the blobs referenced at the time of
the backup are copied: run `pg_dump` first, and every version in the dump has its blob.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url

from qmsdocs.storage import fsync_dir

FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_FILE = "qmsdocs.sqlite3"
DUMP_FILE = "database.pgdump"
SECRET_FILE = "secret_key"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why and what to do (Vietnamese)."""


@dataclass
class Report:
    snapshot: Path | None = None
    blobs_copied: int = 0
    blobs_verified: int = 0
    blobs_repaired: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Files ------------------------------------------------------------------------------------------

def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_durably(source: Path, target: Path, mode: int = 0o444) -> None:
    """Copy through a temporary file, fsync, rename: the target is whole or absent."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as handle:
            shutil.copyfileobj(handle, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp_name, mode)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def _write_durably(target: Path, text: str) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def sqlite_path(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def pg_dump_command(database_url: str, target: Path) -> str:
    """The `pg_dump` to run (the driver suffix removed; the password, if any, left to PGPASSWORD)."""
    url = make_url(database_url).set(drivername="postgresql", password=None)
    dsn = url.render_as_string(hide_password=False)
    return f"pg_dump --format=custom --no-owner --file '{target}' '{dsn}'"


# Backup -----------------------------------------------------------------------------------------

def referenced_blobs_in_sqlite(path: Path) -> dict[str, int]:
    """sha256 → size of every version's blob, and of every other file kept in the store, in a database copy."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        blobs = {sha: size for sha, size in connection.execute("SELECT sha256, size FROM procedure_versions")}
        # Files other areas keep in the store (attachments of change requests), when the copy has them.
        tables = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "change_requests" in tables:
            blobs.update(connection.execute("SELECT attachment_sha256, attachment_size FROM change_requests "
                                            "WHERE attachment_sha256 IS NOT NULL"))
        if "form_files" in tables:  # forms attached to versions
            blobs.update(connection.execute("SELECT sha256, size FROM form_files"))
        return blobs
    finally:
        connection.close()


def referenced_blobs_live(db_session) -> dict[str, int]:
    from qmsdocs.procedures.models import ProcedureVersion

    from qmsdocs.storage import other_blob_users

    blobs = {sha: size for sha, size, _owner in other_blob_users(db_session)}
    blobs.update({sha: size for sha, size in db_session.execute(select(ProcedureVersion.sha256, ProcedureVersion.size))})
    return blobs


def sqlite_online_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: one consistent state, writers go on meanwhile (WAL)."""
    src = sqlite3.connect(str(source), timeout=60)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)  # all pages in one step: a single read snapshot
        dst.execute("PRAGMA journal_mode=DELETE")  # a self-contained file, no -wal beside it
    finally:
        dst.close()
        src.close()
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def copy_blobs(blobs: Iterable[str], source_root: Path, dest_root: Path, report: Report,
               progress: Callable[[int], None] = lambda _n: None) -> None:
    """Copy each blob unless DEST already holds it intact (verified by checksum)."""
    for sha in blobs:
        target = blob_path(dest_root, sha)
        if target.exists():
            if file_sha256(target) == sha:
                report.blobs_verified += 1
                progress(1)
                continue
            report.blobs_repaired += 1
            report.notes.append(f"bản sao lưu của tệp {sha} bị hỏng: đã chép lại")
        source = blob_path(source_root, sha)
        if not source.exists():
            raise BackupError(f"Thiếu tệp {sha} trong thư mục dữ liệu: hãy chạy `qms check` trước khi sao lưu.")
        _copy_durably(source, target)
        if file_sha256(target) != sha:
            target.unlink(missing_ok=True)
            raise BackupError(f"Tệp {sha} trong thư mục dữ liệu sai checksum: hãy chạy `qms check` "
                              "và khôi phục tệp đó từ bản sao lưu cũ.")
        report.blobs_copied += 1
        progress(1)


def _snapshot_name() -> str:
    """UTC time to the microsecond: names sort in the order the snapshots were taken."""
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")


def create_backup(*, dest: Path, data_dir: Path, database_url: str, secret_key: str, db_session,
                  database_dump: Path | None = None, keep: int | None = None, blobs_in_database: bool = False,
                  progress: Callable[[int], None] = lambda _n: None) -> Report:
    """A snapshot; with `blobs_in_database` the files are rows of the database copy, not copied apart."""
    dest = Path(dest)
    (dest / "snapshots").mkdir(parents=True, exist_ok=True)
    (dest / "blobs").mkdir(exist_ok=True)
    name = _snapshot_name()
    incoming = dest / "snapshots" / f".incoming-{name}"
    incoming.mkdir()
    report = Report()
    try:
        manifest: dict = {"format": FORMAT, "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                          "files": {}}
        sqlite_file = sqlite_path(database_url)
        if sqlite_file is not None:
            copy = incoming / SQLITE_FILE
            sqlite_online_copy(sqlite_file, copy)
            blobs = referenced_blobs_in_sqlite(copy)
            manifest["database"] = {"kind": "sqlite", "file": SQLITE_FILE}
        else:
            blobs = referenced_blobs_live(db_session)
            db_session.rollback()
            manifest["database"] = {"kind": "postgresql"}
            if database_dump is not None:
                _copy_durably(Path(database_dump), incoming / DUMP_FILE, 0o400)
                manifest["database"]["file"] = DUMP_FILE
            else:
                report.notes.append("Cơ sở dữ liệu PostgreSQL không nằm trong bản sao lưu này. Chạy trước lệnh: "
                                    + pg_dump_command(database_url, dest / "database.pgdump")
                                    + f" rồi `qms backup {dest} --database-dump {dest / 'database.pgdump'}`.")
        key_file = incoming / SECRET_FILE
        _write_durably(key_file, secret_key)
        os.chmod(key_file, 0o400)
        if blobs_in_database:
            # QMSDOCS_BLOB_STORE=database: every file is inside the database (its dump or SQLite copy).
            manifest["blobs_in"] = "database"
            report.notes.append(f"{len(blobs)} tệp nằm trong cơ sở dữ liệu (kho tệp database): "
                                "chúng được sao lưu cùng bản dump/bản sao cơ sở dữ liệu.")
            blobs = {}
        copy_blobs(sorted(blobs), Path(data_dir) / "blobs", dest / "blobs", report, progress)
        for path in sorted(incoming.iterdir()):
            manifest["files"][path.name] = {"sha256": file_sha256(path), "size": path.stat().st_size}
        manifest["blobs"] = {sha: blobs[sha] for sha in sorted(blobs)}
        _write_durably(incoming / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        final = dest / "snapshots" / name
        os.replace(incoming, final)
        fsync_dir(final.parent)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    report.snapshot = final
    if keep:
        report.notes += prune(dest, keep)
    return report


def snapshots(dest: Path) -> list[Path]:
    """Complete snapshots, oldest first (interrupted ones have no manifest and a dotted name)."""
    folder = Path(dest) / "snapshots"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / MANIFEST).exists())


def resolve_snapshot(src: Path) -> tuple[Path, Path]:
    """(snapshot folder, blobs folder) for a backup folder (its latest snapshot) or one snapshot."""
    src = Path(src)
    if (src / MANIFEST).exists():
        return src, src.parent.parent / "blobs"
    found = snapshots(src)
    if not found:
        raise BackupError(f"Không tìm thấy bản sao lưu hoàn chỉnh nào trong {src} (thiếu {MANIFEST}).")
    return found[-1], src / "blobs"


def prune(dest: Path, keep: int) -> list[str]:
    """Keep the newest `keep` snapshots; remove older ones and blobs no kept snapshot refers to."""
    notes = []
    found = snapshots(dest)
    for old in found[:-keep]:
        shutil.rmtree(old)
        notes.append(f"đã xoá bản sao lưu cũ {old.name}")
    wanted: set[str] = set()
    for snapshot in snapshots(dest):
        wanted |= set(read_manifest(snapshot)["blobs"])
    for leftover in (Path(dest) / "snapshots").glob(".incoming-*"):
        if time.time() - leftover.stat().st_mtime > 24 * 3600:
            shutil.rmtree(leftover, ignore_errors=True)
    removed = 0
    for path in (Path(dest) / "blobs").glob("*/*/*"):
        if path.name not in wanted:
            path.unlink()
            removed += 1
    if removed:
        notes.append(f"đã xoá {removed} tệp không còn bản sao lưu nào dùng")
    return notes


def read_manifest(snapshot: Path) -> dict:
    try:
        manifest = json.loads((snapshot / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise BackupError(f"Không đọc được {snapshot / MANIFEST}: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Bản sao lưu định dạng {manifest.get('format')!r}, phiên bản này chỉ đọc định dạng {FORMAT}.")
    return manifest


# Verify and restore -------------------------------------------------------------------------------

def verify(src: Path, progress: Callable[[int], None] = lambda _n: None) -> Report:
    """Check a snapshot without restoring it: every checksum, the database file, every blob it needs."""
    snapshot, blob_root = resolve_snapshot(src)
    report = Report(snapshot=snapshot)
    manifest = read_manifest(snapshot)
    for name, expected in manifest["files"].items():
        path = snapshot / name
        if not path.exists():
            report.problems.append(f"thiếu tệp {name}")
        elif file_sha256(path) != expected["sha256"]:
            report.problems.append(f"tệp {name} sai checksum")
    database = manifest["database"]
    if database["kind"] == "sqlite":
        copy = snapshot / database["file"]
        if copy.exists() and not any(p.startswith(f"tệp {database['file']}") for p in report.problems):
            connection = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
            try:
                result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            finally:
                connection.close()
            if result != "ok":
                report.problems.append(f"cơ sở dữ liệu trong bản sao lưu hỏng: {result}")
            missing = set(referenced_blobs_in_sqlite(copy)) - set(manifest["blobs"])
            if missing and manifest.get("blobs_in") != "database":
                report.problems.append(f"{len(missing)} tệp được cơ sở dữ liệu dùng nhưng không có trong danh sách")
    elif "file" not in database:
        report.notes.append("bản sao lưu không kèm bản dump PostgreSQL (pg_dump)")
    for sha in manifest["blobs"]:
        path = blob_path(blob_root, sha)
        if not path.exists():
            report.problems.append(f"thiếu tệp {sha}")
        elif file_sha256(path) != sha:
            report.problems.append(f"tệp {sha} sai checksum")
        else:
            report.blobs_verified += 1
        progress(1)
    return report


def data_folder_is_empty(data_dir: Path, database_url: str) -> list[str]:
    """What already holds data in the target (a restore never overwrites a live service)."""
    found = []
    sqlite_file = sqlite_path(database_url)
    if sqlite_file is not None and sqlite_file.exists() and sqlite_file.stat().st_size > 0:
        found.append(str(sqlite_file))
    if any((Path(data_dir) / "blobs").glob("*/*/*")):
        found.append(str(Path(data_dir) / "blobs"))
    return found


def restore_files(src: Path, *, data_dir: Path, database_url: str, write_secret: bool,
                  progress: Callable[[int], None] = lambda _n: None) -> Report:
    """Verify the snapshot, then put its database (SQLite), blobs and secret key in place."""
    report = verify(src, progress)
    if report.problems:
        raise BackupError("Bản sao lưu không toàn vẹn, không khôi phục: " + "; ".join(report.problems[:5]))
    snapshot, blob_root = resolve_snapshot(src)
    manifest = read_manifest(snapshot)
    occupied = data_folder_is_empty(data_dir, database_url)
    if occupied:
        raise BackupError("Thư mục dữ liệu đích đã có dữ liệu (" + ", ".join(occupied) + "). "
                          "Hãy khôi phục vào một thư mục dữ liệu trống (QMSDOCS_DATA_DIR) để không ghi đè dịch vụ đang chạy.")
    database = manifest["database"]
    sqlite_file = sqlite_path(database_url)
    if database["kind"] == "sqlite":
        if sqlite_file is None:
            raise BackupError("Bản sao lưu là SQLite nhưng QMSDOCS_DATABASE_URL trỏ tới PostgreSQL.")
        _copy_durably(snapshot / database["file"], sqlite_file, 0o600)
    elif "file" in database:
        report.notes.append("Khôi phục cơ sở dữ liệu PostgreSQL trước bằng: pg_restore --no-owner --dbname '<URL>' '"
                            + str(snapshot / database["file"]) + "'")
    for sha in manifest["blobs"]:
        _copy_durably(blob_path(blob_root, sha), blob_path(Path(data_dir) / "blobs", sha))
        report.blobs_copied += 1
    if write_secret:
        key_target = Path(data_dir) / SECRET_FILE
        key_target.unlink(missing_ok=True)
        _copy_durably(snapshot / SECRET_FILE, key_target, 0o600)
    return report
