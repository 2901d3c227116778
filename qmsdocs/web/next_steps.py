"""What the signed-in official should do next, by role: the first thing the home page says.

An editor acts on the alerts and reviews of their agency, an approver on the drafts waiting for
them, a viewer looks procedures up, an administrator watches the whole province. Each step is a
sentence with its count and the page where the work is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext


@dataclass(frozen=True)
class Step:
    text: str
    url: str
    # urgent: something waits on this person; calm: nothing waits, a way in.
    urgent: bool = True


def next_steps(user, data) -> list[Step]:
    """`data` is the home page's HomeData (counts already read for the page)."""
    role = getattr(user, "role", "viewer")
    steps: list[Step] = []
    returned = [v for v in data.my_drafts if v.state == "returned"]
    if role == "admin":
        if data.drafts_to_approve:
            steps.append(Step(ngettext("%(num)s bản nháp trong tỉnh đang chờ duyệt.",
                                       "%(num)s bản nháp trong tỉnh đang chờ duyệt.", len(data.drafts_to_approve)),
                              "#drafts"))
        if data.open_alerts:
            steps.append(Step(ngettext("%(num)s cảnh báo chưa xử lý trên toàn tỉnh.",
                                       "%(num)s cảnh báo chưa xử lý trên toàn tỉnh.", data.open_alerts),
                              url_for("alerts.dashboard")))
        steps.append(Step(_("Xem mức bao phủ thủ tục hành chính bằng quy trình ISO của tỉnh."),
                          url_for("reports.coverage_page"), urgent=False))
        return steps
    if data.agency is None:
        return steps
    if role == "approver" and data.drafts_to_approve:
        steps.append(Step(ngettext("%(num)s bản nháp đang chờ bạn duyệt.", "%(num)s bản nháp đang chờ bạn duyệt.",
                                   len(data.drafts_to_approve)), "#drafts"))
    if role in ("editor", "approver"):
        if returned:
            steps.append(Step(ngettext("%(num)s bản nháp của bạn bị trả lại: sửa theo lý do rồi tải lên lại.",
                                       "%(num)s bản nháp của bạn bị trả lại: sửa theo lý do rồi tải lên lại.",
                                       len(returned)), "#mine-h"))
        if data.open_alerts:
            steps.append(Step(ngettext("%(num)s cảnh báo của cơ quan bạn cần xử lý.",
                                       "%(num)s cảnh báo của cơ quan bạn cần xử lý.", data.open_alerts),
                              url_for("alerts.dashboard")))
        if data.reviews_total:
            steps.append(Step(ngettext("%(num)s quy trình của cơ quan bạn đến hạn rà soát định kỳ.",
                                       "%(num)s quy trình của cơ quan bạn đến hạn rà soát định kỳ.",
                                       data.reviews_total), "#reviews"))
        if not steps:
            steps.append(Step(_("Không có việc gì đang chờ bạn. Quy trình của cơ quan bạn đều cập nhật."),
                              url_for("web.procedures"), urgent=False))
        return steps
    steps.append(Step(_("Tìm quy trình theo nội dung, thủ tục hành chính hoặc văn bản pháp luật."),
                      url_for("search.search_page"), urgent=False))
    return steps
