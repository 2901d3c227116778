"""Two officials revising the same procedure at once: exactly one wins."""

from __future__ import annotations

import threading
from io import BytesIO


def test_racing_uploads_on_one_base_version_give_exactly_one_new_version(app, admin_api, make_procedure, make_docx):
    procedure = make_procedure()
    assert admin_api.upload(procedure["id"], make_docx(revision="01")).status_code == 201
    documents = [make_docx(revision="02", paragraphs=[f"Bản sửa của cán bộ số {i}."]) for i in range(4)]
    barrier = threading.Barrier(len(documents))
    statuses: list[int] = []

    def upload(data: bytes) -> None:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/procedures/{procedure['id']}/versions",
            data={"file": (BytesIO(data), "sua.docx"), "note": "Sửa đổi", "base_version": "1"},
            headers=admin_api.headers,
            content_type="multipart/form-data",
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=upload, args=(data,)) for data in documents]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201, 409, 409, 409]
    versions = admin_api.get(f"/api/v1/procedures/{procedure['id']}").get_json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
