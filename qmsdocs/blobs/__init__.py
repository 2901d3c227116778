"""Blobs kept in the database, so that every app server sharing it serves every stored file.

`models` holds the two tables, `store` the `DatabaseBlobStore` (the second implementation of
`qmsdocs.storage.BlobStore`), `cli` the `qms blobs migrate` command that moves a service
between the local folder and the database.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from qmsdocs.blobs import cli  # noqa: F401 - registers `qms blobs` on `qms`
    from qmsdocs.blobs.store import DatabaseBlobStore
    from qmsdocs.db import get_session
    from qmsdocs.storage import register_blob_store

    register_blob_store("database", lambda _app: DatabaseBlobStore(get_session))
