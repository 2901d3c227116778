"""Benchmark: export a province's QMS and import it into a service that already holds another.

Prints the export and import rates (versions/s; the import includes the search index catching
up), the archive's size against the blobs' size, the peak memory of the process, and the time of
a reorganization plan that abolishes 9 districts and merges 106 communes into 40 (`qms reorganize`,
every procedure of the service spread over those 115 agencies first).

    python bench/merge.py [--procedures 500] [--versions 4] [--database-url URL] [--profile]

The issue's full size is --procedures 25000 --versions 4 (100,000 versions); targets: import
≥ 200 versions/s on SQLite, peak memory ≤ 1 GiB, reorganize ≤ 60 s.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import cProfile
import multiprocessing
import pstats
import resource
from collections import Counter
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from qmsdocs import create_app, jobs  # noqa: E402
from qmsdocs.agencies.models import Agency  # noqa: E402
from qmsdocs.db import get_engine, session  # noqa: E402
from qmsdocs.procedures.models import Procedure, ProcedureVersion  # noqa: E402
from qmsdocs.search import indexer  # noqa: E402
from qmsdocs.storage import blob_store  # noqa: E402
from tests.docx_factory import make_docx  # noqa: E402


def service(folder: Path, url: str | None):
    folder.mkdir(parents=True)
    app = create_app({"DATA_DIR": folder, "DATABASE_URL": url or f"sqlite:///{folder / 'qms.sqlite3'}",
                      "SECRET_KEY": "bench", "WORKER": "off"})
    assert app.test_cli_runner().invoke(args=["qms", "init"]).exit_code == 0
    return app


def fill(folder: Path, province: str, procedures: int, versions: int) -> int:
    """Agencies of one illustrative province with procedures and versions, written straight to the tables.

    Run in a child process, so the peak memory printed is that of the export and the import."""
    child = multiprocessing.get_context("spawn").Process(target=_fill, args=(folder, province, procedures, versions))
    child.start()
    child.join()
    assert child.exitcode == 0
    return procedures * versions


def _fill(folder: Path, province: str, procedures: int, versions: int) -> None:
    from sqlalchemy import insert, update

    app = create_app({"DATA_DIR": folder, "DATABASE_URL": f"sqlite:///{folder / 'qms.sqlite3'}",
                      "SECRET_KEY": "bench", "WORKER": "off"})
    marker = "NOI-DUNG-PHIEN-BAN"
    base = make_docx(paragraphs=[marker])
    with app.app_context():
        agencies = [Agency(code=f"{province}-{n:02d}", name=f"Cơ quan minh hoạ {n} tỉnh {province}",
                           level="province") for n in range(10)]
        session.add_all(agencies)
        session.flush()
        agency_ids = [agency.id for agency in agencies]
        store = blob_store()
        # Rows with their own ids in bulk and blobs written without the store's fsyncs: setting
        # up 200,000 versions the way an upload does would take the better part of an hour.
        for first in range(0, procedures, 1000):
            numbers = range(first, min(first + 1000, procedures))
            session.execute(insert(Procedure), [
                {"id": n + 1, "agency_id": agency_ids[n % 10], "code": f"QT-{n:05d}", "title": f"Quy trình {n}"}
                for n in numbers])
            rows = []
            for n in numbers:
                for number in range(1, versions + 1):
                    text = f"{province} quy trình {n} lần {number} căn cứ Nghị định 61/2018/NĐ-CP."
                    body = _variant(base, marker, text)
                    sha = hashlib.sha256(body).hexdigest()
                    path = store.path_for(sha)
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(body)
                    rows.append({"id": n * versions + number, "procedure_id": n + 1, "number": number,
                                 "sha256": sha, "size": len(body), "filename": "quy-trinh.docx", "text": text})
            session.execute(insert(ProcedureVersion), rows)
            session.commit()
        session.execute(update(Procedure).values(current_version_id=Procedure.id * versions))
        session.commit()
        indexer.rebuild()  # the service's own province is searchable before the import
        session.commit()


def _variant(base: bytes, marker: str, text: str) -> bytes:
    """The base document with its one paragraph's text replaced: a distinct file in a millisecond."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(marker.encode(), text.encode())
            target.writestr(item, data)
    return out.getvalue()


DISTRICTS, COMMUNES, MERGED_COMMUNES = 9, 106, 40


def spread_over_districts_and_communes(app) -> None:
    """9 districts and 106 communes, every procedure of the service moved onto them round robin."""
    from sqlalchemy import select, update

    with app.app_context():
        province = Agency(code="UBND-TINH", name="UBND tỉnh (minh hoạ)", level="province",
                          kind="provincial_committee")
        session.add(province)
        districts = [Agency(code=f"H-{d}", name=f"UBND huyện {d} (minh hoạ)", level="district",
                            kind="district_committee", parent=province) for d in range(DISTRICTS)]
        communes = [Agency(code=f"X-{c:03d}", name=f"UBND xã {c} (minh hoạ)", level="commune",
                           kind="commune_committee", parent=districts[c % DISTRICTS]) for c in range(COMMUNES)]
        session.add_all(districts + communes)
        session.flush()
        ids = [a.id for a in districts + communes]
        taken: set[tuple[int, str]] = set()
        for n, (procedure_id, code) in enumerate(session.execute(select(Procedure.id, Procedure.code)).all()):
            agency_id = ids[n % len(ids)]
            while (agency_id, code) in taken:  # the two provinces' codes overlap; one agency holds a code once
                agency_id = ids[(ids.index(agency_id) + 1) % len(ids)]
            taken.add((agency_id, code))
            session.execute(update(Procedure).where(Procedure.id == procedure_id).values(agency_id=agency_id))
        session.commit()


def plan_file(folder: Path) -> Path:
    """Each district split (one named procedure to the province, the rest to a commune); communes merged into 40."""
    from sqlalchemy import select

    lines = ["action,agency,successor,effective_on,procedures,successor_name,successor_level,successor_kind"]
    for c in range(COMMUNES):
        lines.append(f"merge,X-{c:03d},XM-{c % MERGED_COMMUNES:02d},2025-07-01,,"
                     f"UBND xã mới {c % MERGED_COMMUNES} (minh hoạ),commune,commune_committee")
    for d in range(DISTRICTS):
        code = session.scalar(select(Procedure.code).join(Agency).where(Agency.code == f"H-{d}")
                              .order_by(Procedure.code).limit(1))
        lines.append(f"split,H-{d},UBND-TINH,2025-07-01,{code},,,")
        lines.append(f"split,H-{d},XM-{d:02d},2025-07-01,,,,")
    path = folder / "plan.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--procedures", type=int, default=500)
    parser.add_argument("--versions", type=int, default=4)
    parser.add_argument("--profile", action="store_true", help="print where the reorganization's time goes")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        source, target = service(root / "source", None), service(root / "target", None)
        total = fill(root / "source", "TV", args.procedures, args.versions)
        fill(root / "target", "VL", args.procedures, args.versions)
        archive = root / "tv.zip"
        started = time.perf_counter()
        result = source.test_cli_runner().invoke(args=["qms", "export", str(archive)])
        export_seconds = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        blob_bytes = sum(p.stat().st_size for p in (root / "source" / "blobs").glob("*/*/*"))
        started = time.perf_counter()
        result = target.test_cli_runner().invoke(args=["qms", "import-archive", str(archive)])
        assert result.exit_code == 0, result.output
        jobs.drain(target)  # the search index catches up
        import_seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"versions: {total}")
        print(f"export: {export_seconds:.1f} s, {total / export_seconds:.0f} versions/s")
        print(f"import (with search index): {import_seconds:.1f} s, {total / import_seconds:.0f} versions/s "
              "(target ≥ 200/s on SQLite)")
        print(f"archive {archive.stat().st_size / 1e6:.1f} MB for {blob_bytes / 1e6:.1f} MB of blobs "
              f"({archive.stat().st_size / blob_bytes:.2f}×)")
        print(f"peak memory: {peak:.0f} MiB (export and import, both services in one process; target ≤ 1024)")
        spread_over_districts_and_communes(target)
        with target.app_context():
            plan = plan_file(root)
        profiler = cProfile.Profile() if args.profile else None
        statements: Counter = Counter()
        if args.profile:
            from sqlalchemy import event

            with target.app_context():
                engine = get_engine()

            @event.listens_for(engine, "before_cursor_execute")
            def count(_conn, _cursor, statement, _parameters, _context, executemany):
                statements[("many " if executemany else "") + " ".join(statement.split())[:110]] += 1
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = target.test_cli_runner().invoke(args=["qms", "reorganize", str(plan)])
        reorganize_seconds = time.perf_counter() - started
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats("qmsdocs", 40)
            print(f"{sum(statements.values())} SQL statements; the most frequent:")
            for statement, times in statements.most_common(25):
                print(f"{times:8d}  {statement}")
        assert result.exit_code == 0, result.output
        print(f"reorganize: {DISTRICTS} districts abolished, {COMMUNES} communes merged into {MERGED_COMMUNES}, "
              f"{2 * args.procedures} procedures moved: {reorganize_seconds:.1f} s (target ≤ 60 s); "
              + result.output.strip().splitlines()[-2])


if __name__ == "__main__":
    main()
