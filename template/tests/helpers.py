"""Assertions and probes shared by the test modules: one way to check each property."""

import os
import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from sqlalchemy import event
from werkzeug.test import TestResponse

ERROR_MEMBERS = {"status", "code", "message", "details"}
NEXT_LINK = re.compile(r'\A<(?P<url>/[^<>\s]*)>; rel="next"\Z')
# More pages than any list of a test holds: a list that never ends is a failure, not a hang.
MAX_PAGES = 200

# `make_app(config=None, *, create_tables=True, new=False)`, the conftest fixture for apps.
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


@contextmanager
def database_time_zone(app: Flask, zone: str) -> Iterator[None]:
    """Inside the block, the app's new database connections use the session time zone `zone`.

    PostgreSQL takes it from PGTZ when a connection opens; SQLite has no session time zone
    (and an in-memory database lives only as long as its connection), so there it does nothing.
    """
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    if engine.dialect.name != "postgresql":
        yield
        return
    previous = os.environ.get("PGTZ")
    os.environ["PGTZ"] = zone
    engine.dispose()
    try:
        yield
    finally:
        if previous is None:
            del os.environ["PGTZ"]
        else:
            os.environ["PGTZ"] = previous
        engine.dispose()


def database_rows(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, read below the ORM: proof that a request stored nothing."""
    with app.app_context():
        extension = app.extensions["sqlalchemy"]
        with extension.engine.connect() as connection:
            return {
                table.name: sorted(map(tuple, connection.execute(table.select())), key=repr)
                for table in extension.metadata.sorted_tables
            }


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


def next_url(response: TestResponse) -> str | None:
    """The URL of the response's `Link: <URL>; rel="next"`, or None on a last page."""
    link = response.headers.get("Link")
    if link is None:
        return None
    match = NEXT_LINK.match(link)
    assert match, f'the Link header is not <URL>; rel="next": {link!r}'
    return match["url"]


def cursor_of(url: str) -> str:
    """The `cursor` parameter of a next-page URL."""
    (cursor,) = parse_qs(urlsplit(url).query)["cursor"]
    return cursor


def list_pages(client: FlaskClient, url: str, headers: dict[str, str]) -> list[list[Any]]:
    """Every page of a list, following its Link headers from `url` to the last page.

    Each page but the last is full (its `limit` items), the next page's URL names the same
    list and limit, and no item comes twice.
    """
    pages: list[list[Any]] = []
    seen: set[str] = set()
    next_page: str | None = url
    while next_page is not None:
        assert len(pages) < MAX_PAGES, f"{url} has no last page"
        response = client.get(next_page, headers=headers)
        assert response.status_code == 200, f"GET {next_page}: {response.get_data(as_text=True)}"
        page = response.get_json()
        assert isinstance(page, list), f"GET {next_page} is not a list: {page}"
        ids = [item["id"] for item in page]
        assert not seen & set(ids), f"{next_page} repeats {seen & set(ids)}"
        seen.update(ids)
        pages.append(page)
        following = next_url(response)
        if following is not None:
            assert urlsplit(following).path == urlsplit(url).path, f"{following} left {url}"
            query = parse_qs(urlsplit(following).query)
            assert set(query) == {"limit", "cursor"}, following
            assert len(page) == int(query["limit"][0]), f"{next_page}: a short page has a Link"
        next_page = following
    return pages


def listed_ids(client: FlaskClient, url: str, headers: dict[str, str]) -> list[str]:
    """The ids of every item of a list, in list order, over all its pages."""
    return [item["id"] for page in list_pages(client, url, headers) for item in page]


def bad_cursors(cursor: str, foreign: str) -> dict[str, str]:
    """Cursors a list must refuse with 400: `cursor` altered, another list's, and junk."""
    payload, _, signature = cursor.rpartition(".")
    middle = len(payload) // 2

    def changed(text: str, index: int) -> str:
        return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]

    forged = URLSafeSerializer("not this app's secret key").dumps(
        ["2000-01-01T00:00:00+00:00", str(uuid.uuid4())]
    )
    return {
        "tampered payload": changed(payload, middle) + "." + signature,
        "tampered signature": payload + "." + changed(signature, 5),
        "truncated": cursor[:-1],
        "cut in half": cursor[: len(cursor) // 2],
        "extended": cursor + "A",
        "another list's": foreign,
        "signed with another key": forged,
        "unsigned": payload,
        "empty": "",
        "junk": "not-a-cursor",
        "dots": "...",
        "very long": "a" * 4000,
        "non-ascii": "curs\u00f6r\u2603",
        "control bytes": "\x00\x01",
    }
