"""The `qms` command line: init, users and tokens, import, check."""

from __future__ import annotations

import os
import time

import pytest

from sqlalchemy import select

from qmsdocs.db import session
from qmsdocs.procedures.models import Procedure, ProcedureVersion


def test_init_is_idempotent(runner):
    first = runner.invoke(args=["qms", "init"])
    second = runner.invoke(args=["qms", "init"])
    assert first.exit_code == 0 and second.exit_code == 0, second.output


def test_user_create_and_token_printed_alone_on_last_line(runner, client, make_agency):
    make_agency("STP")
    created = runner.invoke(args=["qms", "user", "create", "canbo", "--role", "editor", "--agency", "STP"],
                            env={"QMSDOCS_PASSWORD": "mat-khau-dai-du"})
    assert created.exit_code == 0, created.output
    minted = runner.invoke(args=["qms", "user", "token", "canbo"])
    assert minted.exit_code == 0, minted.output
    token = minted.stdout.strip().splitlines()[-1]
    assert " " not in token
    response = client.get("/api/v1/procedures", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_user_create_refuses_bad_input_clearly(runner):
    no_agency = runner.invoke(args=["qms", "user", "create", "x", "--role", "editor"],
                              env={"QMSDOCS_PASSWORD": "mat-khau-dai-du"})
    assert no_agency.exit_code != 0
    assert "cơ quan" in no_agency.output
    weak = runner.invoke(args=["qms", "user", "create", "y", "--role", "admin"], env={"QMSDOCS_PASSWORD": "123"})
    assert weak.exit_code != 0 and "Mật khẩu" in weak.output
    unknown = runner.invoke(args=["qms", "user", "token", "khong-co"])
    assert unknown.exit_code != 0


def test_import_matches_by_header_code_then_file_name_else_creates(app, runner, make_agency, make_docx, tmp_path):
    make_agency("STP")
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-QT-01.docx").write_bytes(make_docx(code="QT-01/STP", revision="01"))
    (folder / "b-QT-01.docx").write_bytes(make_docx(code="QT-01/STP", revision="02"))
    (folder / "QT-09.docx").write_bytes(make_docx(header_block=False, title="Quy trình chứng thực bản sao"))
    (folder / "hong.docx").write_bytes(b"khong phai word")
    (folder / "cu.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    (folder / "~$a-QT-01.docx").write_bytes(b"lock file")
    (folder / "ghi-chu.txt").write_text("bỏ qua")

    result = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert result.exit_code == 0, result.output
    assert "TỪ CHỐI hong.docx" in result.output
    assert "TỪ CHỐI cu.doc" in result.output
    assert "~$" not in result.output
    with app.app_context():
        procedures = {p.code: p for p in session.scalars(select(Procedure))}
        assert set(procedures) == {"QT-01/STP", "QT-09"}
        assert [v.number for v in procedures["QT-01/STP"].versions] == [1, 2]
        assert procedures["QT-09"].title == "Quy trình chứng thực bản sao"

    again = runner.invoke(args=["qms", "import", str(folder), "--agency", "STP"])
    assert "3 không đổi" in again.output
    with app.app_context():
        assert len(session.scalars(select(ProcedureVersion)).all()) == 3


def test_import_into_unknown_agency_fails(runner, tmp_path):
    result = runner.invoke(args=["qms", "import", str(tmp_path), "--agency", "KHONG-CO"])
    assert result.exit_code != 0
    assert "KHONG-CO" in result.output


@pytest.mark.folder_blobs
def test_check_finds_corrupt_and_orphan_blobs_and_repairs_orphans(app, runner, admin_api, make_procedure, make_docx):
    from qmsdocs.procedures import checks

    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    procedure = make_procedure()
    admin_api.upload(procedure["id"], make_docx())
    with app.app_context():
        from qmsdocs.storage import blob_store

        orphan = blob_store().put(b"mo coi")
        old = time.time() - checks.ORPHAN_GRACE_SECONDS - 5
        os.utime(blob_store().path_for(orphan), (old, old))
    found = runner.invoke(args=["qms", "check"])
    assert found.exit_code == 1
    assert "orphan_blob" in found.output
    repaired = runner.invoke(args=["qms", "check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert runner.invoke(args=["qms", "check"]).exit_code == 0

    with app.app_context():
        version = session.scalars(select(ProcedureVersion)).one()
        path = blob_store().path_for(version.sha256)
    path.chmod(0o644)
    path.write_bytes(b"hong")
    broken = runner.invoke(args=["qms", "check", "--repair"])
    assert broken.exit_code == 1
    assert "corrupt_blob" in broken.output


@pytest.mark.folder_blobs
def test_young_orphans_are_left_for_uploads_in_flight(app, runner):
    with app.app_context():
        from qmsdocs.storage import blob_store

        key = blob_store().put(b"dang tai len")
    assert runner.invoke(args=["qms", "check"]).exit_code == 0
    runner.invoke(args=["qms", "check", "--repair"])
    with app.app_context():
        assert blob_store().exists(key)


def test_demo_loads_once(app, runner):
    first = runner.invoke(args=["qms", "demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["qms", "demo"])
    assert second.exit_code == 0
    assert "đã có" in second.output
    with app.app_context():
        procedures = session.scalars(select(Procedure)).all()
        assert len(procedures) >= 4
        assert any(len(p.versions) >= 2 for p in procedures)


def test_demo_refuses_a_database_that_already_holds_real_data(runner, make_agency):
    make_agency("STNMT", "Sở Tài nguyên và Môi trường")
    result = runner.invoke(args=["qms", "demo"])
    assert result.exit_code != 0
    assert "thư mục trống" in result.output
