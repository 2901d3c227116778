"""Bringing an archive into this service: verify, plan (what a dry run prints), then write agency by agency.

Nothing is written before the whole archive is verified against its manifest and the whole plan
holds (mapping, targets, procedure code clashes). Each agency is then written and committed on
its own; a failure rolls that agency back whole. Importing the same archive again finds every
procedure already here (same agency and code, same version numbers and checksums) and adds nothing.
The parts of later areas (qmsdocs.archive.parts: change requests, forms, read-and-understood) are
written inside the same per-agency transaction, after the procedures, versions and alerts they refer to.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.provinces import province_named
from qmsdocs.agencies.service_name import service_name_on
from qmsdocs.alerts.models import Alert, ProcedureReview
from qmsdocs.archive.format import ArchiveError, ArchiveReader, parse_date, parse_datetime
from qmsdocs.archive.parts import ImportContext, registered_parts
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.models import User
from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.db import session
from qmsdocs.legal.models import LegalAlias, LegalChange, LegalDocument
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion
from qmsdocs.reports.models import Assessment
from qmsdocs.search import indexer
from qmsdocs.storage import blob_store, sha256_hex

IMPORT_ACTION = "agency.archive_import"
ACTIONS = ("new", "merge")


@dataclass
class MappingRow:
    code: str
    action: str
    target: str
    # Appended to a procedure code that is already taken by another procedure in the target agency.
    rename_suffix: str = ""
    former_province: str = ""


@dataclass
class AgencyPlan:
    source: dict
    action: str
    target: str
    rename_suffix: str = ""
    former_province: str = ""
    target_exists: bool = False
    already_imported: bool = False
    new_procedures: list[tuple[str, str]] = field(default_factory=list)  # (code in archive, code here)
    present_procedures: list[str] = field(default_factory=list)
    clashes: list[str] = field(default_factory=list)
    renamed: list[tuple[str, str]] = field(default_factory=list)
    # Records of each archive part (change requests, forms, reading) the archive holds for the agency.
    parts: dict[str, int] = field(default_factory=dict)


@dataclass
class ImportPlan:
    archive_id: str
    agencies: list[AgencyPlan] = field(default_factory=list)
    legal_merged: list[str] = field(default_factory=list)
    legal_added: list[str] = field(default_factory=list)
    catalog_met: list[str] = field(default_factory=list)
    catalog_added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = []
        for plan in self.agencies:
            code = plan.source["code"]
            if plan.already_imported:
                verb = f"đã nhập trước đây vào cơ quan {plan.target}"
            elif plan.action == "new":
                verb = f"thành cơ quan mới {plan.target}"
            else:
                verb = f"nhập vào cơ quan {plan.target} đã có"
            out.append(f"Cơ quan {code} ({plan.source['name']}): {verb}"
                       + (f", tỉnh cũ {plan.former_province}" if plan.former_province else ""))
            out.append(f"  quy trình thêm mới: {len(plan.new_procedures)}; đã có (bỏ qua): "
                       f"{len(plan.present_procedures)}")
            for before, after in plan.new_procedures:
                out.append(f"    + {before}" + (f" → {after}" if after != before else ""))
            for before, after in plan.renamed:
                out.append(f"  trùng mã {before}: đổi thành {after}")
            for code_clash in plan.clashes:
                out.append(f"  TRÙNG MÃ {code_clash}: cơ quan {plan.target} đã có quy trình khác cùng mã")
            held = [f"{label} {count}" for label, count in plan.parts.items() if count]
            if held:
                out.append(f"  kèm theo (chỉ phần của quy trình thêm mới và của chính cơ quan): {'; '.join(held)}")
        out.append(f"Văn bản pháp luật gặp văn bản đã có (cùng khoá): {len(self.legal_merged)}"
                   + (f" ({', '.join(self.legal_merged[:10])})" if self.legal_merged else ""))
        out.append(f"Văn bản pháp luật thêm mới: {len(self.legal_added)}"
                   + (f" ({', '.join(self.legal_added[:10])})" if self.legal_added else ""))
        out.append(f"Thủ tục hành chính đã có: {len(self.catalog_met)}; thêm mới: {len(self.catalog_added)}")
        out.extend(f"LỖI: {problem}" for problem in self.problems)
        return out


@dataclass
class ImportReport:
    agencies: int = 0
    procedures: int = 0
    versions: int = 0
    blobs_checked: int = 0
    failures: list[str] = field(default_factory=list)


def read_mapping(path: Path) -> list[MappingRow]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ArchiveError(f"Không đọc được tệp ánh xạ {path}: {error}.") from None
    if not rows or not {"code", "action", "target"} <= set(rows[0]):
        raise ArchiveError("Tệp ánh xạ phải có các cột code, action, target (tuỳ chọn: rename_suffix, "
                           "former_province).")
    mapping = []
    for number, row in enumerate(rows, start=2):
        values = {key: (value or "").strip() for key, value in row.items() if key}
        if values["action"] not in ACTIONS:
            raise ArchiveError(f"Tệp ánh xạ, dòng {number}: action phải là new hoặc merge, không phải "
                               f"{values['action']!r}.")
        if not values["code"] or not values["target"]:
            raise ArchiveError(f"Tệp ánh xạ, dòng {number}: thiếu code hoặc target.")
        former = values.get("former_province", "")
        if former and province_named(former) is None:
            raise ArchiveError(f"Tệp ánh xạ, dòng {number}: former_province '{former[:60]}' không phải tên một tỉnh, "
                               "thành phố (ví dụ: Trà Vinh, Bến Tre, Vĩnh Long).")
        mapping.append(MappingRow(values["code"], values["action"], values["target"],
                                  values.get("rename_suffix", ""), province_named(former) if former else ""))
    return mapping


def _versions_here(procedure: Procedure) -> dict[int, str]:
    return dict(session.execute(select(ProcedureVersion.number, ProcedureVersion.sha256)
                                .where(ProcedureVersion.procedure_id == procedure.id)).all())


def _imported_before(archive_id: str, code: str) -> str | None:
    """The agency here that an earlier run of this same archive filled from `code`, if any."""
    for event in session.scalars(select(AuditEvent).where(AuditEvent.action == IMPORT_ACTION)):
        details = event.details or {}
        if details.get("archive_id") == archive_id and details.get("source_code") == code:
            return details.get("target")
    return None


def make_plan(reader: ArchiveReader, mapping: list[MappingRow] | None) -> ImportPlan:
    """What the import would do; an archive whose records lack a field is refused, not half-read."""
    try:
        return _make_plan(reader, mapping)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ArchiveError(f"Hồ sơ trong tệp lưu trữ không đúng định dạng ({error!r}): hãy xuất lại bằng "
                           "`qms export`.") from None


def _make_plan(reader: ArchiveReader, mapping: list[MappingRow] | None) -> ImportPlan:
    manifest = reader.manifest
    plan = ImportPlan(archive_id=manifest["archive_id"])
    known = {part.name for part in registered_parts()}
    unknown = sorted(set(manifest.get("parts", ())) - known)
    if unknown:
        raise ArchiveError(f"Tệp lưu trữ có phần {', '.join(unknown)} mà phiên bản qmsdocs này không biết: hãy cập "
                           "nhật qmsdocs rồi nhập lại (không nhập thiếu phần nào).")
    agencies = {record["code"]: record for record in reader.records("records/agencies.jsonl")}
    if mapping is None:
        rows = {code: MappingRow(code, "new", code) for code in agencies}
    else:
        rows = {}
        for row in mapping:
            if row.code not in agencies:
                raise ArchiveError(f"Tệp ánh xạ nêu cơ quan {row.code} nhưng tệp lưu trữ không có cơ quan này "
                                   f"(có: {', '.join(sorted(agencies))}).")
            if row.code in rows:
                raise ArchiveError(f"Tệp ánh xạ nêu cơ quan {row.code} hai lần.")
            rows[row.code] = row
        missing = sorted(set(agencies) - set(rows))
        if missing:
            raise ArchiveError(f"Tệp ánh xạ không nói cơ quan {', '.join(missing)} đi đâu: thêm một dòng cho mỗi "
                               "cơ quan trong tệp lưu trữ.")
    targets: dict[str, str] = {}
    # Procedure codes already given out in each target by the agencies planned before (two merged into one).
    claimed: dict[str, set[str]] = {}
    for code, row in rows.items():
        if row.action == "new" and row.target in targets.values():
            plan.problems.append(f"hai cơ quan cùng thành cơ quan mới {row.target}")
        targets[code] = row.target
        agency_plan = AgencyPlan(agencies[code], row.action, row.target, row.rename_suffix, row.former_province)
        here = session.scalar(select(Agency).where(Agency.code == row.target))
        agency_plan.target_exists = here is not None
        before = _imported_before(plan.archive_id, code)
        agency_plan.already_imported = before == row.target and here is not None
        if row.action == "merge" and here is None:
            raise ArchiveError(f"Tệp ánh xạ: cơ quan đích {row.target} (cho {code}) không có trong dịch vụ này; "
                               "dùng action new để tạo mới.")
        if row.action == "new" and here is not None and not agency_plan.already_imported:
            plan.problems.append(f"cơ quan {row.target} đã có trong dịch vụ này: dùng --mapping với action merge "
                                 "để nhập vào cơ quan đó, hoặc action new với một mã khác")
        _plan_procedures(reader, agency_plan, here, claimed.setdefault(row.target, set()))
        for part in registered_parts():
            member = f"{agency_plan.source['folder']}/{part.name}.jsonl"
            count = reader.manifest.get("records", {}).get(member, {}).get("count", 0)
            agency_plan.parts[part.label or part.name] = count
        if agency_plan.clashes:
            plan.problems.append(f"cơ quan {row.target}: {len(agency_plan.clashes)} quy trình trùng mã "
                                 f"({', '.join(agency_plan.clashes[:5])}); thêm cột rename_suffix vào tệp ánh xạ "
                                 "để đổi mã quy trình nhập vào")
        plan.agencies.append(agency_plan)
    for record in reader.records("records/legal_documents.jsonl"):
        exists = session.scalar(select(LegalDocument.id).where(LegalDocument.key == record["key"]))
        (plan.legal_merged if exists else plan.legal_added).append(record["symbol"])
    for record in reader.records("records/admin_procedures.jsonl"):
        exists = session.scalar(select(AdminProcedure.id).where(AdminProcedure.code == record["code"]))
        (plan.catalog_met if exists else plan.catalog_added).append(record["code"])
    return plan


def _plan_procedures(reader: ArchiveReader, plan: AgencyPlan, here: Agency | None, claimed: set[str]) -> None:
    for record in reader.records(f"{plan.source['folder']}/procedures.jsonl"):
        wanted = {number: sha for number, sha in record["versions"]}
        code = record["code"]
        candidates = [code] + ([code + plan.rename_suffix] if plan.rename_suffix else [])
        for candidate in candidates:
            if candidate in claimed:
                continue
            existing = here and session.scalar(select(Procedure).where(Procedure.agency_id == here.id,
                                                                       Procedure.code == candidate))
            if not existing:
                claimed.add(candidate)
                plan.new_procedures.append((code, candidate))
                if candidate != code:
                    plan.renamed.append((code, candidate))
                break
            have = _versions_here(existing)
            if all(have.get(number) == sha for number, sha in wanted.items()):
                plan.present_procedures.append(candidate)
                break
        else:
            plan.clashes.append(code)


def open_archive(path: Path) -> ArchiveReader:
    return ArchiveReader(path)


def import_archive(reader: ArchiveReader, plan: ImportPlan, commit: Callable[[], None],
                   rollback: Callable[[], None]) -> ImportReport:
    """Write the plan; `commit`/`rollback` end each agency's transaction (the caller owns them)."""
    if plan.problems:
        raise ArchiveError("Không nhập: " + "; ".join(plan.problems))
    report = ImportReport(blobs_checked=len(reader.manifest["blobs"]))
    users = {name: uid for uid, name in session.execute(select(User.id, User.username))}
    legal = _import_shared(reader)
    commit()
    for agency_plan in plan.agencies:
        try:
            _store_blobs(reader, agency_plan)
            counts = _import_agency(reader, plan, agency_plan, users, legal)
            commit()
        except Exception as error:
            rollback()
            report.failures.append(f"cơ quan {agency_plan.source['code']}: {error} (đã huỷ toàn bộ phần của "
                                   "cơ quan này)")
            continue
        report.agencies += 1
        report.procedures += counts[0]
        report.versions += counts[1]
    return report


def _import_shared(reader: ArchiveReader) -> dict[str, int]:
    """Legal documents meet by key, catalog rows by TTHC code; what is missing here is added."""
    ids: dict[str, int] = {}
    for record in reader.records("records/legal_documents.jsonl"):
        document = session.scalar(select(LegalDocument).where(LegalDocument.key == record["key"]))
        if document is None:
            document = LegalDocument(symbol=record["symbol"], key=record["key"], doc_type=record["doc_type"],
                                     issuer=record["issuer"], title=record["title"],
                                     issued_on=parse_date(record["issued_on"]),
                                     effective_on=parse_date(record["effective_on"]), status=record["status"],
                                     note=record["note"])
            session.add(document)
            session.flush()
            for alias in record["aliases"]:
                if not session.scalar(select(LegalAlias.id).where(LegalAlias.key == alias["key"])):
                    session.add(LegalAlias(document_id=document.id, **alias))
        ids[record["key"]] = document.id
    for record in reader.records("records/legal_changes.jsonl"):
        document_id = ids.get(record["document_key"])
        by_id = ids.get(record["by_document_key"]) if record["by_document_key"] else None
        effective_on = parse_date(record["effective_on"])
        if document_id is None:
            continue
        exists = session.scalar(select(LegalChange.id).where(
            LegalChange.document_id == document_id, LegalChange.kind == record["kind"],
            LegalChange.by_document_id.is_(None) if by_id is None else LegalChange.by_document_id == by_id,
            LegalChange.effective_on == effective_on))
        if not exists:
            session.add(LegalChange(document_id=document_id, kind=record["kind"], by_document_id=by_id,
                                    effective_on=effective_on, note=record["note"],
                                    recorded_at=parse_datetime(record["recorded_at"])))
    for record in reader.records("records/admin_procedures.jsonl"):
        if not session.scalar(select(AdminProcedure.id).where(AdminProcedure.code == record["code"])):
            session.add(AdminProcedure(**{**record, "abolished_on": parse_date(record["abolished_on"])}))
    session.flush()
    return ids


def _change_id(key: dict | None, legal: dict[str, int]) -> int | None:
    if not key or key["document_key"] not in legal:
        return None
    by_id = legal.get(key["by_document_key"]) if key["by_document_key"] else None
    return session.scalar(select(LegalChange.id).where(
        LegalChange.document_id == legal[key["document_key"]], LegalChange.kind == key["kind"],
        LegalChange.by_document_id.is_(None) if by_id is None else LegalChange.by_document_id == by_id,
        LegalChange.effective_on == parse_date(key["effective_on"])))


def _store_blobs(reader: ArchiveReader, agency_plan: AgencyPlan) -> None:
    """The agency's files go to the blob store before its write transaction, which stays short.

    A blob stored for an agency whose rows are then rolled back is an orphan nobody refers to;
    the next import uses it, or `qms check --repair` removes it."""
    wanted = {code for code, _here in agency_plan.new_procedures}
    source_ids = {record["source_id"] for record in reader.records(f"{agency_plan.source['folder']}/procedures.jsonl")
                  if record["code"] in wanted}
    store = blob_store()
    for record in reader.records(f"{agency_plan.source['folder']}/versions.jsonl"):
        if record["procedure_source_id"] not in source_ids or store.exists(record["sha256"]):
            continue
        data = reader.blob(record["sha256"])
        if sha256_hex(data) != record["sha256"] or len(data) != record["size"]:
            raise ArchiveError(f"tệp của phiên bản {record['number']} sai checksum")
        if store.put(data) != record["sha256"]:
            raise ArchiveError(f"tệp của phiên bản {record['number']} không lưu được đúng checksum")
    # A part record tied to a procedure is written only when this run brings the procedure in
    # (qmsdocs.archive.parts), so only then are its files stored: none is left without a user.
    for part in registered_parts():
        for record in reader.records(f"{agency_plan.source['folder']}/{part.name}.jsonl"):
            tied_to = record.get("procedure_source_id")
            if tied_to is not None and tied_to not in source_ids:
                continue
            if tied_to is None and agency_plan.already_imported:
                continue
            for sha256, size in part.blobs(record):
                if store.exists(sha256):
                    continue
                data = reader.blob(sha256)
                if sha256_hex(data) != sha256 or (size is not None and len(data) != size):
                    raise ArchiveError(f"tệp {sha256[:12]}… ({part.label or part.name}) sai checksum")
                if store.put(data) != sha256:
                    raise ArchiveError(f"tệp {sha256[:12]}… ({part.label or part.name}) không lưu được đúng checksum")


def _cause_here(cause: str, document_id: int | None, change_id: int | None) -> str:
    """An alert's cause names registry ids (change:17, not_in_force:4:suspended): rewritten to the ids here,
    so evaluating the rules again finds the imported alert instead of opening a second one."""
    parts = cause.split(":")
    if parts[0] == "change" and change_id is not None:
        return f"change:{change_id}"
    if parts[0] == "not_in_force" and document_id is not None and len(parts) == 3:
        return f"not_in_force:{document_id}:{parts[2]}"
    return cause


def _settle(batch: list, versions: dict[tuple[int, int], int]) -> None:
    """Write a batch of versions and let go of them: only their ids are kept (texts can be large)."""
    session.flush()
    for key, version in batch:
        versions[key] = version.id
        session.expunge(version)  # its citations go with it (cascade)
    batch.clear()


def _import_agency(reader: ArchiveReader, plan: ImportPlan, agency_plan: AgencyPlan, users: dict[str, int],
                   legal: dict[str, int]) -> tuple[int, int]:
    source = agency_plan.source
    agency = session.scalar(select(Agency).where(Agency.code == agency_plan.target))
    if agency is None:
        parent_code = next((p.target for p in plan.agencies if p.source["code"] == source["parent_code"]),
                           source["parent_code"])
        parent_id = session.scalar(select(Agency.id).where(Agency.code == parent_code)) if parent_code else None
        agency = Agency(code=agency_plan.target, name=source["name"], level=source["level"], kind=source["kind"],
                        parent_id=parent_id, active=source["active"], approval_required=source["approval_required"],
                        review_interval_months=source["review_interval_months"],
                        created_at=parse_datetime(source["created_at"]), unit_type=source["unit_type"],
                        established_on=parse_date(source["established_on"]),
                        dissolved_on=parse_date(source["dissolved_on"]), unit_code=source.get("unit_code"),
                        four_eyes_approval=bool(source.get("four_eyes_approval", False)),
                        province=source.get("province"), former_province=source.get("former_province"))
        session.add(agency)
        session.flush()
    if agency_plan.action == "new":
        # Only an agency brought in whole comes from a former province; a merge target keeps its own.
        # Without a mapping column, the province the agency had in its own service is its former one.
        agency.former_province = agency_plan.former_province or agency.former_province or source.get("province")
        named = service_name_on()
        if named is not None and named.province:
            agency.province = named.province
    folder = source["folder"]
    code_here = dict(agency_plan.new_procedures)
    procedures: dict[int, Procedure] = {}
    current: dict[int, int] = {}
    for record in reader.records(f"{folder}/procedures.jsonl"):
        if record["code"] not in code_here:
            continue
        procedure = Procedure(agency_id=agency.id, code=code_here[record["code"]], title=record["title"],
                              field=record["field"], review_interval_months=record["review_interval_months"],
                              status=record["status"], retired_reason=record["retired_reason"],
                              retired_at=parse_datetime(record["retired_at"]), open_alerts=record["open_alerts"],
                              created_at=parse_datetime(record["created_at"]),
                              updated_at=parse_datetime(record["updated_at"]))
        procedure.admin_procedures = [ProcedureAdminProcedure(code=link["code"], confirmed=link["confirmed"])
                                      for link in record["admin_procedures"]]
        session.add(procedure)
        procedures[record["source_id"]] = procedure
        if record["current_version"] is not None:
            current[record["source_id"]] = record["current_version"]
    session.flush()
    store = blob_store()
    versions: dict[tuple[int, int], int] = {}
    batch: list[tuple[tuple[int, int], ProcedureVersion]] = []
    for record in reader.records(f"{folder}/versions.jsonl"):
        procedure = procedures.get(record["procedure_source_id"])
        if procedure is None:
            continue
        if not store.exists(record["sha256"]):
            raise ArchiveError(f"tệp của phiên bản {record['number']} chưa được lưu")
        uploader, decider = record["uploaded_by"], record["decided_by"]
        version = ProcedureVersion(
            procedure_id=procedure.id, number=record["number"], sha256=record["sha256"], size=record["size"],
            filename=record["filename"], uploaded_by_id=users.get(uploader),
            uploaded_by_name=None if uploader in users else uploader,
            uploaded_at=parse_datetime(record["uploaded_at"]), note=record["note"], doc_code=record["doc_code"],
            doc_revision=record["doc_revision"], doc_issued_on=parse_date(record["doc_issued_on"]),
            text=record["text"], state=record["state"], decided_by_id=users.get(decider),
            decided_by_name=None if decider in users else decider,
            decided_at=parse_datetime(record["decided_at"]), decision_comment=record["decision_comment"],
            effective_on=parse_date(record.get("effective_on")), in_force_from=_in_force_from(record),
            citations=[Citation(**citation) for citation in record["citations"]])
        session.add(version)
        batch.append(((record["procedure_source_id"], record["number"]), version))
        if len(batch) >= 200:
            _settle(batch, versions)
    _settle(batch, versions)
    for source_id, number in current.items():
        procedures[source_id].current_version_id = versions[(source_id, number)]
    alerts: dict[int, Alert] = {}
    for record in reader.records(f"{folder}/alerts.jsonl"):
        procedure = procedures.get(record["procedure_source_id"])
        if procedure is None:
            continue
        version = versions.get((record["procedure_source_id"], record["version_number"]))
        document_id = legal.get(record["legal_document_key"]) if record["legal_document_key"] else None
        change_id = _change_id(record["legal_change"], legal)
        alerts[record["source_id"]] = Alert(
            procedure_id=procedure.id, rule=record["rule"], cause=_cause_here(record["cause"], document_id, change_id),
            legal_document_id=document_id, legal_change_id=change_id, tthc_code=record["tthc_code"],
            version_id=version, status=record["status"], upcoming=record["upcoming"],
            effective_on=parse_date(record["effective_on"]), message=record["message"],
            resolution_hint=record["resolution_hint"], opened_at=parse_datetime(record["opened_at"]),
            acknowledged_at=parse_datetime(record["acknowledged_at"]),
            acknowledged_by_id=users.get(record["acknowledged_by"]), resolved_at=parse_datetime(record["resolved_at"]),
            resolved_by_id=users.get(record["resolved_by"]), resolution=record["resolution"],
            dismissed_at=parse_datetime(record["dismissed_at"]), dismissed_by_id=users.get(record["dismissed_by"]),
            dismissal_reason=record["dismissal_reason"])
        session.add(alerts[record["source_id"]])
    session.flush()
    for record in reader.records(f"{folder}/reviews.jsonl"):
        procedure = procedures.get(record["procedure_source_id"])
        if procedure is not None:
            session.add(ProcedureReview(procedure_id=procedure.id, reviewed_on=parse_date(record["reviewed_on"]),
                                        note=record["note"], reviewed_by_id=users.get(record["reviewed_by"]),
                                        recorded_at=parse_datetime(record["recorded_at"])))
    for record in reader.records(f"{folder}/assessments.jsonl"):
        if session.scalar(select(Assessment.id).where(Assessment.agency_id == agency.id,
                                                      Assessment.year == record["year"])):
            continue
        entered_by = record.pop("entered_by")
        session.add(Assessment(**{**record, "agency_id": agency.id, "entered_by_id": users.get(entered_by),
                                  "created_at": parse_datetime(record["created_at"]),
                                  "updated_at": parse_datetime(record["updated_at"])}))
    context = ImportContext(archive_id=plan.archive_id, source_code=source["code"], agency_id=agency.id,
                            already_imported=agency_plan.already_imported,
                            procedures={sid: p.id for sid, p in procedures.items()}, versions=versions,
                            alerts={sid: a.id for sid, a in alerts.items()}, users=users)
    for part in registered_parts():
        written = part.load(context, reader.records(f"{folder}/{part.name}.jsonl"))
        if written:
            context.counts[part.name] = written
    session.flush()
    if not agency_plan.already_imported:
        # Events keep pointing at their object where it came along; the archive's id stays in the details.
        new_ids = {("procedure", sid): p.id for sid, p in procedures.items()}
        new_ids |= {("alert", sid): a.id for sid, a in alerts.items()}
        new_ids[("agency", source["source_id"])] = agency.id
        for record in reader.records(f"{folder}/audit.jsonl"):
            details = dict(record["details"] or {})
            details["archive_source"] = {"agency": source["code"], "object_id": record["object_id"]}
            session.add(AuditEvent(at=parse_datetime(record["at"]), actor_id=users.get(record["actor_name"]),
                                   actor_name=record["actor_name"], action=record["action"],
                                   object_type=record["object_type"],
                                   object_id=new_ids.get((record["object_type"], record["object_id"])),
                                   agency_id=agency.id, details=details))
        session.add(AuditEvent(actor_name="system", action=IMPORT_ACTION, object_type="agency", object_id=agency.id,
                               agency_id=agency.id,
                               details={"archive_id": plan.archive_id, "source_code": source["code"],
                                        "target": agency_plan.target, "action": agency_plan.action,
                                        "former_province": agency_plan.former_province or None,
                                        "procedures": len(procedures), "versions": len(versions),
                                        "parts": context.counts,
                                        "renamed": [list(pair) for pair in agency_plan.renamed]}))
    for procedure in procedures.values():
        indexer.mark(procedure.id)
    session.flush()
    return len(procedures), len(versions)


def _in_force_from(record: dict):
    """The day a version became current; archives written before effective dates had none: its approval or upload day."""
    if "in_force_from" in record:
        return parse_date(record["in_force_from"])
    if record["state"] != "approved":
        return None
    moment = parse_datetime(record["decided_at"]) or parse_datetime(record["uploaded_at"])
    return moment.date() if moment else None
