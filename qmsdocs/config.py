"""Configuration read from the environment, with defaults for the embedded deployment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _secret_key(data_dir: Path) -> str:
    """Keep one generated key in the data folder so sessions survive restarts."""
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key)
    return key


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    return float(value) if value else default


def load_config(overrides: dict | None = None) -> dict:
    """Build the settings from QMSDOCS_* variables, then apply test or caller overrides."""
    overrides = dict(overrides or {})
    data_dir = Path(overrides.get("DATA_DIR") or os.environ.get("QMSDOCS_DATA_DIR") or "storage").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = (
        overrides.get("DATABASE_URL")
        or os.environ.get("QMSDOCS_DATABASE_URL")
        or f"sqlite:///{data_dir / 'qmsdocs.sqlite3'}"
    )
    max_upload_mb = float(overrides.get("MAX_UPLOAD_MB") or os.environ.get("QMSDOCS_MAX_UPLOAD_MB") or 20)
    configured_key = overrides.get("SECRET_KEY") or os.environ.get("QMSDOCS_SECRET_KEY")
    # On PostgreSQL, servers sharing the database share a generated key kept in it (qmsdocs.cluster).
    shared_key = not configured_key and database_url.startswith("postgresql")
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_URL": database_url,
        "SECRET_KEY": configured_key or (None if shared_key else _secret_key(data_dir)),
        "SECRET_KEY_SHARED": shared_key,
        "MAX_UPLOAD_MB": max_upload_mb,
        "MAX_UPLOAD_BYTES": int(max_upload_mb * 1024 * 1024),
        # Multipart overhead on top of the file itself; the file limit is checked separately
        # so that an oversize upload gets a clear Vietnamese answer rather than a bare 413.
        "MAX_CONTENT_LENGTH": int(max_upload_mb * 1024 * 1024) + 10 * 1024 * 1024,
        # Where uploaded files live: "database" (default on PostgreSQL) or "folder" (default on SQLite).
        "BLOB_STORE": os.environ.get("QMSDOCS_BLOB_STORE", "").strip() or None,
        "SEARCH_BACKEND": os.environ.get("QMSDOCS_SEARCH_BACKEND", "tantivy"),
        # What `qms demo` loads: "province" (every agency with its procedures) or "core" (a few).
        "DEMO_SIZE": os.environ.get("QMSDOCS_DEMO_SIZE", "province"),
        # How long a writer waits for the database lock before answering 503 (Retry-After).
        "LOCK_TIMEOUT_SECONDS": _number("QMSDOCS_LOCK_TIMEOUT_SECONDS", 10),
        # The whole request body must arrive within this time, or the answer is 408.
        "REQUEST_BODY_SECONDS": _number("QMSDOCS_REQUEST_BODY_SECONDS", 60),
        # A session ends after this long without a request, and this long after sign-in anyway.
        "SESSION_IDLE_MINUTES": _number("QMSDOCS_SESSION_IDLE_MINUTES", 120),
        "SESSION_MAX_HOURS": _number("QMSDOCS_SESSION_MAX_HOURS", 12),
        # Reverse proxies in front (nginx: 1) whose X-Forwarded-For/-Proto are trusted, so that
        # sign-in throttling sees the client's address rather than the proxy's.
        "PROXY_HOPS": int(_number("QMSDOCS_PROXY_HOPS", 0)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("QMSDOCS_SECURE_COOKIES", "0") == "1",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "JSON_SORT_KEYS": False,
    }
    config.update(overrides)
    config["DATA_DIR"] = Path(config["DATA_DIR"])
    return config
