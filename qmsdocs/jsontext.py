"""Reading JSON text that the services can store as it is: one checker for API bodies and imported files.

`json.loads` accepts what no column can hold and what the services must never see: nesting
deep enough to exhaust the stack, lone surrogates ("\\ud800", which no encoder can write),
NUL characters (PostgreSQL refuses them), integers beyond 64 bits, NaN and Infinity.
"""

from __future__ import annotations

import json

from qmsdocs.errors import InvalidInput

MAX_JSON_DEPTH = 20
# Numbers beyond a 64-bit integer fit no column and mean nothing to any field.
MAX_JSON_INTEGER = 2**63 - 1


def loads_checked(text: str):
    """Parse `text`; InvalidInput for anything unstorable, ValueError (JSONDecodeError) for bad syntax."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise _too_deep() from None
    _check_json_value(data, "", 1)
    return data


def _refuse_constant(name: str):
    raise ValueError(name)


def _too_deep() -> InvalidInput:
    return InvalidInput(f"Dữ liệu JSON lồng nhau quá sâu (tối đa {MAX_JSON_DEPTH} cấp).", code="invalid_json")


def _check_json_value(value, path: str, depth: int) -> None:
    if depth > MAX_JSON_DEPTH:
        raise _too_deep()
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(key, path or "(tên trường)")
            _check_json_value(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json_value(item, f"{path}[{index}]", depth + 1)
    elif isinstance(value, str):
        _check_text(value, path)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_JSON_INTEGER:
        raise InvalidInput(f"Số trong trường '{printable_name(path)}' quá lớn.", code="invalid_field")


def _check_text(text: str, path: str) -> None:
    if "\x00" in text:
        raise InvalidInput(f"Trường '{printable_name(path)}' chứa ký tự NUL không hợp lệ. Hãy xoá ký tự đó rồi gửi lại.",
                           code="invalid_characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"Trường '{printable_name(path)}' chứa ký tự Unicode không hợp lệ (nửa cặp thay thế, ví dụ \\ud800). "
            "Hãy gửi văn bản UTF-8 hợp lệ.", code="invalid_characters") from None


def printable_name(name: str) -> str:
    """A field name safe to show back in a message (no surrogates, no NUL, not too long)."""
    return name.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")[:100]


