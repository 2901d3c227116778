"""Legacy .doc uploads: converted by LibreOffice in a sandbox when it is installed, refused clearly when not."""

from __future__ import annotations

import hashlib
import shutil
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from qmsdocs.docx.conversion import DocConverter, ole_kind, prepare_upload
from qmsdocs.errors import UploadRefused
from tests.conftest import initialized_app
from tests.docx_factory import make_docx, make_encrypted_docx_ole, make_ole_bytes, make_word97_shaped_ole

SOFFICE = shutil.which("soffice")
needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")


@pytest.fixture(scope="module")
def legacy_doc(tmp_path_factory) -> bytes:
    """A real Word 97 file: a factory procedure saved as .doc by LibreOffice."""
    if SOFFICE is None:
        pytest.skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-writer-nogui")
    work = tmp_path_factory.mktemp("doc")
    (work / "quy-trinh.docx").write_bytes(make_docx(code="QT-07/STP", revision="02", issued_on="01/03/2021"))
    subprocess.run(
        [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={(work / 'profile').as_uri()}",
         "--convert-to", "doc:MS Word 97", "--outdir", str(work), str(work / "quy-trinh.docx")],
        check=True, capture_output=True, timeout=120,
    )
    return (work / "quy-trinh.doc").read_bytes()


def test_ole_containers_are_told_apart():
    assert ole_kind(make_word97_shaped_ole()) == "word97"
    assert ole_kind(make_encrypted_docx_ole()) == "encrypted"
    assert ole_kind(make_ole_bytes()) == "other"
    assert ole_kind(make_docx()) == ""


def test_encrypted_file_has_its_own_message():
    with pytest.raises(UploadRefused) as caught:
        prepare_upload(make_encrypted_docx_ole(), "0" * 64, DocConverter.detect(soffice=""))
    assert caught.value.code == "encrypted"
    assert "tệp có mật khẩu: hãy gỡ mật khẩu rồi tải lên" in caught.value.message.lower()


def test_without_libreoffice_a_doc_is_refused_with_how_to_enable_conversion(tmp_path):
    with initialized_app(tmp_path, TESTING=True, SOFFICE="") as app:
        with app.app_context():
            from qmsdocs.docx.conversion import doc_converter

            assert not doc_converter().available
            with pytest.raises(UploadRefused) as caught:
                prepare_upload(make_word97_shaped_ole(), "0" * 64, doc_converter())
    assert caught.value.code == "legacy_doc"
    assert "LibreOffice" in caught.value.message and "Hãy" in caught.value.message


def fake_soffice(tmp_path, body: str, *, preamble: str = ""):
    """A stand-in for soffice (a Python script) to test the sandbox without LibreOffice."""
    script = tmp_path / "fake-soffice"
    script.write_text(f"#!{sys.executable}\n" + preamble + textwrap.dedent(body))
    script.chmod(0o755)
    return str(script)


OUT_DIR_OF_ARGS = "out = sys.argv[sys.argv.index('--outdir') + 1]\nos.makedirs(out, exist_ok=True)\n"


def test_overrunning_conversion_is_killed_with_its_children(tmp_path):
    marker = tmp_path / "child-still-alive"
    soffice = fake_soffice(tmp_path, f"""
        import os, subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(4); open({str(marker)!r}, 'w')"])
        time.sleep(60)
    """)
    converter = DocConverter(soffice, timeout=1)
    started = time.monotonic()
    with pytest.raises(UploadRefused) as caught:
        converter.to_docx(b"doc", "a" * 64)
    assert caught.value.code == "conversion_failed"
    assert time.monotonic() - started < 5
    time.sleep(4.5)
    assert not marker.exists(), "a helper of the conversion outlived the timeout"


def test_conversion_runs_with_bounded_memory(tmp_path):
    soffice = fake_soffice(tmp_path, preamble="import os, sys\n" + OUT_DIR_OF_ARGS, body="""
        try:
            block = bytearray(3 * 1024 * 1024 * 1024)
        except MemoryError:
            sys.exit(3)
        open(os.path.join(out, "upload.docx"), "wb").write(b"allocated")
    """)
    converter = DocConverter(soffice, memory_bytes=512 * 1024 * 1024)
    with pytest.raises(UploadRefused) as caught:
        converter.to_docx(b"doc", "b" * 64)
    assert caught.value.code == "conversion_failed"


def test_conversion_has_no_network(tmp_path):
    from qmsdocs.docx.conversion import _network_isolation

    isolation = _network_isolation()
    if not isolation:
        pytest.skip("this system allows no new network namespace (unshare)")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    soffice = fake_soffice(tmp_path, preamble="import os, socket, sys\n" + OUT_DIR_OF_ARGS, body=f"""
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=2)
            result = b"connected"
        except OSError:
            result = b"isolated"
        open(os.path.join(out, "upload.docx"), "wb").write(result)
    """)
    converter = DocConverter(soffice, isolation=isolation)
    try:
        assert converter.to_docx(b"doc", "c" * 64) == b"isolated"
    finally:
        listener.close()


@needs_libreoffice
def test_doc_upload_is_converted_stored_as_is_and_previewed_from_the_cache(app, admin_api, make_procedure,
                                                                             legacy_doc, monkeypatch):
    procedure = make_procedure(code="QT-07/STP")
    response = admin_api.upload(procedure["id"], legacy_doc, filename="quy-trinh-cu.doc")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["converted_from_doc"] is True
    assert any(".doc" in warning and "chuyển" in warning for warning in body["warnings"])
    assert body["metadata"] == {"code": "QT-07/STP", "revision": "02", "issued_on": "2021-03-01"}
    assert body["filename"] == "quy-trinh-cu.doc"
    assert "61/2018/NĐ-CP" in {citation["symbol"] for citation in body["citations"]}

    version = admin_api.get(f"/api/v1/procedures/{procedure['id']}/versions/1").get_json()
    assert "Tiếp nhận hồ sơ" in version["text"]
    assert version["sha256"] == hashlib.sha256(legacy_doc).hexdigest()
    cached = app.config["DATA_DIR"] / "converted" / version["sha256"][:2] / f"{version['sha256']}.docx"
    assert cached.is_file()

    def no_second_conversion(self, data):
        raise AssertionError("the preview converted the .doc again")

    monkeypatch.setattr(DocConverter, "_convert", no_second_conversion)
    with app.app_context():
        from qmsdocs.procedures import services

        procedure_row = services.get_procedure(procedure["id"])
        stored = services.version_bytes(services.get_version(procedure_row, 1))
        html = services.version_preview(services.get_version(procedure_row, 1))
    assert stored == legacy_doc
    assert "Tiếp nhận hồ sơ" in html


@needs_libreoffice
def test_doc_upload_through_the_web_form(app, client, make_procedure, make_user, legacy_doc):
    from io import BytesIO

    procedure = make_procedure()
    make_user("webadmin")
    from tests.conftest import PASSWORD

    client.post("/login", data={"username": "webadmin", "password": PASSWORD})
    response = client.post(f"/procedures/{procedure['id']}/upload", data={
        "file": (BytesIO(legacy_doc), "quy-trinh-cu.doc"), "note": "Chuyển từ kho lưu trữ", "base_version": "0"},
        content_type="multipart/form-data", follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "đã được tự động chuyển sang .docx" in page


def test_admin_page_says_whether_conversion_is_on(app, client, make_user):
    from tests.conftest import PASSWORD

    make_user("boss")
    client.post("/login", data={"username": "boss", "password": PASSWORD})
    page = client.get("/users").get_data(as_text=True)
    assert "Chuyển đổi tệp Word cũ (.doc)" in page
    assert ("đang bật" in page) == (SOFFICE is not None)
