"""OpenAPI description of the lookups by old codes and names."""

from __future__ import annotations

from qmsdocs.openapi import INT, STR, answer, array, every, maybe, obj, operation, query, ref

TAGS = ["Cơ quan"]
SCHEMAS = {
    "AgencyLookup": every(
        "agency", "matched", "note", "successors", agency=ref("Agency"),
        matched={**STR, "enum": ["code", "name", "former_name"]}, former_name=maybe(STR),
        note={**STR, "description": "Câu hiển thị, ví dụ «UBND xã An Trường A (XA-B) nay là …»."},
        successors=array(ref("Agency"))),
    "ProcedureLookup": every(
        "id", "code", "title", "status", "agency", "agency_name", "former",
        id=INT, code=STR, title=STR, status=STR, agency=STR, agency_name=STR, note=STR,
        former=maybe(obj(["agency", "code"], agency=STR, agency_name=STR, code=STR, moved_on=STR))),
}


def paths() -> dict:
    tag = "Cơ quan"
    return {
        "/api/v1/lookup/agencies": {
            "get": operation("lookupAgencies", tag, "Tìm cơ quan theo mã hoặc tên cũ", answer(
                "Cơ quan tìm thấy và cơ quan kế thừa hiện nay.", every("items", items=array(ref("AgencyLookup")))),
                params=[query("q", STR, "Mã hoặc tên (hiện tại hoặc trước khi sắp xếp lại).", required=True)],
                errors=("400", "401")),
        },
        "/api/v1/lookup/procedure": {
            "get": operation("lookupProcedure", tag, "Tìm quy trình theo mã cơ quan và mã quy trình, kể cả mã cũ",
                             answer("Quy trình hiện nay; `former` nêu mã cũ khi tìm theo mã trước khi sắp xếp lại.",
                                    ref("ProcedureLookup")),
                             params=[query("agency", STR, "Mã cơ quan (có thể là mã cũ).", required=True),
                                     query("code", STR, "Mã quy trình (có thể là mã cũ).", required=True)]),
        },
    }
