"""Benchmark: stale-procedure alerts at province scale.

Bulk-inserts (straight into the database, not through uploads) 170 agencies, 25,000
procedures each with a current version, 2,000 legal documents and 100,000 citations, one
document being cited by exactly 2,000 procedures. Then measures:

1. recording one change (that document replaced) through `record_change`, which finds the
   2,000 procedures through the indexed citation keys and opens their alerts (target ≤ 2 s);
2. a full re-evaluation of every rule (`qms alerts evaluate`), first run and a second,
   idempotent one (target ≤ 30 s each).

    python bench/stale.py [--procedures 25000] [--documents 2000] [--citations 100000] [--affected 2000]

SQLite by default; set QMSDOCS_BENCH_DATABASE_URL=postgresql+psycopg://… to run on PostgreSQL
too (a schema of its own is created and dropped). Figures are on the last lines.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, insert, text, update  # noqa: E402

from qmsdocs import create_app  # noqa: E402

CHANGE_TARGET_SECONDS = 2.0
FULL_TARGET_SECONDS = 30.0
SUFFIXES = ("NĐ-CP", "TT-BTNMT", "QĐ-TTg", "TT-BTP", "QĐ-UBND", "NQ-HĐND")


def symbol_of(number: int) -> tuple[str, str]:
    """(symbol as written, citation key) of the n-th synthetic document."""
    suffix = SUFFIXES[number % len(SUFFIXES)]
    year = 2005 + number % 20
    written = f"{number + 1}/{year}/{suffix}"
    key = f"{number + 1}/{year}/{suffix.replace('Đ', 'D').upper()}"
    return written, key


def load(args, rng: random.Random) -> None:
    from qmsdocs.agencies.models import Agency
    from qmsdocs.db import session
    from qmsdocs.legal.models import LegalDocument
    from qmsdocs.procedures.models import Citation, Procedure, ProcedureVersion

    now = datetime.utcnow()
    session.execute(insert(Agency), [
        {"id": i, "code": f"CQ-{i:03d}", "name": f"Cơ quan {i}", "level": "province", "active": True,
         "approval_required": False, "review_interval_months": 12, "created_at": now} for i in range(1, 171)])
    session.execute(insert(LegalDocument), [
        {"id": n + 1, "symbol": symbol_of(n)[0], "key": symbol_of(n)[1], "doc_type": "Nghị định",
         "title": f"Văn bản minh họa {n + 1}", "status": "in_force", "note": "", "created_at": now,
         "updated_at": now} for n in range(args.documents)])
    procedures, versions = [], []
    for pid in range(1, args.procedures + 1):
        procedures.append({"id": pid, "agency_id": 1 + pid % 170, "code": f"QT-{pid:05d}", "title": f"Quy trình {pid}",
                           "status": "active", "open_alerts": 0, "created_at": now, "updated_at": now})
        # A fifth of the current versions are older than the review interval.
        issued = date.today() - timedelta(days=rng.randint(400, 900) if pid % 5 == 0 else rng.randint(1, 300))
        versions.append({"id": pid, "procedure_id": pid, "number": 1, "sha256": f"{pid:064x}", "size": 1000,
                         "filename": f"qt-{pid}.docx", "uploaded_at": now, "note": "", "doc_issued_on": issued,
                         "text": "", "state": "approved"})
    session.execute(insert(Procedure), procedures)
    session.execute(insert(ProcedureVersion), versions)
    session.execute(update(Procedure).values(current_version_id=Procedure.id))
    # The watched document (number 0) is cited by exactly `affected` procedures; the rest at random.
    watched_key = symbol_of(0)[1]
    affected = set(rng.sample(range(1, args.procedures + 1), args.affected))
    citations = [{"version_id": pid, "symbol": symbol_of(0)[0], "key": watched_key, "location": "body", "context": ""}
                 for pid in affected]
    per_version = max(1, (args.citations - len(citations)) // args.procedures)
    for pid in range(1, args.procedures + 1):
        for number in rng.sample(range(1, args.documents), per_version):
            written, key = symbol_of(number)
            citations.append({"version_id": pid, "symbol": written, "key": key, "location": "body", "context": ""})
    while len(citations) < args.citations:
        written, key = symbol_of(rng.randrange(1, args.documents))
        citations.append({"version_id": rng.randint(1, args.procedures), "symbol": written, "key": key,
                          "location": "body", "context": ""})
    for start in range(0, len(citations), 20000):
        session.execute(insert(Citation), citations[start:start + 20000])
    if session.get_bind().dialect.name == "postgresql":
        # Rows were inserted with explicit ids: move the sequences past them.
        for table in ("agencies", "legal_documents", "procedures", "procedure_versions"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    session.commit()


def run(url: str | None, args) -> dict:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        config = {"DATA_DIR": data_dir, "SECRET_KEY": "bench", "SEARCH_BACKEND": "whoosh"}
        if url:
            config["DATABASE_URL"] = url
            config["SEARCH_BACKEND"] = "postgres"
        app = create_app(config)
        assert app.test_cli_runner().invoke(args=["qms", "init"]).exit_code == 0
        with app.app_context():
            from qmsdocs.alerts.services import evaluate_all
            from qmsdocs.auth.permissions import SYSTEM
            from qmsdocs.db import get_engine, session
            from qmsdocs.legal.services import record_change

            started = time.perf_counter()
            load(args, rng)
            loaded = time.perf_counter() - started

            started = time.perf_counter()
            result = record_change({"symbol": symbol_of(0)[0], "change": "replaced", "by": "999/2030/NĐ-CP",
                                    "effective_on": date.today().isoformat()}, actor=SYSTEM)
            session.flush()
            change_seconds = time.perf_counter() - started
            started = time.perf_counter()
            session.commit()
            commit_seconds = time.perf_counter() - started

            started = time.perf_counter()
            first = evaluate_all(actor=SYSTEM)
            session.flush()
            evaluate_seconds = time.perf_counter() - started
            session.commit()
            full_seconds = time.perf_counter() - started
            started = time.perf_counter()
            second = evaluate_all(actor=SYSTEM)
            session.commit()
            again_seconds = time.perf_counter() - started
            get_engine().dispose()
        return {"loaded": loaded, "opened": result.alerts_opened, "change": change_seconds, "commit": commit_seconds,
                "full": full_seconds, "evaluate": evaluate_seconds, "full_opened": first.opened, "again": again_seconds,
                "again_opened": second.opened}


def postgres_schema(base_url: str):
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base_url else "?"

    def drop():
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return f"{base_url}{separator}options=-csearch_path%3D{schema}", drop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procedures", type=int, default=25000)
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--citations", type=int, default=100000)
    parser.add_argument("--affected", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args()
    targets = [("SQLite", None)]
    if os.environ.get("QMSDOCS_BENCH_DATABASE_URL"):
        targets.append(("PostgreSQL", os.environ["QMSDOCS_BENCH_DATABASE_URL"]))
    lines, ok = [], True
    for name, base_url in targets:
        drop = None
        url = None
        if base_url:
            url, drop = postgres_schema(base_url)
        try:
            figures = run(url, args)
        finally:
            if drop:
                drop()
        ok &= figures["change"] <= CHANGE_TARGET_SECONDS and figures["full"] <= FULL_TARGET_SECONDS \
            and figures["again"] <= FULL_TARGET_SECONDS and figures["opened"] == args.affected \
            and figures["again_opened"] == 0
        lines.append(
            f"{name}: {args.procedures} procedures, {args.documents} documents, {args.citations} citations "
            f"(loaded in {figures['loaded']:.1f} s); one change → {figures['opened']} alerts in "
            f"{figures['change']:.2f} s (+ commit {figures['commit']:.2f} s; target ≤ {CHANGE_TARGET_SECONDS:g} s); "
            f"full re-evaluation {figures['full']:.1f} s with commit ({figures['evaluate']:.1f} s before it) "
            f"opening {figures['full_opened']}, again "
            f"{figures['again']:.1f} s opening {figures['again_opened']} (target ≤ {FULL_TARGET_SECONDS:g} s)")
    print()
    for line in lines:
        print(line)
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
