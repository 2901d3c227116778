"""Demo of the 2025 merger: three former provinces' services become one (`qms demo --scenario 2025`).

Trà Vinh, Bến Tre and Vĩnh Long each get a small service of their own (a temporary data folder
and SQLite database), with a provincial committee, a Sở Tư pháp, one district and its communes.
Each is exported with `qms export`'s code, imported here with a mapping that records the former
province, then one reorganization plan — the same file `qms reorganize` reads — abolishes the
districts and merges communes and departments on 1 July 2025. Every name below the province is
illustrative and says so ("tên minh họa").
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

from flask import current_app

from qmsdocs.agencies.service_name import set_service_name
from qmsdocs.agencies.services import create_agency
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.db import session
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure
from qmsdocs.procedures.services import add_version, create_procedure

ILLUSTRATIVE = " (tên minh họa)"
MERGED_ON = date(2025, 7, 1)
BIRTH = ("QT-HT-01", "Quy trình đăng ký khai sinh", "Hộ tịch")
RECORD = ("QT-05", "Quy trình cấp Phiếu lý lịch tư pháp", "Lý lịch tư pháp")
BUILDING = ("QT-XD-01", "Quy trình cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng")
BUSINESS = ("QT-HKD-01", "Quy trình đăng ký thành lập hộ kinh doanh", "Hộ kinh doanh")

# Per former province: its suffix here, its district, and its communes (code, name).
FORMER_PROVINCES = {
    "Trà Vinh": ("TV", ("UBND-CL", "UBND huyện Càng Long"),
                 [("XA-ANTRUONG", "UBND xã An Trường" + ILLUSTRATIVE),
                  ("XA-ANTRUONG-A", "UBND xã An Trường A" + ILLUSTRATIVE)]),
    "Bến Tre": ("BT", ("UBND-CT", "UBND huyện Châu Thành"),
                [("XA-TANTHACH", "UBND xã Tân Thạch" + ILLUSTRATIVE)]),
    "Vĩnh Long": ("VL", ("UBND-LH", "UBND huyện Long Hồ"),
                  [("XA-LONGHO", "UBND xã Long Hồ" + ILLUSTRATIVE)]),
}


def _upload(procedure, agency_name: str, code: str, title: str, revisions: list[tuple[str, str]]) -> None:
    for revision, issued_on in revisions:
        spec = ProcedureDocument(code=code, title=title, agency_name=agency_name, revision=revision,
                                 issued_on=issued_on, legal_refs=["Nghị định số 61/2018/NĐ-CP"],
                                 filler_paragraphs=2)
        add_version(procedure, build_procedure(spec), f"{code}_lan{revision}.docx", note="Minh họa",
                    actor=SYSTEM, max_bytes=current_app.config["MAX_UPLOAD_BYTES"])


def _former_service(province: str) -> None:
    """The former province's own service, as it stood on 30 June 2025."""
    _suffix, (district_code, district_name), communes = FORMER_PROVINCES[province]
    set_service_name(f"UBND tỉnh {province}", effective_on=date(2019, 1, 1), province=province)
    create_agency("UBND-TINH", f"Ủy ban nhân dân tỉnh {province}", "province", kind="provincial_committee",
                  province=province, actor=SYSTEM)
    stp = create_agency("STP", f"Sở Tư pháp tỉnh {province}" + ILLUSTRATIVE, "province", parent_code="UBND-TINH",
                        kind="department", province=province, actor=SYSTEM)
    district = create_agency(district_code, district_name, "district", parent_code="UBND-TINH",
                             kind="district_committee", province=province, actor=SYSTEM)
    district.unit_type = "district"
    code, title, field = RECORD
    _upload(create_procedure("STP", code, title, field=field, actor=SYSTEM), stp.name, code, title,
            [("01", "12/06/2019"), ("02", "01/03/2024")])
    for code, title, field in (BUILDING, BUSINESS):
        _upload(create_procedure(district_code, code, title, field=field, actor=SYSTEM), district.name, code, title,
                [("01", "20/05/2019")])
    for commune_code, commune_name in communes:
        commune = create_agency(commune_code, commune_name, "commune", parent_code=district_code,
                                kind="commune_committee", province=province, actor=SYSTEM)
        commune.unit_type = "commune"
        code, title, field = BIRTH
        _upload(create_procedure(commune_code, code, title, field=field, actor=SYSTEM), commune.name, code, title,
                [("01", "20/05/2019"), ("02", "02/02/2023")])


def _export_former(province: str, folder: Path) -> Path:
    """Build the former province's service in its own data folder and export it, as its admin would."""
    from qmsdocs import create_app, schema
    from qmsdocs.archive.export import export_archive
    from qmsdocs.cli import init_hooks
    from qmsdocs.db import get_engine

    data = folder / FORMER_PROVINCES[province][0]
    app = create_app({"DATA_DIR": data, "DATABASE_URL": f"sqlite:///{data / 'qmsdocs.sqlite3'}",
                      "SEARCH_BACKEND": "tantivy", "BLOB_STORE": "folder", "WORKER": "off",
                      "SECRET_KEY": "demo-former-province"})
    with app.app_context():
        schema.upgrade(get_engine())
        for hook in init_hooks:
            hook(app)
        _former_service(province)
        session.commit()
        archive = folder / f"{FORMER_PROVINCES[province][0].lower()}.zip"
        export_archive(archive)
        session.rollback()
        get_engine().dispose()
    return archive


def _import(archive: Path, province: str, folder: Path) -> None:
    from qmsdocs.archive import importer
    from qmsdocs.db import reading_only

    suffix, (district_code, _name), communes = FORMER_PROVINCES[province]
    codes = ["UBND-TINH", "STP", district_code, *(code for code, _ in communes)]
    mapping = folder / f"mapping-{suffix}.csv"
    mapping.write_text("code,action,target,rename_suffix,former_province\n" + "".join(
        f"{code},new,{code}-{suffix},,{province}\n" for code in codes), encoding="utf-8")
    reader = importer.open_archive(archive)
    try:
        with reading_only():
            reader.verify()
            plan = importer.make_plan(reader, importer.read_mapping(mapping))
            session.rollback()
        report = importer.import_archive(reader, plan, session.commit, session.rollback)
    finally:
        reader.close()
    if report.failures:
        raise RuntimeError("; ".join(report.failures))


def plan_csv() -> str:
    """The reorganization of 1 July 2025: one province, no districts, communes merged, one Sở Tư pháp."""
    header = "action,agency,successor,effective_on,procedures,successor_name,successor_level,successor_kind,decision\n"
    resolution = "Nghị quyết 202/2025/QH15"
    rows = []
    for province, (suffix, _district, _communes) in FORMER_PROVINCES.items():
        rows.append(f"merge,UBND-TINH-{suffix},UBND-TINH,2025-07-01,,Ủy ban nhân dân tỉnh Vĩnh Long,province,"
                    f"provincial_committee,{resolution}")
    for province, (suffix, _district, _communes) in FORMER_PROVINCES.items():
        rows.append(f"merge,STP-{suffix},STP,2025-07-01,,Sở Tư pháp tỉnh Vĩnh Long{ILLUSTRATIVE},province,"
                    "department,Quyết định sắp xếp Sở Tư pháp (minh họa)")
    rows += [
        "merge,XA-ANTRUONG-TV,XA-ANTRUONG,2025-07-01,,UBND xã An Trường (sau sắp xếp)" + ILLUSTRATIVE
        + ",commune,commune_committee,Nghị quyết sắp xếp đơn vị hành chính cấp xã (minh họa)",
        "merge,XA-ANTRUONG-A-TV,XA-ANTRUONG,2025-07-01,,,,,",
        "split,UBND-CL-TV,UBND-TINH,2025-07-01,QT-XD-01,,,,Luật Tổ chức chính quyền địa phương 2025",
        "split,UBND-CL-TV,XA-ANTRUONG,2025-07-01,,,,,",
        "split,UBND-CT-BT,UBND-TINH,2025-07-01,QT-XD-01,,,,",
        "split,UBND-CT-BT,XA-TANTHACH-BT,2025-07-01,,,,,",
        "split,UBND-LH-VL,UBND-TINH,2025-07-01,QT-XD-01,,,,",
        "split,UBND-LH-VL,XA-LONGHO-VL,2025-07-01,,,,,",
    ]
    return header + "\n".join(rows) + "\n"


def load_merger_demo(echo=print) -> None:
    """Three former provinces' services, exported, imported here and reorganized into one province."""
    from qmsdocs.auth.services import create_user
    from qmsdocs.reorganize import plan as plans
    from qmsdocs.reorganize.runner import apply_plan

    with tempfile.TemporaryDirectory(prefix="qms-demo-2025-") as temporary:
        folder = Path(temporary)
        for province in FORMER_PROVINCES:
            archive = _export_former(province, folder)
            echo(f"- dịch vụ của tỉnh {province} (cũ): đã xuất {archive.name}")
            _import(archive, province, folder)
            echo(f"- đã nhập {archive.name} (tỉnh cũ {province})")
    set_service_name("UBND tỉnh Trà Vinh", effective_on=date(2019, 1, 1), province="Trà Vinh")
    set_service_name("UBND tỉnh Vĩnh Long", effective_on=MERGED_ON, province="Vĩnh Long",
                     former_provinces=list(FORMER_PROVINCES), decision="Nghị quyết 202/2025/QH15")
    session.commit()
    plan_text = plan_csv()
    outcome = apply_plan(plans.check_plan(plans.read_plan(plan_text.encode(), "ke-hoach-2025.csv")), actor=SYSTEM)
    echo(f"- kế hoạch sắp xếp 01/07/2025: {len(outcome.changes)} lần sắp xếp, {len(outcome.moved)} quy trình chuyển, "
         f"{len(outcome.duplicates)} cặp trùng cần chọn")
    from qmsdocs.demo.data import DEMO_PASSWORD

    create_user("admin", DEMO_PASSWORD, "admin", full_name="Quản trị hệ thống (minh họa)", actor=SYSTEM)
    create_user("xem", DEMO_PASSWORD, "viewer", agency_code="UBND-TINH", full_name="Người xem (minh họa)",
                actor=SYSTEM)
