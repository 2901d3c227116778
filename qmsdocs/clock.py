"""Dates as the offices live them: today in Vietnam, and dates as people write them.

Servers usually run on UTC; a change effective "today", a report dated "today" and a review due
"today" all mean the calendar day in Vietnam, which starts seven hours before UTC's.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from qmsdocs.errors import InvalidInput

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?")
_VIETNAMESE = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")


def local_today() -> date:
    """Today in Vietnam, whatever the server's own time zone."""
    return datetime.now(VIETNAM).date()


def local_time(value: datetime) -> datetime:
    """Times are stored in UTC without a zone; offices read them in Vietnam's time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM)


def parse_date(value, field_name: str, *, required: bool = False) -> date | None:
    """ISO (2024-08-01) or Vietnamese (01/08/2024, 1-8-2024, 01.08.2024) dates; a spreadsheet's date cells too."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"Thiếu ngày '{field_name}' (dạng dd/mm/yyyy hoặc yyyy-mm-dd).", code="missing_field")
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Ngày '{field_name}' phải là chuỗi dạng dd/mm/yyyy hoặc yyyy-mm-dd.", code="invalid_date")
    text = value.strip()
    try:
        match = _ISO.fullmatch(text)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = _VIETNAMESE.fullmatch(text)
        if match:
            return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        pass
    raise InvalidInput(f"Ngày '{field_name}' không hợp lệ: '{text[:40]}'. Hãy ghi dạng dd/mm/yyyy hoặc yyyy-mm-dd.",
                       code="invalid_date")


EARLIEST_YEAR, LATEST_YEAR = 1945, 2100


def parse_record_date(value, field_name: str, *, required: bool = False) -> date | None:
    """ISO (2024-08-01) or Vietnamese (01/08/2024, 1-8-2024, 01.08.2024) dates, between 1945 and 2100
    (no legal document, change or review of the Republic lies outside; 0001-01-01 is a typing slip)."""
    day = parse_date(value, field_name, required=required)
    if day is not None and not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise InvalidInput(f"Ngày '{field_name}' ({day:%d/%m/%Y}) nằm ngoài khoảng {EARLIEST_YEAR}–{LATEST_YEAR}; "
                           "hãy kiểm tra lại năm.", code="date_out_of_range")
    return day
