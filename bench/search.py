"""Benchmark: search at province scale on every backend, against SQLite FTS5 on the same corpus.

Generates a corpus the shape of a province's ISO procedures (170 agencies, 25,000 procedures
by default, 75,000 for a merged province; about 3.5 versions each, a few pages built from the
boilerplate real procedures share plus their own TTHC, field and legal bases), loads it straight
into the database, builds the index with `qms reindex`'s code path, then runs a fixed mix of 200
queries through the search service exactly as the API does (matching, ranking, facets, snippets
and the database reads for the hits) on each backend asked for, after 200 warm-up queries.
For each it prints the engine's share apart from the service's own (parsing, hydration,
snippets, labels), 30 keyword lookups (TTHC codes dotted, without the dot and localized, legal
symbols, procedure codes), how long a new version takes to become searchable after its commit,
the index size and the process's resident memory; `--profile` adds a cProfile of the mix and
`--rebuild-under-load` times a second full rebuild while searches go on.

The baseline is an FTS5 table (`unicode61 remove_diacritics 2`) of the same current versions:
top 20 by `bm25` with `snippet()`, plus a count. It does not do what the project does: no
facets, no `stale` filter (ignored), no filter on TTHC or legal symbol, no exact-diacritics
ranking, no database reads for the hits; and it cannot fold `đ` or read a symbol typed without
Đ, so queries such as `dang` or `61 2018 ND CP` return nothing on it. Queries it leaves empty
while the project answers them are counted and left out of its timings.

    python bench/search.py [--procedures 25000] [--versions 4] [--sizes 2000,25000]
                           [--backends tantivy,whoosh,postgres] [--no-fts] [--profile]
                           [--rebuild-under-load] [--reuse]
                           [--postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

`--reuse` keeps the PostgreSQL corpus for the next run: it is loaded into a schema named after
the corpus (`bench_<procedures>_<seed>`) that is not dropped at the end, and a later run with
the same size and seed that finds the schema indexed skips loading and building (the build then
prints as skipped) and measures the same rows again; migrations still run (`qms init`), so a new
one is applied to the kept rows. Drop the schema by hand to start afresh.

The last lines give, per backend, p50 and p95 against the targets (embedded: p50 ≤ 20 ms,
p95 ≤ 100 ms, keyword lookups p95 ≤ 10 ms, full build ≤ 300 s, new version searchable ≤ 5 s;
PostgreSQL: p95 ≤ 150 ms).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from sqlalchemy import create_engine, insert, text  # noqa: E402

from qmsdocs import create_app  # noqa: E402
from qmsdocs.db import get_engine, session  # noqa: E402
from qmsdocs.docx.citations import extract_citations  # noqa: E402
from qmsdocs.search import indexer, services  # noqa: E402
from qmsdocs.search.analysis import fold  # noqa: E402

TARGET_P95_MS = 100.0
AGENCY_COUNT = 170
QUERY_COUNT = 200

FIELDS = ["Đất đai", "Môi trường", "Xây dựng", "Hộ tịch", "Chứng thực", "Lý lịch tư pháp", "Giao thông vận tải",
          "Y tế", "Giáo dục và Đào tạo", "Lao động", "Người có công", "Bảo trợ xã hội", "Công thương",
          "Nông nghiệp", "Thuỷ lợi", "Tài chính", "Nội vụ", "Thi đua khen thưởng", "Văn hoá", "Du lịch",
          "Thông tin và Truyền thông", "Khoa học và Công nghệ", "Đầu tư", "Thành lập và hoạt động doanh nghiệp",
          "Hoà giải ở cơ sở", "Tôn giáo", "Tài nguyên nước", "Khoáng sản", "Quy hoạch", "Nhà ở"]
ACTIONS = ["Cấp", "Cấp lại", "Cấp đổi", "Gia hạn", "Điều chỉnh", "Thu hồi", "Đăng ký", "Đăng ký lại", "Xác nhận",
           "Thẩm định", "Phê duyệt", "Công nhận", "Chấp thuận", "Giải quyết", "Đăng ký thay đổi"]
OBJECTS = ["giấy chứng nhận quyền sử dụng đất", "giấy phép xây dựng", "giấy phép môi trường", "phiếu lý lịch tư pháp",
           "khai sinh", "kết hôn", "khai tử", "giấy phép kinh doanh vận tải", "chứng chỉ hành nghề y",
           "giấy chứng nhận đăng ký hộ kinh doanh", "giấy phép khai thác nước mặt", "giấy phép khai thác khoáng sản",
           "quyết định giao đất", "quyết định cho thuê đất", "hồ sơ hoà giải tranh chấp đất đai",
           "trợ cấp xã hội hằng tháng", "chế độ người có công", "giấy phép tổ chức lễ hội",
           "giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm", "giấy phép hoạt động thuỷ lợi",
           "danh hiệu thi đua", "giấy phép thành lập cơ sở giáo dục", "bản sao từ sổ gốc",
           "chữ ký trong giấy tờ văn bản", "hợp đồng giao dịch", "giấy xác nhận tình trạng hôn nhân",
           "giấy phép lưu hành xe", "đăng ký biến động đất đai", "thông báo thành lập tổ chức tôn giáo",
           "giấy chứng nhận quyền sở hữu nhà ở"]
ISSUERS = ["NĐ-CP", "QĐ-TTg", "TT-BTNMT", "TT-BTP", "TT-BXD", "TT-BYT", "TT-BGDĐT", "TT-BLĐTBXH", "TT-VPCP",
           "QĐ-UBND", "NQ-HĐND", "TT-BTC", "TT-BNV", "TT-BCT"]
LAWS = ["45/2013/QH13", "31/2024/QH15", "60/2014/QH13", "28/2009/QH12", "50/2014/QH13", "72/2020/QH14",
        "58/2014/QH13", "24/2018/QH14"]
BOILERPLATE = [
    "1. MỤC ĐÍCH",
    "Quy trình này quy định trình tự, thủ tục, trách nhiệm giải quyết thủ tục hành chính bảo đảm công khai, "
    "minh bạch, đúng thời hạn theo quy định của pháp luật hiện hành.",
    "2. PHẠM VI ÁP DỤNG",
    "Quy trình áp dụng đối với cán bộ, công chức tiếp nhận hồ sơ tại Bộ phận Tiếp nhận và Trả kết quả, các phòng "
    "chuyên môn và tổ chức, cá nhân có liên quan.",
    "3. TÀI LIỆU VIỆN DẪN",
    "Tiêu chuẩn quốc gia TCVN ISO 9001:2015 Hệ thống quản lý chất lượng — Các yêu cầu.",
    "4. ĐỊNH NGHĨA VÀ CHỮ VIẾT TẮT",
    "TTHC: Thủ tục hành chính; UBND: Uỷ ban nhân dân; TN&TKQ: Tiếp nhận và trả kết quả; CB: Cán bộ.",
    "5. NỘI DUNG QUY TRÌNH",
    "5.1 Thành phần hồ sơ: đơn đề nghị theo mẫu; bản sao giấy tờ tuỳ thân; giấy tờ chứng minh có liên quan.",
    "5.2 Số lượng hồ sơ: 01 bộ. 5.3 Thời hạn giải quyết: theo quy định tính từ ngày nhận đủ hồ sơ hợp lệ.",
    "Bước 1: Tổ chức, cá nhân nộp hồ sơ trực tiếp, qua dịch vụ bưu chính công ích hoặc trực tuyến.",
    "Bước 2: Công chức tiếp nhận hồ sơ kiểm tra tính đầy đủ, hợp lệ; hướng dẫn bổ sung nếu hồ sơ chưa đầy đủ.",
    "Bước 3: Chuyển hồ sơ đến phòng chuyên môn thẩm định, trình lãnh đạo xem xét phê duyệt.",
    "Bước 4: Lãnh đạo ký duyệt kết quả; văn thư vào sổ, đóng dấu, phát hành văn bản.",
    "Bước 5: Trả kết quả cho tổ chức, cá nhân và lưu hồ sơ theo quy định.",
    "6. BIỂU MẪU",
    "Phiếu tiếp nhận hồ sơ và hẹn trả kết quả; Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ; Phiếu từ chối tiếp nhận.",
    "7. HỒ SƠ CẦN LƯU",
    "Hồ sơ được lưu tại phòng chuyên môn trong thời hạn theo quy định về lưu trữ.",
]
FILLER = ("cán bộ công chức tiếp nhận hồ sơ kiểm tra thẩm định trình lãnh đạo phê duyệt ban hành văn bản quyết định "
          "thời hạn giải quyết ngày làm việc tổ chức cá nhân trách nhiệm phối hợp phòng chuyên môn lưu trữ biểu mẫu "
          "kết quả đánh giá chất lượng cải tiến bảo đảm đầy đủ chính xác kịp thời công khai minh bạch hướng dẫn "
          "thực hiện báo cáo định kỳ hồ sơ điện tử dịch vụ công trực tuyến thanh toán phí lệ phí xác minh "
          "thực địa niêm yết công khai lấy ý kiến cơ quan liên quan thông báo kết quả bổ sung hoàn thiện").split()


@dataclass
class Corpus:
    agencies: list[dict]
    procedures: list[dict]
    versions: list[dict]
    citations: list[dict]
    links: list[dict]
    catalog: list[dict]
    symbols: list[str]


def build_corpus(procedure_count: int, versions_per_procedure: int, seed: int) -> Corpus:
    rng = random.Random(seed)
    agencies = []
    for number in range(1, AGENCY_COUNT + 1):
        level = "province" if number <= 30 else "district" if number <= 70 else "commune"
        name = {"province": f"Sở chuyên ngành số {number}", "district": f"Phòng chuyên môn huyện số {number}",
                "commune": f"Uỷ ban nhân dân xã số {number}"}[level]
        agencies.append({"id": number, "code": f"CQ{number:03d}", "name": name, "level": level})
    catalog = []
    for number, (action, thing) in enumerate((a, o) for o in OBJECTS for a in ACTIONS):
        catalog.append({"code": f"{1 + number % 3}.{4000 + number * 7:06d}", "name": f"{action} {thing}",
                        "field": FIELDS[number % len(FIELDS)]})
    symbols = LAWS + [f"{rng.randint(1, 250)}/{rng.randint(2010, 2024)}/{rng.choice(ISSUERS)}" for _ in range(600)]
    sentences = [" ".join(rng.choice(FILLER) for _ in range(rng.randint(10, 22))).capitalize() + "."
                 for _ in range(4000)]
    procedures, versions, citations, links = [], [], [], []
    version_id = 0
    for pid in range(1, procedure_count + 1):
        agency = agencies[(pid * 7919) % AGENCY_COUNT]
        tthc = catalog[rng.randrange(len(catalog))]
        code = f"QT-{pid % 997:02d}/{agency['code']}"
        procedures.append({"id": pid, "agency_id": agency["id"], "code": code, "title": f"Quy trình {tthc['name'].lower()}",
                           "field": tthc["field"], "status": "retired" if rng.random() < 0.04 else "active",
                           "open_alerts": 1 if rng.random() < 0.1 else 0})
        links.append({"procedure_id": pid, "code": tthc["code"], "confirmed": True})
        cited = rng.sample(symbols, rng.randint(2, 5))
        body = [f"QUY TRÌNH {tthc['name'].upper()}", f"Mã hiệu: {code}"] + BOILERPLATE[:5]
        body += [f"Căn cứ {s} của cơ quan có thẩm quyền." for s in cited]
        body += [f"Thủ tục {tthc['name']} (mã {tthc['code']}) thuộc lĩnh vực {tthc['field']}."]
        body += BOILERPLATE[5:]
        body += rng.sample(sentences, rng.randint(25, 45))
        count = max(1, min(8, int(rng.gauss(versions_per_procedure, 1.2))))
        for number in range(1, count + 1):
            version_id += 1
            if number > 1:  # each revision rewrites a few sentences and may cite a newer document
                body = body[:-3] + rng.sample(sentences, 3)
                if rng.random() < 0.3:
                    body.insert(7, f"Căn cứ {rng.choice(symbols)} sửa đổi, bổ sung.")
            content = "\n".join(body)
            versions.append({"id": version_id, "procedure_id": pid, "number": number,
                             "sha256": hashlib.sha256(f"{pid}-{number}".encode()).hexdigest(),
                             "size": len(content), "filename": f"{code.replace('/', '-')}-v{number}.docx",
                             "uploaded_at": datetime(2019 + number, 1, 1), "note": "", "text": content,
                             "state": "approved"})
            for citation in extract_citations(content):
                citations.append({"version_id": version_id, "symbol": citation.symbol, "key": citation.key,
                                  "location": "body", "context": citation.context[:400]})
    return Corpus(agencies, procedures, versions, citations, links, catalog, symbols)


def load_corpus(corpus: Corpus) -> None:
    """Insert straight into the tables: the upload pipeline is not what this measures."""
    from qmsdocs.agencies.models import Agency
    from qmsdocs.catalog.models import AdminProcedure
    from qmsdocs.procedures.models import Citation, Procedure, ProcedureAdminProcedure, ProcedureVersion

    session.execute(insert(Agency.__table__), corpus.agencies)
    session.execute(insert(AdminProcedure.__table__), corpus.catalog)
    for table, rows in ((Procedure.__table__, corpus.procedures), (ProcedureVersion.__table__, corpus.versions),
                        (ProcedureAdminProcedure.__table__, corpus.links), (Citation.__table__, corpus.citations)):
        for start in range(0, len(rows), 5000):
            session.execute(insert(table), rows[start: start + 5000])
    # One grouped pass: the correlated form scanned every version once per procedure on a table
    # without statistics yet (75,000 procedures: over 20 minutes).
    session.execute(text("UPDATE procedures SET current_version_id = latest.id FROM (SELECT procedure_id, "
                         "max(id) AS id FROM procedure_versions GROUP BY procedure_id) latest "
                         "WHERE latest.procedure_id = procedures.id"))
    session.commit()


def query_mix(corpus: Corpus, seed: int) -> list[tuple[str, dict]]:
    """200 queries as officials type them: (kind, query-string parameters)."""
    rng = random.Random(seed)
    mix: list[tuple[str, dict]] = []
    dashes = ["-", "–", "-"]
    for _ in range(40):
        name = rng.choice(corpus.catalog)["name"].split()
        start = rng.randrange(max(1, len(name) - 3))
        mix.append(("TTHC name", {"q": " ".join(name[start: start + rng.randint(3, 6)])}))
    for _ in range(20):
        mix.append(("TTHC code", {"q": rng.choice(corpus.catalog)["code"]}))
    for _ in range(30):
        symbol = rng.choice(corpus.symbols)
        variant = rng.choice([symbol, symbol.replace("Đ", "D"), symbol.lower(), symbol.replace("-", rng.choice(dashes))])
        mix.append(("legal symbol", {"q": variant}))
    for _ in range(40):
        words = rng.choice(corpus.catalog)["name"].split()
        picked = rng.sample(words, min(len(words), rng.randint(2, 3)))
        mix.append(("no diacritics", {"q": " ".join(fold(w) for w in picked)}))
    for _ in range(30):
        source = rng.choice(BOILERPLATE[1::2] + [c["name"] for c in corpus.catalog]).rstrip(".").split()
        start = rng.randrange(max(1, len(source) - 4))
        mix.append(("4-word phrase", {"q": '"' + " ".join(source[start: start + 4]) + '"'}))
    for _ in range(20):
        mix.append(("two common words", {"q": rng.choice(["hồ sơ", "tiếp nhận", "thời hạn", "phê duyệt", "kết quả",
                                                         "cán bộ", "lãnh đạo", "văn bản", "tổ chức", "công khai"])}))
    for _ in range(20):
        agency = rng.choice(corpus.agencies)
        params = {"q": rng.choice(corpus.catalog)["name"].split()[-1]}
        params.update(rng.choice([{"agency": agency["code"]}, {"level": agency["level"]},
                                  {"field": rng.choice(FIELDS)}, {"stale": "1"}]))
        mix.append(("filtered", params))
    return mix


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _server_cpu() -> tuple[int, float] | None:
    """(pid, CPU ms so far) of the PostgreSQL process serving this session, when it runs on this
    machine (read from /proc/<pid>/schedstat, in nanoseconds); None otherwise."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    try:
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
    except (OSError, ValueError, IndexError):
        return None


def run_project(app, mix, engine_times: list[float] | None = None,
                cpu_times: list[float] | None = None,
                server_cpu_times: list[float] | None = None) -> dict[str, list[float]]:
    """Time every query through the search service; `engine_times` gets the engine's share of each,
    `cpu_times` the CPU time of this process per query (what a quiet machine would take, for an
    embedded backend: the wall-clock time of a busy machine also counts waiting for a core), and
    `server_cpu_times` that of the PostgreSQL server process answering it, when it is local."""
    timings: dict[str, list[float]] = {}
    with app.app_context():
        backend = indexer.get_backend()
        engine_search = backend.search

        def timed_search(*args, **kwargs):
            started = time.perf_counter()
            try:
                return engine_search(*args, **kwargs)
            finally:
                if engine_times is not None:
                    engine_times.append((time.perf_counter() - started) * 1000)

        backend.search = timed_search
        try:
            for kind, params in mix:
                server = _server_cpu() if server_cpu_times is not None else None
                started, cpu_started = time.perf_counter(), time.process_time()
                services.search(services.parse_request(params))
                timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
                if cpu_times is not None:
                    cpu_times.append((time.process_time() - cpu_started) * 1000)
                if server is not None:
                    pid, before = server
                    after = int(Path(f"/proc/{pid}/schedstat").read_text().split()[0]) / 1e6
                    server_cpu_times.append(after - before)
                session.rollback()
        finally:
            del backend.search
    return timings


def profile_project(app, mix, top: int = 25, sort: str = "tottime") -> None:
    """cProfile of the query mix through the service, sorted by own time: where the time goes."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    run_project(app, mix)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats(sort).print_stats(top)
    print("\n".join("    " + line for line in out.getvalue().splitlines() if line.strip()))


# SQLite FTS5 baseline -----------------------------------------------------------------------------

def build_fts(corpus: Corpus, path: Path) -> tuple[sqlite3.Connection, float]:
    connection = sqlite3.connect(path)
    connection.execute("CREATE VIRTUAL TABLE docs USING fts5(title, meta, body, agency, level, "
                       "tokenize='unicode61 remove_diacritics 2')")
    current = {}
    for version in corpus.versions:
        current[version["procedure_id"]] = version
    agencies = {a["id"]: a for a in corpus.agencies}
    names = {c["code"]: c["name"] for c in corpus.catalog}
    links = {link["procedure_id"]: link["code"] for link in corpus.links}
    started = time.perf_counter()
    rows = []
    for procedure in corpus.procedures:
        agency = agencies[procedure["agency_id"]]
        code = links[procedure["id"]]
        meta = " ".join([agency["code"], agency["name"], procedure["field"], code, names[code]])
        rows.append((procedure["id"], procedure["title"] + " " + procedure["code"], meta,
                     current[procedure["id"]]["text"], agency["code"], agency["level"]))
    connection.executemany("INSERT INTO docs(rowid, title, meta, body, agency, level) VALUES (?, ?, ?, ?, ?, ?)", rows)
    connection.commit()
    return connection, time.perf_counter() - started


def fts_query(params: dict) -> str:
    q = params["q"]
    if q.startswith('"'):
        expression = '"' + " ".join(w for w in q.strip('"').replace("-", " ").replace("/", " ").split()) + '"'
    elif "/" in q or any(ch.isdigit() for ch in q):
        expression = '"' + " ".join(q.replace("/", " ").replace("-", " ").replace("–", " ").replace(".", " ").split()) + '"'
    else:
        expression = " ".join(f'"{w}"' for w in q.split())
    if "agency" in params:
        expression += f' AND agency : "{params["agency"]}"'
    if "level" in params:
        expression += f' AND level : "{params["level"]}"'
    if "field" in params:
        expression += ' AND meta : "' + params["field"].replace('"', "") + '"'
    return expression


def run_fts(connection: sqlite3.Connection, mix) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = {}
    for kind, params in mix:
        expression = fts_query(params)
        started = time.perf_counter()
        try:
            connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (expression,)).fetchone()
            connection.execute("SELECT rowid, bm25(docs), snippet(docs, 2, '<mark>', '</mark>', '…', 24) FROM docs "
                               "WHERE docs MATCH ? ORDER BY rank LIMIT 20", (expression,)).fetchall()
        except sqlite3.OperationalError:
            pass
        timings.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return timings


# Runs -----------------------------------------------------------------------------------------------

def make_app(data_dir: Path, database_url: str, backend: str):
    app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": database_url, "SECRET_KEY": "bench",
                      "SEARCH_BACKEND": backend})
    result = app.test_cli_runner().invoke(args=["qms", "init"])
    if result.exit_code != 0:
        raise SystemExit(result.output)
    return app


def index_corpus(app, corpus: Corpus) -> float:
    with app.app_context():
        load_corpus(corpus)
        return rebuild_seconds(app)


def rebuild_seconds(app) -> float:
    """A full rebuild through `qms reindex`'s code path."""
    with app.app_context():
        started = time.perf_counter()
        indexer.rebuild()
        session.commit()
        return time.perf_counter() - started


def keyword_lookups(corpus: Corpus, seed: int) -> list[tuple[str, dict]]:
    """Lookups by a whole keyword as officials paste them: TTHC codes (dotted, without dots,
    localized), legal symbols, procedure codes."""
    rng = random.Random(seed)
    lookups = []
    for _ in range(10):
        code = rng.choice(corpus.catalog)["code"]
        lookups.append(("keyword", {"q": rng.choice([code, code.replace(".", ""), f"{code}.000.00.00.H01"])}))
    for _ in range(10):
        lookups.append(("keyword", {"q": rng.choice(corpus.symbols)}))
    for _ in range(10):
        code = rng.choice(corpus.procedures)["code"]
        lookups.append(("keyword", {"q": rng.choice([code, code.replace("-", "").replace("/", "").lower()])}))
    return lookups


def freshness_seconds(app, corpus: Corpus) -> float:
    """Seconds from the commit of a new current version to the moment search finds its text."""
    from qmsdocs.procedures.models import ProcedureVersion

    marker = f"kiemtra{uuid.uuid4().hex[:8]}"
    procedure = corpus.procedures[len(corpus.procedures) // 2]
    # The background worker, as a server starts it with its first request (the bench makes none).
    worker = app.extensions["qmsdocs.worker"]
    if not worker.running:
        worker.start()
    try:
        return _time_until_found(app, procedure, marker)
    finally:
        worker.stop()


def _time_until_found(app, procedure: dict, marker: str) -> float:
    from qmsdocs.procedures.models import ProcedureVersion

    with app.app_context():
        number = 1 + session.scalar(text("SELECT max(number) FROM procedure_versions WHERE procedure_id = :p"),
                                    {"p": procedure["id"]})
        # The corpus was inserted with explicit ids (PostgreSQL's sequence never moved): give one too.
        version_id = 1 + session.scalar(text("SELECT max(id) FROM procedure_versions"))
        version = ProcedureVersion(id=version_id, procedure_id=procedure["id"], number=number,
                                   sha256=uuid.uuid4().hex * 2,
                                   size=10, filename="moi.docx", uploaded_at=datetime(2026, 1, 1), note="",
                                   text=f"Phiên bản mới {marker}", state="approved")
        session.add(version)
        session.flush()
        session.execute(text("UPDATE procedures SET current_version_id = :v WHERE id = :p"),
                        {"v": version.id, "p": procedure["id"]})
        indexer.mark(procedure["id"])
        started = time.perf_counter()
        session.commit()  # the upload is acknowledged once this returns
        while True:
            if services.search(services.parse_request({"q": marker})).total:
                session.rollback()
                return time.perf_counter() - started
            session.rollback()
            if time.perf_counter() - started > 60:
                return float("inf")
            time.sleep(0.05)


def searching_while_rebuilding(app, mix) -> tuple[float, list[float], int]:
    """Rebuild the whole index in a thread while this one keeps searching: (seconds, timings, failures)."""
    import threading

    outcome: dict[str, float] = {}
    builder = threading.Thread(target=lambda: outcome.setdefault("seconds", rebuild_seconds(app)))
    builder.start()
    timings, failures = [], 0
    with app.app_context():
        while builder.is_alive():
            for _kind, params in mix[:20]:
                started = time.perf_counter()
                try:
                    if not services.search(services.parse_request(params)).total and params["q"].strip('"'):
                        failures += 1
                except Exception:  # noqa: BLE001 - a failed search is what this counts
                    failures += 1
                timings.append((time.perf_counter() - started) * 1000)
                session.rollback()
            time.sleep(0.2)
    builder.join()
    return outcome.get("seconds", float("nan")), timings, failures


def indexer_backend(app):
    with app.app_context():
        return indexer.get_backend()


def folder_megabytes(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def resident_megabytes() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# Run in a fresh process: an app server's memory, without the generated corpus the bench holds.
SERVICE_PROCESS = """
import json, sys
from qmsdocs import create_app
from qmsdocs.db import session
from qmsdocs.search import services
config, mix = json.load(sys.stdin)
app = create_app(config)
with app.app_context():
    for params in mix:
        services.search(services.parse_request(params))
        session.rollback()
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
print(int(status["VmHWM"].split()[0]) // 1024, int(status["VmRSS"].split()[0]) // 1024)
"""


def service_resident_megabytes(app, mix) -> tuple[int, int]:
    """(peak, final) resident memory in MB of a new process that opens the same database and index
    and answers the query mix through the search service, as one app server process would."""
    config = {key: str(app.config[key]) for key in ("DATA_DIR", "DATABASE_URL", "SECRET_KEY", "SEARCH_BACKEND")}
    config["WORKER"] = "off"
    result = subprocess.run([sys.executable, "-c", SERVICE_PROCESS], input=json.dumps([config, [p for _k, p in mix]]),
                            capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    peak, final = result.stdout.split()[-2:]
    return int(peak), int(final)


def report(label: str, timings: dict[str, list[float]]) -> tuple[float, float]:
    everything = [t for values in timings.values() for t in values]
    for kind, values in timings.items():
        print(f"  {label:<10} {kind:<17} n={len(values):<3} p50 {statistics.median(values):7.1f} ms   "
              f"p95 {percentile(values, 0.95):7.1f} ms")
    p50, p95 = statistics.median(everything), percentile(everything, 0.95)
    print(f"  {label:<10} {'all queries':<17} n={len(everything):<3} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    return p50, p95


@dataclass
class Measured:
    procedures: int
    backend: str
    p50: float
    p95: float
    keyword_p95: float = float("nan")
    build_seconds: float = float("nan")
    fresh_seconds: float = float("nan")
    answered: str = ""
    cpu_p50: float = float("nan")
    cpu_p95: float = float("nan")
    keyword_cpu_p95: float = float("nan")


def measure_backend(name: str, app, corpus: Corpus, mix, warmup, lookups, args, data_dir: Path | None,
                    built: bool = False) -> Measured:
    if built:
        seconds = float("nan")
        print(f"  {name:<10} full build skipped: the kept corpus is already indexed (--reuse)")
    else:
        seconds = index_corpus(app, corpus)
        root = getattr(indexer_backend(app), "root", None)
        size = f", index {folder_megabytes(root):.0f} MB" if root is not None else ""
        print(f"  {name:<10} full build in {seconds:.0f} s: {len(corpus.versions) / seconds:.0f} versions/s{size}")
    run_project(app, warmup)
    engine: list[float] = []
    cpu: list[float] = []
    server_cpu: list[float] = []
    p50, p95 = report(name, run_project(app, mix, engine, cpu, server_cpu))
    print(f"  {name:<10} {'CPU time':<17} n={len(cpu):<3} p50 {statistics.median(cpu):7.1f} ms   "
          f"p95 {percentile(cpu, 0.95):7.1f} ms   (machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    if server_cpu:  # a local PostgreSQL: its process's CPU time too, and both together
        both = [a + b for a, b in zip(cpu, server_cpu)]
        print(f"  {name:<10} {'server CPU time':<17} n={len(server_cpu):<3} p50 {statistics.median(server_cpu):7.1f} ms   "
              f"p95 {percentile(server_cpu, 0.95):7.1f} ms; app and server together p50 "
              f"{statistics.median(both):.1f} ms, p95 {percentile(both, 0.95):.1f} ms")
        cpu = both
    total = [t for values in run_project(app, mix).values() for t in values]
    print(f"  {name:<10} engine's matching, ranking and facet counts: p50 {statistics.median(engine):.1f} ms, "
          f"p95 {percentile(engine, 0.95):.1f} ms; the service's own share (parsing, hydration, snippets, "
          f"labels) p50 {statistics.median(total) - statistics.median(engine):.1f} ms")
    keyword_cpu: list[float] = []
    keyword = [t for values in run_project(app, lookups, cpu_times=keyword_cpu).values() for t in values]
    keyword_p95 = percentile(keyword, 0.95)
    print(f"  {name:<10} keyword lookups   n={len(keyword):<3} p50 {statistics.median(keyword):7.1f} ms   "
          f"p95 {keyword_p95:7.1f} ms; CPU time p50 {statistics.median(keyword_cpu):.1f} ms, "
          f"p95 {percentile(keyword_cpu, 0.95):.1f} ms")
    fresh = freshness_seconds(app, corpus)
    peak, final = service_resident_megabytes(app, mix)
    print(f"  {name:<10} a new version is searchable {fresh:.2f} s after its commit; resident memory of a "
          f"service process that answered the mix: {final} MB (peak {peak} MB); of this bench process, "
          f"corpus included: {resident_megabytes():.0f} MB")
    if args.profile:
        print(f"  {name:<10} cProfile of the mix, by own time:")
        profile_project(app, mix)
        print(f"  {name:<10} cProfile of the keyword lookups (ten rounds), by cumulative time:")
        profile_project(app, lookups * 10, sort="cumulative")
    if args.rebuild_under_load:
        rebuilt, during, failures = searching_while_rebuilding(app, mix)
        print(f"  {name:<10} rebuild under load: {rebuilt:.0f} s; {len(during)} searches meanwhile, "
              f"p95 {percentile(during, 0.95) if during else float('nan'):.1f} ms, {failures} failed or empty")
        seconds = rebuilt
    return Measured(corpus_size(corpus), name, p50, p95, keyword_p95, seconds, fresh,
                    cpu_p50=statistics.median(cpu), cpu_p95=percentile(cpu, 0.95),
                    keyword_cpu_p95=percentile(keyword_cpu, 0.95))


def corpus_size(corpus: Corpus) -> int:
    return len(corpus.procedures)


def measure_fts(corpus: Corpus, mix, warmup, workdir: Path, app) -> Measured:
    """The baseline: top 20 with bm25 and snippet() plus a count. It does no facets, ignores the
    `stale` filter and cannot fold đ, so queries it leaves empty while the project finds them
    (`dang`, `61 2018 ND CP`) are timed apart and left out of its figures."""
    connection, fts_seconds = build_fts(corpus, workdir / f"fts-{len(corpus.procedures)}.sqlite3")
    print(f"  fts5       indexed {len(corpus.procedures)} current versions in {fts_seconds:.0f} s")
    run_fts(connection, warmup)
    found_by_project = set()
    with app.app_context():
        for position, (_kind, params) in enumerate(mix):
            if services.search(services.parse_request(params)).total:
                found_by_project.add(position)
            session.rollback()
    answered = [(kind, params) for position, (kind, params) in enumerate(mix)
                if position not in found_by_project or fts_hits(connection, params)]
    missed = len(mix) - len(answered)
    print(f"  fts5       leaves {missed} of {len(mix)} queries empty that the project answers "
          f"(đ not folded, symbols typed without Đ): timed apart, left out below")
    p50, p95 = report("fts5", run_fts(connection, answered))
    return Measured(len(corpus.procedures), "fts5", p50, p95, answered=f"{len(answered)}/{len(mix)}")


def fts_hits(connection: sqlite3.Connection, params: dict) -> int:
    try:
        return connection.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (fts_query(params),)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def run_size(procedures: int, args, workdir: Path) -> list[Measured]:
    started = time.perf_counter()
    corpus = build_corpus(procedures, args.versions, args.seed)
    megabytes = sum(len(v["text"].encode()) for v in corpus.versions) / 1e6
    print(f"\n== {procedures} procedures, {len(corpus.versions)} versions, {megabytes:.0f} MB of text "
          f"(generated in {time.perf_counter() - started:.0f} s)", flush=True)
    mix, warmup = query_mix(corpus, args.seed), query_mix(corpus, args.seed + 1)
    lookups = keyword_lookups(corpus, args.seed)
    results = []
    reference_app = None
    for name in args.backends:
        if name == "postgres":
            if args.postgres_url:
                results.append(measure_postgres(corpus, mix, warmup, lookups, args, workdir))
            continue
        data_dir = workdir / f"{name}-{procedures}"
        data_dir.mkdir()
        app = make_app(data_dir, f"sqlite:///{data_dir / 'bench.sqlite3'}", name)
        results.append(measure_backend(name, app, corpus, mix, warmup, lookups, args, data_dir))
        reference_app = reference_app or app
        sys.stdout.flush()
    if args.fts and reference_app is not None:
        results.append(measure_fts(corpus, mix, warmup, workdir, reference_app))
    return results


def measure_postgres(corpus: Corpus, mix, warmup, lookups, args, workdir: Path) -> Measured:
    postgres_url = args.postgres_url
    schema = f"bench_{len(corpus.procedures)}_{args.seed}" if args.reuse else f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection_pg:
        connection_pg.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        separator = "&" if "?" in postgres_url else "?"
        pg_dir = workdir / f"postgres-{len(corpus.procedures)}"
        pg_dir.mkdir()
        pg_app = make_app(pg_dir, f"{postgres_url}{separator}options=-csearch_path%3D{schema}", "postgres")
        try:
            built = False
            if args.reuse:
                with pg_app.app_context():
                    loaded = session.scalar(text("SELECT count(*) FROM procedures")) == len(corpus.procedures)
                    built = loaded and session.scalar(text("SELECT EXISTS (SELECT 1 FROM search_documents)"))
                    session.rollback()
                if loaded and not built:  # an earlier run loaded the corpus but did not finish building
                    print(f"  postgres   kept corpus not indexed yet: built in {rebuild_seconds(pg_app):.0f} s")
                    built = True
            return measure_backend("postgres", pg_app, corpus, mix, warmup, lookups, args, None, built=built)
        finally:
            with pg_app.app_context():
                get_engine().dispose()
    finally:
        if not args.reuse:
            with admin.connect() as connection_pg:
                connection_pg.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


TARGETS = {  # backend → (p50, p95) in ms
    "embedded": (20.0, 100.0),
    "postgres": (None, 150.0),
}


def verdict(result: Measured) -> str:
    if result.backend == "fts5":
        return f"baseline, {result.answered} queries it can answer"
    p50_target, p95_target = TARGETS["postgres" if result.backend == "postgres" else "embedded"]
    checks = [f"p95 {result.p95:.1f} ms {'≤' if result.p95 <= p95_target else '>'} {p95_target:.0f}"]
    if p50_target is not None:
        checks.append(f"p50 {result.p50:.1f} ms {'≤' if result.p50 <= p50_target else '>'} {p50_target:.0f}")
        checks.append(f"keyword p95 {result.keyword_p95:.1f} ms {'≤' if result.keyword_p95 <= 10 else '>'} 10")
        checks.append(f"build {result.build_seconds:.0f} s {'≤' if result.build_seconds <= 300 else '>'} 300")
        checks.append(f"fresh {result.fresh_seconds:.1f} s {'≤' if result.fresh_seconds <= 5 else '>'} 5")
    return ", ".join(checks)


def side_by_side(results: list[Measured]) -> None:
    """One table per corpus size: a column per backend (the baseline last), a row per figure."""
    if not results:
        return

    def ms(value: float) -> str:
        return "—" if value != value else f"{value:.1f}"

    rows = [
        ("all p50 ms", [ms(r.p50) for r in results]),
        ("all p95 ms", [ms(r.p95) for r in results]),
        ("CPU p50 ms", [ms(r.cpu_p50) for r in results]),
        ("CPU p95 ms", [ms(r.cpu_p95) for r in results]),
        ("keyword p95 ms", [ms(r.keyword_p95) for r in results]),
        ("full build s", ["—" if r.build_seconds != r.build_seconds else f"{r.build_seconds:.0f}" for r in results]),
        ("searchable after s", ["—" if r.fresh_seconds != r.fresh_seconds else f"{r.fresh_seconds:.2f}"
                                for r in results]),
        ("p95 / baseline p95", [f"{r.p95 / results[-1].p95:.2f}" if results[-1].backend == "fts5" else "—"
                                for r in results]),
    ]
    width = max(12, *(len(r.backend) + 2 for r in results))
    print(f"{results[0].procedures} procedures, side by side (targets: embedded p50 ≤ 20, p95 ≤ 100, keyword "
          f"p95 ≤ 10, build ≤ 300 s, searchable ≤ 5 s; PostgreSQL p95 ≤ 150)")
    print(f"  {'':<20}" + "".join(f"{r.backend:>{width}}" for r in results))
    for label, values in rows:
        print(f"  {label:<20}" + "".join(f"{v:>{width}}" for v in values))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--procedures", type=int, default=25000)
    parser.add_argument("--sizes", help="several corpus sizes, e.g. 2000,25000 (overrides --procedures)")
    parser.add_argument("--versions", type=int, default=4, help="average versions per procedure")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--backends", default="tantivy,whoosh,postgres",
                        help="comma-separated: tantivy, whoosh, postgres (postgres only with --postgres-url)")
    parser.add_argument("--postgres-url", help="also measure the PostgreSQL backend on this server")
    parser.add_argument("--no-fts", dest="fts", action="store_false", help="skip the SQLite FTS5 baseline")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the query mix per backend")
    parser.add_argument("--rebuild-under-load", action="store_true",
                        help="rebuild once more while searching, and time both")
    parser.add_argument("--reuse", action="store_true",
                        help="PostgreSQL: keep the corpus in schema bench_<procedures>_<seed> and, when it is "
                             "already there and indexed, measure it without loading and building again")
    args = parser.parse_args()
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.procedures]
    results: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="qmsdocs-bench-") as workdir:
        for size in sizes:
            results += run_size(size, args, Path(workdir))
    print()
    for size in sizes:
        side_by_side([r for r in results if r.procedures == size])
    print()
    for result in results:
        print(f"{result.procedures} procedures, {result.backend}: p50 {result.p50:.1f} ms, p95 {result.p95:.1f} ms "
              f"({verdict(result)})")
        if result.backend != "fts5":
            whose = " (app and local server)" if result.backend == "postgres" else ""
            print(f"    CPU time per query{whose}: p50 {result.cpu_p50:.1f} ms, p95 {result.cpu_p95:.1f} ms, "
                  f"keyword lookups p95 {result.keyword_cpu_p95:.1f} ms")


if __name__ == "__main__":
    main()
