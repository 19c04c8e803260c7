"""Headless Chromium for the browser tests, offline, and real servers on 127.0.0.1.

The tests drive Debian's `chromium` (or the browser `CHROMIUM` names) with Playwright, never a
browser that Playwright downloads. Every host but 127.0.0.1 is unresolvable inside the browser,
so a page that needs the internet fails here as it would on a machine without it. Without a
browser the tests skip with one line saying how to install one; with `TEST_REQUIRE_BROWSER=1`
(as CI sets) that is a failure instead.
"""

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server

INSTALL = (
    "no headless Chromium: install one (Debian: apt-get install chromium) and the dev extra"
    " (pip install -e '.[dev]'), or set CHROMIUM to a Chromium binary"
)
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Offline: no name but 127.0.0.1 resolves, whatever the machine's network.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
]


def chromium_path() -> str | None:
    """The browser to drive: `CHROMIUM`, else `chromium` (or Google Chrome) on PATH."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if os.access(named, os.X_OK) else None
    found = (shutil.which(name) for name in ("chromium", "google-chrome", "chromium-browser"))
    return next((path for path in found if path), None)


def no_browser() -> None:
    """Skip (or, with TEST_REQUIRE_BROWSER=1, fail) the test: there is nothing to drive."""
    if os.environ.get("TEST_REQUIRE_BROWSER") == "1":
        pytest.fail(f"TEST_REQUIRE_BROWSER=1 but {INSTALL}", pytrace=False)
    pytest.skip(INSTALL)


@contextmanager
def chromium() -> Iterator[Any]:
    """A fresh headless Chromium (its own profile), closed after the block."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        no_browser()
    path = chromium_path()
    if path is None:
        no_browser()
    with (
        sync_playwright() as playwright,
        tempfile.TemporaryDirectory(prefix="chromium-") as profile,
    ):
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=path, headless=True, args=ARGS
        )
        try:
            yield context
        finally:
            context.close()


@contextmanager
def serving(wsgi_app: Any) -> Iterator[str]:
    """Serve `wsgi_app` with Werkzeug on a free port of 127.0.0.1; stopped after the block."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
