"""Forms (biểu mẫu) in a portable archive (qmsdocs.archive.parts): one record per form a version carries.

A form file carried over from one version to the next is one file shared by both links; the
record names it by its id in the archive (`form_source_id`), so the import creates one FormFile
for it and links every version that carried it, as the source had them. The bytes are a blob.
An uploader who does not exist here is left empty; the name stays in the record's audit trail
(the form.attach events travel with the agency's audit events).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import select

from qmsdocs.archive.format import parse_datetime, to_json
from qmsdocs.archive.parts import ArchivePart, ExportContext, ImportContext
from qmsdocs.db import session
from qmsdocs.procedures.models import ProcedureVersion
from qmsdocs.registers.models import FormFile, VersionForm


def export_forms(context: ExportContext) -> Iterator[dict]:
    ids = context.procedure_ids
    for start in range(0, len(ids), 500):
        query = (select(VersionForm, FormFile, ProcedureVersion.procedure_id, ProcedureVersion.number)
                 .join(FormFile, FormFile.id == VersionForm.form_file_id)
                 .join(ProcedureVersion, ProcedureVersion.id == VersionForm.version_id)
                 .where(ProcedureVersion.procedure_id.in_(ids[start:start + 500]))
                 .order_by(ProcedureVersion.procedure_id, ProcedureVersion.number, VersionForm.code))
        for link, form, procedure_id, number in session.execute(query):
            yield {"procedure_source_id": procedure_id, "version_number": number, "code": link.code,
                   "attached_at_version": link.attached_at_version, "form_source_id": form.id,
                   "sha256": form.sha256, "size": form.size, "filename": form.filename, "kind": form.kind,
                   "text": form.text, "uploaded_by": context.user_name(form.uploaded_by_id),
                   "uploaded_at": to_json(form.uploaded_at)}


def form_blobs(record: dict) -> Iterable[tuple[str, int]]:
    return [(record["sha256"], record["size"])]


def load_forms(context: ImportContext, records: Iterable[dict]) -> int:
    """Links only for versions this run brought in: a second run brings none, so adds none."""
    files: dict[int, int] = {}
    written = 0
    for record in records:
        version_id = context.versions.get((record["procedure_source_id"], record["version_number"]))
        if version_id is None:
            continue
        if session.scalar(select(VersionForm.id).where(VersionForm.version_id == version_id,
                                                       VersionForm.code == record["code"])):
            continue
        file_id = files.get(record["form_source_id"])
        if file_id is None:
            stored = FormFile(sha256=record["sha256"], size=record["size"], filename=record["filename"],
                              kind=record["kind"], text=record["text"],
                              uploaded_by_id=context.users.get(record["uploaded_by"]),
                              uploaded_at=parse_datetime(record["uploaded_at"]))
            session.add(stored)
            session.flush()
            file_id = files[record["form_source_id"]] = stored.id
        session.add(VersionForm(version_id=version_id, code=record["code"], form_file_id=file_id,
                                attached_at_version=record["attached_at_version"]))
        written += 1
    return written


PART = ArchivePart("forms", export_forms, form_blobs, load_forms, label="biểu mẫu gắn với phiên bản")
