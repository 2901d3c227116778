"""The OpenAPI description of /api/v1: valid OpenAPI 3.1, exactly the routes served, and true to the answers.

The last test lets Schemathesis call every described operation (through the app's WSGI
interface, with an administrator's token, on data that exists) and checks that nothing answers
500 and that every answer matches the description.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import OpenAPIV31SpecValidator
from schemathesis.checks import not_a_server_error, response_schema_conformance

from qmsdocs.openapi import description
from tests.conftest import ApiClient, create_test_user, initialized_app
from tests.docx_factory import make_docx

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
GENERATED_CASES = 8  # per operation, besides the examples and coverage cases


def described_operations(spec: dict) -> set[tuple[str, str]]:
    return {(path, method.upper()) for path, item in spec["paths"].items() for method in item if method in HTTP_METHODS}


def served_operations(app) -> set[tuple[str, str]]:
    """Every (path, method) under /api/v1 the app routes, with Flask's `<int:x>` written as `{x}`."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            operations |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return operations


def test_description_is_served_without_a_token_and_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"].startswith("3.1")
    OpenAPIV31SpecValidator(spec).validate()
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"] and error["properties"]["error"]["required"] == ["code", "message"]


def test_every_api_route_is_described_and_nothing_else(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    served, described = served_operations(app), described_operations(spec)
    assert sorted(served - described) == [], "routes missing from the description"
    assert sorted(described - served) == [], "described operations the app does not serve"
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert "default" in operation["responses"], (method, path)
            named = set(re.findall(r"{([a-z_]+)}", path))
            assert {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"} == named, (method, path)


def test_reference_page_shows_every_operation_without_scripts(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    page = client.get("/api/reference")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for path, method in described_operations(spec):
        assert f"<code>{method} {path}</code>" in html
    for name in spec["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert "<script" not in html and "cdn" not in html.lower()
    assert "/api/v1/openapi.json" in html


@pytest.fixture(scope="module")
def live_api(tmp_path_factory):
    """One app for every generated call (quick on PostgreSQL too), with an administrator's token and the
    objects the description's examples name (procedure 1 with version 1, alert 1, agency STP, TTHC 1.004227,
    document 45/2013/QH13)."""
    from qmsdocs.auth.services import mint_token, user_by_name
    from qmsdocs.db import session

    with initialized_app(tmp_path_factory.mktemp("openapi"), TESTING=True) as app:
        create_test_user(app, "quantri", "admin")
        with app.app_context():
            token = mint_token(user_by_name("quantri"))
            session.commit()
        api = ApiClient(app.test_client(), token, "quantri")
        assert api.post("/api/v1/agencies", json={"code": "STP", "name": "Sở Tư pháp", "level": "province"}
                        ).status_code == 201
        procedure = api.post("/api/v1/procedures", json={"agency": "STP", "code": "QT-01/STP", "title": "Quy trình"})
        assert procedure.get_json()["id"] == 1
        data = make_docx(code="QT-01/STP", citations_text=["- Luật Đất đai số 45/2013/QH13 ngày 29/11/2013;"])
        assert api.upload(1, data).status_code == 201
        assert api.post("/api/v1/legal-changes", json={"symbol": "45/2013/QH13", "change": "replaced",
                                                       "by": "31/2024/QH15", "effective_on": "2024-08-01"}
                        ).get_json()["alerts_opened"] == 1
        assert api.post("/api/v1/admin-procedures", json={"code": "1.004227", "name": "Cấp phiếu lý lịch tư pháp"}
                        ).status_code == 201
        yield api


schema = schemathesis.openapi.from_dict(description())


@schema.parametrize()
@settings(max_examples=GENERATED_CASES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_api_never_fails_and_answers_as_described(case, live_api):
    """Schemathesis calls each operation with the description's examples, its coverage cases (each field
    valid, missing or wrong in turn) and generated input: no answer is a 500, every answer is as described."""
    case.call_and_validate(app=live_api.client.application, headers=live_api.headers,
                           checks=[not_a_server_error, response_schema_conformance])
