"""`flask --app wsgi qms reindex`: rebuild the search index from the database."""

from __future__ import annotations

import click

from qmsdocs.cli import qms
from qmsdocs.db import session
from qmsdocs.search import indexer
from qmsdocs.search.checks import check_index
from qmsdocs.search.documents import all_procedure_ids


@qms.command("reindex")
def reindex_command() -> None:
    """Dựng lại chỉ mục tìm kiếm từ cơ sở dữ liệu; tìm kiếm vẫn hoạt động trong lúc dựng."""
    total = len(all_procedure_ids())
    session.rollback()
    with click.progressbar(length=total, label="Dựng chỉ mục", show_pos=True, show_eta=True) as bar:
        indexer.rebuild(progress=bar.update)
    # Changes committed while the new index was being built are caught up here.
    caught_up = check_index(repair=True)
    session.commit()
    note = f"; cập nhật thêm {len(caught_up)} quy trình thay đổi trong lúc dựng" if caught_up else ""
    click.echo(f"Đã dựng lại chỉ mục tìm kiếm ({indexer.get_backend().name}): {total} quy trình{note}.")
