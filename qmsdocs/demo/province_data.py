"""What the province-size demo is made of: which TTHC each kind of agency handles, and their laws.

Names of TTHC follow the national catalog's wording; their codes here are illustrative (the few
real ones are in `data.ADMIN_PROCEDURES`). Each entry: name, field, and the key of its legal
bases in LEGAL_BASES.
"""

from __future__ import annotations

# Legal bases by subject: (as cited in the procedures, "symbol; symbol" for the catalog).
LAND_2013 = "Luật Đất đai số 45/2013/QH13"
LAND_2024 = "Luật Đất đai số 31/2024/QH15"
DECREE_43 = "Nghị định số 43/2014/NĐ-CP ngày 15/5/2014 của Chính phủ quy định chi tiết thi hành Luật Đất đai"
DECREE_102 = "Nghị định số 102/2024/NĐ-CP ngày 30/7/2024 quy định chi tiết thi hành một số điều của Luật Đất đai"
DECREE_61 = "Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, một cửa liên thông"
DECREE_107 = "Nghị định số 107/2021/NĐ-CP sửa đổi, bổ sung Nghị định số 61/2018/NĐ-CP"
CIRCULAR_01 = "Thông tư số 01/2018/TT-VPCP hướng dẫn thi hành Nghị định số 61/2018/NĐ-CP"
CIVIL_STATUS = "Luật Hộ tịch số 60/2014/QH13"
DECREE_123 = "Nghị định số 123/2015/NĐ-CP quy định chi tiết Luật Hộ tịch"
DECREE_23 = "Nghị định số 23/2015/NĐ-CP về cấp bản sao từ sổ gốc, chứng thực bản sao từ bản chính"

# subject: (laws cited in 2019, laws cited after the 2024 land reform, catalog bases)
SUBJECTS = {
    "land": ([LAND_2013, DECREE_43], [LAND_2024, DECREE_102], "45/2013/QH13; 43/2014/NĐ-CP"),
    "civil": ([CIVIL_STATUS, DECREE_123], [CIVIL_STATUS, DECREE_123], "60/2014/QH13; 123/2015/NĐ-CP"),
    "copies": ([DECREE_23], [DECREE_23], "23/2015/NĐ-CP"),
    "social": (["Nghị định số 136/2013/NĐ-CP về chính sách trợ giúp xã hội"],
               ["Nghị định số 20/2021/NĐ-CP về chính sách trợ giúp xã hội"], "20/2021/NĐ-CP"),
    "merit": (["Pháp lệnh Ưu đãi người có công với cách mạng số 02/2020/UBTVQH14"],
              ["Nghị định số 131/2021/NĐ-CP hướng dẫn Pháp lệnh Ưu đãi người có công với cách mạng"],
              "02/2020/UBTVQH14"),
    "business": (["Nghị định số 78/2015/NĐ-CP về đăng ký doanh nghiệp"],
                 ["Nghị định số 01/2021/NĐ-CP về đăng ký doanh nghiệp"], "01/2021/NĐ-CP"),
    "building": (["Luật Xây dựng số 50/2014/QH13"], ["Luật Xây dựng số 50/2014/QH13",
                 "Nghị định số 15/2021/NĐ-CP hướng dẫn về quản lý dự án đầu tư xây dựng"], "50/2014/QH13"),
    "education": (["Luật Giáo dục số 43/2019/QH14"], ["Luật Giáo dục số 43/2019/QH14"], "43/2019/QH14"),
    "health": (["Luật Khám bệnh, chữa bệnh số 40/2009/QH12"], ["Luật Khám bệnh, chữa bệnh số 15/2023/QH15"],
               "15/2023/QH15"),
    "culture": (["Nghị định số 122/2018/NĐ-CP về xét tặng danh hiệu Gia đình văn hóa"],
                ["Nghị định số 86/2023/NĐ-CP về khung tiêu chuẩn và trình tự xét tặng danh hiệu"],
                "86/2023/NĐ-CP"),
    "agriculture": (["Nghị định số 02/2017/NĐ-CP về hỗ trợ sản xuất nông nghiệp bị thiệt hại do thiên tai"],
                    ["Nghị định số 02/2017/NĐ-CP về hỗ trợ sản xuất nông nghiệp bị thiệt hại do thiên tai"],
                    "02/2017/NĐ-CP"),
    "environment": (["Luật Bảo vệ môi trường số 55/2014/QH13"], ["Luật Bảo vệ môi trường số 72/2020/QH14"],
                    "72/2020/QH14"),
    "labour": (["Bộ luật Lao động số 10/2012/QH13"], ["Bộ luật Lao động số 45/2019/QH14"], "45/2019/QH14"),
    "transport": (["Luật Giao thông đường bộ số 23/2008/QH12"], ["Luật Trật tự, an toàn giao thông đường bộ số 36/2024/QH15"],
                  "23/2008/QH12"),
    "emulation": (["Luật Thi đua, khen thưởng số 22/2003/QH11"], ["Luật Thi đua, khen thưởng số 06/2022/QH15"],
                  "06/2022/QH15"),
    "industry": (["Luật Thương mại số 36/2005/QH11"], ["Luật Thương mại số 36/2005/QH11"], "36/2005/QH11"),
    "information": (["Luật Báo chí số 103/2016/QH13"], ["Luật Báo chí số 103/2016/QH13"], "103/2016/QH13"),
    "science": (["Luật Khoa học và Công nghệ số 29/2013/QH13"], ["Luật Khoa học và Công nghệ số 29/2013/QH13"],
                "29/2013/QH13"),
    "finance": (["Luật Ngân sách nhà nước số 83/2015/QH13"], ["Luật Ngân sách nhà nước số 83/2015/QH13"],
                "83/2015/QH13"),
    "home": (["Luật Cán bộ, công chức số 22/2008/QH12"], ["Luật Cán bộ, công chức số 22/2008/QH12",
             "Nghị định số 138/2020/NĐ-CP về tuyển dụng, sử dụng và quản lý công chức"], "22/2008/QH12"),
    "justice": (["Luật Trợ giúp pháp lý số 11/2017/QH14"], ["Luật Trợ giúp pháp lý số 11/2017/QH14"],
                "11/2017/QH14"),
    "investment": (["Luật Đầu tư số 67/2014/QH13"], ["Luật Đầu tư số 61/2020/QH14"], "61/2020/QH14"),
    "inspection": (["Luật Khiếu nại số 02/2011/QH13", "Luật Tố cáo số 25/2018/QH14"],
                   ["Luật Khiếu nại số 02/2011/QH13", "Luật Tố cáo số 25/2018/QH14"], "02/2011/QH13; 25/2018/QH14"),
}

# What a commune-level people's committee handles: (name, field, subject).
COMMUNE = [
    ("Đăng ký khai sinh", "Hộ tịch", "civil"),
    ("Đăng ký kết hôn", "Hộ tịch", "civil"),
    ("Đăng ký khai tử", "Hộ tịch", "civil"),
    ("Đăng ký nhận cha, mẹ, con", "Hộ tịch", "civil"),
    ("Đăng ký giám hộ", "Hộ tịch", "civil"),
    ("Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", "civil"),
    ("Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "civil"),
    ("Cấp bản sao trích lục hộ tịch", "Hộ tịch", "civil"),
    ("Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", "copies"),
    ("Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", "copies"),
    ("Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, quyền sử dụng đất", "Chứng thực", "copies"),
    ("Hòa giải tranh chấp đất đai", "Đất đai", "land"),
    ("Xác nhận hiện trạng sử dụng đất", "Đất đai", "land"),
    ("Thực hiện trợ cấp xã hội hàng tháng", "Bảo trợ xã hội", "social"),
    ("Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", "social"),
    ("Xác nhận hộ nghèo, hộ cận nghèo phát sinh trong năm", "Bảo trợ xã hội", "social"),
    ("Giải quyết chế độ trợ cấp một lần đối với người có công", "Người có công", "merit"),
    ("Hỗ trợ khôi phục sản xuất vùng bị thiệt hại do thiên tai", "Nông nghiệp", "agriculture"),
    ("Xét tặng danh hiệu Gia đình văn hóa", "Văn hóa cơ sở", "culture"),
    ("Khen thưởng theo công trạng và thành tích đạt được", "Thi đua, khen thưởng", "emulation"),
    ("Đăng ký hoạt động tín ngưỡng tại cơ sở tín ngưỡng", "Tôn giáo", "culture"),
    ("Tiếp công dân, giải quyết khiếu nại lần đầu", "Khiếu nại, tố cáo", "inspection"),
]
# What a district-level people's committee handles.
DISTRICT = [
    ("Đăng ký thành lập hộ kinh doanh", "Hộ kinh doanh", "business"),
    ("Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Hộ kinh doanh", "business"),
    ("Tạm ngừng, chấm dứt hoạt động hộ kinh doanh", "Hộ kinh doanh", "business"),
    ("Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", "building"),
    ("Cấp giấy phép sửa chữa, cải tạo công trình", "Xây dựng", "building"),
    ("Thẩm định báo cáo kinh tế - kỹ thuật đầu tư xây dựng", "Xây dựng", "building"),
    ("Giao đất, cho thuê đất cho hộ gia đình, cá nhân", "Đất đai", "land"),
    ("Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước", "Đất đai", "land"),
    ("Thu hồi đất do người sử dụng đất tự nguyện trả lại", "Đất đai", "land"),
    ("Giải quyết tranh chấp đất đai thuộc thẩm quyền của Chủ tịch UBND cấp huyện", "Đất đai", "land"),
    ("Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", "civil"),
    ("Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", "civil"),
    ("Thay đổi, cải chính hộ tịch cho người từ đủ 14 tuổi trở lên", "Hộ tịch", "civil"),
    ("Chứng thực bản sao từ bản chính giấy tờ do cơ quan nước ngoài cấp", "Chứng thực", "copies"),
    ("Chứng thực chữ ký người dịch", "Chứng thực", "copies"),
    ("Thành lập trường mầm non, trường tiểu học, trường trung học cơ sở", "Giáo dục và Đào tạo", "education"),
    ("Cho phép trường hoạt động giáo dục", "Giáo dục và Đào tạo", "education"),
    ("Chuyển trường đối với học sinh trung học cơ sở", "Giáo dục và Đào tạo", "education"),
    ("Cấp giấy chứng nhận đủ điều kiện an toàn thực phẩm", "Y tế", "health"),
    ("Phê duyệt kế hoạch bảo vệ môi trường", "Môi trường", "environment"),
    ("Đăng ký nội quy lao động của doanh nghiệp", "Lao động", "labour"),
    ("Tiếp nhận đối tượng bảo trợ xã hội vào cơ sở trợ giúp xã hội", "Bảo trợ xã hội", "social"),
    ("Hưởng mai táng phí, trợ cấp một lần khi người có công từ trần", "Người có công", "merit"),
    ("Cấp giấy phép bán lẻ sản phẩm rượu", "Lưu thông hàng hóa", "industry"),
    ("Cấp giấy phép kinh doanh karaoke", "Văn hóa", "culture"),
    ("Công nhận tổ hợp tác", "Kinh tế hợp tác", "investment"),
    ("Khen thưởng của Chủ tịch UBND cấp huyện", "Thi đua, khen thưởng", "emulation"),
    ("Giải quyết khiếu nại lần hai", "Khiếu nại, tố cáo", "inspection"),
    ("Thẩm định phương án cấp nước sạch nông thôn", "Nông nghiệp", "agriculture"),
    ("Cấp phép đào đường, đấu nối vào đường huyện", "Đường bộ", "transport"),
]
# Each department's own licences: (department code, field, subject, [objects licensed]).
# Every object yields "Cấp …", "Cấp lại …" and "Điều chỉnh …".
DEPARTMENT_LICENCES = {
    "STNMT": ("Tài nguyên nước", "environment", ["giấy phép khai thác nước dưới đất", "giấy phép xả nước thải vào nguồn nước", "giấy phép thăm dò khoáng sản", "giấy phép khai thác cát lòng sông"]),
    "STP": ("Luật sư", "justice", ["giấy đăng ký hoạt động của tổ chức hành nghề luật sư", "thẻ công chứng viên", "giấy đăng ký hoạt động của trung tâm trọng tài", "thẻ đấu giá viên"]),
    "SNV": ("Tổ chức hành chính", "home", ["quyết định công nhận ban vận động thành lập hội", "giấy phép thành lập quỹ xã hội", "quyết định công nhận điều lệ hội"]),
    "SKHDT": ("Đầu tư", "investment", ["giấy chứng nhận đăng ký đầu tư", "giấy chứng nhận đăng ký doanh nghiệp", "giấy chứng nhận đăng ký hợp tác xã", "giấy chứng nhận đăng ký hoạt động chi nhánh"]),
    "STC": ("Quản lý giá", "finance", ["mã số đơn vị có quan hệ với ngân sách", "quyết định giao quyền quản lý tài sản", "quyết định phê duyệt giá đất cụ thể"]),
    "SCT": ("Lưu thông hàng hóa", "industry", ["giấy phép bán buôn sản phẩm rượu", "giấy chứng nhận đủ điều kiện cửa hàng xăng dầu", "giấy phép sản xuất rượu thủ công", "giấy chứng nhận đủ điều kiện kinh doanh khí"]),
    "SNN": ("Trồng trọt", "agriculture", ["giấy chứng nhận đủ điều kiện buôn bán phân bón", "giấy chứng nhận cơ sở an toàn dịch bệnh", "giấy chứng nhận đủ điều kiện sản xuất thức ăn chăn nuôi", "giấy phép khai thác thủy sản"]),
    "SGTVT": ("Đường bộ", "transport", ["giấy phép lái xe", "giấy phép kinh doanh vận tải bằng xe ô tô", "giấy phép đào tạo lái xe", "giấy phép thi công công trình đường bộ"]),
    "SXD": ("Hoạt động xây dựng", "building", ["chứng chỉ hành nghề hoạt động xây dựng hạng II, III", "chứng chỉ năng lực hoạt động xây dựng", "giấy phép xây dựng công trình cấp II, III", "giấy phép hoạt động xây dựng cho nhà thầu nước ngoài"]),
    "STTTT": ("Báo chí", "information", ["giấy phép xuất bản bản tin", "giấy phép thiết lập trang thông tin điện tử tổng hợp", "giấy phép hoạt động in", "giấy phép nhập khẩu xuất bản phẩm"]),
    "SLDTBXH": ("Việc làm", "labour", ["giấy phép lao động cho người nước ngoài", "giấy phép hoạt động dịch vụ việc làm", "giấy phép hoạt động giáo dục nghề nghiệp"]),
    "SVHTTDL": ("Văn hóa", "culture", ["giấy phép tổ chức lễ hội", "giấy chứng nhận đủ điều kiện kinh doanh lữ hành nội địa", "giấy phép kinh doanh dịch vụ vũ trường", "thẻ hướng dẫn viên du lịch"]),
    "SKHCN": ("Hoạt động khoa học và công nghệ", "science", ["giấy chứng nhận đăng ký hoạt động khoa học và công nghệ", "giấy phép tiến hành công việc bức xạ", "giấy chứng nhận doanh nghiệp khoa học và công nghệ"]),
    "SGDDT": ("Giáo dục và Đào tạo", "education", ["giấy phép hoạt động trung tâm ngoại ngữ, tin học", "quyết định cho phép hoạt động giáo dục trường trung học phổ thông", "giấy phép dạy thêm, học thêm"]),
    "SYT": ("Khám bệnh, chữa bệnh", "health", ["chứng chỉ hành nghề khám bệnh, chữa bệnh", "giấy phép hoạt động phòng khám đa khoa", "chứng chỉ hành nghề dược", "giấy chứng nhận đủ điều kiện kinh doanh dược", "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm"]),
    "TTT": ("Khiếu nại, tố cáo", "inspection", []),
    "BDT": ("Công tác dân tộc", "home", ["quyết định công nhận người có uy tín trong đồng bào dân tộc thiểu số"]),
    "BQLKKT": ("Đầu tư tại khu kinh tế", "investment", ["giấy chứng nhận đăng ký đầu tư trong khu kinh tế", "giấy phép lao động trong khu kinh tế", "giấy phép xây dựng trong khu kinh tế"]),
    "VP-UBND": ("Kiểm soát thủ tục hành chính", "home", []),
}
LICENCE_VERBS = ("Cấp", "Cấp lại", "Điều chỉnh")
# Handled by departments besides licences: (department code, name, field, subject).
DEPARTMENT_OTHER = [
    ("STNMT", "Thẩm định báo cáo đánh giá tác động môi trường", "Môi trường", "environment"),
    ("STNMT", "Cấp giấy phép môi trường", "Môi trường", "environment"),
    ("STNMT", "Thu hồi đất vì mục đích quốc phòng, an ninh", "Đất đai", "land"),
    ("STNMT", "Giao đất, cho thuê đất cho tổ chức", "Đất đai", "land"),
    ("STP", "Cấp Phiếu lý lịch tư pháp số 2", "Lý lịch tư pháp", "justice"),
    ("STP", "Đăng ký hoạt động văn phòng công chứng", "Công chứng", "justice"),
    ("STP", "Thay đổi quốc tịch, nhập quốc tịch Việt Nam", "Quốc tịch", "civil"),
    ("TTT", "Giải quyết khiếu nại lần hai tại cấp tỉnh", "Khiếu nại, tố cáo", "inspection"),
    ("TTT", "Giải quyết tố cáo tại cấp tỉnh", "Khiếu nại, tố cáo", "inspection"),
    ("TTT", "Tiếp công dân tại cấp tỉnh", "Tiếp công dân", "inspection"),
    ("VP-UBND", "Tiếp nhận, xử lý phản ánh, kiến nghị về quy định hành chính", "Kiểm soát thủ tục hành chính", "home"),
    ("VP-UBND", "Công bố danh mục thủ tục hành chính", "Kiểm soát thủ tục hành chính", "home"),
    ("SNV", "Thi tuyển công chức", "Công chức, viên chức", "home"),
    ("SNV", "Khen thưởng của Chủ tịch UBND tỉnh", "Thi đua, khen thưởng", "emulation"),
    ("SLDTBXH", "Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm", "labour"),
    ("SLDTBXH", "Công nhận cơ sở sản xuất, kinh doanh sử dụng nhiều lao động khuyết tật", "Bảo trợ xã hội", "social"),
]
# Internal procedures every agency keeps for its ISO system (no TTHC): name, field.
INTERNAL = [
    ("Quy trình kiểm soát tài liệu", "Hệ thống quản lý chất lượng"),
    ("Quy trình kiểm soát hồ sơ", "Hệ thống quản lý chất lượng"),
    ("Quy trình đánh giá nội bộ", "Hệ thống quản lý chất lượng"),
    ("Quy trình kiểm soát đầu ra không phù hợp và hành động khắc phục", "Hệ thống quản lý chất lượng"),
    ("Quy trình quản lý văn bản đi, đến", "Văn thư"),
]
# Per kind: how many internal procedures an agency keeps.
INTERNAL_PER_KIND = {"commune_committee": 2, "district_committee": 4, "department": 5, "sub_department": 4,
                     "public_unit": 4, "police": 3, "council": 3}
# The tasks of a sub-department or public unit are its parent department's; each also handles a few
# of them (its own procedures of a licence its parent issues).
STEPS = [
    ("B1", "Tiếp nhận hồ sơ, kiểm tra tính đầy đủ, hợp lệ", "Bộ phận TN&TKQ"),
    ("B2", "Chuyển hồ sơ cho bộ phận chuyên môn", "Bộ phận TN&TKQ"),
    ("B3", "Thẩm định hồ sơ, đề xuất kết quả giải quyết", "Công chức chuyên môn"),
    ("B4", "Xem xét, ký duyệt kết quả", "Lãnh đạo"),
    ("B5", "Trả kết quả cho tổ chức, cá nhân", "Bộ phận TN&TKQ"),
]
# How long each step takes, per revision: officials shorten the times as they improve.
STEP_DAYS = [
    ("0,5 ngày", "0,5 ngày", "5 ngày", "2 ngày", "0,5 ngày"),
    ("0,5 ngày", "0,5 ngày", "4 ngày", "1 ngày", "0,5 ngày"),
    ("0,5 ngày", "0,5 ngày", "3 ngày", "1 ngày", "0,5 ngày"),
    ("4 giờ", "2 giờ", "2 ngày", "1 ngày", "2 giờ"),
]
REVISION_NOTES = [
    "Ban hành lần đầu",
    "Cập nhật theo Nghị định 107/2021/NĐ-CP về một cửa, một cửa liên thông",
    "Rút ngắn thời gian giải quyết; bổ sung biểu mẫu",
    "Cập nhật căn cứ pháp lý mới; tiếp nhận hồ sơ trực tuyến",
]
