"""Read-only queries behind the officials' pages: lists with filters, the home page, the agency tree.

Each page issues a fixed number of queries whatever the number of rows (no N+1): related
rows come through `selectinload`, counts through grouped queries, and the extracted text
of versions (large) is never loaded for lists.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import defer, selectinload

from qmsdocs.agencies.models import ORIGIN_PROVINCE, Agency, AgencyChange, ProcedureTransfer
from qmsdocs.agencies.provinces import province_named
from qmsdocs.audit.models import AuditEvent
from qmsdocs.auth.permissions import is_admin
from qmsdocs.db import session
from qmsdocs.clock import local_time, local_today
from qmsdocs.paging import Page, lenient_page
from qmsdocs.procedures.models import Procedure, ProcedureVersion
from qmsdocs.sqlfold import folded_contains


PAGE_SIZE = 50
# Reviews falling due within this many days are listed on the home page before they are late.
REVIEW_SOON_DAYS = 30

SORTS = {
    "code": (Procedure.code,),
    "title": (Procedure.title,),
    "agency": (Agency.code, Procedure.code),
    "field": (Procedure.field, Procedure.code),
    "updated": (Procedure.updated_at.desc(), Procedure.id.desc()),
    "issued": (ProcedureVersion.doc_issued_on.desc(), Procedure.code),
}
STATUS_FILTERS = ("active", "retired", "all")


@dataclass
class ProcedureFilters:
    q: str = ""
    agency: str = ""
    status: str = "active"
    field: str = ""
    stale: bool = False
    # Tỉnh cũ: the former province of the procedure's agency (or its province), in a merged province.
    former_province: str = ""
    sort: str = "code"
    page: int = 1
    # Xem như ngày: kept in links as given; the route parses and checks it.
    as_of: str = ""

    @classmethod
    def from_args(cls, args) -> ProcedureFilters:
        status = args.get("status", "active")
        sort = args.get("sort", "code")
        return cls(
            q=(args.get("q") or "").strip()[:200],
            agency=(args.get("agency") or "").strip()[:64],
            status=status if status in STATUS_FILTERS else "active",
            field=(args.get("field") or "").strip()[:255],
            stale=args.get("stale") in ("1", "on", "true"),
            former_province=province_named((args.get("former_province") or "")[:64]) or "",
            sort=sort if sort in SORTS else "code",
            page=lenient_page(args).page,
            as_of=(args.get("as_of") or "").strip()[:10],
        )

    def as_args(self, **changes) -> dict:
        """Query-string arguments for a link that keeps the current filters."""
        values = {"q": self.q, "agency": self.agency, "status": self.status, "field": self.field,
                  "stale": "1" if self.stale else "",
                  "former_province": self.former_province, "sort": self.sort, "page": self.page, "as_of": self.as_of}
        values.update(changes)
        # An empty agency is kept: it means "every agency", where no agency means the official's own.
        return {key: value for key, value in values.items()
                if value not in ("", None, 1) or key == "status" or (key == "agency" and value == "")}


def versions_in_force_on(procedure_ids: list[int], day: date) -> dict[int, ProcedureVersion]:
    """The version of each procedure that was in force on a day (ngày hiệu lực reached, not yet replaced)."""
    if not procedure_ids:
        return {}
    rows = session.scalars(
        select(ProcedureVersion).options(*_light_version_options())
        .where(ProcedureVersion.procedure_id.in_(procedure_ids), ProcedureVersion.state == "approved",
               ProcedureVersion.in_force_from.is_not(None), ProcedureVersion.in_force_from <= day)
        .order_by(ProcedureVersion.procedure_id, ProcedureVersion.in_force_from, ProcedureVersion.number))
    found: dict[int, ProcedureVersion] = {}
    for version in rows:
        found[version.procedure_id] = version  # the last one in order is the one in force that day
    return found


def retired_by(procedure: Procedure, day: date) -> bool:
    """Whether the procedure had been retired on that day."""
    return procedure.retired_at is not None and local_time(procedure.retired_at).date() <= day


def scheduled_versions(procedure: Procedure) -> list[ProcedureVersion]:
    """Approved versions waiting for their effective date (sẽ có hiệu lực)."""
    current = procedure.current_version
    return [v for v in procedure.versions
            if v.state == "approved" and v.in_force_from is None and v.effective_on is not None
            and (current is None or v.number > current.number)]


def _light_version_options():
    """Versions for lists: who uploaded it, but not the (large) extracted text."""
    return (defer(ProcedureVersion.text),)


def procedure_page(filters: ProcedureFilters) -> Page:
    stmt = (
        select(Procedure)
        .join(Agency, Procedure.agency_id == Agency.id)
        .outerjoin(ProcedureVersion, Procedure.current_version_id == ProcedureVersion.id)
    )
    if filters.q:
        stmt = stmt.where(or_(folded_contains(Procedure.code, filters.q), folded_contains(Procedure.title, filters.q)))
    if filters.agency:
        stmt = stmt.where(Agency.code == filters.agency)
    if filters.status != "all":
        stmt = stmt.where(Procedure.status == filters.status)
    if filters.field:
        stmt = stmt.where(Procedure.field == filters.field)
    if filters.stale:
        stmt = stmt.where(Procedure.open_alerts > 0)
    if filters.former_province:
        stmt = stmt.where(ORIGIN_PROVINCE == filters.former_province)
    total = session.scalar(select(func.count()).select_from(stmt.with_only_columns(Procedure.id).subquery()))
    page = min(filters.page, max(1, -(-total // PAGE_SIZE)))
    stmt = (
        stmt.options(
            selectinload(Procedure.agency),
            selectinload(Procedure.current_version).options(*_light_version_options()),
        )
        .order_by(*SORTS[filters.sort])
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    )
    items = list(session.scalars(stmt))
    return Page(items, total, page, PAGE_SIZE)


def pending_counts(procedure_ids: list[int]) -> dict[int, int]:
    """Drafts waiting for approval, per procedure, in one query."""
    if not procedure_ids:
        return {}
    rows = session.execute(
        select(ProcedureVersion.procedure_id, func.count())
        .where(ProcedureVersion.procedure_id.in_(procedure_ids), ProcedureVersion.state == "pending")
        .group_by(ProcedureVersion.procedure_id)
    )
    return dict(rows.all())


def origin_provinces() -> list[str]:
    """The former provinces the service's agencies come from (a filter worth showing from two on)."""
    return [value for value in session.scalars(select(ORIGIN_PROVINCE).where(ORIGIN_PROVINCE.is_not(None)).distinct().order_by(ORIGIN_PROVINCE))]


def distinct_fields() -> list[str]:
    rows = session.scalars(select(Procedure.field).where(Procedure.field.is_not(None)).distinct().order_by(Procedure.field))
    return [value for value in rows if value]


def agencies_for_select() -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.level, Agency.code)))


def procedure_versions(procedure: Procedure) -> list[ProcedureVersion]:
    """The full history, newest first, with uploader and approver, without the text."""
    stmt = (
        select(ProcedureVersion)
        .where(ProcedureVersion.procedure_id == procedure.id)
        .options(
            *_light_version_options(),
            selectinload(ProcedureVersion.uploaded_by),
            selectinload(ProcedureVersion.decided_by),
        )
        .order_by(ProcedureVersion.number.desc())
    )
    return list(session.scalars(stmt))


# Periodic review -----------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def review_due_on(procedure_interval: int | None, agency_interval: int | None, issued_on: date | None,
                  effective_at) -> date | None:
    """When the version in force is next due for its periodic review.

    Counted from its issue date (Ngày ban hành, printed in the document) when the header
    gives one, else from the day it took effect here.
    """
    start = issued_on or (local_time(effective_at).date() if effective_at else None)
    if start is None:
        return None
    return add_months(start, procedure_interval or agency_interval or 12)


@dataclass
class ReviewDue:
    procedure_id: int
    code: str
    title: str
    agency_code: str
    due_on: date

    @property
    def overdue(self) -> bool:
        return self.due_on < local_today()


def reviews_due(agency_id: int | None, *, limit: int = 10) -> tuple[list[ReviewDue], int]:
    """Active procedures whose periodic review is late or due within REVIEW_SOON_DAYS; light rows only."""
    stmt = (
        select(Procedure.id, Procedure.code, Procedure.title, Agency.code, Procedure.review_interval_months,
               Agency.review_interval_months, ProcedureVersion.doc_issued_on,
               func.coalesce(ProcedureVersion.decided_at, ProcedureVersion.uploaded_at))
        .join(Agency, Procedure.agency_id == Agency.id)
        .join(ProcedureVersion, Procedure.current_version_id == ProcedureVersion.id)
        .where(Procedure.status == "active")
    )
    if agency_id is not None:
        stmt = stmt.where(Procedure.agency_id == agency_id)
    horizon = local_today() + timedelta(days=REVIEW_SOON_DAYS)
    due = []
    for pid, code, title, agency_code, own, default, issued, effective in session.execute(stmt):
        due_on = review_due_on(own, default, issued, effective)
        if due_on is not None and due_on <= horizon:
            due.append(ReviewDue(pid, code, title, agency_code, due_on))
    due.sort(key=lambda item: (item.due_on, item.code))
    return due[:limit], len(due)


# Home page ------------------------------------------------------------------------

@dataclass
class HomeData:
    agency: Agency | None
    procedure_count: int = 0
    retired_count: int = 0
    stale_procedures: list[Procedure] = field(default_factory=list)
    open_alerts: int = 0
    reviews: list[ReviewDue] = field(default_factory=list)
    reviews_total: int = 0
    drafts_to_approve: list[ProcedureVersion] = field(default_factory=list)
    my_drafts: list[ProcedureVersion] = field(default_factory=list)
    recent_events: list[AuditEvent] = field(default_factory=list)
    recent_procedures: list[Procedure] = field(default_factory=list)


def home_data(user) -> HomeData:
    """What a signed-in official needs first: their agency's state and what waits for them."""
    admin = is_admin(user)
    agency_id = None if admin else user.agency_id
    data = HomeData(agency=session.get(Agency, user.agency_id) if user.agency_id else None)
    if agency_id is None and not admin:
        return data

    def scoped(stmt):
        return stmt.where(Procedure.agency_id == agency_id) if agency_id is not None else stmt

    counts = dict(session.execute(scoped(select(Procedure.status, func.count()).group_by(Procedure.status))).all())
    data.procedure_count = counts.get("active", 0)
    data.retired_count = counts.get("retired", 0)
    data.open_alerts = session.scalar(
        scoped(select(func.coalesce(func.sum(Procedure.open_alerts), 0)).where(Procedure.status == "active"))
    ) or 0
    data.stale_procedures = list(session.scalars(
        scoped(select(Procedure).where(Procedure.open_alerts > 0, Procedure.status == "active"))
        .options(selectinload(Procedure.agency))
        .order_by(Procedure.open_alerts.desc(), Procedure.code).limit(10)
    ))
    data.recent_procedures = list(session.scalars(
        scoped(select(Procedure))
        .options(selectinload(Procedure.agency),
                 selectinload(Procedure.current_version).options(*_light_version_options()))
        .order_by(Procedure.updated_at.desc(), Procedure.id.desc()).limit(10)
    ))
    data.reviews, data.reviews_total = reviews_due(agency_id)

    drafts = (
        select(ProcedureVersion)
        .join(Procedure, ProcedureVersion.procedure_id == Procedure.id)
        .where(ProcedureVersion.state == "pending")
        .options(*_light_version_options(), selectinload(ProcedureVersion.procedure).selectinload(Procedure.agency),
                 selectinload(ProcedureVersion.uploaded_by))
        .order_by(ProcedureVersion.uploaded_at)
    )
    if admin or user.role == "approver":
        data.drafts_to_approve = list(session.scalars(scoped(drafts).limit(20)))
    if user.role in ("editor", "approver"):
        mine = (
            select(ProcedureVersion)
            .where(ProcedureVersion.uploaded_by_id == user.id, ProcedureVersion.state.in_(("pending", "returned")))
            .options(*_light_version_options(), selectinload(ProcedureVersion.procedure),
                     selectinload(ProcedureVersion.decided_by))
            .order_by(ProcedureVersion.uploaded_at.desc())
            .limit(10)
        )
        data.my_drafts = list(session.scalars(mine))

    events = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(12)
    if agency_id is not None:
        events = events.where(AuditEvent.agency_id == agency_id)
    data.recent_events = list(session.scalars(events))
    return data


def procedures_by_id(ids) -> dict[int, Procedure]:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Procedure).where(Procedure.id.in_(ids)))}


# Agency tree ----------------------------------------------------------------------

@dataclass
class AgencyNode:
    agency: Agency
    active: int = 0
    retired: int = 0
    stale: int = 0
    children: list[AgencyNode] = field(default_factory=list)

    @property
    def subtree_active(self) -> int:
        return self.active + sum(child.subtree_active for child in self.children)

    @property
    def subtree_stale(self) -> int:
        return self.stale + sum(child.subtree_stale for child in self.children)


def agency_tree(*, include_inactive: bool = False) -> list[AgencyNode]:
    """Province → district → commune, each with its procedure counts; two queries in all."""
    stmt = select(Agency).order_by(Agency.code)
    if not include_inactive:
        stmt = stmt.where(Agency.active.is_(True))
    agencies = list(session.scalars(stmt))
    nodes = {agency.id: AgencyNode(agency) for agency in agencies}
    counts = session.execute(
        select(Procedure.agency_id, Procedure.status,
               func.count(), func.sum(case((Procedure.open_alerts > 0, 1), else_=0)))
        .group_by(Procedure.agency_id, Procedure.status)
    )
    for agency_id, status, count, stale in counts:
        node = nodes.get(agency_id)
        if node is None:
            continue
        if status == "active":
            node.active += count
            node.stale += int(stale or 0)
        else:
            node.retired += count
    level_order = {"province": 0, "district": 1, "commune": 2}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.agency.parent_id)
        (parent.children if parent else roots).append(node)
    for node in nodes.values():
        node.children.sort(key=lambda child: (level_order.get(child.agency.level, 9), child.agency.name))
    roots.sort(key=lambda node: (level_order.get(node.agency.level, 9), node.agency.name))
    return roots


def writable_agencies(user) -> list[Agency]:
    """Agencies in which the user may create procedures."""
    stmt = select(Agency).where(Agency.active.is_(True)).order_by(Agency.level, Agency.code)
    if not is_admin(user):
        if user.role not in ("editor", "approver") or user.agency_id is None:
            return []
        stmt = stmt.where(Agency.id == user.agency_id)
    return list(session.scalars(stmt))


def latest_number(procedure: Procedure) -> int:
    return session.scalar(
        select(func.coalesce(func.max(ProcedureVersion.number), 0)).where(ProcedureVersion.procedure_id == procedure.id)
    ) or 0



def former_places(procedure: Procedure) -> list:
    """Where the procedure was before reorganizations moved it (old agency and code), oldest first."""
    return list(session.scalars(select(ProcedureTransfer).join(AgencyChange)
                                .where(ProcedureTransfer.procedure_id == procedure.id,
                                       ProcedureTransfer.outcome == "moved")
                                .order_by(AgencyChange.effective_on, ProcedureTransfer.id)))
