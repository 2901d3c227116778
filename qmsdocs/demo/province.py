"""The province-size demo: every one of the 168 agencies with the procedures of the TTHC it handles.

Some 2,000 procedures with 5,000 versions would take ten minutes through the upload pipeline
one file at a time (python-docx, the alert rules and a durable write per file). Here the files
are written as plain XML (`quickdocx`) together with the text the reader would read from them
(the tests read a sample back and compare), their citations found by the real extractor, the
files put in the blob store and the rows inserted in one flush; the alert rules then run once over
the whole province and the search index is rebuilt once. What is stored is what an upload of
the same file would store. Random choices are seeded: every load gives the same province.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from qmsdocs.agencies.models import Agency
from qmsdocs.audit.services import record
from qmsdocs.auth.models import User
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.clock import local_today
from qmsdocs.db import session
from qmsdocs.demo import province_data as data
from qmsdocs.demo.quickdocx import QuickDocument, render, text_of
from qmsdocs.docx.citations import extract_citations
from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion
from qmsdocs.storage import LocalBlobStore, blob_store, sha256_hex

SEED = 2019
# Real national codes for TTHC the core demo's catalog already holds, by name.
REAL_CODES = {
    "Đăng ký khai sinh": "1.001193", "Đăng ký kết hôn": "1.000894", "Đăng ký khai tử": "1.000656",
    "Chứng thực bản sao từ bản chính giấy tờ, văn bản": "2.000815",
    "Đăng ký thành lập hộ kinh doanh": "1.001612", "Cấp giấy phép xây dựng nhà ở riêng lẻ": "2.001009",
}
PUBLISHED = "Quyết định công bố danh mục TTHC của Chủ tịch UBND tỉnh (minh họa)"
# The 2024 land reform and the one-stop-shop amendment, the two changes most revisions follow.
NEW_LAWS_FROM = date(2024, 8, 1)
ONE_STOP_AMENDED = date(2021, 12, 6)
# The agency whose editor's uploads wait for an approver, and how many drafts wait.
APPROVAL_AGENCY = "STNMT"
DRAFTS = 3


@dataclass
class Tthc:
    code: str
    name: str
    field: str
    subject: str
    level: str
    handled_by: str  # an agency kind or an agency code, as the catalog writes it


@dataclass
class Planned:
    agency: Agency
    code: str
    title: str
    field: str
    subject: str | None
    tthc: str | None


def build_catalog() -> list[Tthc]:
    """Several hundred TTHC: those of communes, districts and each department."""
    items: list[Tthc] = []
    serial = iter(range(900001, 999999))

    def add(name, field, subject, level, handled_by):
        code = REAL_CODES.get(name) or f"1.{next(serial):06d}"
        items.append(Tthc(code, name, field, subject, level, handled_by))

    for name, field, subject in data.COMMUNE:
        add(name, field, subject, "commune", "commune_committee")
    for name, field, subject in data.DISTRICT:
        add(name, field, subject, "district", "district_committee")
    for department, (field, subject, objects) in data.DEPARTMENT_LICENCES.items():
        for thing in objects:
            for verb in data.LICENCE_VERBS:
                add(f"{verb} {thing}", field, subject, "province", department)
    for department, name, field, subject in data.DEPARTMENT_OTHER:
        add(name, field, subject, "province", department)
    return items


def load_catalog(items: list[Tthc]) -> None:
    from qmsdocs.catalog.records import Record, parse_agencies, parse_legal_bases, parse_levels
    from qmsdocs.catalog.services import apply_record

    existing = {code for code in REAL_CODES.values()}
    for item in items:
        if item.code in existing:
            continue
        kinds, agency_codes, text = parse_agencies(item.handled_by)
        legal_bases, _ = parse_legal_bases(data.SUBJECTS[item.subject][2])
        apply_record(Record(code=item.code, name=item.name, field=item.field, levels=parse_levels(item.level),
                            agency_kinds=kinds, implementing_agency=text, agency_codes=agency_codes,
                            legal_bases=legal_bases, publishing_decision=PUBLISHED),
                     source="demo", actor=SYSTEM, known={}, to_reindex=set())


def plan(agencies: list[Agency], items: list[Tthc], rng: random.Random, taken: dict[int, set[str]]) -> list[Planned]:
    """Which procedures each agency keeps: most, not all, of the TTHC it handles, and its internal ones."""
    by_handler: dict[str, list[Tthc]] = {}
    for item in items:
        by_handler.setdefault(item.handled_by, []).append(item)
    parent_code = {a.id: a.parent.code if a.parent else None for a in agencies}
    planned: list[Planned] = []
    for agency in agencies:
        if agency.kind == "commune_committee":
            pool = by_handler["commune_committee"]
            chosen = rng.sample(pool, rng.randint(13, 19))
        elif agency.kind == "district_committee":
            pool = by_handler["district_committee"]
            chosen = rng.sample(pool, rng.randint(22, 28))
        elif agency.kind == "department" or agency.code in by_handler:
            pool = by_handler.get(agency.code, [])
            chosen = [item for item in pool if rng.random() < 0.85]
        elif agency.kind in ("sub_department", "public_unit"):
            pool = by_handler.get(parent_code[agency.id] or "", [])
            chosen = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
        else:
            chosen = []
        seen_codes = taken.get(agency.id, set())
        number = 0
        for item in chosen:
            if item.code in seen_codes:
                continue
            number += 1
            planned.append(Planned(agency, f"QT-{number:02d}", f"Quy trình {item.name[0].lower()}{item.name[1:]}",
                                   item.field, item.subject, item.code))
        for index, (title, field) in enumerate(data.INTERNAL[:data.INTERNAL_PER_KIND.get(agency.kind, 2)], 1):
            planned.append(Planned(agency, f"QT-NB-{index:02d}", title, field, None, None))
    return planned


def _issue_dates(rng: random.Random, today: date) -> list[date]:
    """First issue in the 2019 rollout, the latest within the last year or so, revisions between."""
    count = rng.choices((1, 2, 3, 4), weights=(15, 35, 35, 15))[0]
    # About one in ten is overdue for its yearly review.
    last = today - timedelta(days=rng.randint(380, 700) if rng.random() < 0.1 else rng.randint(20, 340))
    if count == 1:
        return [last]  # a procedure written lately, for a TTHC the province took on
    first = date(2019, 3, 1) + timedelta(days=rng.randint(0, 280))
    span = (last - first).days
    middle = sorted(first + timedelta(days=rng.randint(1, span - 1)) for _ in range(count - 2))
    return [first, *middle, last]


def _legal_refs(subject: str | None, issued: date, keeps_old_laws: bool) -> list[str]:
    refs: list[str] = []
    if subject:
        old, new, _ = data.SUBJECTS[subject]
        refs += new if issued >= NEW_LAWS_FROM and not keeps_old_laws else old
    refs.append(data.DECREE_61)
    if issued >= ONE_STOP_AMENDED:
        refs += [data.DECREE_107, data.CIRCULAR_01]
    return refs


def _document(item: Planned, number: int, issued: date, refs: list[str]) -> QuickDocument:
    days = data.STEP_DAYS[min(number - 1, len(data.STEP_DAYS) - 1)]
    steps = [(step, task, who, days[i]) for i, (step, task, who) in enumerate(data.STEPS)]
    if number >= 3:
        steps.insert(1, ("B1a", "Tiếp nhận hồ sơ trực tuyến trên Cổng dịch vụ công", "Bộ phận TN&TKQ", "0,5 ngày"))
    notes = [f"Ghi chú {i}: công chức hướng dẫn tổ chức, cá nhân hoàn thiện hồ sơ một lần và cập nhật tình trạng "
             "giải quyết trên hệ thống một cửa điện tử." for i in range(1, number + 1)]
    forms = ["BM-01: Phiếu kiểm soát quá trình giải quyết hồ sơ."]
    if number >= 2:
        forms.append("BM-02: Sổ theo dõi hồ sơ.")
    what = item.title.removeprefix("Quy trình ")
    return QuickDocument(
        code=item.code, title=item.title, agency_name=item.agency.name, revision=f"{number:02d}",
        issued_on=issued.strftime("%d/%m/%Y"),
        purpose=f"Quy định trình tự, trách nhiệm và thời hạn thực hiện {what}, bảo đảm đúng quy định, công khai, "
                "minh bạch.",
        scope=f"Áp dụng đối với công chức của {item.agency.name} và tổ chức, cá nhân có liên quan.",
        legal_refs=refs, steps=steps, notes=notes, forms=forms)


def _uploaded_at(issued: date, rng: random.Random) -> datetime:
    # Uploaded a few working days after signing, in office hours (stored in UTC).
    return datetime.combine(issued + timedelta(days=rng.randint(1, 6)), time(rng.randint(1, 9), rng.randint(0, 59)))


def _store_all(blobs: list[bytes]) -> None:
    store = blob_store()
    if isinstance(store, LocalBlobStore):
        # Each file is written and synced on its own; the disk waits overlap in threads.
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(store.put, blobs))
    else:
        for blob in blobs:
            store.put(blob)


@functools.lru_cache(maxsize=None)
def _citations(refs: tuple[str, ...]) -> list:
    # Only the list of laws cites anything, and the same lists recur across the province.
    return extract_citations([f"- {ref}" for ref in refs])


def _make_version(item: Planned, number: int, issued: date, refs: list[str], rng: random.Random,
                  uploader: User | None, state: str = "approved") -> tuple[ProcedureVersion, bytes]:
    document = _document(item, number, issued, refs)
    blob = render(document)
    version = ProcedureVersion(
        number=number, sha256=sha256_hex(blob), size=len(blob),
        filename=f"{item.code.replace('/', '-')}_lan{number:02d}.docx",
        uploaded_by_id=uploader.id if uploader else None, uploaded_at=_uploaded_at(issued, rng),
        note=data.REVISION_NOTES[min(number - 1, len(data.REVISION_NOTES) - 1)],
        doc_code=item.code, doc_revision=document.revision, doc_issued_on=issued, text=text_of(document),
        state=state)
    version.citations = [
        Citation(symbol=c.symbol, key=c.key, location=c.location, context=c.context[:400],
                 articles=",".join(c.articles)[:255] or None) for c in _citations(tuple(refs))]
    return version, blob


def load_province(progress: Callable[[int], None] = lambda _n: None) -> int:
    """Fill every agency with procedures and versions; returns how many procedures were added.

    `progress` is told of each agency done.
    """
    rng = random.Random(SEED)
    today = local_today()
    items = build_catalog()
    load_catalog(items)
    agencies = list(session.scalars(select(Agency).where(Agency.parent_id.is_not(None)).order_by(Agency.id)))
    taken: dict[int, set[str]] = {}
    for procedure in session.scalars(select(Procedure)):
        taken.setdefault(procedure.agency_id, set()).update(procedure.admin_procedure_codes)
    users = {u.username: u for u in session.scalars(select(User))}
    admin, editor = users.get("admin"), users.get("bientap")
    approval_agency = next((a for a in agencies if a.code == APPROVAL_AGENCY), None)
    if approval_agency is not None:
        approval_agency.approval_required = True

    planned = plan(agencies, items, rng, taken)
    blobs: list[bytes] = []
    drafts_left = DRAFTS
    done_agency = None
    for item in planned:
        if item.agency is not done_agency:
            if done_agency is not None:
                progress(1)
            done_agency = item.agency
        procedure = Procedure(agency=item.agency, code=item.code, title=item.title, field=item.field)
        if item.tthc:
            procedure.admin_procedures = [ProcedureAdminProcedure(code=item.tthc)]
        uploader = editor if item.agency is approval_agency else admin
        keeps_old_laws = rng.random() < 0.15
        versions = []
        for number, issued in enumerate(_issue_dates(rng, today), 1):
            version, blob = _make_version(item, number, issued, _legal_refs(item.subject, issued, keeps_old_laws),
                                          rng, uploader)
            versions.append(version)
            blobs.append(blob)
        if item.agency is approval_agency and drafts_left and item.tthc:
            # The editor's revision waits for the approver; the approved one stays in force.
            drafts_left -= 1
            issued = today - timedelta(days=rng.randint(1, 10))
            draft, blob = _make_version(item, len(versions) + 1, issued, _legal_refs(item.subject, issued, False),
                                        rng, editor, state="pending")
            draft.uploaded_at = _uploaded_at(issued - timedelta(days=7), rng)
            blobs.append(blob)
        else:
            draft = None
        procedure.versions = versions + ([draft] if draft else [])
        procedure.current_version = versions[-1]
        procedure.created_at = versions[0].uploaded_at
        procedure.updated_at = procedure.versions[-1].uploaded_at
        session.add(procedure)
    progress(1)
    _store_all(blobs)
    session.flush()
    record(SYSTEM, "procedure.bulk_create", "procedure", None, count=len(planned), versions=len(blobs),
           source="demo")
    return len(planned)
