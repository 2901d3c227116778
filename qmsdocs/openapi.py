"""The OpenAPI 3.1 description of /api/v1, written by hand from the `api.py` of each area.

Served at /api/v1/openapi.json (no token needed to read it) and rendered as a reference page
at /api/reference by the app itself. Answers are described with their known fields and allow
more (`additionalProperties` is left open), so adding a field never breaks a client; every
error answer, whatever its status, is `{"error": {"code", "message", "details"?}}`.
tests/test_openapi.py checks that the description is valid, that it names exactly the routes
the app serves, and lets Schemathesis call every operation against a live server.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
from functools import cache

from flask import Blueprint, Flask, jsonify, render_template
from markupsafe import Markup, escape

API_VERSION = "1"
LEVELS = ["province", "district", "commune"]

# --- small builders ----------------------------------------------------------------------------

STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
DATE = {"type": "string", "format": "date"}
MOMENT = {"type": "string", "format": "date-time"}
ANY_OBJECT = {"type": "object"}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def maybe(schema: dict) -> dict:
    """The schema or null (OpenAPI 3.1 writes nullability as a JSON Schema type list)."""
    if "$ref" in schema:
        return {"oneOf": [schema, {"type": "null"}]}
    return {**schema, "type": [schema["type"], "null"]}


def array(items: dict) -> dict:
    return {"type": "array", "items": items}


def obj(required: tuple | list = (), description: str | None = None, **properties) -> dict:
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = list(required)
    if description:
        schema["description"] = description
    return schema


def every(*names, **extra) -> dict:
    """An object whose listed fields are all present (answers always carry every field)."""
    return obj(required=[n for n in extra if n in names], **extra)


def extend(base: str, **properties) -> dict:
    return {"allOf": [ref(base), obj(required=list(properties), **properties)]}


def query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def in_path(name: str, schema: dict, description: str, example) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description,
            "example": example}


PROCEDURE_ID = in_path("procedure_id", {"type": "integer", "minimum": 0}, "Số định danh quy trình (id).", 1)
VERSION_NUMBER = in_path("number", {"type": "integer", "minimum": 0}, "Số thứ tự phiên bản (1, 2, …).", 1)
AGENCY_CODE = in_path("code", STR, "Mã cơ quan (ví dụ STP).", "STP")
LIMIT = query("limit", {"type": "integer", "minimum": 1, "maximum": 10000}, "Số dòng tối đa.")
OFFSET = query("offset", {"type": "integer", "minimum": 0}, "Bỏ qua bấy nhiêu dòng đầu.")
YEAR = query("year", {"type": "integer", "minimum": 2000, "maximum": 2100},
             "Năm đánh giá (mặc định năm nay).")
AGENCY_FILTER = query("agency", STR, "Mã cơ quan để lọc.")


def json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def multipart(required: list[str], **fields) -> dict:
    return {"required": True, "content": {"multipart/form-data": {"schema": obj(required, **fields)}}}


FILE = {"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}


def answer(description: str, schema: dict | None = None, media: str = "application/json") -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {media: {"schema": schema}}
    return body


def file_answer(description: str, media: str) -> dict:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}},
            "headers": {"Content-Disposition": {"schema": STR, "description": "attachment; filename=…"}}}


ERRORS = {
    "400": "Dữ liệu gửi lên không hợp lệ (thiếu trường, sai kiểu, sai định dạng).",
    "401": "Thiếu hoặc sai mã API (tiêu đề Authorization: Bearer <mã>).",
    "403": "Người dùng không có quyền làm việc này.",
    "404": "Không có đối tượng được yêu cầu.",
    "409": "Xung đột với dữ liệu đã có (mã trùng, phiên bản cũ, thay đổi đồng thời).",
    "413": "Tệp gửi lên vượt giới hạn dung lượng.",
    "422": "Tệp gửi lên bị từ chối (không phải .docx an toàn).",
}


def operation(operation_id: str, tag: str, summary: str, ok: dict, *, status: str = "200", params=(),
              body: dict | None = None, errors=("400", "401", "403", "404"), description: str | None = None,
              public: bool = False) -> dict:
    """One operation; every answer other than the listed ones is the error shape too (`default`)."""
    responses = {status: ok}
    for code in errors:
        responses[code] = {"$ref": f"#/components/responses/E{code}"}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    result = {"operationId": operation_id, "tags": [tag], "summary": summary, "responses": responses}
    if description:
        result["description"] = description
    if params:
        result["parameters"] = list(params)
    if body is not None:
        result["requestBody"] = body
    if public:
        result["security"] = []
    return result


# --- schemas -----------------------------------------------------------------------------------

NEW_AGENCY = obj(["code", "name", "level"], code=STR, name=STR, level={"type": "string", "enum": LEVELS},
                 kind=STR, unit_type=STR, parent=STR, description="Một cơ quan mới lập khi sắp xếp lại.")
REORGANIZATION_COMMON = {"effective_on": {**DATE, "description": "Ngày hiệu lực YYYY-MM-DD."},
                         "decision": STR, "note": STR}
TEXT_OR_LIST = {"oneOf": [STR, array(STR)], "description": "Chuỗi ngăn cách bởi dấu phẩy hoặc mảng chuỗi."}

SCHEMAS = {
    "Error": obj(["error"], error=obj(
        ["code", "message"], code={**STR, "description": "Mã lỗi ổn định cho máy đọc (ví dụ stale_base_version)."},
        message={**STR, "description": "Lời giải thích tiếng Việt: sai ở đâu và cần làm gì."},
        details=ANY_OBJECT)),
    "Agency": every("id", "code", "name", "level", "kind", "parent", "active", "approval_required",
                    "review_interval_months",
                    id=INT, code=STR, name=STR, level=STR, kind=maybe(STR), parent=maybe(STR), active=BOOL,
                    approval_required=BOOL, review_interval_months=INT, province=maybe(STR),
                    former_province=maybe(STR), unit_code=maybe({**STR, "description": "Mã đơn vị hành chính."}),
                    four_eyes_approval={**BOOL, "description": "Phê duyệt hai người: người tải lên không tự duyệt."}),
    "Citation": every("symbol", "key", "location", "context", symbol=STR, key=STR, location=maybe(STR),
                      context=maybe(STR)),
    "Version": every(
        "version", "sha256", "size", "filename", "uploaded_at", "uploaded_by", "note", "state", "status",
        "status_label", "metadata",
        version=INT, sha256=STR, size=INT, filename=STR, uploaded_at=MOMENT, uploaded_by=maybe(STR),
        note=maybe(STR), state={**STR, "description": "approved, pending (chờ duyệt) hoặc returned (bị trả lại)."},
        status={**STR, "enum": ["current", "superseded", "retired", "pending", "returned", "scheduled"],
                "description": "Mã ổn định: current (hiện hành), superseded (đã bị thay thế), retired (quy trình "
                               "đã bãi bỏ), pending (chờ duyệt), returned (bị trả lại), scheduled (đã duyệt, sẽ "
                               "có hiệu lực từ effective_on)."},
        effective_on={**maybe(DATE), "description": "Ngày hiệu lực đã chọn; null: có hiệu lực ngay khi được duyệt."},
        in_force_from={**maybe(DATE), "description": "Ngày phiên bản thực sự trở thành bản hiện hành."},
        status_label={**STR, "description": "Tên tiếng Việt của status, để hiển thị."},
        metadata=every("code", "revision", "issued_on", code=maybe(STR), revision=maybe(STR),
                                   issued_on=maybe(DATE))),
    "ProcedureSummary": every(
        "id", "agency", "code", "title", "field", "admin_procedures", "status", "review_interval_months",
        "current_version",
        id=INT, agency=STR, code=STR, title=STR, field=maybe(STR), admin_procedures=array(STR),
        status={**STR, "description": "active hoặc retired."}, review_interval_months=maybe(INT),
        current_version=maybe(INT)),
    "Procedure": extend("ProcedureSummary", retired_reason=maybe(STR), versions=array(ref("Version")),
                        citations=array(ref("Citation"))),
    "UploadedVersion": extend("Version", procedure_id=INT, current_version=maybe(INT),
                              citations=array(ref("Citation")), warnings=array({})),
    "VersionDetail": extend("Version", citations=array(ref("Citation")), text=maybe(STR)),
    "Diff": every("procedure_id", "from", "to", "changes", "summary", procedure_id=INT, **{"from": INT, "to": INT},
                  changes=array(ANY_OBJECT), summary=ANY_OBJECT),
    "Alert": every(
        "id", "procedure_id", "procedure_code", "procedure_title", "agency", "rule", "rule_label", "legal_symbol",
        "status", "status_label", "upcoming", "opened_at", "message",
        id=INT, procedure_id=INT, procedure_code=STR, procedure_title=STR, agency=STR, rule=STR, rule_label=STR,
        legal_symbol=maybe(STR), legal_document_id=maybe(INT), change=maybe(STR), change_by=maybe(STR),
        tthc_code=maybe(STR), status=STR, status_label=STR, upcoming=BOOL, effective_on=maybe(DATE),
        opened_at=maybe(MOMENT), message=maybe(STR), resolution_hint=maybe(STR), acknowledged_at=maybe(MOMENT),
        acknowledged_by=maybe(STR), resolved_at=maybe(MOMENT), resolution=maybe(STR), dismissed_at=maybe(MOMENT),
        dismissed_by=maybe(STR), dismissal_reason=maybe(STR)),
    "Review": every("id", "procedure_id", "reviewed_on", "note", "reviewed_by", id=INT, procedure_id=INT,
                    reviewed_on=maybe(DATE), note=maybe(STR), reviewed_by=maybe(STR)),
    "AdminProcedure": every(
        "code", "name", "status", code=STR, name=STR, field=maybe(STR), levels=array(STR), agency_kinds=array(STR),
        implementing_agency=maybe(STR), agency_codes=array(STR),
        legal_bases=array(every("symbol", "key", symbol=STR, key=maybe(STR))), publishing_decision=maybe(STR),
        status=STR, abolished_on=maybe(DATE)),
    "AdminProcedureDetail": extend("AdminProcedure", changes=array(ANY_OBJECT), procedures=array(every(
        "id", "agency", "code", "title", "confirmed", "status", id=INT, agency=STR, code=STR, title=STR,
        confirmed=BOOL, status=STR))),
    "CatalogImportReport": every(
        "rows", "created", "unchanged", "refused",
        source=maybe(STR), rows=INT, created=INT, changed=INT, updated=INT, abolished=INT, restored=INT,
        unchanged=INT, refused=array(every("row", "reason", row=maybe(INT), code=maybe(STR), reason=STR)),
        warnings=array(STR)),
    "AgencyChange": every(
        "id", "action", "effective_on", "parties", "procedures",
        id=INT, action=STR, action_label=STR, effective_on=DATE, decision=maybe(STR), note=maybe(STR),
        parties=array(obj(["agency", "role"], agency=STR, role=STR, name_before=maybe(STR), name_after=maybe(STR),
                          level_before=maybe(STR), level_after=maybe(STR), kind_before=maybe(STR),
                          kind_after=maybe(STR))),
        procedures=array(obj(["id"], id=INT, **{"from": STR, "to": maybe(STR)}, code_before=maybe(STR),
                             code_after=maybe(STR), outcome=maybe(STR)))),
    "LegalDocument": every(
        "id", "symbol", "key", "type", "title", "status", "status_label", "aliases",
        id=INT, symbol=STR, key=STR, type=maybe(STR), title=maybe(STR), issuer=maybe(STR), issued_on=maybe(DATE),
        effective_on=maybe(DATE), status=STR, status_label=STR, aliases=array(STR)),
    "LegalChange": every("id", "symbol", "change", "change_label", "by", "effective_on",
                         id=INT, symbol=STR, change=STR, change_label=STR, by=maybe(STR), effective_on=maybe(DATE),
                         note=maybe(STR)),
    "LegalDocumentDetail": extend(
        "LegalDocument", note=maybe(STR), changes=array(ref("LegalChange")),
        cited_by=array(every("id", "code", "agency", id=INT, code=STR, agency=STR))),
    "LegalImportReport": every(
        "documents_created", "refused", documents_created=INT, documents_updated=INT, documents_unchanged=INT,
        changes_created=INT, changes_unchanged=INT, alerts_opened=INT, registered=array(STR),
        refused=array(every("row", "reason", row={"type": ["integer", "string"]}, reason=STR))),
    "AssessmentSummary": every(
        "year", "total", "by_level", "by_class", "shares", "completion", "levels",
        year=INT, total=INT, by_level=ANY_OBJECT, by_class=every(
            "good", "satisfactory", "unsatisfactory", "unassessed", good=INT, satisfactory=INT,
            unsatisfactory=INT, unassessed=INT),
        shares=ANY_OBJECT, assessed=INT, by_kind=ANY_OBJECT, by_unit_type=ANY_OBJECT,
        completion=every("built", "applied", "built_rate", "applied_rate", built=INT, applied=INT,
                         built_rate=NUM, applied_rate=NUM),
        levels=ANY_OBJECT, labels=ANY_OBJECT, agencies=array(ANY_OBJECT),
        service_name={**maybe(STR), "description": "Tên đơn vị dùng hệ thống vào cuối năm."},
        by_former_province={**ANY_OBJECT, "description": "Số cơ quan, đơn vị theo tỉnh cũ (trước 1/7/2025)."},
        reorganized={**array(ANY_OBJECT), "description": "Các lần sắp xếp tổ chức trong năm, với cơ quan trước và sau."}),
    "Assessment": every(
        "agency", "year", "qms_built", "qms_applied", "classification", "changed", agency=STR, year=INT,
        qms_built=BOOL, qms_applied=BOOL, classification=STR, notes=maybe(STR), name=maybe(STR), level=maybe(STR),
        changed=BOOL),
    "Coverage": every(
        "scope", "totals", "agencies", scope={**STR, "enum": ["agency", "province"]}, agency=maybe(STR),
        totals=every("agencies", "applicable", "covered", "gaps", "coverage_rate", agencies=INT, applicable=INT,
                     covered=INT, gaps=INT, coverage_rate=NUM, agencies_fully_covered=INT, procedures=INT,
                     procedures_without_tthc=INT),
        agencies=array(every("agency", "name", "applicable", "covered", "gaps", agency=STR, name=STR,
                             level=STR, kind=maybe(STR), applicable=INT, covered=INT, gaps=INT, coverage_rate=NUM,
                             procedures=INT, procedures_without_tthc=INT,
                             missing_admin_procedures=array(ANY_OBJECT),
                             procedures_without_admin_procedure=array(ANY_OBJECT))),
        admin_procedures=array(ANY_OBJECT)),
    "SearchResults": every(
        "total", "page", "per_page", "hits", "facets", total=INT, page=INT, per_page=INT,
        hits=array(every(
            "procedure_id", "code", "title", "agency", "score", "snippet", "url",
            procedure_id=INT, code=STR, title=STR, agency=STR, agency_name=maybe(STR), level=maybe(STR),
            field=maybe(STR), status=STR, stale=BOOL, version=maybe(INT), current_version=maybe(INT),
            is_current_version=BOOL, admin_procedures=array(STR), score=NUM, snippet=STR, url=STR)),
        facets={"type": "object", "additionalProperties": array(every(
            "value", "label", "count", value=STR, label=STR, count=INT))}),
}


def items_of(name: str, **extra) -> dict:
    return every("items", *extra, items=array(ref(name)), **extra)


# --- operations, by area -------------------------------------------------------------------------

def _procedures() -> dict:
    tag = "Quy trình"
    procedure_body = obj(
        ["agency", "code", "title"], agency={**STR, "maxLength": 64}, code={**STR, "maxLength": 64},
        title={**STR, "maxLength": 500}, field={**STR, "maxLength": 255},
        admin_procedures={**TEXT_OR_LIST, "description": "Mã TTHC dạng chuỗi, ví dụ [\"1.004227\"]."},
        review_interval_months={"type": "integer", "minimum": 1, "maximum": 120})
    version = [PROCEDURE_ID, VERSION_NUMBER]
    return {
        "/api/v1/procedures": {
            "get": operation("listProcedures", tag, "Danh sách quy trình", answer("Các quy trình.", items_of(
                "ProcedureSummary")), params=[AGENCY_FILTER, query("status", {**STR, "enum": ["active", "retired"]},
                                                                   "active hoặc retired."),
                                              query("former_province", STR, "Tỉnh cũ của cơ quan (Trà Vinh, Bến Tre…); "
                                                    "tên không phải một tỉnh: 400.")]),
            "post": operation("createProcedure", tag, "Tạo quy trình (chưa có phiên bản)",
                              answer("Quy trình vừa tạo.", ref("Procedure")), status="201",
                              body=json_body(procedure_body), errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/procedures/{procedure_id}": {
            "get": operation("getProcedure", tag, "Một quy trình với mọi phiên bản",
                             answer("Quy trình.", ref("Procedure")), params=[PROCEDURE_ID]),
        },
        "/api/v1/procedures/{procedure_id}/retire": {
            "post": operation("retireProcedure", tag, "Bãi bỏ quy trình (cần lý do)",
                              answer("Quy trình đã bãi bỏ.", ref("Procedure")), params=[PROCEDURE_ID],
                              body=json_body(obj(["reason"], reason={**STR, "maxLength": 2000})),
                              errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/procedures/{procedure_id}/versions": {
            "post": operation(
                "uploadVersion", tag, "Tải lên phiên bản mới (.docx)", answer("Phiên bản vừa lưu.", ref(
                    "UploadedVersion")), status="201", params=[PROCEDURE_ID],
                body=multipart(["file"], file=FILE, note={**STR, "maxLength": 2000},
                               base_version={"type": "integer", "minimum": 0,
                                             "description": "Phiên bản bạn đã sửa từ đó; khác bản mới nhất → 409."},
                               effective_on={**DATE, "description": "Ngày hiệu lực (không trước ngày duyệt)."},
                               change_request={**STR, "description": "Số đề nghị sửa đổi mà phiên bản thực hiện "
                                                                     "(12/2026); để trống: đề nghị duy nhất đã chấp thuận."},
                               forms={**array(FILE), "description": "Biểu mẫu gửi kèm (.docx, .xlsx, .pdf; ký hiệu "
                                      "đọc từ tên tệp); một biểu mẫu bị từ chối thì cả phiên bản không được lưu."}),
                errors=("400", "401", "403", "404", "409", "413", "422"),
                description="Tệp được kiểm tra (zip, XML an toàn, không macro) trước khi lưu; lưu nguyên vẹn, "
                            "không bao giờ ghi đè. Ở cơ quan cần duyệt, bản của biên tập viên ở trạng thái pending."),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}": {
            "get": operation("getVersion", tag, "Một phiên bản, với văn bản và trích dẫn",
                             answer("Phiên bản.", ref("VersionDetail")), params=version),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}/approve": {
            "post": operation("approveVersion", tag, "Duyệt bản nháp", answer("Phiên bản đã duyệt.", ref("Version")),
                              params=version, body=json_body(obj(comment=STR, effective_on=maybe(DATE)), required=False),
                              errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}/return": {
            "post": operation("returnVersion", tag, "Trả lại bản nháp (cần lý do)",
                              answer("Phiên bản bị trả lại.", ref("Version")), params=version,
                              body=json_body(obj(["reason"], reason={**STR, "maxLength": 2000})),
                              errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}/file": {
            "get": operation("downloadVersion", tag, "Tải về đúng tệp đã lưu", file_answer(
                "Tệp .docx, byte đúng như khi tải lên (tiêu đề X-Content-SHA256).",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), params=version),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}/html": {
            "get": operation("previewVersion", tag, "Bản xem trước HTML (đã làm sạch)",
                             answer("HTML.", STR, media="text/html"), params=version),
        },
        "/api/v1/procedures/{procedure_id}/diff": {
            "get": operation("diffVersions", tag, "So sánh hai phiên bản theo đoạn", answer("Các thay đổi.", ref(
                "Diff")), params=[PROCEDURE_ID, query("from", {"type": "integer", "minimum": 1}, "Phiên bản cũ.", True),
                                  query("to", {"type": "integer", "minimum": 1}, "Phiên bản mới.", True)]),
        },
    }


def _agencies() -> dict:
    tag = "Cơ quan"
    created = answer("Thay đổi tổ chức đã ghi (kèm quy trình được chuyển).", ref("AgencyChange"))
    return {
        "/api/v1/agencies": {
            "get": operation("listAgencies", tag, "Danh sách cơ quan", answer("Các cơ quan.", items_of("Agency")),
                             params=[query("level", {**STR, "enum": LEVELS}, "Cấp: province, district, commune."),
                                     query("as_of", {**STR, "format": "date"},
                                           "Cơ cấu vào một ngày (YYYY-MM-DD): các cơ quan tồn tại ngày đó, với tên, "
                                           "cấp, loại khi đó."),
                                     query("former_province", STR, "Chỉ các cơ quan thuộc tỉnh cũ này.")]),
            "post": operation("createAgency", tag, "Thêm cơ quan (quản trị viên)", answer("Cơ quan.", ref("Agency")),
                              status="201", errors=("400", "401", "403", "404", "409"), body=json_body(obj(
                                  ["code", "name", "level"], code={**STR, "maxLength": 64},
                                  name={**STR, "maxLength": 255}, level={**STR, "enum": LEVELS},
                                  parent=STR, kind=STR, approval_required=BOOL, four_eyes_approval=BOOL,
                                  review_interval_months={"type": "integer", "minimum": 1, "maximum": 120},
                                  province={**STR, "maxLength": 64,
                                            "description": "Tỉnh của cơ quan, ví dụ Vĩnh Long."},
                                  former_province={**STR, "maxLength": 64,
                                                   "description": "Tỉnh trước ngày 1/7/2025, ví dụ Trà Vinh."}))),
        },
        "/api/v1/agencies/{code}": {
            "get": operation("getAgency", tag, "Một cơ quan", answer("Cơ quan.", ref("Agency")), params=[AGENCY_CODE]),
        },
        "/api/v1/agencies/{code}/history": {
            "get": operation("agencyHistory", tag, "Lịch sử sắp xếp tổ chức của cơ quan", answer(
                "Các thay đổi.", every("agency", "items", agency=STR, items=array(ref("AgencyChange")))),
                params=[AGENCY_CODE]),
        },
        "/api/v1/agencies/{code}/rename": {
            "post": operation("renameAgency", tag, "Đổi tên (hoặc loại, cấp) cơ quan", created, status="201",
                              params=[AGENCY_CODE], errors=("400", "401", "403", "404", "409"), body=json_body(obj(
                                  ["name", "effective_on"], name=STR, kind=STR, unit_type=STR, level=STR,
                                  **REORGANIZATION_COMMON))),
        },
        "/api/v1/agencies/merge": {
            "post": operation("mergeAgencies", tag, "Sáp nhập cơ quan", created, status="201",
                              errors=("400", "401", "403", "404", "409"), body=json_body(obj(
                                  ["agencies", "into", "effective_on"], agencies=array(STR),
                                  into={"oneOf": [STR, NEW_AGENCY]}, **REORGANIZATION_COMMON))),
        },
        "/api/v1/agencies/{code}/split": {
            "post": operation("splitAgency", tag, "Chia tách cơ quan", created, status="201", params=[AGENCY_CODE],
                              errors=("400", "401", "403", "404", "409"), body=json_body(obj(
                                  ["into", "effective_on"], into=array({"oneOf": [STR, NEW_AGENCY]}),
                                  assignment={"type": "object", "additionalProperties": STR,
                                              "description": "{mã quy trình: mã cơ quan kế thừa}"},
                                  keep_source=BOOL, **REORGANIZATION_COMMON))),
        },
        "/api/v1/agencies/{code}/dissolve": {
            "post": operation("dissolveAgency", tag, "Giải thể cơ quan", created, status="201", params=[AGENCY_CODE],
                              errors=("400", "401", "403", "404", "409"), body=json_body(obj(
                                  ["effective_on"], successor=STR, **REORGANIZATION_COMMON))),
        },
    }


def _catalog() -> dict:
    tag = "Thủ tục hành chính"
    code = in_path("code", STR, "Mã TTHC (ví dụ 1.004227).", "1.004227")
    link = [PROCEDURE_ID, code]
    return {
        "/api/v1/admin-procedures": {
            "get": operation("listAdminProcedures", tag, "Danh mục TTHC (lọc, phân trang)", answer(
                "Một trang danh mục.", items_of("AdminProcedure", total=INT, page=INT, per_page=INT)), params=[
                query("q", STR, "Mã hoặc tên (không phân biệt dấu)."), query("field", STR, "Lĩnh vực."),
                query("level", STR, "Cấp thực hiện."), query("status", STR, "active hoặc abolished."),
                query("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "Trang."),
                query("per_page", {"type": "integer", "minimum": 1, "maximum": 500}, "Số dòng mỗi trang.")]),
            "post": operation("createAdminProcedure", tag, "Thêm một TTHC (quản trị viên)",
                              answer("TTHC.", ref("AdminProcedureDetail")), status="201",
                              errors=("400", "401", "403", "409"), body=json_body(obj(
                                  ["code", "name"], code={**STR, "description": "Chuỗi, không phải số."}, name=STR,
                                  field=STR, levels=TEXT_OR_LIST, agency_kinds=TEXT_OR_LIST,
                                  agency_codes=TEXT_OR_LIST, legal_bases=TEXT_OR_LIST, publishing_decision=STR,
                                  status=STR, effective_on=STR))),
        },
        "/api/v1/admin-procedures/{code}": {
            "get": operation("getAdminProcedure", tag, "Một TTHC với lịch sử và quy trình gắn",
                             answer("TTHC.", ref("AdminProcedureDetail")), params=[code]),
        },
        "/api/v1/admin-procedures/import": {
            "post": operation("importAdminProcedures", tag, "Nhập danh mục từ CSV, JSON hoặc XLSX",
                              answer("Báo cáo nhập.", ref("CatalogImportReport")), errors=("400", "401", "403", "413"),
                              body=multipart(["file"], file=FILE, format={**STR, "enum": ["csv", "json", "xlsx"]})),
        },
        "/api/v1/admin-procedures/suggestions": {
            "get": operation("listLinkSuggestions", tag, "Gợi ý liên kết quy trình – TTHC chờ xác nhận", answer(
                "Các gợi ý.", every("items", items=array(every(
                    "procedure_id", "code", "confirmed", procedure_id=INT, agency=STR, procedure_code=STR,
                    procedure_title=STR, code=STR, name=maybe(STR), confirmed=BOOL)))), params=[AGENCY_FILTER]),
        },
        "/api/v1/procedures/{procedure_id}/admin-procedures/{code}/confirm": {
            "post": operation("confirmLink", tag, "Xác nhận quy trình thực hiện TTHC", answer("Đã xác nhận.", every(
                "procedure_id", "code", "confirmed", procedure_id=INT, code=STR, confirmed=BOOL)), params=link),
        },
        "/api/v1/procedures/{procedure_id}/admin-procedures/{code}/reject": {
            "post": operation("rejectLink", tag, "Bác gợi ý liên kết", answer("Đã bác.", every(
                "procedure_id", "code", "rejected", procedure_id=INT, code=STR, rejected=BOOL)), params=link),
        },
    }


def _alerts() -> dict:
    tag = "Cảnh báo"
    alert_id = in_path("alert_id", {"type": "integer", "minimum": 0}, "Số định danh cảnh báo.", 1)
    return {
        "/api/v1/alerts": {
            "get": operation("listAlerts", tag, "Danh sách cảnh báo", answer("Các cảnh báo.", items_of(
                "Alert", total=INT)), params=[
                AGENCY_FILTER, query("procedure", {"type": "integer", "minimum": 1}, "Id quy trình."),
                query("status", STR, "open, acknowledged, resolved, dismissed (ghép bằng dấu phẩy) hoặc active."),
                query("rule", STR, "legal_change, not_in_force, review_overdue, admin_procedure, review_requested."),
                query("upcoming", {**STR, "enum": ["true", "false", "1", "0", "yes", "no"]}, "Sắp có hiệu lực?"),
                LIMIT, OFFSET]),
        },
        "/api/v1/alerts/{alert_id}": {
            "get": operation("getAlert", tag, "Một cảnh báo", answer("Cảnh báo.", ref("Alert")), params=[alert_id]),
        },
        "/api/v1/alerts/{alert_id}/acknowledge": {
            "post": operation("acknowledgeAlert", tag, "Tiếp nhận cảnh báo", answer("Cảnh báo.", ref("Alert")),
                              params=[alert_id], errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/alerts/{alert_id}/dismiss": {
            "post": operation("dismissAlert", tag, "Bỏ qua cảnh báo (cần lý do)", answer("Cảnh báo.", ref("Alert")),
                              params=[alert_id], body=json_body(obj(["reason"], reason=STR)),
                              errors=("400", "401", "403", "404", "409")),
        },
        "/api/v1/procedures/{procedure_id}/alerts": {
            "get": operation("procedureAlerts", tag, "Cảnh báo của một quy trình", answer("Cảnh báo.", items_of(
                "Alert", open_alerts=INT)), params=[PROCEDURE_ID]),
        },
        "/api/v1/procedures/{procedure_id}/reviews": {
            "post": operation("recordReview", tag, "Ghi nhận rà soát định kỳ", answer("Rà soát đã ghi.", every(
                "review", "alerts_resolved", "open_alerts", review=ref("Review"), alerts_resolved=INT,
                open_alerts=INT)), status="201", params=[PROCEDURE_ID],
                body=json_body(obj(reviewed_on={**STR, "description": "dd/mm/yyyy hoặc yyyy-mm-dd; mặc định hôm nay."},
                                   note=STR), required=False)),
        },
    }


def _legal() -> dict:
    tag = "Văn bản pháp luật"
    symbol = in_path("symbol", STR, "Số ký hiệu (61/2018/NĐ-CP; dấu / được giữ trong đường dẫn) hoặc id.",
                     "45/2013/QH13")
    document_fields = dict(symbol=STR, type=STR, title=STR, issuer=STR, issued_on=STR, effective_on=STR,
                           status={**STR, "description": "in_force, partially_expired, expired, not_yet_in_force, "
                                                         "suspended (hoặc nhãn tiếng Việt)."},
                           note=STR, aliases=array(STR))
    updated = answer("Văn bản sau khi sửa.", {"allOf": [ref("LegalDocumentDetail"), every(
        "changed", changed=array(STR))]})
    update = dict(params=[symbol], body=json_body(obj(**document_fields)), errors=("400", "401", "403", "404", "409"))
    return {
        "/api/v1/legal-documents": {
            "get": operation("listLegalDocuments", tag, "Danh mục văn bản", answer("Các văn bản.", items_of(
                "LegalDocument", total=INT)), params=[query("q", STR, "Số ký hiệu hoặc trích yếu."),
                                                      query("status", STR, "Tình trạng hiệu lực."),
                                                      query("type", STR, "Loại văn bản."), LIMIT, OFFSET]),
            "post": operation("createLegalDocument", tag, "Thêm văn bản (quản trị viên)", answer(
                "Văn bản.", ref("LegalDocumentDetail")), status="201", errors=("400", "401", "403", "409"),
                body=json_body(obj(["symbol", "title"], **document_fields))),
        },
        "/api/v1/legal-documents/{symbol}": {
            "get": operation("getLegalDocument", tag, "Một văn bản, thay đổi và quy trình viện dẫn",
                             answer("Văn bản.", ref("LegalDocumentDetail")), params=[symbol]),
            "patch": operation("updateLegalDocument", tag, "Sửa văn bản (quản trị viên)", updated, **update),
            "put": operation("replaceLegalDocument", tag, "Sửa văn bản (như PATCH)", updated, **update),
        },
        "/api/v1/legal-changes": {
            "get": operation("listLegalChanges", tag, "Các thay đổi hiệu lực đã ghi", answer("Thay đổi.", items_of(
                "LegalChange")), params=[query("symbol", STR, "Chỉ của văn bản này."), LIMIT]),
            "post": operation(
                "recordLegalChange", tag, "Ghi một thay đổi (sửa đổi, thay thế, bãi bỏ…) và mở cảnh báo",
                answer("Thay đổi (200 khi đã có từ trước).", {"allOf": [ref("LegalChange"), every(
                    "created", "alerts_opened", "registered", created=BOOL, alerts_opened=INT,
                    registered=array(STR))]}), status="201", errors=("400", "401", "403", "409"),
                body=json_body(obj(["symbol", "change", "effective_on"], symbol=STR, change={
                    **STR, "description": "amended, replaced, repealed, expired, partially_expired, detailed, guided."},
                    by=STR, effective_on=STR, note=STR))),
        },
        "/api/v1/legal-import": {
            "post": operation("importLegalRegistry", tag, "Nhập danh mục văn bản (CSV/JSON)", answer(
                "Báo cáo nhập.", ref("LegalImportReport")), errors=("400", "401", "403", "413"), body={
                "required": True, "content": {
                    "multipart/form-data": {"schema": obj(["file"], file=FILE)},
                    "application/json": {"schema": {"type": ["object", "array"]}}}}),
        },
        "/api/v1/legal-unknown-citations": {
            "get": operation("unknownCitations", tag, "Số ký hiệu được viện dẫn nhưng chưa có trong danh mục", answer(
                "Các số ký hiệu.", every("items", items=array(every("key", "symbol", "procedures", key=STR,
                                                                     symbol=STR, procedures=INT)))), params=[LIMIT]),
        },
    }


def _reports() -> dict:
    tag = "Báo cáo"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    coverage_params = [query("agency", STR, "Một cơ quan (mặc định toàn tỉnh).")]
    return {
        "/api/v1/reports/coverage": {
            "get": operation("coverage", tag, "Bao phủ TTHC bằng quy trình ISO", answer("Bao phủ.", ref("Coverage")),
                             params=[*coverage_params, query("details", {**STR, "enum": ["1", "true", "0", "false"]},
                                                             "Kèm danh sách thiếu của từng cơ quan.")]),
        },
        "/api/v1/reports/coverage.csv": {
            "get": operation("coverageCsv", tag, "Bao phủ dạng CSV (UTF-8 có BOM)",
                             file_answer("CSV.", "text/csv"), params=coverage_params),
        },
        "/api/v1/reports/coverage.xlsx": {
            "get": operation("coverageXlsx", tag, "Bao phủ dạng Excel", file_answer("XLSX.", xlsx),
                             params=coverage_params),
        },
        "/api/v1/reports/assessment": {
            "get": operation("assessment", tag, "Kết quả áp dụng ISO của năm", answer("Tổng hợp.", ref(
                "AssessmentSummary")), params=[YEAR, query("agencies", {**STR, "enum": ["1", "true", "0", "false"]},
                                                           "Kèm một dòng cho mỗi cơ quan.")]),
        },
        "/api/v1/reports/assessment.docx": {
            "get": operation("assessmentDocx", tag, "Báo cáo năm (.docx, thể thức văn bản hành chính)", file_answer(
                "DOCX.", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), params=[YEAR]),
        },
        "/api/v1/reports/assessment.xlsx": {
            "get": operation("assessmentXlsx", tag, "Số liệu năm (.xlsx)", file_answer("XLSX.", xlsx), params=[YEAR]),
        },
        "/api/v1/reports/assessments": {
            "post": operation("recordAssessment", tag, "Nhập kết quả của một cơ quan (quản trị viên)", answer(
                "Kết quả (200 khi không đổi).", ref("Assessment")), status="201", body=json_body(obj(
                    ["agency", "year"], agency=STR, year={"type": ["integer", "string"]}, qms_built=BOOL,
                    qms_applied=BOOL, classification=maybe({**STR, "description": "Tốt, Đạt yêu cầu, Không đạt yêu cầu "
                                                                                  "(hoặc good, satisfactory, …)."}),
                    notes=STR))),
        },
        "/api/v1/reports/assessments/import": {
            "post": operation("importAssessments", tag, "Nhập kết quả từ tệp Excel", answer("Báo cáo nhập.", every(
                "rows", "saved", "unchanged", "refused", rows=INT, saved=INT, unchanged=INT,
                refused=array(ANY_OBJECT))), errors=("400", "401", "403", "413"),
                body=multipart(["file"], file=FILE, year={"type": "integer", "minimum": 2000, "maximum": 2100})),
        },
    }


def _search() -> dict:
    flag = {**STR, "description": "1/true/có hoặc 0/false/không."}
    return {
        "/api/v1/search": {
            "get": operation("search", "Tìm kiếm", "Tìm quy trình theo từ, mã TTHC, số hiệu văn bản", answer(
                "Kết quả, có điểm, đoạn trích và bộ lọc.", ref("SearchResults")), params=[
                query("q", STR, "Từ cần tìm; \"cụm từ\" trong ngoặc kép."), AGENCY_FILTER,
                query("level", {**STR, "enum": LEVELS}, "Cấp."), query("field", STR, "Lĩnh vực."),
                query("admin_procedure", STR, "Mã TTHC."), query("legal", STR, "Số hiệu văn bản được viện dẫn."),
                query("status", {**STR, "enum": ["active", "retired"]}, "Tình trạng quy trình."),
                query("stale", flag, "Chỉ quy trình cần rà soát."),
                query("former_province", STR, "Tỉnh cũ của cơ quan (tỉnh đã hợp nhất, ví dụ Trà Vinh); "
                      "có hay không dấu đều được."),
                query("include_history", flag, "Tìm cả phiên bản cũ."),
                query("page", {"type": "integer", "minimum": 1}, "Trang."),
                query("per_page", {"type": "integer", "minimum": 1}, "Số kết quả mỗi trang.")],
                errors=("400", "401")),
        },
    }


def _self() -> dict:
    return {
        "/api/v1/openapi.json": {
            "get": operation("openapi", "Mô tả API", "Bản mô tả OpenAPI này (không cần mã API)",
                             answer("OpenAPI 3.1.", ANY_OBJECT), errors=(), public=True),
        },
    }


# Areas added later describe their own routes in `<area>/openapi_paths.py`: a `paths()` function
# returning the path items (built with the helpers above) and optionally `SCHEMAS` and `TAGS`.
DESCRIBED_AREAS = [
    "qmsdocs.doccontrol",
    "qmsdocs.notifications",
    "qmsdocs.registers",
    "qmsdocs.reorganize",
]


def _area_descriptions() -> list:
    found = []
    for package in DESCRIBED_AREAS:
        if importlib.util.find_spec(package) is not None and importlib.util.find_spec(f"{package}.openapi_paths"):
            found.append(importlib.import_module(f"{package}.openapi_paths"))
    return found


@cache
def description() -> dict:
    """The whole description, built once per process."""
    paths = {}
    for part in (_procedures, _agencies, _catalog, _alerts, _legal, _reports, _search, _self):
        paths.update(part())
    tags = ["Quy trình", "Cơ quan", "Thủ tục hành chính", "Cảnh báo", "Văn bản pháp luật", "Báo cáo", "Tìm kiếm"]
    schemas = dict(SCHEMAS)
    for area in _area_descriptions():
        paths.update(area.paths())
        schemas.update(getattr(area, "SCHEMAS", {}))
        tags += [tag for tag in getattr(area, "TAGS", ()) if tag not in tags]
    tags.append("Mô tả API")
    responses = {f"E{code}": answer(text, ref("Error")) for code, text in ERRORS.items()}
    responses["Error"] = answer("Lỗi, cùng một dạng cho mọi mã trạng thái.", ref("Error"))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "qmsdocs API",
            "version": API_VERSION,
            "summary": "Quản lý quy trình ISO 9001 của cơ quan hành chính: quy trình và phiên bản, tìm kiếm, "
                       "văn bản pháp luật và cảnh báo, danh mục TTHC, báo cáo.",
            "description": "Mọi yêu cầu gửi tiêu đề `Authorization: Bearer <mã API>` (quản trị viên cấp mã ở trang "
                           "Người dùng). Lỗi luôn có dạng `{\"error\": {\"code\", \"message\"}}`: `code` ổn định cho "
                           "máy đọc, `message` tiếng Việt nói sai ở đâu và cần làm gì. Các câu trả lời có thể có "
                           "thêm trường mới; hãy bỏ qua trường không biết.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": [{"name": name} for name in tags],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                               "description": "Mã API do quản trị viên cấp."}},
            "schemas": schemas,
            "responses": responses,
        },
    }


# --- serving ------------------------------------------------------------------------------------

bp = Blueprint("openapi", __name__)


@bp.get("/api/v1/openapi.json")
def openapi_json():
    return jsonify(description())


def _schema_text(schema: dict | None) -> str:
    """A short human name for a schema: `Procedure`, `[Alert]`, `string | null`."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "allOf" in schema:
        return " + ".join(_schema_text(part) or "{…}" for part in schema["allOf"])
    if "oneOf" in schema:
        return " | ".join(_schema_text(part) for part in schema["oneOf"])
    kind = schema.get("type", "")
    if kind == "array":
        return f"[{_schema_text(schema.get('items'))}]"
    if isinstance(kind, list):
        kind = " | ".join(kind)
    if "enum" in schema:
        kind += " (" + ", ".join(map(str, schema["enum"])) + ")"
    return kind


def _inline_code(text: str | None) -> Markup:
    """Descriptions are CommonMark; the page renders their one construct in use, `code` spans."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(text or ""))))


@bp.get("/api/reference")
def reference():
    """The description rendered as a page: operations by tag, parameters, bodies, answers, schemas."""
    spec = description()
    by_tag: dict[str, list[dict]] = {tag["name"]: [] for tag in spec["tags"]}
    for path, methods in spec["paths"].items():
        for method, op in methods.items():
            by_tag[op["tags"][0]].append({"path": path, "method": method.upper(), **op})
    return render_template("api/reference.html", spec=spec, by_tag=by_tag, schema_text=_schema_text,
                           inline_code=_inline_code)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
