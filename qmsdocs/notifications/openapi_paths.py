"""OpenAPI description of the read-and-understood, notification and follow routes (see qmsdocs/openapi.py)."""

from __future__ import annotations

from qmsdocs.openapi import (
    AGENCY_CODE, BOOL, INT, MOMENT, PROCEDURE_ID, STR, VERSION_NUMBER, answer, array, every, file_answer, in_path,
    items_of, json_body, maybe, obj, operation, query, ref,
)

READING = "Đã đọc và hiểu"
NOTIFY = "Thông báo và theo dõi"
TAGS = [READING, NOTIFY]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE = query("page", {"type": "integer", "minimum": 1, "maximum": 100000}, "Trang (từ 1).")
PER_PAGE = query("per_page", {"type": "integer", "minimum": 1, "maximum": 1000}, "Số dòng mỗi trang (mặc định 50).")
ROLE_ENUM = {"type": "string", "enum": ["editor", "approver", "viewer"]}
TEXT_OR_LIST = {"oneOf": [STR, array(STR)], "description": "Chuỗi ngăn cách bởi dấu phẩy hoặc mảng chuỗi."}

SCHEMAS = {
    "ReadingLine": every(
        "id", "procedure_id", "procedure_code", "procedure_title", "agency", "version", "user", "full_name", "state",
        "state_label", "assigned_at", "confirmed_at", "closed_at",
        id=INT, procedure_id=INT, procedure_code=STR, procedure_title=STR, agency=STR, version=INT, user=STR,
        full_name=STR, state={"type": "string", "enum": ["pending", "confirmed", "superseded", "withdrawn"]},
        state_label=STR, assigned_at=MOMENT, confirmed_at=maybe(MOMENT), closed_at=maybe(MOMENT)),
    "ReadingPolicy": every(
        "agency", "scope", "scope_label", "roles", "users", "readers", agency=STR,
        scope={"type": "string", "enum": ["none", "all", "chosen"]}, scope_label=STR, roles=array(STR),
        users=array(STR), readers={**INT, "description": "Số người phải đọc theo chính sách hiện nay."}),
    "Notification": every(
        "id", "kind", "subject", "body", "link", "created_at", "read", "read_at", id=INT, kind=STR, subject=STR,
        body=STR, link=STR, created_at=MOMENT, read=BOOL, read_at=maybe(MOMENT)),
    "NotificationSettings": every(
        "email", "mail_mode", "mail_configured", email=maybe(STR),
        mail_mode={"type": "string", "enum": ["immediate", "daily", "off"]}, mail_configured=BOOL),
    "Follow": every("type", "id", "label", "link", "created_at", type=STR, id=INT, label=STR, link=STR,
                    created_at=MOMENT),
}

LINES = items_of("ReadingLine")
PAGED_LINES = items_of("ReadingLine", total=INT, page=INT, per_page=INT)
FOLLOW_TYPE = in_path("target_type", {"type": "string", "enum": ["procedure", "agency", "legal_document"]},
                      "procedure, agency hoặc legal_document.", "procedure")
FOLLOW_ID = in_path("target_id", {"type": "integer", "minimum": 0}, "Số định danh của đối tượng.", 1)
USERNAME = in_path("username", STR, "Tên đăng nhập.", "admin")
NOTIFICATION_ID = in_path("notification_id", {"type": "integer", "minimum": 0}, "Số định danh thông báo.", 1)
CONFLICT = ("400", "401", "403", "404", "409")


def paths() -> dict:
    return {
        "/api/v1/agencies/{code}/reading-policy": {
            "get": operation("getReadingPolicy", READING, "Ai phải đọc quy trình của cơ quan",
                             answer("Chính sách đọc.", ref("ReadingPolicy")), params=[AGENCY_CODE]),
            "post": operation(
                "setReadingPolicy", READING, "Đặt người phải đọc (người phê duyệt của cơ quan, quản trị viên)",
                answer("Chính sách đã lưu; phiên bản hiện hành được phân phối ngay cho người mới.", ref("ReadingPolicy")),
                params=[AGENCY_CODE], body=json_body(obj(
                    ["scope"], scope={"type": "string", "enum": ["none", "all", "chosen"]},
                    roles={"oneOf": [array(ROLE_ENUM), STR]}, users={**TEXT_OR_LIST, "description": "Tên đăng nhập."})),
                errors=CONFLICT),
        },
        "/api/v1/procedures/{procedure_id}/versions/{number}/confirm-read": {
            "post": operation(
                "confirmRead", READING, "Xác nhận đã đọc và hiểu phiên bản hiện hành",
                answer("Dòng sổ phân phối đã xác nhận.", ref("ReadingLine")), status="201",
                params=[PROCEDURE_ID, VERSION_NUMBER], errors=CONFLICT,
                description="409 `version_not_current` khi phiên bản không còn (hoặc chưa) hiệu lực, "
                            "`already_confirmed` khi đã xác nhận, `procedure_retired` khi quy trình đã bãi bỏ; "
                            "403 `not_a_reader` khi người gửi không thuộc danh sách phải đọc."),
        },
        "/api/v1/procedures/{procedure_id}/readers": {
            "get": operation("procedureReaders", READING, "Ai đã và chưa xác nhận, theo từng phiên bản",
                             answer("Theo phiên bản, mới nhất trước.", every(
                                 "procedure_id", "versions", procedure_id=INT, versions=array(every(
                                     "version", "is_current", "confirmed", "pending", "closed", version=INT,
                                     is_current=BOOL, confirmed=array(ref("ReadingLine")),
                                     pending=array(ref("ReadingLine")), closed=array(ref("ReadingLine")))))),
                             params=[PROCEDURE_ID]),
        },
        "/api/v1/procedures/{procedure_id}/distribution-log": {
            "get": operation("procedureDistributionLog", READING, "Sổ theo dõi phân phối của một quy trình",
                             answer("Các dòng.", PAGED_LINES), params=[PROCEDURE_ID, PAGE, PER_PAGE]),
        },
        "/api/v1/procedures/{procedure_id}/distribution-log.xlsx": {
            "get": operation("procedureDistributionLogXlsx", READING, "Sổ theo dõi phân phối của quy trình (.xlsx)",
                             file_answer("Bảng tính.", XLSX), params=[PROCEDURE_ID]),
        },
        "/api/v1/agencies/{code}/distribution-log": {
            "get": operation("agencyDistributionLog", READING, "Sổ theo dõi phân phối của một cơ quan",
                             answer("Các dòng.", PAGED_LINES), params=[AGENCY_CODE, PAGE, PER_PAGE]),
        },
        "/api/v1/agencies/{code}/distribution-log.xlsx": {
            "get": operation("agencyDistributionLogXlsx", READING, "Sổ theo dõi phân phối của cơ quan (.xlsx)",
                             file_answer("Bảng tính.", XLSX), params=[AGENCY_CODE]),
        },
        "/api/v1/to-read": {
            "get": operation("myToRead", READING, "Quy trình tôi còn phải đọc", answer("Các dòng chưa xác nhận.", LINES)),
        },
        "/api/v1/users/{username}/to-read": {
            "get": operation("userToRead", READING, "Quy trình một người còn phải đọc (chính họ, người phê duyệt, quản trị)",
                             answer("Các dòng chưa xác nhận.", LINES), params=[USERNAME]),
        },
        "/api/v1/notifications": {
            "get": operation("listNotifications", NOTIFY, "Thông báo của tôi (mới nhất trước)", answer(
                "Thông báo.", items_of("Notification", total=INT, page=INT, per_page=INT, unread=INT)),
                params=[query("unread", {"type": "string", "enum": ["true", "false", "1", "0"]}, "Chỉ thông báo chưa đọc."),
                        PAGE, PER_PAGE]),
        },
        "/api/v1/notifications/{notification_id}/read": {
            "post": operation("readNotification", NOTIFY, "Đánh dấu một thông báo đã đọc",
                              answer("Thông báo.", ref("Notification")), params=[NOTIFICATION_ID]),
        },
        "/api/v1/notifications/read-all": {
            "post": operation("readAllNotifications", NOTIFY, "Đánh dấu mọi thông báo đã đọc",
                              answer("Số thông báo vừa đánh dấu.", every("marked", marked=INT))),
        },
        "/api/v1/notification-settings": {
            "get": operation("getNotificationSettings", NOTIFY, "Địa chỉ thư và cách nhận thư của tôi",
                             answer("Cài đặt.", ref("NotificationSettings"))),
            "post": operation("saveNotificationSettings", NOTIFY, "Đổi địa chỉ thư, cách nhận thư",
                              answer("Cài đặt.", ref("NotificationSettings")), body=json_body(obj(
                                  email={**maybe(STR), "maxLength": 254},
                                  mail_mode={"type": "string", "enum": ["immediate", "daily", "off"]}))),
        },
        "/api/v1/follows": {
            "get": operation("listFollows", NOTIFY, "Những gì tôi theo dõi", answer("Theo dõi.", items_of("Follow"))),
            "post": operation("follow", NOTIFY, "Theo dõi quy trình, cơ quan hoặc văn bản pháp luật",
                              answer("Đã theo dõi.", ref("Follow")), status="201", errors=CONFLICT,
                              body=json_body(obj(["type", "id"], type={
                                  "type": "string", "enum": ["procedure", "agency", "legal_document"]},
                                  id={"type": "integer", "minimum": 1}))),
        },
        "/api/v1/follows/{target_type}/{target_id}": {
            "delete": operation("unfollow", NOTIFY, "Bỏ theo dõi", answer("Đã bỏ theo dõi.", every(
                "type", "id", "following", type=STR, id=INT, following=BOOL)), params=[FOLLOW_TYPE, FOLLOW_ID]),
        },
    }
