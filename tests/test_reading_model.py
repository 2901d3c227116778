"""Model-based test: after any sequence of policy changes, uploads, approvals, retirements and
confirmations, the distribution log and everyone's to-read list equal what a plain reference model
of the rules in docs/document-control.md says, and each confirmation is accepted or refused as it says.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.conftest import ApiClient, create_test_user, initialized_app
from tests.docx_factory import make_docx

settings.register_profile("reading-model-ci", max_examples=12, stateful_step_count=14, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("reading-model-thorough", max_examples=150, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("reading-model-quick", max_examples=6, stateful_step_count=12, deadline=None,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("reading-model-" + os.environ.get("QMSDOCS_MODEL_PROFILE", "ci"))

# agency → approval required
AGENCIES = {"SA": True, "SB": False}
# username → (role, agency)
PEOPLE = {"a-editor": ("editor", "SA"), "a-approver": ("approver", "SA"), "a-viewer": ("viewer", "SA"),
          "b-editor": ("editor", "SB"), "b-viewer": ("viewer", "SB")}
PROCEDURES = [("SA", "QT-01"), ("SA", "QT-02"), ("SB", "QT-03")]
READER_ROLES = ("editor", "approver", "viewer")


class ReadingFollowsTheRules(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self._context = initialized_app(Path(self._tmp.name))
        self.app = self._context.__enter__()
        self.client = self.app.test_client()
        self.admin = self._api("quantri", "admin", None)
        for code, approval in AGENCIES.items():
            assert self.admin.post("/api/v1/agencies", json={"code": code, "name": f"Sở {code}", "level": "province",
                                                              "approval_required": approval}).status_code == 201
        self.people = {name: self._api(name, role, agency) for name, (role, agency) in PEOPLE.items()}
        self.procedures = {}
        for agency, code in PROCEDURES:
            response = self.admin.post("/api/v1/procedures", json={"agency": agency, "code": code, "title": code})
            self.procedures[response.get_json()["id"]] = {"agency": agency, "current": None, "versions": 0,
                                                          "pending": None, "active": True}
        # The reference: each agency's readers, and the log as (procedure, version, user) → state.
        self.policy = {code: set() for code in AGENCIES}
        self.lines: dict[tuple[int, int, str], str] = {}

    def teardown(self):
        self._context.__exit__(None, None, None)
        self._tmp.cleanup()

    def _api(self, username, role, agency):
        from qmsdocs.auth.services import mint_token, user_by_name
        from qmsdocs.db import session

        create_test_user(self.app, username, role, agency)
        with self.app.app_context():
            token = mint_token(user_by_name(username))
            session.commit()
        return ApiClient(self.client, token, username)

    # ------------------------------------------------------------ the reference model's rules

    def _became_current(self, procedure_id, number):
        state = self.procedures[procedure_id]
        state["current"] = number
        for key, value in list(self.lines.items()):
            if key[0] == procedure_id and key[1] != number and value == "pending":
                self.lines[key] = "superseded"
        self._ask(procedure_id)

    def _ask(self, procedure_id):
        state = self.procedures[procedure_id]
        if not state["active"] or state["current"] is None:
            return
        for user in self.policy[state["agency"]]:
            key = (procedure_id, state["current"], user)
            if self.lines.get(key) in (None, "withdrawn"):
                self.lines[key] = "pending"

    # ------------------------------------------------------------ rules

    @rule(agency=st.sampled_from(sorted(AGENCIES)), scope=st.sampled_from(["none", "all", "chosen"]),
          roles=st.sets(st.sampled_from(READER_ROLES)), users=st.sets(st.sampled_from(sorted(PEOPLE))))
    def set_policy(self, agency, scope, roles, users):
        body = {"scope": scope, "roles": sorted(roles), "users": sorted(users)}
        response = self.admin.post(f"/api/v1/agencies/{agency}/reading-policy", json=body)
        if scope == "chosen" and not roles and not users:
            assert response.status_code == 400
            return
        assert response.status_code == 200, response.get_json()
        if scope == "none":
            readers = set()
        elif scope == "all":
            readers = {name for name, (_r, home) in PEOPLE.items() if home == agency}
        else:
            readers = {name for name, (role, home) in PEOPLE.items() if home == agency and role in roles} | users
        self.policy[agency] = readers
        for procedure_id, state in self.procedures.items():
            if state["agency"] != agency or not state["active"] or state["current"] is None:
                continue
            for key, value in list(self.lines.items()):
                if key[:2] == (procedure_id, state["current"]) and value == "pending" and key[2] not in readers:
                    self.lines[key] = "withdrawn"
            self._ask(procedure_id)

    @rule(data=st.data())
    def upload(self, data):
        procedure_id = data.draw(st.sampled_from(sorted(self.procedures)))
        state = self.procedures[procedure_id]
        editor = self.people["a-editor" if state["agency"] == "SA" else "b-editor"]
        number = state["versions"] + 1
        content = make_docx(code=f"{procedure_id}", revision=f"{number:02d}", paragraphs=[f"Bước {number}."])
        response = editor.upload(procedure_id, content)
        if not state["active"]:
            assert response.status_code == 409
            return
        assert response.status_code == 201, response.get_json()
        state["versions"] = number
        if AGENCIES[state["agency"]]:
            state["pending"] = number
        else:
            self._became_current(procedure_id, number)

    @precondition(lambda self: any(s["pending"] and s["active"] for s in self.procedures.values()))
    @rule(data=st.data())
    def approve(self, data):
        procedure_id = data.draw(st.sampled_from(sorted(
            p for p, s in self.procedures.items() if s["pending"] and s["active"])))
        state = self.procedures[procedure_id]
        # The model keeps the latest draft only (an upload after a draft makes the new one the one to approve).
        number, state["pending"] = state["pending"], None
        response = self.people["a-approver"].post(f"/api/v1/procedures/{procedure_id}/versions/{number}/approve",
                                                  json={})
        assert response.status_code == 200, response.get_json()
        self._became_current(procedure_id, number)

    @rule(data=st.data())
    def retire(self, data):
        procedure_id = data.draw(st.sampled_from(sorted(self.procedures)))
        state = self.procedures[procedure_id]
        response = self.admin.post(f"/api/v1/procedures/{procedure_id}/retire", json={"reason": "Bãi bỏ"})
        if not state["active"]:
            assert response.status_code == 409
            return
        assert response.status_code == 200
        state["active"] = False
        for key, value in list(self.lines.items()):
            if key[0] == procedure_id and value == "pending":
                self.lines[key] = "withdrawn"

    @precondition(lambda self: any(s["versions"] for s in self.procedures.values()))
    @rule(data=st.data(), user=st.sampled_from(sorted(PEOPLE)))
    def confirm(self, data, user):
        procedure_id = data.draw(st.sampled_from(sorted(p for p, s in self.procedures.items() if s["versions"])))
        state = self.procedures[procedure_id]
        number = data.draw(st.integers(1, state["versions"]))
        response = self.people[user].post(f"/api/v1/procedures/{procedure_id}/versions/{number}/confirm-read")
        key = (procedure_id, number, user)
        if not state["active"]:
            expected = "procedure_retired"
        elif number != state["current"]:
            expected = "version_not_current"
        elif self.lines.get(key) == "confirmed":
            expected = "already_confirmed"
        elif user not in self.policy[state["agency"]] or self.lines.get(key) == "withdrawn":
            expected = "not_a_reader"
        else:
            expected = None
        if expected is None:
            assert response.status_code == 201, response.get_json()
            self.lines[key] = "confirmed"
        else:
            assert response.get_json()["error"]["code"] == expected, (key, response.get_json())

    # ------------------------------------------------------------ the invariants

    @invariant()
    def the_log_is_what_the_rules_say(self):
        stored = {}
        for agency in AGENCIES:
            answer = self.admin.get(f"/api/v1/agencies/{agency}/distribution-log?per_page=1000").get_json()
            for line in answer["items"]:
                stored[(line["procedure_id"], line["version"], line["user"])] = line["state"]
        assert stored == self.lines

    @invariant()
    def everyone_must_read_the_current_versions_not_yet_confirmed(self):
        for user, api in self.people.items():
            stored = {(line["procedure_id"], line["version"]) for line in api.get("/api/v1/to-read").get_json()["items"]}
            expected = {(p, v) for (p, v, u), value in self.lines.items()
                        if u == user and value == "pending" and self.procedures[p]["active"]
                        and self.procedures[p]["current"] == v}
            assert stored == expected, user


ReadingFollowsTheRules.TestCase.settings = PROFILE
test_reading_follows_the_rules = ReadingFollowsTheRules.TestCase
