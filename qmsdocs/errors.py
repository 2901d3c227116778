"""Errors that services raise and the web layer turns into clear Vietnamese answers.

Services know nothing of HTTP; each error carries a stable machine code, a message for
the user (Vietnamese: what is wrong and what to do) and the HTTP status the API uses.
"""

from __future__ import annotations


class QmsError(Exception):
    """Base of every error a user may see."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None, **details):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details

    def to_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}


class InvalidInput(QmsError):
    status = 400
    code = "invalid"


class UploadRefused(QmsError):
    """An uploaded file was refused before anything was stored."""

    status = 422
    code = "upload_refused"


class NotFound(QmsError):
    status = 404
    code = "not_found"


class Forbidden(QmsError):
    status = 403
    code = "forbidden"


class Conflict(QmsError):
    status = 409
    code = "conflict"
