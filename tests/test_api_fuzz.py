"""Fuzzing every POST endpoint of the JSON API: whatever the body, the answer is never a 500.

Bodies are drawn from strategies for the field types the API takes, and for what breaks them:
strings with lone surrogates, NUL and other control characters, numbers where strings are
expected (huge ones too), lists and objects where scalars are expected, deep nesting, and
raw bytes that are not JSON at all. The app runs with TESTING, so an unexpected exception
fails the test instead of becoming a 500 page.

The number of examples per endpoint is bounded for CI (`QMSDOCS_FUZZ_EXAMPLES`, default 40);
raise it for a longer hunt, e.g. `QMSDOCS_FUZZ_EXAMPLES=1000`.
"""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import encode_multipart

from qmsdocs.db import session
from tests.conftest import create_test_user, initialized_app
from tests.docx_factory import make_docx

# Hundreds of requests make the garbage collector find a Whoosh index file that the search
# backend left open (seen only under this load; a search-area matter, not an API answer).
# Only that warning is let through; any other unclosed resource still fails the run.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <_io.FileIO name='[^']*/index/gen-[^']*':pytest.PytestUnraisableExceptionWarning")

EXAMPLES = int(os.environ.get("QMSDOCS_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not os.environ.get("QMSDOCS_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])

# Every field name the API's POST endpoints read.
FIELDS = [
    "admin_procedures", "agencies", "agency", "agency_codes", "agency_kinds", "aliases", "approval_required",
    "assignment", "base_version", "by", "change", "classification", "code", "comment", "decision", "effective_on",
    "field", "into", "keep_source", "kind", "legal_bases", "legal_document", "level", "levels", "name", "note",
    "notes", "parent", "publishing_decision", "reason", "review_interval_months", "reviewed_on", "status",
    "successor", "symbol", "title", "unit_type", "year", "items", "rows", "document", "changes", "type",
]

hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=20),
    st.sampled_from(["", " ", "\x00", "\ud800", "a\udfffb", "STP", "province", "amend", "2026-02-30", "9999-12-31",
                     "0001-01-01", "1.004227", "61/2018/NĐ-CP", "QT-01/STP", "x" * 5000, "true", "null", "-1"]),
)
scalars = st.one_of(
    st.none(), st.booleans(), hostile_text,
    st.integers(min_value=-(2**70), max_value=2**70), st.integers(min_value=-3, max_value=3000),
    st.floats(allow_nan=False, allow_infinity=False),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(hostile_text, inner, max_size=4)),
                      max_leaves=12)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), values, max_size=8).map(json.dumps),
    values.map(json.dumps),
    st.integers(min_value=1, max_value=6000).map(lambda depth: '{"agency": ' + "[" * depth + "]" * depth + "}"),
    st.binary(max_size=60).map(lambda raw: raw.decode("latin-1")),
)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One app with something to act on: an agency that requires approval, a draft, an alert target."""
    tmp_path = tmp_path_factory.mktemp("fuzz")
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False) as app:
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM
        from qmsdocs.auth.services import mint_token, user_by_name

        with app.app_context():
            create_agency("STP", "Sở Tư pháp", "province", actor=SYSTEM, approval_required=True)
            session.commit()
        create_test_user(app, "quantri", "admin")
        create_test_user(app, "bientap", "editor", "STP")
        with app.app_context():
            admin = mint_token(user_by_name("quantri"))
            editor = mint_token(user_by_name("bientap"))
            session.commit()
        client = app.test_client()
        headers = {"Authorization": f"Bearer {admin}"}
        created = client.post("/api/v1/procedures", json={"agency": "STP", "code": "QT-01", "title": "Thử"},
                              headers=headers)
        assert created.status_code == 201, created.get_json()
        boundary, body = encode_multipart(_upload_form(make_docx(revision="01")))
        uploaded = client.post("/api/v1/procedures/1/versions", data=body, headers={"Authorization": f"Bearer {editor}"},
                               content_type=f"multipart/form-data; boundary={boundary}")
        assert uploaded.status_code == 201, uploaded.get_json()
        requested = client.post("/api/v1/change-requests", headers=headers,
                                json={"procedure_id": 1, "content": "Sửa bước 2", "reason": "Luật mới"})
        assert requested.status_code == 201, requested.get_json()
        yield app, headers


def _upload_form(data: bytes, **fields) -> dict:
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    return {"file": FileStorage(BytesIO(data), filename="quy-trinh.docx"), "note": "Cập nhật", **fields}


def post_paths(app) -> list[str]:
    """Every POST endpoint under /api/v1, with existing ids in its path."""
    fill = {"procedure_id": "1", "number": "1", "alert_id": "1", "code": "STP", "request_id": "1",
            "notification_id": "1"}
    paths = []
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and rule.rule.startswith("/api/v1/"):
            path = rule.rule
            for argument in rule.arguments:
                path = path.replace(f"<int:{argument}>", fill[argument]).replace(f"<{argument}>", fill[argument])
            paths.append(path)
    return sorted(paths)


def test_no_json_body_on_any_post_endpoint_gives_a_server_error(world):
    app, headers = world
    paths = post_paths(app)
    assert len(paths) >= 15
    client = app.test_client()
    seen: set[str] = set()

    @settings(FUZZ, max_examples=EXAMPLES * len(paths))
    @given(path=st.sampled_from(paths), body=bodies,
           content_type=st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]))
    def check(path, body, content_type):
        seen.add(path)
        response = client.post(path, data=body.encode("utf-8", "surrogatepass"), content_type=content_type,
                               headers=headers)
        assert response.status_code < 500, (path, body[:200], response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            error = response.get_json()["error"]
            assert error["code"] and error["message"]

    check()
    assert seen == set(paths)


# What a form can carry: text as UTF-8 bytes (a lone surrogate cannot travel in a form).
form_text = hostile_text.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))


@FUZZ
@given(note=form_text, base_version=st.one_of(form_text, st.integers(min_value=-(2**70), max_value=2**70).map(str)),
       filename=form_text)
def test_no_upload_form_gives_a_server_error(world, note, base_version, filename):
    app, headers = world
    form = _upload_form(b"PK\x03\x04 not really a zip", note=note, base_version=base_version)
    form["file"].filename = filename
    boundary, body = encode_multipart(form)
    response = app.test_client().post("/api/v1/procedures/1/versions", data=body, headers=headers,
                                      content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
