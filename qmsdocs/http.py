"""The request's single commit point and the one place failures become user-facing answers.

API paths (`/api/...`) answer `{"error": {"code", "message"}}` with a Vietnamese message;
pages render the error template. No input is allowed to surface as a bare 500.

Every request is read whole before the database is touched (`read_whole_request`), so a
client that stalls half-way through its body holds a server thread, never the database.
JSON bodies go through one reader (`json_object`) that refuses what the services must never
see: non-object bodies, deep nesting, lone surrogates, NUL characters, huge numbers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, current_app, g, jsonify, render_template, request
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import ClientDisconnected, HTTPException, RequestEntityTooLarge

from qmsdocs.db import SAFE_METHODS
from qmsdocs.errors import Conflict, InvalidInput, QmsError
from qmsdocs.jsontext import loads_checked, printable_name
from qmsdocs.storage import BlobCorrupted, BlobMissing

log = logging.getLogger(__name__)

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
BODY_CHUNK = 16 * 1024
RETRY_AFTER_SECONDS = 5

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
BUSY_MESSAGE = ("Hệ thống đang bận ghi dữ liệu khác nên chưa lưu được yêu cầu của bạn (chưa có gì thay đổi). "
                "Hãy thử lại sau ít giây.")


class RequestTimeout(QmsError):
    status = 408
    code = "request_timeout"


def read_whole_request() -> None:
    """Take the whole body (and parse its form) before anything touches the database.

    A client that sends its headers and then trickles or stalls costs this thread until
    `REQUEST_BODY_SECONDS` (or the server's read timeout), but never a database lock.
    """
    refuse_nul_characters(request.args)
    if request.method in SAFE_METHODS:
        return
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    deadline = time.monotonic() + current_app.config.get("REQUEST_BODY_SECONDS", 60)
    chunks: list[bytes] = []
    stream = request.stream
    try:
        while chunk := stream.read(BODY_CHUNK):
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise _body_too_slow()
    except (OSError, ClientDisconnected):  # the server's read timeout, or the client went away
        raise _body_too_slow() from None
    # Werkzeug parses forms and JSON from this cached copy from now on.
    request._cached_data = b"".join(chunks)
    if request.mimetype in FORM_TYPES:
        refuse_nul_characters(request.form)


def _body_too_slow() -> QmsError:
    return RequestTimeout(
        "Dữ liệu gửi lên đến quá chậm hoặc bị ngắt giữa chừng nên yêu cầu đã bị huỷ; chưa có gì thay đổi. "
        "Hãy kiểm tra kết nối mạng rồi gửi lại.")


def refuse_nul_characters(values) -> None:
    """NUL never belongs in a text field, and PostgreSQL cannot store it."""
    for name, value in values.items(multi=True):
        if "\x00" in str(name) or (isinstance(value, str) and "\x00" in value):
            raise InvalidInput(
                f"Trường '{printable_name(name)}' chứa ký tự NUL không hợp lệ. Hãy xoá ký tự đó rồi gửi lại.",
                code="invalid_characters")


def json_object(*, allow_empty: bool = False) -> dict:
    """The request's JSON body as a dict whose every string is valid, storable text."""
    raw = request.get_data(cache=True)
    if allow_empty and not raw.strip():
        return {}
    if not request.is_json:
        raise InvalidInput("Nội dung yêu cầu phải là một đối tượng JSON. Hãy gửi Content-Type: application/json.",
                           code="invalid_json")
    try:
        data = loads_checked(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidInput("Nội dung JSON phải được mã hoá UTF-8.", code="invalid_json") from None
    except ValueError:
        raise InvalidInput("Nội dung yêu cầu không phải JSON hợp lệ. Hãy kiểm tra dấu ngoặc, dấu phẩy và dấu nháy.",
                           code="invalid_json") from None
    if not isinstance(data, dict):
        raise InvalidInput("Nội dung yêu cầu phải là một đối tượng JSON ({...}), không phải mảng, chuỗi hay số.",
                           code="invalid_json")
    return data


def keep_changes_on_error() -> None:
    """This request's writes stand even though its answer is an error (a failed sign-in is counted)."""
    g.keep_changes_on_error = True


def after_request_aside(callback: Callable[[], object]) -> None:
    """Run `callback` once the request's own transaction has ended (bookkeeping that must not fail it)."""
    g.setdefault("aside", []).append(callback)


def _run_aside() -> None:
    for callback in g.pop("aside", []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - bookkeeping never fails the request it follows
            log.exception("bookkeeping after the request failed")


def busy_response():
    response = error_response(QmsError(BUSY_MESSAGE, code="busy", status=503))
    response = current_app.make_response(response)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
    try:
        return _commit_or_roll_back(response)
    finally:
        _run_aside()


def _commit_or_roll_back(response):
    db_session = g.get("db_session")
    if db_session is None:
        return response
    if response.status_code >= 400 and not g.get("keep_changes_on_error"):
        db_session.rollback()
        return response
    try:
        db_session.commit()
    except IntegrityError:
        db_session.rollback()
        log.info("commit refused by a constraint (concurrent change)", exc_info=True)
        return current_app.make_response(error_response(
            Conflict(
                "Dữ liệu vừa được người khác thay đổi cùng lúc. Hãy tải lại trang, xem bản mới nhất rồi thử lại.",
                code="concurrent_change",
            )
        ))
    except (OperationalError, PoolTimeout):
        db_session.rollback()
        log.warning("commit failed: database busy", exc_info=True)
        return busy_response()
    return response


def init_app(app: Flask) -> None:
    hops = app.config.get("PROXY_HOPS", 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.before_request(read_whole_request)
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
    @app.errorhandler(PoolTimeout)
    def _busy(_error):
        _rollback()
        log.warning("database busy or unavailable", exc_info=True)
        return busy_response()

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        _rollback()
        if app.testing:
            raise error
        log.exception("unexpected error", exc_info=error)
        return error_response(QmsError(INTERNAL_MESSAGE, code="internal_error", status=500))
