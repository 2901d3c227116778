"""Benchmark: stale-procedure alerts at province scale, timed as a user waits for them.

Bulk-inserts (straight into the database, not through uploads) 170 agencies, 25,000
procedures each with a current version carrying realistic text (a procedure of about 6,000
characters, so the search index has real work when the stale flag moves), 2,000 legal documents
and 100,000 citations, one document being cited by exactly 2,000 procedures; and a detailing
chain: a parent law detailed by 50 decrees, guided by 500 circulars, cited by 5,000 procedures.
Then measures, each as the WHOLE request (POST /api/v1/legal-changes through the app: parsing,
rules and commit; the search index is then brought up to date by the background
worker, timed separately and printed without a target):

1. one change (that document replaced), which opens the 2,000 alerts (target ≤ 2 s);
2. the parent law replaced: its lapse cascades through 50 decrees and 500 circulars to the
   5,000 procedures citing them (target ≤ 5 s);
3. a full re-evaluation of every rule (`qms alerts evaluate`, commit included), first run and a
   second, idempotent one (target ≤ 30 s each).

    python bench/stale.py [--procedures 25000] [--documents 2000] [--citations 100000] [--affected 2000]

SQLite by default; set QMSDOCS_BENCH_DATABASE_URL=postgresql+psycopg://… to run on PostgreSQL
too (a schema of its own is created and dropped). Figures are on the last lines.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
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
CASCADE_TARGET_SECONDS = 5.0
FULL_TARGET_SECONDS = 30.0
PROFILE = False  # --profile: where each timed request spends its time, on stderr
DECREES, CIRCULARS, CASCADE_PROCEDURES = 50, 500, 5000
# About 6,000 characters: the body of an ordinary ISO procedure (purpose, scope, steps, records).
PROCEDURE_TEXT = " ".join([
    "QUY TRÌNH {n}. Mục đích: quy định trình tự, thủ tục tiếp nhận và giải quyết hồ sơ theo cơ chế một cửa.",
    "Phạm vi áp dụng: áp dụng đối với công chức bộ phận tiếp nhận và trả kết quả, phòng chuyên môn.",
    "Tài liệu viện dẫn: Luật Đất đai, Nghị định số 61/2018/NĐ-CP, Thông tư số 01/2018/TT-VPCP, Tiêu chuẩn TCVN ISO 9001:2015.",
] + ["Bước {step}: công chức kiểm tra tính đầy đủ, hợp lệ của hồ sơ; trường hợp hồ sơ chưa đầy đủ thì hướng dẫn "
     "tổ chức, cá nhân bổ sung một lần; lập phiếu tiếp nhận, chuyển hồ sơ cho phòng chuyên môn thẩm định, trình "
     "lãnh đạo ký duyệt và trả kết quả đúng hạn, lưu hồ sơ theo quy định về lưu trữ."
     .replace("{step}", str(step)) for step in range(1, 21)])
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
                         "text": PROCEDURE_TEXT.replace("{n}", str(pid)), "state": "approved"})
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
    citations += _cascade(args, now, rng, affected)
    for start in range(0, len(citations), 20000):
        session.execute(insert(Citation), citations[start:start + 20000])
    if session.get_bind().dialect.name == "postgresql":
        # Rows were inserted with explicit ids: move the sequences past them.
        for table in ("agencies", "legal_documents", "procedures", "procedure_versions"):
            session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    session.commit()


def _cascade(args, now, rng, affected) -> list[dict]:
    """A parent law, 50 decrees detailing it, 500 circulars guiding them; 5,000 procedures cite the children."""
    from qmsdocs.db import session
    from qmsdocs.legal.models import LegalChange, LegalDocument

    base = args.documents + 1
    law = ("88/2016/QH14", "88/2016/QH14")
    decrees = [(f"{9000 + i}/2017/NĐ-CP", f"{9000 + i}/2017/ND-CP") for i in range(DECREES)]
    circulars = [(f"{9000 + i}/2018/TT-BCA", f"{9000 + i}/2018/TT-BCA") for i in range(CIRCULARS)]
    rows = []
    for offset, ((symbol, key), doc_type) in enumerate(
            [(law, "Luật")] + [(d, "Nghị định") for d in decrees] + [(c, "Thông tư") for c in circulars]):
        rows.append({"id": base + offset, "symbol": symbol, "key": key, "citation_key": key, "doc_type": doc_type,
                     "title": f"{doc_type} {symbol}", "status": "in_force", "note": "", "created_at": now,
                     "updated_at": now})
    session.execute(insert(LegalDocument), rows)
    changes = [{"document_id": base, "kind": "detailed", "by_document_id": base + 1 + i,
                "effective_on": date(2017, 1, 1), "note": "", "recorded_at": now} for i in range(DECREES)]
    changes += [{"document_id": base + 1 + i % DECREES, "kind": "guided", "by_document_id": base + 1 + DECREES + i,
                 "effective_on": date(2018, 1, 1), "note": "", "recorded_at": now} for i in range(CIRCULARS)]
    session.execute(insert(LegalChange), changes)
    children = decrees + circulars
    others = [pid for pid in range(1, args.procedures + 1) if pid not in affected]
    citing = rng.sample(others, min(CASCADE_PROCEDURES, len(others)))
    return [{"version_id": pid, "symbol": children[i % len(children)][0], "key": children[i % len(children)][1],
             "location": "body", "context": ""} for i, pid in enumerate(citing)]


def _timed_request(client, token, body) -> tuple[float, dict]:
    """(whole request the user waits for, commit included; answer)."""
    profiler = cProfile.Profile() if PROFILE else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    response = client.post("/api/v1/legal-changes", json=body, headers={"Authorization": f"Bearer {token}"})
    seconds = time.perf_counter() - started
    if profiler:
        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    assert response.status_code == 201, response.get_json()
    return seconds, response.get_json()


def _worker_catch_up(app) -> float:
    """Time the background worker takes to bring the search index up to date after a request."""
    from qmsdocs import jobs

    started = time.perf_counter()
    with app.app_context():
        jobs.drain(app)
    return time.perf_counter() - started


def _count_alerts(cause_prefix: str) -> int:
    from sqlalchemy import func, select

    from qmsdocs.alerts.models import Alert
    from qmsdocs.db import session

    return session.scalar(select(func.count()).select_from(Alert).where(Alert.cause.startswith(cause_prefix),
                                                                        Alert.status == "open"))


def run(url: str | None, args) -> dict:
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder)
        # The worker is run by hand after each request, so that its catch-up is timed on its own.
        config = {"DATA_DIR": data_dir, "SECRET_KEY": "bench", "SEARCH_BACKEND": "whoosh", "WORKER": "off"}
        if url:
            config["DATABASE_URL"] = url
            config["SEARCH_BACKEND"] = "postgres"
        app = create_app(config)
        assert app.test_cli_runner().invoke(args=["qms", "init"]).exit_code == 0
        with app.app_context():
            from qmsdocs.alerts.services import evaluate_all
            from qmsdocs.auth.permissions import SYSTEM
            from qmsdocs.auth.services import create_user, mint_token, user_by_name
            from qmsdocs.db import get_engine, session

            started = time.perf_counter()
            load(args, rng)
            create_user("bench-admin", "mat-khau-bench-2024", "admin")
            token = mint_token(user_by_name("bench-admin"))
            session.commit()
            loaded = time.perf_counter() - started
        _worker_catch_up(app)  # the index of the loaded procedures, before any timing
        client = app.test_client()
        change_seconds, change = _timed_request(client, token, {
            "symbol": symbol_of(0)[0], "change": "replaced", "by": "999/2030/NĐ-CP",
            "effective_on": date.today().isoformat()})
        change_index = _worker_catch_up(app)
        cascade_seconds, cascade = _timed_request(client, token, {
            "symbol": "88/2016/QH14", "change": "replaced", "by": "89/2025/QH15",
            "effective_on": (date.today() - timedelta(days=1)).isoformat()})
        cascade_index = _worker_catch_up(app)
        with app.app_context():
            change_alerts = _count_alerts("change:")
            lapse_alerts = _count_alerts("lapse:")
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
        return {"loaded": loaded, "opened": change["alerts_opened"], "change_alerts": change_alerts,
                "change": change_seconds, "cascade": cascade_seconds, "change_index": change_index,
                "cascade_index": cascade_index, "cascade_opened": cascade["alerts_opened"],
                "lapse_alerts": lapse_alerts, "full": full_seconds, "evaluate": evaluate_seconds,
                "full_opened": first.opened, "again": again_seconds, "again_opened": second.opened}


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
    parser.add_argument("--profile", action="store_true", help="print a cProfile of each timed request on stderr")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
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
        cascade_procedures = min(CASCADE_PROCEDURES, args.procedures - args.affected)
        ok &= figures["change"] <= CHANGE_TARGET_SECONDS and figures["cascade"] <= CASCADE_TARGET_SECONDS \
            and figures["full"] <= FULL_TARGET_SECONDS and figures["again"] <= FULL_TARGET_SECONDS \
            and figures["change_alerts"] == args.affected and figures["lapse_alerts"] == cascade_procedures \
            and figures["again_opened"] == 0
        lines += [
            f"{name}: {args.procedures} procedures with ~{len(PROCEDURE_TEXT) // 1000} k characters of text, "
            f"{args.documents} documents, {args.citations} citations (loaded in {figures['loaded']:.1f} s)",
            f"  one change → {figures['change_alerts']} alerts on the change ({figures['opened']} opened in all, with "
            f"reviews found overdue): whole request {figures['change']:.2f} s (target ≤ {CHANGE_TARGET_SECONDS:g} s); "
            f"then the background worker brings the search index up to date in {figures['change_index']:.1f} s",
            f"  parent law replaced → lapse through {DECREES} decrees and {CIRCULARS} circulars → "
            f"{figures['lapse_alerts']} procedures alerted: whole request {figures['cascade']:.2f} s "
            f"(target ≤ {CASCADE_TARGET_SECONDS:g} s); then the worker's index catch-up {figures['cascade_index']:.1f} s",
            f"  full re-evaluation {figures['full']:.1f} s with commit ({figures['evaluate']:.1f} s before it) "
            f"opening {figures['full_opened']}; again {figures['again']:.1f} s opening {figures['again_opened']} "
            f"(target ≤ {FULL_TARGET_SECONDS:g} s)"]
    print()
    for line in lines:
        print(line)
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
