"""The alert rules as plain functions of facts, so the incremental path, the per-procedure
path and the full re-evaluation all decide the same way.

(a) legal_change: a document cited by the current version is amended, replaced, repealed or expires;
(b) not_in_force: the current version cites a document not yet in force or suspended;
(c) review_overdue: the periodic review (rà soát định kỳ) is overdue;
(d) admin_procedure: the TTHC the procedure implements was changed or abolished (raised by the catalog).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

from qmsdocs.legal.models import ALERTING_CHANGES, STATUS_LABELS
from qmsdocs.legal.parsing import article_label

# Alerts of these rules resolve by themselves once their condition no longer holds.
CONDITION_RULES = ("legal_change", "not_in_force", "review_overdue")
# Alerts of these rules resolve with any new current version or a recorded review.
REVIEW_RULES = ("review_overdue", "admin_procedure", "review_requested")
AMEND_LIKE = ("amended", "partially_expired")

CHANGE_PHRASES = {
    "amended": "được sửa đổi, bổ sung",
    "replaced": "bị thay thế",
    "repealed": "bị bãi bỏ",
    "expired": "hết hiệu lực toàn bộ",
    "partially_expired": "hết hiệu lực một phần",
}


@dataclass(frozen=True)
class DocumentFacts:
    id: int
    symbol: str
    status: str
    effective_on: date | None
    doc_type: str = ""

    @property
    def name(self) -> str:
        """"Nghị định 61/2018/NĐ-CP": the type when it says something, then the symbol."""
        return f"{self.doc_type} {self.symbol}" if self.doc_type and self.doc_type != "Văn bản" else self.symbol


@dataclass(frozen=True)
class ChangeFacts:
    id: int
    document_id: int
    kind: str
    by_document_id: int | None
    by_symbol: str | None
    effective_on: date
    # Articles the change touches ("5", "7.2"); empty: the document as a whole.
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """A reason to alert, identified by `cause` so it is never raised twice for one procedure."""

    rule: str
    cause: str
    message: str
    resolution_hint: str
    legal_document_id: int | None = None
    legal_change_id: int | None = None
    tthc_code: str | None = None
    effective_on: date | None = None
    upcoming: bool = False
    # Whether the procedure cites an article the change touches (None: the change names no articles).
    cites_touched_article: bool | None = None


def vn(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else "?"


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def change_cause(change_id: int) -> str:
    return f"change:{change_id}"


def change_resolution(change: ChangeFacts, cited: set[int], version_date: date | None, symbol: str) -> str | None:
    """Why a version that cites these documents does not (or no longer) need an alert for this change."""
    if change.document_id not in cited:
        return f"Phiên bản hiện hành không còn viện dẫn văn bản {symbol}."
    if change.by_document_id is not None and change.by_document_id in cited:
        return f"Phiên bản hiện hành đã viện dẫn văn bản {change.by_symbol}."
    if (change.kind in AMEND_LIKE and change.by_document_id is None and version_date is not None
            and version_date >= change.effective_on):
        return "Phiên bản hiện hành được ban hành sau khi văn bản thay đổi."
    return None


def articles_overlap(a: str, b: str) -> bool:
    """Article 7 contains clause 7.2; clauses 7.2 and 7.3 do not meet."""
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def touched_articles(change: ChangeFacts, cited_articles: frozenset[str] | None) -> tuple[bool | None, str]:
    """(whether the procedure cites a touched article, a sentence saying so) for a change naming articles."""
    if not change.articles:
        return None, ""
    named = ", ".join(article_label(a) for a in change.articles)
    if not cited_articles:
        return None, f" Thay đổi chạm tới {named}; quy trình viện dẫn cả văn bản, hãy kiểm tra các điều này."
    hit = sorted(a for a in cited_articles if any(articles_overlap(a, t) for t in change.articles))
    if hit:
        return True, (f" Thay đổi chạm tới {named}; quy trình viện dẫn "
                      f"{', '.join(article_label(a) for a in hit)} (ưu tiên cao).")
    cited = ", ".join(article_label(a) for a in sorted(cited_articles))
    return False, (f" Thay đổi chạm tới {named}; quy trình chỉ viện dẫn {cited}, không viện dẫn điều bị thay đổi "
                   "(ưu tiên thấp, vẫn nên kiểm tra).")


def change_finding(change: ChangeFacts, document: DocumentFacts, cited: dict[int, frozenset[str]],
                   version_date: date | None, today: date) -> Finding | None:
    """Rule (a)."""
    if change.kind not in ALERTING_CHANGES:
        return None
    if change_resolution(change, cited, version_date, document.symbol) is not None:
        return None
    upcoming = change.effective_on > today
    phrase = ("sẽ " if upcoming else "đã ") + CHANGE_PHRASES[change.kind]
    by = f" bởi {change.by_symbol}" if change.by_symbol and change.kind in ("amended", "replaced", "repealed") else ""
    source = f" (theo {change.by_symbol})" if change.by_symbol and not by else ""
    when = f"từ ngày {vn(change.effective_on)}" if upcoming else f"có hiệu lực từ ngày {vn(change.effective_on)}"
    touched, article_note = touched_articles(change, cited.get(document.id))
    message = f"Văn bản {document.symbol} mà quy trình viện dẫn {phrase}{by}{source}, {when}.{article_note}"
    if change.kind in AMEND_LIKE:
        hint = (f"Ban hành phiên bản mới viện dẫn văn bản {change.by_symbol}." if change.by_symbol else
                "Ban hành phiên bản mới cập nhật theo nội dung thay đổi.")
    else:
        hint = f"Ban hành phiên bản mới không còn viện dẫn {document.symbol}"
        hint += f" hoặc viện dẫn văn bản thay thế {change.by_symbol}." if change.by_symbol else "."
    hint += " Nếu quy trình vẫn đúng, người phê duyệt có thể bỏ qua cảnh báo kèm lý do."
    return Finding("legal_change", change_cause(change.id), message, hint, legal_document_id=document.id,
                   legal_change_id=change.id, effective_on=change.effective_on, upcoming=upcoming,
                   cites_touched_article=touched)


RELATION_PHRASES = {"detailed": "quy định chi tiết", "guided": "hướng dẫn"}


def lapse_cause(document_id: int, root_change_id: int) -> str:
    return f"lapse:{document_id}:{root_change_id}"


def lapse_finding(document: DocumentFacts, lapse, parent: DocumentFacts | None, root: DocumentFacts | None,
                  root_change: ChangeFacts | None, today: date) -> Finding | None:
    """Rule (a) for a document lapsing with the one it details or guides (Law 64/2025/QH15)."""
    if parent is None:
        return None
    upcoming = lapse.effective_on > today
    verb = "sẽ hết hiệu lực" if upcoming else "hết hiệu lực"
    message = (f"{document.name} {verb} cùng {parent.name} mà nó {RELATION_PHRASES.get(lapse.relation, 'quy định chi tiết')}"
               f" (từ ngày {vn(lapse.effective_on)}).")
    if root is not None and root_change is not None:
        by = f" bởi {root_change.by_symbol}" if root_change.by_symbol else ""
        message += f" Nguyên nhân: {root.name} {CHANGE_PHRASES.get(root_change.kind, '')}{by}."
    hint = (f"Ban hành phiên bản mới không còn viện dẫn {document.symbol} (viện dẫn văn bản thay thế). "
            "Nếu danh mục ghi văn bản này vẫn còn hiệu lực, cảnh báo tự giải quyết.")
    return Finding("legal_change", lapse_cause(document.id, lapse.root_change_id), message, hint,
                   legal_document_id=document.id, legal_change_id=lapse.root_change_id,
                   effective_on=lapse.effective_on, upcoming=upcoming)


def inactive_status(document: DocumentFacts, today: date) -> str | None:
    """not_yet_in_force or suspended when the document cannot be applied today, else None."""
    if document.status == "suspended":
        return "suspended"
    if document.status == "not_yet_in_force":
        return "not_yet_in_force"
    if document.status == "in_force" and document.effective_on is not None and document.effective_on > today:
        return "not_yet_in_force"
    return None


def not_in_force_cause(document_id: int, status: str) -> str:
    return f"not_in_force:{document_id}:{status}"


def not_in_force_finding(document: DocumentFacts, today: date) -> Finding | None:
    """Rule (b)."""
    status = inactive_status(document, today)
    if status is None:
        return None
    since = f" (có hiệu lực từ ngày {vn(document.effective_on)})" if status == "not_yet_in_force" and document.effective_on else ""
    message = f"Quy trình viện dẫn văn bản {document.symbol} đang ở tình trạng “{STATUS_LABELS[status]}”{since}."
    hint = (f"Tự giải quyết khi văn bản {document.symbol} có hiệu lực trở lại hoặc khi phiên bản mới "
            "không còn viện dẫn nó.")
    return Finding("not_in_force", not_in_force_cause(document.id, status), message, hint,
                   legal_document_id=document.id, effective_on=document.effective_on)


def review_due_date(basis: date, interval_months: int) -> date:
    return add_months(basis, interval_months)


def review_finding(basis: date, interval_months: int, today: date) -> Finding | None:
    """Rule (c): the last review (or the current version) is older than the review interval."""
    due = review_due_date(basis, interval_months)
    if due >= today:
        return None
    message = (f"Quá hạn rà soát định kỳ: phiên bản hiện hành hoặc lần rà soát gần nhất từ ngày {vn(basis)}, "
               f"chu kỳ {interval_months} tháng, đến hạn ngày {vn(due)}.")
    hint = "Ban hành phiên bản mới hoặc ghi nhận kết quả rà soát (quy trình vẫn phù hợp)."
    return Finding("review_overdue", f"review:{due.isoformat()}", message, hint, effective_on=due)


def admin_procedure_finding(code: str, change: str, effective_on: date, description: str, today: date) -> Finding:
    """Rule (d)."""
    upcoming = effective_on > today
    verb = {"changed": "được sửa đổi", "abolished": "bị bãi bỏ"}[change]
    when = f"{'từ' if upcoming else 'có hiệu lực từ'} ngày {vn(effective_on)}"
    message = f"Thủ tục hành chính {code} mà quy trình thực hiện {'sẽ ' if upcoming else 'đã '}{verb} ({when})."
    if description:
        message += f" {description}"
    hint = ("Ban hành phiên bản mới phù hợp với thủ tục đã sửa đổi, hoặc ghi nhận rà soát."
            if change == "changed" else
            "Bãi bỏ quy trình hoặc ban hành phiên bản mới phù hợp; hoặc ghi nhận rà soát.")
    return Finding("admin_procedure", f"tthc:{code}:{change}:{effective_on.isoformat()}", message, hint,
                   tthc_code=code, effective_on=effective_on, upcoming=upcoming)


def version_reference_date(number: int, doc_issued_on: date | None, uploaded_on: date,
                           decided_on: date | None) -> date:
    """Since when the current version stands: the header's issue date for a procedure's first version
    (so imported procedures keep their real age), the day it replaced an earlier version otherwise."""
    if number == 1:
        if doc_issued_on is not None and doc_issued_on <= uploaded_on:
            return doc_issued_on
        return uploaded_on
    return decided_on or uploaded_on
