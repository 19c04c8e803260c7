"""Assertions and probes shared by the test modules: one way to check each property."""

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from werkzeug.test import TestResponse

ERROR_MEMBERS = {"status", "code", "message", "details"}

# `make_app(config=None, *, create_tables=True)`, the conftest fixture that builds apps.
AppFactory = Callable[..., Flask]


def on_postgres() -> bool:
    """True when the suite runs on PostgreSQL (TEST_DATABASE_URL)."""
    return os.environ.get("TEST_DATABASE_URL", "").startswith("postgres")


def row_security_wanted() -> bool:
    """TEST_ROW_SECURITY: `on` (the default), or `off` to prove the application layer alone."""
    value = os.environ.get("TEST_ROW_SECURITY", "on")
    if value not in ("on", "off"):
        raise pytest.UsageError(f"TEST_ROW_SECURITY must be on or off, not {value!r}")
    return value == "on"


needs_row_security = pytest.mark.skipif(
    not on_postgres() or not row_security_wanted(),
    reason="needs PostgreSQL (TEST_DATABASE_URL) with row-level security on (TEST_ROW_SECURITY)",
)


def missing_id() -> str:
    """A well-formed public id that no object has."""
    return str(uuid.uuid4())


def assert_json_error(response: TestResponse, status: int) -> dict[str, Any]:
    """The response is the one JSON error shape with `status`; return its `error` member."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {text}"
    assert response.mimetype == "application/json", f"{status} answered {response.content_type}"
    body = response.get_json()
    assert isinstance(body, dict), f"{status} body is not an object: {text}"
    assert set(body) == {"error"}, f"{status} body has members besides `error`: {text}"
    error = body["error"]
    assert {"status", "code", "message"} <= set(error) <= ERROR_MEMBERS, text
    assert error["status"] == status, text
    for leak in ("<html", "<!doctype", "traceback", 'file "'):
        assert leak not in text.lower(), f"{status} body leaks {leak!r}: {text}"
    return error


def assert_indistinguishable(response: TestResponse, reference: TestResponse, what: str) -> None:
    """Same status, content type, body and header names: the caller cannot tell them apart."""
    assert response.status_code == reference.status_code, (
        f"{what}: status {response.status_code}, but {reference.status_code} for the reference"
    )
    assert response.content_type == reference.content_type, (
        f"{what}: content type {response.content_type!r}, not {reference.content_type!r}"
    )
    assert response.get_data() == reference.get_data(), (
        f"{what}: body {response.get_data()!r}, not {reference.get_data()!r}"
    )
    names = sorted(name.lower() for name, _ in response.headers)
    reference_names = sorted(name.lower() for name, _ in reference.headers)
    assert names == reference_names, f"{what}: headers {names}, not {reference_names}"


def assert_uniform_404(response: TestResponse, reference: TestResponse, what: str) -> None:
    """`response` is the uniform 404: identical to `reference`, the answer for a missing id."""
    assert_json_error(reference, 404)
    assert_indistinguishable(response, reference, what)


@contextmanager
def capture_sql(app: Flask) -> Iterator[list[str]]:
    """Collect the text of every SQL statement the app's engine sends inside the block."""
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


class SecurityLog:
    """The structured events (`extra={"security": ...}`) of the app's security logger."""

    def __init__(self, caplog: pytest.LogCaptureFixture, logger_name: str) -> None:
        self._caplog = caplog
        self.logger_name = logger_name

    def events(self) -> list[dict[str, str | None]]:
        return [
            record.__dict__["security"]
            for record in self._caplog.records
            if record.name == self.logger_name
        ]

    def clear(self) -> None:
        self._caplog.clear()
