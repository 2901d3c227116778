"""Model-based test: the alert invariant holds with versions that take effect on a later date.

The alerts model (tests/test_alerts_model.py) is extended with two operations: an upload approved
for a later effective date, and a day passing (the clock moves on and the daily run brings due
versions into force). The reference keeps the waiting versions itself: until its day a waiting
version is not current, so alerts must still follow the version in force.
"""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from qmsdocs import clock
from tests.docx_factory import make_docx
from tests.test_alerts_model import PROFILE, SYMBOLS, TODAY, AlertsFollowTheState


class AlertsFollowEffectiveDates(AlertsFollowTheState):
    def __init__(self):
        self._days = 0
        self._real_datetime = clock.datetime
        machine = self

        class Shifted(self._real_datetime):
            @classmethod
            def now(cls, tz=None):
                return machine._real_datetime.now(tz) + timedelta(days=machine._days)

        clock.datetime = Shifted
        super().__init__()
        for state in self.procedures.values():
            state["scheduled"] = []  # (number, cited, effective day)

    def teardown(self):
        clock.datetime = self._real_datetime
        super().teardown()

    def _became_current(self, procedure_id, number, cited):
        super()._became_current(procedure_id, number, cited)
        state = self.procedures[procedure_id]
        state["scheduled"] = [entry for entry in state.get("scheduled", []) if entry[0] > number]

    @precondition(lambda self: self._days < 10)
    @rule(procedure=st.sampled_from([1, 2, 3]), cited=st.frozensets(st.sampled_from(SYMBOLS), max_size=3),
          days=st.integers(min_value=1, max_value=3))
    def upload_effective_later(self, procedure, cited, days):
        """An administrator's upload, approved at once, in force only `days` from today."""
        state = self.procedures[procedure]
        today = TODAY + timedelta(days=self._days)
        self.uploads += 1
        code = self.admin.get(f"/api/v1/procedures/{procedure}").get_json()["code"]
        lines = [f"- Văn bản số {symbol};" for symbol in sorted(cited)] + [f"Lần cập nhật {self.uploads}."]
        data = make_docx(code=code, issued_on=today.strftime("%d/%m/%Y"), citations_text=lines)
        boundary, body = encode_multipart({"file": FileStorage(BytesIO(data), filename="qt.docx"), "note": "Sửa",
                                           "effective_on": (today + timedelta(days=days)).isoformat()})
        response = self.client.post(f"/api/v1/procedures/{procedure}/versions", data=body, headers=self.admin.headers,
                                    content_type=f"multipart/form-data; boundary={boundary}")
        assert response.status_code == 201, response.get_json()
        answer = response.get_json()
        assert answer["status"] == "scheduled", answer
        # An earlier draft can no longer be approved once a later version is approved.
        if state["pending"] is not None and state["pending"][0] < answer["version"]:
            state["pending"] = None
        state["scheduled"].append((answer["version"], cited, today + timedelta(days=days)))

    @precondition(lambda self: self._days < 10)
    @rule()
    def a_day_passes(self):
        """Tomorrow: the daily run makes due versions current (the newest due one per procedure)."""
        self._days += 1
        today = TODAY + timedelta(days=self._days)
        result = self.app.test_cli_runner().invoke(args=["qms", "alerts", "evaluate"])
        assert result.exit_code == 0, result.output
        for procedure_id, state in self.procedures.items():
            due = [entry for entry in state["scheduled"] if entry[2] <= today
                   and (state["current"] is None or entry[0] > state["current"])]
            if due:
                number, cited, _day = max(due)
                self._became_current(procedure_id, number, cited)


AlertsFollowEffectiveDates.TestCase.settings = PROFILE
test_alerts_follow_effective_dates = AlertsFollowEffectiveDates.TestCase
