"""The archive file: a zip holding `manifest.json`, JSON Lines records and content-addressed blobs.

    manifest.json                          format, format_version, agencies, checksums of every member
    records/agencies.jsonl                 one agency per line
    records/legal_documents.jsonl          registry entries the versions cite or the alerts name
    records/legal_changes.jsonl            relations between those entries
    records/admin_procedures.jsonl         catalog rows (TTHC) the procedures link to
    records/agency-NNNN/procedures.jsonl   per agency: procedures (with TTHC links and version keys),
    records/agency-NNNN/versions.jsonl     versions with metadata and citations,
    records/agency-NNNN/alerts.jsonl       alerts, reviews, assessments, audit events
    records/agency-NNNN/<part>.jsonl       format 2: what later areas add (qmsdocs.archive.parts):
                                           change_requests, forms, reading (policy and log lines)
    blobs/ab/<sha256>                      every version's exact bytes, change-request attachments and
                                           form files, named by checksum

Format 1 had no parts; this version still reads it (its agencies simply come without them).
Format 2 lists the parts it carries in the manifest (`parts`); an archive naming a part this
service does not know is refused rather than imported without it.

Member names are checked against these patterns and never used as paths.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from datetime import date, datetime

FORMAT = "qmsdocs-archive"
FORMAT_VERSION = 2
# Versions this code reads: 1 lacks the parts (change requests, forms, reading records).
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
SHARED_RECORDS = ("agencies", "legal_documents", "legal_changes", "admin_procedures")
AGENCY_RECORDS = ("procedures", "versions", "alerts", "reviews", "assessments", "audit")
_RECORD_NAME = re.compile(r"^records/(?:[a-z_]+|agency-[0-9]{4}/[a-z_]+)\.jsonl$")
_BLOB_NAME = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{64})$")


class ArchiveError(Exception):
    """The archive cannot be read or imported; the message says why and what to do (Vietnamese)."""


def blob_member(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def agency_folder(index: int) -> str:
    return f"records/agency-{index:04d}"


def safe_member(name: str) -> str | None:
    """'record', 'blob' or 'manifest' for a name of the format; None for anything else (../, /abs, C:…)."""
    if name == MANIFEST:
        return "manifest"
    if _RECORD_NAME.match(name):
        return "record"
    match = _BLOB_NAME.match(name)
    if match and match.group(2).startswith(match.group(1)):
        return "blob"
    return None


def to_json(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_datetime(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def parse_date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def columns(obj, *names: str) -> dict:
    return {name: to_json(getattr(obj, name)) for name in names}


class RecordWriter:
    """One JSON Lines member written line by line, its checksum and count kept for the manifest.

    Lines go to a temporary file first, copied into the zip on close: a zip takes one member
    at a time, and blobs are written while records are still being gathered.
    """

    def __init__(self, archive: zipfile.ZipFile, name: str):
        self.name = name
        self._archive = archive
        self._handle = tempfile.TemporaryFile()
        self._digest = hashlib.sha256()
        self.count = 0
        self.size = 0

    def write(self, record: dict) -> None:
        line = (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
        self._handle.write(line)
        self._digest.update(line)
        self.count += 1
        self.size += len(line)

    def close(self) -> dict:
        self._handle.seek(0)
        with self._archive.open(self.name, "w", force_zip64=True) as out:
            shutil.copyfileobj(self._handle, out, CHUNK)
        self._handle.close()
        return {"sha256": self._digest.hexdigest(), "size": self.size, "count": self.count}


def _damaged(error: Exception) -> ArchiveError:
    return ArchiveError(f"Tệp lưu trữ bị hỏng hoặc không trọn vẹn ({error}): hãy xuất lại bằng `qms export` "
                        "và chép lại tệp, rồi nhập lại.")


class ArchiveReader:
    """Opens an archive and checks its structure; `verify` reads every member against the manifest."""

    def __init__(self, path):
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise _damaged(error) from None
        names = self.zip.namelist()
        if len(names) != len(set(names)):
            self.zip.close()
            raise ArchiveError("Tệp lưu trữ có hai mục cùng tên: không phải tệp do `qms export` tạo, không nhập.")
        for info in self.zip.infolist():
            if safe_member(info.filename) is None:
                self.zip.close()
                raise ArchiveError(f"Tệp lưu trữ chứa mục không hợp lệ {info.filename!r} (đường dẫn ra ngoài "
                                   "hoặc không thuộc định dạng): không nhập tệp này.")
        self.manifest = self._read_manifest()

    def close(self) -> None:
        self.zip.close()

    def _read_manifest(self) -> dict:
        try:
            manifest = json.loads(self.zip.read(MANIFEST).decode("utf-8"))
        except KeyError:
            raise ArchiveError(f"Tệp lưu trữ không có {MANIFEST}: không phải tệp do `qms export` tạo, "
                               "hoặc tệp bị cắt cụt.") from None
        except (ValueError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise _damaged(error) from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise ArchiveError(f"{MANIFEST} không phải của một tệp lưu trữ qmsdocs.")
        if manifest.get("format_version") not in READABLE_VERSIONS:
            raise ArchiveError(f"Tệp lưu trữ có định dạng phiên bản {manifest.get('format_version')!r}; phiên bản "
                               f"này chỉ đọc phiên bản {', '.join(map(str, READABLE_VERSIONS))}. Hãy cập nhật qmsdocs "
                               "hoặc xuất lại.")
        return manifest

    def _member_sha256(self, name: str) -> str:
        digest = hashlib.sha256()
        try:
            with self.zip.open(name) as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    digest.update(chunk)
        except KeyError:
            raise ArchiveError(f"Tệp lưu trữ thiếu mục {name} mà {MANIFEST} liệt kê: tệp bị cắt cụt hoặc hỏng.") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise _damaged(error) from None
        return digest.hexdigest()

    def verify(self) -> int:
        """Every record and blob matches its checksum in the manifest; returns the blobs checked."""
        listed = set(self.manifest.get("records", {})) | {blob_member(sha) for sha in self.manifest.get("blobs", {})}
        present = {name for name in self.zip.namelist() if name != MANIFEST}
        extra = sorted(present - listed)
        if extra:
            raise ArchiveError(f"Tệp lưu trữ có mục không được {MANIFEST} liệt kê: {extra[0]}.")
        for name, expected in self.manifest.get("records", {}).items():
            if self._member_sha256(name) != expected["sha256"]:
                raise ArchiveError(f"Mục {name} sai checksum so với {MANIFEST}: tệp lưu trữ đã bị sửa hoặc hỏng.")
        for sha in self.manifest.get("blobs", {}):
            if self._member_sha256(blob_member(sha)) != sha:
                raise ArchiveError(f"Tệp {sha} trong tệp lưu trữ sai checksum: tệp lưu trữ đã bị sửa hoặc hỏng.")
        return len(self.manifest.get("blobs", {}))

    def records(self, name: str) -> Iterator[dict]:
        if name not in self.manifest.get("records", {}):
            return
        try:
            with self.zip.open(name) as handle:
                for line in handle:
                    yield json.loads(line)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as error:
            raise _damaged(error) from None

    def blob(self, sha256: str) -> bytes:
        try:
            return self.zip.read(blob_member(sha256))
        except (KeyError, zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
            raise _damaged(error) from None
