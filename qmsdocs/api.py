"""Shared pieces of the JSON API under /api/v1: bearer-token sign-in and input parsing."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, g, request

from qmsdocs.db import credential_reads
from qmsdocs.errors import InvalidInput, QmsError
from qmsdocs.http import after_request_aside, json_object

API_PREFIX = "/api/v1"


class Unauthorized(QmsError):
    status = 401
    code = "unauthorized"


def api_blueprint(name: str, import_name: str) -> Blueprint:
    """A blueprint under /api/v1 whose every request must carry a valid token."""
    blueprint = Blueprint(name, import_name, url_prefix=API_PREFIX)
    blueprint.before_request(_authenticate)
    return blueprint


def use_token_loader(app: Flask, loader, note_use) -> None:
    """Install how a bearer token becomes a user and how its use is recorded.

    The auth area installs them, so this module imports no area. `loader(token)` answers
    (user, token_id, last_used_at) or None; `note_use(token_id, last_used_at)` runs after the
    request, outside its transaction.
    """
    app.extensions["qmsdocs.token_loader"] = (loader, note_use)


def _authenticate() -> None:
    """Who is asking, looked up in a read of its own: the request's write lock comes later."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    loader, note_use = current_app.extensions.get("qmsdocs.token_loader", (None, None))
    with credential_reads():
        found = loader(token.strip()) if loader and scheme.lower() == "bearer" and token.strip() else None
    if found is None:
        raise Unauthorized(
            "Thiếu hoặc sai mã API. Hãy gửi tiêu đề 'Authorization: Bearer <mã>' với mã do quản trị viên cấp.",
        )
    user, token_id, last_used_at = found
    g.api_user = user
    after_request_aside(lambda: note_use(token_id, last_used_at))


def api_user():
    return g.api_user


def json_body(*, allow_empty: bool = False) -> dict:
    """The JSON object sent; `allow_empty` for actions whose fields are all optional."""
    return json_object(allow_empty=allow_empty)


def int_arg(value, name: str, *, required: bool = False, minimum: int = 1, maximum: int | None = 2**31 - 1) -> int | None:
    """Parse an integer parameter, refusing garbage with a message that names the parameter."""
    if value is None or value == "":
        if required:
            raise InvalidInput(f"Thiếu tham số '{name}'.", code="missing_parameter")
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise InvalidInput(f"Tham số '{name}' phải là số nguyên.", code="invalid_parameter") from None
    if number < minimum or (maximum is not None and number > maximum):
        limit = f"từ {minimum} đến {maximum}" if maximum is not None else f"từ {minimum} trở lên"
        raise InvalidInput(f"Tham số '{name}' phải {limit}.", code="invalid_parameter")
    return number


def str_field(data: dict, name: str, *, required: bool = True, max_length: int = 500) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidInput(f"Thiếu trường '{name}'.", code="missing_field")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Trường '{name}' phải là chuỗi ký tự.", code="invalid_field")
    if len(value) > max_length:
        raise InvalidInput(f"Trường '{name}' dài tối đa {max_length} ký tự.", code="invalid_field")
    return value
