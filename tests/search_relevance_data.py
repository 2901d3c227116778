"""A province's procedures in miniature, and the queries officials type for them.

About a hundred procedures of real administrative procedures (TTHC) across the levels and
fields of a province, each with its TTHC code, lĩnh vực, agency and the legal documents it
rests on, written the way ISO 9001 procedures are: the TTHC's name, the legal bases, the
shared boilerplate, the steps. Each query names the procedure that must come in the first
three results, on every search backend.
"""

from __future__ import annotations

AGENCIES = [
    # code, name, level
    ("STP", "Sở Tư pháp", "province"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "province"),
    ("SXD", "Sở Xây dựng", "province"),
    ("SYT", "Sở Y tế", "province"),
    ("SGDĐT", "Sở Giáo dục và Đào tạo", "province"),
    ("SLĐTBXH", "Sở Lao động - Thương binh và Xã hội", "province"),
    ("SGTVT", "Sở Giao thông vận tải", "province"),
    ("SCT", "Sở Công Thương", "province"),
    ("SNNPTNT", "Sở Nông nghiệp và Phát triển nông thôn", "province"),
    ("SVHTTDL", "Sở Văn hoá, Thể thao và Du lịch", "province"),
    ("STTTT", "Sở Thông tin và Truyền thông", "province"),
    ("SNV", "Sở Nội vụ", "province"),
    ("SKHĐT", "Sở Kế hoạch và Đầu tư", "province"),
    ("CAT", "Công an tỉnh", "province"),
    ("UBND-CK", "Uỷ ban nhân dân huyện Cầu Kè", "district"),
    ("UBND-TC", "Uỷ ban nhân dân huyện Tiểu Cần", "district"),
    ("UBND-X01", "Uỷ ban nhân dân xã Hoà Ân", "commune"),
    ("UBND-X02", "Uỷ ban nhân dân xã Phong Thạnh", "commune"),
]

LAWS = {
    "Hộ tịch": ["60/2014/QH13", "123/2015/NĐ-CP", "04/2020/TT-BTP"],
    "Chứng thực": ["23/2015/NĐ-CP", "01/2020/TT-BTP"],
    "Lý lịch tư pháp": ["28/2009/QH12", "13/2011/TT-BTP"],
    "Đất đai": ["31/2024/QH15", "101/2024/NĐ-CP"],
    "Xây dựng": ["50/2014/QH13", "15/2021/NĐ-CP"],
    "Môi trường": ["72/2020/QH14", "08/2022/NĐ-CP"],
    "Tài nguyên nước": ["17/2012/QH13", "02/2023/NĐ-CP"],
    "Khoáng sản": ["60/2010/QH12", "158/2016/NĐ-CP"],
    "Đường bộ": ["10/2020/NĐ-CP", "12/2017/TT-BGTVT"],
    "Đường thuỷ nội địa": ["48/2014/QH13", "08/2021/NĐ-CP"],
    "Y tế": ["15/2023/QH15", "96/2023/NĐ-CP"],
    "An toàn thực phẩm": ["55/2010/QH12", "15/2018/NĐ-CP"],
    "Dược": ["105/2016/QH13", "54/2017/NĐ-CP"],
    "Giáo dục": ["43/2019/QH14", "46/2017/NĐ-CP"],
    "Việc làm": ["45/2019/QH14", "152/2020/NĐ-CP", "28/2015/NĐ-CP"],
    "Bảo trợ xã hội": ["20/2021/NĐ-CP"],
    "Người có công": ["02/2020/UBTVQH14", "131/2021/NĐ-CP"],
    "Thành lập và hoạt động doanh nghiệp": ["59/2020/QH14", "01/2021/NĐ-CP"],
    "Lưu thông hàng hoá": ["105/2017/NĐ-CP", "67/2013/NĐ-CP", "83/2014/NĐ-CP"],
    "Thú y": ["79/2015/QH13", "35/2016/NĐ-CP"],
    "Thuỷ sản": ["18/2017/QH14", "26/2019/NĐ-CP"],
    "Thuỷ lợi": ["08/2017/QH14", "67/2018/NĐ-CP"],
    "Văn hoá": ["110/2018/NĐ-CP", "54/2019/NĐ-CP"],
    "Du lịch": ["09/2017/QH14", "168/2017/NĐ-CP"],
    "Xuất bản, in": ["19/2012/QH13", "60/2014/NĐ-CP"],
    "Thi đua, khen thưởng": ["06/2022/QH15", "98/2023/NĐ-CP"],
    "Tín ngưỡng, tôn giáo": ["02/2016/QH14", "95/2023/NĐ-CP"],
    "Chính quyền địa phương": ["04/2012/TT-BNV"],
    "Đầu tư": ["61/2020/QH14", "31/2021/NĐ-CP"],
    "Công chứng": ["53/2014/QH13", "29/2015/NĐ-CP"],
    "Hoà giải ở cơ sở": ["35/2013/QH13", "15/2014/NĐ-CP"],
    "Trợ giúp pháp lý": ["11/2017/QH14", "144/2017/NĐ-CP"],
    "Khiếu nại, tố cáo": ["02/2011/QH13", "25/2018/QH14", "124/2020/NĐ-CP"],
    "Nhà ở": ["27/2023/QH15", "95/2024/NĐ-CP"],
    "Cư trú": ["68/2020/QH14", "62/2021/NĐ-CP"],
    "Điện lực": ["28/2004/QH11", "137/2013/NĐ-CP"],
    "Hoá chất": ["06/2007/QH12", "113/2017/NĐ-CP"],
    "Bảo hiểm y tế": ["25/2008/QH12", "146/2018/NĐ-CP"],
}

# TTHC code, name, lĩnh vực, agency
PROCEDURES = [
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", "UBND-X01"),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch", "UBND-X01"),
    ("1.000656", "Đăng ký khai tử", "Hộ tịch", "UBND-X02"),
    ("1.001022", "Đăng ký nhận cha, mẹ, con", "Hộ tịch", "UBND-X02"),
    ("1.004837", "Đăng ký giám hộ", "Hộ tịch", "UBND-X01"),
    ("2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", "UBND-X02"),
    ("1.004873", "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch", "UBND-X01"),
    ("1.004884", "Đăng ký lại khai sinh", "Hộ tịch", "UBND-X02"),
    ("1.004859", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", "UBND-X01"),
    ("1.001695", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", "UBND-CK"),
    ("1.000688", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", "UBND-CK"),
    ("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", "UBND-X01"),
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", "UBND-X02"),
    ("2.000913", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "Chứng thực", "UBND-CK"),
    ("2.000927", "Chứng thực việc sửa đổi, bổ sung, huỷ bỏ hợp đồng, giao dịch", "Chứng thực", "UBND-TC"),
    ("2.001417", "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam", "Lý lịch tư pháp", "STP"),
    ("1.004227", "Đăng ký đất đai, tài sản gắn liền với đất lần đầu", "Đất đai", "STNMT"),
    ("1.003010", "Cấp đổi Giấy chứng nhận quyền sử dụng đất", "Đất đai", "STNMT"),
    ("1.001990", "Đăng ký biến động quyền sử dụng đất do chuyển nhượng", "Đất đai", "UBND-CK"),
    ("1.001612", "Giao đất, cho thuê đất không thông qua đấu giá quyền sử dụng đất", "Đất đai", "STNMT"),
    ("1.004138", "Chuyển mục đích sử dụng đất phải được phép của cơ quan nhà nước có thẩm quyền", "Đất đai",
     "UBND-TC"),
    ("1.004203", "Thu hồi đất do chấm dứt việc sử dụng đất theo pháp luật", "Đất đai", "UBND-TC"),
    ("1.003554", "Hòa giải tranh chấp đất đai", "Đất đai", "UBND-X02"),
    ("1.002993", "Cấp lại Giấy chứng nhận quyền sử dụng đất do bị mất", "Đất đai", "UBND-CK"),
    ("1.009794", "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ", "Xây dựng", "UBND-CK"),
    ("1.009795", "Cấp giấy phép sửa chữa, cải tạo công trình", "Xây dựng", "SXD"),
    ("1.009796", "Cấp giấy phép di dời công trình", "Xây dựng", "SXD"),
    ("1.009972", "Thẩm định thiết kế xây dựng triển khai sau thiết kế cơ sở", "Xây dựng", "SXD"),
    ("1.010727", "Cấp giấy phép môi trường", "Môi trường", "STNMT"),
    ("1.010728", "Thẩm định báo cáo đánh giá tác động môi trường", "Môi trường", "STNMT"),
    ("1.010733", "Đăng ký môi trường", "Môi trường", "UBND-X01"),
    ("1.004232", "Cấp giấy phép khai thác, sử dụng nước mặt", "Tài nguyên nước", "STNMT"),
    ("1.004211", "Cấp giấy phép thăm dò nước dưới đất", "Tài nguyên nước", "STNMT"),
    ("1.004240", "Cấp giấy phép xả nước thải vào nguồn nước", "Tài nguyên nước", "STNMT"),
    ("1.000778", "Cấp giấy phép khai thác khoáng sản", "Khoáng sản", "STNMT"),
    ("1.002804", "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp", "Đường bộ", "SGTVT"),
    ("1.002856", "Cấp giấy phép kinh doanh vận tải bằng xe ô tô", "Đường bộ", "SGTVT"),
    ("1.002859", "Cấp phù hiệu xe ô tô kinh doanh vận tải", "Đường bộ", "SGTVT"),
    ("1.003658", "Đăng ký phương tiện thủy nội địa lần đầu", "Đường thuỷ nội địa", "SGTVT"),
    ("1.012273", "Cấp giấy phép hành nghề khám bệnh, chữa bệnh", "Y tế", "SYT"),
    ("1.012294", "Cấp giấy phép hoạt động đối với phòng khám đa khoa", "Y tế", "SYT"),
    ("2.000591", "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "An toàn thực phẩm", "SYT"),
    ("1.004616", "Cấp Giấy chứng nhận đủ điều kiện kinh doanh dược", "Dược", "SYT"),
    ("1.004444", "Thành lập trường trung học cơ sở công lập", "Giáo dục", "UBND-CK"),
    ("1.004515", "Cho phép trường mầm non hoạt động giáo dục", "Giáo dục", "UBND-TC"),
    ("1.005101", "Chuyển trường đối với học sinh trung học phổ thông", "Giáo dục", "SGDĐT"),
    ("1.000459", "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam", "Việc làm",
     "SLĐTBXH"),
    ("1.000401", "Giải quyết hưởng trợ cấp thất nghiệp", "Việc làm", "SLĐTBXH"),
    ("1.000143", "Cấp giấy phép hoạt động dịch vụ việc làm", "Việc làm", "SLĐTBXH"),
    ("1.001776", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", "UBND-X01"),
    ("1.001731", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội", "UBND-X02"),
    ("1.001699", "Xác định, xác định lại mức độ khuyết tật và cấp Giấy xác nhận khuyết tật", "Bảo trợ xã hội",
     "UBND-X01"),
    ("1.010801", "Giải quyết chế độ trợ cấp ưu đãi đối với thân nhân liệt sĩ", "Người có công", "SLĐTBXH"),
    ("1.010820", "Giải quyết chế độ mai táng phí đối với cựu chiến binh", "Người có công", "UBND-X02"),
    ("2.000720", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động doanh nghiệp", "UBND-CK"),
    ("2.000575", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Thành lập và hoạt động doanh nghiệp",
     "UBND-TC"),
    ("2.001610", "Đăng ký thành lập doanh nghiệp tư nhân", "Thành lập và hoạt động doanh nghiệp", "SKHĐT"),
    ("2.002035", "Đăng ký thành lập công ty trách nhiệm hữu hạn một thành viên",
     "Thành lập và hoạt động doanh nghiệp", "SKHĐT"),
    ("1.005277", "Đăng ký thành lập hợp tác xã", "Thành lập và hoạt động doanh nghiệp", "UBND-CK"),
    ("2.000633", "Cấp Giấy phép bán lẻ rượu", "Lưu thông hàng hoá", "UBND-TC"),
    ("2.000615", "Cấp Giấy phép bán lẻ sản phẩm thuốc lá", "Lưu thông hàng hoá", "UBND-CK"),
    ("2.000162", "Cấp Giấy chứng nhận đủ điều kiện cửa hàng bán lẻ xăng dầu", "Lưu thông hàng hoá", "SCT"),
    ("1.003781", "Cấp giấy chứng nhận kiểm dịch động vật vận chuyển ra khỏi địa bàn cấp tỉnh", "Thú y",
     "SNNPTNT"),
    ("1.004359", "Cấp văn bản chấp thuận khai thác thủy sản", "Thuỷ sản", "SNNPTNT"),
    ("1.003397", "Cấp giấy phép cho các hoạt động trong phạm vi bảo vệ công trình thuỷ lợi", "Thuỷ lợi",
     "SNNPTNT"),
    ("1.003459", "Phê duyệt phương án cắm mốc chỉ giới phạm vi bảo vệ công trình thủy lợi", "Thuỷ lợi",
     "UBND-TC"),
    ("1.001029", "Cấp giấy phép tổ chức lễ hội", "Văn hoá", "SVHTTDL"),
    ("1.003566", "Công nhận điểm du lịch", "Du lịch", "SVHTTDL"),
    ("1.001008", "Cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke", "Văn hoá", "UBND-CK"),
    ("1.004628", "Cấp giấy phép kinh doanh dịch vụ lữ hành nội địa", "Du lịch", "SVHTTDL"),
    ("1.004230", "Cấp giấy phép xuất bản bản tin", "Xuất bản, in", "STTTT"),
    ("1.004220", "Cấp giấy phép hoạt động in", "Xuất bản, in", "STTTT"),
    ("1.000748", "Tặng danh hiệu Lao động tiên tiến", "Thi đua, khen thưởng", "UBND-TC"),
    ("2.000346", "Tặng Giấy khen của Chủ tịch Uỷ ban nhân dân cấp huyện", "Thi đua, khen thưởng", "UBND-CK"),
    ("1.001055", "Đăng ký hoạt động tín ngưỡng", "Tín ngưỡng, tôn giáo", "UBND-X02"),
    ("1.001078", "Thông báo tổ chức quyên góp trong phạm vi một xã của cơ sở tín ngưỡng", "Tín ngưỡng, tôn giáo",
     "UBND-X01"),
    ("1.003640", "Thành lập thôn mới, tổ dân phố mới", "Chính quyền địa phương", "SNV"),
    ("2.001788", "Cấp Giấy chứng nhận đăng ký đầu tư", "Đầu tư", "SKHĐT"),
    ("2.001919", "Quyết định chủ trương đầu tư của Ủy ban nhân dân cấp tỉnh", "Đầu tư", "SKHĐT"),
    ("1.001756", "Đăng ký hoạt động Văn phòng công chứng", "Công chứng", "STP"),
    ("2.000789", "Bổ nhiệm công chứng viên", "Công chứng", "STP"),
    ("2.000930", "Công nhận hoà giải viên", "Hoà giải ở cơ sở", "UBND-X01"),
    ("2.001680", "Yêu cầu trợ giúp pháp lý", "Trợ giúp pháp lý", "STP"),
    ("2.002480", "Giải quyết khiếu nại lần đầu", "Khiếu nại, tố cáo", "UBND-TC"),
    ("2.002500", "Giải quyết tố cáo tại cấp huyện", "Khiếu nại, tố cáo", "UBND-CK"),
    ("1.010014", "Cho thuê nhà ở công vụ", "Nhà ở", "SXD"),
    ("1.010007", "Bán nhà ở cũ thuộc sở hữu nhà nước", "Nhà ở", "SXD"),
    ("1.004194", "Đăng ký thường trú", "Cư trú", "CAT"),
    ("1.004222", "Đăng ký tạm trú", "Cư trú", "CAT"),
    ("1.004191", "Xác nhận thông tin về cư trú", "Cư trú", "CAT"),
    ("2.001276", "Đăng ký khai thác nước dưới đất", "Tài nguyên nước", "UBND-TC"),
    ("2.000170", "Cấp giấy phép hoạt động điện lực", "Điện lực", "SCT"),
    ("2.000133", "Cấp Giấy chứng nhận huấn luyện kỹ thuật an toàn hóa chất", "Hoá chất", "SCT"),
    ("1.003330", "Cấp thẻ bảo hiểm y tế cho người thuộc hộ gia đình nghèo", "Bảo hiểm y tế", "UBND-X02"),
    ("1.001638", "Cấp lại giấy phép khai thác khoáng sản do bị mất", "Khoáng sản", "STNMT"),
    ("1.003001", "Đính chính Giấy chứng nhận quyền sử dụng đất đã cấp", "Đất đai", "UBND-TC"),
    ("1.000775", "Đăng ký khai sinh lưu động", "Hộ tịch", "UBND-X02"),
    ("1.009998", "Điều chỉnh giấy phép xây dựng", "Xây dựng", "SXD"),
    ("1.002809", "Cấp mới giấy phép lái xe cho người học lái", "Đường bộ", "SGTVT"),
]

BOILERPLATE = [
    "1. MỤC ĐÍCH",
    "Quy trình này quy định trình tự, thủ tục, trách nhiệm giải quyết thủ tục hành chính bảo đảm công khai, "
    "minh bạch, đúng thời hạn theo quy định của pháp luật.",
    "2. PHẠM VI ÁP DỤNG",
    "Áp dụng đối với cán bộ, công chức tại Bộ phận Tiếp nhận và Trả kết quả và tổ chức, cá nhân có liên quan.",
    "3. TÀI LIỆU VIỆN DẪN",
    "Tiêu chuẩn quốc gia TCVN ISO 9001:2015 Hệ thống quản lý chất lượng — Các yêu cầu.",
]
STEPS = [
    "5. NỘI DUNG QUY TRÌNH",
    "Bước 1: Tổ chức, cá nhân nộp hồ sơ trực tiếp, qua dịch vụ bưu chính công ích hoặc trực tuyến.",
    "Bước 2: Công chức tiếp nhận kiểm tra tính đầy đủ, hợp lệ của hồ sơ; hướng dẫn bổ sung nếu chưa đầy đủ.",
    "Bước 3: Phòng chuyên môn thẩm định hồ sơ, trình lãnh đạo xem xét, phê duyệt.",
    "Bước 4: Lãnh đạo ký duyệt kết quả; văn thư vào sổ, đóng dấu, phát hành.",
    "Bước 5: Trả kết quả cho tổ chức, cá nhân và lưu hồ sơ theo quy định.",
    "6. BIỂU MẪU: Phiếu tiếp nhận hồ sơ và hẹn trả kết quả; Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ.",
]
# What the procedure itself says beyond the boilerplate, for a few of them.
DETAILS = {
    "1.001193": "Người đi đăng ký khai sinh nộp tờ khai theo mẫu và giấy chứng sinh; trường hợp không có giấy "
                "chứng sinh thì nộp văn bản của người làm chứng xác nhận về việc sinh.",
    "1.000894": "Hai bên nam, nữ cùng có mặt khi đăng ký kết hôn; công chức tư pháp - hộ tịch ghi vào Sổ hộ "
                "tịch và cùng hai bên ký tên.",
    "1.004873": "Giấy xác nhận tình trạng hôn nhân có giá trị 6 tháng kể từ ngày cấp.",
    "1.003554": "Chủ tịch Uỷ ban nhân dân cấp xã tổ chức hoà giải tranh chấp đất đai tại địa phương trong thời "
                "hạn 30 ngày; kết quả hoà giải được lập thành biên bản.",
    "1.009794": "Hồ sơ đề nghị cấp giấy phép xây dựng gồm bản vẽ thiết kế, giấy tờ về quyền sử dụng đất.",
    "2.001417": "Phiếu lý lịch tư pháp số 1 và Phiếu lý lịch tư pháp số 2 cấp cho cá nhân có yêu cầu.",
    "1.010727": "Chủ dự án đầu tư, cơ sở nộp hồ sơ đề nghị cấp giấy phép môi trường kèm báo cáo đề xuất.",
    "1.002804": "Người có giấy phép lái xe hết hạn hoặc bị hỏng nộp hồ sơ đổi giấy phép lái xe.",
    "1.003658": "Chủ phương tiện thuỷ nội địa đăng ký lần đầu tại cơ quan đăng ký phương tiện.",
    "2.000720": "Hộ kinh doanh do một cá nhân hoặc các thành viên hộ gia đình đăng ký thành lập.",
    "1.004194": "Công dân đăng ký thường trú tại chỗ ở hợp pháp thuộc quyền sở hữu của mình.",
}
CROSS_CUTTING = ["61/2018/NĐ-CP", "107/2021/NĐ-CP"]


def procedure_code(number: int, agency: str) -> str:
    return f"QT-{number:02d}/{agency}"


def procedure_texts(number: int, tthc: str, name: str, field: str, agency: str) -> list[str]:
    """The versions' texts of one procedure: every fifth one was revised once, citing a newer basis."""
    laws = LAWS[field]
    body = [f"QUY TRÌNH {name.upper()}", f"Mã hiệu: {procedure_code(number, agency)}", *BOILERPLATE]
    body += [f"Căn cứ {symbol}." for symbol in laws]
    body.append(f"Căn cứ Nghị định số {CROSS_CUTTING[number % 2]} của Chính phủ.")
    body += ["4. CĂN CỨ VÀ PHẠM VI", f"Thủ tục hành chính {name} (mã {tthc}) thuộc lĩnh vực {field}."]
    if tthc in DETAILS:
        body.append(DETAILS[tthc])
    body += STEPS
    texts = ["\n".join(body)]
    if number % 5 == 0:
        texts.insert(0, "\n".join(body[:-2]))  # an older version without the forms section
    return texts


# (query, TTHC code of the procedure that must be among the first three)
QUERIES = [
    # TTHC names with diacritics
    ("đăng ký khai sinh", "1.001193"),
    ("đăng ký kết hôn", "1.000894"),
    ("đăng ký khai tử", "1.000656"),
    ("nhận cha mẹ con", "1.001022"),
    ("trích lục hộ tịch", "2.000635"),
    ("xác nhận tình trạng hôn nhân", "1.004873"),
    ("cải chính thông tin hộ tịch", "1.004859"),
    ("chứng thực chữ ký", "2.000884"),
    ("chứng thực bản sao từ bản chính", "2.000815"),
    ("phiếu lý lịch tư pháp", "2.001417"),
    ("cấp đổi giấy chứng nhận quyền sử dụng đất", "1.003010"),
    ("chuyển mục đích sử dụng đất", "1.004138"),
    ("giấy phép xây dựng nhà ở riêng lẻ", "1.009794"),
    ("giấy phép môi trường", "1.010727"),
    ("đánh giá tác động môi trường", "1.010728"),
    ("xả nước thải vào nguồn nước", "1.004240"),
    ("đổi giấy phép lái xe", "1.002804"),
    ("phù hiệu xe ô tô", "1.002859"),
    ("an toàn thực phẩm", "2.000591"),
    ("trợ cấp thất nghiệp", "1.000401"),
    ("giấy phép lao động người nước ngoài", "1.000459"),
    ("mai táng phí cựu chiến binh", "1.010820"),
    ("thành lập hộ kinh doanh", "2.000720"),
    ("bán lẻ rượu", "2.000633"),
    ("kiểm dịch động vật", "1.003781"),
    ("lễ hội", "1.001029"),
    ("karaoke", "1.001008"),
    ("đăng ký thường trú", "1.004194"),
    ("tạm trú", "1.004222"),
    ("bảo hiểm y tế hộ nghèo", "1.003330"),
    # without diacritics
    ("dang ky khai sinh", "1.001193"),
    ("dang ky ket hon", "1.000894"),
    ("giay phep xay dung nha o rieng le", "1.009794"),
    ("cap doi giay chung nhan quyen su dung dat", "1.003010"),
    ("ly lich tu phap", "2.001417"),
    ("tro cap xa hoi hang thang", "1.001776"),
    ("dang ky thanh lap hop tac xa", "1.005277"),
    ("cong nhan diem du lich", "1.003566"),
    ("giay phep hoat dong dien luc", "2.000170"),
    ("chuc nang khai thac khoang san", None),  # nothing: every word is required
    ("khai thac khoang san", "1.000778"),
    ("dang ky tam tru", "1.004222"),
    # TTHC codes: dotted, without the dot, localized
    ("1.004227", "1.004227"),
    ("1004227", "1.004227"),
    ("1.001612.000.00.00.H12", "1.001612"),
    ("2.001417", "2.001417"),
    ("2001417", "2.001417"),
    ("1.009794.000.00.00.H57", "1.009794"),
    # procedure codes
    ("QT-17/STNMT", "1.004227"),
    ("qt17stnmt", "1.004227"),
    ("QT-05/SGDĐT", None),
    ("qt46sgddt", "1.005101"),
    # legal symbols, any spelling
    ("13/2011/TT-BTP", "2.001417"),
    ("13/2011/tt-btp", "2.001417"),
    ("158/2016/NĐ-CP", "1.000778"),
    ("158/2016/ND-CP", "1.000778"),
    ("158 / 2016 / nđ – cp", "1.000778"),
    ("08/2021/NĐ-CP", "1.003658"),
    ("8/2021/ND-CP", "1.003658"),
    ("113/2017/NĐ-CP", "2.000133"),
    # phrases
    ('"tình trạng hôn nhân"', "1.004873"),
    ('"nhà ở công vụ"', "1.010014"),
    ('"giấy phép hoạt động in"', "1.004220"),
    ('"tố cáo tại cấp huyện"', "2.002500"),
    ('"khai sinh có yếu tố nước ngoài"', "1.001695"),
    # old and new tone placement
    ("hoà giải tranh chấp đất đai", "1.003554"),
    ("hòa giải tranh chấp đất đai", "1.003554"),
    ("công nhận hòa giải viên", "2.000930"),
    ("phương tiện thuỷ nội địa", "1.003658"),
    ("phương tiện thủy nội địa", "1.003658"),
    ("an toàn hoá chất", "2.000133"),
    ("giấy khen chủ tịch ủy ban nhân dân cấp huyện", "2.000346"),
    ("công trình thủy lợi cắm mốc", "1.003459"),
    # mixed, as officials type them
    ("Dang ky bien dong chuyen nhuong", "1.001990"),
    ("GIẤY PHÉP KINH DOANH VẬN TẢI", "1.002856"),
    ("giấy chứng nhận đăng ký đầu tư", "2.001788"),
    ("văn phòng công chứng", "1.001756"),
]
