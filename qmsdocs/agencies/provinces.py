"""Vietnam's provinces by name: the 34 from 1 July 2025 and the 63 before (Nghị quyết 202/2025/QH15).

Agencies record the province they belong to and the one they belonged to before the merger;
the legal registry tells local authorities' documents apart by the same names.
"""

from __future__ import annotations

import re

from qmsdocs.text import fold

# The 34 provinces and cities from 1 July 2025, then the 63 before it (names as usually written).
PROVINCES = (
    "Hà Nội", "Huế", "Lai Châu", "Điện Biên", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Thanh Hóa", "Nghệ An", "Hà Tĩnh",
    "Cao Bằng", "Tuyên Quang", "Lào Cai", "Thái Nguyên", "Phú Thọ", "Bắc Ninh", "Hưng Yên", "Hải Phòng", "Ninh Bình",
    "Quảng Trị", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Khánh Hòa", "Lâm Đồng", "Đắk Lắk", "Hồ Chí Minh", "Đồng Nai",
    "Tây Ninh", "Cần Thơ", "Vĩnh Long", "Đồng Tháp", "Cà Mau", "An Giang",
    "Thừa Thiên Huế", "Hà Giang", "Yên Bái", "Bắc Kạn", "Vĩnh Phúc", "Hòa Bình", "Bắc Giang", "Hải Dương",
    "Thái Bình", "Hà Nam", "Nam Định", "Quảng Bình", "Quảng Nam", "Kon Tum", "Bình Định", "Phú Yên", "Ninh Thuận",
    "Đắk Nông", "Bình Thuận", "Bình Phước", "Bình Dương", "Bà Rịa - Vũng Tàu", "Long An", "Tiền Giang", "Bến Tre",
    "Trà Vinh", "Sóc Trăng", "Hậu Giang", "Bạc Liêu", "Kiên Giang",
)
AUTHORITY = re.compile(
    r"^(?:chu tich\s+)?(?:ubnd|hdnd|uy ban nhan dan|hoi dong nhan dan)\s+(?:tinh|thanh pho|tp\.?)?\s*(?P<name>.+)$")


def fold_province(text: str) -> str:
    """The shared fold, with dashes read as spaces ("Bà Rịa - Vũng Tàu" = "ba ria vung tau")."""
    return fold((text or "").replace("-", " "))


_BY_FOLD = {fold_province(name): name for name in PROVINCES}
_BY_FOLD["tp ho chi minh"] = _BY_FOLD["thanh pho ho chi minh"] = "Hồ Chí Minh"


def province_named(text: str | None) -> str | None:
    """The province a name or an authority names ("UBND tỉnh Trà Vinh" → "Trà Vinh"), or None."""
    folded = fold_province(text or "")
    if not folded:
        return None
    if folded in _BY_FOLD:
        return _BY_FOLD[folded]
    match = AUTHORITY.match(folded)
    return _BY_FOLD.get(match["name"].strip()) if match else None
