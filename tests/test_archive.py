"""Portable archives: export a QMS, import it into another service (new agencies or a merge)."""

from __future__ import annotations

import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import func, select

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts.models import Alert, ProcedureReview
from qmsdocs.audit.models import AuditEvent
from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.reports.models import Assessment
from qmsdocs.db import session
from qmsdocs.docx.citations import citation_key
from qmsdocs.legal.models import LegalChange, LegalDocument
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.storage import blob_store
from tests.conftest import initialized_app


def contents(app) -> dict[tuple[str, str, int], tuple[str, bytes, str | None]]:
    """(agency, procedure code, number) → (sha256, exact bytes, recorded uploader)."""
    with app.app_context():
        rows = session.execute(select(Agency.code, Procedure.code, ProcedureVersion.number, ProcedureVersion.sha256,
                                      ProcedureVersion.uploaded_by_name, ProcedureVersion.uploaded_at)
                               .join(Procedure, Procedure.agency_id == Agency.id)
                               .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id))
        return {(a, p, n): (sha, blob_store().get(sha), at.isoformat()) for a, p, n, sha, _name, at in rows}


def table_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (Agency, Procedure, ProcedureVersion, Alert, ProcedureReview, AuditEvent, LegalDocument)}


@pytest.fixture
def source(app, make_procedure, admin_api, make_docx):
    """Two agencies with versions citing a decree, an alert with its history and a review."""
    with app.app_context():
        session.add(AdminProcedure(code="1.004227", name="Cấp phiếu lý lịch tư pháp cho công dân"))
        session.commit()
    first = make_procedure(agency="STP", code="QT-01", title="Quy trình cấp phiếu lý lịch tư pháp",
                           admin_procedures=["1.004227"])["id"]
    second = make_procedure(agency="SNV", code="QT-01", title="Quy trình thi tuyển công chức")["id"]
    for n in range(1, 3):
        body = make_docx(paragraphs=[f"Lần {n}: căn cứ Nghị định số 61/2018/NĐ-CP về một cửa."])
        assert admin_api.upload(first, body).status_code == 201
    assert admin_api.upload(second, make_docx(paragraphs=["Thi tuyển công chức."])).status_code == 201
    with app.app_context():
        session.add(LegalDocument(symbol="61/2018/NĐ-CP", key=citation_key("61/2018/NĐ-CP"), doc_type="Nghị định",
                                  title="Về thực hiện cơ chế một cửa"))
        version = session.scalar(select(ProcedureVersion).where(ProcedureVersion.procedure_id == first,
                                                                ProcedureVersion.number == 2))
        session.add(Alert(procedure_id=first, rule="review_requested", cause="review_requested:test",
                          version_id=version.id, status="dismissed", message="Cần rà soát",
                          dismissal_reason="Đã rà soát, không đổi"))
        decree = session.scalar(select(LegalDocument))
        newer = LegalDocument(symbol="118/2025/NĐ-CP", key=citation_key("118/2025/NĐ-CP"), doc_type="Nghị định",
                              title="Về thực hiện thủ tục hành chính theo cơ chế một cửa")
        session.add(newer)
        session.flush()
        change = LegalChange(document_id=decree.id, kind="replaced", by_document_id=newer.id,
                             effective_on=date(2025, 7, 1))
        session.add(change)
        session.flush()
        session.add(Alert(procedure_id=first, rule="legal_change", cause=f"change:{change.id}",
                          legal_document_id=decree.id, legal_change_id=change.id, version_id=version.id,
                          status="acknowledged", message="Nghị định 61/2018/NĐ-CP bị thay thế"))
        session.add(ProcedureReview(procedure_id=first, reviewed_on=date(2025, 3, 1), note="Rà soát định kỳ"))
        stp = session.scalar(select(Agency).where(Agency.code == "STP"))
        session.add(Assessment(agency_id=stp.id, year=2024, qms_built=True, qms_applied=True, classification="good",
                               agency_code="STP", agency_name="Sở Tư pháp tỉnh Trà Vinh", agency_level="province"))
        session.commit()
    return first, second


@pytest.fixture
def other_service(tmp_path):
    """An empty second service with its own data folder and database."""
    folder = tmp_path / "other"
    folder.mkdir()
    with initialized_app(folder, TESTING=True) as other:
        yield other


def export(runner, path, *agencies):
    args = ["qms", "export", str(path)] + [arg for code in agencies for arg in ("--agency", code)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return path


def import_into(target, archive, *extra):
    return target.test_cli_runner().invoke(args=["qms", "import-archive", str(archive), *extra])


def test_round_trip_into_an_empty_service_keeps_every_version_byte_identical(app, runner, source, other_service,
                                                                              tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        assert manifest["format_version"] == 2 and sorted(manifest["agencies"]) == ["SNV", "STP"]
        assert all(name.startswith(("records/", "blobs/", "manifest.json")) for name in opened.namelist())
    result = import_into(other_service, archive)
    assert result.exit_code == 0, result.output
    assert "Đã nhập 2 cơ quan, 2 quy trình mới, 3 phiên bản" in result.output
    assert contents(other_service) == contents(app)
    with other_service.app_context():
        alert = session.scalar(select(Alert).where(Alert.cause == "review_requested:test"))
        assert (alert.status, alert.dismissal_reason) == ("dismissed", "Đã rà soát, không đổi")
        assert session.scalar(select(ProcedureVersion.number).where(ProcedureVersion.id == alert.version_id)) == 2
        assert session.scalar(select(ProcedureReview.note)) == "Rà soát định kỳ"
        replaced = session.scalar(select(Alert).where(Alert.rule == "legal_change"))
        assert replaced.status == "acknowledged"
        assert replaced.cause == f"change:{replaced.legal_change_id}"
        assert (replaced.legal_change.kind, replaced.legal_change.by_document.symbol) == ("replaced", "118/2025/NĐ-CP")
        uploads = session.scalars(select(AuditEvent).where(AuditEvent.action == "version.upload")).all()
        assert len(uploads) == 3 and all(event.actor_name for event in uploads)
        # The uploader does not exist here: the name is recorded on the version.
        assert {v.uploaded_by_name for v in session.scalars(select(ProcedureVersion))} == {uploads[0].actor_name}
        assert sorted(session.scalars(select(LegalDocument.symbol))) == ["118/2025/NĐ-CP", "61/2018/NĐ-CP"]
        linked = session.scalar(select(Procedure).join(Agency).where(Agency.code == "STP"))
        assert linked.admin_procedure_codes == ["1.004227"]
        assert session.scalar(select(AdminProcedure.name)) == "Cấp phiếu lý lịch tư pháp cho công dân"
        assessment = session.scalar(select(Assessment))
        assert (assessment.year, assessment.classification, assessment.agency_name) == (
            2024, "good", "Sở Tư pháp tỉnh Trà Vinh")
        assert {c.key for v in linked.versions for c in v.citations} == {citation_key("61/2018/NĐ-CP")}
        assert linked.current_version.number == 2
    assert other_service.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0
    # Served as they were: the recorded uploader in the API, the exact bytes on download.
    from qmsdocs.auth.services import mint_token, user_by_name
    from tests.conftest import ApiClient, create_test_user

    create_test_user(other_service, "quantri")
    with other_service.app_context():
        token = mint_token(user_by_name("quantri"))
        pid = session.scalar(select(Procedure.id).join(Agency).where(Agency.code == "STP"))
        session.commit()
    api = ApiClient(other_service.test_client(), token, "quantri")
    shown = api.get(f"/api/v1/procedures/{pid}").get_json()
    assert {v["uploaded_by"] for v in shown["versions"]} == {uploads[0].actor_name}
    served = api.get(f"/api/v1/procedures/{pid}/versions/2/file").data
    assert served == contents(app)[("STP", "QT-01", 2)][1]


def test_importing_the_same_archive_twice_changes_nothing(runner, source, other_service, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    assert import_into(other_service, archive).exit_code == 0
    before = table_counts(other_service)
    again = import_into(other_service, archive)
    assert again.exit_code == 0, again.output
    assert "0 quy trình mới, 0 phiên bản" in again.output
    assert table_counts(other_service) == before


def test_merge_into_a_non_empty_service_reports_then_renames_a_clash(runner, source, other_service, tmp_path,
                                                                     make_docx):
    archive = export(runner, tmp_path / "qms.zip", "STP")
    with other_service.app_context():
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM
        from qmsdocs.procedures.services import create_procedure

        agency = create_agency("STP-VL", "Sở Tư pháp tỉnh Vĩnh Long", "province", actor=SYSTEM)
        session.flush()
        create_procedure(agency.code, "QT-01", "Quy trình khác của tỉnh", actor=SYSTEM)
        session.add(LegalDocument(symbol="61/2018/NĐ-CP", key=citation_key("61/2018/NĐ-CP"), doc_type="Nghị định",
                                  title="Đã có ở tỉnh mới"))
        session.commit()
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("code,action,target\nSTP,merge,STP-VL\n", encoding="utf-8")
    refused = import_into(other_service, archive, "--mapping", str(mapping))
    assert refused.exit_code != 0
    assert "TRÙNG MÃ QT-01" in refused.output and "rename_suffix" in refused.output
    mapping.write_text("code,action,target,rename_suffix,former_province\nSTP,merge,STP-VL,-TV,Trà Vinh\n",
                       encoding="utf-8")
    before = table_counts(other_service)
    dry = import_into(other_service, archive, "--mapping", str(mapping), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "trùng mã QT-01: đổi thành QT-01-TV" in dry.output and "tỉnh cũ Trà Vinh" in dry.output
    assert "gặp văn bản đã có (cùng khoá): 1 (61/2018/NĐ-CP)" in dry.output
    assert table_counts(other_service) == before
    done = import_into(other_service, archive, "--mapping", str(mapping))
    assert done.exit_code == 0, done.output
    with other_service.app_context():
        codes = sorted(session.scalars(select(Procedure.code)))
        assert codes == ["QT-01", "QT-01-TV"]
        kept = session.scalar(select(Procedure).where(Procedure.code == "QT-01"))
        assert kept.title == "Quy trình khác của tỉnh" and not kept.versions
        marker = session.scalar(select(AuditEvent).where(AuditEvent.action == "agency.archive_import"))
        assert marker.details["former_province"] == "Trà Vinh"
        moved = session.scalar(select(Procedure).where(Procedure.code == "QT-01-TV"))
        assert [v.number for v in moved.versions] == [1, 2]
        document = session.scalar(select(LegalDocument).where(LegalDocument.key == citation_key("61/2018/NĐ-CP")))
        assert document.title == "Đã có ở tỉnh mới"  # met by key, never overwritten
        created = session.scalar(select(AuditEvent).where(AuditEvent.action == "procedure.create",
                                                          AuditEvent.object_id == moved.id))
        assert created.details["archive_source"]["agency"] == "STP"
    again = import_into(other_service, archive, "--mapping", str(mapping))
    assert again.exit_code == 0 and "0 quy trình mới" in again.output, again.output
    assert other_service.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0


def test_dry_run_changes_nothing(runner, source, other_service, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    before = table_counts(other_service)
    result = import_into(other_service, archive, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Cơ quan STP" in result.output and "+ QT-01" in result.output and "không thay đổi gì" in result.output
    assert table_counts(other_service) == before
    assert not any(blob_store_keys(other_service))


def blob_store_keys(app):
    with app.app_context():
        return list(blob_store().keys())


def _rewrite(archive, target, change):
    """A copy of the archive with one member's bytes changed by `change(name, data)`."""
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return target


def test_refusals_leave_nothing_changed(runner, source, other_service, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    data = archive.read_bytes()
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(data[: len(data) // 2])
    tampered = _rewrite(archive, tmp_path / "tampered.zip",
                        lambda name, body: body + b"x" if name.startswith("blobs/") else body)
    future = _rewrite(archive, tmp_path / "future.zip", lambda name, body: body.replace(
        b'"format_version": 2', b'"format_version": 99') if name == "manifest.json" else body)
    escaping = tmp_path / "escaping.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(escaping, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        out.writestr("../../etc/evil", b"x")
    for name in ("/abs/evil", "C:/evil", "C:\\evil", "blobs/../../evil", "records/../../evil.jsonl"):
        assert "không hợp lệ" in import_into(other_service, _with_member(archive, tmp_path, name)).output, name
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = _with_member(archive, tmp_path, "manifest.json")
    assert "hai mục cùng tên" in import_into(other_service, twice).output
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("code,action,target\nXYZ,new,XYZ\n", encoding="utf-8")
    no_target = tmp_path / "no-target.csv"
    no_target.write_text("code,action,target\nSTP,merge,KHONG-CO\nSNV,new,SNV\n", encoding="utf-8")
    before = table_counts(other_service)
    cases = [
        ((truncated,), "bị hỏng hoặc không trọn vẹn"),
        ((tampered,), "sai checksum"),
        ((future,), "phiên bản 99"),
        ((escaping,), "không hợp lệ"),
        ((archive, "--mapping", str(unknown)), "tệp lưu trữ không có cơ quan này"),
        ((archive, "--mapping", str(no_target)), "cơ quan đích KHONG-CO"),
    ]
    for args, message in cases:
        result = import_into(other_service, *args)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
        assert "Traceback" not in result.output
    assert table_counts(other_service) == before
    assert not blob_store_keys(other_service)
    # Without a mapping, an agency code already used here is refused.
    assert import_into(other_service, archive).exit_code == 0
    clash = export(runner, tmp_path / "again.zip")
    refused = import_into(other_service, clash)
    assert refused.exit_code != 0 and "đã có trong dịch vụ này" in refused.output


def _with_member(archive, tmp_path, name):
    target = tmp_path / f"member-{abs(hash(name))}.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(target, "w") as out:
        for info in src.infolist():
            out.writestr(info.filename, src.read(info.filename))
        out.writestr(name, b"x")
    return target


def test_a_failure_inside_one_agency_rolls_back_that_agency_whole(runner, source, other_service, tmp_path,
                                                                  monkeypatch):
    from qmsdocs.archive import importer

    archive = export(runner, tmp_path / "qms.zip")
    real = importer._import_agency

    def failing(reader, plan, agency_plan, users, legal):
        counts = real(reader, plan, agency_plan, users, legal)
        if agency_plan.source["code"] == "STP":
            raise RuntimeError("ổ đĩa đầy")
        return counts

    monkeypatch.setattr(importer, "_import_agency", failing)
    result = import_into(other_service, archive)
    assert result.exit_code == 1 and "cơ quan STP: ổ đĩa đầy" in result.output
    with other_service.app_context():
        assert sorted(session.scalars(select(Agency.code))) == ["SNV"]
        assert [p.code for p in session.scalars(select(Procedure))] == ["QT-01"]
        assert session.scalar(select(func.count()).select_from(ProcedureVersion)) == 1
    monkeypatch.setattr(importer, "_import_agency", real)
    # The agency left out is brought in by running the same import again.
    again = import_into(other_service, archive)
    assert again.exit_code == 0 and "1 quy trình mới, 2 phiên bản" in again.output, again.output


def test_two_agencies_merged_into_one_with_the_same_procedure_code_are_told_apart(runner, source, other_service,
                                                                                tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    with other_service.app_context():
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM

        create_agency("UBND-VL", "Ủy ban nhân dân tỉnh Vĩnh Long", "province", actor=SYSTEM)
        session.commit()
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("code,action,target\nSTP,merge,UBND-VL\nSNV,merge,UBND-VL\n", encoding="utf-8")
    refused = import_into(other_service, archive, "--mapping", str(mapping))
    assert refused.exit_code != 0 and "TRÙNG MÃ QT-01" in refused.output
    mapping.write_text("code,action,target,rename_suffix\nSTP,merge,UBND-VL,\nSNV,merge,UBND-VL,-SNV\n",
                       encoding="utf-8")
    done = import_into(other_service, archive, "--mapping", str(mapping))
    assert done.exit_code == 0, done.output
    with other_service.app_context():
        titles = dict(session.execute(select(Procedure.code, Procedure.title)).all())
    assert titles == {"QT-01": "Quy trình cấp phiếu lý lịch tư pháp", "QT-01-SNV": "Quy trình thi tuyển công chức"}


def test_provincial_documents_of_two_former_provinces_stay_apart(app, runner, make_agency, make_procedure,
                                                                 admin_api, make_docx, other_service, tmp_path):
    """Central documents meet by key; a provincial decision keeps its issuing province after the import."""
    from qmsdocs.agencies.services import create_agency
    from qmsdocs.auth.permissions import SYSTEM
    from qmsdocs.legal.services import create_document

    make_agency("STP", "Sở Tư pháp tỉnh Trà Vinh", "province", province="Trà Vinh")
    procedure = make_procedure(agency="STP", code="QT-01", title="Chứng thực bản sao")["id"]
    body = make_docx(citations_text=["- Quyết định số 25/2019/QĐ-UBND về thủ tục chứng thực;",
                                     "- Nghị định số 23/2015/NĐ-CP về chứng thực."])
    assert admin_api.upload(procedure, body).status_code == 201
    for symbol, issuer in (("25/2019/QĐ-UBND", "UBND tỉnh Trà Vinh"), ("23/2015/NĐ-CP", None)):
        response = admin_api.post("/api/v1/legal-documents", json={
            "symbol": symbol, "type": "Quyết định" if issuer else "Nghị định", "title": symbol,
            **({"issuer": issuer} if issuer else {})})
        assert response.status_code == 201, response.get_json()
    archive = export(runner, tmp_path / "tra-vinh.zip")
    with other_service.app_context():
        create_agency("STP-BT", "Sở Tư pháp tỉnh Bến Tre", "province", province="Bến Tre", actor=SYSTEM)
        create_document({"symbol": "25/2019/QĐ-UBND", "type": "Quyết định", "title": "Bến Tre",
                         "issuer": "UBND tỉnh Bến Tre"}, actor=SYSTEM)
        create_document({"symbol": "23/2015/NĐ-CP", "type": "Nghị định", "title": "Nghị định"}, actor=SYSTEM)
        session.commit()
    result = import_into(other_service, archive)
    assert result.exit_code == 0, result.output
    with other_service.app_context():
        keys = sorted(session.scalars(select(LegalDocument.key)))
        assert keys == ["23/2015/ND-CP", "25/2019/QD-UBND@BEN-TRE", "25/2019/QD-UBND@TRA-VINH"]
