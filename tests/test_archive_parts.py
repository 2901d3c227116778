"""Archive parts: change requests (with attachments), version forms and read-and-understood travel with an agency."""

from __future__ import annotations

import json
import zipfile
from io import BytesIO

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.models import User
from qmsdocs.db import session
from qmsdocs.doccontrol.models import ChangeRequest
from qmsdocs.notifications.models import ReadingAssignment, ReadingPolicy, ReadingPolicyUser
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.registers.models import FormFile, VersionForm
from qmsdocs.storage import blob_store
from tests.conftest import PASSWORD, initialized_app
from tests.test_registers_forms import attach, make_xlsx

ABSENT = "xem2"  # a reader who has no account in the service the archive goes to


def multipart(api, url, fields):
    boundary, body = encode_multipart(fields)
    return api.client.post(url, data=body, headers=api.headers,
                           content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def source(app, admin_api, api_as, make_procedure, make_docx):
    """STP with a reading policy, two versions (the first with forms carried to the second), a change request
    with an attachment that the second version closed, a request for a new procedure, and reading lines
    confirmed, superseded and pending."""
    procedure = make_procedure()
    pid = procedure["id"]
    editor = api_as("editor", agency="STP", username="bientap")
    approver = api_as("approver", agency="STP", username="pheduyet")
    reader = api_as("viewer", agency="STP", username="xem1")
    api_as("viewer", agency="STP", username=ABSENT)
    policy = admin_api.post("/api/v1/agencies/STP/reading-policy",
                            json={"scope": "chosen", "roles": ["approver"], "users": ["xem1", ABSENT]})
    assert policy.status_code == 200, policy.get_json()
    first = editor.upload(pid, make_docx(code="QT-01/STP", revision="01", paragraphs=["Bước 1: tiếp nhận."]))
    assert first.status_code == 201, first.get_json()
    assert attach(admin_api, pid, 1, make_xlsx(), "QT-01 BM-01.xlsx").status_code == 201
    assert attach(admin_api, pid, 1, make_xlsx((("Sổ theo dõi", "BM-02"),)), "QT-01 BM-02.xlsx").status_code == 201
    assert reader.post(f"/api/v1/procedures/{pid}/versions/1/confirm-read").status_code == 201
    marked = make_docx(paragraphs=["Chỗ cần sửa: bước 1"])
    created = multipart(reader, "/api/v1/change-requests", {
        "procedure_id": str(pid), "content": "Sửa bước 1", "reason": "Nhận hồ sơ trực tuyến", "part": "Mục 5",
        "attachment": FileStorage(BytesIO(marked), filename="danh-dau.docx")})
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    accepted = approver.post(f"/api/v1/change-requests/{request_id}/accept",
                             json={"editor": "bientap", "due_on": "2030-01-31", "note": "Soạn trong tháng"})
    assert accepted.status_code == 200, accepted.get_json()
    label = accepted.get_json()["label"] if "label" in accepted.get_json() else None
    with app.app_context():
        label = label or session.get(ChangeRequest, request_id).label
    second = multipart(editor, f"/api/v1/procedures/{pid}/versions", {
        "file": FileStorage(BytesIO(make_docx(code="QT-01/STP", revision="02", paragraphs=["Bước 1: trực tuyến."])),
                            filename="quy-trinh.docx"), "note": "Sửa theo đề nghị", "change_request": label})
    assert second.status_code == 201, second.get_json()
    new = multipart(reader, "/api/v1/change-requests", {
        "agency": "STP", "proposed_code": "QT-09", "proposed_title": "Quy trình mới", "content": "Soạn mới",
        "reason": "Thủ tục mới"})
    assert new.status_code == 201, new.get_json()
    with app.app_context():
        assert session.get(ChangeRequest, request_id).status == "done"
        states = set(session.scalars(select(ReadingAssignment.state)))
        assert {"confirmed", "superseded", "pending"} <= states, states
    return pid, marked


def snapshot(app) -> dict:
    """Everything the parts carry, named the way two services can compare (codes, numbers, usernames, bytes)."""
    with app.app_context():
        names = dict(session.execute(select(User.id, User.username)).all())
        store = blob_store()
        codes = dict(session.execute(select(Procedure.id, Procedure.code)).all())
        version_keys = {vid: (codes[pid], number) for vid, pid, number in
                        session.execute(select(ProcedureVersion.id, ProcedureVersion.procedure_id,
                                               ProcedureVersion.number))}
        requests = {}
        for r in session.scalars(select(ChangeRequest)):
            requests[r.label] = (
                r.agency.code, codes.get(r.procedure_id), r.proposed_code, r.proposed_title, r.part, r.content,
                r.reason, r.status, r.attachment_name, r.attachment_size,
                store.get(r.attachment_sha256) if r.attachment_sha256 else None,
                names.get(r.requested_by_id), names.get(r.decided_by_id), names.get(r.editor_id), r.due_on,
                r.decision_note, version_keys.get(r.version_id), r.requested_at, r.decided_at, r.closed_at)
        forms = {}
        for link in session.scalars(select(VersionForm)):
            f = link.form_file
            forms[(*version_keys[link.version_id], link.code)] = (
                link.attached_at_version, f.filename, f.kind, f.text, f.size, store.get(f.sha256),
                names.get(f.uploaded_by_id), f.uploaded_at)
        sharing = sorted(len(group) for group in _groups(session.execute(
            select(VersionForm.form_file_id, VersionForm.id)).all()))
        policies = {}
        for policy in session.scalars(select(ReadingPolicy)):
            readers = sorted(names[uid] for uid in session.scalars(
                select(ReadingPolicyUser.user_id).where(ReadingPolicyUser.agency_id == policy.agency_id)))
            policies[session.get(Agency, policy.agency_id).code] = (policy.scope, policy.roles, readers,
                                                                   policy.updated_at)
        lines = {(*version_keys[line.version_id], names[line.user_id]):
                 (session.get(Agency, line.agency_id).code, line.state, line.assigned_at, line.confirmed_at,
                  line.closed_at)
                 for line in session.scalars(select(ReadingAssignment))}
        return {"requests": requests, "forms": forms, "sharing": sharing, "policies": policies, "lines": lines}


def _groups(pairs):
    grouped: dict[int, list[int]] = {}
    for file_id, link_id in pairs:
        grouped.setdefault(file_id, []).append(link_id)
    return grouped.values()


def without_absent(state: dict) -> dict:
    """What the source holds, less what belongs to the person who has no account in the target."""
    policies = {code: (scope, roles, [name for name in readers if name != ABSENT], at)
                for code, (scope, roles, readers, at) in state["policies"].items()}
    lines = {key: value for key, value in state["lines"].items() if key[2] != ABSENT}
    return {**state, "policies": policies, "lines": lines}


def part_counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: session.scalar(select(func.count()).select_from(model))
                for model in (ChangeRequest, FormFile, VersionForm, ReadingPolicy, ReadingPolicyUser,
                              ReadingAssignment, AuditEvent, ProcedureVersion)}


@pytest.fixture
def target(tmp_path, app):
    """An empty second service where every person of the source has an account except ABSENT."""
    folder = tmp_path / "other"
    folder.mkdir()
    with app.app_context():
        usernames = [name for name in session.scalars(select(User.username)) if name != ABSENT]
    with initialized_app(folder, TESTING=True) as other:
        from qmsdocs.auth.services import create_user

        with other.app_context():
            for name in usernames:
                if not session.scalar(select(User.id).where(User.username == name)):
                    create_user(name, PASSWORD, "admin")
            session.commit()
        yield other


def export(runner, path):
    result = runner.invoke(args=["qms", "export", str(path)])
    assert result.exit_code == 0, result.output
    return path


def import_into(other, archive, *extra):
    return other.test_cli_runner().invoke(args=["qms", "import-archive", str(archive), *extra])


def test_round_trip_brings_requests_forms_and_reading_back_equal(app, runner, source, target, tmp_path):
    pid, marked = source
    archive = export(runner, tmp_path / "qms.zip")
    with zipfile.ZipFile(archive) as opened:
        manifest = json.loads(opened.read("manifest.json"))
        names = opened.namelist()
    assert manifest["format_version"] == 2
    assert manifest["parts"] == ["change_requests", "forms", "reading"]
    assert manifest["counts"]["change_requests"] == 2 and manifest["counts"]["forms"] == 4
    folder = "records/agency-0001" if manifest["agencies"][0] == "STP" else None
    assert folder and f"{folder}/change_requests.jsonl" in names
    # The attachment and both form files are blobs of the archive, listed with their checksums.
    with app.app_context():
        wanted = {session.scalar(select(ChangeRequest.attachment_sha256).where(ChangeRequest.procedure_id == pid))}
        wanted |= set(session.scalars(select(FormFile.sha256)))
    assert len(wanted) == 3 and wanted <= set(manifest["blobs"])
    result = import_into(target, archive)
    assert result.exit_code == 0, result.output
    assert "đề nghị sửa đổi 2" in result.output and "biểu mẫu gắn với phiên bản 4" in result.output
    before, after = snapshot(app), snapshot(target)
    assert after == without_absent(before)
    assert after["sharing"] == [2, 2]  # a form carried over is one file for both versions, as at the source
    assert next(value for value in after["requests"].values() if value[1])[10] == marked
    with target.app_context():
        kept = session.scalar(select(AuditEvent).where(AuditEvent.action == "reading.archive_without_user"))
        assert {(line["user"], line["version_number"], line["state"]) for line in kept.details["lines"]} == {
            (ABSENT, 1, "superseded"), (ABSENT, 2, "pending")}
        imported_policy = session.scalar(select(AuditEvent).where(AuditEvent.action == "reading_policy.archive_import"))
        assert imported_policy.details["users_not_here"] == [ABSENT]
        numbered = session.scalars(select(AuditEvent).where(AuditEvent.action == "change_request.archive_import")).all()
        assert len(numbered) == 2 and not any(event.details["renumbered"] for event in numbered)
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0


def test_importing_twice_adds_no_request_form_or_reading_line(runner, source, target, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    assert import_into(target, archive).exit_code == 0
    before = part_counts(target)
    again = import_into(target, archive)
    assert again.exit_code == 0, again.output
    assert part_counts(target) == before
    # A fresh export of the same service (another archive id) meets the same rows too.
    other = export(runner, tmp_path / "again.zip")
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("code,action,target\nSTP,merge,STP\n", encoding="utf-8")
    third = import_into(target, other, "--mapping", str(mapping))
    assert third.exit_code == 0, third.output
    assert part_counts(target)["ChangeRequest"] == before["ChangeRequest"]
    assert part_counts(target)["ReadingAssignment"] == before["ReadingAssignment"]
    assert part_counts(target)["VersionForm"] == before["VersionForm"]
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0


def test_a_merge_target_keeps_its_numbers_and_policy_the_imported_requests_are_renumbered(app, runner, source,
                                                                                          target, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    with app.app_context():
        years = sorted(set(session.scalars(select(ChangeRequest.year))))
    with target.app_context():
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM

        agency = create_agency("STP-VL", "Sở Tư pháp tỉnh Vĩnh Long", "province", actor=SYSTEM)
        session.flush()
        session.add(ChangeRequest(agency_id=agency.id, year=years[0], number=1, content="Của tỉnh mới",
                                  reason="Có trước", status="open"))
        session.add(ReadingPolicy(agency_id=agency.id, scope="all"))
        session.commit()
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("code,action,target\nSTP,merge,STP-VL\n", encoding="utf-8")
    done = import_into(target, archive, "--mapping", str(mapping))
    assert done.exit_code == 0, done.output
    with target.app_context():
        rows = session.execute(select(ChangeRequest.number, ChangeRequest.content)
                               .order_by(ChangeRequest.number)).all()
        assert rows == [(1, "Của tỉnh mới"), (2, "Sửa bước 1"), (3, "Soạn mới")]
        events = {e.details["archive_number"]: e.details for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "change_request.archive_import"))}
        assert {key.split("/")[0]: (value["number"].split("/")[0], value["renumbered"])
                for key, value in events.items()} == {"1": ("2", True), "2": ("3", True)}
        assert session.get(ReadingPolicy, agency.id).scope == "all"  # the target's own rule stays
        assert session.scalar(select(func.count()).select_from(ReadingPolicyUser)) == 0
        assert session.scalar(select(func.count()).select_from(ReadingAssignment)) > 0
    before = part_counts(target)
    assert import_into(target, archive, "--mapping", str(mapping)).exit_code == 0
    assert part_counts(target) == before
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0


def as_version_1(archive, target_path):
    """The archive as a format-1 export would have written it: no parts, no blobs only the parts used."""
    with zipfile.ZipFile(archive) as src:
        manifest = json.loads(src.read("manifest.json"))
        parts = set(manifest.pop("parts"))
        version_blobs = set()
        for name in manifest["records"]:
            if name.endswith("/versions.jsonl"):
                version_blobs |= {json.loads(line)["sha256"] for line in src.read(name).splitlines()}
        dropped = {name for name in manifest["records"] if name.rsplit("/", 1)[-1][:-6] in parts}
        manifest["records"] = {k: v for k, v in manifest["records"].items() if k not in dropped}
        manifest["blobs"] = {k: v for k, v in manifest["blobs"].items() if k in version_blobs}
        manifest["format_version"] = 1
        manifest["archive_id"] = "1" * 32  # another export: an older one of the same service
        for name in parts:
            manifest["counts"].pop(name, None)
        with zipfile.ZipFile(target_path, "w") as out:
            for info in src.infolist():
                name = info.filename
                if name in dropped or (name.startswith("blobs/") and name.rsplit("/", 1)[-1] not in version_blobs):
                    continue
                out.writestr(name, json.dumps(manifest) if name == "manifest.json" else src.read(name))
    return target_path


def test_a_version_1_archive_still_imports_without_the_parts(runner, source, target, tmp_path):
    old = as_version_1(export(runner, tmp_path / "qms.zip"), tmp_path / "v1.zip")
    result = import_into(target, old)
    assert result.exit_code == 0, result.output
    assert "1 quy trình mới, 2 phiên bản" in result.output
    counts = part_counts(target)
    assert counts["ProcedureVersion"] == 2
    assert (counts["ChangeRequest"], counts["VersionForm"], counts["ReadingAssignment"]) == (0, 0, 0)


def test_a_tampered_form_blob_is_refused_and_nothing_changes(app, runner, source, target, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    with app.app_context():
        form_sha = session.scalar(select(FormFile.sha256).order_by(FormFile.id))
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tampered, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            out.writestr(info.filename, data + b"x" if info.filename.endswith(form_sha) else data)
    before = part_counts(target)
    with target.app_context():
        keys = set(blob_store().keys())
    result = import_into(target, tampered)
    assert result.exit_code != 0 and "sai checksum" in result.output, result.output
    assert part_counts(target) == before
    with target.app_context():
        assert set(blob_store().keys()) == keys


def test_an_archive_with_a_part_this_service_does_not_know_is_refused(runner, source, target, tmp_path):
    archive = export(runner, tmp_path / "qms.zip")
    future = tmp_path / "future.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(future, "w") as out:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["parts"].append("meetings")
                data = json.dumps(manifest).encode()
            out.writestr(info.filename, data)
    result = import_into(target, future)
    assert result.exit_code != 0 and "meetings" in result.output and "Traceback" not in result.output


def test_parts_of_procedures_already_here_are_left_alone_and_store_no_file(app, runner, source, target, tmp_path):
    """A procedure already here (same versions) is never changed: its requests, forms and log stay as they are
    here, and their files are not put in the blob store, where nothing would use them."""
    archive = export(runner, tmp_path / "qms.zip")
    assert import_into(target, as_version_1(archive, tmp_path / "v1.zip")).exit_code == 0
    with target.app_context():
        keys = set(blob_store().keys())
    result = import_into(target, archive, "--mapping", str(_merge_mapping(tmp_path)))
    assert result.exit_code == 0, result.output
    counts = part_counts(target)
    assert (counts["VersionForm"], counts["ReadingAssignment"]) == (0, 0)
    with target.app_context():
        # Only the request for a new procedure belongs to the agency itself, so it comes along.
        assert session.scalars(select(ChangeRequest.proposed_code)).all() == ["QT-09"]
        assert set(blob_store().keys()) == keys
    assert target.test_cli_runner().invoke(args=["qms", "check"]).exit_code == 0


def _merge_mapping(tmp_path):
    mapping = tmp_path / "merge.csv"
    mapping.write_text("code,action,target\nSTP,merge,STP\n", encoding="utf-8")
    return mapping
