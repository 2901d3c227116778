"""Writing an archive member by member: records streamed from the database, blobs from the blob store."""

from __future__ import annotations

import json
import os
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import or_, select

from qmsdocs.agencies.models import Agency
from qmsdocs.alerts.models import Alert, ProcedureReview
from qmsdocs.archive.format import (AGENCY_RECORDS, FORMAT, FORMAT_VERSION, MANIFEST, ArchiveError, RecordWriter,
                                    agency_folder, blob_member, columns)
from qmsdocs.archive.parts import ExportContext, registered_parts
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.models import User
from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.db import reading_only, session
from qmsdocs.legal.models import LegalAlias, LegalChange, LegalDocument
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.reports.models import Assessment
from qmsdocs.storage import blob_store

AGENCY_FIELDS = ("code", "name", "level", "kind", "active", "approval_required", "review_interval_months",
                 "created_at", "unit_type", "established_on", "dissolved_on", "four_eyes_approval", "province",
                 "former_province", "unit_code")
PROCEDURE_FIELDS = ("code", "title", "field", "review_interval_months", "status", "retired_reason", "retired_at",
                    "open_alerts", "created_at", "updated_at")
VERSION_FIELDS = ("number", "sha256", "size", "filename", "uploaded_at", "note", "doc_code", "doc_revision",
                  "doc_issued_on", "text", "state", "decided_at", "decision_comment", "effective_on", "in_force_from")
ALERT_FIELDS = ("rule", "cause", "tthc_code", "status", "upcoming", "effective_on", "message", "resolution_hint",
                "opened_at", "acknowledged_at", "resolved_at", "resolution", "dismissed_at", "dismissal_reason")
REVIEW_FIELDS = ("reviewed_on", "note", "recorded_at")
ASSESSMENT_FIELDS = ("year", "qms_built", "qms_applied", "classification", "notes", "agency_code", "agency_name",
                     "agency_level", "agency_kind", "agency_unit_type", "created_at", "updated_at")
AUDIT_FIELDS = ("at", "actor_name", "action", "object_type", "object_id", "details")
LEGAL_FIELDS = ("symbol", "key", "doc_type", "issuer", "title", "issued_on", "effective_on", "status", "note")
CATALOG_FIELDS = ("code", "name", "field", "levels", "agency_kinds", "implementing_agency", "agency_codes",
                  "publishing_decision", "status", "abolished_on")


@dataclass
class ExportReport:
    agencies: int = 0
    procedures: int = 0
    versions: int = 0
    blobs: int = 0
    blob_bytes: int = 0
    archive_bytes: int = 0


class _Users:
    """id → username, looked up once each."""

    def __init__(self):
        self._names: dict[int, str | None] = {}

    def __call__(self, user_id: int | None, recorded: str | None = None) -> str | None:
        if user_id is None:
            return recorded
        if user_id not in self._names:
            self._names[user_id] = session.scalar(select(User.username).where(User.id == user_id))
        return self._names[user_id]


def _chosen_agencies(codes: list[str]) -> list[Agency]:
    if not codes:
        return list(session.scalars(select(Agency).order_by(Agency.code)))
    found = {a.code: a for a in session.scalars(select(Agency).where(Agency.code.in_(codes)))}
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ArchiveError(f"Không có cơ quan mã {', '.join(unknown)} trong dịch vụ này: kiểm tra lại --agency.")
    return [found[code] for code in sorted(found)]


def export_archive(path: Path, agency_codes: list[str] = ()) -> ExportReport:
    """Write the archive under a temporary name and rename it once whole, so a crash leaves no archive."""
    path = Path(path)
    with reading_only():
        return _export_in_one_snapshot(path, list(agency_codes))


def _export_in_one_snapshot(path: Path, agency_codes: list[str]) -> ExportReport:
    """One read transaction (a WAL snapshot on SQLite, REPEATABLE READ on PostgreSQL): uploads going on
    meanwhile are either wholly in the archive or not at all, and writers are never held up."""
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    agencies = _chosen_agencies(agency_codes)
    report = ExportReport(agencies=len(agencies))
    tmp = path.with_name(f".incoming-{path.name}")
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            manifest = _write(archive, agencies, report)
            archive.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    report.archive_bytes = path.stat().st_size
    return report


def _write(archive: zipfile.ZipFile, agencies: list[Agency], report: ExportReport) -> dict:
    user_name = _Users()
    records: dict[str, dict] = {}
    blobs: dict[str, int] = {}
    legal_ids: set[int] = set()
    citation_keys: set[str] = set()
    tthc_codes: set[str] = set()
    parents = {a.id: a.code for a in session.scalars(select(Agency))}
    agency_codes = [agency.code for agency in agencies]

    writer = RecordWriter(archive, "records/agencies.jsonl")
    for index, agency in enumerate(agencies, start=1):
        writer.write({**columns(agency, *AGENCY_FIELDS), "source_id": agency.id, "folder": agency_folder(index),
                      "parent_code": parents.get(agency.parent_id)})
    records[writer.name] = writer.close()

    store = blob_store()
    parts = registered_parts()
    part_counts = {part.name: 0 for part in parts}
    for index, agency in enumerate(agencies, start=1):
        folder = agency_folder(index)
        writers = {name: RecordWriter(archive, f"{folder}/{name}.jsonl") for name in ("procedures", "alerts",
                                                                                      "reviews", "assessments",
                                                                                      "audit")}
        procedure_ids = []
        for procedure in session.scalars(select(Procedure).where(Procedure.agency_id == agency.id)
                                         .order_by(Procedure.code)):
            procedure_ids.append(procedure.id)
            links = [{"code": link.code, "confirmed": link.confirmed} for link in procedure.admin_procedures]
            tthc_codes.update(link["code"] for link in links)
            versions = session.execute(select(ProcedureVersion.id, ProcedureVersion.number, ProcedureVersion.sha256)
                                       .where(ProcedureVersion.procedure_id == procedure.id)
                                       .order_by(ProcedureVersion.number)).all()
            current = next((number for vid, number, _sha in versions if vid == procedure.current_version_id), None)
            writers["procedures"].write({**columns(procedure, *PROCEDURE_FIELDS), "source_id": procedure.id,
                                         "admin_procedures": links, "current_version": current,
                                         "versions": [[number, sha] for _vid, number, sha in versions]})
            report.procedures += 1
        # Versions in a member of their own, streamed: their text may be large.
        writers["versions"] = RecordWriter(archive, f"{folder}/versions.jsonl")
        for chunk_start in range(0, len(procedure_ids), 500):
            ids = procedure_ids[chunk_start:chunk_start + 500]
            query = (select(ProcedureVersion).where(ProcedureVersion.procedure_id.in_(ids))
                     .order_by(ProcedureVersion.procedure_id, ProcedureVersion.number)
                     .execution_options(yield_per=200))
            for version in session.scalars(query):
                cites = [columns(c, "symbol", "key", "location", "context") for c in version.citations]
                citation_keys.update(c["key"] for c in cites)
                writers["versions"].write({
                    **columns(version, *VERSION_FIELDS), "procedure_source_id": version.procedure_id,
                    "uploaded_by": user_name(version.uploaded_by_id, version.uploaded_by_name),
                    "decided_by": user_name(version.decided_by_id, version.decided_by_name),
                    "citations": cites})
                report.versions += 1
                if version.sha256 not in blobs:
                    with archive.open(blob_member(version.sha256), "w", force_zip64=True) as out:
                        out.write(store.get(version.sha256))
                    blobs[version.sha256] = version.size
                    report.blob_bytes += version.size
            session.expunge_all()
        for chunk_start in range(0, len(procedure_ids), 500):
            ids = procedure_ids[chunk_start:chunk_start + 500]
            for alert in session.scalars(select(Alert).where(Alert.procedure_id.in_(ids)).order_by(Alert.id)):
                if alert.legal_document_id:
                    legal_ids.add(alert.legal_document_id)
                if alert.tthc_code:
                    tthc_codes.add(alert.tthc_code)
                version_number = session.scalar(select(ProcedureVersion.number)
                                                .where(ProcedureVersion.id == alert.version_id)) if alert.version_id else None
                change = alert.legal_change
                writers["alerts"].write({
                    **columns(alert, *ALERT_FIELDS), "source_id": alert.id, "procedure_source_id": alert.procedure_id,
                    "version_number": version_number,
                    "legal_document_key": alert.legal_document.key if alert.legal_document else None,
                    "legal_change": _change_key(change) if change else None,
                    "acknowledged_by": user_name(alert.acknowledged_by_id),
                    "resolved_by": user_name(alert.resolved_by_id),
                    "dismissed_by": user_name(alert.dismissed_by_id)})
            for review in session.scalars(select(ProcedureReview).where(ProcedureReview.procedure_id.in_(ids))
                                          .order_by(ProcedureReview.id)):
                writers["reviews"].write({**columns(review, *REVIEW_FIELDS), "procedure_source_id": review.procedure_id,
                                          "reviewed_by": user_name(review.reviewed_by_id)})
        for assessment in session.scalars(select(Assessment).where(Assessment.agency_id == agency.id)
                                          .order_by(Assessment.year)):
            writers["assessments"].write({**columns(assessment, *ASSESSMENT_FIELDS),
                                          "entered_by": user_name(assessment.entered_by_id)})
        for event in session.scalars(select(AuditEvent).where(AuditEvent.agency_id == agency.id)
                                     .order_by(AuditEvent.at, AuditEvent.id).execution_options(yield_per=500)):
            writers["audit"].write(columns(event, *AUDIT_FIELDS))
        for name in AGENCY_RECORDS:
            records[writers[name].name] = writers[name].close()
        session.expunge_all()
        context = ExportContext(agency_id=agency.id, agency_code=agency.code, procedure_ids=procedure_ids,
                                user_name=user_name)
        for part in parts:
            writer = RecordWriter(archive, f"{folder}/{part.name}.jsonl")
            for record in part.export(context):
                writer.write(record)
                for sha256, _size in part.blobs(record):
                    if sha256 not in blobs:
                        data = store.get(sha256)
                        with archive.open(blob_member(sha256), "w", force_zip64=True) as out:
                            out.write(data)
                        blobs[sha256] = len(data)
                        report.blob_bytes += len(data)
            records[writer.name] = writer.close()
            part_counts[part.name] = part_counts.get(part.name, 0) + writer.count
            session.expunge_all()

    # The registry entries and catalog rows the agencies refer to.
    if citation_keys:
        keys = sorted(citation_keys)
        for start in range(0, len(keys), 500):
            legal_ids.update(session.scalars(select(LegalDocument.id).where(LegalDocument.key.in_(keys[start:start + 500]))))
        # A local authority's document is keyed with its province (`25/2019/QD-UBND@TRA-VINH`) while the
        # citation names the number only: every province's entry of a cited number comes along.
        legal_ids.update(document_id for document_id, key in session.execute(
            select(LegalDocument.id, LegalDocument.key).where(LegalDocument.key.contains("@")))
            if key.split("@", 1)[0] in citation_keys)
    changes = list(session.scalars(select(LegalChange).where(or_(LegalChange.document_id.in_(legal_ids),
                                                                 LegalChange.by_document_id.in_(legal_ids)))
                                   .order_by(LegalChange.id))) if legal_ids else []
    for change in changes:
        legal_ids.add(change.document_id)
        if change.by_document_id:
            legal_ids.add(change.by_document_id)
    writer = RecordWriter(archive, "records/legal_documents.jsonl")
    for document in session.scalars(select(LegalDocument).where(LegalDocument.id.in_(sorted(legal_ids)))
                                    .order_by(LegalDocument.key)) if legal_ids else []:
        aliases = session.scalars(select(LegalAlias).where(LegalAlias.document_id == document.id)
                                  .order_by(LegalAlias.id))
        writer.write({**columns(document, *LEGAL_FIELDS),
                      "aliases": [columns(a, "alias", "key", "is_symbol") for a in aliases]})
    records[writer.name] = writer.close()
    writer = RecordWriter(archive, "records/legal_changes.jsonl")
    for change in changes:
        writer.write({**_change_key(change), "note": change.note, "recorded_at": to_iso(change.recorded_at)})
    records[writer.name] = writer.close()
    writer = RecordWriter(archive, "records/admin_procedures.jsonl")
    codes = sorted(tthc_codes)
    for start in range(0, len(codes), 500):
        for row in session.scalars(select(AdminProcedure).where(AdminProcedure.code.in_(codes[start:start + 500]))
                                   .order_by(AdminProcedure.code)):
            writer.write(columns(row, *CATALOG_FIELDS))
    records[writer.name] = writer.close()

    report.blobs = len(blobs)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "archive_id": uuid.uuid4().hex,
            "created_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "agencies": agency_codes, "records": records, "parts": sorted(part_counts),
            "blobs": dict(sorted(blobs.items())),
            "counts": {"agencies": report.agencies, "procedures": report.procedures, "versions": report.versions,
                       **part_counts}}


def to_iso(value):
    return value.isoformat() if value else None


def _change_key(change: LegalChange) -> dict:
    """A legal change named by its documents' keys: ids mean nothing in another service."""
    return {"document_key": change.document.key, "kind": change.kind,
            "by_document_key": change.by_document.key if change.by_document else None,
            "effective_on": change.effective_on.isoformat()}
