"""Model-based test: after any sequence of uploads, approvals, legal changes, registry edits,
imports, dismissals, acknowledgements, reviews, reorganizations and daily evaluations, the open
alerts equal what a plain reference model of the rules says about the current state.

The reference below is written from the rules in docs/alerts.md, not from the service code:
it keeps its own copy of each procedure's current citations, the registry's statuses and
relations, and the dismissals, and recomputes the expected alerts from scratch after each step.
Bounded for CI by a Hypothesis profile (QMSDOCS_MODEL_PROFILE=thorough for a longer run).
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from qmsdocs.clock import local_today
from tests.conftest import ApiClient, create_test_user, initialized_app
from tests.docx_factory import make_docx

settings.register_profile("alerts-model-ci", max_examples=25, stateful_step_count=15, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("alerts-model-thorough", max_examples=200, stateful_step_count=30, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# No shrinking: a quick look while developing (the failing sequence is printed unshrunk).
settings.register_profile("alerts-model-quick", max_examples=10, stateful_step_count=15, deadline=None,
                          phases=(Phase.explicit, Phase.reuse, Phase.generate),
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROFILE = settings.get_profile("alerts-model-" + os.environ.get("QMSDOCS_MODEL_PROFILE", "ci"))

SYMBOLS = ("4/2020/QH14", "1/2020/NĐ-CP", "2/2020/NĐ-CP", "3/2020/TT-BTP")
LAPSING = ("replaced", "repealed", "expired")
AMEND_LIKE = ("amended", "partially_expired")
KINDS = LAPSING + AMEND_LIKE
EDIT_STATUSES = ("in_force", "suspended", "not_yet_in_force")
AGENCIES = {"SA": False, "SB": True, "SC": False}  # code -> approval required
PROCEDURES = (("SA", "QT-01/SA"), ("SB", "QT-01/SB"), ("SC", "QT-01/SC"))
TODAY = local_today()


class Reference:
    """The rules, plainly, over the model's own state."""

    def __init__(self):
        self.seq = 0
        self.status = {symbol: "in_force" for symbol in SYMBOLS}
        self.status_set = {}  # symbol -> seq of the last hand-set status
        self.changes = []  # dicts: id, symbol, kind, by, effective, seq
        self.edges = []  # (parent, child, seq)

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def own_lapse(self, symbol):
        own = [c for c in self.changes if c["symbol"] == symbol and c["kind"] in LAPSING]
        return min(own, key=lambda c: (c["effective"], c["id"])) if own else None

    def lapses(self):
        """symbol -> (effective, root change id, parent): a fixpoint over the detailing relations."""
        best = {}
        for _ in range(len(SYMBOLS) + 1):
            for parent, child, _seq in self.edges:
                if self.own_lapse(child) is not None:
                    continue
                source = self.own_lapse(parent)
                date_and_root = ((source["effective"], source["id"]) if source else
                                 best[parent][:2] if parent in best else None)
                if date_and_root is None:
                    continue
                root = next(c for c in self.changes if c["id"] == date_and_root[1])
                if self.status_set.get(child, -1) >= root["seq"]:
                    continue
                if child not in best or date_and_root < best[child][:2]:
                    best[child] = (*date_and_root, parent)
        return best

    def record_change(self, change):
        self.changes.append(change)
        symbol = change["symbol"]
        if change["effective"] <= TODAY:
            if change["kind"] in LAPSING and self.status[symbol] in ("in_force", "partially_expired"):
                self.status[symbol] = "expired"
            elif change["kind"] == "partially_expired" and self.status[symbol] == "in_force":
                self.status[symbol] = "partially_expired"
        self.settle_lapses()

    def edit_status(self, symbol, status):
        if self.status[symbol] != status:
            self.status[symbol] = status
            self.status_set[symbol] = self.tick()
        self.settle_lapses()

    def settle_lapses(self):
        due = {s for s, found in self.lapses().items() if found[0] <= TODAY}
        for symbol in SYMBOLS:
            if symbol in due and self.status[symbol] in ("in_force", "partially_expired"):
                self.status[symbol] = "expired_with_parent"
            elif symbol not in due and self.status[symbol] == "expired_with_parent":
                self.status[symbol] = "in_force"

    def creates_cycle(self, parent, child):
        reachable, frontier = set(), {child}
        while frontier:
            reachable |= frontier
            frontier = {c for p, c, _ in self.edges if p in frontier} - reachable
        return parent in reachable

    def causes(self, cited: frozenset[str], doc_ids: dict[str, int]) -> set[str]:
        expected = set()
        lapses = self.lapses()
        for symbol in cited:
            for change in self.changes:
                if change["symbol"] != symbol:
                    continue
                if change["by"] is not None and change["by"] in cited:
                    continue
                if change["kind"] in AMEND_LIKE and change["by"] is None and change["effective"] <= TODAY:
                    continue  # the version (issued today) is later than the amendment
                expected.add(f"change:{change['id']}")
            if symbol in lapses:
                expected.add(f"lapse:{doc_ids[symbol]}:{lapses[symbol][1]}")
            if self.status[symbol] in ("suspended", "not_yet_in_force"):
                expected.add(f"not_in_force:{doc_ids[symbol]}:{self.status[symbol]}")
        return expected


class AlertsFollowTheState(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self._context = initialized_app(Path(self._tmp.name))
        self.app = self._context.__enter__()
        self.client = self.app.test_client()
        self.admin = self._api("admin", None)
        self.editors = {}
        for code, approval in AGENCIES.items():
            assert self.admin.post("/api/v1/agencies", json={"code": code, "name": f"Sở {code}", "level": "province",
                                                              "approval_required": approval}).status_code == 201
        self.approval = dict(AGENCIES)
        self.active_agencies = list(AGENCIES)
        self.doc_ids = {}
        for symbol in SYMBOLS:
            response = self.admin.post("/api/v1/legal-documents", json={"symbol": symbol, "title": f"Văn bản {symbol}"})
            assert response.status_code == 201, response.get_json()
            self.doc_ids[symbol] = response.get_json()["id"]
        self.procedures = {}
        for agency, code in PROCEDURES:
            response = self.admin.post("/api/v1/procedures", json={"agency": agency, "code": code,
                                                                   "title": f"Quy trình {code}"})
            assert response.status_code == 201, response.get_json()
            self.procedures[response.get_json()["id"]] = {"agency": agency, "current": None, "cited": frozenset(),
                                                          "pending": None, "review_pending": False}
        self.ref = Reference()
        self.dismissed = set()  # (procedure id, cause, version number)
        self.uploads = 0

    def teardown(self):
        self._context.__exit__(None, None, None)
        self._tmp.cleanup()

    def _api(self, role, agency):
        from qmsdocs.auth.services import mint_token, user_by_name
        from qmsdocs.db import session

        username = f"{role}-{agency or 'all'}".lower()
        create_test_user(self.app, username, role, agency)
        with self.app.app_context():
            token = mint_token(user_by_name(username))
            session.commit()
        return ApiClient(self.client, token, username)

    def _editor(self, agency):
        if agency not in self.editors:
            self.editors[agency] = self._api("editor", agency)
        return self.editors[agency]

    def _became_current(self, procedure_id, number, cited):
        state = self.procedures[procedure_id]
        # An earlier draft still waiting can no longer be approved once a later version is current.
        if state["pending"] is not None and state["pending"][0] < number:
            state["pending"] = None
        state.update(current=number, cited=cited, review_pending=False)

    # ------------------------------------------------------------ operations

    @initialize(cited=st.lists(st.frozensets(st.sampled_from(SYMBOLS), min_size=1, max_size=3), min_size=3,
                               max_size=3))
    def first_versions(self, cited):
        """Every procedure starts with a current version (uploaded by an administrator)."""
        for procedure, symbols in zip(sorted(self.procedures), cited):
            self._upload(procedure, symbols, self.admin)

    @initialize(symbol=st.sampled_from(SYMBOLS), kind=st.sampled_from(KINDS), by=st.none() | st.sampled_from(SYMBOLS))
    def first_change(self, symbol, kind, by):
        """The registry already records one change."""
        self.legal_change(symbol, kind, by, False, False)

    @rule(procedure=st.sampled_from([1, 2, 3]))
    def revision_keeping_citations(self, procedure):
        """A new revision that changes the wording but not what it cites (the case of a dismissed alert)."""
        self.upload(procedure, self.procedures[procedure]["cited"])

    @rule(procedure=st.sampled_from([1, 2, 3]), cited=st.frozensets(st.sampled_from(SYMBOLS), max_size=3))
    def upload(self, procedure, cited):
        self._upload(procedure, cited, self._editor(self.procedures[procedure]["agency"]))

    def _upload(self, procedure, cited, uploader):
        state = self.procedures[procedure]
        self.uploads += 1
        code = self.admin.get(f"/api/v1/procedures/{procedure}").get_json()["code"]
        lines = [f"- Văn bản số {symbol};" for symbol in sorted(cited)] + [f"Lần cập nhật {self.uploads}."]
        data = make_docx(code=code, issued_on=TODAY.strftime("%d/%m/%Y"), citations_text=lines)
        response = uploader.upload(procedure, data)
        if state["pending"] is not None:
            assert response.status_code in (201, 409), response.get_json()
            if response.status_code == 409:
                return
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        if body["state"] == "pending":
            state["pending"] = (body["version"], cited)
        else:
            self._became_current(procedure, body["version"], cited)

    @precondition(lambda self: any(s["pending"] for s in self.procedures.values()))
    @rule(data=st.data())
    def approve(self, data):
        procedure = data.draw(st.sampled_from(sorted(p for p, s in self.procedures.items() if s["pending"])))
        number, cited = self.procedures[procedure]["pending"]
        response = self.admin.post(f"/api/v1/procedures/{procedure}/versions/{number}/approve", json={})
        assert response.status_code == 200, response.get_json()
        self.procedures[procedure]["pending"] = None
        self._became_current(procedure, number, cited)

    def _change_body(self, symbol, kind, by, future):
        effective = TODAY + timedelta(days=60) if future else TODAY - timedelta(days=30)
        return {"symbol": symbol, "change": kind, "by": by, "effective_on": effective.isoformat()}, effective

    def _record_change(self, body, effective, response_body, created):
        if created:
            self.ref.record_change({"id": response_body["id"], "symbol": body["symbol"], "kind": body["change"],
                                    "by": body["by"], "effective": effective, "seq": self.ref.tick()})

    @rule(symbol=st.sampled_from(SYMBOLS), kind=st.sampled_from(KINDS),
          by=st.none() | st.sampled_from(SYMBOLS), future=st.booleans(), via_import=st.booleans())
    def legal_change(self, symbol, kind, by, future, via_import):
        """A change recorded through the API, or imported as a file row (the same change either way)."""
        if by == symbol:
            by = None
        body, effective = self._change_body(symbol, kind, by, future)
        if not via_import:
            response = self.admin.post("/api/v1/legal-changes", json=body)
            assert response.status_code in (200, 201), response.get_json()
            self._record_change(body, effective, response.get_json(), response.status_code == 201)
            return
        response = self.client.post("/api/v1/legal-import", data=json.dumps({"changes": [body]}),
                                    content_type="application/json", headers=self.admin.headers)
        assert response.status_code == 200, response.get_json()
        report = response.get_json()
        assert not report["refused"], report
        if report["changes_created"]:
            listed = self.admin.get(f"/api/v1/legal-changes?symbol={symbol}").get_json()["items"]
            self._record_change(body, effective, max(listed, key=lambda c: c["id"]), True)

    @rule(parent=st.sampled_from(SYMBOLS), child=st.sampled_from(SYMBOLS), guided=st.booleans())
    def detailing(self, parent, child, guided):
        if parent == child:
            return
        body = {"symbol": parent, "change": "guided" if guided else "detailed", "by": child,
                "effective_on": (TODAY - timedelta(days=400)).isoformat()}
        response = self.admin.post("/api/v1/legal-changes", json=body)
        if self.ref.creates_cycle(parent, child):
            assert response.status_code == 400 and "'by'" in response.get_json()["error"]["message"]
            return
        assert response.status_code in (200, 201), response.get_json()
        if response.status_code == 201:
            self.ref.edges.append((parent, child, self.ref.tick()))
            self.ref.settle_lapses()

    @rule(symbol=st.sampled_from(SYMBOLS), status=st.sampled_from(EDIT_STATUSES))
    def registry_edit(self, symbol, status):
        response = self.client.patch(f"/api/v1/legal-documents/{self.doc_ids[symbol]}", json={"status": status},
                                     headers=self.admin.headers)
        assert response.status_code == 200, response.get_json()
        self.ref.edit_status(symbol, status)

    def _active_alerts(self):
        return self.admin.get("/api/v1/alerts?status=active&limit=1000").get_json()["items"]

    @precondition(lambda self: self.expected())
    @rule(data=st.data(), dismiss=st.booleans())
    def judge(self, data, dismiss):
        """An approver dismisses an alert with a reason, or an editor acknowledges it."""
        active = self._active_alerts()
        if not dismiss:
            opened = [a for a in active if a["status"] == "open"]
            if opened:
                alert = data.draw(st.sampled_from(opened))
                assert self.admin.post(f"/api/v1/alerts/{alert['id']}/acknowledge").status_code == 200
            return
        alert = data.draw(st.sampled_from(active))
        response = self.admin.post(f"/api/v1/alerts/{alert['id']}/dismiss", json={"reason": "Vẫn phù hợp."})
        assert response.status_code == 200, response.get_json()
        state = self.procedures[alert["procedure_id"]]
        if alert["rule"] == "review_requested":
            state["review_pending"] = False
        else:
            self.dismissed.add((alert["procedure_id"], alert["cause"], state["current"]))

    @rule(procedure=st.sampled_from([1, 2, 3]))
    def review(self, procedure):
        response = self.admin.post(f"/api/v1/procedures/{procedure}/reviews", json={})
        assert response.status_code == 201, response.get_json()
        self.procedures[procedure]["review_pending"] = False

    @precondition(lambda self: len(self.active_agencies) > 1)
    @rule(data=st.data())
    def merge_agencies(self, data):
        source = data.draw(st.sampled_from(self.active_agencies))
        target = data.draw(st.sampled_from([a for a in self.active_agencies if a != source]))
        response = self.admin.post("/api/v1/agencies/merge", json={"agencies": [source], "into": target,
                                                                   "effective_on": TODAY.isoformat()})
        assert response.status_code == 201, response.get_json()
        self.active_agencies.remove(source)
        for state in self.procedures.values():
            if state["agency"] == source:
                state.update(agency=target, review_pending=True)

    @rule()
    def daily_evaluation(self):
        result = self.app.test_cli_runner().invoke(args=["qms", "alerts", "evaluate"])
        assert result.exit_code == 0, result.output

    # ------------------------------------------------------------ the invariant

    def expected(self) -> set[tuple[int, str]]:
        expected = set()
        for procedure_id, state in self.procedures.items():
            if state["review_pending"]:
                expected.add((procedure_id, "review_requested"))
            if state["current"] is None:
                continue
            for cause in self.ref.causes(state["cited"], self.doc_ids):
                if (procedure_id, cause, state["current"]) not in self.dismissed:
                    expected.add((procedure_id, cause))
        return expected

    @invariant()
    def open_alerts_follow_the_state(self):
        stored = {(a["procedure_id"], "review_requested" if a["rule"] == "review_requested" else a["cause"])
                  for a in self._active_alerts()}
        assert stored == self.expected()
        for procedure_id in self.procedures:
            count = self.admin.get(f"/api/v1/procedures/{procedure_id}/alerts").get_json()["open_alerts"]
            assert count == sum(1 for p, _ in stored if p == procedure_id)


AlertsFollowTheState.TestCase.settings = PROFILE
test_open_alerts_follow_the_state = AlertsFollowTheState.TestCase
