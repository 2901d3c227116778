"""Revisions that advance: what an upload says about itself compared with the versions before it.

Never blocking (an agency may legitimately reissue), but always said before storing (the upload
confirmation page), in the answer (`warnings` and `warning_details` with stable codes) and in the
audit trail with the person who went on.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from qmsdocs.procedures.models import Procedure

# Stable codes, for API clients.
REVISION_NOT_ADVANCED = "revision_not_advanced"
ISSUE_DATE_NOT_ADVANCED = "issue_date_not_advanced"
CODE_MISMATCH = "code_mismatch"
SAME_AS_EARLIER_VERSION = "same_as_earlier_version"
NOTE_MISSING = "note_missing"
PENDING_APPROVAL = "pending_approval"
# Approved, but in force only from its effective date (ngày hiệu lực).
EFFECTIVE_LATER = "effective_later"
# Not a problem, a notice: a legacy .doc was read through its conversion to .docx.
CONVERTED_FROM_DOC = "converted_from_doc"
# The ISO header block (Mã hiệu / Lần ban hành / Ngày ban hành) could not be read (confirmation step).
METADATA_MISSING = "metadata_missing"


@dataclass(frozen=True)
class UploadWarning:
    code: str
    message: str
    version: int | None = None

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.version is not None:
            body["version"] = self.version
        return body


def revision_number(text: str | None) -> int | None:
    """Lần ban hành as a number: "03", "3", "Lần 3", "03/2024" → 3; None when there is none."""
    match = re.search(r"\d+", text or "")
    return int(match.group()) if match else None


def code_key(code: str) -> str:
    return re.sub(r"[\s._\-/]+", "", unicodedata.normalize("NFC", code)).upper()


def code_mismatch(procedure: Procedure, doc_code: str | None) -> list[UploadWarning]:
    if doc_code and code_key(doc_code) != code_key(procedure.code):
        return [UploadWarning(CODE_MISMATCH, f"Mã hiệu trong tài liệu ({doc_code}) khác mã quy trình "
                                             f"({procedure.code}). Hãy kiểm tra bạn đã chọn đúng quy trình.")]
    return []


def compare_with_earlier(procedure: Procedure, *, code: str | None, revision: str | None, issued_on: date | None,
                         sha256: str, exclude_version_id: int | None = None) -> list[UploadWarning]:
    """Warnings from comparing an upload's header and bytes with the current and every earlier version."""
    warnings = code_mismatch(procedure, code)
    current = procedure.current_version
    if current is not None and current.id != exclude_version_id:
        new, old = revision_number(revision), revision_number(current.doc_revision)
        if new is not None and old is not None and new <= old:
            warnings.append(UploadWarning(
                REVISION_NOT_ADVANCED,
                f"Lần ban hành của tệp ({revision}) không lớn hơn lần ban hành của phiên bản hiện hành "
                f"{current.number} ({current.doc_revision}). Hãy kiểm tra bạn không tải lên bản cũ.",
                current.number))
        if issued_on is not None and current.doc_issued_on is not None and issued_on <= current.doc_issued_on:
            warnings.append(UploadWarning(
                ISSUE_DATE_NOT_ADVANCED,
                f"Ngày ban hành của tệp ({issued_on:%d/%m/%Y}) không sau ngày ban hành của phiên bản hiện hành "
                f"{current.number} ({current.doc_issued_on:%d/%m/%Y}).", current.number))
    versions = sorted((v for v in procedure.versions if v.id != exclude_version_id), key=lambda v: v.number)
    latest = versions[-1] if versions else None
    for version in versions:
        if version is not latest and version.sha256 == sha256:
            warnings.append(UploadWarning(SAME_AS_EARLIER_VERSION,
                                          f"Tệp này trùng với phiên bản {version.number} (từng được tải lên trước "
                                          "đây); hãy kiểm tra bạn không tải lên nhầm bản cũ.", version.number))
            break
    return warnings


def note_missing(note: str) -> list[UploadWarning]:
    if (note or "").strip():
        return []
    return [UploadWarning(NOTE_MISSING, "Chưa ghi nội dung thay đổi (ghi chú phiên bản); người đọc sẽ không biết "
                                        "phiên bản này khác gì bản trước.")]
