"""Row-level security on PostgreSQL: the database itself returns no row of another user.

Every owned table (a model mixing in `OwnedByUser` or `OwnedByOrg`, children included: each
carries its own `owner_id` or `org_id`) gets one policy, for reads and writes alike (`USING` and
`WITH CHECK`): a row is visible and writable only when its owner is the caller, or when the
caller is a member of its organization, as `ScopedRepository.conditions` has it. A view that
forgets the scope (raw SQL, a join, a count) still gets none of another user's rows, and cannot
write a row into another scope.

The caller is the `app.user_id` setting. `set_identity` writes it into the transaction open when
the principal is established, and into every transaction the request's session begins after
that, after a commit too; `set_config(..., true)` ends it with its transaction, so a pooled
connection never carries one caller into another's request. Without an identity (a CLI command,
a background script, an anonymous request) the policies match no row, and a warning says so.

The tables' owner, the one role that runs the migrations and the app, is held by the policies
too: `FORCE ROW LEVEL SECURITY`. A superuser or a `BYPASSRLS` role is not, nor is an owner
without `FORCE`; the first connection of an app checks and logs one warning naming the role.

The same statements are written into the migrations; `tests/test_migrations.py` proves that
`flask db upgrade` and `db.create_all()` build the same policies. SQLite has no row-level
security: there the application layer and the scope guard stand alone.
"""

import logging
from typing import Any

from flask import Flask, g, has_app_context
from sqlalchemy import DDL, Engine, TableClause, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from ..database import Base
from ..extensions import db
from .guard import tables_named
from .owned import OwnedByOrg, OwnedByUser

logger = logging.getLogger(__name__)

# The rows a caller may read and write, by the scope of the table. The caller is the
# `app.user_id` setting, read once per statement: NULL, so no row, when no identity is set.
ROWS = {
    "owner": "owner_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::integer)",
    "org": (
        "org_id IN (SELECT org_id FROM memberships"
        " WHERE user_id = (SELECT NULLIF(current_setting('app.user_id', true), '')::integer))"
    ),
}
# `true`: the setting ends with the transaction that made it.
SET_CALLER = text("SELECT set_config('app.user_id', :user_id, true)")

BYPASS_CHECK = """
SELECT rolname, rolsuper, rolbypassrls,
       ARRAY(SELECT c.relname::text FROM pg_class c
             WHERE c.relname = ANY(%(tables)s) AND c.relkind = 'r' AND pg_table_is_visible(c.oid)
               AND NOT (c.relrowsecurity
                        AND (c.relforcerowsecurity OR NOT pg_has_role(c.relowner, 'USAGE')))
             ORDER BY c.relname)
FROM pg_roles WHERE rolname = current_user
"""


def row_security(table: str, scope: str) -> list[str]:
    """The statements that put `table`, owned by a user or an organization, under its policy."""
    rows = ROWS[scope]
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {scope}_rows ON {table} USING ({rows}) WITH CHECK ({rows})",
    ]


def owned_tables() -> dict[str, str]:
    """Every owned table, with its scope (`owner` or `org`)."""
    return {
        mapper.local_table.name: mapper.class_.__scope__
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, OwnedByUser | OwnedByOrg)
        and isinstance(mapper.local_table, TableClause)
    }


def current_identity() -> int | None:
    """The user id the database sees as the caller, or None."""
    return g.get("caller_user_id") if has_app_context() else None


def set_identity(user_id: int) -> None:
    """Act as `user_id` for the rest of the app context (a request, or a script's block):
    in the transaction open now, and in every transaction begun after it."""
    g.caller_user_id = user_id
    session = db.session()
    if session.in_transaction():
        _set_caller(session.connection(), user_id)


def _set_caller(connection: Connection, user_id: int) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(SET_CALLER, {"user_id": str(user_id)})


def _on_begin(_session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    user_id = current_identity()
    if user_id is not None:
        _set_caller(connection, user_id)


def _warn_without_identity(state: ORMExecuteState) -> None:
    """A statement on an owned table, on PostgreSQL, without an identity: it sees no row."""
    if not has_app_context() or current_identity() is not None or g.get("warned_no_caller"):
        return
    if state.session.get_bind().dialect.name != "postgresql":
        return
    tables = tables_named(state.statement, owned_tables())
    if tables:
        g.warned_no_caller = True
        logger.warning(
            "no caller identity: row-level security hides every row of %s; "
            "statements on owned tables run in a request or after security.rls.set_identity()",
            ", ".join(sorted(tables)),
        )


def _attach_to_create_all() -> None:
    """`db.create_all()` on PostgreSQL puts each owned table under its policy, as the
    migrations do."""
    for name, scope in owned_tables().items():
        table = db.metadata.tables[name]
        if table.info.get("row_security"):
            continue
        for statement in row_security(name, scope):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect="postgresql"))
        table.info["row_security"] = True


def check_bypass(dbapi_connection: Any, _record: Any = None) -> str | None:
    """Why the connection's role is not held by the policies, or None; logged as a warning."""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(BYPASS_CHECK, {"tables": sorted(owned_tables())})
        role, superuser, bypassrls, exposed = cursor.fetchone()
    finally:
        cursor.close()
        dbapi_connection.rollback()
    if superuser:
        reason = "it is a superuser"
    elif bypassrls:
        reason = "it has BYPASSRLS"
    elif exposed:
        tables = ", ".join(exposed)
        reason = f"row security is off on {tables}, or it owns them without FORCE"
    else:
        return None
    problem = f'row-level security does not hold database role "{role}": {reason}'
    logger.warning("%s; only the application layer keeps users apart", problem)
    return problem


def _check_first_connection(engine: Engine) -> None:
    if engine.dialect.name == "postgresql" and not event.contains(
        engine, "first_connect", check_bypass
    ):
        event.listen(engine, "first_connect", check_bypass)


def install_row_security(app: Flask) -> None:
    """Attach the identity, the create_all policies and the start-up check (idempotent)."""
    _attach_to_create_all()
    if not event.contains(Session, "after_begin", _on_begin):
        event.listen(Session, "after_begin", _on_begin)
        event.listen(Session, "do_orm_execute", _warn_without_identity)
    with app.app_context():
        _check_first_connection(db.engine)
