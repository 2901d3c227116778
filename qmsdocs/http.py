"""The request's single commit point and the one place failures become user-facing answers.

API paths (`/api/...`) answer `{"error": {"code", "message"}}` with a Vietnamese message;
pages render the error template. No input is allowed to surface as a bare 500.
"""

from __future__ import annotations

import logging

from flask import Flask, g, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from werkzeug.exceptions import HTTPException

from qmsdocs.errors import Conflict, QmsError
from qmsdocs.storage import BlobCorrupted, BlobMissing

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: "Yêu cầu không hợp lệ. Hãy kiểm tra lại dữ liệu đã gửi.",
    401: "Bạn cần đăng nhập (hoặc gửi mã API hợp lệ) để dùng chức năng này.",
    403: "Bạn không có quyền làm việc này.",
    404: "Không tìm thấy trang hoặc dữ liệu yêu cầu. Hãy kiểm tra lại đường dẫn.",
    405: "Phương thức không được hỗ trợ ở địa chỉ này.",
    413: "Tệp hoặc dữ liệu gửi lên quá lớn. Hãy giảm dung lượng rồi thử lại.",
    415: "Kiểu dữ liệu gửi lên không được hỗ trợ.",
    429: "Bạn thao tác quá nhiều lần. Hãy đợi một lúc rồi thử lại.",
}
INTERNAL_MESSAGE = "Đã có lỗi ngoài dự kiến; dữ liệu của bạn chưa bị thay đổi. Hãy thử lại hoặc báo quản trị viên."
BUSY_MESSAGE = "Hệ thống đang bận ghi dữ liệu khác. Hãy thử lại sau ít giây."


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def error_response(error: QmsError):
    if wants_json():
        return jsonify(error.to_dict()), error.status
    return render_template("error.html", error=error), error.status


def _rollback() -> None:
    db_session = g.get("db_session")
    if db_session is not None:
        db_session.rollback()


def commit_request(response):
    """Commit what the request did when it succeeded; roll back otherwise."""
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400:
        db_session.rollback()
        return response
    try:
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        log.info("commit refused by a constraint (concurrent change)", exc_info=True)
        return error_response(
            Conflict(
                "Dữ liệu vừa được người khác thay đổi cùng lúc. Hãy tải lại trang, xem bản mới nhất rồi thử lại.",
                code="concurrent_change",
            )
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(commit_request)

    @app.errorhandler(QmsError)
    def _qms_error(error: QmsError):
        _rollback()
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        _rollback()
        status = error.code or 500
        message = HTTP_MESSAGES.get(status, error.description or INTERNAL_MESSAGE)
        code = (error.name or "error").lower().replace(" ", "_")
        if status == 413:
            code = "too_large"
            message = (f"Tệp gửi lên vượt giới hạn {app.config['MAX_UPLOAD_MB']:g} MB. "
                       "Hãy nén ảnh trong tài liệu hoặc tách tài liệu rồi tải lên lại.")
        return error_response(QmsError(message, code=code, status=status))

    @app.errorhandler(IntegrityError)
    def _integrity_error(_error):
        _rollback()
        return error_response(
            Conflict(
                "Dữ liệu vừa được người khác thay đổi cùng lúc. Hãy tải lại, xem bản mới nhất rồi thử lại.",
                code="concurrent_change",
            )
        )

    @app.errorhandler(BlobCorrupted)
    @app.errorhandler(BlobMissing)
    def _blob_unreadable(error):
        _rollback()
        log.error("stored file unreadable: %r", error)
        return error_response(QmsError(
            "Tệp đã lưu của phiên bản này bị hỏng hoặc bị mất nên không thể gửi ra. "
            "Hãy báo quản trị viên chạy `qms check` và khôi phục tệp từ bản sao lưu.",
            code="stored_file_unreadable", status=503,
        ))

    @app.errorhandler(OperationalError)
    def _busy(_error):
        _rollback()
        log.exception("database error")
        return error_response(QmsError(BUSY_MESSAGE, code="busy", status=503))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        _rollback()
        if app.testing:
            raise error
        log.exception("unexpected error", exc_info=error)
        return error_response(QmsError(INTERNAL_MESSAGE, code="internal_error", status=500))
