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

from collections.abc import Iterable
from datetime import date

from qmsdocs.agencies.provinces import AUTHORITY as _AUTHORITY
from qmsdocs.agencies.provinces import fold_province as _fold
from qmsdocs.agencies.provinces import province_named  # noqa: F401 (read from here by the registry)
from qmsdocs.errors import InvalidInput

# Provinces merged on this day (Nghị quyết 202/2025/QH15): a version issued before it was written
# under its agency's former province.
PROVINCE_MERGER_DATE = date(2025, 7, 1)

# Issuers that make a symbol a local authority's: UBND (people's committee), HĐND (people's council).
LOCAL_ISSUERS = ("UBND", "HDND")


def is_local_key(key: str | None) -> bool:
    """Whether a citation key is a local authority's (its issuer is UBND or HĐND)."""
    if not key:
        return False
    suffix = key.rsplit("/", 1)[-1]
    return any(part in LOCAL_ISSUERS for part in suffix.split("-")[1:])


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
