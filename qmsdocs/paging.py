"""Page and page-size parameters of every list, read one way and bounded, and the page they give.

APIs refuse a malformed or out-of-range number with a 400 that names the parameter; pages
(HTML) fall back to the first page for garbage and clamp numbers to the allowed range, so a
hand-edited address never shows an error page. Neither ever turns `?page=10^30` into a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from qmsdocs.errors import InvalidInput

MAX_PAGE = 100_000
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 1000
# The older `limit` parameter accepted up to this; larger limits are cut to MAX_PER_PAGE, not refused.
LEGACY_MAX_LIMIT = 10_000
# Longer than any page number people type: int() of a huge string is refused before it is parsed.
_MAX_DIGITS = 12


@dataclass(frozen=True)
class PageRequest:
    """Which slice of a list to show: `page` (from 1) of `per_page` rows, or a raw `offset`."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    start: int | None = None

    @property
    def offset(self) -> int:
        return self.start if self.start is not None else (self.page - 1) * self.per_page


@dataclass
class Page:
    """One page of a list with the total it was cut from."""

    items: list
    total: int
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    extra: dict = field(default_factory=dict)

    @classmethod
    def of(cls, items: list, total: int, request: PageRequest) -> Page:
        return cls(list(items), total, request.page, request.per_page)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def as_json(self, item_json: Callable) -> dict:
        """The API answer: `items` as before, with `total`, `page` and `per_page` beside them."""
        return {"items": [item_json(item) for item in self.items], "total": self.total,
                "page": self.page, "per_page": self.per_page}


def _number(value, name: str, default: int, minimum: int, maximum: int, strict: bool) -> int:
    if value is None or str(value).strip() == "":
        return default
    text = str(value).strip()
    digits = text.lstrip("+-")
    if not digits.isdigit() or not digits.isascii():
        if strict:
            raise InvalidInput(f"Tham số '{name}' phải là số nguyên từ {minimum} đến {maximum}.",
                               code="invalid_parameter")
        return default
    number = int(text) if len(digits) <= _MAX_DIGITS else (maximum + 1 if not text.startswith("-") else minimum - 1)
    if minimum <= number <= maximum:
        return number
    if strict:
        raise InvalidInput(f"Tham số '{name}' phải từ {minimum} đến {maximum}.", code="invalid_parameter")
    return min(max(number, minimum), maximum)


def page_request(args: Mapping, *, per_page: int = DEFAULT_PER_PAGE, max_per_page: int = MAX_PER_PAGE,
                 max_page: int = MAX_PAGE, strict: bool = True, legacy_limit: bool = False) -> PageRequest:
    """`page` and `per_page` from a query string (`legacy_limit`: also the older `limit` and `offset`).

    `strict` (APIs) refuses bad numbers with a 400; otherwise (pages) they fall back or are clamped.
    """
    if legacy_limit and args.get("page") in (None, "") and args.get("per_page") in (None, "") \
            and (args.get("limit") not in (None, "") or args.get("offset") not in (None, "")):
        limit = min(_number(args.get("limit"), "limit", per_page, 1, LEGACY_MAX_LIMIT, strict), max_per_page)
        start = _number(args.get("offset"), "offset", 0, 0, MAX_PAGE * max_per_page, strict)
        return PageRequest(start // limit + 1, limit, start)
    return PageRequest(_number(args.get("page"), "page", 1, 1, max_page, strict),
                       _number(args.get("per_page"), "per_page", per_page, 1, max_per_page, strict))


def lenient_page(args: Mapping, *, per_page: int = DEFAULT_PER_PAGE) -> PageRequest:
    """The page of an HTML list: garbage means the first page, too large a number the last allowed."""
    return PageRequest(_number(args.get("page"), "page", 1, 1, MAX_PAGE, False), per_page)
