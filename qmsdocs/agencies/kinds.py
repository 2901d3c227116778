"""Agency kinds (loại cơ quan, đơn vị) and administrative unit types, and reading a kind from text."""

from __future__ import annotations

from functools import lru_cache

from qmsdocs.text import N_, fold

# Agency kinds (loại cơ quan, đơn vị), stored in Agency.kind.
KINDS = {
    "provincial_committee": N_("UBND tỉnh"),
    "department": N_("Cơ quan chuyên môn (sở, ban, ngành)"),
    "sub_department": N_("Chi cục"),
    "public_unit": N_("Đơn vị sự nghiệp công lập"),
    "police": N_("Công an"),
    "council": N_("Hội đồng nhân dân"),
    "district_committee": N_("UBND huyện, thị xã, thành phố"),
    "commune_committee": N_("UBND xã, phường, thị trấn"),
    "other": N_("Cơ quan, đơn vị khác"),
}
# The order reports list kinds in.
KIND_ORDER = tuple(KINDS)
# The provincial People's Committee directs the rollout; it is the root of the tree and is
# not itself one of the units the annual assessment counts.
NOT_ASSESSED_KINDS = ("provincial_committee",)
# Loại đơn vị hành chính of a people's committee, per level.
UNIT_TYPES = {
    "city": N_("Thành phố"),
    "town": N_("Thị xã"),
    "district": N_("Huyện"),
    "ward": N_("Phường"),
    "township": N_("Thị trấn"),
    "commune": N_("Xã"),
}
UNIT_TYPES_BY_LEVEL = {"district": ("city", "town", "district"), "commune": ("commune", "ward", "township")}


def kind_of(agency_or_kind) -> str:
    """The agency's kind among KINDS; free text kinds from before the catalog count as 'other'."""
    kind = agency_or_kind if isinstance(agency_or_kind, str) or agency_or_kind is None else agency_or_kind.kind
    return kind if kind in KINDS else "other"


# Words in a published "cơ quan thực hiện" that tell the kind, most specific first.
_KIND_HINTS = (
    ("chi cuc", "sub_department"),
    ("cong an", "police"),
    ("hoi dong nhan dan", "council"),
    ("hdnd", "council"),
    ("cap xa", "commune_committee"),
    ("ubnd xa", "commune_committee"),
    ("uy ban nhan dan xa", "commune_committee"),
    ("cap huyen", "district_committee"),
    ("ubnd huyen", "district_committee"),
    ("uy ban nhan dan huyen", "district_committee"),
    ("ubnd tinh", "provincial_committee"),
    ("uy ban nhan dan tinh", "provincial_committee"),
    ("chu tich ubnd tinh", "provincial_committee"),
    ("trung tam", "public_unit"),
    ("don vi su nghiep", "public_unit"),
    ("benh vien", "public_unit"),
    ("truong ", "public_unit"),
    ("so ", "department"),
    ("ban ", "department"),
    ("thanh tra tinh", "department"),
    ("van phong ubnd", "department"),
)


@lru_cache(maxsize=4096)
def parse_kind(text: str) -> str | None:
    """The kind named by a key, a label or a published agency description; None when unclear."""
    text = (text or "").strip()
    if not text:
        return None
    if text in KINDS:
        return text
    folded = fold(text)
    for kind, label in KINDS.items():
        if folded == fold(label):
            return kind
    padded = folded + " "
    for hint, kind in _KIND_HINTS:
        if padded.startswith(hint) or f" {hint}" in f" {padded}":
            return kind
    return None
