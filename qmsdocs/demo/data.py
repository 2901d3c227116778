"""Core demo content: a few agencies, users and procedures with several versions each."""

from __future__ import annotations

from flask import current_app

from qmsdocs.agencies.services import create_agency
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.auth.services import create_user
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure
from qmsdocs.procedures.services import add_version, create_procedure

DEMO_PASSWORD = "demo-qms-2019"

AGENCIES = [
    # code, name, level, parent
    ("UBND-TINH", "Ủy ban nhân dân tỉnh Trà Vinh", "province", None),
    ("STNMT", "Sở Tài nguyên và Môi trường", "province", "UBND-TINH"),
    ("STP", "Sở Tư pháp", "province", "UBND-TINH"),
    ("UBND-CL", "UBND huyện Càng Long", "district", "UBND-TINH"),
    ("UBND-CL-AN-TRUONG", "UBND xã An Trường (tên minh họa)", "commune", "UBND-CL"),
]

USERS = [
    # username, role, agency, full name (illustrative)
    ("admin", "admin", None, "Quản trị hệ thống"),
    ("bientap", "editor", "STNMT", "Nguyễn Văn An (minh họa)"),
    ("pheduyet", "approver", "STNMT", "Trần Thị Bình (minh họa)"),
    ("xem", "viewer", "STP", "Lê Văn Cường (minh họa)"),
]

LAND = "Luật Đất đai số 45/2013/QH13"
LAND_2024 = "Luật Đất đai số 31/2024/QH15"
DECREE_43 = "Nghị định số 43/2014/NĐ-CP ngày 15/5/2014 của Chính phủ quy định chi tiết thi hành Luật Đất đai"
DECREE_61 = "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông"
DECREE_107 = "Nghị định số 107/2021/NĐ-CP sửa đổi, bổ sung Nghị định số 61/2018/NĐ-CP"
CIRCULAR_01 = "Thông tư số 01/2018/TT-VPCP hướng dẫn thi hành Nghị định số 61/2018/NĐ-CP"
DECISION_19 = "Quyết định số 19/2014/QĐ-TTg ngày 05/3/2014 của Thủ tướng Chính phủ"
CIVIL_STATUS = "Luật Hộ tịch số 60/2014/QH13"
DECREE_123 = "Nghị định số 123/2015/NĐ-CP quy định chi tiết Luật Hộ tịch"

# agency, code, title, field, TTHC codes, then (revision, issued_on, refs, note) per version
PROCEDURES = [
    ("STNMT", "QT-01/STNMT", "Quy trình cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai", ["1.004227"], [
        ("01", "05/03/2019", [LAND, DECREE_43, DECREE_61, DECISION_19], "Ban hành lần đầu"),
        ("02", "10/01/2022", [LAND, DECREE_43, DECREE_61, DECREE_107, CIRCULAR_01, DECISION_19],
         "Cập nhật theo Nghị định 107/2021/NĐ-CP"),
    ]),
    ("STNMT", "QT-02/STNMT", "Quy trình đăng ký biến động quyền sử dụng đất", "Đất đai", ["1.004199"], [
        ("01", "05/03/2019", [LAND, DECREE_43, DECREE_61], "Ban hành lần đầu"),
        ("02", "01/08/2024", [LAND_2024, DECREE_61, DECREE_107], "Cập nhật theo Luật Đất đai 2024"),
        ("03", "15/01/2025", [LAND_2024, DECREE_61, DECREE_107, CIRCULAR_01], "Bổ sung biểu mẫu"),
    ]),
    ("STP", "QT-05/STP", "Quy trình cấp Phiếu lý lịch tư pháp", "Lý lịch tư pháp", ["2.000488"], [
        ("01", "12/06/2019", ["Luật Lý lịch tư pháp số 28/2009/QH12", DECREE_61, DECISION_19], "Ban hành lần đầu"),
    ]),
    ("UBND-CL-AN-TRUONG", "QT-HT-01", "Quy trình đăng ký khai sinh", "Hộ tịch", ["1.001193"], [
        ("01", "20/05/2019", [CIVIL_STATUS, DECREE_123, DECREE_61], "Ban hành lần đầu"),
        ("02", "02/02/2023", [CIVIL_STATUS, DECREE_123, DECREE_61, DECREE_107], "Cập nhật một cửa liên thông"),
    ]),
]


def load_core_demo() -> None:
    """Agencies, users and procedures; every version goes through the real upload pipeline."""
    for code, name, level, parent in AGENCIES:
        create_agency(code, name, level, parent_code=parent, actor=SYSTEM)
    for username, role, agency, full_name in USERS:
        create_user(username, DEMO_PASSWORD, role, agency_code=agency, full_name=full_name, actor=SYSTEM)
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    for agency, code, title, field, tthc, versions in PROCEDURES:
        procedure = create_procedure(agency, code, title, field=field, admin_procedures=tthc, actor=SYSTEM)
        agency_name = dict((a[0], a[1]) for a in AGENCIES)[agency]
        for revision, issued_on, refs, note in versions:
            spec = ProcedureDocument(code=code, title=title, agency_name=agency_name, revision=revision,
                                     issued_on=issued_on, legal_refs=refs, filler_paragraphs=int(revision) * 3)
            add_version(procedure, build_procedure(spec), f"{code.replace('/', '-')}_lan{revision}.docx",
                        note=note, actor=SYSTEM, max_bytes=max_bytes)
