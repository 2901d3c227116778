"""Legacy Word 97–2003 (.doc) files, converted to .docx by LibreOffice in a sandbox.

Agencies' archives hold many .doc files. When LibreOffice (`soffice`) is installed it is found
at start and each uploaded .doc is converted in a separate process: its own throw-away
profile (-env:UserInstallation), no network (a new network namespace, when the system allows
one), limits on memory, CPU time and output size, and a wall-clock timeout after which the
whole process group is killed. The original .doc stays the version's stored file; the
converted .docx is only what text, citations and preview are read from, cached by the
.doc's SHA-256 so a preview never converts twice.

Without LibreOffice a .doc is refused with a message saying how to enable conversion. An
OLE container is told apart by its streams: `WordDocument` for a Word 97 file,
`EncryptionInfo`/`EncryptedPackage` for a password-protected .docx.
"""

from __future__ import annotations

import io
import logging
import os
import resource
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import olefile

from qmsdocs.docx.safety import OLE_MAGIC, check_size, refuse
from qmsdocs.errors import UploadRefused

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 60
DEFAULT_MEMORY_BYTES = 2 * 1024 * 1024 * 1024
MAX_OUTPUT_BYTES = 200 * 1024 * 1024
DOCX_FILTER = "docx:MS Word 2007 XML"

ENABLE_CONVERSION = (
    "Để hệ thống tự chuyển tệp .doc, quản trị viên cần cài LibreOffice trên máy chủ "
    "(ví dụ: apt-get install libreoffice-writer-nogui) rồi khởi động lại dịch vụ."
)


def ole_kind(data: bytes) -> str:
    """"word97", "encrypted" or "other" for an OLE compound file; "" when data is not one."""
    if not data.startswith(OLE_MAGIC):
        return ""
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as container:
            if container.exists("EncryptionInfo") or container.exists("EncryptedPackage"):
                return "encrypted"
            if container.exists("WordDocument"):
                return "word97"
    except Exception:  # olefile raises many kinds on a damaged container; all mean "unreadable"
        return "other"
    return "other"


def encrypted_refusal() -> UploadRefused:
    return refuse("Tệp có mật khẩu: hãy gỡ mật khẩu rồi tải lên (mở bằng Word, bỏ mật khẩu, lưu lại).",
                  "encrypted")


def legacy_doc_refusal() -> UploadRefused:
    return refuse(
        "Tệp là tài liệu Word cũ (.doc, Word 97–2003) và máy chủ chưa có công cụ chuyển đổi. "
        "Hãy mở tệp bằng Word, lưu lại dưới dạng .docx rồi tải lên lại. " + ENABLE_CONVERSION,
        "legacy_doc",
    )


def converted_notice() -> str:
    return ("Tệp Word cũ (.doc) đã được tự động chuyển sang .docx để đọc nội dung, trích dẫn và xem trước; "
            "tệp .doc gốc được lưu nguyên. Hãy xem lại bản xem trước để chắc chắn nội dung đúng.")


def conversion_failed_refusal(reason: str) -> UploadRefused:
    return refuse(
        f"Không chuyển được tệp .doc sang .docx ({reason}). "
        "Hãy mở tệp bằng Word, lưu lại dưới dạng .docx rồi tải lên lại.",
        "conversion_failed",
    )


@dataclass
class DocConverter:
    """LibreOffice found at start (or not), with the sandbox this system allows."""

    soffice: str | None
    cache_dir: Path | None = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    memory_bytes: int = DEFAULT_MEMORY_BYTES
    # Prefix that puts the process in a new network namespace; () when the system refuses.
    isolation: tuple[str, ...] = ()

    @classmethod
    def detect(cls, cache_dir: Path | None = None, *, soffice: str | None = None,
               timeout: float = DEFAULT_TIMEOUT_SECONDS) -> DocConverter:
        found = soffice if soffice is not None else (shutil.which("soffice") or shutil.which("libreoffice"))
        converter = cls(found or None, cache_dir, timeout)
        if converter.soffice:
            converter.isolation = _network_isolation()
            log.info("LibreOffice found at %s: .doc uploads are converted (network isolation: %s)",
                     converter.soffice, "yes" if converter.isolation else "no")
        return converter

    @property
    def available(self) -> bool:
        return bool(self.soffice)

    def status(self) -> dict:
        """What the admin page shows."""
        return {"available": self.available, "soffice": self.soffice,
                "network_isolated": bool(self.isolation), "timeout_seconds": self.timeout}

    def to_docx(self, data: bytes, sha256: str) -> bytes:
        """The .docx for this .doc: from the cache, else converted now and cached."""
        cached = self._cache_path(sha256)
        if cached is not None and cached.is_file():
            return cached.read_bytes()
        if not self.available:
            raise legacy_doc_refusal()
        converted = self._convert(data)
        if cached is not None:
            _write_atomically(cached, converted)
        return converted

    def _cache_path(self, sha256: str) -> Path | None:
        if self.cache_dir is None or len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            return None
        return self.cache_dir / sha256[:2] / f"{sha256}.docx"

    def _convert(self, data: bytes) -> bytes:
        with tempfile.TemporaryDirectory(prefix="qmsdocs-doc-") as work:
            work_dir = Path(work)
            source = work_dir / "upload.doc"
            source.write_bytes(data)
            out_dir = work_dir / "out"
            profile = work_dir / "profile"
            command = [
                *self.isolation, self.soffice, "--headless", "--invisible", "--nologo", "--norestore",
                "--nodefault", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
                "--convert-to", DOCX_FILTER, "--outdir", str(out_dir), str(source),
            ]
            env = {"HOME": str(work_dir), "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8",
                   "TMPDIR": str(work_dir)}
            with subprocess.Popen(
                command, cwd=work_dir, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=self._limits,
            ) as process:
                try:
                    output, _ = process.communicate(timeout=self.timeout)
                except subprocess.TimeoutExpired:
                    _kill_group(process)
                    raise conversion_failed_refusal(f"quá {self.timeout:.0f} giây") from None
                finally:
                    _kill_group(process)  # LibreOffice may leave helpers behind in its group
            result = out_dir / "upload.docx"
            if process.returncode != 0 or not result.is_file():
                log.warning("soffice failed (exit %s): %s", process.returncode, output[-500:])
                raise conversion_failed_refusal("LibreOffice không mở được tệp")
            return result.read_bytes()

    def _limits(self) -> None:
        """Run in the child before exec: bounded memory, CPU time and file sizes."""
        resource.setrlimit(resource.RLIMIT_AS, (self.memory_bytes, self.memory_bytes))
        cpu = int(self.timeout) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_OUTPUT_BYTES, MAX_OUTPUT_BYTES))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _kill_group(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    process.wait()


def _network_isolation() -> tuple[str, ...]:
    """`unshare` into an empty network namespace, as an unprivileged user or as root."""
    unshare = shutil.which("unshare")
    if not unshare:
        return ()
    for prefix in ((unshare, "--net", "--map-root-user"), (unshare, "--net")):
        try:
            probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if probe.returncode == 0:
            return prefix
    return ()


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@dataclass(frozen=True)
class PreparedUpload:
    """The bytes to read (.docx) for an uploaded file, and whether they came from a .doc."""

    docx: bytes
    converted: bool


def prepare_upload(data: bytes, sha256: str, converter: DocConverter | None, *,
                   max_bytes: int | None = None) -> PreparedUpload:
    """Route an upload: a .docx as it is, a Word 97 .doc through LibreOffice, refusals otherwise.

    Anything that is not an OLE container goes on unchanged to `check_package`, which gives
    the usual refusals; an unknown OLE container too (it refuses those as "ole_container").
    """
    if max_bytes is not None:
        check_size(data, max_bytes)
    kind = ole_kind(data)
    if kind == "encrypted":
        raise encrypted_refusal()
    if kind != "word97":
        return PreparedUpload(data, False)
    if converter is None or not converter.available:
        raise legacy_doc_refusal()
    return PreparedUpload(converter.to_docx(data, sha256), True)


def init_app(app) -> None:
    """Detect LibreOffice once at start; QMSDOCS_SOFFICE names it, "" switches conversion off."""
    configured = app.config.get("SOFFICE", os.environ.get("QMSDOCS_SOFFICE"))
    app.extensions["qmsdocs.doc_converter"] = DocConverter.detect(
        Path(app.config["DATA_DIR"]) / "converted", soffice=configured,
        timeout=float(app.config.get("DOC_CONVERSION_TIMEOUT", DEFAULT_TIMEOUT_SECONDS)),
    )


def doc_converter() -> DocConverter | None:
    from flask import current_app

    return current_app.extensions.get("qmsdocs.doc_converter")
