"""Every kind of refused upload, through the API: a clear Vietnamese 4xx, and nothing stored."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from tests import docx_factory as factory


def _xxe_docx() -> bytes:
    data = factory.make_docx()
    document = factory.read_parts(data)["word/document.xml"]
    evil = document.replace(
        b"?>",
        b'?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        1,
    ).replace(b"<w:body>", b"<w:body><w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>", 1)
    return factory.replace_parts(data, {"word/document.xml": evil})


def _traversal_docx() -> bytes:
    return factory.replace_parts(factory.make_docx(), {"../../evil.txt": b"owned", "/abs/evil.txt": b"owned"})


REFUSALS = [
    ("empty", lambda: b"", "empty_file"),
    ("not a zip", lambda: "Đây là văn bản thường".encode(), "not_zip"),
    ("truncated", factory.make_truncated_docx, "truncated"),
    ("spreadsheet in disguise", factory.make_xlsx_like, "not_docx"),
    ("macro-enabled", factory.make_macro_docx, "macro_enabled"),
    ("legacy .doc or password-protected", factory.make_ole_bytes, "ole_container"),
    ("zip bomb", factory.make_zip_bomb, "zip_bomb"),
    ("too many parts", factory.make_many_members_docx, "zip_bomb"),
    ("billion laughs", factory.make_billion_laughs_docx, "unsafe_xml"),
    ("external entity", _xxe_docx, "unsafe_xml"),
]


@pytest.mark.folder_blobs
@pytest.mark.parametrize(("kind", "build", "code"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_upload_is_explained_and_stores_nothing(app, admin_api, make_procedure, kind, build, code):
    procedure = make_procedure()
    started = time.monotonic()
    response = admin_api.upload(procedure["id"], build(), filename="../../quy-trinh.docx")
    elapsed = time.monotonic() - started

    assert 400 <= response.status_code < 500
    error = response.get_json()["error"]
    assert error["code"] == code
    assert any(word in error["message"] for word in ("Hãy", "hãy")), error["message"]
    assert elapsed < 5, f"{kind} took {elapsed:.1f}s to refuse"
    assert admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["versions"] == []
    assert not [p for p in (app.config["DATA_DIR"] / "blobs").rglob("*") if p.is_file()]


def _files_under(root: Path) -> set[Path]:
    return {path for path in root.rglob("*") if path.is_file()}


@pytest.mark.folder_blobs
def test_member_and_file_names_are_never_used_as_paths(app, admin_api, make_procedure, tmp_path):
    """Zip members named `../../evil.txt` and a client file name `../../../etc/…` reach no disk path.

    Every file the upload adds under the test's folder is a content-addressed blob (or the
    database and index the app keeps anyway); nothing lands where a traversal would point.
    """
    procedure = make_procedure()
    data = _traversal_docx()
    data_dir = app.config["DATA_DIR"]
    blobs = data_dir / "blobs"
    before = _files_under(tmp_path)
    response = admin_api.upload(procedure["id"], data, filename="../../../etc/quy-trinh.docx")

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["filename"] == "quy-trinh.docx"
    download = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1/file")
    assert download.data == data
    assert "etc" not in download.headers["Content-Disposition"]
    added = _files_under(tmp_path) - before
    stored_blobs = [path for path in added if path.is_relative_to(blobs)]
    assert [path.name for path in stored_blobs] == [hashlib.sha256(data).hexdigest()]
    kept_anyway = [data_dir, *tmp_path.glob("test.sqlite3*")]  # the index, the SQLite database and its journal
    strays = [path for path in added - set(stored_blobs) if path.name in {"evil.txt", "quy-trinh.docx"}
              or not any(path == kept or path.is_relative_to(kept) for kept in kept_anyway)]
    assert strays == []
    for target in (tmp_path / "evil.txt", data_dir / "evil.txt", tmp_path.parent / "evil.txt",
                   tmp_path.parent / "etc" / "quy-trinh.docx", Path("/abs/evil.txt")):
        assert not target.exists(), target
