"""OpenAPI description of the registers' routes: master lists and attached forms."""

from __future__ import annotations

from qmsdocs.openapi import (
    BOOL, DATE, FILE, INT, MOMENT, PROCEDURE_ID, STR, VERSION_NUMBER, answer, array, every, file_answer, in_path,
    maybe, multipart, operation, query, ref,
)

TAG = "Danh mục tài liệu"
TAGS = [TAG]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AGENCY = query("agency", STR, "Mã cơ quan; bỏ trống: toàn tỉnh.")
FORM_CODE = in_path("code", STR, "Ký hiệu biểu mẫu (BM-01; viết bm01, BM.1 … cũng được).", "BM-01")

SCHEMAS = {
    "InternalListEntry": every(
        "procedure_id", "agency", "agency_name", "code", "title", "status", "status_label", "revision", "version",
        "issued_on", "effective_on", "approver", "forms", "retired_on",
        procedure_id=INT, agency=STR, agency_name=STR, code=STR, title=STR,
        status={**STR, "enum": ["current", "not_issued", "retired"],
                "description": "current (đang hiệu lực), not_issued (chưa có bản được duyệt), retired (đã bãi bỏ)."},
        status_label=STR, revision=maybe({**STR, "description": "Lần ban hành (số phiên bản nếu tài liệu không ghi)."}),
        version=maybe(INT), issued_on=maybe(DATE), effective_on=maybe(DATE), approver=maybe(STR), forms=INT,
        retired_on=maybe(DATE)),
    "ExternalListEntry": every(
        "symbol", "document_id", "doc_type", "title", "issuer", "issued_on", "effective_on", "status",
        "status_label", "checked_on", "cited_by",
        symbol=STR, document_id=maybe(INT), doc_type=maybe(STR), title=maybe(STR), issuer=maybe(STR),
        issued_on=maybe(DATE), effective_on=maybe(DATE),
        status=maybe({**STR, "description": "Mã tình trạng trong sổ văn bản; null: văn bản chưa có trong sổ."}),
        status_label=STR, checked_on=maybe({**DATE, "description": "Ngày sổ văn bản cập nhật mục này gần nhất."}),
        cited_by=array(every("procedure_id", "agency", "code", procedure_id=INT, agency=STR, code=STR))),
    "AttachedForm": every(
        "code", "filename", "kind", "size", "sha256", "uploaded_at", "attached_at_version", "carried_over",
        code=STR, filename=STR, kind={**STR, "enum": ["docx", "xlsx", "pdf"]}, size=INT, sha256=STR,
        uploaded_at=MOMENT, attached_at_version=INT, carried_over=BOOL),
}


def _master_list(item: str) -> dict:
    return every("kind", "agency", "agency_name", "count", "items", kind=STR, agency=maybe(STR),
                 agency_name=maybe(STR), count=INT, items=array(ref(item)))


def paths() -> dict:
    described = {}
    for kind, item, name, title in (("internal", "InternalListEntry", "Internal", "Danh mục tài liệu nội bộ"),
                                    ("external", "ExternalListEntry", "External",
                                     "Danh mục tài liệu có nguồn gốc bên ngoài")):
        described[f"/api/v1/registers/{kind}"] = {"get": operation(
            f"get{name}List", TAG, title, answer("Danh mục.", _master_list(item)), params=[AGENCY])}
        described[f"/api/v1/registers/{kind}.xlsx"] = {"get": operation(
            f"get{name}ListXlsx", TAG, f"{title} (.xlsx)", file_answer("XLSX.", XLSX), params=[AGENCY])}
        described[f"/api/v1/registers/{kind}.docx"] = {"get": operation(
            f"get{name}ListDocx", TAG, f"{title} (.docx, thể thức văn bản hành chính)", file_answer("DOCX.", DOCX),
            params=[AGENCY])}
    version = [PROCEDURE_ID, VERSION_NUMBER]
    described["/api/v1/procedures/{procedure_id}/versions/{number}/forms"] = {
        "get": operation("listForms", TAG, "Biểu mẫu của một phiên bản", answer("Các biểu mẫu.", every(
            "procedure_id", "version", "forms", procedure_id=INT, version=INT, forms=array(ref("AttachedForm")))),
            params=version),
        "post": operation(
            "attachForm", TAG, "Gắn biểu mẫu (.docx, .xlsx, .pdf) vào phiên bản", answer(
                "Biểu mẫu vừa gắn.", ref("AttachedForm")), status="201", params=version,
            body=multipart(["file"], file=FILE,
                           code={**STR, "description": "Ký hiệu BM-01; bỏ trống: đọc từ tên tệp (QT-01 BM-01.docx)."},
                           replace={**STR, "enum": ["true", "false", "1", "0"],
                                    "description": "Thay tệp của ký hiệu đã có (mặc định: không, trả 409)."}),
            errors=("400", "401", "403", "404", "409", "413", "422"),
            description="Tệp được kiểm tra như tệp quy trình (giới hạn dung lượng, không macro, không khai báo "
                        "DOCTYPE/ENTITY, giải nén có giới hạn); PDF chỉ được kiểm tra phần đầu %PDF- và dấu kết "
                        "thúc, không bao giờ được máy chủ mở. Phiên bản mới của quy trình mang theo các biểu mẫu "
                        "của phiên bản trước."),
    }
    described["/api/v1/procedures/{procedure_id}/versions/{number}/forms/{code}/file"] = {
        "get": operation("downloadForm", TAG, "Tải về đúng tệp biểu mẫu đã lưu", file_answer(
            "Tệp, byte đúng như khi tải lên (tiêu đề X-Content-SHA256).", "application/octet-stream"),
            params=[*version, FORM_CODE]),
    }
    return described
