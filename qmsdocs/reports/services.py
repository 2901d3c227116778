"""Coverage of the TTHC catalog by ISO procedures, and the annual assessment with its summary.

Every figure of the provincial summary is computed from the assessment rows, and every share
is rounded so that the shares of one table add up to exactly 100 % (largest remainder), so
totals and percentages always agree wherever they are shown (page, API, .docx, .xlsx).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from qmsdocs.agencies.models import LEVEL_LABELS, LEVELS, Agency, AgencyChange, AgencyChangeParty
from qmsdocs.agencies.history import agency_as_of, changes_within, existing_on
from qmsdocs.agencies.service_name import service_name_on
from qmsdocs.agencies.kinds import KIND_ORDER, KINDS, NOT_ASSESSED_KINDS, UNIT_TYPES, kind_of
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import require_admin
from qmsdocs.catalog.models import AdminProcedure
from qmsdocs.db import session
from qmsdocs.errors import InvalidInput, NotFound
from qmsdocs.procedures.models import Procedure
from qmsdocs.reports.models import CLASSIFICATION_LABELS, CLASSIFICATIONS, Assessment
from qmsdocs.text import fold

CLASS_KEYS = ("good", "satisfactory", "unsatisfactory", "unassessed")
MIN_YEAR, MAX_YEAR = 2000, 2100


def shares(counts: dict[str, int], total: int, *, places: int = 1) -> dict[str, float]:
    """Percentages of `total`, rounded so that they add up to exactly 100 when the counts do.

    Largest-remainder rounding: the rounding units left over go to the largest remainders, so
    83/168 and 85/168 give 49.4 + 50.6 = 100.0 and three thirds give 33.4 + 33.3 + 33.3.
    """
    if total <= 0:
        return {key: 0.0 for key in counts}
    unit = 10 ** places
    exact = {key: Decimal(count) * 100 * unit / total for key, count in counts.items()}
    floored = {key: int(value) for key, value in exact.items()}
    if sum(counts.values()) == total:
        missing = 100 * unit - sum(floored.values())
        by_remainder = sorted(exact, key=lambda key: (exact[key] - floored[key], counts[key]), reverse=True)
        for key in by_remainder[:missing]:
            floored[key] += 1
    else:
        floored = {key: int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)) for key, value in exact.items()}
    return {key: value / unit for key, value in floored.items()}


def rate(part: int, total: int) -> float:
    if total <= 0:
        return 0.0
    return float((Decimal(part) * 100 / total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- coverage --------------------------------------------------------------------------------


def _applies(item: AdminProcedure, agency: Agency) -> bool:
    codes = item.agency_code_list
    if codes:
        return agency.code in codes
    if agency.level not in item.level_list:
        return False
    kinds = item.kind_list
    return not kinds or kind_of(agency) in kinds


@dataclass
class AgencyCoverage:
    agency: Agency
    applicable: list[AdminProcedure]
    covered: list[AdminProcedure]
    gaps: list[AdminProcedure]
    procedures: int
    without_tthc: list[tuple]  # (procedure, reason)

    @property
    def rate(self) -> float:
        return rate(len(self.covered), len(self.applicable))

    def as_dict(self, *, with_lists: bool = True) -> dict:
        body = {
            "agency": self.agency.code, "name": self.agency.name, "level": self.agency.level,
            "kind": self.agency.kind, "applicable": len(self.applicable), "covered": len(self.covered),
            "gaps": len(self.gaps), "coverage_rate": self.rate, "procedures": self.procedures,
            "procedures_without_tthc": len(self.without_tthc),
        }
        if with_lists:
            body["missing_admin_procedures"] = [{"code": i.code, "name": i.name, "field": i.field}
                                                for i in self.gaps]
            body["procedures_without_admin_procedure"] = [
                {"id": p.id, "code": p.code, "title": p.title, "reason": reason} for p, reason in self.without_tthc]
        return body


def coverage(agency_code: str | None = None) -> list[AgencyCoverage]:
    """Per agency: which TTHC applying to it have no current ISO procedure, and which procedures implement no TTHC."""
    if agency_code:
        agency = session.scalar(select(Agency).where(Agency.code == agency_code))
        if agency is None:
            raise NotFound(f"Không có cơ quan mã '{agency_code}'.", code="agency_not_found")
        agencies = [agency]
    else:
        agencies = [a for a in session.scalars(select(Agency).where(Agency.active.is_(True))
                                               .order_by(Agency.level, Agency.code))
                    if a.kind not in NOT_ASSESSED_KINDS]
    catalog = list(session.scalars(select(AdminProcedure).where(AdminProcedure.status == "active")
                                   .order_by(AdminProcedure.code)))
    active_codes = {item.code for item in catalog}
    all_codes = set(session.scalars(select(AdminProcedure.code)))
    procedures_stmt = (select(Procedure).where(Procedure.status == "active")
                       .options(selectinload(Procedure.admin_procedures)))
    if agency_code:
        procedures_stmt = procedures_stmt.where(Procedure.agency_id == agencies[0].id)
    by_agency: dict[int, list] = {}
    for procedure in session.scalars(procedures_stmt):
        by_agency.setdefault(procedure.agency_id, []).append(procedure)
    result = []
    for agency in agencies:
        procedures = sorted(by_agency.get(agency.id, []), key=lambda p: p.code)
        implemented = {link.code for p in procedures if p.current_version_id
                       for link in p.admin_procedures if link.confirmed}
        applicable = [item for item in catalog if _applies(item, agency)]
        covered = [item for item in applicable if item.code in implemented]
        gaps = [item for item in applicable if item.code not in implemented]
        without = []
        for procedure in procedures:
            confirmed = [link.code for link in procedure.admin_procedures if link.confirmed]
            if any(code in active_codes for code in confirmed):
                continue
            if not confirmed:
                suggested = [link.code for link in procedure.admin_procedures if not link.confirmed]
                reason = ("Chỉ có gợi ý chưa xác nhận: " + ", ".join(suggested)) if suggested \
                    else "Chưa liên kết TTHC nào"
            elif any(code in all_codes for code in confirmed):
                reason = "Chỉ liên kết TTHC đã bãi bỏ: " + ", ".join(c for c in confirmed if c in all_codes)
            else:
                reason = "Mã TTHC không có trong danh mục: " + ", ".join(confirmed)
            without.append((procedure, reason))
        result.append(AgencyCoverage(agency, applicable, covered, gaps, len(procedures), without))
    return result


def coverage_summary(agency_code: str | None = None, *, details: bool | None = None) -> dict:
    """Totals, one row per agency and one per TTHC; the lists of gaps come with one agency or on request.

    A province with thousands of TTHC has hundreds of thousands of agency × TTHC gaps: the
    province view gives counts, the CSV/XLSX exports and `?agency=` give the lists.
    """
    rows = coverage(agency_code)
    with_lists = bool(agency_code) if details is None else details
    applicable = sum(len(r.applicable) for r in rows)
    covered = sum(len(r.covered) for r in rows)
    body = {
        "scope": "agency" if agency_code else "province",
        "agency": agency_code,
        "totals": {
            "agencies": len(rows), "applicable": applicable, "covered": covered, "gaps": applicable - covered,
            "coverage_rate": rate(covered, applicable),
            "agencies_fully_covered": sum(1 for r in rows if r.applicable and not r.gaps),
            "procedures": sum(r.procedures for r in rows),
            "procedures_without_tthc": sum(len(r.without_tthc) for r in rows),
        },
        "agencies": [r.as_dict(with_lists=with_lists) for r in rows],
    }
    by_tthc: dict[str, dict] = {}
    for row in rows:
        for item in row.applicable:
            entry = by_tthc.setdefault(item.code, {"code": item.code, "name": item.name, "field": item.field,
                                                   "agencies": 0, "covered": 0})
            entry["agencies"] += 1
            entry["covered"] += item in row.covered
    for entry in by_tthc.values():
        entry["coverage_rate"] = rate(entry["covered"], entry["agencies"])
    body["admin_procedures"] = sorted(by_tthc.values(), key=lambda e: e["code"])
    return body


COVERAGE_COLUMNS = ("Mã cơ quan", "Cơ quan", "Cấp", "Loại", "Loại dòng", "Mã", "Tên", "Lĩnh vực / ghi chú")


def coverage_rows(agency_code: str | None = None) -> list[tuple]:
    """Flat rows for CSV and XLSX: one per missing TTHC and one per procedure implementing none."""
    rows = []
    for entry in coverage(agency_code):
        agency = entry.agency
        base = (agency.code, agency.name, LEVEL_LABELS.get(agency.level, agency.level), KINDS[kind_of(agency)])
        for item in entry.gaps:
            rows.append((*base, "TTHC chưa có quy trình ISO", item.code, item.name, item.field or ""))
        for procedure, reason in entry.without_tthc:
            rows.append((*base, "Quy trình chưa gắn TTHC", procedure.code, procedure.title, reason))
    return rows


# --- annual assessment -----------------------------------------------------------------------


def validate_year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        try:
            year = int(str(year).strip())
        except (TypeError, ValueError):
            raise InvalidInput("Năm đánh giá phải là số (ví dụ 2019).", code="invalid_year") from None
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"Năm đánh giá phải từ {MIN_YEAR} đến {MAX_YEAR}.", code="invalid_year")
    return year


CLASS_WORDS = {
    "good": ("good", "tot", "loai tot", "dat loai tot"),
    "satisfactory": ("satisfactory", "dat", "dat yeu cau", "loai dat yeu cau", "dat loai dat yeu cau"),
    "unsatisfactory": ("unsatisfactory", "khong dat", "khong dat yeu cau", "chua dat", "chua dat yeu cau"),
    None: ("", "unassessed", "chua danh gia", "chua xep loai"),
}


def parse_classification(value) -> str | None:
    folded = fold(str(value or ""))
    for key, words in CLASS_WORDS.items():
        if folded in words:
            return key
    raise InvalidInput(f"Xếp loại '{str(value)[:40]}' không hợp lệ. Dùng Tốt, Đạt yêu cầu hoặc Không đạt yêu cầu.",
                       code="invalid_classification")


def parse_flag(value, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    folded = fold(str(value or ""))
    if folded in ("x", "co", "1", "true", "yes", "da", "roi", "hoan thanh", "da hoan thanh"):
        return True
    if folded in ("", "0", "khong", "false", "no", "chua"):
        return False
    raise InvalidInput(f"Giá trị '{str(value)[:20]}' của cột '{name}' phải là Có/Không (x để đánh dấu).",
                       code="invalid_flag")


def record_assessment(agency: Agency, year, *, qms_built: bool, qms_applied: bool, classification: str | None,
                      notes: str = "", actor) -> tuple[Assessment, bool]:
    """Enter or correct one agency's result for a year; returns (row, whether anything changed).

    The agency is stored as it was at the end of that year, so the report of that year
    keeps its structure after later renames or mergers.
    """
    require_admin(actor)
    year = validate_year(year)
    if classification not in (*CLASSIFICATIONS, None):
        raise InvalidInput("Xếp loại phải là good, satisfactory, unsatisfactory hoặc để trống.",
                           code="invalid_classification")
    if agency.kind in NOT_ASSESSED_KINDS:
        raise InvalidInput(f"{agency.name} chỉ đạo việc áp dụng ISO, không thuộc diện được đánh giá, phân loại.",
                           code="not_assessed")
    if classification and not qms_applied:
        raise InvalidInput(f"{agency.name}: chỉ xếp loại được khi hệ thống đã được áp dụng.",
                           code="classification_without_application")
    if qms_applied and not qms_built:
        raise InvalidInput(f"{agency.name}: không thể áp dụng khi chưa xây dựng hệ thống.", code="applied_not_built")
    notes = (notes or "").strip()
    if len(notes) > 4000:
        raise InvalidInput("Ghi chú dài tối đa 4000 ký tự.", code="invalid_notes")
    snapshot = agency_as_of(agency, date(year, 12, 31))
    row = session.scalar(select(Assessment).where(Assessment.agency_id == agency.id, Assessment.year == year))
    values = {"qms_built": bool(qms_built), "qms_applied": bool(qms_applied), "classification": classification,
              "notes": notes}
    if row is None:
        row = Assessment(agency_id=agency.id, year=year, agency_code=agency.code, agency_name=snapshot.name,
                         agency_level=snapshot.level, agency_kind=snapshot.kind,
                         agency_unit_type=snapshot.unit_type, entered_by_id=getattr(actor, "id", None), **values)
        session.add(row)
        session.flush()
        record(actor, "assessment.create", "assessment", row.id, agency_id=agency.id, year=year, **values)
        return row, True
    changes = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changes:
        return row, False
    for key, value in changes.items():
        setattr(row, key, value)
    row.entered_by_id = getattr(actor, "id", None)
    session.flush()
    record(actor, "assessment.update", "assessment", row.id, agency_id=agency.id, year=year, **changes)
    return row, True


def _changed_after(agencies: list[Agency], on: date) -> set[int]:
    """Ids among `agencies` that took part in a reorganization after `on`: one query for the lot."""
    ids = [agency.id for agency in agencies]
    changed: set[int] = set()
    for start in range(0, len(ids), 500):
        changed.update(session.scalars(
            select(AgencyChangeParty.agency_id).join(AgencyChange)
            .where(AgencyChangeParty.agency_id.in_(ids[start:start + 500]), AgencyChange.effective_on > on)))
    return changed


def assessment_rows(year: int) -> list[dict]:
    """Every unit in scope for the year: assessed ones as entered, the others as 'unassessed'.

    In scope: every assessment row of the year, plus every agency that existed at the end of
    the year (and is not the provincial committee) without one.
    """
    year = validate_year(year)
    rows = []
    assessed = list(session.scalars(select(Assessment).where(Assessment.year == year)))
    seen = set()
    for row in assessed:
        seen.add(row.agency_id)
        rows.append({
            "agency": row.agency_code, "name": row.agency_name, "level": row.agency_level,
            "kind": kind_of(row.agency_kind), "unit_type": row.agency_unit_type, "qms_built": row.qms_built,
            "qms_applied": row.qms_applied, "classification": row.classification or "unassessed",
            "notes": row.notes,
        })
    year_end = date(year, 12, 31)
    unassessed = [agency for agency in existing_on(year_end) if agency.id not in seen]
    reorganized = _changed_after(unassessed, year_end)
    for agency in unassessed:
        # Only an agency reorganized after the year needs its history read back; the rest are as they are now.
        snapshot = agency_as_of(agency, year_end) if agency.id in reorganized else agency
        rows.append({
            "agency": agency.code, "name": snapshot.name, "level": snapshot.level, "kind": kind_of(snapshot.kind),
            "unit_type": snapshot.unit_type, "qms_built": False, "qms_applied": False,
            "classification": "unassessed", "notes": "",
        })
    level_order = {level: i for i, level in enumerate(LEVELS)}
    kind_order = {kind: i for i, kind in enumerate(KIND_ORDER)}
    rows.sort(key=lambda r: (level_order.get(r["level"], 9), kind_order.get(r["kind"], 99), r["name"]))
    return rows


def assessment_summary(year) -> dict:
    """The provincial summary for a year (the API's /reports/assessment answer)."""
    year = validate_year(year)
    rows = assessment_rows(year)
    total = len(rows)
    by_level = {level: sum(1 for r in rows if r["level"] == level) for level in LEVELS}
    by_class = {key: sum(1 for r in rows if r["classification"] == key) for key in CLASS_KEYS}
    by_kind = {kind: sum(1 for r in rows if r["kind"] == kind) for kind in KIND_ORDER}
    by_kind = {kind: count for kind, count in by_kind.items() if count}
    by_unit_type = Counter(r["unit_type"] for r in rows if r["unit_type"])
    built = sum(1 for r in rows if r["qms_built"])
    applied = sum(1 for r in rows if r["qms_applied"])
    levels = {}
    for level in LEVELS:
        members = [r for r in rows if r["level"] == level]
        counts = {key: sum(1 for r in members if r["classification"] == key) for key in CLASS_KEYS}
        level_built = sum(1 for r in members if r["qms_built"])
        level_applied = sum(1 for r in members if r["qms_applied"])
        levels[level] = {
            "label": LEVEL_LABELS[level], "total": len(members), "built": level_built, "applied": level_applied,
            "built_rate": rate(level_built, len(members)), "applied_rate": rate(level_applied, len(members)),
            "by_class": counts, "shares": shares(counts, len(members)),
            "by_kind": {kind: sum(1 for r in members if r["kind"] == kind) for kind in KIND_ORDER
                        if any(r["kind"] == kind for r in members)},
            "by_unit_type": {unit: sum(1 for r in members if r["unit_type"] == unit) for unit in UNIT_TYPES
                             if any(r["unit_type"] == unit for r in members)},
        }
    assessed = total - by_class["unassessed"]
    former = dict(session.execute(select(Agency.code, Agency.former_province)
                                  .where(Agency.former_province.is_not(None))).all())
    by_former_province = Counter(former[r["agency"]] for r in rows if r["agency"] in former)
    named = service_name_on(date(year, 12, 31))
    return {
        "year": year,
        "service_name": named.name if named else None,
        "by_former_province": dict(sorted(by_former_province.items())),
        # Reorganizations inside the year: the report counts the structure at its end, and lists these with dates.
        "reorganized": changes_within(date(year, 1, 1), date(year, 12, 31)),
        "total": total,
        "by_level": by_level,
        "by_class": by_class,
        "shares": shares(by_class, total),
        "assessed": assessed,
        "by_kind": by_kind,
        "by_unit_type": {unit: by_unit_type[unit] for unit in UNIT_TYPES if by_unit_type[unit]},
        "completion": {"built": built, "applied": applied, "built_rate": rate(built, total),
                       "applied_rate": rate(applied, total)},
        "levels": levels,
        "labels": {"classes": CLASSIFICATION_LABELS, "levels": LEVEL_LABELS, "kinds": KINDS,
                   "unit_types": UNIT_TYPES},
    }


def assessment_years() -> list[int]:
    return list(session.scalars(select(Assessment.year).distinct().order_by(Assessment.year.desc())))
