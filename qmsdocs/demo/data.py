"""Core demo content: the province of Trà Vinh as its 2019 ISO report describes it.

The report (Trà Vinh, kết quả áp dụng TCVN ISO 9001:2015 năm 2019) counts 168 agencies and
units: at province level 19 specialized agencies, the police and the people's council, 13
sub-departments and 19 public service units; 9 district-level people's committees; 106
commune-level ones (85 communes, 11 wards, 10 townships); 83 classified Tốt and 85 Đạt yêu cầu.
The report names only the districts, the police and the people's council; every other name
here is illustrative and says so ("tên minh họa"). The provincial People's Committee
(UBND-TINH) directs the rollout: it is the root of the tree, not one of the 168 units.

Agencies and the 2019 assessment are inserted in bulk (one flush each) so `qms demo` stays
fast; the few demo procedures go through the real upload pipeline.
"""

from __future__ import annotations

from flask import current_app

from qmsdocs.agencies.models import Agency
from qmsdocs.agencies.services import create_agency, get_agency
from qmsdocs.audit.services import record
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.auth.services import create_user
from qmsdocs.db import session
from qmsdocs.demo.docgen import ProcedureDocument, build_procedure
from qmsdocs.procedures.services import add_version, create_procedure

DEMO_PASSWORD = "demo-qms-2019"
DEMO_YEAR = 2019
ILLUSTRATIVE = " (tên minh họa)"

# The agencies other areas' demo steps and tests rely on: code, name, level, parent, kind, unit type.
AGENCIES = [
    ("UBND-TINH", "Ủy ban nhân dân tỉnh Trà Vinh", "province", None, "provincial_committee", None),
    ("STNMT", "Sở Tài nguyên và Môi trường" + ILLUSTRATIVE, "province", "UBND-TINH", "department", None),
    ("STP", "Sở Tư pháp" + ILLUSTRATIVE, "province", "UBND-TINH", "department", None),
    ("UBND-CL", "UBND huyện Càng Long", "district", "UBND-TINH", "district_committee", "district"),
    ("UBND-CL-AN-TRUONG", "UBND xã An Trường" + ILLUSTRATIVE, "commune", "UBND-CL", "commune_committee", "commune"),
]

# The other 17 specialized agencies (sở, ban, ngành); with STNMT and STP, 19.
DEPARTMENTS = [
    ("VP-UBND", "Văn phòng UBND tỉnh"), ("SNV", "Sở Nội vụ"), ("SKHDT", "Sở Kế hoạch và Đầu tư"),
    ("STC", "Sở Tài chính"), ("SCT", "Sở Công Thương"), ("SNN", "Sở Nông nghiệp và Phát triển nông thôn"),
    ("SGTVT", "Sở Giao thông vận tải"), ("SXD", "Sở Xây dựng"), ("STTTT", "Sở Thông tin và Truyền thông"),
    ("SLDTBXH", "Sở Lao động - Thương binh và Xã hội"), ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch"),
    ("SKHCN", "Sở Khoa học và Công nghệ"), ("SGDDT", "Sở Giáo dục và Đào tạo"), ("SYT", "Sở Y tế"),
    ("TTT", "Thanh tra tỉnh"), ("BDT", "Ban Dân tộc"), ("BQLKKT", "Ban Quản lý Khu kinh tế"),
]
# Named in the report: "Có 2 đơn vị là Công an và HĐND tỉnh".
POLICE_AND_COUNCIL = [
    ("CA-TINH", "Công an tỉnh Trà Vinh", "police"),
    ("HDND-TINH", "Văn phòng Đoàn đại biểu Quốc hội và HĐND tỉnh Trà Vinh", "council"),
]
SUB_DEPARTMENTS = [  # 13 chi cục: code, name, parent department
    ("CC-VTLT", "Chi cục Văn thư - Lưu trữ", "SNV"), ("CC-QLDD", "Chi cục Quản lý đất đai", "STNMT"),
    ("CC-BVMT", "Chi cục Bảo vệ môi trường", "STNMT"), ("CC-BHD", "Chi cục Biển và Hải đảo", "STNMT"),
    ("CC-TDC", "Chi cục Tiêu chuẩn Đo lường Chất lượng", "SKHCN"),
    ("CC-DS", "Chi cục Dân số - Kế hoạch hóa gia đình", "SYT"), ("CC-ATTP", "Chi cục An toàn vệ sinh thực phẩm", "SYT"),
    ("CC-TTBVTV", "Chi cục Trồng trọt và Bảo vệ thực vật", "SNN"), ("CC-CNTY", "Chi cục Chăn nuôi và Thú y", "SNN"),
    ("CC-TS", "Chi cục Thủy sản", "SNN"), ("CC-KL", "Chi cục Kiểm lâm", "SNN"), ("CC-TL", "Chi cục Thủy lợi", "SNN"),
    ("CC-PTNT", "Chi cục Phát triển nông thôn", "SNN"),
]
PUBLIC_UNITS = [  # 19 đơn vị sự nghiệp công lập: code, name, parent
    ("TT-HCC", "Trung tâm Hành chính công tỉnh", "VP-UBND"), ("VPDKDD", "Văn phòng Đăng ký đất đai", "STNMT"),
    ("TT-PTQD", "Trung tâm Phát triển quỹ đất", "STNMT"), ("TT-QTTNMT", "Trung tâm Quan trắc tài nguyên và môi trường", "STNMT"),
    ("TT-TGPL", "Trung tâm Trợ giúp pháp lý nhà nước", "STP"), ("TT-DVDGTS", "Trung tâm Dịch vụ đấu giá tài sản", "STP"),
    ("TT-CNTT", "Trung tâm Công nghệ thông tin và Truyền thông", "STTTT"),
    ("TT-DVVL", "Trung tâm Dịch vụ việc làm", "SLDTBXH"), ("TT-CTXH", "Trung tâm Công tác xã hội", "SLDTBXH"),
    ("TT-KSBT", "Trung tâm Kiểm soát bệnh tật", "SYT"), ("TT-KN", "Trung tâm Khuyến nông", "SNN"),
    ("TT-NSVSMT", "Trung tâm Nước sạch và Vệ sinh môi trường nông thôn", "SNN"),
    ("TT-XTDT", "Trung tâm Xúc tiến đầu tư, thương mại và du lịch", "SKHDT"),
    ("TT-KC", "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp", "SCT"),
    ("TT-UDKHCN", "Trung tâm Ứng dụng tiến bộ khoa học và công nghệ", "SKHCN"),
    ("TT-VHNT", "Trung tâm Văn hóa nghệ thuật", "SVHTTDL"), ("TV-TINH", "Thư viện tỉnh", "SVHTTDL"),
    ("TT-DK", "Trung tâm Đăng kiểm xe cơ giới", "SGTVT"),
    ("BQLDA-DD", "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp", "SXD"),
]
# Named in the report. code, name, unit type, then communes, wards and townships under it
# (85 + 11 + 10 = 106; the split per district is illustrative).
DISTRICTS = [
    ("UBND-TPTV", "UBND thành phố Trà Vinh", "city", 1, 9, 0),
    ("UBND-TXDH", "UBND thị xã Duyên Hải", "town", 5, 2, 0),
    ("UBND-CL", "UBND huyện Càng Long", "district", 13, 0, 1),
    ("UBND-CK", "UBND huyện Cầu Kè", "district", 10, 0, 1),
    ("UBND-TC", "UBND huyện Tiểu Cần", "district", 9, 0, 2),
    ("UBND-CT", "UBND huyện Châu Thành", "district", 13, 0, 1),
    ("UBND-CN", "UBND huyện Cầu Ngang", "district", 13, 0, 2),
    ("UBND-TCU", "UBND huyện Trà Cú", "district", 15, 0, 2),
    ("UBND-DH", "UBND huyện Duyên Hải", "district", 6, 0, 1),
]
UNIT_WORDS = {"city": "thành phố", "town": "thị xã", "district": "huyện"}
# 2019 classification, per level (the report gives only the provincial totals 83 + 85 = 168;
# which agency got which class is illustrative).
GOOD_PER_LEVEL = {"province": 30, "district": 6, "commune": 47}

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
DECREE_23 = "Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính"

# The demo TTHC catalog: code, name, field, levels, implementing agency (kinds or agency codes),
# legal bases, status. Codes and names marked "(minh họa)" are illustrative.
PUBLISHED = "Quyết định công bố của Chủ tịch UBND tỉnh (minh họa)"
ADMIN_PROCEDURES = [
    ("1.004227", "Cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở và tài sản khác gắn liền với đất lần đầu",
     "Đất đai", "province", "STNMT", "45/2013/QH13; 43/2014/NĐ-CP", "active"),
    ("1.004199", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất (minh họa)",
     "Đất đai", "province", "STNMT", "45/2013/QH13; 43/2014/NĐ-CP", "active"),
    ("1.004203", "Đăng ký đất đai lần đầu đối với trường hợp được Nhà nước giao đất để quản lý (minh họa)",
     "Đất đai", "province", "STNMT", "45/2013/QH13; 43/2014/NĐ-CP", "active"),
    ("2.000488", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, người nước ngoài đang cư trú tại Việt Nam",
     "Lý lịch tư pháp", "province", "STP", "28/2009/QH12", "active"),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản (minh họa)", "Chứng thực",
     "district; commune", "district_committee; commune_committee", "23/2015/NĐ-CP", "active"),
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", "commune", "commune_committee",
     "60/2014/QH13; 123/2015/NĐ-CP", "active"),
    ("1.000894", "Đăng ký kết hôn (minh họa)", "Hộ tịch", "commune", "commune_committee",
     "60/2014/QH13; 123/2015/NĐ-CP", "active"),
    ("1.000656", "Đăng ký khai tử (minh họa)", "Hộ tịch", "commune", "commune_committee",
     "60/2014/QH13; 123/2015/NĐ-CP", "active"),
    ("2.001009", "Cấp giấy phép xây dựng nhà ở riêng lẻ (minh họa)", "Xây dựng", "district", "district_committee",
     "50/2014/QH13", "active"),
    ("1.001612", "Đăng ký thành lập hộ kinh doanh (minh họa)", "Hộ kinh doanh", "district", "district_committee",
     "78/2015/NĐ-CP", "active"),
    ("2.000908", "Cấp bản sao trích lục hộ tịch (minh họa, đã bãi bỏ)", "Hộ tịch", "commune", "commune_committee",
     "60/2014/QH13", "abolished"),
]

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
    # No TTHC written in the request: the catalog suggests 2.000815 from the code in the text.
    ("UBND-CL-AN-TRUONG", "QT-CT-01", "Quy trình chứng thực bản sao từ bản chính", "Chứng thực", [], [
        ("01", "20/05/2019", [DECREE_23, DECREE_61], "Ban hành lần đầu"),
    ]),
    # An internal procedure: implements no TTHC, as the coverage report shows.
    ("STP", "QT-VB-01", "Quy trình quản lý văn bản đi, đến", "Văn thư", [], [
        ("01", "12/06/2019", [DECISION_19], "Ban hành lần đầu"),
    ]),
]
SCOPES = {
    "QT-CT-01": "Áp dụng khi giải quyết thủ tục hành chính mã 2.000815 (chứng thực bản sao từ bản chính) tại "
                "UBND xã An Trường (tên minh họa).",
}


def _bulk_agencies() -> None:
    """The 163 agencies beyond the five above, inserted in one flush."""
    existing = {code: get_agency(code) for code, *_ in AGENCIES}
    root = existing["UBND-TINH"]
    added: dict[str, Agency] = {}

    def add(code, name, level, parent, kind, unit_type=None):
        agency = Agency(code=code, name=name, level=level, parent=parent, kind=kind, unit_type=unit_type)
        added[code] = agency
        session.add(agency)
        return agency

    for code, name in DEPARTMENTS:
        add(code, name + ILLUSTRATIVE, "province", root, "department")
    for code, name, kind in POLICE_AND_COUNCIL:
        add(code, name, "province", root, kind)
    owners = {**existing, **added}
    for code, name, parent in SUB_DEPARTMENTS:
        add(code, name + ILLUSTRATIVE, "province", owners[parent], "sub_department")
    for code, name, parent in PUBLIC_UNITS:
        add(code, name + ILLUSTRATIVE, "province", owners[parent], "public_unit")
    for code, name, unit_type, communes, wards, townships in DISTRICTS:
        district = existing.get(code) or add(code, name, "district", root, "district_committee", unit_type)
        # "UBND thị xã Duyên Hải" → "Duyên Hải", so its communes read "UBND xã Duyên Hải 01", not "xã xã";
        # the town and the district of that name keep their communes apart.
        unit = UNIT_WORDS[unit_type]
        place = name.removeprefix("UBND ").removeprefix(unit).strip()
        for n in range(1, wards + 1):
            add(f"{code}-P{n}", f"UBND Phường {n}, {unit} {place}{ILLUSTRATIVE}", "commune", district,
                "commune_committee", "ward")
        if unit_type == "town":
            place = f"{place} ({unit})"
        for n in range(1, townships + 1):
            add(f"{code}-TT{n}", f"UBND thị trấn {place} {n}{ILLUSTRATIVE}", "commune", district,
                "commune_committee", "township")
        first = 2 if code == "UBND-CL" else 1  # An Trường is Càng Long's first commune
        for n in range(first, communes + 1):
            add(f"{code}-X{n:02d}", f"UBND xã {place} {n:02d}{ILLUSTRATIVE}", "commune", district,
                "commune_committee", "commune")
    session.flush()
    record(SYSTEM, "agency.bulk_create", "agency", None, count=len(added), source="demo")


def _catalog() -> None:
    from qmsdocs.catalog.records import Record, parse_agencies, parse_legal_bases, parse_levels
    from qmsdocs.catalog.services import apply_record

    for code, name, field, levels, implementing, bases, status in ADMIN_PROCEDURES:
        kinds, agency_codes, text = parse_agencies(implementing)
        legal_bases, _ = parse_legal_bases(bases)
        apply_record(Record(code=code, name=name, field=field, levels=parse_levels(levels), agency_kinds=kinds,
                            implementing_agency=text, agency_codes=agency_codes, legal_bases=legal_bases,
                            publishing_decision=PUBLISHED, status=status), source="demo", actor=SYSTEM)


def _assessment_2019() -> None:
    """83 Tốt and 85 Đạt yêu cầu over the 168 units, entered in one flush."""
    from sqlalchemy import select

    from qmsdocs.agencies.kinds import NOT_ASSESSED_KINDS
    from qmsdocs.reports.models import Assessment

    agencies = [a for a in session.scalars(select(Agency).order_by(Agency.id)) if a.kind not in NOT_ASSESSED_KINDS]
    good_left = dict(GOOD_PER_LEVEL)
    for agency in agencies:
        good = good_left[agency.level] > 0
        good_left[agency.level] -= good
        session.add(Assessment(
            agency_id=agency.id, year=DEMO_YEAR, qms_built=True, qms_applied=True,
            classification="good" if good else "satisfactory",
            notes="Xếp loại từng đơn vị là minh họa; báo cáo chỉ nêu tổng số.",
            agency_code=agency.code, agency_name=agency.name, agency_level=agency.level, agency_kind=agency.kind,
            agency_unit_type=agency.unit_type,
        ))
    session.flush()
    record(SYSTEM, "assessment.bulk_create", "assessment", None, year=DEMO_YEAR, count=len(agencies), source="demo")


def load_core_demo() -> None:
    """Agencies, users, the TTHC catalog, procedures (real upload pipeline) and the 2019 assessment."""
    for code, name, level, parent, kind, unit_type in AGENCIES:
        agency = create_agency(code, name, level, parent_code=parent, kind=kind, actor=SYSTEM)
        agency.unit_type = unit_type
    _bulk_agencies()
    for username, role, agency, full_name in USERS:
        create_user(username, DEMO_PASSWORD, role, agency_code=agency, full_name=full_name, actor=SYSTEM)
    _catalog()
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    names = {code: name for code, name, *_ in AGENCIES}
    for agency, code, title, field, tthc, versions in PROCEDURES:
        procedure = create_procedure(agency, code, title, field=field, admin_procedures=tthc, actor=SYSTEM)
        for revision, issued_on, refs, note in versions:
            spec = ProcedureDocument(code=code, title=title, agency_name=names[agency], revision=revision,
                                     issued_on=issued_on, legal_refs=refs, filler_paragraphs=int(revision) * 3,
                                     scope=SCOPES.get(code, ""))
            add_version(procedure, build_procedure(spec), f"{code.replace('/', '-')}_lan{revision}.docx",
                        note=note, actor=SYSTEM, max_bytes=max_bytes)
    _assessment_2019()
