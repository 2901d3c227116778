"""`qms demo` step: the legal documents the demo procedures cite and how they changed, so alerts show.

Facts are real unless the title says "minh họa" (illustrative). 19/2014/QĐ-TTg and 28/2009/QH12
are left out on purpose: they appear in the "cited but unknown" list.
"""

from __future__ import annotations

from qmsdocs.clock import local_today
from qmsdocs.alerts.rules import add_months
from qmsdocs.auth.permissions import SYSTEM
from qmsdocs.cli import demo_step

DOCUMENTS = [
    # symbol, type, issuer, title, issued, effective, aliases
    ("45/2013/QH13", "Luật", "Quốc hội", "Luật Đất đai", "29/11/2013", "01/07/2014", ["Luật Đất đai 2013"]),
    ("31/2024/QH15", "Luật", "Quốc hội", "Luật Đất đai", "18/01/2024", "01/08/2024", ["Luật Đất đai 2024"]),
    ("43/2014/NĐ-CP", "Nghị định", "Chính phủ", "Quy định chi tiết thi hành một số điều của Luật Đất đai",
     "15/05/2014", "01/07/2014", []),
    ("102/2024/NĐ-CP", "Nghị định", "Chính phủ", "Quy định chi tiết thi hành một số điều của Luật Đất đai",
     "30/07/2024", "01/08/2024", []),
    ("61/2018/NĐ-CP", "Nghị định", "Chính phủ",
     "Về thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính",
     "23/04/2018", "21/06/2018", []),
    ("107/2021/NĐ-CP", "Nghị định", "Chính phủ",
     "Sửa đổi, bổ sung một số điều của Nghị định số 61/2018/NĐ-CP ngày 23 tháng 4 năm 2018 của Chính phủ về "
     "thực hiện cơ chế một cửa, một cửa liên thông trong giải quyết thủ tục hành chính", "06/12/2021", None, []),
    ("01/2018/TT-VPCP", "Thông tư", "Văn phòng Chính phủ",
     "Hướng dẫn thi hành một số quy định của Nghị định số 61/2018/NĐ-CP", "23/11/2018", None, []),
    ("60/2014/QH13", "Luật", "Quốc hội", "Luật Hộ tịch", "20/11/2014", "01/01/2016", ["Luật Hộ tịch 2014"]),
    ("123/2015/NĐ-CP", "Nghị định", "Chính phủ",
     "Quy định chi tiết một số điều và biện pháp thi hành Luật Hộ tịch", "15/11/2015", "01/01/2016", []),
]
CHANGES = [
    # symbol, change, by, effective
    ("45/2013/QH13", "replaced", "31/2024/QH15", "01/08/2024"),
    ("43/2014/NĐ-CP", "replaced", "102/2024/NĐ-CP", "01/08/2024"),
    ("61/2018/NĐ-CP", "amended", "107/2021/NĐ-CP", "06/12/2021"),
    ("61/2018/NĐ-CP", "guided", "01/2018/TT-VPCP", "23/11/2018"),
]
ILLUSTRATIVE_DECREE = "999/2026/NĐ-CP"


@demo_step("Văn bản pháp luật và cảnh báo")
def load_legal_demo() -> None:
    from qmsdocs.legal.services import create_document, record_change

    for symbol, doc_type, issuer, title, issued, effective, aliases in DOCUMENTS:
        create_document({"symbol": symbol, "type": doc_type, "issuer": issuer, "title": title,
                         "issued_on": issued, "effective_on": effective, "aliases": aliases}, actor=SYSTEM)
    for symbol, change, by, effective in CHANGES:
        record_change({"symbol": symbol, "change": change, "by": by, "effective_on": effective}, actor=SYSTEM)
    # An upcoming change, always a few months ahead of the day the demo is loaded.
    upcoming = add_months(local_today().replace(day=1), 3)
    create_document({"symbol": ILLUSTRATIVE_DECREE, "type": "Nghị định", "issuer": "Chính phủ",
                     "title": "Sửa đổi, bổ sung Nghị định số 123/2015/NĐ-CP về hộ tịch (minh họa)",
                     "issued_on": local_today().isoformat(),
                     "effective_on": upcoming.isoformat(), "status": "not_yet_in_force"}, actor=SYSTEM)
    record_change({"symbol": "123/2015/NĐ-CP", "change": "amended", "by": ILLUSTRATIVE_DECREE,
                   "effective_on": upcoming.isoformat(), "note": "Thay đổi minh họa, sắp có hiệu lực."},
                  actor=SYSTEM)
