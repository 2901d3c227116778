"""Previews are rendered once per stored file, cached beside the blobs, and short for large files."""

from __future__ import annotations

from pathlib import Path

import pytest

from qmsdocs import previews
from qmsdocs.docx import preview as docx_preview
from tests.conftest import PASSWORD


@pytest.fixture
def renders(monkeypatch):
    """Counts real conversions of a Word file to HTML."""
    calls = []
    real = docx_preview.to_html

    def counting(data):
        calls.append(len(data))
        return real(data)

    monkeypatch.setattr(previews, "to_html", counting)
    return calls


def cached_files(app) -> list[Path]:
    return sorted((Path(app.config["DATA_DIR"]) / "previews").glob("*/*/*.html"))


def test_a_preview_is_rendered_once_and_served_from_the_cache(app, make_procedure, admin_api, make_docx, renders):
    procedure_id = make_procedure()["id"]
    admin_api.upload(procedure_id, make_docx(paragraphs=["Bước 1: tiếp nhận hồ sơ."]))
    first = admin_api.get(f"/api/v1/procedures/{procedure_id}/versions/1/html")
    second = admin_api.get(f"/api/v1/procedures/{procedure_id}/versions/1/html")
    assert first.status_code == second.status_code == 200
    assert "tiếp nhận hồ sơ" in first.get_data(as_text=True)
    assert first.get_data() == second.get_data()
    assert len(renders) == 1
    (cached,) = cached_files(app)
    sha = admin_api.get(f"/api/v1/procedures/{procedure_id}").get_json()["versions"][0]["sha256"]
    assert cached.name == f"{sha}.r{previews.RENDERER_VERSION}.full.html"
    assert cached.parent == Path(app.config["DATA_DIR"]) / "previews" / sha[:2] / sha[2:4]


def test_the_cache_is_recomputed_when_deleted_or_the_renderer_changes(app, make_procedure, admin_api, make_docx,
                                                                    renders, monkeypatch):
    procedure_id = make_procedure()["id"]
    admin_api.upload(procedure_id, make_docx(paragraphs=["Bước 2: thẩm định."]))
    url = f"/api/v1/procedures/{procedure_id}/versions/1/html"
    expected = admin_api.get(url).get_data()
    for path in cached_files(app):
        path.unlink()
    assert admin_api.get(url).get_data() == expected
    monkeypatch.setattr(previews, "RENDERER_VERSION", previews.RENDERER_VERSION + "-next")
    assert admin_api.get(url).get_data() == expected
    assert len(renders) == 3


def test_identical_files_share_one_cached_preview(app, make_procedure, admin_api, make_docx, renders):
    data = make_docx(paragraphs=["Cùng một tệp cho hai quy trình."])
    for code in ("QT-01/STP", "QT-02/STP"):
        procedure_id = make_procedure(code=code)["id"]
        admin_api.upload(procedure_id, data)
        assert admin_api.get(f"/api/v1/procedures/{procedure_id}/versions/1/html").status_code == 200
    assert len(renders) == 1 and len(cached_files(app)) == 1


def test_a_large_file_gets_a_short_text_preview_with_a_download_link(app, make_procedure, admin_api, make_docx,
                                                                     renders, client, make_user):
    app.config.update(PREVIEW_FULL_MAX_BYTES=1000, PREVIEW_SHORT_CHARS=400)
    procedure_id = make_procedure()["id"]
    paragraphs = [f"Đoạn {n}: nội dung <b>dài</b> của quy trình." for n in range(1, 60)]
    admin_api.upload(procedure_id, make_docx(paragraphs=paragraphs))
    response = admin_api.get(f"/api/v1/procedures/{procedure_id}/versions/1/html")
    body = response.get_data(as_text=True)
    assert renders == []  # no conversion of the whole document
    assert response.headers["X-Preview-Shortened"] == "1"
    assert f"/api/v1/procedures/{procedure_id}/versions/1/file" in response.headers["Link"]
    assert "Đoạn 1: nội dung &lt;b&gt;dài&lt;/b&gt;" in body and "<b>" not in body
    assert "Đoạn 59" not in body and len(body) < 1200
    make_user("xem", "viewer", "STP")
    client.post("/login", data={"username": "xem", "password": PASSWORD})
    page = client.get(f"/procedures/{procedure_id}").get_data(as_text=True)
    assert "Tải tệp về để xem đầy đủ" in page
    assert f"/procedures/{procedure_id}/versions/1/download" in page
    frame = client.get(f"/procedures/{procedure_id}/versions/1/preview").get_data(as_text=True)
    assert "BẢN XEM TRƯỚC RÚT GỌN" in frame and "Đoạn 1:" in frame


def test_short_preview_keeps_whole_paragraphs_within_the_limit():
    text = "Một hai ba.\n\nBốn năm sáu bảy.\nTám."
    assert previews.short_preview(text, 20) == "<p>Một hai ba.</p>"
    assert previews.short_preview("x" * 50, 10) == "<p>" + "x" * 10 + "…</p>"
