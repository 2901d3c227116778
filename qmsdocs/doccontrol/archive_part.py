"""Change requests in a portable archive (qmsdocs.archive.parts): one record per request, its attachment a blob.

Numbers: a request keeps its number when that number is free in the target agency for its year;
otherwise (a merge target already used it) it takes the next free number of that year. Either
way an audit event `change_request.archive_import` on the request keeps the number it had in the
archive, the agency it came from, and the people who do not exist here (the model has no column
for a recorded name: their user fields stay empty, their names are in that event).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import or_, select

from qmsdocs.archive.format import columns, parse_date, parse_datetime
from qmsdocs.archive.parts import ArchivePart, ExportContext, ImportContext
from qmsdocs.audit.models import AuditEvent
from qmsdocs.db import session
from qmsdocs.doccontrol.models import ChangeRequest
from qmsdocs.procedures.models import ProcedureVersion

FIELDS = ("year", "number", "proposed_code", "proposed_title", "part", "content", "reason", "attachment_sha256",
          "attachment_name", "attachment_size", "requested_at", "status", "decided_at", "decision_note", "due_on",
          "closed_at")
PEOPLE = ("requested_by", "decided_by", "editor")
IMPORT_ACTION = "change_request.archive_import"


def export_requests(context: ExportContext) -> Iterator[dict]:
    """The agency's requests: those about its procedures and those proposing a new one for it."""
    ids = context.procedure_ids
    conditions = [(ChangeRequest.agency_id == context.agency_id) & ChangeRequest.procedure_id.is_(None)]
    for start in range(0, len(ids), 500):
        conditions.append(ChangeRequest.procedure_id.in_(ids[start:start + 500]))
    query = select(ChangeRequest).where(or_(*conditions)).order_by(ChangeRequest.year, ChangeRequest.number,
                                                                   ChangeRequest.id)
    for request in session.scalars(query):
        version = (session.execute(select(ProcedureVersion.procedure_id, ProcedureVersion.number)
                                   .where(ProcedureVersion.id == request.version_id)).first()
                   if request.version_id else None)
        yield {**columns(request, *FIELDS), "source_id": request.id, "procedure_source_id": request.procedure_id,
               "alert_source_id": request.alert_id,
               "version": [version[0], version[1]] if version else None,
               "requested_by": context.user_name(request.requested_by_id),
               "decided_by": context.user_name(request.decided_by_id),
               "editor": context.user_name(request.editor_id)}


def request_blobs(record: dict) -> Iterable[tuple[str, int]]:
    if record.get("attachment_sha256"):
        return [(record["attachment_sha256"], record["attachment_size"])]
    return []


def _present(agency_id: int, record: dict) -> bool:
    """The same request already here (a re-export of the same service imported again): same moment and text."""
    return session.scalar(select(ChangeRequest.id).where(
        ChangeRequest.agency_id == agency_id, ChangeRequest.requested_at == parse_datetime(record["requested_at"]),
        ChangeRequest.content == record["content"], ChangeRequest.reason == record["reason"])) is not None


def load_requests(context: ImportContext, records: Iterable[dict]) -> int:
    written = 0
    taken: dict[int, set[int]] = {}
    for record in records:
        source_procedure = record["procedure_source_id"]
        if source_procedure is not None:
            procedure_id = context.procedures.get(source_procedure)
            if procedure_id is None:
                continue  # its procedure was already here (or stayed out): the request is part of that history
        elif context.already_imported:
            continue
        else:
            procedure_id = None
        if _present(context.agency_id, record):
            continue
        year = record["year"]
        if year not in taken:
            taken[year] = set(session.scalars(select(ChangeRequest.number).where(
                ChangeRequest.agency_id == context.agency_id, ChangeRequest.year == year)))
        number = record["number"]
        if number in taken[year]:
            number = max(taken[year]) + 1
        taken[year].add(number)
        version_id = context.versions.get(tuple(record["version"])) if record["version"] else None
        people = {role: record[role] for role in PEOPLE}
        request = ChangeRequest(
            agency_id=context.agency_id, year=year, number=number, procedure_id=procedure_id,
            proposed_code=record["proposed_code"], proposed_title=record["proposed_title"], part=record["part"],
            content=record["content"], reason=record["reason"],
            alert_id=context.alerts.get(record["alert_source_id"]) if record["alert_source_id"] else None,
            attachment_sha256=record["attachment_sha256"], attachment_name=record["attachment_name"],
            attachment_size=record["attachment_size"], requested_by_id=context.users.get(people["requested_by"]),
            requested_at=parse_datetime(record["requested_at"]), status=record["status"],
            decided_by_id=context.users.get(people["decided_by"]), decided_at=parse_datetime(record["decided_at"]),
            decision_note=record["decision_note"], editor_id=context.users.get(people["editor"]),
            due_on=parse_date(record["due_on"]), version_id=version_id, closed_at=parse_datetime(record["closed_at"]))
        session.add(request)
        session.flush()
        absent = {role: name for role, name in people.items() if name and name not in context.users}
        session.add(AuditEvent(
            actor_name="system", action=IMPORT_ACTION, object_type="change_request", object_id=request.id,
            agency_id=context.agency_id,
            details={"archive_id": context.archive_id, "source_agency": context.source_code,
                     "archive_number": f"{record['number']}/{year}", "number": f"{number}/{year}",
                     "renumbered": number != record["number"], "people_not_here": absent}))
        written += 1
    return written


PART = ArchivePart("change_requests", export_requests, request_blobs, load_requests, label="đề nghị sửa đổi")
