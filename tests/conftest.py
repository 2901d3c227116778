"""Shared fixtures: an app with its own temporary data folder (database, blobs, index) per test.

Set QMSDOCS_TEST_DATABASE_URL to a PostgreSQL URL to run the same tests there; each test
then gets a database of its own on that server, copied from one migrated at the start and
dropped afterwards (the URL's user must be allowed to create databases).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.orm import close_all_sessions
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from flask.testing import FlaskCliRunner, FlaskClient

from qmsdocs import create_app, jobs
from qmsdocs.db import get_engine, session
from tests.docx_factory import make_docx as _make_docx

POSTGRES_URL = os.environ.get("QMSDOCS_TEST_DATABASE_URL", "")
PASSWORD = "mat-khau-thu-nghiem"
BROWSER_TESTS = Path(__file__).resolve().parent / "browser"
CHROMIUM = Path(os.environ.get("QMSDOCS_CHROMIUM", "/usr/bin/chromium"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Tests under tests/browser/ carry the `browser` marker, so `-m browser` and `-m "not browser"` select
    by it (the marker is added before pytest deselects by `-m`); without Chromium they are skipped, saying why."""
    missing = None if CHROMIUM.is_file() else pytest.mark.skip(
        reason=f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    for item in items:
        if Path(item.path).resolve().is_relative_to(BROWSER_TESTS):
            item.add_marker(pytest.mark.browser)
        if missing is not None and item.get_closest_marker("browser"):
            item.add_marker(missing)


class _MigratedTemplates:
    """A database migrated once per test run, copied for each test.

    Running the migrations for every test cost about half a second on SQLite and a second on
    PostgreSQL, half of a typical test; a copy costs milliseconds (SQLite: the file; PostgreSQL:
    `CREATE DATABASE … TEMPLATE`, a database of its own per test). The migrations themselves still
    run once per run, and `qms init` runs on every copy.
    """

    def __init__(self):
        self._sqlite: Path | None = None
        self._postgres: str | None = None
        self._admin = None

    def sqlite_copy(self, target: Path) -> str:
        if self._sqlite is None:
            folder = Path(tempfile.mkdtemp(prefix="qmsdocs-template-"))
            self._sqlite = folder / "template.sqlite3"
            self._migrate(f"sqlite:///{self._sqlite}")
        shutil.copyfile(self._sqlite, target)
        return f"sqlite:///{target}"

    def postgres_copy(self):
        """A new database copied from the template, and how to drop it."""
        if self._admin is None:
            self._admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        if self._postgres is None:
            template = f"qmsdocs_template_{uuid.uuid4().hex[:12]}"
            self._execute(f'CREATE DATABASE "{template}"')
            self._migrate(_postgres_url(template))
            self._postgres = template
        name = f"qmsdocs_test_{uuid.uuid4().hex[:12]}"
        self._execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._postgres}"')
        # WITH (FORCE): a connection a failed test left open must not keep its database.
        return _postgres_url(name), lambda: self._execute(f'DROP DATABASE "{name}" WITH (FORCE)')

    def close(self):
        if self._sqlite is not None:
            shutil.rmtree(self._sqlite.parent, ignore_errors=True)
        if self._postgres is not None:
            self._execute(f'DROP DATABASE "{self._postgres}" WITH (FORCE)')
        if self._admin is not None:
            self._admin.dispose()

    def _execute(self, statement: str) -> None:
        with self._admin.connect() as connection:
            connection.execute(text(statement))

    @staticmethod
    def _migrate(url: str) -> None:
        from qmsdocs import schema

        schema.target_metadata()
        engine = create_engine(url)
        try:
            schema.upgrade(engine)
        finally:
            engine.dispose()


def _postgres_url(database: str) -> str:
    return make_url(POSTGRES_URL).set(database=database).render_as_string(hide_password=False)


_templates = _MigratedTemplates()


def pytest_sessionfinish(session, exitstatus):
    _templates.close()


def _database_url(data_dir):
    """An isolated database for one test, and how to clean it up."""
    if not POSTGRES_URL:
        return _templates.sqlite_copy(data_dir / "test.sqlite3"), lambda: None
    return _templates.postgres_copy()


class DrainingClient(FlaskClient):
    """Runs the background jobs before and after each request, as a live worker would soon after.

    Tests stay deterministic: what a request committed (and what a test committed directly
    before it) is indexed by the time the next line runs.
    """

    def open(self, *args, **kwargs):
        jobs.drain(self.application)
        response = super().open(*args, **kwargs)
        jobs.drain(self.application)
        return response


class DrainingCliRunner(FlaskCliRunner):
    def invoke(self, *args, **kwargs):
        result = super().invoke(*args, **kwargs)
        jobs.drain(self.app)
        return result


@contextmanager
def initialized_app(tmp_path, **config):
    """An app on its own data folder and database, schema and index created; cleaned up after."""
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    url, cleanup = _database_url(tmp_path)
    app = create_app({
        "DATA_DIR": data_dir,
        "DATABASE_URL": url,
        "SECRET_KEY": "test-secret",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "SEARCH_BACKEND": os.environ.get("QMSDOCS_TEST_SEARCH_BACKEND", "tantivy"),
        # No thread: the tests run the jobs themselves (DrainingClient, jobs.drain).
        "WORKER": "off",
        # The few core procedures; the province-size demo has its own tests.
        "DEMO_SIZE": "core",
        **config,
    })
    app.test_client_class = DrainingClient
    app.test_cli_runner_class = DrainingCliRunner
    result = app.test_cli_runner().invoke(args=["qms", "init"])
    assert result.exit_code == 0, result.output
    try:
        yield app
    finally:
        close_all_sessions()  # sessions a test left open give their connections back
        close_connections(app)
        cleanup()


def close_connections(app) -> None:
    """Every database connection of `app` closed now, not left to the garbage collector.

    On PostgreSQL a connection dropped open is a ResourceWarning, an error under
    `filterwarnings = error`, reported in whatever test runs when it is collected. The worker's
    job locks hold a connection each (an advisory lock lives as long as its connection): they go
    back to the pool before it is disposed, since disposing closes only the connections in the
    pool. The app stays usable: it reconnects.
    """
    jobs.get_worker(app).stop()
    get_engine_of(app).dispose()


def create_test_user(app, username, role="admin", agency=None):
    from qmsdocs.auth.services import create_user

    with app.app_context():
        create_user(username, PASSWORD, role, agency_code=agency)
        session.commit()
    return username


@pytest.fixture
def app(tmp_path, request):
    # Tests that reach into the blob folder pin it; the others use the default store of the database.
    pinned = {"BLOB_STORE": "folder"} if request.node.get_closest_marker("folder_blobs") else {}
    with initialized_app(tmp_path, TESTING=True, WTF_CSRF_ENABLED=False, **pinned) as app:
        yield app


def get_engine_of(app):
    with app.app_context():
        return get_engine()


@contextmanager
def statements_run(app):
    """The SQL statements run on the app's database inside the block, one list entry each (N+1 guards)."""
    seen: list[int] = []
    engine = get_engine_of(app)

    def count(*_args):
        seen.append(1)
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_docx():
    return _make_docx


@dataclass
class ApiClient:
    """A test client that sends one user's API token with every request."""

    client: object
    token: str
    username: str

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.client.post(path, json=json, headers=self.headers, **kwargs)

    def upload(self, procedure_id, data: bytes, *, filename="quy-trinh.docx", note="Cập nhật", base_version=None):
        form = {"file": FileStorage(BytesIO(data), filename=filename), "note": note}
        if base_version is not None:
            form["base_version"] = str(base_version)
        # Encoded in memory: the test client would spool a large body to a file it never closes.
        boundary, body = encode_multipart(form)
        return self.client.post(f"/api/v1/procedures/{procedure_id}/versions", data=body, headers=self.headers,
                                content_type=f"multipart/form-data; boundary={boundary}")


@pytest.fixture
def make_agency(app):
    def make(code="STP", name="Sở Tư pháp", level="province", **kwargs):
        from qmsdocs.agencies.services import create_agency
        from qmsdocs.auth.permissions import SYSTEM

        with app.app_context():
            agency = create_agency(code, name, level, actor=SYSTEM, **kwargs)
            session.commit()
            return agency.code
    return make


@pytest.fixture
def make_user(app):
    def make(username, role="admin", agency=None):
        return create_test_user(app, username, role, agency)
    return make


@pytest.fixture
def api_as(app, client, make_user):
    """`api_as("editor", agency="STP")` → an ApiClient for a new user with that role."""
    counter = {"n": 0}

    def make(role="admin", agency=None, username=None):
        from qmsdocs.auth.services import mint_token, user_by_name

        counter["n"] += 1
        username = username or f"{role}{counter['n']}"
        make_user(username, role, agency)
        with app.app_context():
            token = mint_token(user_by_name(username))
            session.commit()
        return ApiClient(client, token, username)
    return make


@pytest.fixture
def admin_api(api_as):
    return api_as("admin")


@pytest.fixture
def make_procedure(admin_api, make_agency):
    """Create a procedure (and its agency if needed) through the API; returns its JSON."""
    def make(agency="STP", code="QT-01/STP", title="Quy trình cấp phiếu lý lịch tư pháp", **extra):
        if admin_api.get(f"/api/v1/agencies/{agency}").status_code == 404:
            make_agency(agency, f"Cơ quan {agency}")
        response = admin_api.post("/api/v1/procedures", json={"agency": agency, "code": code, "title": title, **extra})
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make
