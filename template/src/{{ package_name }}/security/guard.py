"""Defence in depth: a statement that reads or writes a scoped table outside the scoped paths is
refused.

Views reach owned rows through `ScopedRepository`, which runs its statements inside
`scoped_statements()`. Any other statement is judged by every table it names, wherever it names
it: the selected entities, joins, subqueries, `exists`, counts, `Table.select()`, bulk updates and
deletes, and raw `text()` SQL (read for table names outside its string literals and comments).
One that touches the table of a scoped model (owned resources, organizations, memberships)
raises in development and tests, and is logged as a security event in production (`SCOPE_GUARD`:
raise, log or off). Lazy loads and refreshes of objects already loaded stay allowed: the object
came through the scope.

The guard sees statements run through the ORM session. SQL sent on a bare connection
(`db.engine.connect()`, `exec_driver_sql`) is read by the static check instead
(`security/static_check.py`), and on PostgreSQL row-level security holds whatever the SQL
(`security/rls.py`).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import TableClause, TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.elements import ColumnClause

from ..database import Base
from .audit import security_event

_scoped: ContextVar[bool] = ContextVar("scoped_statements", default=False)
# Raw SQL with its string literals, quoted identifiers' quotes and comments blanked out.
_NOT_NAMES = re.compile(r"'(?:[^']|'')*'|--[^\n]*|/\*.*?\*/|\"", re.DOTALL)
_WORD = re.compile(r"[a-z_][a-z0-9_$]*")


class UnscopedQueryError(RuntimeError):
    """A statement reached a scoped model without going through the caller's scope."""


@contextmanager
def scoped_statements() -> Iterator[None]:
    """Mark statements issued inside the block as built by the ownership core."""
    token = _scoped.set(True)
    try:
        yield
    finally:
        _scoped.reset(token)


def is_scoped_model(cls: type) -> bool:
    return getattr(cls, "__scope__", None) is not None


def scoped_tables() -> dict[str, str]:
    """The table of every scoped model, with the model's name."""
    return {
        mapper.local_table.name: mapper.class_.__name__
        for mapper in Base.registry.mappers
        if is_scoped_model(mapper.class_) and isinstance(mapper.local_table, TableClause)
    }


def tables_named(statement: Any, candidates: set[str] | dict[str, str]) -> set[str]:
    """The `candidates` that `statement` reads or writes, at any depth."""
    found: set[str] = set()
    for element in visitors.iterate(statement):
        if isinstance(element, TableClause):
            found.add(element.name)
        elif isinstance(element, ColumnClause) and isinstance(element.table, TableClause):
            found.add(element.table.name)
        elif isinstance(element, TextClause):
            found.update(_WORD.findall(_NOT_NAMES.sub(" ", element.text).lower()))
    return found & set(candidates)


def _check_statement(state: ORMExecuteState) -> None:
    if _scoped.get() or state.is_relationship_load or state.is_column_load:
        return
    mode = current_app.config["SCOPE_GUARD"] if has_app_context() else "raise"
    if mode == "off":
        return
    scoped = scoped_tables()
    touched = tables_named(state.statement, scoped)
    if not touched:
        return
    named = ", ".join(f"{scoped[table]} ({table})" for table in sorted(touched))
    message = f"unscoped statement on {named}: use ScopedRepository"
    if mode == "log":
        security_event("guard.unscoped_query", reason=message)
        return
    raise UnscopedQueryError(message)


def install_guard() -> None:
    """Attach the check to every ORM session (idempotent)."""
    if not event.contains(Session, "do_orm_execute", _check_statement):
        event.listen(Session, "do_orm_execute", _check_statement)
