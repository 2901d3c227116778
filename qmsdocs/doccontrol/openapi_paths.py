"""OpenAPI description of the document-control routes (change requests, approval policy)."""

from __future__ import annotations

from qmsdocs.openapi import (AGENCY_CODE, AGENCY_FILTER, BOOL, DATE, FILE, INT, LIMIT, MOMENT, OFFSET, STR, answer,
                             array, every, file_answer, in_path, json_body, maybe, multipart, obj, operation, query,
                             ref)

TAG = "Kiểm soát tài liệu"
TAGS = [TAG]
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REQUEST_ID = in_path("request_id", {"type": "integer", "minimum": 0}, "Số định danh đề nghị (id).", 1)
STATUS = {**STR, "enum": ["open", "accepted", "declined", "done"],
          "description": "open (chờ xem xét), accepted (đã chấp thuận, đang soạn), declined (không chấp thuận), "
                         "done (đã có phiên bản thực hiện)."}
FIELDS = dict(
    procedure_id={**INT, "description": "Quy trình cần sửa; bỏ trống khi đề nghị soạn quy trình mới."},
    agency={**STR, "description": "Mã cơ quan, khi đề nghị soạn quy trình mới."},
    proposed_code=STR, proposed_title={**STR, "description": "Tên quy trình mới đề xuất (bắt buộc khi không có procedure_id)."},
    part={**STR, "maxLength": 500, "description": "Phần/mục liên quan."},
    content={**STR, "maxLength": 4000}, reason={**STR, "maxLength": 4000},
)

SCHEMAS = {
    "ChangeRequest": every(
        "id", "label", "number", "year", "agency", "procedure_id", "status", "content", "reason",
        id=INT, label={**STR, "description": "Số/năm, ví dụ 12/2026."}, number=INT, year=INT, agency=STR,
        procedure_id=maybe(INT), procedure_code=maybe(STR), proposed_code=maybe(STR), proposed_title=maybe(STR),
        part=STR, content=STR, reason=STR, alert_id=maybe(INT),
        attachment={"oneOf": [obj(filename=STR, size=INT, sha256=STR), {"type": "null"}]},
        requested_by=maybe(STR), requested_at=MOMENT, status=STATUS, status_label=STR, decided_by=maybe(STR),
        decided_at=maybe(MOMENT), decision_note=maybe(STR), editor=maybe(STR), due_on=maybe(DATE),
        version={**maybe(INT), "description": "Phiên bản đã thực hiện đề nghị."}, closed_at=maybe(MOMENT)),
    "ApprovalPolicy": every("agency", "approval_required", "four_eyes_approval", agency=STR,
                            approval_required=BOOL, four_eyes_approval=BOOL),
}


def _page(schema: dict) -> dict:
    return obj(["items", "total"], items=array(schema), total=INT, page=INT, per_page=INT, pages=INT,
               limit=INT, offset=INT)


def paths() -> dict:
    request_answer = answer("Đề nghị.", ref("ChangeRequest"))
    decided = ("400", "401", "403", "404", "409")
    return {
        "/api/v1/change-requests": {
            "get": operation("listChangeRequests", TAG, "Danh sách đề nghị sửa đổi, có lọc",
                             answer("Một trang đề nghị, mới nhất trước.", _page(ref("ChangeRequest"))),
                             params=[AGENCY_FILTER, query("status", STATUS, "Trạng thái."),
                                     query("year", INT, "Năm của số đề nghị."),
                                     query("procedure", INT, "Id quy trình."),
                                     query("q", STR, "Mã, tên quy trình hoặc nội dung."),
                                     query("page", INT, "Trang."), query("per_page", INT, "Số dòng mỗi trang."),
                                     LIMIT, OFFSET]),
            "post": operation(
                "submitChangeRequest", TAG, "Gửi đề nghị sửa đổi (hoặc soạn quy trình mới)", request_answer,
                status="201", errors=("400", "401", "403", "404", "409", "413", "422"),
                body={"required": True, "content": {
                    "application/json": {"schema": obj(["content", "reason"], **FIELDS)},
                    **multipart(["content", "reason"], attachment=FILE, **FIELDS)["content"]}},
                description="Mọi người dùng đã đăng nhập đều gửi được. Tệp đánh dấu (attachment, .docx hoặc .pdf) "
                            "gửi kèm bằng multipart/form-data. Quy trình đã bãi bỏ → 409 procedure_retired."),
        },
        "/api/v1/change-requests/{request_id}": {
            "get": operation("getChangeRequest", TAG, "Một đề nghị", request_answer, params=[REQUEST_ID]),
        },
        "/api/v1/change-requests/{request_id}/accept": {
            "post": operation("acceptChangeRequest", TAG, "Chấp thuận, giao người soạn và hạn", request_answer,
                              params=[REQUEST_ID], errors=decided,
                              body=json_body(obj(["editor", "due_on"], editor={**STR, "description": "Tên đăng nhập."},
                                                 due_on=DATE, note=STR))),
        },
        "/api/v1/change-requests/{request_id}/decline": {
            "post": operation("declineChangeRequest", TAG, "Không chấp thuận (cần lý do)", request_answer,
                              params=[REQUEST_ID], errors=decided, body=json_body(obj(["reason"], reason=STR))),
        },
        "/api/v1/change-requests/{request_id}/form.docx": {
            "get": operation("printChangeRequest", TAG, "Phiếu đề nghị theo mẫu giấy (.docx)",
                             file_answer("Phiếu đề nghị .docx.", DOCX), params=[REQUEST_ID]),
        },
        "/api/v1/change-requests/{request_id}/attachment": {
            "get": operation("getChangeRequestAttachment", TAG, "Tệp đánh dấu gửi kèm đề nghị",
                             file_answer("Tệp đúng như khi gửi.", "application/octet-stream"), params=[REQUEST_ID]),
        },
        "/api/v1/alerts/{alert_id}/change-request": {
            "post": operation("changeRequestFromAlert", TAG, "Lập đề nghị sửa đổi từ một cảnh báo đang mở",
                              request_answer, status="201", errors=decided,
                              params=[in_path("alert_id", {"type": "integer", "minimum": 0}, "Id cảnh báo.", 1)]),
        },
        "/api/v1/agencies/{code}/approval-policy": {
            "get": operation("getApprovalPolicy", TAG, "Chế độ phê duyệt của cơ quan",
                             answer("Chế độ phê duyệt.", ref("ApprovalPolicy")), params=[AGENCY_CODE]),
            "put": operation("setApprovalPolicy", TAG, "Đặt chế độ phê duyệt (quản trị viên)",
                             answer("Chế độ phê duyệt.", ref("ApprovalPolicy")), params=[AGENCY_CODE],
                             body=json_body(obj(approval_required=BOOL, four_eyes_approval=BOOL)),
                             description="four_eyes_approval: phiên bản phải do người khác người tải lên phê duyệt "
                                         "(kể cả bản của người phê duyệt); bật nó cũng bật approval_required."),
        },
    }
