"""Benchmark: read and understood for a large agency, timed as the user waits (whole request, commit included).

One agency with N users (200 by default) and P procedures each with a current version:
1. saving the policy "all users" distributes every version in force: P × N lines and notifications;
2. an upload of a new version with that policy (N lines, N notifications) against the same upload
   with no policy (median of 5 each);
3. one confirmation; the home page of a reader with P versions to read.

    python bench/reading.py [--users 200] [--procedures 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--procedures", type=int, default=20)
    args = parser.parse_args()

    from qmsdocs import create_app, jobs
    from qmsdocs.auth.services import create_user, mint_token, user_by_name
    from qmsdocs.db import session
    from tests.conftest import ApiClient, DrainingClient
    from tests.docx_factory import make_docx

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATA_DIR": Path(folder), "SECRET_KEY": "bench", "WORKER": "off", "TESTING": True,
                          "WTF_CSRF_ENABLED": False, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        app.test_client_class = DrainingClient
        assert app.test_cli_runner().invoke(args=["qms", "init"]).exit_code == 0
        with app.app_context():
            create_user("quantri", "mat-khau-bench-1", "admin")
            session.commit()
            admin = ApiClient(app.test_client(), mint_token(user_by_name("quantri")), "quantri")
            session.commit()
        created = admin.post("/api/v1/agencies", json={"code": "STP", "name": "Sở Tư pháp", "level": "province"})
        assert created.status_code == 201, created.get_json()
        with app.app_context():
            for number in range(args.users):
                create_user(f"cb{number:04d}", "mat-khau-bench-1", "viewer", agency_code="STP")
            session.commit()
            reader = ApiClient(admin.client, mint_token(user_by_name("cb0000")), "cb0000")
            session.commit()
        ids = []
        for number in range(args.procedures):
            created = admin.post("/api/v1/procedures", json={"agency": "STP", "code": f"QT-{number:02d}",
                                                             "title": f"Quy trình {number}"}).get_json()
            ids.append(created["id"])
            admin.upload(created["id"], make_docx(code=f"QT-{number:02d}", paragraphs=[f"Bước 1 của {number}."]))

        def timed(call) -> float:
            jobs.drain(app)
            start = time.perf_counter()
            response = call()
            elapsed = time.perf_counter() - start
            assert response.status_code < 300, response.get_json()
            return elapsed

        def uploads(label: str, first_revision: int) -> float:
            times = [timed(lambda n=n: admin.upload(ids[n % len(ids)], make_docx(
                code=f"QT-{n % len(ids):02d}", revision=f"{first_revision + n:02d}",
                paragraphs=[f"Bước {first_revision + n} ({label})."]))) for n in range(5)]
            return statistics.median(times)

        without = uploads("none", 10)
        policy = timed(lambda: admin.post("/api/v1/agencies/STP/reading-policy", json={"scope": "all"}))
        with_policy = uploads("all", 40)
        confirm = timed(lambda: reader.post(f"/api/v1/procedures/{ids[0]}/versions/"
                                            f"{len(admin.get(f'/api/v1/procedures/{ids[0]}').get_json()['versions'])}"
                                            "/confirm-read"))
        to_read = timed(lambda: reader.get("/api/v1/to-read"))
        print(f"{args.users} readers, {args.procedures} procedures in force")
        print(f"policy saved (distributes {args.users * args.procedures} lines): {policy:.2f} s")
        print(f"upload, no policy: {without * 1000:.0f} ms; with every user asked: {with_policy * 1000:.0f} ms")
        print(f"one confirmation: {confirm * 1000:.0f} ms; a reader's to-read list: {to_read * 1000:.0f} ms")
        jobs.get_worker(app).stop()


if __name__ == "__main__":
    main()
