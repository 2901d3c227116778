"""Documents of local authorities (QĐ-UBND, CT-UBND, NQ-HĐND, KH-UBND …) told apart by province.

Their numbers do not name the province, and since 1 July 2025 one province holds agencies of
several former provinces (Trà Vinh and Bến Tre merged into Vĩnh Long). A registry entry of a
local authority records its issuing authority ("UBND tỉnh Trà Vinh"); its registry key carries
the province (`25/2019/QD-UBND@TRA-VINH`), so two provinces' documents never meet by key, while
central documents keep their keys. A citation resolves to the document of the citing agency's
province (its former province when the citing version predates the merger), or stays unresolved
when that is ambiguous.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from qmsdocs.errors import InvalidInput

# Provinces merged on this day (Nghị quyết 202/2025/QH15): a version issued before it was written
# under its agency's former province.
PROVINCE_MERGER_DATE = date(2025, 7, 1)

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
# Issuers that make a symbol a local authority's: UBND (people's committee), HĐND (people's council).
LOCAL_ISSUERS = ("UBND", "HDND")
_AUTHORITY = re.compile(
    r"^(?:chu tich\s+)?(?:ubnd|hdnd|uy ban nhan dan|hoi dong nhan dan)\s+(?:tinh|thanh pho|tp\.?)?\s*(?P<name>.+)$")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text or "").replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[\s\-]+", " ", text).strip().lower()


_BY_FOLD = {_fold(name): name for name in PROVINCES}
_BY_FOLD["tp ho chi minh"] = _BY_FOLD["thanh pho ho chi minh"] = "Hồ Chí Minh"


def is_local_key(key: str | None) -> bool:
    """Whether a citation key is a local authority's (its issuer is UBND or HĐND)."""
    if not key:
        return False
    suffix = key.rsplit("/", 1)[-1]
    return any(part in LOCAL_ISSUERS for part in suffix.split("-")[1:])


def province_named(text: str | None) -> str | None:
    """The province a name or an authority names ("UBND tỉnh Trà Vinh" → "Trà Vinh"), or None."""
    folded = _fold(text or "")
    if not folded:
        return None
    if folded in _BY_FOLD:
        return _BY_FOLD[folded]
    match = _AUTHORITY.match(folded)
    return _BY_FOLD.get(match["name"].strip()) if match else None


def authority_province(issuer: str | None, *, known: Iterable[str] = ()) -> str:
    """The province of a local authority's document, from its issuer; refuses one the registry does not know."""
    extra = {_fold(name): name for name in known if name}
    province = province_named(issuer)
    if province is None and issuer:
        folded = _fold(issuer)
        match = _AUTHORITY.match(folded)
        province = extra.get(match["name"].strip() if match else folded)
    if province is None:
        shown = (issuer or "").strip()[:80]
        raise InvalidInput(
            f"Trường 'issuer': không nhận ra cơ quan ban hành địa phương '{shown}'. Văn bản của UBND, HĐND "
            "phải ghi cơ quan ban hành kèm tên tỉnh, ví dụ 'UBND tỉnh Trà Vinh', 'HĐND thành phố Cần Thơ'.",
            code="unknown_authority")
    return province


def local_key(citation_key: str, province: str) -> str:
    """The registry key of a local authority's document: its citation key and its province."""
    return f"{citation_key}@{_fold(province).upper().replace(' ', '-')}"


def same_province(a: str | None, b: str | None) -> bool:
    return bool(a and b) and _fold(a) == _fold(b)


def resolve(candidates: dict[str, int], province: str | None, former_province: str | None,
            version_date: date | None) -> int | None:
    """The registry entry (id) a local citation means, or None when none or several could be meant.

    `candidates` maps each registered province to its document. The agency's former province when
    the version predates the merger; otherwise its province or former province (documents of a former
    province stay in force in its territory), which must point to exactly one document. An agency with
    no province recorded resolves only when a single province has such a document.
    """
    if not candidates:
        return None
    if province is None and former_province is None:
        return next(iter(candidates.values())) if len(candidates) == 1 else None
    predates = version_date is not None and version_date < PROVINCE_MERGER_DATE
    wanted = [former_province] if predates and former_province else [province, former_province]
    found = {document_id for name, document_id in candidates.items()
             if any(same_province(name, w) for w in wanted)}
    return found.pop() if len(found) == 1 else None
