"""Database outages: bounded waits, and 503 instead of 500 while the database is unreachable.

A request that cannot reach the database (refused, reset or timed-out connection, no free
pooled connection, a connection lost mid-request, a server shutting down) answers 503 with
`Retry-After` and logs one line without a stack trace. Any other database error, such as a
missing table, is a bug: it stays a 500 with its traceback. The decision rests on the
driver's exception class and SQLSTATE (SQLite's error code) and on SQLAlchemy's own disconnect
detection, never on matching message text here. The pool needs no restart afterwards:
`pool_pre_ping` replaces connections that died while the database was away.
"""

import logging
import sqlite3
from typing import Any

import psycopg
from flask import Flask, Response, jsonify
from limits.errors import StorageError
from sqlalchemy import exc

from .errors import error_body
from .extensions import db

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
# SQLSTATEs of a server that is going away or full: connection exceptions (class 08),
# operator intervention (class 57: shutdown, cancelled statement) and too many connections.
UNAVAILABLE_SQLSTATE_CLASSES = ("08", "57")
UNAVAILABLE_SQLSTATES = {"53300"}
# SQLite: the file is locked by another writer past the busy timeout, or cannot be opened or read.
UNAVAILABLE_SQLITE_CODES = {
    sqlite3.SQLITE_BUSY,
    sqlite3.SQLITE_LOCKED,
    sqlite3.SQLITE_CANTOPEN,
    sqlite3.SQLITE_IOERR,
}


def engine_options(url: str, timeout: int) -> dict[str, Any]:
    """SQLAlchemy engine options that bound every wait for the database to `timeout` seconds."""
    options: dict[str, Any] = {"pool_pre_ping": True, "hide_parameters": True}
    if url.startswith("sqlite"):
        return {**options, "connect_args": {"timeout": timeout}}
    return {**options, "pool_timeout": timeout, "connect_args": {"connect_timeout": timeout}}


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached, rather than a bug."""
    if isinstance(error, exc.TimeoutError):
        return True
    if not isinstance(error, exc.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    cause = error.orig
    if isinstance(cause, psycopg.OperationalError):
        sqlstate = cause.sqlstate
        return (
            sqlstate is None
            or sqlstate.startswith(UNAVAILABLE_SQLSTATE_CLASSES)
            or sqlstate in UNAVAILABLE_SQLSTATES
        )
    if isinstance(cause, sqlite3.OperationalError):
        return cause.sqlite_errorcode & 0xFF in UNAVAILABLE_SQLITE_CODES
    return False


def describe(error: BaseException) -> str:
    """A one-line summary: the driver's error class and first line, never SQL or parameters."""
    cause = getattr(error, "orig", None) or getattr(error, "storage_error", None) or error
    lines = str(cause).strip().splitlines() or [""]
    return f"{type(cause).__name__}: {lines[0]}"


def unavailable(what: str, error: BaseException) -> tuple[Response, int]:
    """The 503 answer, with the one log line it costs."""
    logger.warning("%s unavailable: %s", what, describe(error))
    response = jsonify(error_body(503, f"The {what} is unavailable; retry later."))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, 503


def handle_database_error(error: exc.SQLAlchemyError) -> tuple[Response, int]:
    if not is_unavailable(error):
        raise error
    return unavailable("database", error)


def handle_storage_error(error: StorageError) -> tuple[Response, int]:
    return unavailable("rate limit storage", error)


def end_session(_error: BaseException | None) -> None:
    """Close the request's session; a connection lost after the answer was made costs nothing.

    The answer is already computed (and any commit done) when this runs, so a rollback that
    finds the database gone is not an error: SQLAlchemy has invalidated that connection.
    """
    try:
        db.session.remove()
    except exc.SQLAlchemyError as error:
        if not is_unavailable(error):
            raise
        db.session.registry.clear()


def register_outage_handlers(app: Flask) -> None:
    """Call after `db.init_app`: teardown functions run last-registered first."""
    app.register_error_handler(exc.SQLAlchemyError, handle_database_error)
    app.register_error_handler(StorageError, handle_storage_error)
    app.teardown_appcontext(end_session)
