"""`qms demo` loads a province full of procedures, fast, and the README's API example works on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from qmsdocs.db import session
from tests.conftest import ApiClient, initialized_app

REPO = Path(__file__).resolve().parents[1]
LOAD_LIMIT_SECONDS = 120
# The wall clock depends on whatever else the machine runs (CI shares its cores); the work the load
# itself does is measured in processor time, with room to spare under the two-minute promise.
LOAD_CPU_LIMIT_SECONDS = 60


@pytest.fixture(scope="module")
def province(tmp_path_factory):
    """One app with the province demo loaded, shared by the tests here (loading it takes a while)."""
    with initialized_app(tmp_path_factory.mktemp("province"), TESTING=True, DEMO_SIZE="province") as app:
        started, cpu = time.monotonic(), time.process_time()
        result = app.test_cli_runner().invoke(args=["qms", "demo"])
        app.config["TEST_LOAD_SECONDS"] = time.monotonic() - started
        app.config["TEST_LOAD_CPU_SECONDS"] = time.process_time() - cpu
        assert result.exit_code == 0, result.output
        app.config["TEST_LOAD_OUTPUT"] = result.output
        yield app


@pytest.fixture
def admin_api_for():
    """An API client with a fresh token of the demo's admin."""
    def make(app):
        from qmsdocs.auth.services import mint_token, user_by_name

        with app.app_context():
            token = mint_token(user_by_name("admin"))
            session.commit()
        return ApiClient(app.test_client(), token, "admin")
    return make


def test_the_province_loads_in_under_two_minutes_and_says_what_it_loads(province):
    assert province.config["TEST_LOAD_CPU_SECONDS"] < LOAD_CPU_LIMIT_SECONDS
    if os.cpu_count() and os.getloadavg()[0] < os.cpu_count():
        assert province.config["TEST_LOAD_SECONDS"] < LOAD_LIMIT_SECONDS
    output = province.config["TEST_LOAD_OUTPUT"]
    assert "Quy trình của từng cơ quan" in output and "Chỉ mục tìm kiếm" in output
    assert re.search(r"\d{4} quy trình", output)


def test_every_agency_keeps_procedures_most_of_them_revised(province):
    from qmsdocs.agencies.models import Agency
    from qmsdocs.procedures.models import Procedure, ProcedureVersion

    with province.app_context():
        total = session.scalar(select(func.count()).select_from(Procedure))
        assert 1500 <= total <= 3000
        agencies = session.scalar(select(func.count()).select_from(Agency).where(Agency.parent_id.is_not(None)))
        with_procedures = session.scalar(select(func.count(func.distinct(Procedure.agency_id))))
        assert agencies == with_procedures == 168
        versions = Counter(session.scalars(select(ProcedureVersion.procedure_id)))
        assert sum(1 for n in versions.values() if n > 1) > total * 0.7
        distinct_titles = session.scalar(select(func.count(func.distinct(Procedure.title))))
        assert distinct_titles > 200
        # History over several years.
        years = {d.year for d in session.scalars(select(ProcedureVersion.uploaded_at))}
        assert len(years) >= 5


def test_stored_text_and_citations_are_what_the_reader_reads_from_the_file(province):
    from qmsdocs.docx.citations import extract_citations
    from qmsdocs.docx.reader import read_docx
    from qmsdocs.procedures.models import ProcedureVersion
    from qmsdocs.storage import blob_store

    with province.app_context():
        sample = session.scalars(select(ProcedureVersion).where(ProcedureVersion.id % 97 == 0)).all()
        assert len(sample) > 20
        for version in sample:
            content = read_docx(blob_store().get(version.sha256))
            assert content.text == version.text
            assert content.metadata.code == version.doc_code
            assert content.metadata.issued_on == version.doc_issued_on
            assert content.metadata.revision == version.doc_revision
            read = [(c.symbol, c.key, c.location, c.context[:400]) for c in extract_citations(content.paragraphs)]
            assert read == [(c.symbol, c.key, c.location, c.context) for c in version.citations]


def test_revisions_differ_as_real_revisions_do(province, admin_api_for):
    from qmsdocs.procedures.models import Procedure, ProcedureVersion

    with province.app_context():
        procedure_id = session.scalar(
            select(ProcedureVersion.procedure_id).join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
            .where(ProcedureVersion.number == 3, Procedure.code == "QT-01"))
    api = admin_api_for(province)
    diff = api.get(f"/api/v1/procedures/{procedure_id}/diff?from=1&to=3")
    assert diff.status_code == 200
    changed = [c for c in diff.get_json()["changes"] if c["op"] != "equal"]
    assert 3 <= len(changed) < 40


def test_an_agency_requires_approval_and_its_approver_has_drafts_waiting(province):
    from qmsdocs.agencies.models import Agency
    from qmsdocs.auth.models import User
    from qmsdocs.procedures.models import Procedure, ProcedureVersion

    with province.app_context():
        approver = session.scalar(select(User).where(User.username == "pheduyet"))
        agency = session.get(Agency, approver.agency_id)
        assert agency.approval_required
        drafts = session.scalar(select(func.count()).select_from(ProcedureVersion)
                                .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
                                .where(ProcedureVersion.state == "pending", Procedure.agency_id == agency.id))
        assert drafts >= 2


def test_alerts_are_spread_over_agencies_and_coverage_is_most_but_not_all(province):
    from qmsdocs.alerts.models import Alert
    from qmsdocs.catalog.models import AdminProcedure
    from qmsdocs.procedures.models import Procedure, ProcedureAdminProcedure

    with province.app_context():
        rules = dict(session.execute(select(Alert.rule, func.count()).where(Alert.status == "open")
                                     .group_by(Alert.rule)).all())
        assert rules.get("legal_change", 0) > 100 and rules.get("review_overdue", 0) > 50
        agencies = session.scalar(select(func.count(func.distinct(Procedure.agency_id)))
                                  .where(Procedure.open_alerts > 0))
        assert agencies > 50
        stale = session.scalar(select(func.count()).select_from(Procedure).where(Procedure.open_alerts > 0))
        assert stale < session.scalar(select(func.count()).select_from(Procedure)) / 2
        catalog = session.scalar(select(func.count()).select_from(AdminProcedure))
        covered = session.scalar(select(func.count(func.distinct(ProcedureAdminProcedure.code))))
        assert catalog >= 150 and 0.75 * catalog < covered < catalog


def test_search_finds_the_provinces_procedures_right_after_loading(province, admin_api_for):
    hits = admin_api_for(province).get("/api/v1/search?q=khai sinh").get_json()
    assert hits["total"] > 80


def _readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"Example on the demo data.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README's API example block is missing"
    return block.group(1)


def test_the_readme_api_example_works_as_written_on_the_demo(province, tmp_path):
    """The README's lines, run by the shell against a live server; only the port and the Word edit differ."""
    server = make_server("127.0.0.1", 0, province, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    edit = tmp_path / "edit_in_word.py"
    edit.write_text(
        "import sys, docx\n"
        "d = docx.Document(sys.argv[1])\n"
        "d.add_paragraph('Bổ sung: tiếp nhận hồ sơ qua dịch vụ bưu chính công ích.')\n"
        "d.save(sys.argv[1])\n", encoding="utf-8")
    script = _readme_example().replace("127.0.0.1:8000", f"127.0.0.1:{server.server_port}")
    script = re.sub(r"^# \.\.\. edit QT-01\.docx.*$", f'"{sys.executable}" "{edit}" QT-01.docx', script, flags=re.M)
    env = {**os.environ,
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(REPO),
           "QMSDOCS_DATA_DIR": str(province.config["DATA_DIR"]),
           "QMSDOCS_DATABASE_URL": province.config["DATABASE_URL"],
           "QMSDOCS_SEARCH_BACKEND": province.config["SEARCH_BACKEND"],
           "QMSDOCS_SECRET_KEY": province.config["SECRET_KEY"]}
    if province.config.get("BLOB_STORE"):
        env["QMSDOCS_BLOB_STORE"] = province.config["BLOB_STORE"]
    try:
        result = subprocess.run(["bash", "-e", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=120)
    finally:
        server.shutdown()
        thread.join(timeout=10)
    assert result.returncode == 0, result.stderr
    assert '"current_version":2' in result.stdout.replace(" ", "")
    assert '"version":3' in result.stdout.replace(" ", "")
    assert "stale_base_version" not in result.stdout
