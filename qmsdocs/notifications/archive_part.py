"""Read-and-understood in a portable archive (qmsdocs.archive.parts): the agency's reading policy and
its distribution log (sổ theo dõi phân phối), one record per policy or log line.

Not carried: notifications, mail, follows and mail settings. They are each person's inbox and
subscriptions in the old service, not part of the agency's QMS record.

A line and a chosen reader belong to a person (user_id cannot be empty). A person who does not
exist here cannot hold a line, so such lines are kept, whole, in the details of an audit event
`reading.archive_without_user` on their procedure (who, which version, state, when asked and when
confirmed); chosen readers not here and the policy's last editor are named in the event
`reading_policy.archive_import`. A merge target that already has its own policy keeps it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from sqlalchemy import select

from qmsdocs.archive.format import columns, parse_datetime
from qmsdocs.archive.parts import ArchivePart, ExportContext, ImportContext
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.models import User
from qmsdocs.db import session
from qmsdocs.notifications.models import ReadingAssignment, ReadingPolicy, ReadingPolicyUser
from qmsdocs.procedures.models import ProcedureVersion

LINE_FIELDS = ("state", "assigned_at", "confirmed_at", "closed_at")


def export_reading(context: ExportContext) -> Iterator[dict]:
    policy = session.get(ReadingPolicy, context.agency_id)
    if policy is not None:
        readers = sorted(session.scalars(select(User.username).join(ReadingPolicyUser,
                                                                    ReadingPolicyUser.user_id == User.id)
                                         .where(ReadingPolicyUser.agency_id == context.agency_id)))
        yield {"kind": "policy", **columns(policy, "scope", "roles", "updated_at"),
               "updated_by": context.user_name(policy.updated_by_id), "users": readers}
    ids = context.procedure_ids
    for start in range(0, len(ids), 500):
        query = (select(ReadingAssignment, ProcedureVersion.number, User.username)
                 .join(ProcedureVersion, ProcedureVersion.id == ReadingAssignment.version_id)
                 .join(User, User.id == ReadingAssignment.user_id)
                 .where(ReadingAssignment.procedure_id.in_(ids[start:start + 500]))
                 .order_by(ReadingAssignment.procedure_id, ProcedureVersion.number, User.username)
                 .execution_options(yield_per=500))
        for line, number, username in session.execute(query):
            yield {"kind": "line", "procedure_source_id": line.procedure_id, "version_number": number,
                   "user": username, **columns(line, *LINE_FIELDS)}


def no_blobs(_record: dict) -> Iterable[tuple[str, int]]:
    return []


def load_reading(context: ImportContext, records: Iterable[dict]) -> int:
    written = 0
    without_user: dict[int, list[dict]] = defaultdict(list)
    for record in records:
        if record["kind"] == "policy":
            written += _load_policy(context, record)
            continue
        procedure_id = context.procedures.get(record["procedure_source_id"])
        version_id = context.versions.get((record["procedure_source_id"], record["version_number"]))
        if procedure_id is None or version_id is None:
            continue  # not brought in by this run: already here, so is its log
        user_id = context.users.get(record["user"])
        if user_id is None:
            without_user[procedure_id].append({key: record[key] for key in ("version_number", "user",
                                                                            *LINE_FIELDS)})
            continue
        if session.scalar(select(ReadingAssignment.id).where(ReadingAssignment.version_id == version_id,
                                                             ReadingAssignment.user_id == user_id)):
            continue
        session.add(ReadingAssignment(version_id=version_id, procedure_id=procedure_id, agency_id=context.agency_id,
                                      user_id=user_id, state=record["state"],
                                      assigned_at=parse_datetime(record["assigned_at"]),
                                      confirmed_at=parse_datetime(record["confirmed_at"]),
                                      closed_at=parse_datetime(record["closed_at"])))
        written += 1
    for procedure_id, lines in without_user.items():
        session.add(AuditEvent(actor_name="system", action="reading.archive_without_user", object_type="procedure",
                               object_id=procedure_id, agency_id=context.agency_id,
                               details={"archive_id": context.archive_id, "source_agency": context.source_code,
                                        "lines": lines}))
    return written


def _load_policy(context: ImportContext, record: dict) -> int:
    """The agency's own rule comes along when it is new here; a merge target keeps the rule it has."""
    if context.already_imported or session.get(ReadingPolicy, context.agency_id) is not None:
        return 0
    policy = ReadingPolicy(agency_id=context.agency_id, scope=record["scope"], roles=record["roles"],
                           updated_at=parse_datetime(record["updated_at"]),
                           updated_by_id=context.users.get(record["updated_by"]))
    present = sorted({context.users[name] for name in record["users"] if name in context.users})
    policy.users = [ReadingPolicyUser(agency_id=context.agency_id, user_id=uid) for uid in present]
    session.add(policy)
    session.flush()
    session.add(AuditEvent(actor_name="system", action="reading_policy.archive_import", object_type="agency",
                           object_id=context.agency_id, agency_id=context.agency_id,
                           details={"archive_id": context.archive_id, "source_agency": context.source_code,
                                    "scope": record["scope"], "roles": record["roles"],
                                    "updated_by": record["updated_by"],
                                    "users_not_here": [name for name in record["users"] if name not in context.users]}))
    return 1


PART = ArchivePart("reading", export_reading, no_blobs, load_reading, label="theo dõi đọc hiểu")
