"""The Vietnamese fold inside SQL, so a list filter matches "Đăng ký" when people type "dang ky".

SQLite gets `fold` itself as a deterministic function on every connection; PostgreSQL gets
`translate()` with the same character table (no extension needed). Both compare a folded
column with a folded, LIKE-escaped query, so `%` and `_` typed by people are literal.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import String, event, func, literal
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from qmsdocs.text import FOLD_TABLE, fold

_FROM = "".join(chr(code) for code in FOLD_TABLE)
_TO = "".join(FOLD_TABLE.values())


class folded(FunctionElement):  # noqa: N801 - reads as SQL: folded(Procedure.title)
    """A text column lower-cased without diacritics, as `qmsdocs.text.fold` does."""

    type = String()
    inherit_cache = True
    name = "qms_fold"


@compiles(folded)
def _folded_sqlite(element, compiler, **kw):
    return f"qms_fold({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_postgresql(element, compiler, **kw):
    column = list(element.clauses)[0]
    return compiler.process(func.translate(column, literal(_FROM), literal(_TO)), **kw)


def folded_contains(column, text: str):
    """`column` contains `text`, both folded; LIKE wildcards in `text` are taken literally."""
    return folded(column).contains(fold(text), autoescape=True)


@event.listens_for(Engine, "connect")
def _register_sqlite_fold(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("qms_fold", 1, lambda value: fold(value) if value is not None else None,
                                         deterministic=True)
